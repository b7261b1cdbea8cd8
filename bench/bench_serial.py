"""Button-box latency: a RATE frame written to the pty → the ACK read back, beside a raw durable
INSERT+COMMIT measured in the same run. Goal: p99 within 3× of the raw commit.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, summary, verdict  # noqa: E402
from hardware.reader import PortReader  # noqa: E402
from hardware.simulator import VirtualBox  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.store import VOTE_COLUMNS, VoteStore  # noqa: E402


def raw_commits(path: Path, n: int) -> list[float]:
    """n raw INSERT+COMMIT into the votes schema, WAL and synchronous=FULL."""
    VoteStore.open(path, kiosk_id="raw", tz=load_config().tz).close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = FULL")
    insert = f"INSERT INTO votes ({', '.join(VOTE_COLUMNS)}) VALUES ({', '.join('?' * len(VOTE_COLUMNS))})"
    out = []
    for i in range(n):
        row = (i + 1, str(uuid.uuid4()), "raw", "Q1", None, "HL", "sipas5", "serial:1",
               "2026-11-21T09:00:00.000+07:00", i, None, "0" * 64, "f" * 64, "2026-11-21", 0)
        t0 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(insert, row)
        raw.execute("COMMIT")
        out.append(time.perf_counter() - t0)
    raw.close()
    return out


def main(n: int = 1000) -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    config = replace(load_config(), data_dir=folder / "store")
    store = VoteStore.from_config(config)
    box = VirtualBox(folder / "box", heartbeat_s=None).plug()
    reader = PortReader(box.port, {1: "Q1"}, store, config.scale).start()
    assert reader.wait_connected(5)
    for _ in range(20):
        box.press(1)  # warm up
    print(f"button box: frame written to the pty → ACK read back, {n} presses:")
    presses = []
    raw = []
    for chunk in range(10):  # interleave, so that both see the same machine
        presses += [box.press(1 + i % 5) for i in range(n // 10)]
        raw += raw_commits(folder / f"raw{chunk}.db", n // 10)
    lost = sum(not p.acked for p in presses)
    r = summary("raw INSERT+COMMIT", raw)
    s = summary("press → ACK", [p.latency_s for p in presses])
    verdict("p99 ratio press→ACK / raw commit", s["p99"] / r["p99"], 3.0, "x")
    print(f"  presses without ACK: {lost}; resends needed: {sum(p.sends > 1 for p in presses)}")
    reader.stop()
    box.unplug()
    store.close()
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()

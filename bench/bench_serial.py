"""Button-box latency: a RATE frame written to the pty → the ACK read back, beside a raw durable
INSERT+COMMIT measured in the same run. Goal: p99 within 3× of the raw commit.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, RawCommits, summary, verdict  # noqa: E402
from hardware.reader import PortReader  # noqa: E402
from hardware.simulator import VirtualBox  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402


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
    committer = RawCommits(folder / "raw.db", source="serial:1")
    for _ in range(10):  # interleave, so that both see the same machine
        presses += [box.press(1 + i % 5) for i in range(n // 10)]
        raw += committer.times(n // 10)
    committer.close()
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

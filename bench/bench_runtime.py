"""Runtime benchmarks: what the log file costs a vote, and how long the headless kiosk takes to start
and to stop on SIGTERM — each beside a baseline measured in the same run.

Run with `make bench` (or `python bench/bench_runtime.py`). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, RawCommits, summary, verdict  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.logs import setup_logging  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402


def bench_vote_logging(n: int = 600) -> None:
    """record_vote with the kiosk's log file on, beside record_vote with logging off and a raw commit."""
    print(f"record_vote with the log file on / off, beside raw INSERT+COMMIT, {n} each, interleaved:")
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    config = replace(load_config(), data_dir=folder / "store")
    store, raw = VoteStore.from_config(config), RawCommits(folder / "raw.db")
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    on, off, t_raw = [], [], []
    try:
        for i in range(n // 10):
            t_raw += raw.times(10)
            for samples, log_dir in ((off, None), (on, folder / "logs")):
                setup_logging(log_dir, stderr=False)
                if log_dir is None:
                    root.setLevel(logging.WARNING)
                for j in range(10):
                    t0 = time.perf_counter()
                    store.record_vote(("Q1", "Q2", "Q3")[j % 3], "HL")
                    samples.append(time.perf_counter() - t0)
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
            h.close()
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
        store.close()
        raw.close()
    r = summary("raw INSERT+COMMIT", t_raw)
    s_off = summary("record_vote, logging off", off)
    s_on = summary("record_vote, log file on", on)
    verdict("p99 ratio log on / log off", s_on["p99"] / s_off["p99"], 1.1, "x")
    print(f"  median ratio log on / raw: {s_on['median'] / r['median']:.2f}x")
    shutil.rmtree(folder)


def _wait_for(path: Path, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return
        time.sleep(0.005)
    raise RuntimeError(f"{text!r} never appeared in {path}")


def bench_headless_start_stop(rounds: int = 5) -> None:
    """``main.py run --headless --simulate`` from exec to its face ready, and from SIGTERM to exit,
    beside a bare ``python -c 'import sqlite3'`` started in the same run."""
    print(f"headless kiosk start and SIGTERM stop, {rounds} rounds, beside a bare Python start:")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "DISPLAY": ""}
    env.pop("KIOSK_CONFIG", None)
    bare, start, stop = [], [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sqlite3"], check=True)
        bare.append(time.perf_counter() - t0)
        folder = Path(tempfile.mkdtemp(dir=BUILD))
        log_file = folder / "data" / "demo" / "logs" / "kiosk.log"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(root / "main.py"), "run", "--headless", "--simulate"],
                                cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(log_file, "face ready")
        start.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        stop.append(time.perf_counter() - t0)
        shutil.rmtree(folder)
    b = summary("bare python -c 'import sqlite3'", bare)
    s = summary("exec → headless face ready", start)
    summary("SIGTERM → exit (everything stopped)", stop)
    print(f"  median start ratio kiosk / bare Python: {s['median'] / b['median']:.2f}x")


def main() -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    bench_vote_logging()
    bench_headless_start_stop()


if __name__ == "__main__":
    main()

"""The kill -9 crash check, shared by the test suite (a few dozen rounds) and `make bench` (hundreds)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.store import VoteStore

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "helpers" / "vote_forever.py"


def kill_once(db: Path, rng: random.Random) -> list[str]:
    """Start a voting child, SIGKILL it at a random moment; return the UUIDs it had acknowledged."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, str(CHILD), str(db)], stdout=subprocess.PIPE, env=env)
    assert child.stdout.readline() == b"ready\n"
    time.sleep(rng.uniform(0.0, 0.15))
    os.kill(child.pid, signal.SIGKILL)
    out = child.stdout.read()
    child.wait()
    child.stdout.close()
    lines = out.split(b"\n")
    return [line.decode() for line in lines[:-1]]  # the last piece has no newline: not acknowledged


def check_after_kill(db: Path, acknowledged: set[str]) -> None:
    """Raise AssertionError unless the file is sound, the chain holds and every acknowledged vote is there."""
    with VoteStore.open(db, kiosk_id="crash-test", tz=ZoneInfo("Asia/Ho_Chi_Minh"), create=False) as store:
        assert store.integrity_check() == ["ok"]
        brk = store.verify_chain()
        assert brk is None, str(brk)
    raw = sqlite3.connect(db)
    present = {row[0] for row in raw.execute("SELECT uuid FROM votes")}
    raw.close()
    missing = acknowledged - present
    assert not missing, f"{len(missing)} acknowledged vote(s) lost, e.g. {sorted(missing)[:3]}"


def crash_rounds(db: Path, rounds: int, seed: int = 0) -> tuple[int, int]:
    """Run ``rounds`` kill-and-check rounds on one growing database; return (rounds, votes acknowledged)."""
    rng = random.Random(seed)
    acknowledged: set[str] = set()
    for _ in range(rounds):
        acknowledged.update(kill_once(db, rng))
        check_after_kill(db, acknowledged)
    return rounds, len(acknowledged)

"""Small helpers shared by the benchmarks: percentiles and a uniform way to print figures."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> str:
    """Seconds as milliseconds, for printing."""
    return f"{seconds * 1000:.3f} ms"


def summary(name: str, samples: list[float]) -> dict:
    """Median and p99 of latency samples (seconds), printed and returned."""
    med, p99 = statistics.median(samples), pct(samples, 99)
    print(f"  {name:<38} n={len(samples):>5}  median {ms(med):>12}  p99 {ms(p99):>12}")
    return {"median": med, "p99": p99}


def verdict(label: str, value: float, goal: float, unit: str = "", lower_is_better: bool = True) -> None:
    """Print a figure beside its goal."""
    ok = value <= goal if lower_is_better else value >= goal
    print(f"  {label:<38} {value:.2f}{unit} (goal {'≤' if lower_is_better else '≥'} {goal}{unit}) "
          f"{'OK' if ok else 'MISSED'}")


class RawCommits:
    """Raw sqlite3 INSERT+COMMIT into the votes schema with the store's pragmas (WAL, synchronous=FULL):
    the baseline every durable write is compared with. One connection, kept open, like the store's."""

    def __init__(self, path: Path, source: str = "touch"):
        import sqlite3

        from kiosk.config import load_config
        from kiosk.store import VOTE_COLUMNS, VoteStore
        VoteStore.open(path, kiosk_id="raw", tz=load_config().tz).close()  # the same schema and indexes
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.insert = f"INSERT INTO votes ({', '.join(VOTE_COLUMNS)}) VALUES ({', '.join('?' * len(VOTE_COLUMNS))})"
        self.seq, self.source = 0, source

    def times(self, n: int) -> list[float]:
        """Seconds taken by each of ``n`` more INSERT+COMMITs."""
        import uuid
        out = []
        for _ in range(n):
            self.seq += 1
            row = (self.seq, str(uuid.uuid4()), "raw", "Q1", None, "HL", "sipas5", self.source,
                   "2026-11-21T09:00:00.000+07:00", None, None, "0" * 64, "f" * 64, "2026-11-21", 0)
            t0 = time.perf_counter()
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(self.insert, row)
            self.conn.execute("COMMIT")
            out.append(time.perf_counter() - t0)
        return out

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

"""Small helpers shared by the benchmarks: percentiles and a uniform way to print figures."""

from __future__ import annotations

import statistics
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

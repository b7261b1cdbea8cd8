"""Vote store benchmarks: record_vote against a raw durable INSERT+COMMIT, day totals on 2,000,000
votes, demo-data speed, and hundreds of kill -9 rounds.

Run with `make bench` (or `python bench/bench_store.py`). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, RawCommits, ms, summary, verdict  # noqa: E402
from kiosk import demo
from rating import totals  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402


def bench_record_vote(n: int = 1000) -> None:
    """record_vote vs raw sqlite3 INSERT+COMMIT into the same schema with the same pragmas, interleaved."""
    print(f"record_vote vs raw INSERT+COMMIT (WAL, synchronous=FULL), {n} each, interleaved:")
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    config = replace(load_config(), data_dir=folder / "store")
    store = VoteStore.from_config(config)
    t_store, t_raw = [], []
    levels = config.scale.codes
    raw = RawCommits(folder / "raw.db")
    for i in range(n // 10):  # ten of each in turn, so that both see the same machine
        t_raw += raw.times(10)
        for j in range(10):
            t0 = time.perf_counter()
            store.record_vote(("Q1", "Q2", "Q3")[j % 3], levels[(i + j) % len(levels)])
            t_store.append(time.perf_counter() - t0)
    r = summary("raw INSERT+COMMIT", t_raw)
    s = summary("record_vote", t_store)
    verdict("p99 ratio record_vote / raw", s["p99"] / r["p99"], 1.5, "x")
    print(f"  median ratio: {s['median'] / r['median']:.2f}x")
    store.close()
    raw.close()
    shutil.rmtree(folder)


def big_store(votes: int = 2_000_000) -> tuple[VoteStore, object, float | None]:
    """A store with at least ``votes`` demo votes, kept in build/bench between runs; and how long it took to make."""
    config = replace(load_config(), data_dir=BUILD / "big")
    store = VoteStore.from_config(config)
    have = store.count()
    if have >= votes:
        return store, config, None
    per_day = 1500
    days = votes * 7 // (per_day * 5 + per_day // 3) + 2
    print(f"building a {votes:,}-vote demo store in {config.data_dir} (once; kept for later runs)...")
    t0 = time.perf_counter()
    end = datetime(2026, 11, 20, 17, tzinfo=config.tz)
    n = store.record_votes(demo.demo_votes(config.counters, config.scale, config.tz, days, per_day, 1, end))
    elapsed = time.perf_counter() - t0
    print(f"  demo-data: {n:,} votes in {elapsed:.1f} s = {n / elapsed:,.0f} votes/s "
          f"→ one million in {1e6 / (n / elapsed):.1f} s (goal < 60 s)")
    return store, config, elapsed


def bench_demo_speed(n_target: int = 300_000) -> None:
    """demo-data speed on a fresh store, through the real store code."""
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    config = replace(load_config(), data_dir=folder)
    store = VoteStore.from_config(config)
    end = datetime(2026, 11, 20, 17, tzinfo=config.tz)
    t0 = time.perf_counter()
    n = demo.generate(store, config.counters, config.scale, days=n_target // 1000, per_day=1200, seed=3, end=end)
    elapsed = time.perf_counter() - t0
    print(f"demo-data on a fresh store: {n:,} votes in {elapsed:.2f} s = {n / elapsed:,.0f} votes/s")
    verdict("seconds for one million votes", 1e6 / (n / elapsed), 60, " s")
    t0 = time.perf_counter()
    brk = store.verify_chain()
    print(f"  verify chain afterwards: {'ok' if brk is None else brk} in {time.perf_counter() - t0:.2f} s")
    store.close()
    shutil.rmtree(folder)


def bench_totals() -> None:
    """One day's totals, in-process, on a 2,000,000-vote store."""
    store, config, _ = big_store()
    n = store.count()
    days = [d for (d,) in store.query("SELECT DISTINCT local_date FROM votes")]
    rng = random.Random(5)
    samples = []
    for day in rng.sample(days, min(50, len(days))):
        t0 = time.perf_counter()
        result = totals.day_totals(store, config.counters, config.scale, date.fromisoformat(day))
        samples.append(time.perf_counter() - t0)
    print(f"totals for one day on a {n:,}-vote store (about {result['all']['total'] + result['all']['flagged']} votes that day):")
    s = summary("day_totals (in-process)", samples)
    verdict("median day_totals", s["median"] * 1000, 50, " ms")
    t0 = time.perf_counter()
    month = totals.period_report(store, config.counters, config.scale, date(2026, 10, 1), date(2026, 10, 31))
    print(f"  a month's per-day report: {ms(time.perf_counter() - t0)} ({month['period']['all']['total']:,} votes)")
    store.close()


def bench_crash(rounds: int = 200) -> None:
    """Hundreds of SIGKILL rounds; every acknowledged vote must be there after each."""
    from tests.crash import crash_rounds
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    t0 = time.perf_counter()
    done, acked = crash_rounds(folder / "votes.db", rounds=rounds, seed=int(time.time()))
    print(f"kill -9 crash rounds: {done} rounds, {acked:,} acknowledged votes, none lost, "
          f"integrity and chain ok after every round ({time.perf_counter() - t0:.0f} s)")
    shutil.rmtree(folder)


def main() -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    bench_record_vote()
    bench_demo_speed()
    bench_totals()
    bench_crash()


if __name__ == "__main__":
    main()

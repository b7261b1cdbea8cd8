"""II.7 report benchmark: the workbook and the PDF for one year of a busy centre (about a million votes),
each beside a bare SQL aggregation of the same period, measured in the same run.

Goal (issue 8): under 3 s each, and within 3x the bare aggregation. Run with `make bench` (or
`python bench/bench_report.py`). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, verdict  # noqa: E402
from kiosk import demo  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.report import StoreReader, aggregate_sql, render, report_for_store, write_report  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402

YEAR = 2026
PER_WEEKDAY = 3600   # a busy centre: 3,600 votes a weekday, 1,200 on Saturday → about a million a year


def year_store(votes: int = 1_000_000):
    """A store with one year of demo votes (kept in build/bench/report-year between runs)."""
    config = replace(load_config(), data_dir=BUILD / "report-year")
    store = VoteStore.from_config(config)
    if store.count() >= votes * 0.95:
        return store, config
    print(f"building a year of demo votes in {config.data_dir} (once; kept for later runs)...")
    t0 = time.perf_counter()
    end = datetime(YEAR, 12, 31, 17, tzinfo=config.tz)
    n = store.record_votes(demo.demo_votes(config.counters, config.scale, config.tz, 365, PER_WEEKDAY, 8, end))
    print(f"  {n:,} votes in {time.perf_counter() - t0:.1f} s")
    return store, config


def _time(fn, repeat: int = 3) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), result


def main() -> None:
    store, config = year_store()
    d_from, d_to = date(YEAR, 1, 1), date(YEAR, 12, 31)
    period = [d_from.isoformat(), d_to.isoformat()]
    n = store.query("SELECT count(*) FROM votes WHERE local_date BETWEEN ? AND ?", period)[0][0]
    print(f"II.7 report for {YEAR} on {n:,} votes (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    bare, _ = _time(lambda: store.query("SELECT counter_id, level, flag IS NOT NULL, count(*) FROM votes "
                                        "WHERE local_date BETWEEN ? AND ? GROUP BY 1, 2, 3", period))
    print(f"  {'bare SQL aggregation (counter × level)':<44} {bare:6.2f} s")
    grouped, _ = _time(lambda: store.query(aggregate_sql("local_date BETWEEN ? AND ?"), period), repeat=1)
    print(f"  {'the portable grouped query alone (SqlReader)':<44} {grouped:6.2f} s")
    scan, data = _time(lambda: StoreReader().read(store, d_from, d_to, [config.kiosk_id], None), repeat=1)
    print(f"  {'the kiosk pass: every hash, digest, counts':<44} {scan:6.2f} s  (chain ok: {data.chains[0].ok})")
    model = report_for_store(store, config, d_from, d_to)
    for fmt in ("xlsx", "pdf"):
        r, data = _time(lambda: render(model, fmt))
        print(f"  {'  render ' + fmt + ' alone':<44} {r:6.2f} s  ({len(data) / 1024:,.0f} KiB)")
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    try:
        for fmt, label in (("xlsx", "the workbook"), ("pdf", "the PDF")):
            total, path = _time(lambda: write_report(store, config, d_from, d_to, fmt, folder))
            print(f"  {label + ' end to end (write_report)':<44} {total:6.2f} s  → {path.name}")
            verdict(f"{label}: seconds", total, 3.0, " s")
            verdict(f"{label} / bare aggregation", total / bare, 3.0, "x")
    finally:
        shutil.rmtree(folder)
        store.close()


if __name__ == "__main__":
    main()

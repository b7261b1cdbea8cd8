"""II.7 report benchmark: the workbook and the PDF for one year of a busy centre (about a million votes),
each beside a bare SQL aggregation of the same period, measured in the same run.

Goal (issue 8): under 3 s each, and within 3x the bare aggregation. Run with `make bench` (or
`python bench/bench_report.py`). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

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
from kiosk.report import render, report_for_store, write_report  # noqa: E402
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
    print(f"II.7 report for {YEAR} on {n:,} votes (median of 3 runs each):")
    bare, _ = _time(lambda: store.query("SELECT counter_id, level, flag IS NOT NULL, count(*) FROM votes "
                                        "WHERE local_date BETWEEN ? AND ? GROUP BY 1, 2, 3", period))
    print(f"  {'bare SQL aggregation (counter × level)':<44} {bare:6.2f} s")
    wide, _ = _time(lambda: store.query(
        "SELECT kiosk_id, local_date, substr(local_time, 12, 2), scale, counter_id, coalesce(officer, ''), level, "
        "flag IS NOT NULL, out_of_hours, count(*) FROM votes WHERE local_date BETWEEN ? AND ? "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9", period))
    print(f"  {'the report model grouped query alone':<44} {wide:6.2f} s")
    model_t, model = _time(lambda: report_for_store(store, config, d_from, d_to))
    print(f"  {'report model (grouped query, digest, chain)':<44} {model_t:6.2f} s")
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

"""II.7 report benchmark: the workbook and the PDF for one year of a busy centre (about a million votes),
each beside a bare SQL aggregation of the same period, measured in the same run.

Goals: under 2 s each, and within 2x the bare aggregation (issue 15; issue 8's were 3 s and 3x). Run with `make bench` (or
`python bench/bench_report.py`). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, replace
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, verdict  # noqa: E402
from kiosk import demo  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from rating.report import (ReportUnit, StoreReader, aggregate_sql, build_report, render, report_for_store,  # noqa: E402
                          write_report)
from kiosk.store import CHECKPOINT_KEY, REPORT_INDEXES, VoteStore  # noqa: E402

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


def vote_path(n: int = 600) -> None:
    """The price of the report's indexes on the vote path: record_vote into a store with them and into one
    without (dropped after opening), interleaved so that both see the same machine."""
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    try:
        stores = []
        for name in ("with", "without"):
            config = replace(load_config(), data_dir=folder / name)
            stores.append(VoteStore.from_config(config))
        stores[1].write(lambda conn: [conn.execute(f"DROP INDEX {i}") for i in REPORT_INDEXES], "bench")
        samples: list[list[float]] = [[], []]
        levels = config.scale.codes
        for i in range(n // 10):
            for k in (0, 1) if i % 2 else (1, 0):
                for j in range(10):
                    t0 = time.perf_counter()
                    stores[k].record_vote(("Q1", "Q2", "Q3")[j % 3], levels[(i + j) % len(levels)])
                    samples[k].append(time.perf_counter() - t0)
        med = [statistics.median(x) for x in samples]
        print(f"record_vote with the report's indexes vs without, {n} each, interleaved: median "
              f"{med[0] * 1000:.2f} ms vs {med[1] * 1000:.2f} ms = {med[0] / med[1]:.2f}x")
        for s in stores:
            s.close()
    finally:
        shutil.rmtree(folder)


def questionnaire_section() -> None:
    """The questionnaire section (issue 11) over the questionnaire bench's 100,000 responses in 2026-Q4
    (the year store above has none: there the section costs two probes and one empty query)."""
    from bench.bench_questionnaire import Q4, big_answer_store
    from rating.report.questionnaires import questionnaire_sections
    q_store, _ = big_answer_store()
    try:
        secs, (sections, _) = _time(lambda: questionnaire_sections(q_store, *Q4))  # as the kiosk reads: no filter
        print(f"  {'questionnaire section, 100,000 responses':<44} {secs:6.2f} s  (index {sections[0].index})")
        model = build_report(q_store, unit=ReportUnit(), d_from=Q4[0], d_to=Q4[1], scale="sipas5", counters=[],
                             kiosk_ids=[q_store.kiosk_id], questionnaire_filters={})
        for fmt in ("xlsx", "pdf"):
            r, data = _time(lambda: render(model, fmt))
            print(f"  {'  render ' + fmt + ' with its questionnaire sheet':<44} {r:6.2f} s  ({len(data) / 1024:,.0f} KiB)")
    finally:
        q_store.close()


def vote_list(store, config, d_from: date, d_to: date) -> None:
    """``report --format votes`` for the year beside a bare sqlite3 SELECT of the same rows written with the
    csv module (one cursor, no paging), both into a file; and the Python memory peak of ours (tracemalloc,
    a separate pass), which must not grow with the period."""
    import csv
    import sqlite3
    import tracemalloc
    from rating.report import write_vote_list
    from rating.report.votes import COLUMNS
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    try:
        def bare():
            conn = sqlite3.connect(store.path)
            with open(folder / "bare.csv", "w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(COLUMNS)
                w.writerows(conn.execute(f"SELECT {', '.join(COLUMNS)} FROM votes WHERE local_date BETWEEN ? AND ? "
                                         "ORDER BY kiosk_id, seq", [d_from.isoformat(), d_to.isoformat()]))
            conn.close()
        t_bare, _ = _time(bare, repeat=1)
        t_ours, tally = _time(lambda: write_vote_list(store, config, d_from, d_to, folder / "votes.csv"), repeat=1)
        size = (folder / "votes.csv").stat().st_size
        print(f"  {'bare SELECT + csv of the year (baseline)':<44} {t_bare:6.2f} s")
        print(f"  {'the vote list (report --format votes)':<44} {t_ours:6.2f} s  ({tally.votes:,} votes, "
              f"{size / 2**20:,.0f} MiB, {t_ours / t_bare:.1f}x the bare SELECT)")
        peaks = []
        for days in (31, 366):
            tracemalloc.start()
            write_vote_list(store, config, d_from, min(d_to, date.fromordinal(d_from.toordinal() + days - 1)),
                            folder / "m.csv")
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        print(f"  {'  Python memory peak, a month / the year':<44} {peaks[0] / 2**20:6.1f} / {peaks[1] / 2**20:.1f} MiB")
    finally:
        shutil.rmtree(folder)


def main() -> None:
    vote_path()
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
    # Before: the merged report re-hashed every vote of the period at every export. That is still what
    # happens without a checkpoint (and it sets one, the period starting at vote 1).
    store.set_setting(CHECKPOINT_KEY, "")
    scan, data = _time(lambda: StoreReader().read(store, d_from, d_to, [config.kiosk_id], None), repeat=1)
    print(f"  {'before: kiosk pass re-hashing every vote':<44} {scan:6.2f} s  (chain ok: {data.chains[0].ok})")
    cp = store.chain_checkpoint()
    scan, data = _time(lambda: StoreReader().read(store, d_from, d_to, [config.kiosk_id], None))
    print(f"  {'after: kiosk pass from the checkpoint':<44} {scan:6.2f} s  (chain ok: {data.chains[0].ok}; "
          f"checkpoint seq {cp.seq if cp else None})")
    # A day of a busy centre recorded after the checkpoint: what the next report re-hashes.
    back = replace(cp, seq=cp.seq - PER_WEEKDAY, hash=store.query("SELECT hash FROM votes WHERE seq = ?",
                                                                   [cp.seq - PER_WEEKDAY])[0][0])
    store.set_setting(CHECKPOINT_KEY, json.dumps(asdict(back)))
    scan, data = _time(lambda: StoreReader().read(store, d_from, d_to, [config.kiosk_id], None), repeat=1)
    print(f"  {'after, a day (3,600 votes) past the checkpoint':<44} {scan:6.2f} s  (chain ok: {data.chains[0].ok})")
    model = report_for_store(store, config, d_from, d_to)
    for fmt in ("xlsx", "pdf"):
        r, data = _time(lambda: render(model, fmt))
        print(f"  {'  render ' + fmt + ' alone':<44} {r:6.2f} s  ({len(data) / 1024:,.0f} KiB)")
    questionnaire_section()
    vote_list(store, config, d_from, d_to)
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    try:
        for fmt, label in (("xlsx", "the workbook"), ("pdf", "the PDF")):
            total, path = _time(lambda: write_report(store, config, d_from, d_to, fmt, folder))
            print(f"  {label + ' end to end (write_report)':<44} {total:6.2f} s  → {path.name}")
            verdict(f"{label}: seconds", total, 2.0, " s")
            verdict(f"{label} / bare aggregation", total / bare, 2.0, "x")
    finally:
        shutil.rmtree(folder)
        store.close()


if __name__ == "__main__":
    main()

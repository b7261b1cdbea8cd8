"""The kiosk's CSV exports (``report --format csv``, ``totals``, the manager's USB export): text that came
from outside never reaches a spreadsheet as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from rating import totals
from rating.export import report_csv_bytes, safe_cell, table_csv_rows
from rating.period import LOCAL_TZ
from rating.units import Counter

DAY = date(2026, 11, 20)
# What a spreadsheet runs as a formula, stated here on its own: a test that borrowed the rule could not catch it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def _cells(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]


def test_a_cell_that_would_start_a_formula_is_written_as_text_and_other_values_as_they_are():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Quầy 1 — Tư pháp") == "Quầy 1 — Tư pháp"
    assert safe_cell(-3) == -3 and safe_cell(None) is None
    assert safe_cell(safe_cell("=1")) == "'=1"  # escaping twice changes nothing more


def test_counter_names_from_the_configuration_never_start_a_formula_in_the_period_report(store, config):
    counters = [Counter(f"Q{i}", name) for i, name in enumerate(HOSTILE, start=1)]
    store.record_vote("Q1", "RHL", at=datetime(2026, 11, 20, 8, tzinfo=LOCAL_TZ))
    report = totals.period_report(store, counters, config.scale, DAY, DAY)
    cells = _cells(report_csv_bytes(report, config.scale))
    assert "'=HYPERLINK(\"http://x\")" in cells and "'@SUM(A1)" in cells
    assert not any(c.startswith(FORMULA_START) for c in cells)


def test_officer_codes_typed_on_the_roster_never_start_a_formula_in_the_officers_table(store, config):
    for i, code in enumerate(("=cmd|' /C calc'!A0", "-CB1", "CB07")):
        store.record_vote("Q1", "HL", officer=code, at=datetime(2026, 11, 20, 9, i, tzinfo=LOCAL_TZ))
    table = totals.period_totals(store, (), config.scale, DAY, DAY, DAY.isoformat(), by="officer")
    cells = [c for row in table_csv_rows(table, config.scale, by="officer") for c in row if isinstance(c, str)]
    assert "'=cmd|' /C calc'!A0" in cells and "'-CB1" in cells and "CB07" in cells
    assert not any(c.startswith(FORMULA_START) for c in cells)


def test_names_and_codes_from_outside_never_start_a_formula_in_the_ii7_csv(tmp_path):
    from kiosk.config import load_config
    from kiosk.store import VoteStore
    from rating.report import render, report_for_store
    from tests.conftest import write_config
    config = load_config(write_config(tmp_path, counters=(("Q1", "=HYPERLINK(1)"), ("Q2", "@Quầy 2"))))
    with VoteStore.from_config(config) as store:
        store.record_vote("Q1", "RHL", officer="-CB1", at=datetime(2026, 11, 20, 8, tzinfo=LOCAL_TZ))
        for by in ("counter", "officer"):
            cells = _cells(render(report_for_store(store, config, DAY, DAY, by=by), "csv"))
            assert not any(c.startswith(FORMULA_START) for c in cells), by
            assert ("'=HYPERLINK(1)" in cells and "'@Quầy 2" in cells) if by == "counter" else "'-CB1" in cells

"""A new user's first report: `demo-data` records reasons after a share of the low ratings, as the touch
screen does, so the workbook's Lý do section is not all zeros — and its counts are the store's."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import openpyxl

from kiosk.flow import LOW_LEVELS
from rating.sipas import ELEMENTS
from tests.conftest import run_cli


def _from_the_store(db: Path) -> tuple[Counter, int, int]:
    """Reasons of counted (unflagged) votes per element, the low votes, and the low votes with a reason —
    read with plain sqlite3, not the report code."""
    with sqlite3.connect(db) as conn:
        per_element = Counter(dict(conn.execute(
            "SELECT r.element, count(*) FROM vote_reasons r JOIN votes v ON v.uuid = r.vote_uuid "
            "WHERE v.flag IS NULL GROUP BY r.element").fetchall()))
        marks = ", ".join("?" * len(LOW_LEVELS))
        low = conn.execute(f"SELECT count(*) FROM votes WHERE flag IS NULL AND level IN ({marks})",
                           sorted(LOW_LEVELS)).fetchone()[0]
        with_reason = conn.execute("SELECT count(DISTINCT vote_uuid) FROM vote_reasons").fetchone()[0]
        on_other = conn.execute(f"SELECT count(*) FROM vote_reasons r JOIN votes v ON v.uuid = r.vote_uuid "
                                f"WHERE v.level NOT IN ({marks}) OR v.flag IS NOT NULL",
                                sorted(LOW_LEVELS)).fetchone()[0]
    assert on_other == 0  # reasons follow a low rating only, never a satisfied one or a flagged repeat
    return per_element, low, with_reason


def test_demo_data_gives_the_reasons_section_counts_that_match_the_store(tmp_path):
    out = run_cli("demo-data", "--days", "30", "--per-day", "40", "--seed", "5", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    per_element, low, with_reason = _from_the_store(tmp_path / "data" / "demo" / "votes.db")
    assert low > 50
    assert 0.3 * low < with_reason < 0.9 * low  # a share of the low ratings, not all of them, not none
    assert sum(per_element.values()) >= with_reason and set(per_element) <= set(ELEMENTS)
    assert len(per_element) >= 4  # several elements cited, not one

    # The whole demo period (30 days ending today): a year covers it unless it began last December.
    period = ["--from", "2000-01-01", "--to", "2099-12-31"]
    model = run_cli("report", *period, "--format", "json", "--by", "counter", cwd=tmp_path)
    assert model.returncode == 0, model.stderr
    reasons = {r["element"]: r["count"] for r in json.loads(model.stdout)["reasons"]}
    assert reasons == {code: per_element.get(code, 0) for code in ELEMENTS}

    book = tmp_path / "book.xlsx"
    made = run_cli("report", *period, "--format", "xlsx", "--out", str(book), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    rows = {r[1]: r[2] for r in openpyxl.load_workbook(book, data_only=True)["Lý do"].iter_rows(values_only=True)
            if isinstance(r[0], (int, float))}
    assert rows == {label: per_element.get(code, 0) for code, (label, _en) in ELEMENTS.items()}
    assert all(n > 0 for n in list(rows.values())[:4])


def test_the_same_seed_gives_the_same_reasons(tmp_path):
    got = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        assert run_cli("demo-data", "--days", "5", "--per-day", "40", "--seed", "9", cwd=tmp_path / run).returncode == 0
        with sqlite3.connect(tmp_path / run / "data" / "demo" / "votes.db") as conn:
            got.append(conn.execute("SELECT v.seq, r.element FROM vote_reasons r JOIN votes v ON v.uuid = r.vote_uuid "
                                    "ORDER BY 1, 2").fetchall())
    assert got[0] and got[0] == got[1]

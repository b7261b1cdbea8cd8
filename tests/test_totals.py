"""Totals and reports: the contract shape, flags beside counts, nothing converted or lost."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rating import totals
from rating.scales import get_scale
from tests.helpers.intervals import textbook_wilson

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 20)


def at(hour, minute=0, second=0, day=DAY):
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


def test_the_day_totals_have_the_contract_shape_with_every_counter(store, config):
    store.record_vote("Q1", "RHL", at=at(8))
    store.record_vote("Q1", "HL", at=at(8, 5))
    store.record_vote("Q1", "KHL", at=at(8, 10))
    result = totals.day_totals(store, config.counters, config.scale, DAY)
    # issue 18: the 95 % Wilson interval (recomputed from the textbook) and the small-sample mark, beside
    lo, hi = textbook_wilson(2, 3)
    ci_3 = {"ci_low": lo, "ci_high": hi, "small_sample": True}
    no_ci = {"ci_low": None, "ci_high": None, "small_sample": False}
    assert result == {
        "date": "2026-11-20", "scale": "sipas5",
        "counters": [
            {"counter": "Q1", "name": "Quầy 1 — Tư pháp, hộ tịch",
             "levels": {"RHL": 1, "HL": 1, "BT": 0, "KHL": 1, "RKHL": 0},
             "total": 3, "satisfied": 2, "satisfied_pct": 66.7, "flagged": 0, **ci_3},
            {"counter": "Q2", "name": "Quầy 2 — Đất đai",
             "levels": {"RHL": 0, "HL": 0, "BT": 0, "KHL": 0, "RKHL": 0},
             "total": 0, "satisfied": 0, "satisfied_pct": None, "flagged": 0, **no_ci},
            {"counter": "Q3", "name": "Quầy 3 — Lao động",
             "levels": {"RHL": 0, "HL": 0, "BT": 0, "KHL": 0, "RKHL": 0},
             "total": 0, "satisfied": 0, "satisfied_pct": None, "flagged": 0, **no_ci},
        ],
        "all": {"levels": {"RHL": 1, "HL": 1, "BT": 0, "KHL": 1, "RKHL": 0},
                "total": 3, "satisfied": 2, "satisfied_pct": 66.7, "flagged": 0, **ci_3,
                "tied": 0},   # issue 18: counted votes tied to a transaction (none here: no number asked)
    }


def test_flagged_repeats_are_left_out_of_the_counts_and_reported_beside(store, config):
    store.record_vote("Q2", "RKHL", at=at(9))
    store.record_vote("Q2", "RKHL", at=at(9, 0, 3))
    store.record_vote("Q2", "RKHL", at=at(9, 0, 6))
    q2 = totals.day_totals(store, config.counters, config.scale, DAY)["counters"][1]
    assert (q2["levels"]["RKHL"], q2["total"], q2["flagged"]) == (1, 1, 2)


def test_only_the_requested_day_counts(store, config):
    store.record_vote("Q1", "HL", at=at(23, 59, 59))
    store.record_vote("Q1", "HL", at=at(0, 0, 0, day=DAY + timedelta(days=1)))
    store.record_vote("Q1", "HL", at=at(0, 0, 0))
    assert totals.day_totals(store, config.counters, config.scale, DAY)["all"]["total"] == 2


def test_votes_on_another_scale_are_reported_not_converted(store, config):
    store.record_vote("Q1", "HL", at=at(8))
    store.record_vote("Q1", "KHL", scale="onestop3", at=at(8, 30))
    result = totals.day_totals(store, config.counters, config.scale, DAY)
    assert result["all"]["total"] == 1
    assert result["all"]["other_scales"] == {"onestop3": 1}


def test_votes_at_a_counter_no_longer_configured_still_appear(store, config):
    store.counters = None  # the counter existed when the vote was cast
    store.record_vote("Q9", "HL", at=at(8))
    rows = totals.day_totals(store, config.counters, config.scale, DAY)["counters"]
    assert [r["counter"] for r in rows] == ["Q1", "Q2", "Q3", "Q9"]
    assert rows[-1]["name"] is None and rows[-1]["total"] == 1


@pytest.mark.parametrize("scale_id,levels,satisfied", [
    ("sipas5", ["RHL", "HL", "BT", "KHL", "RKHL"], 2),
    ("onestop3", ["RHL", "HL", "KHL"], 2),
    ("smiley4", ["RHL", "HL", "KHL", "RKHL"], 2),
])
def test_satisfied_is_rhl_plus_hl_on_every_scale(scale_id, levels, satisfied):
    s = totals.summarise({code: 1 for code in levels}, 0, get_scale(scale_id))
    assert (s["satisfied"], s["total"]) == (satisfied, len(levels))
    assert s["satisfied_pct"] == round(100 * satisfied / len(levels), 1)


def test_a_period_report_has_every_day_and_the_period_total(store, config):
    store.record_vote("Q1", "RHL", at=at(8, day=DAY))
    store.record_vote("Q2", "BT", at=at(8, day=DAY + timedelta(days=2)))
    report = totals.period_report(store, config.counters, config.scale, DAY, DAY + timedelta(days=2))
    assert [d["date"] for d in report["days"]] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert [d["all"]["total"] for d in report["days"]] == [1, 0, 1]
    assert report["period"]["all"]["levels"] == {"RHL": 1, "HL": 0, "BT": 1, "KHL": 0, "RKHL": 0}
    assert report["period"]["all"]["satisfied_pct"] == 50.0


def test_a_period_that_ends_before_it_starts_is_refused(store, config):
    with pytest.raises(ValueError, match="ends"):
        totals.period_report(store, config.counters, config.scale, DAY, DAY - timedelta(days=1))


def test_the_day_totals_query_uses_the_covering_index(store):
    plan = store.query("EXPLAIN QUERY PLAN SELECT local_date, scale, counter_id, level, flag IS NOT NULL, count(*) "
                       "FROM votes WHERE local_date BETWEEN ? AND ? GROUP BY 1, 2, 3, 4, 5", ("a", "b"))
    assert any("COVERING INDEX votes_by_day" in row[-1] for row in plan)

"""The II.7 report model against numbers computed independently from the raw rows (sqlite3 + Python)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date

import pytest

from kiosk.config import ConfigError, load_config, parse_config
from rating.period import PeriodError, date_line, parse_period
from rating.report import ReportSettings, ReportUnit, build_report, chain_scan, pct, report_for_store
from rating.report.model import SMALL_SAMPLE
from kiosk.store import VoteStore
from tests.conftest import write_config
from tests.helpers.report_data import (D_FROM, D_TO, FLAGGED_ONLY_DAY, REPORT_CONFIG, expected, fill_rich,
                                       half_up, satisfied, summed)


@pytest.fixture
def rich(tmp_path):
    """A store holding the rich week, its config, and the expected numbers."""
    config = load_config(write_config(tmp_path, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        yield store, config, expected(config.db_path, D_FROM, D_TO)


class PortableSource:
    """A vote source that refuses SQL which would not run on PostgreSQL, and answers ``flag IS NOT NULL``
    with booleans as psycopg does."""

    def __init__(self, path):
        self.conn = sqlite3.connect(path)
        self.statements: list[str] = []

    def query(self, sql, params=()):
        low = sql.lower()
        for banned in ("strftime", "julianday", "date(", "ifnull", "group_concat", ":", "$"):
            assert banned not in low, f"not portable: {banned} in {sql}"
        assert sql.count("?") == len(params)
        self.statements.append(sql)
        rows = self.conn.execute(sql, params).fetchall()
        if "flag is not null" in low:
            rows = [tuple(bool(v) if i == 7 else v for i, v in enumerate(r)) for r in rows]
        return rows


def test_every_counter_total_and_percentage_matches_the_raw_rows(rich):
    store, config, e = rich
    m = report_for_store(store, config, D_FROM, D_TO)
    assert [r.key for r in m.by_counter.rows] == ["Q1", "Q2", "Q3"]
    for row in m.by_counter.rows:
        levels = e.levels.get(row.key, {})
        assert row.levels == {c: levels.get(c, 0) for c in config.scale.codes}
        assert row.total == sum(levels.values())
        assert row.satisfied == satisfied(levels)
        assert row.satisfied_pct == half_up(satisfied(levels), sum(levels.values()))
        assert row.level_pct == {c: half_up(levels.get(c, 0), sum(levels.values())) for c in config.scale.codes}
        assert row.flagged == e.flagged.get(row.key, 0)
    all_levels = summed(e.levels)
    t = m.by_counter.total
    assert t.total == sum(all_levels.values()) and t.satisfied == satisfied(all_levels)
    assert t.satisfied_pct == half_up(satisfied(all_levels), sum(all_levels.values()))
    assert t.flagged == sum(e.flagged.values())
    assert t.target_met is (t.satisfied_pct >= 90.0)


def test_a_counter_with_no_votes_is_listed_with_zeros_and_no_rate(rich):
    store, config, _ = rich
    q3 = report_for_store(store, config, D_FROM, D_TO).by_counter.rows[2]
    assert (q3.key, q3.total, q3.satisfied_pct, q3.target_met, q3.small_sample) == ("Q3", 0, None, None, False)


def test_twenty_officers_each_match_the_raw_rows_and_names_come_from_the_config(rich):
    store, config, e = rich
    m = report_for_store(store, config, D_FROM, D_TO)
    assert len(m.by_officer.rows) == 20
    for row in m.by_officer.rows:
        assert row.total == sum(e.officers[row.key].values())
        assert row.satisfied_pct == half_up(satisfied(e.officers[row.key]), row.total)
        assert row.small_sample == (row.total < SMALL_SAMPLE)
    cb07 = next(r for r in m.by_officer.rows if r.key == "CB07")
    assert cb07.label == "CB07 — Lê Văn C"
    assert next(r for r in m.by_officer.rows if r.key == "CB08").label == "CB08"


def test_a_day_with_only_flagged_votes_shows_its_flags_and_no_rate(rich):
    store, config, e = rich
    m = report_for_store(store, config, D_FROM, D_TO)
    friday = next(r for r in m.by_day.rows if r.key == FLAGGED_ONLY_DAY.isoformat())
    assert (friday.total, friday.flagged, friday.satisfied_pct) == (0, 1, None)
    assert {r.key for r in m.by_day.rows} == set(e.days) | set(e.day_flagged)
    for row in m.by_day.rows:
        assert row.total == sum(e.days.get(row.key, {}).values())
        assert row.flagged == e.day_flagged.get(row.key, 0)


def test_votes_on_another_scale_are_reported_apart_and_never_converted(rich):
    store, config, e = rich
    m = report_for_store(store, config, D_FROM, D_TO)
    assert [o.scale for o in m.other_scales] == ["onestop3"]
    other = m.other_scales[0]
    assert other.codes == ("RHL", "HL", "KHL")
    assert {r.key: r.levels for r in other.table.rows} == {
        c: {code: lv.get(code, 0) for code in other.codes} for c, lv in e.other["onestop3"].items()}
    onestop = sum(sum(lv.values()) for lv in e.other["onestop3"].values())
    assert m.verification.other_scales == onestop > 0
    assert m.by_counter.total.total + onestop + e.all_flagged == e.in_period


def test_the_hour_by_weekday_grid_matches_the_raw_rows(rich):
    store, config, e = rich
    g = report_for_store(store, config, D_FROM, D_TO).by_hour
    for i, hour in enumerate(g.hours):
        for wd in range(7):
            n, sat = e.hours.get((hour, wd), [0, 0])
            assert (g.votes[i][wd], g.satisfied[i][wd], g.pct[i][wd]) == (n, sat, half_up(sat, n))
    assert sum(map(sum, g.votes)) == sum(n for n, _ in e.hours.values())


def test_reasons_count_counted_low_ratings_and_share_them_out(rich):
    store, config, e = rich
    m = report_for_store(store, config, D_FROM, D_TO)
    low = m.by_counter.total.total - m.by_counter.total.satisfied
    assert m.low_ratings == low
    assert {r.element: r.count for r in m.reasons} == {k: e.reasons.get(k, 0) for k in
                                                       ("access", "procedure", "officer", "result", "feedback")}
    assert all(r.share_pct == half_up(r.count, low) for r in m.reasons)
    assert sum(e.reasons.values()) > 0


def test_the_votes_digest_is_recomputed_from_a_raw_export(rich):
    store, config, e = rich
    v = report_for_store(store, config, D_FROM, D_TO).verification
    assert v.votes_sha256 == e.digest
    assert (v.votes_in_period, v.flagged, v.out_of_hours) == (e.in_period, e.all_flagged, e.ooh)
    assert v.kiosk_ids == ["test-01"]


def test_the_chain_check_recomputes_hashes_and_names_the_head(rich):
    store, config, _ = rich
    head_seq, head_hash = store.query("SELECT seq, hash FROM votes ORDER BY seq DESC LIMIT 1")[0]
    check = report_for_store(store, config, D_FROM, D_TO).verification.chains[0]
    assert check.ok and (check.head_seq, check.head_hash) == (head_seq, head_hash)


def test_an_edited_vote_in_the_period_fails_the_chain_check(rich):
    store, config, _ = rich
    raw = sqlite3.connect(config.db_path)
    raw.execute("UPDATE votes SET level = 'RHL' WHERE seq = 10")
    raw.commit()
    raw.close()
    check = report_for_store(store, config, D_FROM, D_TO).verification.chains[0]
    assert not check.ok and check.detail == "tại phiếu số 10: mã băm không khớp (phiếu đã bị sửa)"


def test_any_portable_source_gives_the_same_numbers_with_a_link_check(rich):
    store, config, _ = rich
    source = PortableSource(config.db_path)
    m = build_report(source, unit=ReportUnit(), d_from=D_FROM, d_to=D_TO, scale="sipas5", counters=config.counters,
                     kiosk_ids=["test-01"], settings=ReportSettings(generated_at=None))
    mine = report_for_store(store, config, D_FROM, D_TO)
    assert m.by_counter == mine.by_counter and m.by_hour == mine.by_hour and m.by_day == mine.by_day
    assert m.verification.votes_sha256 == mine.verification.votes_sha256
    assert m.verification.chains[0].ok and "prev_hash" in m.verification.chains[0].checked
    # Only the vote tables, and the questionnaire tables for the questionnaire section.
    assert all("votes" in sql or " q_" in sql for sql in source.statements)


def test_the_link_check_finds_a_deleted_vote(rich):
    store, config, _ = rich
    raw = sqlite3.connect(config.db_path)
    raw.execute("DELETE FROM votes WHERE seq = 12")
    raw.commit()
    check = chain_scan(PortableSource(config.db_path), "test-01", D_FROM, D_TO, [])
    assert not check.ok and check.detail == "tại phiếu số 13: thiếu phiếu số 12 (đã bị xoá?)"


def test_a_period_with_no_votes_has_zero_counts_and_no_rates(store, config):
    m = report_for_store(store, config, date(2026, 1, 1), date(2026, 3, 31))
    assert m.by_counter.total.total == 0 and m.by_counter.total.satisfied_pct is None
    assert m.target_met is None and m.by_officer.rows == [] and m.by_day.rows == []
    assert m.verification.votes_sha256 == hashlib.sha256(b"").hexdigest()


def test_out_of_hours_votes_can_be_left_out_and_the_report_says_so(rich):
    store, config, e = rich
    source = PortableSource(config.db_path)
    kept = build_report(source, unit=ReportUnit(), d_from=D_FROM, d_to=D_TO, scale="sipas5", counters=config.counters)
    left = build_report(source, unit=ReportUnit(), d_from=D_FROM, d_to=D_TO, scale="sipas5", counters=config.counters,
                        settings=ReportSettings(include_out_of_hours=False))
    unflagged_ooh = sum(1 for r in e.rows if r["out_of_hours"] and r["flag"] is None and r["scale"] == "sipas5")
    assert unflagged_ooh > 0
    assert kept.by_counter.total.total - left.by_counter.total.total == unflagged_ooh
    assert not left.verification.out_of_hours_included


@pytest.mark.parametrize("part, whole, want", [(1, 8, 12.5), (49, 400, 12.3), (2, 3, 66.7), (1, 3, 33.3),
                                               (0, 5, 0.0), (5, 5, 100.0), (1, 0, None), (1, 2000, 0.1)])
def test_percentages_round_half_up_to_one_decimal_as_a_spreadsheet_does(part, whole, want):
    assert pct(part, whole) == want == half_up(part, whole)


@pytest.mark.parametrize("kw, label, d_from, d_to", [
    ({"quarter_text": "2026-Q4"}, "Quý IV năm 2026", date(2026, 10, 1), date(2026, 12, 31)),
    ({"month_text": "2026-11"}, "Tháng 11 năm 2026", date(2026, 11, 1), date(2026, 11, 30)),
    ({"month_text": "2028-02"}, "Tháng 2 năm 2028", date(2028, 2, 1), date(2028, 2, 29)),
    ({"year_text": "2026"}, "Năm 2026", date(2026, 1, 1), date(2026, 12, 31)),
    ({"d_from": date(2026, 11, 1), "d_to": date(2026, 11, 22)}, "Từ ngày 01/11/2026 đến ngày 22/11/2026",
     date(2026, 11, 1), date(2026, 11, 22)),
    ({"d_from": date(2026, 7, 1), "d_to": date(2026, 9, 30)}, "Quý III năm 2026", date(2026, 7, 1), date(2026, 9, 30)),
])
def test_periods_are_parsed_and_named_in_vietnamese(kw, label, d_from, d_to):
    p = parse_period(**kw)
    assert (p.label, p.d_from, p.d_to) == (label, d_from, d_to)


@pytest.mark.parametrize("kw, says", [({}, "exactly one period"), ({"month_text": "2026-13"}, "01-12"),
                                      ({"quarter_text": "2026-4"}, "YYYY-Qn"),
                                      ({"month_text": "2026-11", "year_text": "2026"}, "exactly one"),
                                      ({"d_from": date(2026, 11, 2), "d_to": date(2026, 11, 1)}, "before it starts"),
                                      ({"d_from": date(2026, 11, 2)}, "together")])
def test_a_bad_period_is_refused_with_what_was_expected(kw, says):
    with pytest.raises(PeriodError, match=says):
        parse_period(**kw)


@pytest.mark.parametrize("d, want", [(date(2026, 12, 5), "Ninh Giang, ngày 05 tháng 12 năm 2026"),
                                     (date(2027, 2, 14), "Ninh Giang, ngày 14 tháng 02 năm 2027"),
                                     (date(2026, 3, 9), "Ninh Giang, ngày 09 tháng 3 năm 2026")])
def test_the_date_line_pads_days_under_ten_and_months_one_and_two(d, want):
    assert date_line("Ninh Giang", d) == want


def test_the_report_section_is_read_from_the_config(tmp_path):
    config = load_config(write_config(tmp_path, extra=REPORT_CONFIG))
    r = config.report
    assert (r.parent_unit, r.place, r.preparer, r.head, r.target_pct) == (
        "UBND XÃ THỬ NGHIỆM", "Ninh Giang", "Nguyễn Văn A", "Trần Thị B", 90.0)
    assert dict(r.officers) == {"CB07": "Lê Văn C"}
    assert load_config(write_config(tmp_path)).report.target_pct == 90.0  # all optional


@pytest.mark.parametrize("line, says", [
    ("target_pct = 120", "line 10: [report] target_pct: expected a percentage above 0 and at most 100"),
    ('officers = { CB07 = "" }', "line 10: [report] officers: expected a table of officer codes"),
    ('signer = "X"', "line 10: [report] signer: unknown key"),
    ("place = 5", "line 10: [report] place: expected a non-empty string"),
])
def test_a_bad_report_key_names_its_line(line, says):
    text = ('[kiosk]\nid = "k"\ncentre = "C"\n\n[[counters]]\nid = "Q1"\nname = "Q"\n\n[report]\n' + line + "\n")
    with pytest.raises(ConfigError) as err:
        parse_config(text, source="k.toml")
    assert any(says in p for p in err.value.problems), err.value.problems


def test_the_digest_worked_example_in_the_docs_recomputes():
    import re
    from tests.conftest import ROOT
    doc = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    example = doc[doc.index("### Worked example"):doc.index("## Configuration")]
    lines = re.findall(r"^([0-9a-f]{64})\\n$", example, re.M)
    digest = re.findall(r"^([0-9a-f]{64})$", example, re.M)
    assert len(lines) == 3 and len(digest) == 1
    assert hashlib.sha256("".join(h + "\n" for h in lines).encode()).hexdigest() == digest[0]
    assert "(195 bytes)" in example and len("".join(h + "\n" for h in lines)) == 195


def test_the_sqlite3_shell_recipe_in_the_docs_gives_the_reports_digest(rich):
    import shutil
    import subprocess
    store, config, _ = rich
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 shell is not installed")
    out = subprocess.run(["sqlite3", str(config.db_path), "SELECT hash FROM votes WHERE local_date BETWEEN "
                          f"'{D_FROM}' AND '{D_TO}' ORDER BY kiosk_id, seq"], capture_output=True, check=True).stdout
    assert hashlib.sha256(out).hexdigest() == report_for_store(store, config, D_FROM, D_TO).verification.votes_sha256


def test_the_fast_vote_hash_equals_the_reference_encodings_for_every_stored_vote(rich):
    from rating import chain
    store, config, _ = rich
    store.record_vote("Q1", "HL", officer='CB"\\ \u1ea1', source="serial:3", box_seq=65535)
    rows = store.query(f"SELECT {', '.join(chain.VOTES.hashed)}, hash FROM votes")
    assert len(rows) > 150
    references = [hashlib.sha256(chain.reference_encoding(row[:12], "v1")).hexdigest() for row in rows]
    assert chain.VOTES.hash_rows(rows) == references == [row[12] for row in rows]


@pytest.mark.parametrize("tamper, says", [("DELETE FROM votes WHERE seq = 12", "tại phiếu số 13: thiếu phiếu số 12 (đã bị xoá?)"),
                                          ("UPDATE votes SET prev_hash = hash WHERE seq = 30",
                                           "tại phiếu số 30: mã băm của phiếu trước không khớp"),
                                          ("UPDATE votes SET officer = 'CB99' WHERE seq = 40",
                                           "tại phiếu số 40: mã băm không khớp (phiếu đã bị sửa)")])
def test_the_kiosks_chain_check_names_the_first_tampered_vote(rich, tamper, says):
    store, config, _ = rich
    raw = sqlite3.connect(config.db_path)
    raw.execute(tamper)
    raw.commit()
    raw.close()
    check = report_for_store(store, config, D_FROM, D_TO).verification.chains[0]
    assert not check.ok and says in check.detail

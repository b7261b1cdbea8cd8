"""The command line, run as a user runs it: python main.py SUBCOMMAND."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.store import VoteStore
from tests.helpers.intervals import textbook_wilson
from tests.conftest import run_cli

SUBCOMMANDS = ["run", "totals", "report", "verify", "demo-data", "simulate-buttons", "set-pin", "sync", "serve"]


def test_help_lists_every_subcommand():
    out = run_cli("--help")
    assert out.returncode == 0
    for name in SUBCOMMANDS:
        assert name in out.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help_with_the_config_option(name):
    out = run_cli(name, "--help")
    assert out.returncode == 0, out.stderr
    assert "--config" in out.stdout


def _votes(config, *levels, counter="Q1", day=date(2026, 11, 20)):
    with VoteStore.from_config(config) as s:
        for i, level in enumerate(levels):
            s.record_vote(counter, level, at=datetime(day.year, day.month, day.day, 8, i, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))


def test_totals_json_prints_the_contract_shape(config, config_path):
    _votes(config, "RHL", "HL", "BT")
    out = run_cli("totals", "--date", "2026-11-20", "--json", config=config_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"date", "scale", "counters", "all"}
    assert data["date"] == "2026-11-20" and data["scale"] == "sipas5"
    q1 = data["counters"][0]
    assert set(q1) == {"counter", "name", "levels", "total", "satisfied", "satisfied_pct", "flagged",
                       "ci_low", "ci_high", "small_sample"}   # the last three: issue 18, beside the others
    assert (q1["total"], q1["satisfied"], q1["satisfied_pct"]) == (3, 2, 66.7)
    assert ((q1["ci_low"], q1["ci_high"]), q1["small_sample"]) == (textbook_wilson(2, 3), True)
    assert [c["counter"] for c in data["counters"]] == ["Q1", "Q2", "Q3"]


def test_config_may_come_before_the_subcommand_or_from_the_environment(config, config_path):
    _votes(config, "RHL")
    before = run_cli("--config", str(config_path), "totals", "--date", "2026-11-20", "--json")
    env = run_cli("totals", "--date", "2026-11-20", "--json", env={"KIOSK_CONFIG": str(config_path)})
    assert json.loads(before.stdout)["all"]["total"] == json.loads(env.stdout)["all"]["total"] == 1


def test_totals_for_people_is_a_readable_table(config, config_path):
    _votes(config, "RHL", "KHL")
    out = run_cli("totals", "--date", "2026-11-20", config=config_path)
    assert out.returncode == 0
    assert "Trung tâm Phục vụ hành chính công" in out.stdout
    assert re.search(r"^Tất cả\s+1\s+0\s+0\s+1\s+0\s+2\s+1\s+0\s+Chưa đủ mẫu$", out.stdout, re.M), \
        "two votes: counted, but too few for a rate"


def test_a_malformed_date_is_a_usage_error():
    out = run_cli("totals", "--date", "20/11/2026")
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr


def test_report_csv_starts_with_a_bom_so_excel_reads_vietnamese(config, config_path, tmp_path):
    _votes(config, "RHL", "HL")
    target = tmp_path / "bao-cao.csv"
    out = run_cli("report", "--from", "2026-11-19", "--to", "2026-11-20", "--format", "csv", "--out", str(target),
                  config=config_path)
    assert out.returncode == 0, out.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["date", "counter", "name", "RHL", "HL", "BT", "KHL", "RKHL", "total", "satisfied",
                       "satisfied_pct", "flagged", "ci_low", "ci_high", "small_sample"]
    lo, hi = textbook_wilson(2, 2)
    assert ["2026-11-20", "Q1", "Quầy 1 — Tư pháp, hộ tịch", "1", "1", "0", "0", "0", "2", "2", "100.0", "0",
            f"{lo:.1f}", f"{hi:.1f}", "1"] in rows
    assert rows[-1][:2] == ["2026-11-19..2026-11-20", "ALL"]


def test_report_json_goes_to_standard_output(config, config_path):
    _votes(config, "BT")
    out = run_cli("report", "--from", "2026-11-20", "--to", "2026-11-20", "--format", "json", config=config_path)
    data = json.loads(out.stdout)
    assert data["period"]["all"]["levels"]["BT"] == 1


def test_verify_passes_on_a_sound_store_and_names_the_first_broken_vote(config, config_path):
    _votes(config, "RHL", "HL", "BT", "KHL")
    ok = run_cli("verify", config=config_path)
    assert ok.returncode == 0 and "chuỗi băm phiếu: hợp lệ (4 phiếu)" in ok.stdout
    raw = sqlite3.connect(config.db_path)
    raw.execute("UPDATE votes SET level = 'RHL' WHERE seq = 3")
    raw.commit()
    raw.close()
    bad = run_cli("verify", config=config_path)
    assert bad.returncode == 1
    assert "chuỗi băm phiếu: HỎNG tại phiếu số 3: mã băm không khớp (phiếu đã bị sửa)" in bad.stdout
    assert "votes' hash chain: BROKEN at vote seq 3" in bad.stdout and "edited" in bad.stdout


def _documented_verify_lines(doc: str, start: str) -> list[str]:
    """The two lines of ``verify``'s output the doc shows, the first starting with ``start``."""
    text = (Path(__file__).resolve().parent.parent / "docs" / doc).read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(text) if line.startswith(start))
    return text[i:i + 2]


def test_verify_prints_the_cut_tail_exactly_as_docs_vote_store_shows_it(config, config_path):
    _votes(config, *["HL"] * 10)
    raw = sqlite3.connect(config.db_path)
    raw.execute("DELETE FROM votes WHERE seq = 10")
    raw.commit()
    raw.close()
    out = run_cli("verify", config=config_path)
    documented = _documented_verify_lines("vote-store.md", "chuỗi băm phiếu: HỎNG")
    assert out.returncode == 1 and "\n".join(documented) in out.stdout


def test_verify_without_a_database_says_so(config_path):
    out = run_cli("verify", config=config_path)
    assert out.returncode == 1 and "no vote database" in out.stderr


def test_demo_data_writes_votes_that_verify_into_the_demo_centres_store(tmp_path):
    out = run_cli("demo-data", "--days", "10", "--per-day", "30", "--seed", "7", cwd=tmp_path)  # no configuration
    assert out.returncode == 0, out.stderr
    assert "phiếu mẫu" in out.stdout and str(Path("data") / "demo" / "votes.db") in out.stdout
    assert run_cli("verify", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("real_votes", [0, 1])
def test_demo_data_refuses_a_real_centres_store_even_before_its_first_vote(config, config_path, real_votes):
    if real_votes:
        _votes(config, "RHL")
    out = run_cli("demo-data", "--days", "2", "--per-day", "5", config=config_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("error:")
    assert "real centre" in out.stderr and str(config_path) in out.stderr and "without --config" in out.stderr
    assert config.db_path.exists() == bool(real_votes)  # a refused store is not even created
    if real_votes:
        with VoteStore.from_config(config) as store:
            assert store.count() == 1


def test_a_bad_configuration_stops_with_file_line_and_key(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[kiosk]\nid = "k"\ncentre = "C"\nscale = 5\n\n[[counters]]\nid = "Q1"\nname = "Q"\n')
    out = run_cli("totals", config=bad)
    assert out.returncode == 2
    assert f"{bad}: invalid configuration" in out.stderr
    assert "line 4: [kiosk] scale: expected one of sipas5" in out.stderr


def test_a_corrupt_database_stops_the_cli_with_a_clear_message(config, config_path):
    config.db_path.parent.mkdir(parents=True)
    config.db_path.write_bytes(b"\x00garbage" * 1000)
    out = run_cli("totals", config=config_path)
    assert out.returncode == 1
    assert "cannot open the vote database" in out.stderr and "Traceback" not in out.stderr


# --- the II.7 report ------------------------------------------------------------------------------

def test_report_for_a_quarter_writes_the_workbook_into_a_folder_with_a_telling_name(config, config_path, tmp_path):
    import openpyxl
    _votes(config, "RHL", "HL", "KHL")
    folder = tmp_path / "usb"
    folder.mkdir()
    out = run_cli("report", "--quarter", "2026-Q4", "--format", "xlsx", "--out", str(folder), config=config_path)
    assert out.returncode == 0, out.stderr
    path = folder / "bang-tong-hop-II7_test-01_2026-Q4.xlsx"
    assert f"đã ghi {path}" in out.stderr and "Quý IV năm 2026" in out.stderr
    ws = openpyxl.load_workbook(path, data_only=True)["Tổng hợp"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "Quý IV năm 2026" in values and 66.7 in values
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left behind


def test_report_pdf_for_a_month_goes_to_the_named_file(config, config_path, tmp_path):
    _votes(config, "RHL")
    target = tmp_path / "bao-cao.pdf"
    out = run_cli("report", "--month", "2026-11", "--format", "pdf", "--out", str(target), config=config_path)
    assert out.returncode == 0, out.stderr
    assert target.read_bytes().startswith(b"%PDF")


def test_report_out_to_a_missing_folder_is_a_clear_error_without_traceback(config_path, tmp_path):
    out = run_cli("report", "--year", "2026", "--format", "xlsx", "--out", str(tmp_path / "no" / "r.xlsx"),
                  config=config_path)
    assert out.returncode == 1
    assert "does not exist" in out.stderr and str(tmp_path / "no") in out.stderr and "Traceback" not in out.stderr


def test_report_out_to_a_missing_usb_folder_writes_no_file_named_like_the_folder(config_path, tmp_path):
    usb = tmp_path / "media" / "usb"  # as in the README, with no stick in: /media exists, usb does not
    usb.parent.mkdir()
    out = run_cli("report", "--quarter", "2026-Q4", "--format", "xlsx", "--out", str(usb), config=config_path)
    assert out.returncode == 1 and "USB stick" in out.stderr and "Traceback" not in out.stderr
    assert not usb.exists()
    out = run_cli("report", "--quarter", "2026-Q4", "--format", "xlsx", "--out", str(tmp_path / "r.pdf"),
                  config=config_path)
    assert out.returncode == 1 and "does not end in .xlsx" in out.stderr and not (tmp_path / "r.pdf").exists()


def test_a_binary_report_is_not_poured_onto_a_terminal(config_path):
    import os
    import pty
    import subprocess
    import sys
    from tests.conftest import ROOT
    leader, follower = pty.openpty()
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "report", "--month", "2026-11", "--format", "pdf",
                           "--config", str(config_path)], stdout=follower, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    os.close(follower)
    os.close(leader)
    assert proc.returncode == 2 and "give --out PATH" in proc.stderr


def test_report_needs_exactly_one_period(config_path):
    out = run_cli("report", "--month", "2026-11", "--year", "2026", config=config_path)
    assert out.returncode == 2 and "exactly one period" in out.stderr
    out = run_cli("report", "--quarter", "2026-Q7", config=config_path)
    assert out.returncode == 2 and "Q1-Q4" in out.stderr and "Traceback" not in out.stderr


def test_report_csv_by_officer_lists_officer_codes(config, config_path):
    with VoteStore.from_config(config) as s:
        for i, level in enumerate(("RHL", "KHL", "HL")):
            s.record_vote("Q1", level, officer=f"CB0{i % 2 + 1}",
                          at=datetime(2026, 11, 20, 8, i, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    out = run_cli("report", "--month", "2026-11", "--format", "csv", "--by", "officer", config=config_path)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert rows[0][:3] == ["period", "officer", "name"]
    assert [r[1] for r in rows[1:]] == ["CB01", "CB02", "ALL"]
    assert rows[1][rows[0].index("total")] == "2" and rows[1][rows[0].index("satisfied_pct")] == "100.0"


def test_report_json_keeps_its_shape_for_a_month_and_names_the_period(config, config_path):
    _votes(config, "BT")
    data = json.loads(run_cli("report", "--month", "2026-11", "--format", "json", config=config_path).stdout)
    assert {"from", "to", "scale", "days", "period"} <= set(data) and data["label"] == "Tháng 11 năm 2026"
    assert len(data["days"]) == 30 and data["period"]["all"]["levels"]["BT"] == 1


def test_report_json_carries_the_questionnaires_answered_in_the_period(config, config_path):
    from datetime import datetime
    from kiosk.questionnaire.answers import AnswerStore
    from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
    centre = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    first, second = centre.questions[0].id, centre.questions[1].id
    # The answers are recorded at the store's clock: held in November, whatever the real date.
    november = datetime(2026, 11, 20, 9, 0, tzinfo=config.tz)
    with VoteStore.from_config(config, clock=lambda: november) as s:
        answers = AnswerStore(s)
        for choice in ("RHL", "HL", "KHL"):
            rid = answers.start_response(centre, "kiosk", "Q1")
            answers.record_answer(rid, first, choice)
            answers.record_answer(rid, second, None)  # skipped
    data = json.loads(run_cli("report", "--month", "2026-11", "--format", "json", config=config_path).stdout)
    (q,) = data["questionnaires"]
    assert {"id", "version", "responses", "questions", "elements", "index", "by_channel"} <= set(q)
    assert q["id"] == "trung-tam" and q["responses"] == 3
    asked = {x["id"]: x for x in q["questions"]}
    assert asked[first]["levels"]["RHL"] == 1 and asked[first]["answered"] == 3
    assert asked[first]["satisfied_pct"] == 66.7 and asked[second]["skipped"] == 3
    october = json.loads(run_cli("report", "--month", "2026-10", "--format", "json", config=config_path).stdout)
    assert october["questionnaires"] == []


def test_report_json_by_month_is_the_whole_ii7_model(config, config_path):
    _votes(config, "RHL", "HL", "BT", day=date(2026, 10, 3))
    _votes(config, "KHL", day=date(2026, 11, 20))
    out = run_cli("report", "--quarter", "2026-Q4", "--format", "json", "--by", "month", config=config_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["period"]["label"] == "Quý IV năm 2026" and data["by"] == "month"
    assert [(r["key"], r["total"], r["satisfied_pct"]) for r in data["summary"]["rows"]] == [
        ("2026-10", 3, 66.7), ("2026-11", 1, 0.0)]
    assert data["target_pct"] == 90.0 and data["target_met"] is False
    assert len(data["verification"]["votes_sha256"]) == 64


def test_demo_data_rehearsal_fills_a_real_centres_rehearsal_store_and_leaves_its_own_untouched(config, config_path):
    """The supported preview of a real centre's layout: demo votes into the store `run --simulate` uses with the
    same configuration (never synced, never filed); the centre's own store is not even created."""
    out = run_cli("demo-data", "--rehearsal", "--days", "5", "--per-day", "20", "--seed", "3", config=config_path)
    assert out.returncode == 0, out.stderr
    rehearsal = config.as_rehearsal()
    assert str(rehearsal.db_path) in out.stdout and not config.db_path.exists()
    with VoteStore.from_config(rehearsal) as store:
        assert store.count() > 0
        assert {r[0] for r in store.query("SELECT DISTINCT source FROM votes")} == {"demo"}
    assert rehearsal.sync is None  # what run --simulate uses: nothing is sent to the central service


def test_refusing_a_real_centre_s_store_names_the_rehearsal_preview(config_path):
    out = run_cli("demo-data", "--days", "2", "--per-day", "5", config=config_path)
    assert out.returncode == 1 and "--rehearsal" in out.stderr

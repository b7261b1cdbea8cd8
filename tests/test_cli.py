"""The command line, run as a user runs it: python main.py SUBCOMMAND."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.store import VoteStore
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
    assert set(q1) == {"counter", "name", "levels", "total", "satisfied", "satisfied_pct", "flagged"}
    assert (q1["total"], q1["satisfied"], q1["satisfied_pct"]) == (3, 2, 66.7)
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
    assert "50.0%" in out.stdout


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
                       "satisfied_pct", "flagged"]
    assert ["2026-11-20", "Q1", "Quầy 1 — Tư pháp, hộ tịch", "1", "1", "0", "0", "0", "2", "2", "100.0", "0"] in rows
    assert rows[-1][:2] == ["2026-11-19..2026-11-20", "ALL"]


def test_report_json_goes_to_standard_output(config, config_path):
    _votes(config, "BT")
    out = run_cli("report", "--from", "2026-11-20", "--to", "2026-11-20", "--format", "json", config=config_path)
    data = json.loads(out.stdout)
    assert data["period"]["all"]["levels"]["BT"] == 1


def test_verify_passes_on_a_sound_store_and_names_the_first_broken_vote(config, config_path):
    _votes(config, "RHL", "HL", "BT", "KHL")
    ok = run_cli("verify", config=config_path)
    assert ok.returncode == 0 and "hash chain: ok (4 votes)" in ok.stdout
    raw = sqlite3.connect(config.db_path)
    raw.execute("UPDATE votes SET level = 'RHL' WHERE seq = 3")
    raw.commit()
    raw.close()
    bad = run_cli("verify", config=config_path)
    assert bad.returncode == 1
    assert "BROKEN at vote seq 3" in bad.stdout and "edited" in bad.stdout


def test_verify_without_a_database_says_so(config_path):
    out = run_cli("verify", config=config_path)
    assert out.returncode == 1 and "no vote database" in out.stderr


def test_demo_data_writes_votes_that_verify(config_path):
    out = run_cli("demo-data", "--days", "10", "--per-day", "30", "--seed", "7", config=config_path)
    assert out.returncode == 0, out.stderr
    assert "demo votes" in out.stdout
    assert run_cli("verify", config=config_path).returncode == 0


def test_demo_data_refuses_a_database_with_real_votes(config, config_path):
    _votes(config, "RHL")
    out = run_cli("demo-data", "--days", "2", "--per-day", "5", config=config_path)
    assert out.returncode == 1 and "real vote" in out.stderr


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

"""`python main.py report` given a bad period: a clear error that names the flag, exit 2, no file, no
traceback (the README's report section, tried as a new user tries it)."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli


@pytest.mark.parametrize("args, says", [
    (["--month", "2026-13"], "--month: expected a month 01-12, got 13"),
    (["--quarter", "2026-Q5"], "--quarter: expected a quarter Q1-Q4, got Q5"),
    (["--from", "2026-11-30", "--to", "2026-11-01"], "--from/--to: the period ends (2026-11-01) before it starts"),
    (["--year", "0000"], "--year: year 0 is out of range"),
    (["--month", "0000-05"], "--month: year 0 is out of range"),
    (["--year", "9999"], "--year: expected dates in the years 2000–2099"),
    (["--month", "9999-12"], "--month: expected dates in the years 2000–2099"),
    (["--from", "0001-01-01", "--to", "9999-12-31"], "--from/--to: expected dates in the years 2000–2099"),
])
def test_a_bad_period_names_its_flag_and_is_never_called_a_fault_of_the_software(config_path, tmp_path, args, says):
    out = run_cli("report", *args, "--format", "pdf", "--out", str(tmp_path), config=config_path)
    assert out.returncode == 2, out.stderr
    assert says in out.stderr
    assert "Traceback" not in out.stderr and "fault" not in out.stderr and "unexpected" not in out.stderr
    assert not list(tmp_path.glob("*.pdf"))


def test_the_last_year_a_report_may_cover_is_still_reported(config_path):
    out = run_cli("report", "--year", "2099", "--format", "csv", "--by", "counter", config=config_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].startswith("2099,ALL,")

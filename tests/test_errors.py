"""Clear errors, never a traceback: each case through ``python main.py`` as a person would meet it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import synthetic_votes, run_cli, write_config


def _one_clear_line(r, *needles: str) -> str:
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    line = r.stderr.strip()
    for needle in needles:
        assert needle in line, line
    return line


def _data_dir(config: Path, value: str) -> None:
    text = config.read_text(encoding="utf-8").replace('data_dir = "data"', f'data_dir = "{value}"')
    config.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("command", [["totals"], ["run", "--headless", "--simulate"]])
def test_a_data_dir_that_is_a_file_is_named_with_what_to_do(tmp_path, command):
    config = write_config(tmp_path)
    _data_dir(config, "votes-here")
    (tmp_path / "votes-here").write_text("not a folder")
    r = run_cli(*command, config=config, env={"DISPLAY": ""})
    assert r.returncode == 2
    _one_clear_line(r, "data_dir", str(tmp_path / "votes-here"), "is a file, not a folder")
    assert (tmp_path / "votes-here").read_text() == "not a folder"  # left as it was


def test_demo_data_in_a_demo_folder_that_is_a_file_is_named_with_what_to_do(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo").write_text("not a folder")  # the embedded demo centre's data_dir
    r = run_cli("demo-data", "--days", "1", "--per-day", "1", cwd=tmp_path, env={"KIOSK_CONFIG": ""})
    assert r.returncode == 2
    _one_clear_line(r, "data_dir", "is a file, not a folder")
    assert (tmp_path / "data" / "demo").read_text() == "not a folder"


def test_demo_data_refused_for_a_real_centre_creates_nothing(tmp_path):
    config = write_config(tmp_path)
    r = run_cli("demo-data", "--days", "1", "--per-day", "1", config=config)
    assert r.returncode == 1
    _one_clear_line(r, "real centre", "data/demo")
    assert not (tmp_path / "data").exists()  # no store, no logs folder, not even the data folder
    (tmp_path / "data" / "logs").mkdir(parents=True)  # a centre whose log is there already hears of it
    assert run_cli("demo-data", "--days", "1", "--per-day", "1", config=config).returncode == 1
    assert "real centre" in (tmp_path / "data" / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["logs"]  # and still no store


def test_simulate_buttons_with_a_link_in_a_missing_folder_names_the_flag_and_the_folder(tmp_path):
    missing = tmp_path / "nonexistent" / "dir"
    r = run_cli("simulate-buttons", "--link", str(missing / "box"), "--script", "1")
    assert r.returncode == 2
    line = _one_clear_line(r, "--link", str(missing), "does not exist")
    assert len(line.splitlines()) == 1 and line.startswith("error:")
    assert "unexpected" not in line and "fault in the kiosk software" not in line
    assert not missing.exists()


@pytest.mark.parametrize("args", [["report", "--format", "docx"], ["report", "--by", "week"], ["run", "--bogus"],
                                  ["totals", "--date", "yesterday"], ["frobnicate"], ["report", "--from"]],
                         ids=lambda a: " ".join(a))
def test_every_usage_error_is_one_line_naming_the_mistake_and_pointing_to_help(tmp_path, args):
    r = run_cli(*args, cwd=tmp_path, env={"KIOSK_CONFIG": "", "DISPLAY": ""})
    assert r.returncode == 2
    line = _one_clear_line(r, "; see main.py", "--help")
    assert len(line.splitlines()) == 1 and line.startswith("error: "), r.stderr
    assert "usage:" not in r.stderr and r.stdout == ""
    assert not (tmp_path / "data").exists()  # a usage error does nothing
    if len(args) > 1 and args[0] != "frobnicate":
        assert f"see main.py {args[0]} --help" in line  # the help of the command that was mistyped


@pytest.mark.parametrize("given, says", [("2026-02-30", "there is no such day as 2026-02-30: 2026-02 has 28 days"),
                                         ("2028-02-30", "2028-02 has 29 days"),
                                         ("2026-04-31", "2026-04 has 30 days"),
                                         ("2026-13-01", "there is no month 13"),
                                         ("30/02/2026", "expected a date as YYYY-MM-DD")])
def test_a_well_formed_date_that_does_not_exist_is_called_no_such_day_not_a_bad_format(tmp_path, given, says):
    r = run_cli("report", "--from", given, "--to", "2026-03-31", cwd=tmp_path, env={"KIOSK_CONFIG": ""})
    assert r.returncode == 2
    line = _one_clear_line(r, "argument --from", says)
    assert len(line.splitlines()) == 1
    if "YYYY-MM-DD" not in says:
        assert "expected a date as YYYY-MM-DD" not in line  # it is one: the day does not exist


def test_a_data_dir_that_cannot_be_created_is_named_with_why(tmp_path):
    config = write_config(tmp_path)
    (tmp_path / "afile").write_text("x")
    _data_dir(config, "afile/data")
    r = run_cli("totals", config=config)
    assert r.returncode == 2
    _one_clear_line(r, "cannot create the data folder", "a part of that path is a file")


def test_a_toml_nested_thousands_deep_is_refused_plainly(tmp_path):
    config = write_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + "deep = " + "[" * 5000 + "]" * 5000 + "\n",
                      encoding="utf-8")
    r = run_cli("totals", config=config)
    assert r.returncode == 2
    _one_clear_line(r, str(config), "nested too deeply")


def test_set_pin_without_a_terminal_says_to_use_a_terminal_or_stdin(tmp_path, config_path):
    r = run_cli("set-pin", config=config_path, input="1234\n1234\n")  # a pipe, not a terminal
    assert r.returncode == 2
    _one_clear_line(r, "not", "terminal", "--stdin", "nothing changed")
    assert run_cli("set-pin", "--stdin", config=config_path, input="1234\n1234\n").returncode == 0


def _damage(db: Path) -> None:
    """Scribble over every page but the first (the schema): the file opens, its votes cannot be read."""
    size = db.stat().st_size
    with open(db, "r+b") as f:
        for page in range(2, size // 4096):
            f.seek(page * 4096 + 8)
            f.write(bytes(range(7, 71)))


@pytest.fixture
def damaged(tmp_path):
    link = tmp_path / "box"
    config = write_config(tmp_path, extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')
    assert synthetic_votes(config, 30, 150, 3) > 0
    db = tmp_path / "data" / "votes.db"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    _damage(db)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):  # the damage is real
        sqlite3.connect(db).execute("SELECT count(*), sum(length(hash)) FROM votes").fetchall()
    return config, db


@pytest.mark.parametrize("command", [["verify"], ["totals"], ["run", "--headless"]])
def test_a_damaged_database_is_named_with_what_to_do_and_kept(damaged, command):
    config, db = damaged
    before = db.read_bytes()
    r = run_cli(*command, config=config, env={"DISPLAY": ""})
    assert r.returncode == 1
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out
    assert str(db) in out and "damaged" in out and "backup" in out and "keep it" in out
    if command != ["verify"]:
        assert r.stderr.strip().splitlines()[-1].startswith("error:")
    if command[0] == "run":  # said once, after the kiosk stopped, and worded for a kiosk that has stopped
        assert out.count("is damaged") == 1 and "stop the kiosk" not in out, out
        assert r.stderr.strip().splitlines()[-1].startswith("error: the kiosk has stopped without taking votes: ")
    assert db.read_bytes()[:4096] == before[:4096]  # nothing rewritten, nothing moved aside
    assert db.exists() and os.path.getsize(db) == len(before)


def test_a_display_with_no_x_server_behind_it_stops_the_kiosk_with_one_clear_line(tmp_path, config_path):
    # SDL would fall back to an off-screen window: a kiosk running with nothing on the panel, for ever
    free = next(n for n in range(4000, 4100) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    env = {"DISPLAY": f":{free}", "WAYLAND_DISPLAY": "", "SDL_VIDEODRIVER": "", "KIVY_WINDOW": ""}
    r = run_cli("run", config=config_path, env=env)
    assert r.returncode == 2
    line = _one_clear_line(r, f"the X display :{free} cannot be opened", "X server")
    assert "face ready" not in line

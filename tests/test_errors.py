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


@pytest.mark.parametrize("command", [["totals"], ["demo-data", "--days", "1", "--per-day", "1"],
                                     ["run", "--headless", "--simulate"]])
def test_a_data_dir_that_is_a_file_is_named_with_what_to_do(tmp_path, command):
    config = write_config(tmp_path)
    _data_dir(config, "votes-here")
    (tmp_path / "votes-here").write_text("not a folder")
    r = run_cli(*command, config=config, env={"DISPLAY": ""})
    assert r.returncode == 2
    _one_clear_line(r, "data_dir", str(tmp_path / "votes-here"), "is a file, not a folder")
    assert (tmp_path / "votes-here").read_text() == "not a folder"  # left as it was


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

"""Commands refuse a vote database damaged where they do not read, in one clear line, writing nothing
(issue 9): SQLite reads only the pages a query needs, so without a check `totals` printed a day's
figures from a damaged file and `questionnaire start` wrote into it."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_cli, synthetic_votes, write_config


def _damage_last_pages(db: Path, pages: int = 5) -> None:
    """Scribble over the last pages only: the schema and today's totals still read, the file is damaged."""
    size = db.stat().st_size
    with open(db, "r+b") as f:
        for page in range(size // 4096 - pages, size // 4096):
            f.seek(page * 4096 + 8)
            f.write(bytes(range(7, 71)))


@pytest.fixture
def damaged(tmp_path):
    config = write_config(tmp_path)
    assert synthetic_votes(config, 20, 150, 5) > 0
    db = tmp_path / "data" / "votes.db"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    _damage_last_pages(db)
    return config, db


@pytest.mark.parametrize("command", [["totals"], ["totals", "--json"], ["questionnaire", "start", "trung-tam"],
                                     # a month long before the votes: the report reads no damaged page
                                     *(["report", "--month", f"{date.today().year - 2}-01", "--format", f]
                                       for f in ("csv", "json", "votes", "xlsx", "pdf"))])
def test_a_store_damaged_where_the_command_does_not_read_is_refused_in_one_line_and_left_as_it_was(damaged, command):
    config, db = damaged
    before = db.read_bytes()
    r = run_cli(*command, config=config)
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    assert r.stdout == ""                      # no figures from a damaged file
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert str(db) in lines[0] and "damaged" in lines[0] and "backup" in lines[0]
    assert db.read_bytes() == before           # nothing written, nothing moved aside
    assert not Path(f"{db}-wal").exists() or os.path.getsize(f"{db}-wal") == 0


def test_a_sound_store_still_gives_totals_and_starts_a_questionnaire(tmp_path):
    config = write_config(tmp_path)
    assert synthetic_votes(config, 3, 20, 5) > 0
    assert run_cli("totals", config=config).returncode == 0
    assert run_cli("questionnaire", "start", "trung-tam", config=config).returncode == 0

"""A store made by every released schema opens with this code (issue 16), and a store older than the
code is upgraded only after a backup of it was taken and verified. The fixtures were written by the
code of each release (``tests/fixtures/schemas/make_fixtures.py``)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk import backup
from kiosk.backup import open_store, verify_backup
from kiosk.config import load_config
from kiosk.db import StoreOpenError
from kiosk.questionnaire.answers import verify_answers
from kiosk.store import SCHEMA_VERSION
from tests.conftest import run_cli, write_config

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "schemas"
VERSIONS = range(1, SCHEMA_VERSION + 1)


def user_version(path: Path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def centre_with(tmp_path: Path, version: int):
    config = load_config(write_config(tmp_path))
    config.data_dir.mkdir(parents=True)
    shutil.copyfile(FIXTURES / f"votes-v{version}.db", config.db_path)
    return config


def test_there_is_a_fixture_for_every_released_schema():
    assert sorted(p.name for p in FIXTURES.glob("votes-v*.db")) == [f"votes-v{v}.db" for v in VERSIONS]
    assert [user_version(FIXTURES / f"votes-v{v}.db") for v in VERSIONS] == list(VERSIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_store_of_every_released_schema_opens_upgrades_and_verifies(tmp_path, version):
    config = centre_with(tmp_path, version)
    with open_store(config) as store:
        assert user_version(config.db_path) == SCHEMA_VERSION
        assert store.verify_chain() is None and verify_answers(store) is None
        assert store.count() == 12
        assert store.answer_count() == (6 if version >= 4 else 0)
        low = store.query("SELECT uuid FROM votes WHERE seq = 4")[0][0]
        assert len(store.reasons(low)) == 2
        store.record_vote("Q1", "HL")                       # and the chain goes on
        assert store.verify_chain() is None and store.count() == 13


@pytest.mark.parametrize("version", VERSIONS[:-1])
def test_an_older_store_is_backed_up_and_the_backup_verified_before_it_is_upgraded(tmp_path, version):
    config = centre_with(tmp_path, version)
    open_store(config).close()
    (taken,) = backup.own_backups(config.backup_dir, config.kiosk_id)
    assert taken.name.endswith(f"-pre-migration-v{version}.db")
    assert user_version(taken) == version                   # the store as it was before the upgrade
    assert verify_backup(taken) == []
    assert backup.last_verified(config).path == taken


def test_a_current_store_is_opened_without_a_backup(tmp_path):
    config = centre_with(tmp_path, SCHEMA_VERSION)
    open_store(config).close()
    assert backup.own_backups(config.backup_dir, config.kiosk_id) == []


def test_an_older_store_is_not_upgraded_when_its_backup_cannot_be_taken(tmp_path):
    config = centre_with(tmp_path, 3)
    config.backup_dir.write_text("a file where the backup folder should be")
    with pytest.raises(StoreOpenError) as e:
        open_store(config)
    assert "not upgraded until a verified backup" in str(e.value) and str(config.backup_dir) in str(e.value)
    assert user_version(config.db_path) == 3
    assert verify_backup(config.db_path) == []


def test_a_command_on_an_older_store_backs_it_up_first(tmp_path):
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    config.data_dir.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "votes-v2.db", config.db_path)
    r = run_cli("verify", config=config_path)
    assert r.returncode == 0, r.stdout + r.stderr
    (taken,) = backup.own_backups(config.backup_dir, config.kiosk_id)
    assert user_version(taken) == 2 and user_version(config.db_path) == SCHEMA_VERSION

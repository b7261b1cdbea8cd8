"""The schema's rule across releases: a release opens a store that a newer release migrated when every
step since its own schema was additive, and refuses one it cannot read clearly, leaving it untouched.

A "newer release" here is this code with one more schema step, as the next release would add it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime

import pytest

from kiosk import store as store_module
from kiosk.db import StoreOpenError, additive, floor_of, readable_by
from kiosk.store import MIGRATIONS, SCHEMA_VERSION, VoteStore
from tests.conftest import write_config
from kiosk.config import load_config
from rating.period import LOCAL_TZ


def _v6_additive(db) -> None:
    db["votes"].add_column("newer_marker", int, not_null_default=0)
    db["newer_things"].create({"id": int, "what": str}, pk="id")


def _v6_breaking(db) -> None:
    db.execute("ALTER TABLE votes RENAME COLUMN counter_id TO counter")


class Clock:
    def __init__(self):
        self.minute = 0

    def __call__(self):
        self.minute += 1
        return datetime(2026, 12, 8, 8, 0, tzinfo=LOCAL_TZ).replace(minute=self.minute % 60)


def _as_newer_release(monkeypatch, step):
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, step])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)


def _vote(config, clock, level="RHL"):
    with VoteStore.from_config(config, clock=clock) as s:
        s.record_vote("Q1", level, source="touch")


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def config(tmp_path):
    return load_config(write_config(tmp_path))


def test_a_store_a_newer_release_migrated_additively_is_opened_by_this_release_and_keeps_every_vote(config, monkeypatch):
    clock = Clock()
    _vote(config, clock)
    with monkeypatch.context() as newer:
        _as_newer_release(newer, additive(_v6_additive))
        _vote(config, clock, "HL")  # the newer release migrates, then takes a vote
    _vote(config, clock, "BT")      # switched back: this release takes one more in the same file
    with VoteStore.from_config(config) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1, "never migrated down"
        assert [r[0] for r in s.query("SELECT level FROM votes ORDER BY seq")] == ["RHL", "HL", "BT"]
        assert s.verify_chain() is None
    with monkeypatch.context() as newer:  # and the newer release, installed again, reads all three
        _as_newer_release(newer, additive(_v6_additive))
        with VoteStore.from_config(config) as s:
            assert s.count() == 3 and s.verify_chain() is None


def test_a_store_a_newer_release_migrated_past_what_this_release_reads_is_refused_untouched(config, monkeypatch):
    clock = Clock()
    _vote(config, clock)
    with monkeypatch.context() as newer:
        _as_newer_release(newer, _v6_breaking)
        VoteStore.from_config(config).close()
    before = _digest(config.db_path)
    with pytest.raises(StoreOpenError) as e:
        VoteStore.from_config(config)
    assert f"schema version {SCHEMA_VERSION + 1}" in str(e.value)
    assert f"at least version {SCHEMA_VERSION + 1}" in str(e.value) and "has not been changed" in str(e.value)
    assert _digest(config.db_path) == before


def test_a_newer_store_that_records_no_readable_by_is_read_only_by_code_that_knows_its_whole_schema(config):
    VoteStore.from_config(config).close()
    conn = sqlite3.connect(config.db_path)
    conn.execute("DROP TABLE schema_compat")  # as a release before the rule would have left it
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreOpenError, match=f"at least version {SCHEMA_VERSION + 1}"):
        VoteStore.from_config(config)


def test_a_store_made_before_the_rule_gets_its_readable_by_recorded_when_this_release_opens_it(config):
    VoteStore.from_config(config).close()
    conn = sqlite3.connect(config.db_path)
    conn.execute("DROP TABLE schema_compat")
    conn.commit()
    conn.close()
    with VoteStore.from_config(config) as s:
        assert readable_by(s.conn, SCHEMA_VERSION) == floor_of(MIGRATIONS, SCHEMA_VERSION) == 1


def test_readable_by_is_the_version_after_the_last_step_that_is_not_additive():
    def step(db):
        pass
    steps = [step, additive(lambda db: None), (lambda db: None), additive(lambda db: None)]
    assert [floor_of(steps, v) for v in range(5)] == [0, 1, 1, 3, 3]

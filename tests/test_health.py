"""The health signals (kiosk/health.py) on a real store: several, each with what to do, never one OK."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.config import load_config
from kiosk.health import Health
from kiosk.store import VoteStore
from tests.conftest import write_config

SYNC = '\n[sync]\nurl = "http://127.0.0.1:9"\nsecret = "0123456789abcdef0123"\n'


def _health(tmp_path, vote_age: timedelta):
    tmp_path.mkdir(exist_ok=True)
    config = load_config(write_config(tmp_path, extra=SYNC))
    store = VoteStore.from_config(config)
    now = datetime.now(config.tz)
    store.record_votes([{"counter_id": "Q1", "level": "HL", "at": now - vote_age}])
    return store, Health(config, store, now=lambda: now, clock_signal=lambda: ("suspect", "trước phiếu gần nhất"))


def test_votes_waiting_for_tonights_sync_need_nobody_but_a_vote_waiting_three_days_does(tmp_path):
    store, health = _health(tmp_path / "a", timedelta(hours=2))
    with store:
        assert health.last_sync().ok is True
    store, health = _health(tmp_path / "b", timedelta(days=3))
    with store:
        sync = health.last_sync()
        assert sync.ok is False and "python main.py sync" in sync.todo


def test_a_suspect_clock_from_the_slot_needs_a_person_and_shows_in_the_status_line(tmp_path):
    store, health = _health(tmp_path, timedelta(hours=2))
    with store:
        assert health.clock().ok is False and health.clock().value == "suspect"
        line = health.status_line()
        assert line.startswith("hôm nay 1 phiếu") and "cần xem:" in line and "clock" in line and "backup" in line
        assert health.wire_status()["clock"] == "suspect"


def test_the_clock_signal_is_the_stores_own_verdict_a_clock_set_back_behind_the_newest_vote_is_suspect(tmp_path,
                                                                                                       monkeypatch):
    monkeypatch.setenv("KIOSK_TIME_SOURCE", "synchronized")
    config = load_config(write_config(tmp_path, extra=SYNC))
    now = datetime.now(config.tz)
    with VoteStore.from_config(config) as store:
        assert Health(config, store).clock().value == "trusted"
        store.record_votes([{"counter_id": "Q1", "level": "HL", "at": now + timedelta(hours=3)}])   # a vote from "later"
        clock = Health(config, store).clock()
        assert clock.ok is False and clock.value == "suspect" and "set back" in clock.detail
        assert Health(config, store).wire_status()["clock"] == "suspect"

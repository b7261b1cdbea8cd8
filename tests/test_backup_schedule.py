"""The nightly backup inside the running kiosk: when it is due (a pure function of an injected clock),
one taken soon after start-up when the last is too old, a failure said once and retried, the runtime's
service. Real stores and folders; the thread is waited on for state, never for a time."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.backup import last_verified, take_backup
from kiosk.backup_schedule import MAX_AGE, BackupScheduler, next_backup, start_nightly_backup
from kiosk.config import load_config
from kiosk.store import VoteStore
from tests.conftest import write_config

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TWO = time(2, 0)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=TZ)


def test_the_next_backup_is_tonights_after_yesterdays():
    assert next_backup(at(8, 1), TWO, last=at(7, 2)) == at(8, 2)
    assert next_backup(at(8, 10), TWO, last=at(8, 2)) == at(9, 2)
    assert next_backup(at(8, 2), TWO, last=at(8, 2)) == at(9, 2)   # just taken: not again


def test_a_missed_night_is_made_up_once_the_last_backup_is_26_hours_old():
    assert next_backup(at(8, 3), TWO, last=at(7, 2)) == at(7, 2) + MAX_AGE == at(8, 4)
    assert next_backup(at(8, 10), TWO, last=at(5, 2)) == at(8, 10)   # days old: now
    assert next_backup(at(8, 10), TWO, last=None) == at(8, 10)       # never: now


def test_after_a_failure_the_next_try_is_within_the_retry():
    retry = timedelta(hours=1)
    assert next_backup(at(8, 10), TWO, last=at(8, 2), failed=True, retry=retry) == at(8, 11)
    assert next_backup(at(8, 10), TWO, last=None, failed=True, retry=retry) == at(8, 11)
    assert next_backup(at(8, 1, 30), TWO, last=at(7, 2), failed=True, retry=retry) == at(8, 2)


def wait_for(condition, timeout: float = 60) -> None:
    """Wait for state (a condition), never for a time; fail if it never comes."""
    done = threading.Event()
    for _ in range(int(timeout * 20)):
        if condition():
            return
        done.wait(0.05)
    raise AssertionError("the state never came")


@pytest.fixture
def centre(tmp_path):
    config = load_config(write_config(tmp_path))
    with VoteStore.from_config(config) as store:
        store.record_vote("Q1", "HL")
    return config


def test_a_kiosk_without_a_recent_backup_takes_one_soon_after_it_starts(centre):
    scheduler = BackupScheduler(centre, startup_delay=timedelta(0)).start()
    try:
        wait_for(lambda: last_verified(centre) is not None)
    finally:
        scheduler.stop()
    assert last_verified(centre).votes == 1 and scheduler.failing is None


def test_a_kiosk_with_last_nights_backup_waits_for_tonight(centre):
    take_backup(centre, now=at(8, 2))
    clock = at(8, 9)
    scheduler = BackupScheduler(centre, now=lambda: clock, startup_delay=timedelta(0)).start()
    try:
        wait_for(lambda: scheduler.planned is not None)
        assert scheduler.planned == at(9, 2) and scheduler.attempts == 0
    finally:
        scheduler.stop()


def test_a_failing_backup_is_logged_once_retried_and_said_again_when_it_works(centre, caplog, tmp_path):
    blocker = centre.backup_dir
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the backup folder should be")
    caplog.set_level(logging.INFO, logger="kiosk.backup")
    scheduler = BackupScheduler(centre, startup_delay=timedelta(0), retry=timedelta(milliseconds=20)).start()
    try:
        wait_for(lambda: scheduler.attempts >= 5)
        failures = [r for r in caplog.records if "nightly backup failed" in r.getMessage()]
        assert len(failures) == 1 and failures[0].levelno == logging.ERROR
        assert failures[0].exc_info is None and "\n" not in failures[0].getMessage()
        assert str(blocker) in failures[0].getMessage()
        blocker.unlink()
        wait_for(lambda: last_verified(centre) is not None)
    finally:
        scheduler.stop()
    assert [r.getMessage() for r in caplog.records if "works again" in r.getMessage()] != []
    assert len([r for r in caplog.records if "nightly backup failed" in r.getMessage()]) == 1


def test_the_demo_centre_and_a_rehearsal_take_no_nightly_backup(tmp_path):
    from kiosk.config import EMBEDDED_DEFAULT, parse_config
    demo = parse_config(EMBEDDED_DEFAULT, base_dir=tmp_path)
    assert start_nightly_backup(demo, None) is None
    real = load_config(write_config(tmp_path))
    assert start_nightly_backup(real.as_rehearsal(), None) is None


def test_the_running_kiosk_backs_up_beside_its_open_store_and_stops_the_backup_with_it(centre):
    from kiosk.backup import open_store
    from kiosk.runtime import Runtime
    started: list[BackupScheduler] = []

    def service(config, store):
        started.append(BackupScheduler(config, startup_delay=timedelta(0)).start())
        return started[-1]

    def face(runtime) -> int:
        runtime.store.record_vote("Q2", "BT")     # the kiosk's own connection writes meanwhile
        wait_for(lambda: last_verified(centre) is not None)
        return 0

    assert Runtime(centre, open_store=open_store, services=[service], handle_signals=False).run(face) == 0
    assert not started[0]._thread.is_alive()
    assert last_verified(centre).votes in (1, 2)

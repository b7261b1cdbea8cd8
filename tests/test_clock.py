"""A kiosk whose clock cannot be trusted takes votes all the same and marks them clock-suspect.

The verdict alone (kiosk.clock.clock_status), then the store with an injected clock (25 years behind, a
jump back, no time source, far from the service), then a real headless kiosk under libfaketime.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hardware.simulator import VirtualBox
from kiosk import outbox
from kiosk.clock import (BEHIND_NEWEST_VOTE, FAR_FROM_SERVICE, NOT_SYNCHRONIZED, CachedSource, clock_status,
                         system_time_source)
from kiosk.config import load_config
from kiosk.store import VoteStore
from rating.vote import CLOCK_BEHIND
from tests.conftest import ROOT, write_config

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 20, 8, tzinfo=TZ)
NOW_MS = int(NOW.timestamp() * 1000)


# --- the verdict -----------------------------------------------------------------------------------

def test_a_synchronised_clock_after_the_newest_vote_and_near_the_service_is_trusted():
    trusted, reason = clock_status(NOW_MS, newest_vote_ms=NOW_MS - 5000, skew_s=1.5, synchronized=True)
    assert trusted and "synchronised" in reason


@pytest.mark.parametrize("kwargs, reason", [
    ({"synchronized": False}, NOT_SYNCHRONIZED),
    ({"newest_vote_ms": NOW_MS + 3600_000}, BEHIND_NEWEST_VOTE),
    ({"skew_s": 3600.0}, FAR_FROM_SERVICE),
    ({"skew_s": -3600.0}, FAR_FROM_SERVICE),
], ids=["no-time-source", "set-back", "service-ahead", "service-behind"])
def test_a_clock_that_cannot_be_trusted_says_why(kwargs, reason):
    assert clock_status(NOW_MS, **kwargs) == (False, reason)


def test_a_clock_25_years_behind_is_suspect_before_any_vote_or_sync():
    assert clock_status(int((NOW - timedelta(days=25 * 365)).timestamp() * 1000)) == (False, CLOCK_BEHIND)


def test_a_clock_set_back_by_less_than_a_minute_is_not_suspect():
    assert clock_status(NOW_MS, newest_vote_ms=NOW_MS + 30_000)[0]


def test_the_time_source_is_the_timesyncd_flag_then_timedatectl_and_unknown_without_either(tmp_path, monkeypatch):
    monkeypatch.delenv("KIOSK_TIME_SOURCE", raising=False)
    flag = tmp_path / "synchronized"
    assert system_time_source(flag, timedatectl=None) is None
    flag.touch()
    assert system_time_source(flag, timedatectl=None) is True
    fake = tmp_path / "timedatectl"
    fake.write_text("#!/bin/sh\necho no\n")
    fake.chmod(0o755)
    assert system_time_source(tmp_path / "absent", timedatectl=str(fake)) is False
    monkeypatch.setenv("KIOSK_TIME_SOURCE", "synchronized")
    assert system_time_source(tmp_path / "absent", timedatectl=str(fake)) is True


def test_a_time_source_is_asked_again_only_after_a_while_and_never_after_it_said_yes():
    answers, now = [False, True, False], [0.0]
    asked = []

    def source():
        asked.append(now[0])
        return answers[len(asked) - 1]

    cached = CachedSource(source, every_s=30, monotonic=lambda: now[0])
    assert cached() is False
    now[0] = 10
    assert cached() is False and len(asked) == 1
    now[0] = 31
    assert cached() is True
    now[0] = 100
    assert cached() is True and len(asked) == 2


# --- the store, with an injected clock ------------------------------------------------------------

def _suspects(store) -> list[str | None]:
    return [s for (s,) in store.query("SELECT clock_suspect FROM votes ORDER BY seq")]


def test_a_vote_taken_25_years_behind_is_stored_and_marked_and_keeps_its_place_by_sequence(tmp_path):
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        store.record_vote("Q1", "HL", at=NOW)
        old = store.record_vote("Q1", "RHL", at=NOW - timedelta(days=25 * 365))
        store.record_vote("Q1", "BT", at=NOW + timedelta(minutes=1))
        assert old.seq == 2 and old.local_date.startswith("2001")
        assert _suspects(store) == [None, CLOCK_BEHIND, None]
        assert [v.seq for v in store.iter_votes()] == [1, 2, 3] and store.verify_chain() is None


def test_a_clock_jump_back_marks_votes_until_the_clock_passes_the_newest_vote_and_says_so_once_each_way(
        tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.votes")
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        store.record_vote("Q1", "HL", at=NOW)
        for minutes in (-60, -50, -40):  # the clock jumped back an hour
            store.record_vote("Q1", "HL", at=NOW + timedelta(minutes=minutes))
        store.record_vote("Q1", "HL", at=NOW + timedelta(minutes=5))
        assert _suspects(store) == [None, BEHIND_NEWEST_VOTE, BEHIND_NEWEST_VOTE, BEHIND_NEWEST_VOTE, None]
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2 and "set back" in lines[0] and "3 vote(s) were marked" in lines[1]


def test_votes_before_any_time_source_answered_are_marked(tmp_path):
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        store.time_source = lambda: False
        store.record_vote("Q1", "HL", at=NOW)
        store.time_source = lambda: True
        store.record_vote("Q1", "HL", at=NOW + timedelta(minutes=1))
        assert _suspects(store) == [NOT_SYNCHRONIZED, None]


def test_votes_while_the_service_said_the_clock_is_far_off_are_marked(tmp_path):
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        outbox.set_meta(store, {"clock_skew_s": "7200.000"})   # read from the service's Date at sync
        store.record_vote("Q1", "HL", at=NOW)
        outbox.set_meta(store, {"clock_skew_s": "0.400"})
        store.record_vote("Q1", "HL", at=NOW + timedelta(minutes=1))
        assert _suspects(store) == [FAR_FROM_SERVICE, None]


def test_an_older_store_gets_the_column_without_a_schema_version_of_its_own(tmp_path):
    db = tmp_path / "votes.db"
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        store.record_vote("Q1", "HL", at=NOW)
        version = store.query("PRAGMA user_version")[0][0]
        store.conn.execute("DROP INDEX votes_clock_suspect")   # as an older release made it
        store.conn.execute("ALTER TABLE votes DROP COLUMN clock_suspect")
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        assert store.query("PRAGMA user_version")[0][0] == version, "an older release still opens it"
        store.record_vote("Q1", "HL", at=NOW + timedelta(minutes=1))
        assert _suspects(store) == [None, None]


# --- a real headless kiosk under libfaketime -------------------------------------------------------

LIBFAKETIME = next((p for p in ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                                "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                                "/usr/lib/faketime/libfaketime.so.1") if Path(p).exists()), None)
needs_faketime = pytest.mark.skipif(LIBFAKETIME is None, reason="libfaketime is not installed (apt: faketime)")


def _start_faked(config_path, **fake_env):
    # DONT_FAKE_MONOTONIC: the reader's waits are on the monotonic clock, which a faked one can hang.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LD_PRELOAD": LIBFAKETIME, "DONT_FAKE_MONOTONIC": "1",
           "KIOSK_TIME_SOURCE": "unknown", **fake_env}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--headless", "--config", str(config_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def _press_until_acked(box) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the reader flushes input on open: press until it is open
        if box.press(1).acked:
            return
    raise AssertionError("the headless kiosk never ACKed")


def _box_config(tmp_path, link):
    return write_config(tmp_path, repeat_window_s=0,
                        extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')


def _stop(proc) -> str:
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=30)[0]


@needs_faketime
def test_a_kiosk_whose_clock_is_25_years_behind_takes_votes_marked_clock_suspect(tmp_path):
    link = tmp_path / "box"
    config_path = _box_config(tmp_path, link)
    with VirtualBox(link, heartbeat_s=None) as box:
        proc = _start_faked(config_path, FAKETIME="-25y")
        try:
            _press_until_acked(box)
            results = [box.press(k) for k in (2, 3)]
        finally:
            out = _stop(proc)
    assert all(r.acked for r in results), out
    assert out.count("the clock says before 2020") == 1, out
    with VoteStore.from_config(load_config(config_path)) as store:
        rows = store.query("SELECT local_date, clock_suspect FROM votes ORDER BY seq")
    assert len(rows) >= 3 and all(d.startswith("2001") and s == CLOCK_BEHIND for d, s in rows)


@needs_faketime
def test_a_kiosk_whose_clock_jumps_back_marks_the_votes_after_the_jump(tmp_path):
    link, offset = tmp_path / "box", tmp_path / "faketime"
    offset.write_text("+0\n")
    config_path = _box_config(tmp_path, link)
    with VirtualBox(link, heartbeat_s=None) as box:
        proc = _start_faked(config_path, FAKETIME_TIMESTAMP_FILE=str(offset), FAKETIME_NO_CACHE="1")
        try:
            _press_until_acked(box)
            offset.write_text("-2h\n")   # the clock is set back two hours while the kiosk runs
            results = [box.press(k) for k in (4, 5)]
        finally:
            out = _stop(proc)
    assert all(r.acked for r in results), out
    with VoteStore.from_config(load_config(config_path)) as store:
        rows = store.query("SELECT seq, level, clock_suspect FROM votes ORDER BY seq")
    assert [s for _, _, s in rows[-2:]] == [BEHIND_NEWEST_VOTE, BEHIND_NEWEST_VOTE], rows
    assert all(s is None for _, _, s in rows[:-2]) and [q for q, _, _ in rows] == list(range(1, len(rows) + 1))
    assert out.count("it was set back") == 1, out


# --- reports ----------------------------------------------------------------------------------------

def test_a_report_that_files_clock_suspect_votes_under_a_day_says_how_many(tmp_path):
    from rating.report import ReportUnit, build_report
    from rating.units import Counter
    day = NOW.date()
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        store.record_vote("Q1", "HL", at=NOW)
        clean = build_report(store, unit=ReportUnit(), d_from=day, d_to=day, scale="sipas5",
                             counters=[Counter("Q1", "Quầy 1")])
        assert not any("đồng hồ" in n for n in clean.notes)
        store.time_source = lambda: False
        for minutes in (1, 2):
            store.record_vote("Q1", "RHL", at=NOW + timedelta(minutes=minutes))
        model = build_report(store, unit=ReportUnit(), d_from=day, d_to=day, scale="sipas5",
                             counters=[Counter("Q1", "Quầy 1")])
    assert model.by_counter.total.total == 3, "counted all the same"
    said = [n for n in model.notes if "đồng hồ" in n]
    assert len(said) == 1 and said[0].startswith("2 phiếu")


def test_the_kiosk_report_counts_the_clock_suspect_votes_of_its_period_to_its_first_and_last(tmp_path):
    # The kiosk's reader asks within the period's seqs (its index of clock-suspect votes answers): the
    # period's first and last votes are suspect here, the days around it hold suspect votes too.
    from rating.report import ReportUnit, StoreReader, build_report
    from rating.units import Counter
    day = NOW.date()
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        for at, trusted in ((NOW - timedelta(days=1), False), (NOW, False), (NOW + timedelta(minutes=1), True),
                            (NOW + timedelta(minutes=2), False), (NOW + timedelta(days=1), False)):
            store.time_source = (lambda: True) if trusted else (lambda: False)
            store.record_vote("Q1", "HL", at=at)
        model = build_report(store, unit=ReportUnit(), d_from=day, d_to=day, scale="sipas5",
                             counters=[Counter("Q1", "Quầy 1")], reader=StoreReader())
    assert model.by_counter.total.total == 3
    said = [n for n in model.notes if "đồng hồ" in n]
    assert len(said) == 1 and said[0].startswith("2 phiếu"), said

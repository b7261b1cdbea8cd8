"""A vote store whose file is deleted while the kiosk runs stops acknowledging votes; a renamed one is
followed, and the manager told. In process first, then a real `run --headless` with a real pty box."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hardware.simulator import VirtualBox
from kiosk.config import load_config
from kiosk.store import StoreGoneError, VoteStore
from kiosk.storefile import GONE, MOVED, SAME
from tests.conftest import ROOT, write_config

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 20, 8, tzinfo=TZ)


def _vote(store, i: int):
    return store.record_vote("Q1", "HL", at=T0 + timedelta(seconds=11 * i))


def _lines(caplog, words: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if words in r.getMessage()]


# --- in process ------------------------------------------------------------------------------------

def test_a_vote_into_a_deleted_store_file_is_refused_and_the_deletion_is_logged_once(tmp_path, caplog):
    db = tmp_path / "votes.db"
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        _vote(store, 0)
        os.unlink(db)
        caplog.set_level(logging.DEBUG, logger="kiosk.votes")
        for i in range(1, 11):
            with pytest.raises(StoreGoneError, match="deleted while the kiosk ran"):
                _vote(store, i)
        assert store.file_state.state == GONE
        said = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(said) == 1 and "deleted while the kiosk ran" in said[0].getMessage()
        assert "NOT acknowledged" in said[0].getMessage()


def test_a_new_file_at_the_path_of_a_deleted_store_is_not_the_running_stores_file(tmp_path):
    db = tmp_path / "votes.db"
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        _vote(store, 0)
        os.unlink(db)
        with VoteStore.open(db, kiosk_id="k", tz=TZ) as other:  # a backup restored at the path, say
            _vote(other, 0)
            with pytest.raises(StoreGoneError):
                _vote(store, 1)
            assert other.count() == 1, "the running store wrote nothing into the file now at its path"


def test_a_renamed_store_file_is_followed_and_the_manager_is_told_once(tmp_path, caplog):
    db, moved = tmp_path / "votes.db", tmp_path / "votes-renamed.db"
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        _vote(store, 0)
        os.rename(db, moved)
        caplog.set_level(logging.INFO, logger="kiosk.votes")
        uuids = [_vote(store, i).uuid for i in range(1, 4)]
        assert store.file_state.state == MOVED and store.file_state.where == moved
        told = _lines(caplog, "was renamed to")
        assert len(told) == 1 and str(moved) in told[0]
    with VoteStore.open(moved, kiosk_id="k", tz=TZ, create=False) as renamed:
        assert renamed.count() == 4 and {v.uuid for v in renamed.iter_votes()} >= set(uuids)
        assert renamed.verify_chain() is None


def test_a_store_file_moved_back_to_its_path_is_the_store_again_and_the_log_says_so(tmp_path, caplog):
    db, moved = tmp_path / "votes.db", tmp_path / "aside.db"
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        _vote(store, 0)
        os.rename(db, moved)
        _vote(store, 1)
        os.rename(moved, db)
        caplog.set_level(logging.INFO, logger="kiosk.votes")
        _vote(store, 2)
        assert store.file_state.state == SAME
        assert len(_lines(caplog, "back at its path")) == 1
        assert store.count() == 3


def test_a_store_whose_file_is_hard_linked_elsewhere_and_deleted_here_follows_the_link(tmp_path):
    db, kept = tmp_path / "votes.db", tmp_path / "kept.db"
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        os.link(db, kept)
        os.unlink(db)
        _vote(store, 0)  # still linked, under another name: the vote is safe in it
        assert store.file_state.state == MOVED


def test_each_store_of_one_process_watches_its_own_descriptor(tmp_path):
    """The soundness check opens and closes a second store on the same file beside the running one."""
    db = tmp_path / "votes.db"
    with VoteStore.open(db, kiosk_id="k", tz=TZ) as store:
        second = VoteStore.open(db, kiosk_id="k", tz=TZ, create=False)
        assert second.file.fd != store.file.fd
        second.close()
        _vote(store, 0)
        os.unlink(db)
        with pytest.raises(StoreGoneError):
            _vote(store, 1)


# --- a real headless kiosk, a real pty box ---------------------------------------------------------

def _start(config_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--headless", "--config", str(config_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def _wait_acked(box) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the reader flushes input on open: press until it is open
        if box.press(1).acked:
            return
    raise AssertionError("the headless kiosk never ACKed")


def _stop(proc) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return out


def test_presses_after_the_store_is_deleted_are_not_acked_and_none_is_thanked_for_nothing(tmp_path):
    link = tmp_path / "box"
    config_path = write_config(tmp_path, repeat_window_s=0,
                               extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')
    config = load_config(config_path)
    with VirtualBox(link, heartbeat_s=None, resends=1) as box:
        proc = _start(config_path)
        try:
            _wait_acked(box)
            os.unlink(config.db_path)
            results = [box.press(1 + i % 5) for i in range(10)]
        finally:
            out = _stop(proc)
    assert not any(r.acked for r in results), out
    assert out.count("deleted while the kiosk ran") == 1, out
    assert "Traceback" not in out and "NOT recorded, not ACKed" not in out
    # After a restart: no vote the box was thanked for is missing (it was thanked for none of the ten).
    with VoteStore.from_config(config) as store:
        assert store.count() == 0


def test_presses_after_the_store_is_renamed_are_acked_and_kept_in_the_renamed_file(tmp_path):
    link = tmp_path / "box"
    config_path = write_config(tmp_path, repeat_window_s=0,
                               extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')
    config = load_config(config_path)
    moved = config.db_path.with_name("votes-moved.db")
    with VoteStore.from_config(config):
        pass  # the file exists before the kiosk starts
    with VirtualBox(link, heartbeat_s=None) as box:
        proc = _start(config_path)
        try:
            _wait_acked(box)
            os.rename(config.db_path, moved)
            results = [box.press(1 + i % 5) for i in range(5)]
        finally:
            out = _stop(proc)
    assert all(r.acked for r in results), out
    assert out.count("was renamed to") == 1 and str(moved) in out
    with VoteStore.open(moved, kiosk_id=config.kiosk_id, tz=TZ, create=False) as store:
        assert store.count() == 6 and store.verify_chain() is None

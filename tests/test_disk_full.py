"""A full disk, for real: a tiny tmpfs. The vote fails loudly, nothing is corrupted, recovery is automatic."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.store import DiskFullError, VoteNotRecorded, VoteStore
from tests.conftest import ROOT

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(folder) -> int:
    """Write a filler file until the filesystem refuses; return its size."""
    size = 0
    with open(folder / "filler", "wb", buffering=0) as f:
        chunk = b"\0" * 4096
        try:
            while True:
                size += f.write(chunk)
        except OSError:
            pass
    return size


def test_a_full_disk_refuses_the_vote_loudly_and_recovers_when_space_returns(small_disk):
    db = small_disk / "votes.db"
    t0 = datetime(2026, 11, 20, 8, tzinfo=TZ)
    store = VoteStore.open(db, kiosk_id="k", tz=TZ)
    acknowledged = [store.record_vote("Q1", "HL", at=t0).uuid]
    _fill(small_disk)
    refused = None
    for i in range(1, 5000):  # the WAL may still hold a few free pages: vote until the disk says no
        try:
            acknowledged.append(store.record_vote("Q1", "HL", at=t0 + timedelta(seconds=11 * i)).uuid)
        except DiskFullError as e:
            refused = e
            break
    assert refused is not None, "the disk never filled up"
    assert "vote NOT recorded" in str(refused) and "disk is full" in str(refused)
    # Nothing corrupted, nothing acknowledged lost — seen from a fresh connection, as after a restart.
    with VoteStore.open(db, kiosk_id="k", tz=TZ, create=False) as fresh:
        assert fresh.integrity_check() == ["ok"]
        assert fresh.verify_chain() is None
        assert [v.uuid for v in fresh.iter_votes()] == acknowledged
    # Space comes back: the same store records again, with no repair.
    os.unlink(small_disk / "filler")
    vote = store.record_vote("Q1", "RHL", at=t0 + timedelta(hours=1))
    assert vote.seq == len(acknowledged) + 1
    assert store.verify_chain() is None and store.integrity_check() == ["ok"]
    store.close()


def _vote_until_refused(store, t0) -> Exception | None:
    for i in range(1, 5000):
        try:
            store.record_vote("Q1", "HL", at=t0 + timedelta(seconds=11 * i))
        except VoteNotRecorded as e:
            return e
    return None


def test_sqlites_own_full_answer_is_a_full_disk_even_without_a_small_filesystem(tmp_path):
    """SQLite answers SQLITE_FULL when a write needs a page past ``max_page_count`` exactly as when the disk
    refuses one: the store must read the answer's code, and tell the manager to free space."""
    t0 = datetime(2026, 11, 20, 8, tzinfo=TZ)
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        store.record_vote("Q1", "HL", at=t0)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        refused = _vote_until_refused(store, t0)
        assert isinstance(refused, DiskFullError) and "disk is full" in str(refused)


def test_a_refusal_whose_words_say_full_is_not_taken_for_a_full_disk(tmp_path):
    t0 = datetime(2026, 11, 20, 8, tzinfo=TZ)
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ) as store:
        store.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON votes "
                           "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        refused = _vote_until_refused(store, t0)
        assert isinstance(refused, VoteNotRecorded) and not isinstance(refused, DiskFullError)


def test_a_full_disk_is_logged_once_while_it_lasts_and_once_when_it_clears(small_disk, caplog):
    t0 = datetime(2026, 11, 20, 8, tzinfo=TZ)
    store = VoteStore.open(small_disk / "votes.db", kiosk_id="k", tz=TZ)
    store.record_vote("Q1", "HL", at=t0)
    _fill(small_disk)
    caplog.set_level(logging.INFO)
    assert isinstance(_vote_until_refused(store, t0), DiskFullError)
    for i in range(50):  # presses and their resends, all refused
        with pytest.raises(DiskFullError):
            store.record_vote("Q1", "HL", at=t0 + timedelta(hours=1, seconds=11 * i))
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1 and "the disk is full" in said[0] and "resumes by itself" in said[0]
    assert not any(r.exc_info for r in caplog.records), "no traceback"
    os.unlink(small_disk / "filler")
    store.record_vote("Q1", "RHL", at=t0 + timedelta(hours=2))
    store.record_vote("Q1", "RHL", at=t0 + timedelta(hours=3))
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 2 and "has room again" in said[1] and "51 write(s) refused" in said[1]
    store.close()


LOG_ON_A_FULL_DISK = """
import logging, sys
from pathlib import Path
from kiosk.logs import setup_logging
folder = Path(sys.argv[1])
setup_logging(folder / "logs")
log = logging.getLogger("kiosk.test")
log.info("before")
with open(folder / "filler", "wb", buffering=0) as f:
    try:
        while True:
            f.write(b"\\0" * 4096)
    except OSError:
        pass
for i in range(300):
    log.warning("line %d while the disk is full, long enough to need a new page of the file %s", i, "x" * 200)
(folder / "filler").unlink()
log.info("after")
"""


def test_the_log_file_on_a_full_disk_says_so_once_without_a_traceback_and_counts_what_it_missed(small_disk):
    done = subprocess.run([sys.executable, "-c", LOG_ON_A_FULL_DISK, str(small_disk)], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr
    assert done.stderr.count("the log file cannot be written") == 1
    assert done.stderr.count("while the disk is full") == 300, "standard error has every line"
    text = (small_disk / "logs" / "kiosk.log").read_text()
    after, again = text.index("kiosk.test: after"), text.index("can be written again from the line above")
    assert after < again

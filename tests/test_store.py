"""The vote store: durability settings, the vote row, misuse flags, concurrency and bad files."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.db import StoreOpenError, connect
from kiosk.store import SCHEMA_VERSION, VoteStore

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=TZ)


def test_every_connection_is_wal_with_synchronous_full(store):
    assert store.query("PRAGMA journal_mode") == [("wal",)]
    assert store.query("PRAGMA synchronous") == [(2,)]  # 2 = FULL
    other = connect(store.path)
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert other.execute("PRAGMA synchronous").fetchone() == (2,)
    other.close()


def test_a_recorded_vote_is_committed_and_visible_to_another_connection(store):
    vote = store.record_vote("Q1", "RHL")
    other = sqlite3.connect(store.path)
    row = other.execute("SELECT uuid, counter_id, level, scale, source FROM votes").fetchone()
    assert row == (vote.uuid, "Q1", "RHL", "sipas5", "touch")
    other.close()


def test_a_vote_row_holds_every_field_the_issue_names(store):
    vote = store.record_vote("Q2", "KHL", source="serial:3", officer="CB07", box_seq=41, at=T0)
    assert uuid.UUID(vote.uuid).version == 4
    assert (vote.seq, vote.kiosk_id, vote.counter_id, vote.officer) == (1, "test-01", "Q2", "CB07")
    assert (vote.level, vote.scale, vote.source, vote.box_seq, vote.flag) == ("KHL", "sipas5", "serial:3", 41, None)
    assert vote.local_time == "2026-11-20T09:00:00.000+07:00"
    assert vote.local_date == "2026-11-20"
    assert store.query("SELECT sync_state FROM votes") == [("pending",)]


def test_sequence_numbers_follow_recording_order_not_the_wall_clock(store):
    late = store.record_vote("Q1", "HL", at=T0 + timedelta(hours=5))
    early = store.record_vote("Q1", "HL", at=T0)  # the clock was wrong, then corrected
    assert (late.seq, early.seq) == (1, 2)
    assert store.verify_chain() is None


def test_the_local_day_is_reckoned_in_the_centres_time_zone(store):
    utc_evening = datetime(2026, 11, 20, 18, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 next day in Hà Nội
    vote = store.record_vote("Q1", "HL", at=utc_evening)
    assert vote.local_date == "2026-11-21"
    assert vote.local_time.endswith("+07:00")


def test_a_second_vote_at_the_same_counter_within_the_window_is_flagged_repeat(store):
    first = store.record_vote("Q1", "RHL", at=T0)
    second = store.record_vote("Q1", "RHL", at=T0 + timedelta(seconds=9.9))
    other_counter = store.record_vote("Q2", "RHL", at=T0 + timedelta(seconds=10))
    later = store.record_vote("Q1", "RHL", at=T0 + timedelta(seconds=20))
    assert [v.flag for v in (first, second, other_counter, later)] == [None, "repeat", None, None]
    assert store.count() == 4  # flagged, never deleted


class HeldClock:
    """A wall clock that stands still until the test moves it (the store reads it for every vote)."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        """Move the clock on by a ``timedelta(**delta)``."""
        self.at += timedelta(**delta)


@pytest.fixture
def clocked(config):
    """A store (repeat window 10 s) whose votes are timed by a :class:`HeldClock` at T0."""
    clock = HeldClock(T0)
    with VoteStore.from_config(config, clock=clock) as s:
        yield s, clock


def test_a_second_vote_in_the_same_millisecond_at_the_same_counter_is_flagged_repeat(clocked):
    store, _clock = clocked
    store.record_vote("Q1", "RHL")
    assert store.record_vote("Q1", "RHL").flag == "repeat"  # a gap of 0 ms is inside the window


def test_a_vote_one_millisecond_before_the_window_ends_is_flagged_repeat(clocked):
    store, clock = clocked
    store.record_vote("Q1", "RHL")
    clock.advance(seconds=10, milliseconds=-1)
    assert store.record_vote("Q1", "RHL").flag == "repeat"


def test_a_vote_exactly_one_window_after_the_last_is_not_flagged(clocked):
    store, clock = clocked
    store.record_vote("Q1", "RHL")
    clock.advance(seconds=10)  # the window is 10 s: a gap of exactly 10 s is outside it
    assert store.record_vote("Q1", "RHL").flag is None


def test_a_vote_timed_one_millisecond_before_the_last_is_not_flagged(clocked):
    store, clock = clocked
    store.record_vote("Q1", "RHL")
    clock.advance(milliseconds=-1)  # the clock was set back: a negative gap is not misuse
    assert store.record_vote("Q1", "RHL").flag is None


def test_a_clock_that_jumps_back_is_not_taken_for_misuse(store):
    store.record_vote("Q1", "RHL", at=T0)
    assert store.record_vote("Q1", "RHL", at=T0 - timedelta(seconds=3)).flag is None


@pytest.mark.parametrize("counter,level,source", [
    ("Q9", "RHL", "touch"), ("Q1", "XX", "touch"), ("Q1", "RHL", "carrier-pigeon"), ("Q1", "RHL", "serial:0"),
])
def test_an_invalid_vote_is_refused_and_stores_nothing(store, counter, level, source):
    with pytest.raises(ValueError):
        store.record_vote(counter, level, source=source)
    assert store.count() == 0


def test_a_level_from_another_scale_is_refused(store):
    with pytest.raises(ValueError, match="BT"):
        store.record_vote("Q1", "BT", scale="onestop3")


def test_reasons_attach_to_a_stored_vote_without_touching_its_hash(store):
    vote = store.record_vote("Q1", "KHL")
    store.attach_reasons(vote.uuid, ["result", "access", "result"])
    assert store.reasons(vote.uuid) == ["access", "result"]
    assert store.get_vote(vote.uuid) == vote
    assert store.verify_chain() is None
    with pytest.raises(ValueError, match="unknown SIPAS"):
        store.attach_reasons(vote.uuid, ["weather"])
    with pytest.raises(ValueError, match="no vote"):
        store.attach_reasons(str(uuid.uuid4()), ["access"])


def test_an_open_reader_never_blocks_a_vote(store):
    reader = sqlite3.connect(store.path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM votes").fetchone() == (0,)
    vote = store.record_vote("Q1", "HL")  # would raise 'database is locked' if readers blocked writers
    assert reader.execute("SELECT count(*) FROM votes").fetchone() == (0,)  # its snapshot holds
    reader.execute("COMMIT")
    assert reader.execute("SELECT uuid FROM votes").fetchone() == (vote.uuid,)
    reader.close()


def test_votes_from_many_threads_form_one_unbroken_chain(store):
    def press(counter):
        for _ in range(25):
            store.record_vote(counter, "HL")
    threads = [threading.Thread(target=press, args=(c,)) for c in ("Q1", "Q2", "Q3", "Q1")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 100
    assert store.verify_chain() is None


def test_two_stores_on_one_file_chain_correctly(config):
    with VoteStore.from_config(config) as a, VoteStore.from_config(config) as b:
        for i in range(10):
            (a if i % 2 else b).record_vote("Q1", "RHL")
        assert a.verify_chain() is None
        assert [v.seq for v in a.iter_votes()] == list(range(1, 11))


def test_a_batch_is_chained_and_flagged_like_single_votes(store):
    items = [{"counter_id": "Q1", "level": "HL", "at": T0 + timedelta(seconds=s)} for s in (0, 5, 30)]
    assert store.record_votes(items, batch_size=2) == 3
    assert [v.flag for v in store.iter_votes()] == [None, "repeat", None]
    assert store.verify_chain() is None


def test_a_file_that_is_not_a_database_is_reported_and_left_untouched(tmp_path):
    path = tmp_path / "votes.db"
    junk = b"this is not a database, it is a shopping list\n" * 200
    path.write_bytes(junk)
    with pytest.raises(StoreOpenError, match="not a database.*has not been changed"):
        VoteStore.open(path, kiosk_id="k", tz=TZ)
    assert path.read_bytes() == junk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["votes.db"]


def test_a_folder_where_the_database_should_be_is_reported(tmp_path):
    (tmp_path / "votes.db").mkdir()
    with pytest.raises(StoreOpenError, match="is not a file"):
        VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ)


def test_a_database_locked_by_another_program_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "votes.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(StoreOpenError, match="locked"):
        VoteStore.open(path, kiosk_id="k", tz=TZ, busy_timeout_ms=200)
    holder.execute("COMMIT")
    holder.close()
    check = sqlite3.connect(path)
    assert check.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_a_database_from_newer_software_is_refused_unchanged(tmp_path):
    path = tmp_path / "votes.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    before = path.read_bytes()
    with pytest.raises(StoreOpenError, match="newer|only knows"):
        VoteStore.open(path, kiosk_id="k", tz=TZ)
    assert path.read_bytes() == before


def test_reopening_keeps_the_same_file_and_every_vote(config):
    with VoteStore.from_config(config) as s:
        votes = [s.record_vote("Q1", "HL") for _ in range(3)]
        inode = config.db_path.stat().st_ino
    with VoteStore.from_config(config) as s:
        assert config.db_path.stat().st_ino == inode
        assert [v.uuid for v in s.iter_votes()] == [v.uuid for v in votes]
        assert s.query("PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_an_unversioned_empty_database_is_migrated_in_place(tmp_path):
    path = tmp_path / "votes.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE notes (text)")  # someone's table: it must survive the migration
    raw.execute("INSERT INTO notes VALUES ('giữ nguyên')")
    raw.commit()
    raw.close()
    with VoteStore.open(path, kiosk_id="k", tz=TZ) as s:
        assert s.query("PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert s.query("SELECT text FROM notes") == [("giữ nguyên",)]
        s.record_vote("Q1", "HL")


def test_a_missing_database_is_not_created_when_only_reading(tmp_path):
    with pytest.raises(StoreOpenError, match="no vote database"):
        VoteStore.open(tmp_path / "votes.db", kiosk_id="k", tz=TZ, create=False)
    assert not (tmp_path / "votes.db").exists()


def test_a_version_1_database_with_votes_is_migrated_forward_in_place(tmp_path):
    from kiosk.db import migrate
    from kiosk.store import MIGRATIONS, VOTE_COLUMNS, Vote, _Chainer
    path = tmp_path / "votes.db"
    conn = connect(path)
    migrate(conn, MIGRATIONS[:1], path)  # exactly what the first release created
    conn.close()
    old = connect(path)  # votes as the first release wrote them: its columns, chained the same way
    chainer = _Chainer(old, "k", 10_000)
    rows = [chainer.next("Q1", "HL", "sipas5", "touch", "CB1", None, T0 + timedelta(minutes=i)) for i in range(3)]
    old.executemany(f"INSERT INTO votes ({', '.join(VOTE_COLUMNS)}) VALUES ({', '.join('?' * len(VOTE_COLUMNS))})", rows)
    old.close()
    votes = [Vote(*row) for row in rows]
    inode = path.stat().st_ino
    with VoteStore.open(path, kiosk_id="k", tz=TZ) as s:
        assert s.query("PRAGMA user_version") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION >= 2
        assert path.stat().st_ino == inode
        assert [v.uuid for v in s.iter_votes()] == [v.uuid for v in votes]
        assert s.verify_chain() is None
        assert s.query("SELECT count(*) FROM sync_runs") == [(0,)]


def test_the_roster_puts_the_officer_on_duty_into_each_vote(store):
    day = T0.date()
    store.set_roster(day, {"Q1": "CB07", "Q2": "CB09"})
    assert store.record_vote("Q1", "HL", at=T0).officer == "CB07"
    assert store.record_vote("Q2", "HL", at=T0, source="serial:2").officer == "CB09"
    assert store.record_vote("Q3", "HL", at=T0).officer is None
    assert store.record_vote("Q1", "HL", at=T0 + timedelta(days=1)).officer is None  # a roster is for one day
    store.set_roster(day, {"Q1": ""})
    assert store.record_vote("Q1", "HL", at=T0 + timedelta(minutes=1)).officer is None
    with pytest.raises(ValueError):
        store.set_roster(day, {"Q9": "CB1"})


def test_a_vote_out_of_hours_is_marked_and_still_counted(store, config):
    from rating import totals
    vote = store.record_vote("Q1", "RHL", source="serial:1", at=T0.replace(hour=20), out_of_hours=True)
    assert store.query("SELECT out_of_hours FROM votes WHERE uuid = ?", (vote.uuid,)) == [(1,)]
    assert totals.day_totals(store, config.counters, config.scale, T0.date())["all"]["total"] == 1
    assert store.verify_chain() is None


def test_sync_marks_need_not_wait_for_the_disk_but_every_vote_after_them_does(store):
    """A mark a power cut takes back only sends a row again; a vote must survive one (synchronous=FULL)."""
    from datetime import datetime, timezone
    from kiosk import outbox
    vote = store.record_vote("Q1", "HL")
    seen = []
    store.write(lambda conn: seen.append(conn.execute("PRAGMA synchronous").fetchone()[0]), durable=False)
    outbox.mark_synced(store, {outbox.VOTES: [vote.uuid]}, datetime.now(timezone.utc))
    assert seen == [1], "the bookkeeping transaction ran with synchronous=NORMAL"
    assert store.query("PRAGMA synchronous")[0][0] == 2, "FULL again for the next vote"
    store.record_vote("Q1", "RHL")
    assert store.query("PRAGMA synchronous")[0][0] == 2
    assert store.query("SELECT sync_state FROM votes WHERE uuid = ?", (vote.uuid,)) == [("synced",)]

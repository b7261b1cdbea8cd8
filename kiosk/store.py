"""The vote store: every rating, durably, in a hash chain, in one SQLite file.

``record_vote`` returns only after COMMIT, so whatever acknowledges a vote (the thank-you screen,
the ACK frame to a button box) runs after the vote is on disk. Normal code never updates or
deletes a vote; only its sync state changes, and low-rating reasons attach to it afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from rating import chain
from . import chainhead
from .db import (BUSY_TIMEOUT_MS, StoreError, StoreOpenError, additive, connect, damaged, is_damage, is_disk_full,
                 migrate)
from rating.hours import ALWAYS_OPEN, OpeningHours
from .questionnaire.schema import v4_questionnaires as _v4_questionnaires
from .syncstate import SyncState
from rating.scales import get_scale
from rating.sipas import ELEMENTS as SIPAS_ELEMENTS
from rating.throttled_log import ConditionLog
from rating.vote import REPEAT, SAME_TICKET, SOURCE_RE, TICKET_HASH_RE, officer_problem
from .storefile import GONE, MOVED, StoreFile, open_fds
from .clock import CachedSource, TimeSource, clock_status, describe as describe_clock

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger("kiosk.votes")


# A vote's stored columns: its hashed fields, its hash and the columns derived from its local_time.
VOTE_COLUMNS = chain.VOTES.columns


class VoteNotRecorded(StoreError):
    """The vote was not stored. Nothing was written; the citizen must not be thanked for it."""


class StoreUnavailable(VoteNotRecorded):
    """Nothing can be stored for a while, whatever is asked (a condition, not one bad write): the store
    logs it once when it begins and once when it ends, so callers need not log each refusal again."""


class DiskFullError(StoreUnavailable):
    """The vote was not stored because the disk is full. Recording works again once space is freed."""


class StoreGoneError(StoreUnavailable):
    """The vote was not stored: the open database file is no longer the file at its path, and is
    deleted (see :mod:`kiosk.storefile`). Recording works again when the file is back, or after a restart."""


@dataclass(frozen=True)
class Vote:
    """A stored vote, as read back or as returned by :meth:`VoteStore.record_vote`."""

    seq: int
    uuid: str
    kiosk_id: str
    counter_id: str
    officer: str | None
    level: str
    scale: str
    source: str
    local_time: str
    box_seq: int | None
    flag: str | None
    prev_hash: str
    hash: str
    local_date: str
    ts_ms: int

    def as_dict(self) -> dict[str, Any]:
        """The vote's fields as a plain dict."""
        return {name: getattr(self, name) for name in VOTE_COLUMNS}


# --- schema -----------------------------------------------------------------------------------

def _v1_votes_and_reasons(db: sqlite_utils.Database) -> None:
    db["votes"].create(
        {
            "seq": int, "uuid": str, "kiosk_id": str, "counter_id": str, "officer": str,
            "level": str, "scale": str, "source": str, "local_time": str, "box_seq": int,
            "flag": str, "prev_hash": str, "hash": str, "local_date": str, "ts_ms": int,
            "sync_state": str, "synced_at": str,
        },
        pk="seq",
        not_null={"uuid", "kiosk_id", "counter_id", "level", "scale", "source", "local_time",
                  "prev_hash", "hash", "local_date", "ts_ms", "sync_state"},
        defaults={"sync_state": SyncState.PENDING},
    )
    db["votes"].create_index(["uuid"], unique=True, index_name="votes_uuid")
    # Covering index for a day's totals: a range scan, however many years the file holds.
    db["votes"].create_index(["local_date", "scale", "counter_id", "level", "flag"], index_name="votes_by_day")
    # The misuse check reads the last vote at a counter.
    db["votes"].create_index(["counter_id", "seq"], index_name="votes_by_counter")
    db.execute(f"CREATE INDEX votes_unsynced ON votes(seq) WHERE sync_state != '{SyncState.SYNCED}'")
    db["vote_reasons"].create(
        {"vote_uuid": str, "element": str, "recorded_at": str, "sync_state": str},
        pk=("vote_uuid", "element"),
        not_null={"recorded_at", "sync_state"},
        defaults={"sync_state": SyncState.PENDING},
        foreign_keys=[("vote_uuid", "votes", "uuid")],
    )


def _v2_sync_bookkeeping(db: sqlite_utils.Database) -> None:
    db["sync_runs"].create({"id": int, "started_at": str, "finished_at": str, "sent": int, "remaining": int,
                            "ok": int, "error": str}, pk="id")
    db["sync_quarantine"].create({"vote_uuid": str, "reason": str, "at": str}, pk="vote_uuid")
    db["sync_mismatches"].create({"local_date": str, "counter_id": str, "scale": str, "local": str, "server": str,
                                  "at": str}, pk=("local_date", "counter_id", "scale"))
    db["sync_meta"].create({"key": str, "value": str}, pk="key")
    db.execute(f"CREATE INDEX reasons_unsynced ON vote_reasons(vote_uuid) WHERE sync_state != '{SyncState.SYNCED}'")


def _v3_roster_settings_hours(db: sqlite_utils.Database) -> None:
    # Out of hours is a marker beside the vote, not part of its hashed fields: the canonical
    # encoding stays v1, and the mark can be recomputed from local_time and the published hours.
    db["votes"].add_column("out_of_hours", int, not_null_default=0)
    db["roster"].create({"local_date": str, "counter_id": str, "officer": str}, pk=("local_date", "counter_id"))
    db["settings"].create({"key": str, "value": str}, pk="key")


# Every step after the first is additive (kiosk.db.additive): a release that knows schema 1 or later can open
# a store a newer release migrated, so an update that goes wrong switches back with every vote. A step that is
# not additive raises the store's readable_by, and an update across it cannot switch back (docs/operations.md).
MIGRATIONS = [_v1_votes_and_reasons, additive(_v2_sync_bookkeeping), additive(_v3_roster_settings_hours),
              additive(_v4_questionnaires), additive(chainhead.v5_chain_heads)]
SCHEMA_VERSION = len(MIGRATIONS)

# Indexes the II.7 report reads instead of a year of rows (docs/report.md, "Speed"). They are derived
# data, not schema: created if missing at open, no version bump, so an older release still opens the file.
# votes_report covers rating.report.aggregate_sql's GROUP BY term for term (no sort, no table read);
# votes_chain covers the chain's links and the period's digest in seq order.
REPORT_INDEXES = {
    "votes_report": "CREATE INDEX IF NOT EXISTS votes_report ON votes(local_date, substr(local_time, 12, 2), scale, "
                    "counter_id, coalesce(officer, ''), level, flag IS NOT NULL, out_of_hours, kiosk_id)",
    "votes_chain": "CREATE INDEX IF NOT EXISTS votes_chain ON votes(seq, prev_hash, hash)",
    # the few clock-suspect votes, counted for the manager's status tab without reading the others
    "votes_clock_suspect": "CREATE INDEX IF NOT EXISTS votes_clock_suspect ON votes(seq) WHERE clock_suspect IS NOT NULL",
    # the newest vote's time for the clock verdict (health, doctor, each sync batch's status): without it
    # max(ts_ms) read every vote, tens of ms a batch on a backlog of 100,000
    "votes_newest": "CREATE INDEX IF NOT EXISTS votes_newest ON votes(ts_ms)",
    # one rating per ticket number: each vote with a ticket looks for an earlier one with its hash
    "votes_ticket": "CREATE INDEX IF NOT EXISTS votes_ticket ON votes(ticket_hash) WHERE ticket_hash IS NOT NULL",
}
CHECKPOINT_KEY = "chain_checkpoint"  # in settings: the last verified point of the vote chain (JSON)

# Columns beside a vote that an older release does not know and need not: added if missing at open, with
# no version bump, so that release still opens the file (and its inserts, which name their columns, leave
# them null). clock_suspect: why the kiosk's clock could not be trusted when the vote was taken
# (kiosk.clock's reasons), or null; not hashed, like out_of_hours.
# ticket_hash: the keyed hash of the transaction's ticket or dossier number (kiosk.ticket), or null; not
# hashed either (the chain's v1 encoding is the wire's and the service's), but what it decides is: a second
# vote with the same hash is flagged same_ticket when it is stored, and the flag is in the chain.
ADDITIVE_COLUMNS = {"clock_suspect": "ALTER TABLE votes ADD COLUMN clock_suspect TEXT",
                    "ticket_hash": "ALTER TABLE votes ADD COLUMN ticket_hash TEXT"}


def _ensure_report_indexes(conn: sqlite3.Connection, path: Path) -> None:
    columns = {r[1] for r in conn.execute("PRAGMA table_info(votes)")}
    missing = [sql for name, sql in ADDITIVE_COLUMNS.items() if name not in columns]   # before their indexes
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    missing += [sql for name, sql in REPORT_INDEXES.items() if name not in have]
    if not missing:
        return
    log.info("%s: building the report's indexes (once; a few seconds on a year of votes)", path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for sql in missing:
            conn.execute(sql)
        conn.execute("COMMIT")
    except sqlite3.Error as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreOpenError(f"{path}: could not build the report's indexes: {e} (nothing was changed)") from None


@dataclass(frozen=True)
class ChainCheckpoint:
    """Votes 1..``seq`` were re-hashed one by one and found whole; vote ``seq`` then had ``hash``.
    ``full_at``: when the last walk from vote 1 ran (``verify``); ``at``: when the checkpoint last moved."""

    seq: int
    hash: str
    at: str
    full_at: str


# --- the store --------------------------------------------------------------------------------

def new_uuid() -> str:
    """A random (version 4) UUID as a string; the same as ``str(uuid.uuid4())``, a few times faster."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _to_ms(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond - at.microsecond % 1000)


class _Chainer:
    """Turns new votes into rows: sequence number, misuse flag and hash chain, in order.

    It holds the chain's head and each counter's last vote time, read from the database inside
    the write transaction, so several writers (UI thread, serial readers, another process) chain
    correctly.
    """

    def __init__(self, conn: sqlite3.Connection, kiosk_id: str, repeat_ms: int):
        self.seq, self.prev_hash = chainhead.start(conn, chain.VOTES)
        self.conn, self.kiosk_id, self.repeat_ms = conn, kiosk_id, repeat_ms
        self.last_ts: dict[str, int | None] = {}
        self.tickets: set[str] = set()   # ticket hashes of the rows made in this transaction (not yet inserted)
        newest = conn.execute("SELECT max(ts_ms) FROM votes WHERE seq > ? - 100", (self.seq,)).fetchone()
        self.newest_ts: int | None = newest[0] if newest else None  # a clock set back is earlier than it

    def _last_ts_at(self, counter_id: str) -> int | None:
        if counter_id not in self.last_ts:
            row = self.conn.execute(
                "SELECT ts_ms FROM votes WHERE counter_id = ? ORDER BY seq DESC LIMIT 1", (counter_id,)
            ).fetchone()
            self.last_ts[counter_id] = row[0] if row else None
        return self.last_ts[counter_id]

    def next(self, counter_id: str, level: str, scale: str, source: str, officer: str | None,
             box_seq: int | None, at: datetime, vote_uuid: str | None = None, ticket_hash: str | None = None) -> tuple:
        """The next vote's row, in :data:`VOTE_COLUMNS` order. With ``ticket_hash``, a vote whose hash an
        earlier vote carries is flagged :data:`SAME_TICKET` (over a repeat: the transaction is the stronger fact)."""
        at = _to_ms(at)
        local_time = at.isoformat(timespec="milliseconds")
        ts_ms = chain.ts_ms_of(local_time)  # the derived columns exactly as verify recomputes them
        last = self._last_ts_at(counter_id)
        # A clock that jumped backwards gives a negative gap: not evidence of misuse.
        flag = REPEAT if last is not None and 0 <= ts_ms - last < self.repeat_ms else None
        if ticket_hash is not None:
            if ticket_hash in self.tickets or self.conn.execute(
                    "SELECT 1 FROM votes WHERE ticket_hash = ? LIMIT 1", (ticket_hash,)).fetchone():
                flag = SAME_TICKET
            self.tickets.add(ticket_hash)
        seq = self.seq + 1
        hashed = [seq, vote_uuid or new_uuid(), self.kiosk_id, counter_id, officer, level, scale,
                  source, local_time, box_seq, flag, self.prev_hash]
        vote_hash = chain.VOTES.hash_values(hashed)
        self.seq, self.prev_hash, self.last_ts[counter_id] = seq, vote_hash, ts_ms
        self.newest_ts = ts_ms if self.newest_ts is None else max(self.newest_ts, ts_ms)
        return (*hashed, vote_hash, chain.local_date_of(local_time), ts_ms)

    def record_head(self) -> None:
        """Write the chain's head (the last vote made) into ``chain_heads``, in the current transaction."""
        chainhead.advance(self.conn, chain.VOTES, self.seq, self.prev_hash)


_INSERT = (f"INSERT INTO votes ({', '.join(VOTE_COLUMNS)}, out_of_hours, clock_suspect, ticket_hash) "
           f"VALUES ({', '.join('?' * len(VOTE_COLUMNS))}, ?, ?, ?)")


class VoteStore:
    """The kiosk's votes in one SQLite file. Safe to share between threads of one process.

    Open it with :meth:`open`. ``counters`` (optional) restricts which counter ids are accepted;
    ``scale`` is the default scale for new votes.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, *, kiosk_id: str, tz: tzinfo, scale: str,
                 repeat_window_s: float, counters: Iterable[str] | None,
                 clock: Callable[[], datetime] | None, hours: OpeningHours = ALWAYS_OPEN):
        self.conn, self.path, self.kiosk_id, self.tz, self.scale = conn, path, kiosk_id, tz, scale
        self.hours = hours
        # The embedded demo centre's votes are all demo votes: never evidence, and demo-data may add to them.
        self.demo = False
        self.repeat_ms = int(round(repeat_window_s * 1000))
        self.counters = frozenset(counters) if counters is not None else None
        self._clock = clock or (lambda: datetime.now(self.tz))
        self._lock = threading.RLock()
        # The chain head and each counter's last vote time, kept between votes. PRAGMA data_version
        # changes when another connection commits; only then are they read again.
        self._roster_cache: dict[tuple[str, str], str | None] = {}
        self._valid: set[tuple] = set()  # (counter, level, scale, source) already checked once
        self._chainer: _Chainer | None = None
        self._chainer_version: int | None = None
        self.file: StoreFile | None = None  # the file opened at ``path`` (set by open): checked at each write
        self.file_state = None              # the last kiosk.storefile.FileState seen, for the manager
        self.conditions = ConditionLog(log.error, log.warning)
        # Whether a time source answered since boot (kiosk.clock); None: not asked (tests, commands).
        self.time_source: TimeSource | None = None

    @classmethod
    def open(cls, path: str | Path, *, kiosk_id: str, tz: tzinfo, scale: str = "sipas5",
             repeat_window_s: float = 10.0, counters: Iterable[str] | None = None,
             clock: Callable[[], datetime] | None = None, create: bool = True,
             busy_timeout_ms: int = BUSY_TIMEOUT_MS, hours: OpeningHours = ALWAYS_OPEN,
             before_migrate: Callable[[Path, int], None] | None = None) -> "VoteStore":
        """Open (creating if needed and ``create``) the database at ``path`` and migrate it forward.

        Raises :class:`StoreOpenError` — and leaves the file as it was — when it cannot be used.
        ``before_migrate(path, version)`` runs before a store older than this code is upgraded (not
        for a new, empty one); raising there leaves the store unchanged (``kiosk.backup.open_store``
        takes and verifies a backup there).
        """
        path = Path(path)
        get_scale(scale)
        if not path.exists():
            if not create:
                raise StoreOpenError(f"{path}: no vote database here (has the kiosk run with this data folder?)")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreOpenError(f"{path.parent}: cannot create the data folder: {e.strerror or e}") from None
        fds_before = open_fds()
        conn = connect(path, busy_timeout_ms, max_version=SCHEMA_VERSION)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if before_migrate is not None and 0 < version < SCHEMA_VERSION:
                before_migrate(path, version)
            migrate(conn, MIGRATIONS, path)
            _ensure_report_indexes(conn, path)
            opened = StoreFile.opened(path, fds_before)
        except BaseException:
            conn.close()
            raise
        store = cls(conn, path, kiosk_id=kiosk_id, tz=tz, scale=scale, repeat_window_s=repeat_window_s,
                    counters=counters, clock=clock, hours=hours)
        store.file = opened
        return store

    @classmethod
    def from_config(cls, config, **kwargs) -> "VoteStore":
        """Open the store a :class:`kiosk.config.Config` describes (the demo centre's: every vote a demo vote)."""
        store = cls.open(config.db_path, kiosk_id=config.kiosk_id, tz=config.tz, scale=config.scale_id,
                         repeat_window_s=config.repeat_window_s,
                         counters=[c.id for c in config.counters], hours=config.hours, **kwargs)
        store.demo = getattr(config, "is_demo", False)
        store.time_source = CachedSource()
        return store

    def close(self) -> None:
        """Close the connection. Safe to call twice."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> "VoteStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def take_settings(self, counters, hours) -> None:
        """Check presses against these counters and opening hours from now on (managed settings, kiosk.live):
        new sets replace the old ones whole, and what was checked against the old counters is forgotten."""
        self.counters, self.hours, self._valid = frozenset(counters), hours, set()

    # --- writing ------------------------------------------------------------------------------

    def _validate(self, counter_id: str, level: str, scale: str, source: str) -> None:
        key = (counter_id, level, scale, source)
        if key in self._valid:
            return
        if self.counters is not None and counter_id not in self.counters:
            raise ValueError(f"counter {counter_id!r} is not configured (known: {', '.join(sorted(self.counters))})")
        try:
            get_scale(scale).level(level)
        except KeyError as e:
            raise ValueError(e.args[0]) from None
        if not SOURCE_RE.match(source):
            raise ValueError(f"source {source!r} is not touch, keypad, demo or serial:<box 1-99>")
        self._valid.add(key)

    def _current_chainer(self, conn: sqlite3.Connection) -> "_Chainer":
        """The chainer, re-read from the database if another connection has written since our last vote.

        Call inside the write transaction: the write lock guarantees nobody commits meanwhile.
        """
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._chainer is None or version != self._chainer_version:
            self._chainer, self._chainer_version = _Chainer(conn, self.kiosk_id, self.repeat_ms), version
        return self._chainer

    def write(self, work: Callable[[sqlite3.Connection], Any], what: str = "sync state", *,
              durable: bool = True) -> Any:
        """Run ``work(conn)`` in one write transaction (for bookkeeping beside the votes, such as sync state).

        ``durable=False`` commits without waiting for the disk (``synchronous=NORMAL`` for that one
        transaction): only for what a power cut may take back harmlessly — a row marked synced that is
        unmarked again is sent again, and the service acknowledges it as a duplicate. The commit is
        atomic all the same, and the next vote's commit makes it durable. Never for a vote."""
        return self._write(work, what, durable=durable)

    def _write(self, work: Callable[[sqlite3.Connection], Any], what: str = "vote", *, durable: bool = True) -> Any:
        """Run ``work`` in one IMMEDIATE transaction and COMMIT; map failures to VoteNotRecorded.

        The file is checked before and after (a COMMIT into a deleted file is no vote: see
        :mod:`kiosk.storefile`); a full disk or a file that is gone is logged once, and its end once."""
        with self._lock:
            conn = self.conn
            try:
                self._check_file(what)
                if not durable:
                    conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("BEGIN IMMEDIATE")
                result = work(conn)
                conn.execute("COMMIT")
                if self._check_file(what) == MOVED:
                    # The WAL stays under the old name, which nobody would open with the renamed file: copy
                    # the commit into the renamed file itself, so what was acknowledged is in it.
                    conn.execute("PRAGMA wal_checkpoint(FULL)")
            except sqlite3.Error as e:
                self._chainer = None  # it may have advanced past rows that were rolled back
                self._rollback()
                msg = str(e)
                if is_disk_full(e):
                    self.conditions.met("disk_full", f"{self.path}: the disk is full: votes are NOT recorded (and not "
                                                     f"acknowledged) until some space is freed on it; recording "
                                                     f"resumes by itself ({msg})")
                    raise DiskFullError(f"{self.path}: {what} NOT recorded: the disk is full ({msg}). "
                                        "Free some space; recording resumes by itself.") from None
                raise VoteNotRecorded(f"{self.path}: {what} NOT recorded: {msg}") from None
            except StoreGoneError:
                self._chainer = None
                self._rollback()
                raise
            except BaseException:
                self._chainer = None
                self._rollback()
                raise
            finally:
                if not durable:
                    self._full_sync()
            self.conditions.clear("disk_full", f"{self.path}: the disk has room again: recording resumed "
                                              "({times} write(s) refused while it was full)")
            return result

    def _check_file(self, what: str) -> str | None:
        """Raise :class:`StoreGoneError` when the open file is deleted; tell once of a file that moved.
        Returns the file's state (:mod:`kiosk.storefile`), None when it is not watched."""
        if self.file is None:
            return None
        state = self.file_state = self.file.check()
        if state.state == GONE:
            self.conditions.met("gone", f"{self.path}: the vote database was deleted while the kiosk ran: "
                                        "votes are NOT recorded and NOT acknowledged from now on (they would go "
                                        "into a file no one can open again). Restore the file at that path "
                                        "(the latest backup) and restart the kiosk")
            raise StoreGoneError(f"{self.path}: {what} NOT recorded: the vote database was deleted while the "
                                 "kiosk ran; restore it and restart the kiosk")
        self.conditions.clear("gone", f"{self.path}: the vote database is back at its path: recording resumed "
                                        "({times} write(s) refused while it was away)")
        if state.state == MOVED:
            self.conditions.met("moved", f"{self.path}: the vote database was renamed to {state.where or '?'} while "
                                         "the kiosk ran: votes are still recorded into it there (nothing is lost); "
                                         f"move it back to {self.path} before the kiosk is next started, or that "
                                         "start will find no votes")
        else:
            self.conditions.clear("moved", f"{self.path}: the vote database is back at its path")
        return state.state

    def _full_sync(self) -> None:
        """Back to ``synchronous=FULL`` (outside any transaction): every vote waits for the disk."""
        try:
            self.conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error:
            log.exception("%s: could not set synchronous=FULL again", self.path)

    def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite may already have rolled back (e.g. after SQLITE_FULL)

    def record_vote(self, counter_id: str, level: str, *, source: str = "touch", officer: str | None = None,
                    scale: str | None = None, box_seq: int | None = None, at: datetime | None = None,
                    out_of_hours: bool | None = None, ticket_hash: str | None = None) -> Vote:
        """Store one vote and return it once it is committed to disk.

        Raises ``ValueError`` for an unknown counter, level or source (nothing stored), and
        :class:`VoteNotRecorded` (:class:`DiskFullError` when the disk is full) when the database
        could not take it. ``at`` is for imports and tests; by default the vote is timed now.
        Without ``officer``, the officer the day's roster puts at that counter is recorded.
        The out-of-hours mark is decided here, from the vote's own time and the opening hours the
        store was opened with; ``out_of_hours`` overrides it (imports of already-marked votes).
        ``ticket_hash`` (kiosk.ticket) ties the vote to a transaction: a second vote with the same hash is
        stored flagged ``same_ticket`` and never counted.
        """
        scale = scale or self.scale
        came_from, source = source, ("demo" if self.demo else source)
        self._validate(counter_id, level, scale, came_from)
        if officer is not None and officer_problem(officer):
            raise ValueError(f"officer code {officer!r} {officer_problem(officer)}")
        if ticket_hash is not None and not (isinstance(ticket_hash, str) and TICKET_HASH_RE.match(ticket_hash)):
            raise ValueError("ticket_hash must be 64 lower-case hex digits (kiosk.ticket.ticket_hash), never the number")
        when = (at or self._clock()).astimezone(self.tz)
        if out_of_hours is None:
            out_of_hours = not self.hours.is_open(when)
        vote_uuid = new_uuid()  # made at the moment of the vote, before any waiting

        def work(conn: sqlite3.Connection) -> Vote:
            on_duty = officer if officer is not None else self.officer_on_duty(counter_id, when.date())
            chainer = self._current_chainer(conn)
            suspect = self._clock_suspect(conn, chainer.newest_ts, when)
            row = chainer.next(counter_id, level, scale, source, on_duty, box_seq, when, vote_uuid, ticket_hash)
            conn.execute(_INSERT, (*row, int(out_of_hours), suspect, ticket_hash))
            chainer.record_head()  # same transaction: a cut tail shows (docs/vote-store.md)
            return Vote(*row), suspect

        try:
            vote, suspect = self._write(work)
        except VoteNotRecorded as e:
            # A full disk or a deleted file is told once by _write, not once a press (and a box resends 3 times).
            log.log(logging.DEBUG if isinstance(e, StoreUnavailable) else logging.ERROR,
                    "vote at %s (%s, from %s) refused by the store: %s", counter_id, level, source, e)
            raise
        # After COMMIT; what it holds is no one's personal data: counter, level, source, sequence.
        # A ticket is said to be there, never which (neither the number nor its hash).
        log.info("vote #%d %s %s (%s) from %s%s%s%s%s%s", vote.seq, counter_id, level, get_scale(scale).level(level).vi,
                 came_from if came_from == source else f"{came_from} (stored as demo)",
                 "" if box_seq is None else f" seq {box_seq}", " [tied to a transaction]" if ticket_hash else "",
                 f" [flagged: {vote.flag.replace('_', ' ')}]" if vote.flag else "",
                 " [out of hours]" if out_of_hours else "", f" [clock suspect: {suspect}]" if suspect else "")
        return vote

    def _clock_suspect(self, conn: sqlite3.Connection, newest_ts: int | None, when: datetime) -> str | None:
        """Why the clock cannot be trusted for a vote timed ``when`` (kiosk.clock), or None; said once in the
        log when it begins and once when it ends. Inside the vote's transaction: the skew is the last sync's."""
        skew = conn.execute("SELECT value FROM sync_meta WHERE key = 'clock_skew_s'").fetchone()
        try:
            skew_s = float(skew[0]) if skew and skew[0] is not None else None
        except ValueError:
            skew_s = None
        trusted, reason = clock_status(int(when.timestamp() * 1000), newest_vote_ms=newest_ts, skew_s=skew_s,
                                       synchronized=self.time_source() if self.time_source else None)
        if trusted:
            self.conditions.clear("clock", f"{self.path}: the clock is trusted again; {{times}} vote(s) were "
                                           "marked clock-suspect meanwhile")
            return None
        self.conditions.met("clock", f"{self.path}: {describe_clock(reason)} ({reason}): votes are taken all the "
                                     "same and marked clock-suspect, and reports say how many; set the clock "
                                     "(or let it reach a time server)")
        return reason

    def record_votes(self, votes: Iterable[dict[str, Any]], batch_size: int = 5000) -> int:
        """Store many votes in transactions of ``batch_size``; return how many were stored.

        Each item has ``counter_id``, ``level``, ``at`` (an aware datetime) and optionally
        ``source``, ``officer``, ``scale``, ``box_seq``, ``ticket_hash``. Used for demo data and imports; chained
        and flagged exactly as :meth:`record_vote` would.
        """
        total = 0
        batch: list[dict[str, Any]] = []

        def work(conn: sqlite3.Connection) -> int:
            chainer = self._current_chainer(conn)
            rows = []
            for item in batch:
                scale = item.get("scale") or self.scale
                source = "demo" if self.demo else item.get("source", "touch")
                self._validate(item["counter_id"], item["level"], scale, source)
                when = item["at"].astimezone(self.tz)
                ticket = item.get("ticket_hash")
                if ticket is not None and not (isinstance(ticket, str) and TICKET_HASH_RE.match(ticket)):
                    raise ValueError("ticket_hash must be 64 lower-case hex digits (kiosk.ticket.ticket_hash)")
                rows.append((*chainer.next(item["counter_id"], item["level"], scale, source, item.get("officer"),
                                           item.get("box_seq"), when, ticket_hash=ticket),
                             int(not self.hours.is_open(when)), None, ticket))
            conn.executemany(_INSERT, rows)
            if rows:
                chainer.record_head()
            return len(rows)

        for item in votes:
            batch.append(item)
            if len(batch) >= batch_size:
                total += self._write(work)
                batch = []
        if batch:
            total += self._write(work)
        log.info("%d vote(s) recorded in bulk (imports, demo data)", total)
        return total

    def attach_reasons(self, vote_uuid: str, elements: Sequence[str]) -> None:
        """Attach the SIPAS elements a citizen said were wrong to an already stored vote."""
        unknown = [e for e in elements if e not in SIPAS_ELEMENTS]
        if unknown:
            raise ValueError(f"unknown SIPAS element(s) {unknown} (known: {', '.join(SIPAS_ELEMENTS)})")
        now = self._clock().astimezone(self.tz).isoformat(timespec="milliseconds")

        def work(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM votes WHERE uuid = ?", (vote_uuid,)).fetchone() is None:
                raise ValueError(f"no vote with uuid {vote_uuid}")
            conn.executemany("INSERT OR IGNORE INTO vote_reasons (vote_uuid, element, recorded_at) VALUES (?, ?, ?)",
                             [(vote_uuid, e, now) for e in dict.fromkeys(elements)])

        self._write(work, "reasons")

    # --- the roster and settings -------------------------------------------------------------

    def officer_on_duty(self, counter_id: str, day: date) -> str | None:
        """The officer code the roster puts at ``counter_id`` on ``day``, if any."""
        key = (counter_id, day.isoformat())
        cached = self._roster_cache.get(key, ...)
        if cached is ...:
            rows = self.query("SELECT officer FROM roster WHERE local_date = ? AND counter_id = ?", key[::-1])
            cached = self._roster_cache[key] = rows[0][0] if rows else None
        return cached

    def set_roster(self, day: date, assignments: dict[str, str | None]) -> None:
        """Put officers (codes, not names) at counters for a day; ``None`` or "" clears a counter."""
        for counter_id, code in assignments.items():
            if self.counters is not None and counter_id not in self.counters:
                raise ValueError(f"counter {counter_id!r} is not configured")
            problem = officer_problem(code.strip()) if code else None
            if problem:
                raise ValueError(f"officer code {code!r} {problem}")

        def work(conn: sqlite3.Connection) -> None:
            for counter_id, code in assignments.items():
                if code:
                    conn.execute("INSERT OR REPLACE INTO roster VALUES (?, ?, ?)", (day.isoformat(), counter_id, code.strip()))
                else:
                    conn.execute("DELETE FROM roster WHERE local_date = ? AND counter_id = ?", (day.isoformat(), counter_id))

        self._write(work, "roster")
        self._roster_cache.clear()

    def roster(self, day: date) -> dict[str, str]:
        """The day's roster: counter id to officer code."""
        return dict(self.query("SELECT counter_id, officer FROM roster WHERE local_date = ?", (day.isoformat(),)))

    def get_setting(self, key: str) -> str | None:
        """A stored setting (such as the manager PIN's hash), or None."""
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        self._write(lambda conn: conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value)), "setting")

    # --- reading ------------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run a read-only query and return all rows (a consistent snapshot in WAL mode).

        For the report model's source contract (:mod:`rating.totals`) and the store's own bookkeeping
        modules; everyone else asks through a named method below. A damaged file raises
        :class:`kiosk.db.StoreDamagedError`, which says which file and what to do.
        """
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as e:
                if is_damage(e):
                    raise damaged(self.path, e) from None
                raise

    def clock_verdict(self) -> tuple[bool, str]:
        """Whether the clock can be trusted now (kiosk.clock.clock_status), as a vote taken now would be
        judged: against the newest vote, the last sync's skew and the time source. For health and doctor."""
        newest = self.query("SELECT max(ts_ms) FROM votes")[0][0]
        skew = self.query("SELECT value FROM sync_meta WHERE key = 'clock_skew_s'")
        try:
            skew_s = float(skew[0][0]) if skew and skew[0][0] is not None else None
        except ValueError:
            skew_s = None
        return clock_status(int(self._clock().timestamp() * 1000), newest_vote_ms=newest, skew_s=skew_s,
                            synchronized=self.time_source() if self.time_source else None)

    def file_gone(self) -> bool:
        """Whether the open file is no longer at its path and deleted (kiosk.storefile): no vote can be
        stored until it is put right. One fstat and one stat: cheap enough for the screen's tick."""
        return self.file is not None and self.file.check().state == GONE

    def clock_suspect_count(self) -> int:
        """How many stored votes were taken while the clock could not be trusted (their day may be wrong)."""
        return self.query("SELECT count(*) FROM votes WHERE clock_suspect IS NOT NULL")[0][0]

    def last_vote_time(self) -> str | None:
        """The local time (ISO text) of the newest vote, or None for an empty store."""
        rows = self.query("SELECT local_time FROM votes ORDER BY seq DESC LIMIT 1")
        return rows[0][0] if rows else None

    def real_vote_count(self) -> int:
        """How many votes are not demo votes (touch, keypad, button boxes)."""
        return self.query("SELECT count(*) FROM votes WHERE source != 'demo'")[0][0]

    def recent_presses(self, limit: int) -> list[tuple[str, int | None, str, int]]:
        """The newest ``limit`` votes as (source, box_seq, level, ts_ms), oldest first: a button box's
        recent presses, to recognise a resend across a restart. Read by primary key, not a scan."""
        rows = self.query("SELECT source, box_seq, level, ts_ms FROM votes ORDER BY seq DESC LIMIT ?", (limit,))
        return rows[::-1]

    def last_sync_success(self) -> datetime | None:
        """When the last successful sync run finished, or None."""
        rows = self.query("SELECT finished_at FROM sync_runs WHERE ok = 1 ORDER BY id DESC LIMIT 1")
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def iter_votes(self, after_seq: int = 0, batch: int = 10_000) -> Iterator[Vote]:
        """Every vote in sequence order, streamed in batches (bounded memory on any size)."""
        for page in self._vote_pages(after_seq, batch):
            for row in page:
                yield Vote(*row)

    def _vote_pages(self, after_seq: int = 0, batch: int = 10_000) -> Iterator[list[tuple]]:
        """Every vote in seq order, ``batch`` rows a page (bounded memory), in :data:`VOTE_COLUMNS` order."""
        cols = ", ".join(VOTE_COLUMNS)
        while True:
            rows = self.query(f"SELECT {cols} FROM votes WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, batch))
            if rows:
                yield rows
            if len(rows) < batch:
                return
            after_seq = rows[-1][0]

    def get_vote(self, vote_uuid: str) -> Vote | None:
        """The vote with this UUID, or None."""
        rows = self.query(f"SELECT {', '.join(VOTE_COLUMNS)} FROM votes WHERE uuid = ?", (vote_uuid,))
        return Vote(*rows[0]) if rows else None

    def reasons(self, vote_uuid: str) -> list[str]:
        """The SIPAS elements attached to a vote, in the catalogue's order."""
        got = {r[0] for r in self.query("SELECT element FROM vote_reasons WHERE vote_uuid = ?", (vote_uuid,))}
        return [e for e in SIPAS_ELEMENTS if e in got]

    def count(self) -> int:
        """How many votes the store holds."""
        return self.query("SELECT count(*) FROM votes")[0][0]

    def count_on(self, day: date) -> int:
        """How many votes the store holds for one local day (the status line's "today")."""
        return self.query("SELECT count(*) FROM votes WHERE local_date = ?", (day.isoformat(),))[0][0]

    def answer_count(self) -> int:
        """How many questionnaire answers the store holds."""
        return self.query("SELECT count(*) FROM q_answers")[0][0]

    def today(self) -> date:
        """The local date now, in the centre's time zone."""
        return self._clock().astimezone(self.tz).date()

    def integrity_check(self) -> list[str]:
        """SQLite's ``PRAGMA integrity_check``: ``["ok"]`` when the file is sound."""
        return [r[0] for r in self.query("PRAGMA integrity_check")]

    def quick_check(self) -> list[str]:
        """SQLite's ``PRAGMA quick_check(1)``: every page read once (not the indexes' contents);
        ``["ok"]`` when sound, else the first problem found."""
        return [r[0] for r in self.query("PRAGMA quick_check(1)")]

    def verify_chain(self, checkpoint: bool = False) -> chain.ChainBreak | None:
        """Walk the whole hash chain; return the first break, or None when every vote follows.

        In the same pass, each vote's derived columns (``local_date``, ``ts_ms``) must follow from its
        hashed ``local_time``; after it, the last vote must be the chain head recorded with it (a cut
        tail). With ``checkpoint``, a whole chain moves the verified checkpoint to its last vote (``verify``).
        """
        verifier = chain.ChainVerifier(chain.VOTES)
        for page in self._vote_pages():  # plain rows: verify reads every vote of every year
            brk = verifier.check_rows(page)
            if brk is not None:
                return brk
        tail = chainhead.check_tail(self.query, chain.VOTES)
        if tail is not None:
            return tail
        if checkpoint and verifier.count:
            try:
                self.save_chain_checkpoint(verifier.prev_seq, verifier.prev_hash, full=True)
            except VoteNotRecorded as e:  # a read-only copy: the check stands, reports just re-hash more
                log.warning("the chain is whole but its checkpoint was not saved: %s", e)
        return None

    def chain_checkpoint(self) -> ChainCheckpoint | None:
        """The verified checkpoint of the vote chain, or None (never verified, or unreadable: start from vote 1)."""
        raw = self.get_setting(CHECKPOINT_KEY)
        try:
            d = json.loads(raw) if raw else None
            return ChainCheckpoint(int(d["seq"]), str(d["hash"]), str(d["at"]), str(d["full_at"])) if d else None
        except (ValueError, TypeError, KeyError):
            log.warning("the chain checkpoint in settings is unreadable; reports re-hash from vote 1")
            return None

    def save_chain_checkpoint(self, seq: int, vote_hash: str, *, full: bool) -> None:
        """Record that votes 1..``seq`` are whole (``full``: just re-hashed from vote 1, as ``verify`` does;
        else: re-hashed after the current checkpoint, which it extends)."""
        at = self._clock().astimezone(self.tz).isoformat(timespec="seconds")
        old = None if full else self.chain_checkpoint()
        value = {"seq": seq, "hash": vote_hash, "at": at, "full_at": at if old is None else old.full_at}
        self.set_setting(CHECKPOINT_KEY, json.dumps(value))


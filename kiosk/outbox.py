"""The store as the sync outbox: what is waiting, marking what the server acknowledged, quarantine,
and the bookkeeping the manager sees (last run, last error, clock skew, total mismatches).

Every kind of row the kiosk syncs (votes, their reasons, questionnaire definitions, responses and
answers) is a declaration (:class:`Synced`): its table, its wire fields from :mod:`rating.wire`, the
key a receipt names it by, which rows are waiting. One mechanism reads, marks and quarantines them
all. Sync state is data in the same database as the rows, written in its own transactions; a row is
marked synced only for the keys a server receipt lists. Nothing here talks to the network.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

# The fields that travel are defined once, in the wire contract both ends import; that module
# needs only the domain (no network library), so the kiosk may read the field lists from it.
from rating import wire
from rating.totals import fold_levels

from .syncstate import SyncState
from .store import VOTE_COLUMNS, VoteStore

PENDING, SYNCED, QUARANTINED = SyncState.PENDING, SyncState.SYNCED, SyncState.QUARANTINED
# "sync_state != 'synced'" is each partial index's own condition: with it the waiting rows are read
# from the index, not by scanning years of synced rows.
_UNSYNCED = f"sync_state != '{SYNCED}'"

Key = Any  # a row's key as a receipt names it: a UUID, or a tuple for a composite key


@dataclass(frozen=True)
class Synced:
    """A kind of row that waits in the store until a receipt acknowledges it."""

    part: str                     # its list in a batch (and in a receipt): "votes", "answers", …
    table: str
    fields: tuple[str, ...]       # the wire fields (rating.wire), read from the columns of the same names
    key: tuple[str, ...]          # the fields a receipt names a row by
    order: tuple[str, ...]        # the columns waiting rows are sent in the order of
    waiting: str                  # SQL: the row is waiting to be sent
    markable: str                 # SQL: the row may be marked synced or quarantined
    acknowledged: Callable[[Any], set]  # receipt -> the keys it acknowledges (ValueError if malformed)
    questionnaire: bool = False   # travels in the batch's "questionnaires" object (protocol 1.2)
    stamped: bool = True          # has synced_at
    join: str = ""                # SQL: a table the waiting condition also reads (aliased v)
    quarantinable: bool = False
    quarantine_reason: bool = False  # the server's reason is kept (sync_quarantine), for the manager
    optional: tuple[str, ...] = ()  # wire fields sent only when not null (rating.wire.VOTE_OPTIONAL_FIELDS)

    def key_of(self, row: Mapping[str, Any]) -> Key:
        """The row's key, as the receipt lists it."""
        return row[self.key[0]] if len(self.key) == 1 else tuple(row[k] for k in self.key)

    def row(self, values: tuple) -> dict[str, Any]:
        """A row read by :meth:`_select` as it travels: the fields, and the optional ones that are set."""
        d = dict(zip((*self.fields, *self.optional), values))
        for name in self.optional:
            if d[name] is None:
                del d[name]
        return d

    def _select(self, where: str) -> str:
        cols = ", ".join(f"t.{f}" for f in (*self.fields, *self.optional))
        order = ", ".join(c if "." in c else f"t.{c}" for c in self.order)
        return f"SELECT {cols} FROM {self.table} t {self.join} WHERE {where} ORDER BY {order}"


def _votes_acked(receipt: Any) -> set[str]:
    accepted, duplicates, _ = wire.acknowledged(receipt)
    return accepted | duplicates


def _q_acked(i: int) -> Callable[[Any], set]:
    return lambda receipt: wire.acknowledged_questionnaires(receipt)[i]


_Q_WAITING = f"t.{_UNSYNCED} AND t.sync_state != '{QUARANTINED}'"
_Q_MARKABLE = _UNSYNCED

VOTES = Synced("votes", "votes", wire.WIRE_FIELDS, ("uuid",), ("seq",),
               f"t.{_UNSYNCED} AND t.sync_state = '{PENDING}'", f"sync_state = '{PENDING}'", _votes_acked,
               quarantinable=True, quarantine_reason=True, optional=wire.VOTE_OPTIONAL_FIELDS)
REASONS = Synced("reasons", "vote_reasons", wire.REASON_FIELDS, ("vote_uuid", "element"), ("v.seq", "element"),
                 # a reason may follow a vote synced earlier, but not a vote set aside
                 f"t.{_UNSYNCED} AND t.sync_state = '{PENDING}' AND v.sync_state != '{QUARANTINED}'", _UNSYNCED,
                 lambda receipt: wire.acknowledged(receipt)[2], stamped=False,
                 join="JOIN votes v ON v.uuid = t.vote_uuid")
DEFINITIONS = Synced("definitions", "q_definitions", wire.Q_DEFINITION_FIELDS, ("questionnaire_id", "version"),
                     ("questionnaire_id", "version"), _Q_WAITING, _Q_MARKABLE, _q_acked(0), questionnaire=True)
RESPONSES = Synced("responses", "q_responses", wire.Q_RESPONSE_FIELDS, ("uuid",), ("started_at", "uuid"),
                   _Q_WAITING, _Q_MARKABLE, _q_acked(1), questionnaire=True, quarantinable=True)
ANSWERS = Synced("answers", "q_answers", wire.Q_ANSWER_FIELDS, ("uuid",), ("seq",), _Q_WAITING, _Q_MARKABLE,
                 _q_acked(2), questionnaire=True, quarantinable=True)
KINDS = (VOTES, REASONS, DEFINITIONS, RESPONSES, ANSWERS)
assert set(wire.WIRE_FIELDS) <= set(VOTE_COLUMNS)
assert {k.part for k in KINDS if k.questionnaire} == set(wire.Q_PARTS)


def waiting(store: VoteStore, kind: Synced, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows of ``kind`` waiting to be sent, in sending order (bounded memory)."""
    rows = store.query(f"{kind._select(kind.waiting)} LIMIT ?", (limit,))
    return [kind.row(row) for row in rows]


def waiting_after(store: VoteStore, seq: int, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` votes waiting to be sent whose seq is above ``seq``: the batch after one in
    flight, read while the service stores that one (see :func:`waiting_seqs`)."""
    rows = store.query(f"{VOTES._select(f'{VOTES.waiting} AND t.seq > ?')} LIMIT ?", (seq, limit))
    return [VOTES.row(row) for row in rows]


def waiting_seqs(store: VoteStore, through: int, limit: int) -> list[int]:
    """The seqs of the first ``limit`` votes waiting now, up to seq ``through`` (no vote is read): when
    they are those of votes read earlier, those votes are what :func:`waiting` reads now."""
    return [s for (s,) in store.query(f"SELECT t.seq FROM votes t WHERE {VOTES.waiting} AND t.seq <= ? "
                                      "ORDER BY t.seq LIMIT ?", (through, limit))]


def by_key(store: VoteStore, kind: Synced, keys: Iterable[Key]) -> list[dict[str, Any]]:
    """The rows of ``kind`` with these keys, whatever their sync state, in sending order (sent beside
    the rows that need them: a row the server holds already is acknowledged again, harmlessly)."""
    wanted = set(keys)
    lookup = sorted({k if len(kind.key) == 1 else k[0] for k in wanted})
    out: list[dict[str, Any]] = []
    for i in range(0, len(lookup), 500):  # bounded by SQLite's number of parameters
        chunk = lookup[i:i + 500]
        rows = store.query(kind._select(f"t.{kind.key[0]} IN ({', '.join('?' * len(chunk))})"), chunk)
        out.extend(d for d in (kind.row(row) for row in rows) if kind.key_of(d) in wanted)
    return sorted(out, key=lambda d: tuple(d[c] for c in kind.order))


def _where_key(kind: Synced) -> str:
    return " AND ".join(f"{k} = ?" for k in kind.key)


def _params(kind: Synced, key: Key) -> tuple:
    return (key,) if len(kind.key) == 1 else tuple(key)


def mark_synced(store: VoteStore, acknowledged: Mapping[Synced, Iterable[Key]], at: datetime) -> dict[Synced, int]:
    """Mark the rows a receipt acknowledged, every kind in one transaction; return how many rows of
    each kind changed state."""
    stamp = at.isoformat(timespec="seconds")
    todo = {kind: list(keys) for kind, keys in acknowledged.items()}

    def work(conn: sqlite3.Connection) -> dict[Synced, int]:
        changed = {}
        for kind, keys in todo.items():
            before = conn.total_changes
            stamped = ", synced_at = ?" if kind.stamped else ""
            conn.executemany(f"UPDATE {kind.table} SET sync_state = '{SYNCED}'{stamped} "
                             f"WHERE {_where_key(kind)} AND {kind.markable}",
                             [((stamp,) if kind.stamped else ()) + _params(kind, k) for k in keys])
            changed[kind] = conn.total_changes - before
        return changed

    # A mark a power cut takes back only sends the row again (a duplicate, acknowledged again): it need
    # not wait for the disk, and a sync of a long backlog no longer waits for one fsync per batch.
    return store.write(work, "sync marks", durable=False)


def quarantine(store: VoteStore, rows: Mapping[Synced, Iterable[Key]], reason: str, at: datetime) -> dict[Synced, int]:
    """Set rows the server refused for good aside (kept, no longer sent; shown to the manager, with the
    server's reason for votes), until released; return how many rows of each kind changed state."""
    stamp = at.isoformat(timespec="seconds")
    todo = {kind: list(keys) for kind, keys in rows.items()}
    assert all(kind.quarantinable for kind in todo)

    def work(conn: sqlite3.Connection) -> dict[Synced, int]:
        changed = {}
        for kind, keys in todo.items():
            before = conn.total_changes
            conn.executemany(f"UPDATE {kind.table} SET sync_state = '{QUARANTINED}' "
                             f"WHERE {_where_key(kind)} AND {kind.markable}", [_params(kind, k) for k in keys])
            changed[kind] = conn.total_changes - before
            if kind.quarantine_reason:
                conn.executemany("INSERT OR REPLACE INTO sync_quarantine (vote_uuid, reason, at) VALUES (?, ?, ?)",
                                 [(k, reason[:500], stamp) for k in keys])
        return changed

    return store.write(work)


def release_quarantine(store: VoteStore) -> dict[str, int]:
    """Put every quarantined row back in the outbox (the manager's "retry"); return how many of each kind."""
    def work(conn: sqlite3.Connection) -> dict[str, int]:
        released = {kind.part: conn.execute(f"UPDATE {kind.table} SET sync_state = '{PENDING}' "
                                            f"WHERE sync_state = '{QUARANTINED}'").rowcount
                    for kind in KINDS if kind.quarantinable}
        conn.execute("DELETE FROM sync_quarantine")
        return released

    return store.write(work)


def count_waiting(store: VoteStore, kinds: Iterable[Synced] = KINDS) -> dict[str, int]:
    """How many rows of each kind are waiting to be sent (quarantined rows are not: see
    :func:`count_quarantined`)."""
    return {kind.part: store.query(f"SELECT count(*) FROM {kind.table} t {kind.join} WHERE {kind.waiting}")[0][0]
            for kind in kinds}


def count_quarantined(store: VoteStore, kinds: Iterable[Synced] = KINDS) -> dict[str, int]:
    """How many rows of each kind the server refused for good (set aside until released)."""
    return {kind.part: store.query(f"SELECT count(*) FROM {kind.table} "
                                   f"WHERE {_UNSYNCED} AND sync_state = '{QUARANTINED}'")[0][0]
            for kind in kinds if kind.quarantinable}


def count_pending(store: VoteStore) -> dict[str, int]:
    """How many votes and reasons are waiting, and how many votes are quarantined (the manager's status)."""
    waiting_now = count_waiting(store, (VOTES, REASONS))
    return {**waiting_now, "quarantined": count_quarantined(store, (VOTES,))["votes"]}


def quarantined(store: VoteStore, limit: int = 100) -> list[dict[str, Any]]:
    """Quarantined votes with the server's reason, oldest first."""
    rows = store.query("SELECT q.vote_uuid, v.seq, q.reason, q.at FROM sync_quarantine q JOIN votes v "
                       "ON v.uuid = q.vote_uuid ORDER BY v.seq LIMIT ?", (limit,))
    return [{"uuid": u, "seq": seq, "reason": r, "at": at} for u, seq, r, at in rows]


# --- bookkeeping ------------------------------------------------------------------------------

def get_meta(store: VoteStore, key: str, default: str | None = None) -> str | None:
    """A sync bookkeeping value (e.g. the clock offset), or ``default``."""
    rows = store.query("SELECT value FROM sync_meta WHERE key = ?", (key,))
    return rows[0][0] if rows else default


def set_meta(store: VoteStore, values: dict[str, str | None]) -> None:
    """Set sync bookkeeping values; ``None`` removes a key."""
    def work(conn: sqlite3.Connection) -> None:
        for key, value in values.items():
            if value is None:
                conn.execute("DELETE FROM sync_meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)", (key, value))

    store.write(work)


def record_run(store: VoteStore, started: datetime, finished: datetime, sent: int, remaining: int, ok: bool,
               error: str | None) -> None:
    """Remember one sync run (the manager's "last sync" and "last error")."""
    store.write(lambda conn: conn.execute(
        "INSERT INTO sync_runs (started_at, finished_at, sent, remaining, ok, error) VALUES (?, ?, ?, ?, ?, ?)",
        (started.isoformat(timespec="seconds"), finished.isoformat(timespec="seconds"), sent, remaining, int(ok),
         error)))


def local_synced_totals(store: VoteStore, day: str, counter: str, scale: str) -> dict[str, Any]:
    """Level counts and flagged count of the *synced* votes for one day, counter and scale."""
    return fold_levels(store.query(
        "SELECT level, flag IS NOT NULL, count(*) FROM votes WHERE local_date = ? AND counter_id = ? AND scale = ? "
        "AND sync_state = 'synced' GROUP BY 1, 2", (day, counter, scale)))


def record_comparison(store: VoteStore, server_totals: list[dict[str, Any]], at: datetime) -> list[dict[str, Any]]:
    """Compare the server's totals with the synced votes here; store and return the mismatches."""
    mismatches, matched = [], []
    for row in server_totals:
        server = {"levels": {k: v for k, v in row["levels"].items() if v}, "flagged": row["flagged"]}
        local = local_synced_totals(store, row["date"], row["counter"], row["scale"])
        key = (row["date"], row["counter"], row["scale"])
        if local == server:
            matched.append(key)
        else:
            mismatches.append({"date": key[0], "counter": key[1], "scale": key[2], "local": local, "server": server})
    stamp = at.isoformat(timespec="seconds")

    def work(conn: sqlite3.Connection) -> None:
        conn.executemany("DELETE FROM sync_mismatches WHERE local_date = ? AND counter_id = ? AND scale = ?", matched)
        conn.executemany("INSERT OR REPLACE INTO sync_mismatches VALUES (?, ?, ?, ?, ?, ?)",
                         [(m["date"], m["counter"], m["scale"], json.dumps(m["local"]), json.dumps(m["server"]), stamp)
                          for m in mismatches])

    # Bookkeeping each receipt recomputes (the next receipt compares again): like the marks, it need not
    # wait for the disk, and a long backlog's sync no longer waits for one more fsync per batch.
    store.write(work, "sync totals", durable=False)
    return mismatches


LAST_CHECKIN_KEY = "last_checkin_at"        # sync_meta: the last check-in the service answered (sync.checkins)
CHECKIN_ERROR_KEY = "last_checkin_error"    # sync_meta: why the last check-in failed (None once one passes)


def status(store: VoteStore, counts: bool = True) -> dict[str, Any]:
    """What the manager's status screen shows about sync. ``counts=False`` leaves out the waiting and
    quarantined counts (:func:`count_pending` reads every waiting row) for a caller that keeps its own."""
    last = store.query("SELECT started_at, finished_at, sent, remaining, ok, error FROM sync_runs ORDER BY id DESC LIMIT 1")
    ok = store.query("SELECT finished_at FROM sync_runs WHERE ok = 1 ORDER BY id DESC LIMIT 1")
    failed = store.query("SELECT finished_at, error FROM sync_runs WHERE ok = 0 ORDER BY id DESC LIMIT 1")
    mismatches = store.query("SELECT local_date, counter_id, scale, local, server FROM sync_mismatches ORDER BY 1, 2")
    skew = get_meta(store, "clock_skew_s")
    return {
        # Set while the service refuses this kiosk's signature (not registered, wrong secret): the
        # votes wait, and the manager must fix the configuration.
        "auth_error": get_meta(store, "auth_error"),
        **(count_pending(store) if counts else {}),
        "last_run": dict(zip(("started_at", "finished_at", "sent", "remaining", "ok", "error"), last[0])) if last else None,
        "last_success": ok[0][0] if ok else None,
        "last_error": {"at": failed[0][0], "error": failed[0][1]} if failed else None,
        "clock_skew_s": float(skew) if skew is not None else None,
        "last_checkin_at": get_meta(store, LAST_CHECKIN_KEY),
        "last_checkin_error": get_meta(store, CHECKIN_ERROR_KEY),
        "mismatches": [{"date": d, "counter": c, "scale": s, "local": json.loads(lo), "server": json.loads(se)}
                       for d, c, s, lo, se in mismatches],
    }

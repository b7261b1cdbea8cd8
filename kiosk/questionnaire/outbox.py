"""The questionnaire rows waiting for the central service, and marking what a receipt acknowledged.

Like the votes' outbox (:mod:`kiosk.outbox`): sync state is data beside the rows; a row is marked
``synced`` only for the keys a server receipt lists, so each is sent until acknowledged and then
never again. Send definitions before the responses filed under them, and responses before their
answers (the central service checks each answer against its response and definition). Nothing
here talks to the network.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any, Iterable

# The fields that travel are defined once, in the wire contract both ends import.
from rating.wire import Q_ANSWER_FIELDS as ANSWER_WIRE_FIELDS
from rating.wire import Q_DEFINITION_FIELDS as DEFINITION_WIRE_FIELDS
from rating.wire import Q_RESPONSE_FIELDS as RESPONSE_WIRE_FIELDS

from ..store import VoteStore
from ..syncstate import SyncState

# "sync_state != 'synced'" is the partial indexes' own condition, so the waiting rows are read from them.
_WAITING = f"sync_state != '{SyncState.SYNCED}' AND sync_state != '{SyncState.QUARANTINED}'"
_TABLES = {"definitions": "q_definitions", "responses": "q_responses", "answers": "q_answers"}


def _pending(store: VoteStore, table: str, fields: tuple[str, ...], order: str, limit: int) -> list[dict[str, Any]]:
    rows = store.query(f"SELECT {', '.join(fields)} FROM {table} WHERE {_WAITING} ORDER BY {order} LIMIT ?", (limit,))
    return [dict(zip(fields, row)) for row in rows]


def _by_key(store: VoteStore, table: str, fields: tuple[str, ...], column: str, keys: Iterable[Any]) -> list[dict]:
    keys = sorted(set(keys))
    out: list[dict[str, Any]] = []
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        rows = store.query(f"SELECT {', '.join(fields)} FROM {table} WHERE {column} IN ({', '.join('?' * len(chunk))})",
                           chunk)
        out.extend(dict(zip(fields, row)) for row in rows)
    return out


def responses_by_uuid(store: VoteStore, uuids: Iterable[str]) -> list[dict[str, Any]]:
    """The responses with these UUIDs, whatever their sync state (sent beside their answers: a
    response the server holds already is acknowledged again, harmlessly)."""
    return sorted(_by_key(store, "q_responses", RESPONSE_WIRE_FIELDS, "uuid", uuids),
                  key=lambda r: (r["started_at"], r["uuid"]))


def definitions_for(store: VoteStore, keys: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """The stored definitions of these (questionnaire id, version) keys, whatever their sync state."""
    wanted = set(keys)
    qids = {q for q, _ in wanted}
    return [d for d in _by_key(store, "q_definitions", DEFINITION_WIRE_FIELDS, "questionnaire_id", qids)
            if (d["questionnaire_id"], d["version"]) in wanted]


def pending_definitions(store: VoteStore, limit: int = 100) -> list[dict[str, Any]]:
    """Questionnaire definitions not yet acknowledged."""
    return _pending(store, "q_definitions", DEFINITION_WIRE_FIELDS, "questionnaire_id, version", limit)


def pending_responses(store: VoteStore, limit: int) -> list[dict[str, Any]]:
    """The oldest ``limit`` responses not yet acknowledged (``finished_at`` may still change: resend is harmless)."""
    return _pending(store, "q_responses", RESPONSE_WIRE_FIELDS, "started_at, uuid", limit)


def pending_answers(store: VoteStore, limit: int) -> list[dict[str, Any]]:
    """The oldest ``limit`` answers not yet acknowledged, in chain order, with their hashes."""
    return _pending(store, "q_answers", ANSWER_WIRE_FIELDS, "seq", limit)


def mark_synced(store: VoteStore, *, definitions: Iterable[tuple[str, int]] = (), responses: Iterable[str] = (),
                answers: Iterable[str] = (), at: datetime) -> int:
    """Mark what a receipt acknowledged; return how many rows changed state."""
    stamp = at.isoformat(timespec="seconds")
    defs, resps, ans = list(definitions), list(responses), list(answers)

    def work(conn: sqlite3.Connection) -> int:
        before = conn.total_changes
        conn.executemany(f"UPDATE q_definitions SET sync_state = '{SyncState.SYNCED}', synced_at = ? "
                         f"WHERE questionnaire_id = ? AND version = ? AND sync_state != '{SyncState.SYNCED}'",
                         [(stamp, q, v) for q, v in defs])
        conn.executemany(f"UPDATE q_responses SET sync_state = '{SyncState.SYNCED}', synced_at = ? WHERE uuid = ? "
                         f"AND sync_state != '{SyncState.SYNCED}'", [(stamp, u) for u in resps])
        conn.executemany(f"UPDATE q_answers SET sync_state = '{SyncState.SYNCED}', synced_at = ? WHERE uuid = ? "
                         f"AND sync_state != '{SyncState.SYNCED}'", [(stamp, u) for u in ans])
        return conn.total_changes - before

    return store.write(work)


def quarantine(store: VoteStore, *, responses: Iterable[str] = (), answers: Iterable[str] = ()) -> int:
    """Set aside rows the server refused for good (kept, no longer sent); return how many."""
    resps, ans = list(responses), list(answers)

    def work(conn: sqlite3.Connection) -> int:
        before = conn.total_changes
        conn.executemany(f"UPDATE q_responses SET sync_state = '{SyncState.QUARANTINED}' WHERE uuid = ? "
                         f"AND sync_state != '{SyncState.SYNCED}'",
                         [(u,) for u in resps])
        conn.executemany(f"UPDATE q_answers SET sync_state = '{SyncState.QUARANTINED}' WHERE uuid = ? "
                         f"AND sync_state != '{SyncState.SYNCED}'",
                         [(u,) for u in ans])
        return conn.total_changes - before

    return store.write(work)


def release_quarantine(store: VoteStore) -> int:
    """Put every refused response and answer back in the outbox (the manager's "retry"); return how many."""
    def work(conn: sqlite3.Connection) -> int:
        before = conn.total_changes
        for table in (_TABLES["responses"], _TABLES["answers"]):
            conn.execute(f"UPDATE {table} SET sync_state = '{SyncState.PENDING}' "
                         f"WHERE sync_state = '{SyncState.QUARANTINED}'")
        return conn.total_changes - before

    return store.write(work)


def count_pending(store: VoteStore) -> dict[str, int]:
    """How many definitions, responses and answers are waiting (quarantined rows are not: see
    :func:`count_quarantined`)."""
    return {part: store.query(f"SELECT count(*) FROM {table} WHERE {_WAITING}")[0][0] for part, table in _TABLES.items()}


def count_quarantined(store: VoteStore) -> dict[str, int]:
    """How many responses and answers the server refused for good."""
    return {part: store.query(f"SELECT count(*) FROM {_TABLES[part]} WHERE sync_state = '{SyncState.QUARANTINED}'")[0][0]
            for part in ("responses", "answers")}

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

from ..store import VoteStore
from .answers import HASHED_FIELDS

ANSWER_WIRE_FIELDS = (*HASHED_FIELDS, "hash")
RESPONSE_WIRE_FIELDS = ("uuid", "kiosk_id", "questionnaire_id", "version", "definition_hash", "channel", "counter_id",
                        "started_at", "local_date", "finished_at")
DEFINITION_WIRE_FIELDS = ("questionnaire_id", "version", "definition_hash", "definition")


def _pending(store: VoteStore, table: str, fields: tuple[str, ...], order: str, limit: int) -> list[dict[str, Any]]:
    # "!= 'synced'" is the partial index's own condition, so the waiting rows are read from the index.
    rows = store.query(f"SELECT {', '.join(fields)} FROM {table} WHERE sync_state != 'synced' "
                       f"ORDER BY {order} LIMIT ?", (limit,))
    return [dict(zip(fields, row)) for row in rows]


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
        conn.executemany("UPDATE q_definitions SET sync_state = 'synced', synced_at = ? WHERE questionnaire_id = ? "
                         "AND version = ? AND sync_state != 'synced'", [(stamp, q, v) for q, v in defs])
        conn.executemany("UPDATE q_responses SET sync_state = 'synced', synced_at = ? WHERE uuid = ? "
                         "AND sync_state != 'synced'", [(stamp, u) for u in resps])
        conn.executemany("UPDATE q_answers SET sync_state = 'synced', synced_at = ? WHERE uuid = ? "
                         "AND sync_state != 'synced'", [(stamp, u) for u in ans])
        return conn.total_changes - before

    return store.write(work)


def count_pending(store: VoteStore) -> dict[str, int]:
    """How many definitions, responses and answers are waiting."""
    return {table: store.query(f"SELECT count(*) FROM q_{table} WHERE sync_state != 'synced'")[0][0]
            for table in ("definitions", "responses", "answers")}

"""The chain heads: the last ``seq`` and ``hash`` of each hash chain, kept beside the chain itself.

A hash chain shows an edited or deleted row, but not a cut tail: delete the last rows and what is
left is still a whole chain. So each time a vote or an answer is recorded, the same transaction
also writes its ``seq`` and ``hash`` into ``chain_heads`` (one row per chain; no extra fsync, it is
the same COMMIT). ``verify`` compares the chain's last row with its head.

It does not protect against someone who edits the head too: it raises the bar from one
``DELETE`` to knowing about this table. The central service, holding the hashes it received, is
the check that does not depend on the device (``docs/vote-store.md``).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from rating import chain

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger("kiosk.votes")

TABLE = "chain_heads"
_UPSERT = (f"INSERT INTO {TABLE} (chain, seq, hash) VALUES (?, ?, ?) "
           "ON CONFLICT(chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash")


def v5_chain_heads(db: sqlite_utils.Database) -> None:
    """Create ``chain_heads`` (migration 4 → 5), starting each chain's head at its current last row.

    A tail cut before this migration ran cannot be seen: the head starts from what the file holds.
    """
    db.execute(f"CREATE TABLE {TABLE} (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)")
    for kind in chain.KINDS:
        db.execute(f"INSERT INTO {TABLE} (chain, seq, hash) "
                   f"SELECT ?, seq, hash FROM {kind.name} ORDER BY seq DESC LIMIT 1", (kind.name,))


def _missing_table(e: sqlite3.OperationalError) -> bool:
    return f"no such table: {TABLE}" in str(e)


def advance(conn: sqlite3.Connection, kind: chain.ChainKind, seq: int, row_hash: str) -> None:
    """Record ``seq``/``row_hash`` as the head of ``kind``'s chain. Call inside the transaction that inserts that row.

    Without the table (dropped by hand) the row is still recorded: a vote is never refused for
    bookkeeping beside it; ``verify`` reports the missing table.
    """
    try:
        conn.execute(_UPSERT, (kind.name, seq, row_hash))
    except sqlite3.OperationalError as e:  # a prepare error: the transaction goes on
        if not _missing_table(e):
            raise
        log.warning("the %s table is missing: the %s chain's head is not recorded (verify reports it)", TABLE, kind.name)


def start(conn: sqlite3.Connection, kind: chain.ChainKind) -> tuple[int, str]:
    """The ``(seq, hash)`` a new row of ``kind`` follows. Call inside the write transaction.

    Normally the last row's. When the head is at or past the last row (the tail was cut, or the
    last row replaced), the new row follows the head: the kiosk keeps recording, and the gap or
    the broken link stays in the chain for ``verify`` instead of being written over.
    """
    last = conn.execute(f"SELECT seq, hash FROM {kind.name} ORDER BY seq DESC LIMIT 1").fetchone()
    try:
        head = conn.execute(f"SELECT seq, hash FROM {TABLE} WHERE chain = ?", (kind.name,)).fetchone()
    except sqlite3.OperationalError as e:  # an older schema (tests write old files) or a dropped table
        if not _missing_table(e):
            raise
        head = None
    if head is not None and (last is None or head[0] >= last[0]):
        return head[0], head[1]
    return (last[0], last[1]) if last else (0, chain.GENESIS_HASH)


def check_tail(query, kind: chain.ChainKind) -> chain.ChainBreak | None:
    """Compare ``kind``'s last row with its recorded head, in one snapshot; None when they agree.

    ``query`` runs one SQL statement (``VoteStore.query``); the wording is :func:`rating.chain.tail_issue`'s.
    """
    try:
        # One statement, one snapshot: a row recorded meanwhile moves both the last row and the head.
        (head_seq, head_hash, last_seq, last_hash, last_uuid), = query(
            f"SELECT (SELECT seq FROM {TABLE} WHERE chain = ?), (SELECT hash FROM {TABLE} WHERE chain = ?), "
            f"l.seq, l.hash, l.uuid FROM (SELECT 1) LEFT JOIN "
            f"(SELECT seq, hash, uuid FROM {kind.name} ORDER BY seq DESC LIMIT 1) l", (kind.name, kind.name))
    except sqlite3.OperationalError as e:
        if not _missing_table(e):
            raise
        return chain.head_table_missing(kind, TABLE)
    return chain.tail_issue(kind, None if head_seq is None else (head_seq, head_hash),
                            None if last_seq is None else (last_seq, last_hash, last_uuid))

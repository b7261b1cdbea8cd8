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
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger("kiosk.votes")

TABLE = "chain_heads"
VOTES, ANSWERS = "votes", "q_answers"  # each chain is named by its table
_UPSERT = (f"INSERT INTO {TABLE} (chain, seq, hash) VALUES (?, ?, ?) "
           "ON CONFLICT(chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash")


def v5_chain_heads(db: sqlite_utils.Database) -> None:
    """Create ``chain_heads`` (migration 4 → 5), starting each chain's head at its current last row.

    A tail cut before this migration ran cannot be seen: the head starts from what the file holds.
    """
    db.execute(f"CREATE TABLE {TABLE} (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)")
    for chain in (VOTES, ANSWERS):
        db.execute(f"INSERT INTO {TABLE} (chain, seq, hash) "
                   f"SELECT ?, seq, hash FROM {chain} ORDER BY seq DESC LIMIT 1", (chain,))


def _missing_table(e: sqlite3.OperationalError) -> bool:
    return f"no such table: {TABLE}" in str(e)


def advance(conn: sqlite3.Connection, chain: str, seq: int, row_hash: str) -> None:
    """Record ``seq``/``row_hash`` as the head of ``chain``. Call inside the transaction that inserts that row.

    Without the table (dropped by hand) the row is still recorded: a vote is never refused for
    bookkeeping beside it; ``verify`` reports the missing table.
    """
    try:
        conn.execute(_UPSERT, (chain, seq, row_hash))
    except sqlite3.OperationalError as e:  # a prepare error: the transaction goes on
        if not _missing_table(e):
            raise
        log.warning("the %s table is missing: the %s chain's head is not recorded (verify reports it)", TABLE, chain)


def start(conn: sqlite3.Connection, chain: str, genesis: str) -> tuple[int, str]:
    """The ``(seq, hash)`` a new row of ``chain`` follows. Call inside the write transaction.

    Normally the last row's. When the head is at or past the last row (the tail was cut, or the
    last row replaced), the new row follows the head: the kiosk keeps recording, and the gap or
    the broken link stays in the chain for ``verify`` instead of being written over.
    """
    last = conn.execute(f"SELECT seq, hash FROM {chain} ORDER BY seq DESC LIMIT 1").fetchone()
    try:
        head = conn.execute(f"SELECT seq, hash FROM {TABLE} WHERE chain = ?", (chain,)).fetchone()
    except sqlite3.OperationalError as e:  # an older schema (tests write old files) or a dropped table
        if not _missing_table(e):
            raise
        head = None
    if head is not None and (last is None or head[0] >= last[0]):
        return head[0], head[1]
    return (last[0], last[1]) if last else (0, genesis)


@dataclass(frozen=True)
class TailBreak:
    """The chain's last row does not match its recorded head: what happened, in English and Vietnamese."""

    seq: int          # the first row concerned
    uuid: str | None
    reason: str       # English, technical: for the person who investigates
    vi: str           # Vietnamese, whole sentence after "HỎNG ": where and what


def check_tail(query, chain: str, noun: str, noun_vi: str) -> TailBreak | None:
    """Compare ``chain``'s last row with its recorded head, in one snapshot; None when they agree.

    ``query`` runs one SQL statement (``VoteStore.query``). ``noun``/``noun_vi`` name a row in the
    messages ("vote"/"phiếu", "answer"/"câu trả lời").
    """
    try:
        # One statement, one snapshot: a row recorded meanwhile moves both the last row and the head.
        (head_seq, head_hash, last_seq, last_hash, last_uuid), = query(
            f"SELECT (SELECT seq FROM {TABLE} WHERE chain = ?), (SELECT hash FROM {TABLE} WHERE chain = ?), "
            f"l.seq, l.hash, l.uuid FROM (SELECT 1) LEFT JOIN "
            f"(SELECT seq, hash, uuid FROM {chain} ORDER BY seq DESC LIMIT 1) l", (chain, chain))
    except sqlite3.OperationalError as e:
        if not _missing_table(e):
            raise
        return TailBreak(0, None, f"the chain head table {TABLE} is missing (dropped?)",
                         f"bảng đầu chuỗi {TABLE} bị mất (đã bị xoá?)")
    last_seq = last_seq or 0
    if head_seq is None:
        if last_seq == 0:
            return None
        return TailBreak(last_seq, last_uuid, f"the chain head record of the {noun}s is missing (deleted?), "
                                              f"so a cut tail could not be seen",
                         f"bản ghi đầu chuỗi {noun_vi} bị mất (đã bị xoá?), nên không kiểm được "
                         f"{noun_vi} cuối có bị xoá hay không")
    if last_seq < head_seq:
        n = head_seq - last_seq
        which = f"{head_seq}" if n == 1 else f"{last_seq + 1}-{head_seq}"
        which_vi = f"{head_seq}" if n == 1 else f"{last_seq + 1}–{head_seq}"
        return TailBreak(last_seq + 1, None,
                         f"the last {n} {noun}(s) after seq {last_seq} were deleted ({noun} {which} missing; "
                         f"the chain head records {noun} {head_seq})",
                         f"sau {noun_vi} số {last_seq}: {n} {noun_vi} cuối cùng (số {which_vi}) đã bị xoá "
                         f"(đầu chuỗi ghi đến {noun_vi} số {head_seq})")
    if last_seq > head_seq:
        n = last_seq - head_seq
        return TailBreak(head_seq + 1, None,
                         f"{n} {noun}(s) after seq {head_seq} were added outside the kiosk software "
                         f"(the chain head records {noun} {head_seq}, the last is {last_seq})",
                         f"sau {noun_vi} số {head_seq}: {n} {noun_vi} được thêm vào ngoài phần mềm ki-ốt "
                         f"(đầu chuỗi chỉ ghi đến {noun_vi} số {head_seq}, {noun_vi} cuối là số {last_seq})")
    if last_hash != head_hash:
        return TailBreak(last_seq, last_uuid,
                         f"the last {noun} is not the one recorded: its hash differs from the chain head's "
                         f"(it was replaced, or the chain's hashes were recomputed)",
                         f"tại {noun_vi} số {last_seq}: {noun_vi} cuối không phải {noun_vi} đã ghi, mã băm khác "
                         f"với đầu chuỗi (đã bị thay, hoặc chuỗi đã bị tính lại mã băm)")
    return None

"""A kiosk's chains as the service keeps them: one mechanism for every chained row kind.

A chain kind is a declaration (:class:`ChainKind`): the table of its rows, the table holding each
kiosk's head (highest seq, its hash, rows held), the table of its issues, and whether missing runs are
kept as ranges. The ingest locks a kiosk's head row (so one kiosk's batches are checked one after the
other), checks the links around the new rows only — the row before each and, for a late one, the held
row after it, never a re-walk — and moves the head. The wire's chain rules are applied in one place,
:func:`check_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, NamedTuple

from rating import wire
from rating.chain import GENESIS_HASH

from central.sql import select_in


@dataclass(frozen=True)
class ChainKind:
    """How one kind of chained row is kept per kiosk."""
    name: str          # "votes" | "answers": the count's column in ``state`` and its name in the receipt
    rows: str          # the table of the chained rows (with kiosk_id, seq, prev_hash, hash)
    scope: str         # SQL picking one kiosk's chained rows in ``rows`` (one parameter: the kiosk)
    state: str         # the table of heads: kiosk_id, head_seq, head_hash and the count ``name``
    issues: str        # breaks and edits: kiosk_id, seq, kind, detail, detected_at
    gap_ranges: bool   # missing runs kept in ``chain_gaps`` and listed as issues (else only counted)


VOTE_CHAIN = ChainKind("votes", "votes", "kiosk_id = %s", "chain_state", "chain_issues", gap_ranges=True)
# Phone and paper answers have no chain (kiosk_id ''): the partial unique index on (kiosk_id, seq) holds
# only kiosk rows, and saying so lets both databases use it.
ANSWER_CHAIN = ChainKind("answers", "q_answers", "kiosk_id = %s AND kiosk_id != ''", "q_chain_state",
                         "q_chain_issues", gap_ranges=False)


class Head(NamedTuple):
    """Where a kiosk's chain stands: its highest seq, that row's hash, and how many rows are held."""
    seq: int
    hash: str
    held: int


def lock(cur, vendor: str, chain: ChainKind, kiosk_id: str) -> Head:
    """The kiosk's head, its row locked until the transaction ends (created at the genesis if new)."""
    cur.execute(f"INSERT INTO {chain.state} (kiosk_id, head_seq, head_hash, {chain.name}) VALUES (%s, 0, %s, 0) "
                "ON CONFLICT (kiosk_id) DO NOTHING", [kiosk_id, GENESIS_HASH])
    lock_row = " FOR UPDATE" if vendor == "postgresql" else ""   # SQLite has one writer at a time anyway
    cur.execute(f"SELECT head_seq, head_hash, {chain.name} FROM {chain.state} WHERE kiosk_id = %s{lock_row}", [kiosk_id])
    return Head(*cur.fetchone())


def seq_owners(cur, chain: ChainKind, kiosk_id: str, seqs: Iterable[int]) -> dict[int, str]:
    """Which held row (its UUID) has each of these sequence numbers of the kiosk's chain."""
    return dict(select_in(cur, f"SELECT seq, uuid FROM {chain.rows} WHERE {chain.scope} AND {{where}}", "seq", seqs,
                          [kiosk_id]))


# Rows hashed at a time (rating.chain.edit_issues): enough for the page's loops to run in C, few enough
# that a stream (COPY) is fed while the next page is hashed.
HASH_PAGE = 1000


def check_rows(chain: ChainKind, by_seq: dict[int, dict], neighbours: dict[int, dict]) -> Iterator[tuple[dict, list]]:
    """Check a chunk of new rows of one chain, in seq order: yield each row with its issues
    ``(seq, kind, detail)`` — its hash recomputed (``edited``), its link to the row before (``break``)
    when that row is held or new, and for a late row the link of the held row after it. The one place
    the wire's chain rules are applied."""
    edits, link = (wire.edit_issues, wire.link_issue) if chain is VOTE_CHAIN else (wire.q_edit_issues, wire.q_link_issue)
    ordered = sorted(by_seq.items())
    for start in range(0, len(ordered), HASH_PAGE):
        page = ordered[start:start + HASH_PAGE]
        yield from _check_page(page, edits([row for _, row in page]), link, by_seq, neighbours)


def _check_page(page, edited, link, by_seq, neighbours) -> Iterator[tuple[dict, list]]:
    """:func:`check_rows` over one page, its ``edited`` issues found already."""
    for (seq, row), found in zip(page, edited):
        issues = []
        if found:
            issues.append((seq, *found))
        before = by_seq.get(seq - 1) or neighbours.get(seq - 1)
        if (seq == 1 or before is not None) and (found := link(row, before)):
            issues.append((seq, *found))
        after = neighbours.get(seq + 1)
        if after is not None and (found := link(after, row)):   # a late row: the held row after it must link to it
            issues.append((seq + 1, *found))
        yield row, issues


class Check:
    """The chain check of a batch's new rows of one kiosk's chain, done while they are stored.

    :meth:`rows` yields the new rows, each checked just before it is yielded: streamed to the database
    (COPY on PostgreSQL), the server stores one chunk while the next is hashed. :meth:`record` then keeps
    what was found and moves the kiosk's head."""

    def __init__(self, cur, chain: ChainKind, kiosk_id: str, head: Head, new: list[dict]):
        self.chain, self.kiosk_id, self.head = chain, kiosk_id, head
        self.by_seq = {r["seq"]: r for r in new}
        by_seq = self.by_seq
        wanted = {s - 1 for s in by_seq if s > 1 and s - 1 not in by_seq} | {s + 1 for s in by_seq if s + 1 not in by_seq}
        self.neighbours = {seq: {"seq": seq, "prev_hash": p, "hash": h} for seq, p, h in select_in(
            cur, f"SELECT seq, prev_hash, hash FROM {chain.rows} WHERE {chain.scope} AND {{where}}", "seq", wanted,
            [kiosk_id])}
        self.issues: list[tuple] = []
        self.checked = False

    def rows(self) -> Iterator[dict]:
        """The new rows in seq order, each checked as it is yielded."""
        for row, issues in check_rows(self.chain, self.by_seq, self.neighbours):
            self.issues.extend(issues)
            yield row
        self.checked = True

    def record(self, cur, at: str) -> None:
        """Record the issues found and the gaps opened or closed; move the kiosk's head."""
        if not self.by_seq:
            return
        if not self.checked:   # the rows were not streamed through :meth:`rows`
            for _ in self.rows():
                pass
        chain, kiosk_id, head = self.chain, self.kiosk_id, self.head
        if self.issues:
            cur.executemany(f"INSERT INTO {chain.issues} (kiosk_id, seq, kind, detail, detected_at) "
                            "VALUES (%s, %s, %s, %s, %s)", [(kiosk_id, *i, at) for i in self.issues])
        if chain.gap_ranges:
            _move_gaps(cur, kiosk_id, sorted(self.by_seq), head.seq, at)
        top = max(self.by_seq)
        seq, hash_ = (top, self.by_seq[top]["hash"]) if top > head.seq else (head.seq, head.hash)
        cur.execute(f"UPDATE {chain.state} SET head_seq = %s, head_hash = %s, {chain.name} = %s WHERE kiosk_id = %s",
                    [seq, hash_, head.held + len(self.by_seq), kiosk_id])


def _move_gaps(cur, kiosk_id: str, seqs: list[int], head_seq: int, at: str) -> None:
    """Rows past the head open a gap below them; late rows split or shrink the gap they fall in."""
    late = [s for s in seqs if s <= head_seq]
    runs: list[tuple[int, int]] = []
    if late:
        cur.execute("SELECT id, first_seq, last_seq FROM chain_gaps WHERE kiosk_id = %s AND last_seq >= %s "
                    "AND first_seq <= %s", [kiosk_id, late[0], late[-1]])
        for gap_id, first, last in cur.fetchall():
            left, start = [], first
            for s in (x for x in late if first <= x <= last):
                if s > start:
                    left.append((start, s - 1))
                start = s + 1
            if start <= last:
                left.append((start, last))
            if left != [(first, last)]:
                cur.execute("DELETE FROM chain_gaps WHERE id = %s", [gap_id])
                runs.extend(left)
    top = head_seq
    for s in (s for s in seqs if s > head_seq):
        if s > top + 1:
            runs.append((top + 1, s - 1))
        top = s
    if runs:
        cur.executemany("INSERT INTO chain_gaps (kiosk_id, first_seq, last_seq, detected_at) VALUES (%s, %s, %s, %s)",
                        [(kiosk_id, a, b, at) for a, b in runs])


def chain_report(cur, kiosk_id: str, limit: int, chain: ChainKind = VOTE_CHAIN) -> dict[str, Any]:
    """The kiosk's chain: head, rows held, whether it holds, its first ``limit`` issues (gaps as ranges
    where kept) with the count of all, and the rows missing below the head — bounded however broken.

    The receipt's ``chain`` (votes) and ``questionnaires.chain`` (answers), and the chain report's rows."""
    cur.execute(f"SELECT head_seq, {chain.name} FROM {chain.state} WHERE kiosk_id = %s", [kiosk_id])
    row = cur.fetchone()
    head, count = (int(row[0]), int(row[1])) if row else (0, 0)
    cur.execute(f"SELECT count(*) FROM {chain.issues} WHERE kiosk_id = %s", [kiosk_id])
    total = int(cur.fetchone()[0])
    cur.execute(f"SELECT seq, kind, detail, detected_at FROM {chain.issues} WHERE kiosk_id = %s ORDER BY seq, id LIMIT %s",
                [kiosk_id, limit])
    issues = [{"seq": s, "kind": k, "detail": d, "detected_at": t} for s, k, d, t in cur.fetchall()]
    missing = head - count
    if chain.gap_ranges:
        cur.execute("SELECT count(*), coalesce(sum(last_seq - first_seq + 1), 0) FROM chain_gaps WHERE kiosk_id = %s",
                    [kiosk_id])
        n_gaps, missing = (int(n) for n in cur.fetchone())
        total += n_gaps
        cur.execute("SELECT first_seq, last_seq, detected_at FROM chain_gaps WHERE kiosk_id = %s ORDER BY first_seq "
                    "LIMIT %s", [kiosk_id, limit])
        issues += [{"seq": a, "kind": "gap", "detail": wire.gap_detail(a, b), "detected_at": t}
                   for a, b, t in cur.fetchall()]
        issues.sort(key=lambda i: (i["seq"], i["kind"] != "gap"))
    return {"kiosk_id": kiosk_id, "head_seq": head, chain.name: count, "ok": total == 0 and missing == 0,
            "issues": issues[:limit], "issues_total": total, f"missing_{chain.name}": missing}

"""The central service's database: every kiosk's votes, exactly once, and what their chains show.

Same durability as on the kiosk (WAL, synchronous=FULL). Votes are keyed by UUID; the same UUID
with other content is a conflict, refused and logged, never an overwrite. Each kiosk's hash chain
and sequence numbers are checked as batches arrive; gaps, breaks and edited votes are recorded in
``chain_issues`` — reported, not hidden — and re-checked when a late vote fills a gap.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import sqlite_utils

from kiosk import chain
from kiosk.db import connect, migrate
from kiosk.outbox import WIRE_FIELDS
from kiosk.totals import fold_levels

_COLS = (*WIRE_FIELDS, "local_date", "ts_ms", "received_at")


def _v1(db: sqlite_utils.Database) -> None:
    db["votes"].create({
        "uuid": str, "kiosk_id": str, "seq": int, "counter_id": str, "officer": str, "level": str, "scale": str,
        "source": str, "local_time": str, "box_seq": int, "flag": str, "prev_hash": str, "hash": str,
        "local_date": str, "ts_ms": int, "received_at": str,
    }, pk="uuid", not_null={"kiosk_id", "seq", "counter_id", "level", "scale", "source", "local_time",
                            "prev_hash", "hash", "local_date", "ts_ms", "received_at"})
    db["votes"].create_index(["kiosk_id", "seq"], unique=True, index_name="votes_kiosk_seq")
    db["votes"].create_index(["local_date", "scale", "kiosk_id", "counter_id", "level", "flag"], index_name="votes_by_day")
    db["reasons"].create({"vote_uuid": str, "element": str, "recorded_at": str, "received_at": str},
                         pk=("vote_uuid", "element"))
    db["counters"].create({"kiosk_id": str, "counter_id": str, "name": str}, pk=("kiosk_id", "counter_id"))
    db["chain_state"].create({"kiosk_id": str, "verified_seq": int, "verified_hash": str}, pk="kiosk_id")
    db["chain_issues"].create({"id": int, "kiosk_id": str, "seq": int, "kind": str, "detail": str,
                               "detected_at": str}, pk="id")
    db["chain_issues"].create_index(["kiosk_id", "seq"], index_name="chain_issues_by_kiosk")
    db["conflicts"].create({"id": int, "kiosk_id": str, "uuid": str, "detail": str, "at": str}, pk="id")


MIGRATIONS = [_v1]


class Conflict(Exception):
    """A batch reuses a UUID (or a kiosk's sequence number) with other content."""

    def __init__(self, uuids: list[str], details: list[str]):
        self.uuids, self.details = uuids, details
        super().__init__("; ".join(details[:5]))


@dataclass
class Receipt:
    """What the server tells a kiosk after a batch: what it holds now."""
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    reasons: list[list[str]] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)
    chain: dict[str, Any] = field(default_factory=dict)


class CentralStore:
    """The central SQLite database. One connection per thread; writes serialised by SQLite's lock."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path, max_version=len(MIGRATIONS))
        migrate(conn, MIGRATIONS, self.path)
        conn.close()
        self._local = threading.local()

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self._local.conn = connect(self.path, max_version=len(MIGRATIONS))
        return c

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Read rows (a consistent snapshot)."""
        return self.conn.execute(sql, params).fetchall()

    # --- ingest -------------------------------------------------------------------------------

    def ingest(self, kiosk_id: str, votes: list[dict[str, Any]], reasons: list[dict[str, Any]],
               counters: list[dict[str, str]], now: datetime) -> Receipt:
        """Store a validated batch in one transaction; raise :class:`Conflict` (nothing stored) on a clash."""
        conn = self.conn
        received = now.isoformat(timespec="seconds")
        receipt = Receipt()
        conn.execute("BEGIN IMMEDIATE")
        try:
            new_rows, conflicts, details = [], [], []
            held, seq_owner = self._held(conn, kiosk_id, votes)
            for v in votes:
                row = held.get(v["uuid"])
                if row is not None:
                    if row == {k: v[k] for k in WIRE_FIELDS}:
                        receipt.duplicates.append(v["uuid"])
                    else:
                        conflicts.append(v["uuid"])
                        details.append(f"vote {v['uuid']} was already received with other content")
                    continue
                owner = seq_owner.get(v["seq"])  # not this UUID: that one would be held above
                if owner is not None:
                    conflicts.append(v["uuid"])
                    details.append(f"vote {v['uuid']} reuses seq {v['seq']} of vote {owner}")
                    continue
                new_rows.append(tuple(v[k] for k in WIRE_FIELDS) + (v["local_date"], v["ts_ms"], received))
                receipt.accepted.append(v["uuid"])
            if conflicts:
                conn.execute("ROLLBACK")
                self._log_conflicts(kiosk_id, conflicts, details, received)
                raise Conflict(conflicts, details)
            conn.executemany(f"INSERT INTO votes ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})", new_rows)
            conn.executemany("INSERT OR IGNORE INTO reasons VALUES (?, ?, ?, ?)",
                             [(r["vote_uuid"], r["element"], r["recorded_at"], received) for r in reasons])
            receipt.reasons = [[r["vote_uuid"], r["element"]] for r in reasons]
            conn.executemany("INSERT OR REPLACE INTO counters VALUES (?, ?, ?)",
                             [(kiosk_id, c["id"], c["name"]) for c in counters])
            if new_rows:
                accepted = set(receipt.accepted)
                self._check_chain(conn, kiosk_id, min(v["seq"] for v in votes if v["uuid"] in accepted), received)
            receipt.totals = self._totals_for(conn, kiosk_id, {(v["local_date"], v["counter_id"], v["scale"]) for v in votes})
            receipt.chain = self.chain_report(kiosk_id, conn)
            conn.execute("COMMIT")
        except Conflict:
            raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return receipt

    @staticmethod
    def _held(conn: sqlite3.Connection, kiosk_id: str, votes: list[dict[str, Any]]
              ) -> tuple[dict[str, dict[str, Any]], dict[int, str]]:
        """Votes of the batch already held (by UUID), and who holds each of its sequence numbers — in a
        few queries for the whole batch rather than two per vote."""
        held: dict[str, dict[str, Any]] = {}
        seq_owner: dict[int, str] = {}
        for i in range(0, len(votes), 500):
            chunk = votes[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for row in conn.execute(f"SELECT {', '.join(WIRE_FIELDS)} FROM votes WHERE uuid IN ({marks})",
                                    [v["uuid"] for v in chunk]):
                vote = dict(zip(WIRE_FIELDS, row))
                held[vote["uuid"]] = vote
            for seq, owner in conn.execute(f"SELECT seq, uuid FROM votes WHERE kiosk_id = ? AND seq IN ({marks})",
                                           [kiosk_id, *(v["seq"] for v in chunk)]):
                seq_owner[seq] = owner
        return held, seq_owner

    def _log_conflicts(self, kiosk_id: str, uuids: list[str], details: list[str], at: str) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO conflicts (kiosk_id, uuid, detail, at) VALUES (?, ?, ?, ?)",
                         [(kiosk_id, u, d, at) for u, d in zip(uuids, details)])
        conn.execute("COMMIT")

    def _totals_for(self, conn: sqlite3.Connection, kiosk_id: str, keys: set[tuple[str, str, str]]) -> list[dict]:
        return [{"date": day, "counter": counter, "scale": scale, **fold_levels(conn.execute(
                    "SELECT level, flag IS NOT NULL, count(*) FROM votes WHERE local_date = ? AND scale = ? "
                    "AND kiosk_id = ? AND counter_id = ? GROUP BY 1, 2", (day, scale, kiosk_id, counter)))}
                for day, counter, scale in sorted(keys)]

    # --- the chain ----------------------------------------------------------------------------

    def _check_chain(self, conn: sqlite3.Connection, kiosk_id: str, lowest_new_seq: int, at: str) -> None:
        """Walk the kiosk's chain from just before ``lowest_new_seq``; record gaps, breaks and edits.

        Appends (the usual case) walk only the new votes. A late vote that fills a gap re-walks from
        there, and the issues in that stretch are recomputed.
        """
        state = conn.execute("SELECT verified_seq, verified_hash FROM chain_state WHERE kiosk_id = ?",
                             (kiosk_id,)).fetchone()
        verified_seq, verified_hash = state if state else (0, chain.GENESIS_HASH)
        if lowest_new_seq <= verified_seq:  # a backfill: recompute from the vote before it
            before = conn.execute("SELECT seq, hash FROM votes WHERE kiosk_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
                                  (kiosk_id, lowest_new_seq)).fetchone()
            verified_seq, verified_hash = before if before else (0, chain.GENESIS_HASH)
            conn.execute("DELETE FROM chain_issues WHERE kiosk_id = ? AND seq > ?", (kiosk_id, verified_seq))
        prev_seq, prev_hash = verified_seq, verified_hash
        cols = ", ".join(WIRE_FIELDS)
        issues = []
        while True:
            rows = conn.execute(f"SELECT {cols} FROM votes WHERE kiosk_id = ? AND seq > ? ORDER BY seq LIMIT 5000",
                                (kiosk_id, prev_seq)).fetchall()
            for row in rows:
                v = dict(zip(WIRE_FIELDS, row))
                seq = v["seq"]
                if seq != prev_seq + 1:
                    missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}-{seq - 1}"
                    issues.append((kiosk_id, prev_seq + 1, "gap", f"vote(s) {missing} missing: deleted on the "
                                   "device, or not sent yet", at))
                elif v["prev_hash"] != prev_hash:
                    issues.append((kiosk_id, seq, "break", f"prev_hash of vote {seq} does not match the hash of "
                                   f"vote {prev_seq}: vote {prev_seq} was replaced, or votes between were removed", at))
                if chain.vote_hash(v) != v["hash"]:
                    issues.append((kiosk_id, seq, "edited", f"vote {seq}'s hash does not match its fields: "
                                   "it was edited on the device", at))
                prev_seq, prev_hash = seq, v["hash"]
            if len(rows) < 5000:
                break
        conn.executemany("INSERT INTO chain_issues (kiosk_id, seq, kind, detail, detected_at) VALUES (?, ?, ?, ?, ?)",
                         issues)
        conn.execute("INSERT OR REPLACE INTO chain_state VALUES (?, ?, ?)", (kiosk_id, prev_seq, prev_hash))

    def chain_report(self, kiosk_id: str, conn: sqlite3.Connection | None = None) -> dict[str, Any]:
        """The kiosk's chain: how far it reaches, how many votes, and every open issue."""
        conn = conn or self.conn
        state = conn.execute("SELECT verified_seq FROM chain_state WHERE kiosk_id = ?", (kiosk_id,)).fetchone()
        count = conn.execute("SELECT count(*) FROM votes WHERE kiosk_id = ?", (kiosk_id,)).fetchone()[0]
        issues = [{"seq": s, "kind": k, "detail": d, "detected_at": t} for s, k, d, t in conn.execute(
            "SELECT seq, kind, detail, detected_at FROM chain_issues WHERE kiosk_id = ? ORDER BY seq, id", (kiosk_id,))]
        return {"kiosk_id": kiosk_id, "head_seq": state[0] if state else 0, "votes": count, "ok": not issues,
                "issues": issues}

    def conflicts(self, kiosk_id: str | None = None) -> list[dict[str, Any]]:
        """Refused conflicting votes, newest first."""
        sql = "SELECT kiosk_id, uuid, detail, at FROM conflicts"
        rows = self.query(sql + (" WHERE kiosk_id = ?" if kiosk_id else "") + " ORDER BY id DESC LIMIT 1000",
                          (kiosk_id,) if kiosk_id else ())
        return [dict(zip(("kiosk_id", "uuid", "detail", "at"), r)) for r in rows]

    def counter_names(self) -> dict[tuple[str, str], str]:
        """Counter names the kiosks reported, by (kiosk, counter)."""
        return {(k, c): n for k, c, n in self.query("SELECT kiosk_id, counter_id, name FROM counters")}


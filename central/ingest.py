"""Storing a kiosk's batch: set-based, in one transaction, with the kiosk's chain checked incrementally.

Votes are keyed by UUID; the same UUID (or a kiosk's sequence number) with other content is a
conflict — refused, logged, never an overwrite. Each batch locks its kiosk's ``chain_state`` row, so
two batches of one kiosk are checked one after the other while other kiosks ingest beside them (on
PostgreSQL; SQLite has one writer at a time anyway). The chain check touches only the new votes and
their neighbours — never a re-walk of the kiosk's history — and the daily roll-ups are upserted from
the new votes alone.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from django.db import IntegrityError, connections, transaction

from rating.chain import GENESIS_HASH
from rating.totals import fold_levels
from rating import wire

log = logging.getLogger("central.ingest")

VOTE_COLUMNS = (*wire.WIRE_FIELDS, "local_date", "ts_ms", "received_at")
CHUNK = 5000   # keys per IN (…) list: a whole batch (SQLite allows 32,766 parameters since 3.32)


class Conflict(Exception):
    """A batch reuses a UUID (or a kiosk's sequence number) with other content."""

    def __init__(self, uuids: list[str], details: list[str]):
        self.uuids, self.details = uuids, details
        super().__init__("; ".join(details[:5]))


@dataclass
class Receipt:
    """What the service holds after a batch."""
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    reasons: list[list[str]] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)
    chain: dict[str, Any] = field(default_factory=dict)


def _chunks(items: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def ingest(alias: str, kiosk_id: str, votes: list[dict[str, Any]], reasons: list[dict[str, Any]],
           counters: list[dict[str, str]], status: dict[str, Any] | None, now: datetime, sent_ts: int) -> Receipt:
    """Store a checked batch; raise :class:`Conflict` (nothing stored, the refusal logged) on a clash.

    ``sent_ts`` is the batch's signed timestamp: counter names are replaced only by a batch signed no
    earlier than the one that set them.
    """
    received = now.isoformat(timespec="seconds")
    conn = connections[alias]
    try:
        with transaction.atomic(using=alias), conn.cursor() as cur:
            receipt = _ingest(cur, conn.vendor, kiosk_id, votes, reasons, counters, status, received, sent_ts)
    except IntegrityError:
        # Two kiosks racing with one UUID (only a forger can): the loser gets a conflict, not a 500.
        raise Conflict([v["uuid"] for v in votes], ["a vote of this batch was stored by another request meanwhile"]) from None
    except Conflict as e:
        with transaction.atomic(using=alias), conn.cursor() as cur:
            cur.executemany("INSERT INTO conflicts (kiosk_id, uuid, detail, at) VALUES (%s, %s, %s, %s)",
                            [(kiosk_id, u, d[:300], received) for u, d in zip(e.uuids, e.details)])
        raise
    return receipt


def _ingest(cur, vendor: str, kiosk_id: str, votes, reasons, counters, status, received: str, sent_ts: int) -> Receipt:
    cur.execute("INSERT INTO chain_state (kiosk_id, head_seq, head_hash, votes) VALUES (%s, 0, %s, 0) "
                "ON CONFLICT (kiosk_id) DO NOTHING", [kiosk_id, GENESIS_HASH])
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    cur.execute(f"SELECT head_seq, head_hash, votes FROM chain_state WHERE kiosk_id = %s{lock}", [kiosk_id])
    head_seq, head_hash, count = cur.fetchone()
    receipt = Receipt()
    held, seq_owner = _held(cur, vendor, kiosk_id, votes, head_seq)
    new, conflicts, details = [], [], []
    for v in votes:
        row = held.get(v["uuid"])
        if row is not None:
            if row == {k: v[k] for k in wire.WIRE_FIELDS}:
                receipt.duplicates.append(v["uuid"])
            else:
                conflicts.append(v["uuid"])
                details.append(f"vote {v['uuid']} was already received with other content")
            continue
        owner = seq_owner.get(v["seq"])
        if owner is not None:
            conflicts.append(v["uuid"])
            details.append(f"vote {v['uuid']} reuses seq {v['seq']} of vote {owner}")
            continue
        new.append(v)
        receipt.accepted.append(v["uuid"])
    if conflicts:
        raise Conflict(conflicts, details)
    if new:
        if vendor == "postgresql":   # COPY: the bulk path, a few times faster than INSERTs
            # Each vote's hash is checked as its row streams out: the server stores the rows already
            # sent while Python hashes the next (the two costs overlap instead of following each other).
            edited = {}
            with cur.cursor.copy(f"COPY votes ({', '.join(VOTE_COLUMNS)}) FROM STDIN") as copy:
                for v in new:
                    copy.write_row((*(v[k] for k in wire.WIRE_FIELDS), v["local_date"], v["ts_ms"], received))
                    if found := wire.edit_issue(v):
                        edited[v["seq"]] = found
            _roll_up(cur, vendor, kiosk_id, new)
        else:
            cur.executemany(f"INSERT INTO votes ({', '.join(VOTE_COLUMNS)}) VALUES ({_marks(len(VOTE_COLUMNS))})",
                            [(*(v[k] for k in wire.WIRE_FIELDS), v["local_date"], v["ts_ms"], received) for v in new])
            _roll_up(cur, vendor, kiosk_id, new)
            edited = _edited(new)
        head_seq, head_hash = _check_chain(cur, kiosk_id, new, edited, head_seq, head_hash, received)
        cur.execute("UPDATE chain_state SET head_seq = %s, head_hash = %s, votes = %s WHERE kiosk_id = %s",
                    [head_seq, head_hash, count + len(new), kiosk_id])
    receipt.reasons = _store_reasons(cur, kiosk_id, votes, reasons, received)
    if counters:
        cur.executemany(
            "INSERT INTO counters (kiosk_id, counter_id, name, sent_ts) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (kiosk_id, counter_id) DO UPDATE SET name = excluded.name, sent_ts = excluded.sent_ts "
            "WHERE counters.sent_ts <= excluded.sent_ts",
            [(kiosk_id, c["id"], c["name"], sent_ts) for c in counters])
    if status is not None or votes or reasons:
        cur.execute("INSERT INTO kiosk_status (kiosk_id, last_sync_at, status) VALUES (%s, %s, %s) "
                    "ON CONFLICT (kiosk_id) DO UPDATE SET last_sync_at = excluded.last_sync_at, status = excluded.status",
                    [kiosk_id, received, json.dumps(status or {})])
    receipt.totals = _totals_for(cur, kiosk_id, {(v["local_date"], v["counter_id"], v["scale"]) for v in votes})
    receipt.chain = chain_report(cur, kiosk_id, wire.MAX_RECEIPT_ISSUES)
    return receipt


def _held(cur, vendor: str, kiosk_id: str, votes: list[dict], head_seq: int) -> tuple[dict[str, dict], dict[int, str]]:
    """Votes of the batch already held (by UUID, any kiosk's), and who holds each of its sequence numbers
    (only numbers up to the kiosk's head can be held: the usual append asks nothing)."""
    held: dict[str, dict] = {}
    seq_owner: dict[int, str] = {}
    for chunk in _chunks(votes):
        where, params = _keys(vendor, "uuid", [v["uuid"] for v in chunk])
        cur.execute(f"SELECT {', '.join(wire.WIRE_FIELDS)} FROM votes WHERE {where}", params)
        for row in cur.fetchall():
            vote = dict(zip(wire.WIRE_FIELDS, row))
            held[vote["uuid"]] = vote
        seqs = [v["seq"] for v in chunk if v["seq"] <= head_seq]
        if seqs:
            where, params = _keys(vendor, "seq", seqs)
            cur.execute(f"SELECT seq, uuid FROM votes WHERE kiosk_id = %s AND {where}", [kiosk_id, *params])
            seq_owner.update(dict(cur.fetchall()))
    return held, seq_owner


def _keys(vendor: str, column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``column`` is one of ``values``: ``= ANY(array)`` on PostgreSQL (one parameter), ``IN (…)`` elsewhere."""
    if vendor == "postgresql":
        cast = "::bigint[]" if values and isinstance(values[0], int) else "::text[]"
        return f"{column} = ANY(%s{cast})", [list(values)]
    return f"{column} IN ({_marks(len(values))})", list(values)


DEMO_SOURCE = "demo"   # a vote a kiosk took in demo mode (simulated box, demo data): kept, never counted


def counted(votes: Iterable[dict]) -> list[dict]:
    """The votes that count in a commune's figures: all but demo votes. A kiosk's demo votes are stored
    and chained like any other (exactly once, the chain stays whole) but left out of every roll-up, so
    the overview, a commune's page, alerts and receipts' totals never hold them."""
    return [v for v in votes if v["source"] != DEMO_SOURCE]


def roll_ups(kiosk_id: str, new: list[dict]) -> dict[str, list[tuple]]:
    """The new votes added up per roll-up table, in Python (the votes are in hand: reading them back from
    the table cost three more index lookups per vote). Each table's rows end with the count ``n``."""
    daily: Counter = Counter()
    days: Counter = Counter()
    hours: Counter = Counter()
    for v in counted(new):
        flagged = 0 if v["flag"] is None else 1
        day, level = v["local_date"], v["level"]
        daily[(kiosk_id, day, v["counter_id"], v["officer"] or "", v["scale"], level, flagged)] += 1
        days[(kiosk_id, day, level, flagged)] += 1
        hours[(kiosk_id, day, int(v["local_time"][11:13]), v["scale"], level)] += 1   # the hour the kiosk wrote
    return {table: [(*key, n) for key, n in sorted(counts.items())]
            for table, counts in (("daily_totals", daily), ("kiosk_days", days), ("hour_totals", hours))}


# Each roll-up table: its unique key (then n) and the SQL types of the key (to read them from JSON).
ROLL_UP_TABLES = {
    "daily_totals": (("kiosk_id", "local_date", "counter_id", "officer", "scale", "level", "flagged"),
                     ("text", "text", "text", "text", "text", "text", "int")),
    "kiosk_days": (("kiosk_id", "local_date", "level", "flagged"), ("text", "text", "text", "int")),
    "hour_totals": (("kiosk_id", "local_date", "hour", "scale", "level"), ("text", "text", "int", "text", "text")),
}


# The same roll-ups, derived in SQL from a ``votes`` row (what :func:`roll_ups` does in Python), for
# :func:`rebuild_roll_ups`. A test holds the two equal.
_FLAGGED = "CASE WHEN flag IS NULL THEN 0 ELSE 1 END"
_HOUR = "CAST(substr(local_time, 12, 2) AS INTEGER)"   # the local hour, as the kiosk wrote it
ROLL_UP_FROM_VOTES = {
    "daily_totals": ("kiosk_id", "local_date", "counter_id", "coalesce(officer, '')", "scale", "level", _FLAGGED),
    "kiosk_days": ("kiosk_id", "local_date", "level", _FLAGGED),
    "hour_totals": ("kiosk_id", "local_date", _HOUR, "scale", "level"),
}


def rebuild_roll_ups(cur) -> None:
    """Rebuild every roll-up table from the votes held, set-based (one INSERT … SELECT … GROUP BY per
    table): after a bulk load, or to repair roll-ups. Demo votes are left out, as by the ingest."""
    for table, exprs in ROLL_UP_FROM_VOTES.items():
        key = ROLL_UP_TABLES[table][0]
        cur.execute(f"DELETE FROM {table}")
        cur.execute(f"INSERT INTO {table} ({', '.join(key)}, n) SELECT {', '.join(exprs)}, count(*) FROM votes "
                    f"WHERE source <> '{DEMO_SOURCE}' GROUP BY {', '.join(exprs)}")
    from central.rates import RATES   # the pages' cache of rates was built from the old rows
    RATES.clear()
    cur.execute("DELETE FROM reason_days")
    cur.execute("INSERT INTO reason_days (kiosk_id, local_date, element, n) SELECT v.kiosk_id, v.local_date, r.element, "
                f"count(*) FROM vote_reasons r JOIN votes v ON v.uuid = r.vote_uuid WHERE v.source <> '{DEMO_SOURCE}' "
                "GROUP BY v.kiosk_id, v.local_date, r.element")


def upsert_sql(vendor: str, table: str) -> str:
    """One statement adding rows to a roll-up table: on PostgreSQL all rows at once, as one JSON array
    of arrays taken apart by the server (one parameter, one round trip: JSON is encoded in C, where
    psycopg dumps a Python list element by element); elsewhere one row per parameter set (``executemany``)."""
    key, types = ROLL_UP_TABLES[table]
    columns = ", ".join((*key, "n"))
    tail = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {table}.n + excluded.n"
    if vendor == "postgresql":
        fields = ", ".join(f"(r->>{i})::{t}" for i, t in enumerate((*types, "bigint")))
        return f"INSERT INTO {table} ({columns}) SELECT {fields} FROM json_array_elements(%s::json) AS r {tail}"
    return f"INSERT INTO {table} ({columns}) VALUES ({_marks(len(key) + 1)}) {tail}"


def add_roll_ups(cur, vendor: str, rows: dict[str, list[tuple]]) -> None:
    """Add counted rows (see :func:`roll_ups`) to the roll-up tables: one statement per table."""
    for table, values in rows.items():
        if not values:
            continue
        if vendor == "postgresql":
            cur.execute(upsert_sql(vendor, table), [json.dumps(values, ensure_ascii=False)])
        else:
            cur.executemany(upsert_sql(vendor, table), values)


def _roll_up(cur, vendor: str, kiosk_id: str, new: list[dict]) -> None:
    """Add the new votes to the roll-ups (demo votes left out)."""
    add_roll_ups(cur, vendor, roll_ups(kiosk_id, new))


def _store_reasons(cur, kiosk_id: str, votes: list[dict], reasons: list[dict], received: str) -> list[list[str]]:
    """Store the reasons whose vote is this kiosk's (in the batch or held); the others are not
    acknowledged — a kiosk may touch only its own votes, and a reason may arrive before its vote."""
    if not reasons:
        return []
    own = {v["uuid"] for v in votes}
    asked = sorted({r["vote_uuid"] for r in reasons} - own)
    for chunk in _chunks(asked):
        cur.execute(f"SELECT uuid FROM votes WHERE kiosk_id = %s AND uuid IN ({_marks(len(chunk))})", [kiosk_id, *chunk])
        own.update(u for (u,) in cur.fetchall())
    mine = [r for r in reasons if r["vote_uuid"] in own]
    refused = len(reasons) - len(mine)
    if refused:
        log.warning("kiosk %s: %d reason(s) for votes it does not hold (another kiosk's, or not sent yet) not stored",
                    kiosk_id, refused)
    if not mine:
        return []
    # Which are new (a resent reason is acknowledged again but counted once), and their votes' days.
    uuids = sorted({r["vote_uuid"] for r in mine})
    held: set[tuple[str, str]] = set()
    day_of = {v["uuid"]: (v["local_date"], v["source"]) for v in votes}
    for chunk in _chunks(uuids):
        cur.execute(f"SELECT vote_uuid, element FROM vote_reasons WHERE vote_uuid IN ({_marks(len(chunk))})", chunk)
        held.update(cur.fetchall())
        missing = [u for u in chunk if u not in day_of]
        if missing:
            cur.execute(f"SELECT uuid, local_date, source FROM votes WHERE uuid IN ({_marks(len(missing))})", missing)
            day_of.update((u, (d, src)) for u, d, src in cur.fetchall())
    new = [r for r in mine if (r["vote_uuid"], r["element"]) not in held]
    cur.executemany("INSERT INTO vote_reasons (vote_uuid, element, recorded_at, received_at) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (vote_uuid, element) DO NOTHING",
                    [(r["vote_uuid"], r["element"], r["recorded_at"], received) for r in new])
    per_day: dict[tuple[str, str], int] = {}
    for r in {(r["vote_uuid"], r["element"]): r for r in new}.values():
        day, source = day_of[r["vote_uuid"]]
        if source == DEMO_SOURCE:   # a demo vote's reason is kept, like the vote, but not counted
            continue
        key = (day, r["element"])
        per_day[key] = per_day.get(key, 0) + 1
    cur.executemany("INSERT INTO reason_days (kiosk_id, local_date, element, n) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (kiosk_id, local_date, element) DO UPDATE SET n = reason_days.n + excluded.n",
                    [(kiosk_id, d, e, n) for (d, e), n in sorted(per_day.items())])
    return [[r["vote_uuid"], r["element"]] for r in mine]


def _totals_for(cur, kiosk_id: str, keys: set[tuple[str, str, str]]) -> list[dict]:
    """What the service holds for each (day, counter, scale) the batch touched, demo votes included."""
    if not keys:
        return []
    days = sorted({d for d, _, _ in keys})
    cur.execute(f"SELECT local_date, counter_id, scale, level, flagged, sum(n) FROM daily_totals WHERE kiosk_id = %s "
                f"AND local_date IN ({_marks(len(days))}) GROUP BY local_date, counter_id, scale, level, flagged",
                [kiosk_id, *days])
    found = cur.fetchall()
    # The kiosk compares these with every vote it sent, demo ones included: add back the demo votes the
    # roll-ups leave out (the literal predicate lets the partial index ``votes_demo`` answer).
    cur.execute(f"SELECT local_date, counter_id, scale, level, CASE WHEN flag IS NULL THEN 0 ELSE 1 END, count(*) "
                f"FROM votes WHERE kiosk_id = %s AND source = '{DEMO_SOURCE}' AND local_date IN ({_marks(len(days))}) "
                "GROUP BY local_date, counter_id, scale, level, CASE WHEN flag IS NULL THEN 0 ELSE 1 END",
                [kiosk_id, *days])
    found += cur.fetchall()
    rows: dict[tuple[str, str, str], list] = {k: [] for k in keys}
    for day, counter, scale, level, flagged, n in found:
        if (day, counter, scale) in rows:
            rows[(day, counter, scale)].append((level, bool(flagged), int(n)))
    return [{"date": d, "counter": c, "scale": sc, **fold_levels(rows[(d, c, sc)])} for d, c, sc in sorted(keys)]


# --- the chain ------------------------------------------------------------------------------------

def _edited(new: list[dict]) -> dict[int, tuple[str, str]]:
    """The new votes whose hash does not match their fields, by seq (pure Python: no database)."""
    return {v["seq"]: found for v in new if (found := wire.edit_issue(v))}


def _check_chain(cur, kiosk_id: str, new: list[dict], edited: dict[int, tuple[str, str]], head_seq: int,
                 head_hash: str, at: str) -> tuple[int, str]:
    """Check the links around the new votes only (``edited``: :func:`_edited` of them); keep the gaps as
    ranges. Returns the new head."""
    by_seq = {v["seq"]: v for v in new}
    wanted = sorted({s - 1 for s in by_seq if s > 1 and s - 1 not in by_seq} | {s + 1 for s in by_seq if s + 1 not in by_seq})
    neighbours: dict[int, dict] = {}
    for chunk in _chunks(wanted):
        cur.execute(f"SELECT seq, prev_hash, hash FROM votes WHERE kiosk_id = %s AND seq IN ({_marks(len(chunk))})",
                    [kiosk_id, *chunk])
        for seq, prev, h in cur.fetchall():
            neighbours[seq] = {"seq": seq, "prev_hash": prev, "hash": h}
    issues: list[tuple] = []
    for seq, v in sorted(by_seq.items()):
        if seq in edited:
            issues.append((kiosk_id, seq, *edited[seq], at))
        before = by_seq.get(seq - 1) or neighbours.get(seq - 1)
        if seq == 1 or before is not None:
            found = wire.link_issue(v, before)
            if found:
                issues.append((kiosk_id, seq, *found, at))
        after = neighbours.get(seq + 1)
        if after is not None:   # a late vote: the held vote after it must link to it
            found = wire.link_issue(after, v)
            if found:
                issues.append((kiosk_id, seq + 1, *found, at))
    if issues:
        cur.executemany("INSERT INTO chain_issues (kiosk_id, seq, kind, detail, detected_at) VALUES (%s, %s, %s, %s, %s)",
                        issues)
    # Gaps: votes past the head open one; late votes split or shrink the gap they fall in.
    late = sorted(s for s in by_seq if s <= head_seq)
    if late:
        cur.execute("SELECT id, first_seq, last_seq FROM chain_gaps WHERE kiosk_id = %s AND last_seq >= %s "
                    "AND first_seq <= %s", [kiosk_id, late[0], late[-1]])
        gaps = cur.fetchall()
        replaced = []
        for gap_id, first, last in gaps:
            runs, start = [], first
            for s in (x for x in late if first <= x <= last):
                if s > start:
                    runs.append((start, s - 1))
                start = s + 1
            if start <= last:
                runs.append((start, last))
            if runs != [(first, last)]:
                cur.execute("DELETE FROM chain_gaps WHERE id = %s", [gap_id])
                replaced.extend(runs)
        _add_gaps(cur, kiosk_id, replaced, at)
    opened = []
    for s in sorted(s for s in by_seq if s > head_seq):
        if s > head_seq + 1:
            opened.append((head_seq + 1, s - 1))
        head_seq, head_hash = s, by_seq[s]["hash"]
    _add_gaps(cur, kiosk_id, opened, at)
    return head_seq, head_hash


def _add_gaps(cur, kiosk_id: str, runs: list[tuple[int, int]], at: str) -> None:
    if runs:
        cur.executemany("INSERT INTO chain_gaps (kiosk_id, first_seq, last_seq, detected_at) VALUES (%s, %s, %s, %s)",
                        [(kiosk_id, a, b, at) for a, b in runs])


def chain_report(cur, kiosk_id: str, limit: int) -> dict[str, Any]:
    """The kiosk's chain: head, votes held, whether it holds, and its first ``limit`` issues (gaps as
    ranges) with the count of all of them — bounded however broken the chain."""
    cur.execute("SELECT head_seq, votes FROM chain_state WHERE kiosk_id = %s", [kiosk_id])
    row = cur.fetchone()
    head, count = row if row else (0, 0)
    cur.execute("SELECT count(*), coalesce(sum(last_seq - first_seq + 1), 0) FROM chain_gaps WHERE kiosk_id = %s",
                [kiosk_id])
    n_gaps, missing = cur.fetchone()
    cur.execute("SELECT count(*) FROM chain_issues WHERE kiosk_id = %s", [kiosk_id])
    n_other = cur.fetchone()[0]
    cur.execute("SELECT first_seq, last_seq, detected_at FROM chain_gaps WHERE kiosk_id = %s ORDER BY first_seq LIMIT %s",
                [kiosk_id, limit])
    issues = [{"seq": a, "kind": "gap", "detail": wire.gap_detail(a, b), "detected_at": t} for a, b, t in cur.fetchall()]
    cur.execute("SELECT seq, kind, detail, detected_at FROM chain_issues WHERE kiosk_id = %s ORDER BY seq, id LIMIT %s",
                [kiosk_id, limit])
    issues += [{"seq": s, "kind": k, "detail": d, "detected_at": t} for s, k, d, t in cur.fetchall()]
    issues.sort(key=lambda i: (i["seq"], i["kind"] != "gap"))
    total = n_gaps + n_other
    return {"kiosk_id": kiosk_id, "head_seq": int(head), "votes": int(count), "ok": total == 0,
            "issues": issues[:limit], "issues_total": int(total), "missing_votes": int(missing)}

"""Storing a kiosk's batch: one ingest path for every kind of row a kiosk syncs.

Each kind — a vote, a reason, a questionnaire definition, a response, an answer — is a declaration
(:class:`RowKind`): its table, its key, the fields a row already held must match, the columns stored, the
column naming the kiosk that owns it, and its chain. One set of functions reads what is held
(:func:`held`), sorts a batch's rows into new ones, ones held identical (acknowledged again, stored
once) and conflicts (:func:`sort`: other content under a held key, another kiosk's row, a reused
sequence number — refused, logged in ``conflicts``, never an overwrite), stores the new ones set-based
(:func:`store`) and moves the kiosk's chain (:mod:`central.chains`, checked around the new rows only).

Votes and reasons go in one transaction, a batch's questionnaire rows in another; each locks its kiosk's
chain head, so two batches of one kiosk are stored one after the other while other kiosks ingest beside
them (on PostgreSQL; SQLite has one writer at a time anyway). A race with another request over the same
key (only a forger's UUID, or two kiosks registering one questionnaire version) stores nothing and
answers :class:`Busy`: sent again, the batch meets what the other stored.
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any, Callable, Iterable

from django.db import IntegrityError, connections, transaction

from rating import wire
from rating.vote import clock_problem
from rating.questionnaire.loader import from_definition

from central import chains, counter_names, rollups
from central.chains import ANSWER_CHAIN, VOTE_CHAIN, ChainKind
from central.sql import CHUNK, marks, select_in

log = logging.getLogger("central.ingest")


@dataclass(frozen=True)
class RowKind:
    """One kind of synced row, as the service stores it."""
    name: str                      # how a conflict names it
    table: str
    key: tuple[str, ...]           # what identifies a row (its first column is looked up by index)
    fields: tuple[str, ...]        # the wire fields: a row already held under the key must match them
    columns: tuple[str, ...]       # what is stored: the fields, then what the service adds
    owner: str | None = None       # the column naming the kiosk a row belongs to: another's is a conflict
    later: tuple[str, ...] = ()    # fields that may go from null to a value in a later batch, never change after
    chain: ChainKind | None = None  # its chain: a held row's seq may not be reused by another row
    shared: bool = False           # rows other kiosks send too: a race over one is no conflict (ON CONFLICT DO NOTHING)
    hint: str = ""                 # added to a conflict's detail: what the kiosk's people should do
    chunk: int = CHUNK             # keys a statement when looking rows up on SQLite

    def key_of(self, row: dict) -> tuple:
        """The row's key."""
        return tuple(row[k] for k in self.key)

    def label(self, row: dict) -> str:
        """The row's key as a conflict names it (the receipt's ``conflicting``)."""
        return "@".join(str(row[k]) for k in self.key)


VOTES = RowKind("vote", "votes", ("uuid",), wire.WIRE_FIELDS,
                (*wire.WIRE_FIELDS, "local_date", "ts_ms", "received_at", "held_back", "clock_suspect",
                 "ticket_hash"), owner="kiosk_id",
                chain=VOTE_CHAIN)
# A reason is its vote's and its element, nothing more: the same pair again is the same reason (its
# recorded_at is only when the voter named it); the vote's owner is checked before (:func:`_reasons`).
REASONS = RowKind("reason", "vote_reasons", ("vote_uuid", "element"), ("vote_uuid", "element"),
                  (*wire.REASON_FIELDS, "received_at"))
DEFINITIONS = RowKind("questionnaire", "q_definitions", ("questionnaire_id", "version"), wire.Q_DEFINITION_FIELDS,
                      (*wire.Q_DEFINITION_FIELDS, "registered_at"), shared=True,
                      hint=": a changed questionnaire must be a new version")
# device, form_no and entered_by belong to the phone and paper channels: empty for a kiosk's responses.
RESPONSES = RowKind("response", "q_responses", ("uuid",), wire.Q_RESPONSE_FIELDS,
                    (*wire.Q_RESPONSE_FIELDS, "centre_id", "received_at", "device", "form_no", "entered_by"),
                    owner="kiosk_id", later=("finished_at",))   # the citizen finished after it was first sent
ANSWERS = RowKind("answer", "q_answers", ("uuid",), wire.Q_ANSWER_FIELDS,
                  (*wire.Q_ANSWER_FIELDS, "local_date", "centre_id", "replaced", "received_at"),
                  owner="kiosk_id", chain=ANSWER_CHAIN)
KINDS = (VOTES, REASONS, DEFINITIONS, RESPONSES, ANSWERS)   # every kind of row a kiosk syncs


class Conflict(Exception):
    """Rows that clash with what the service holds, or touch another kiosk's rows: nothing stored."""

    def __init__(self, keys: list[str], details: list[str]):
        self.keys, self.details = keys, details
        super().__init__("; ".join(details[:5]))


class Busy(Exception):
    """Another request stored one of the batch's rows meanwhile (a race): nothing stored; send again."""


class Clashes:
    """The conflicts found while sorting a batch, raised together."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.details: list[str] = []

    def add(self, key: str, detail: str) -> None:
        """Note one conflicting row."""
        self.keys.append(key)
        self.details.append(detail)

    def check(self) -> None:
        """Raise :class:`Conflict` when any was noted."""
        if self.keys:
            raise Conflict(self.keys, self.details)


@dataclass
class Receipt:
    """What the service holds after a batch's votes and reasons."""
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    reasons: list[list[str]] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)
    chain: dict[str, Any] = field(default_factory=dict)


@dataclass
class QReceipt:
    """What the service holds of a batch's questionnaire rows."""
    definitions: list[list] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    new_answers: int = 0
    chain: dict[str, Any] = field(default_factory=dict)

    def as_receipt(self) -> dict[str, Any]:
        """The receipt's ``questionnaires`` object (:func:`rating.wire.q_receipt`)."""
        return wire.q_receipt(self.definitions, self.responses, self.answers, self.chain)


# --- the one path ---------------------------------------------------------------------------------

def held(cur, kind: RowKind, keys: Iterable[tuple]) -> dict[tuple, dict]:
    """The rows of ``kind`` the service holds under ``keys``, by key (looked up by the key's first column)."""
    keys = set(keys)
    if not keys:
        return {}
    rows = select_in(cur, f"SELECT {', '.join(kind.fields)} FROM {kind.table} WHERE {{where}}", kind.key[0],
                     {k[0] for k in keys}, chunk=kind.chunk)
    out = {}
    for values in rows:
        row = dict(zip(kind.fields, values))
        if (k := kind.key_of(row)) in keys:
            out[k] = row
    return out


def _differ(kind: RowKind, have: dict, row: dict) -> list[str]:
    """The fields in which ``row`` is not the row held (a ``later`` field may still be filled in)."""
    return [f for f in kind.fields if have[f] != row[f]
            and (f not in kind.later or (have[f] is not None and row[f] is not None))]


def sort(cur, kind: RowKind, kiosk_id: str, rows: list[dict], have: dict[tuple, dict],
         clash: Callable[[str, str], None], head_seq: int = 0) -> tuple[list[dict], list[dict], list[dict]]:
    """Sort a batch's ``rows`` of ``kind`` against those held (``have``, from :func:`held`): the new ones,
    the ones held identical, and the ones held whose ``later`` fields this batch fills in. Each conflict
    goes to ``clash(key, detail)``. A chained row's seq must not be held by another row (only seqs up to
    the kiosk's head ``head_seq`` can be: the usual append asks nothing)."""
    new, same, filled = [], [], []
    for row in rows:
        have_row = have.get(kind.key_of(row))
        if have_row is None:
            new.append(row)
            continue
        label = kind.label(row)
        if kind.owner and have_row[kind.owner] != kiosk_id:
            clash(label, f"{kind.name} {label} belongs to another kiosk")
        elif differ := _differ(kind, have_row, row):
            clash(label, f"{kind.name} {label} was already received with other content ({', '.join(differ)}){kind.hint}")
        elif any(have_row[f] is None and row[f] is not None for f in kind.later):
            filled.append(row)
        else:
            same.append(row)
    if kind.chain is not None and new:
        owners = chains.seq_owners(cur, kind.chain, kiosk_id, [r["seq"] for r in new if r["seq"] <= head_seq])
        for row in (r for r in new if r["seq"] in owners):
            label = kind.label(row)
            clash(label, f"{kind.name} {label} reuses seq {row['seq']} of {kind.name} {owners[row['seq']]}")
        new = [r for r in new if r["seq"] not in owners] if owners else new
    return new, same, filled


def store(cur, vendor: str, kind: RowKind, rows: Iterable[tuple]) -> None:
    """Store new rows (tuples in ``kind.columns`` order) set-based: COPY on PostgreSQL, one prepared
    INSERT for all rows elsewhere. A row stored meanwhile by another request raises IntegrityError
    (:class:`Busy` for the client), except for ``shared`` kinds, where it is simply skipped. ``rows`` may be
    a generator: on PostgreSQL the server stores what was sent while the next rows are made."""
    rows = iter(rows)
    if (first := next(rows, None)) is None:
        return
    rows = itertools.chain([first], rows)
    columns = ", ".join(kind.columns)
    if vendor == "postgresql" and not kind.shared:
        # The raw psycopg cursor's COPY: its errors are made Django's, as the wrapped cursor's are.
        with cur.db.wrap_database_errors, cur.cursor.copy(f"COPY {kind.table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    skip = " ON CONFLICT DO NOTHING" if kind.shared else ""
    cur.executemany(f"INSERT INTO {kind.table} ({columns}) VALUES ({marks(len(kind.columns))}){skip}", rows)


def add(cur, vendor: str, kind: RowKind, kiosk_id: str, rows: list[dict], as_row: Callable[[dict], tuple],
        clashes: Clashes, head: chains.Head | None = None) -> tuple[list[dict], list[dict], chains.Check | None]:
    """Store the new ones of a batch's ``rows`` of ``kind`` (``as_row`` makes a row's tuple of
    ``kind.columns``); return them, the rows held identical, and the chain check of the new rows (its
    :meth:`~central.chains.Check.record` still to call) for a chained kind, whose head is ``head``.

    Usually every row is new, so the rows are first stored as they are, in a savepoint, without looking
    anything up: the keys' unique indexes (a UUID, a kiosk's seq) refuse any row held. Only then is the
    batch sorted against what is held (:func:`sort`) — conflicts raised, nothing stored — and its new rows
    stored."""
    def attempt(new: list[dict]) -> chains.Check | None:
        check = chains.Check(cur, kind.chain, kiosk_id, head, new) if kind.chain else None
        store(cur, vendor, kind, map(as_row, check.rows() if check else new))
        return check

    try:
        with transaction.atomic(using=cur.db.alias):
            return rows, [], attempt(rows)
    except IntegrityError:
        pass   # a row is held (or was stored meanwhile): undone to the savepoint
    new, same, _ = sort(cur, kind, kiosk_id, rows, held(cur, kind, map(kind.key_of, rows)), clashes.add,
                        head.seq if head else 0)
    clashes.check()
    return new, same, attempt(new)


def _is_unique_violation(e: IntegrityError) -> bool:
    text = str(e)
    return "UNIQUE constraint failed" in text or "duplicate key value" in text


def _in_transaction(alias: str, kiosk_id: str, received: str, work: Callable[[Any, str], Any]) -> Any:
    """Run ``work(cursor, vendor)`` in one transaction; on a conflict log the refused rows (in a
    transaction of their own: the batch's was rolled back) and re-raise; a race becomes :class:`Busy`."""
    conn = connections[alias]
    try:
        with transaction.atomic(using=alias), conn.cursor() as cur:
            return work(cur, conn.vendor)
    except IntegrityError as e:
        if not _is_unique_violation(e):
            raise
        log.warning("kiosk %s: batch raced another request: %s", kiosk_id, e)
        raise Busy(str(e)) from None
    except Conflict as e:
        with transaction.atomic(using=alias), conn.cursor() as cur:
            cur.executemany("INSERT INTO conflicts (kiosk_id, uuid, detail, at) VALUES (%s, %s, %s, %s)",
                            [(kiosk_id, k[:36], d[:300], received) for k, d in zip(e.keys, e.details)])
        raise


# --- votes and reasons ----------------------------------------------------------------------------

def ingest(alias: str, kiosk_id: str, votes: list[dict[str, Any]], reasons: list[dict[str, Any]],
           counters: list[dict[str, str]], status: dict[str, Any] | None, now: datetime, sent_ts: int) -> Receipt:
    """Store a checked batch's votes, reasons, counter names and status; raise :class:`Conflict` (nothing
    stored, the refusal logged) on a clash, :class:`Busy` on a race.

    ``sent_ts`` is the batch's signed timestamp: counter names are replaced only by a batch signed
    later than the one that set them (a later second: a replay signed in the same second changes nothing).
    """
    received = now.isoformat(timespec="seconds")
    received_ms = int(now.timestamp() * 1000)
    for v in votes:
        # A vote its kiosk's clock cannot have timed is stored, chained and acknowledged like any
        # other, but held apart from every count until a person has looked (central.held_back).
        v["held_back"] = clock_problem(v["ts_ms"], received_ms)
    return _in_transaction(alias, kiosk_id, received, lambda cur, vendor: _votes(
        cur, vendor, kiosk_id, votes, reasons, counters, status, received, sent_ts))


_VOTE_FIELDS = itemgetter(*VOTES.fields)


def _votes(cur, vendor: str, kiosk_id: str, votes, reasons, counters, status, received: str, sent_ts: int) -> Receipt:
    head = chains.lock(cur, vendor, VOTE_CHAIN, kiosk_id)
    new, same, check = add(cur, vendor, VOTES, kiosk_id, votes,
                           lambda v: (*_VOTE_FIELDS(v), v["local_date"], v["ts_ms"], received, v["held_back"],
                                     v.get("clock_suspect"), v.get("ticket_hash")),
                           Clashes(), head)
    rollups.add_roll_ups(cur, vendor, rollups.roll_ups(kiosk_id, new))
    check.record(cur, received)
    receipt = Receipt(accepted=[v["uuid"] for v in new], duplicates=[v["uuid"] for v in same])
    receipt.reasons = _reasons(cur, vendor, kiosk_id, votes, reasons, received)
    if counters:
        cur.executemany(
            "INSERT INTO counters (kiosk_id, counter_id, name, sent_ts) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (kiosk_id, counter_id) DO UPDATE SET name = excluded.name, sent_ts = excluded.sent_ts "
            # Strictly later: a batch signed in the same second as the one that set the name (a replay of
            # an older one among them) cannot change it; the kiosk's next batch carries its names again.
            "WHERE counters.sent_ts < excluded.sent_ts",
            [(kiosk_id, c["id"], c["name"], sent_ts) for c in counters])
        counter_names.record(cur, kiosk_id, counters, sent_ts, received)   # the past keeps its names (issue 17)
    if status is not None or votes or reasons:
        cur.execute("INSERT INTO kiosk_status (kiosk_id, last_sync_at, status) VALUES (%s, %s, %s) "
                    "ON CONFLICT (kiosk_id) DO UPDATE SET last_sync_at = excluded.last_sync_at, status = excluded.status",
                    [kiosk_id, received, json.dumps(status or {})])
    receipt.totals = rollups.totals_for(cur, kiosk_id, {(v["local_date"], v["counter_id"], v["scale"]) for v in votes})
    receipt.chain = chains.chain_report(cur, kiosk_id, wire.MAX_RECEIPT_ISSUES, VOTE_CHAIN)
    return receipt


def _reasons(cur, vendor: str, kiosk_id: str, votes: list[dict], reasons: list[dict], received: str) -> list[list[str]]:
    """Store the reasons whose vote is this kiosk's (in the batch or held); the others are not
    acknowledged — a kiosk may touch only its own votes, and a reason may arrive before its vote."""
    if not reasons:
        return []
    day_of = {v["uuid"]: (v["local_date"], rollups.counts(v["source"], v["held_back"])) for v in votes}
    day_of.update((u, (d, rollups.counts(s, h))) for u, d, s, h in select_in(
        cur, "SELECT uuid, local_date, source, held_back FROM votes WHERE kiosk_id = %s AND {where}", "uuid",
        {r["vote_uuid"] for r in reasons} - day_of.keys(), [kiosk_id]))
    mine = [r for r in reasons if r["vote_uuid"] in day_of]
    if refused := len(reasons) - len(mine):
        log.warning("kiosk %s: %d reason(s) for votes it does not hold (another kiosk's, or not sent yet) not stored",
                    kiosk_id, refused)
    once = list({REASONS.key_of(r): r for r in mine}.values())   # a batch may name one reason twice
    new, _, _ = add(cur, vendor, REASONS, kiosk_id, once, lambda r: (r["vote_uuid"], r["element"], r["recorded_at"], received),
                    Clashes())
    rollups.add_reason_days(cur, kiosk_id, new, day_of)
    return [[r["vote_uuid"], r["element"]] for r in mine]


# --- questionnaire rows ---------------------------------------------------------------------------

def ingest_questionnaires(alias: str, kiosk_id: str, centre_id: str, q: wire.QBatch, now: datetime) -> QReceipt:
    """Store a checked batch's questionnaire rows from ``kiosk_id`` (of centre ``centre_id``).

    Raises :class:`rating.wire.BadBatch` (nothing stored) for a row that does not fit its definition or
    response, :class:`Conflict` (nothing stored, the refusal logged) for a clash, :class:`Busy` on a race.
    Besides the rules of every kind: an answer whose response the service does not hold yet is not
    acknowledged (it stays waiting on the kiosk, which sends responses before their answers); an answer
    that ``replaces`` an earlier one marks that one ``replaced``, within the same response and kiosk only.
    """
    received = now.isoformat(timespec="seconds")
    return _in_transaction(alias, kiosk_id, received, lambda cur, vendor: _questionnaires(
        cur, vendor, kiosk_id, centre_id, q, received))


def _questionnaires(cur, vendor: str, kiosk_id: str, centre_id: str, q: wire.QBatch, received: str) -> QReceipt:
    head = chains.lock(cur, vendor, ANSWER_CHAIN, kiosk_id)
    clashes = Clashes()
    # Every definition the batch's rows are filed under (the service's and the batch's).
    have_d = held(cur, DEFINITIONS, map(DEFINITIONS.key_of, (*q.definitions, *q.responses, *q.answers)))
    new_d, _, _ = sort(cur, DEFINITIONS, kiosk_id, q.definitions, have_d, clashes.add)
    known = {k: from_definition(d["definition"], source=f"definition {k[0]} v{k[1]}")
             for k, d in (*have_d.items(), *((DEFINITIONS.key_of(d), d) for d in new_d))}
    # Responses the answers may belong to: this kiosk's, held or in the batch.
    have_r = held(cur, RESPONSES, [(r["uuid"],) for r in q.responses] + [(a["response_uuid"],) for a in q.answers])
    new_r, _, finished = sort(cur, RESPONSES, kiosk_id, q.responses, have_r, clashes.add)
    for a in q.answers:
        if (h := have_r.get((a["response_uuid"],))) is not None and h["kiosk_id"] != kiosk_id:
            clashes.add(a["uuid"], f"answer {a['uuid']} is for response {a['response_uuid']} of another kiosk")
    clashes.check()   # another kiosk's rows are refused before their content is checked: a forger learns nothing else
    responses = {k[0]: h for k, h in have_r.items() if h["kiosk_id"] == kiosk_id} | {r["uuid"]: r for r in new_r}
    answers = [a for a in q.answers if a["response_uuid"] in responses]
    if waiting := len(q.answers) - len(answers):
        log.info("kiosk %s: %d answer(s) whose response is not held yet: not acknowledged", kiosk_id, waiting)
    wire.check_q_rows(wire.QBatch(q.definitions, q.responses, answers), known, responses)

    new_a, same_a, _ = sort(cur, ANSWERS, kiosk_id, answers, held(cur, ANSWERS, map(ANSWERS.key_of, answers)),
                            clashes.add, head.seq)
    replaced_held = _replacements(cur, kiosk_id, answers, new_a, clashes.add)
    clashes.check()

    store(cur, vendor, DEFINITIONS, [(*(d[f] for f in DEFINITIONS.fields), received) for d in new_d])
    store(cur, vendor, RESPONSES, [(*(r[f] for f in RESPONSES.fields), centre_id, received, "", "", "") for r in new_r])
    if finished:
        cur.executemany("UPDATE q_responses SET finished_at = %s WHERE uuid = %s AND kiosk_id = %s "
                        "AND finished_at IS NULL", [(r["finished_at"], r["uuid"], kiosk_id) for r in finished])
    replaced_here = {a["replaces"] for a in answers if a["replaces"] is not None}
    check = chains.Check(cur, ANSWER_CHAIN, kiosk_id, head, new_a)
    store(cur, vendor, ANSWERS, ((*(a[f] for f in ANSWERS.fields), a["local_date"], centre_id,
                                  1 if a["uuid"] in replaced_here or a["uuid"] in replaced_held else 0, received)
                                 for a in check.rows()))
    # Earlier answers, held already, that a new answer replaces (same response and kiosk: checked above).
    new_ids = {a["uuid"] for a in new_a}
    earlier = [(a["replaces"], a["response_uuid"], kiosk_id) for a in new_a
               if a["replaces"] is not None and a["replaces"] not in new_ids]
    if earlier:
        cur.executemany(f"UPDATE q_answers SET replaced = 1 WHERE uuid = %s AND response_uuid = %s AND {ANSWER_CHAIN.scope}",
                        earlier)
    check.record(cur, received)
    return QReceipt(definitions=[[d["questionnaire_id"], d["version"]] for d in q.definitions],
                    responses=[r["uuid"] for r in q.responses],
                    answers=[a["uuid"] for a in new_a] + [a["uuid"] for a in same_a], new_answers=len(new_a),
                    chain=chains.chain_report(cur, kiosk_id, wire.MAX_RECEIPT_ISSUES, ANSWER_CHAIN))


def _replacements(cur, kiosk_id: str, answers: list[dict], new: list[dict], clash) -> set[str]:
    """Check what the new answers replace (an answer of the same response and kiosk); return the new
    answers that a held answer already replaces (one arriving after its replacement)."""
    batch = {a["uuid"]: a for a in answers}
    targets = {a["replaces"] for a in new if a["replaces"] is not None and a["replaces"] not in batch}
    have = {u: (k, r) for u, k, r in select_in(cur, "SELECT uuid, kiosk_id, response_uuid FROM q_answers WHERE {where}",
                                               "uuid", targets)}
    for a in new:
        x = a["replaces"]
        if x is None:
            continue
        owner = (batch[x]["kiosk_id"], batch[x]["response_uuid"]) if x in batch else have.get(x)
        if owner is not None and owner != (kiosk_id, a["response_uuid"]):
            clash(a["uuid"], f"answer {a['uuid']} replaces answer {x} of another response or kiosk")
    new_ids = {a["uuid"] for a in new}
    later = select_in(cur, f"SELECT replaces FROM q_answers WHERE {ANSWER_CHAIN.scope} AND replaces IS NOT NULL AND {{where}}",
                      "response_uuid", {a["response_uuid"] for a in new}, [kiosk_id]) if new else []
    return {x for (x,) in later if x in new_ids}

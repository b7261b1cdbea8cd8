"""Storing a kiosk's questionnaire rows (definitions, responses, answers): set-based, in one
transaction, each row exactly once, the kiosk's answer chain checked incrementally.

The rules, as for votes (:mod:`central.ingest`):

- a row is keyed by its UUID (a definition by questionnaire id and version); the same key with other
  content is a conflict — refused, logged in ``conflicts``, never an overwrite; the same content again
  is acknowledged as held;
- a kiosk may touch only its own rows: a response held for another kiosk, an answer to another
  kiosk's response, or an answer that ``replaces`` another response's or kiosk's answer is refused;
- an answer whose response the service does not hold yet is not acknowledged (it stays waiting on the
  kiosk, which sends responses before their answers);
- an answer that ``replaces`` an earlier one marks that one ``replaced`` (the analysis counts only
  current answers), within the same response and kiosk only;
- the answer chain is checked around the new answers only (the answer before each and, for a late one,
  the held answer after it), with the head kept in ``q_chain_state`` — never a re-walk.

Each batch locks its kiosk's ``q_chain_state`` row (PostgreSQL; SQLite has one writer anyway). SQL is
portable to SQLite and PostgreSQL; rows go in set-based (COPY to a staging table on PostgreSQL,
multi-row VALUES on SQLite) with ``INSERT … ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from django.db import IntegrityError, connections, transaction

from rating.chain import GENESIS_HASH
from rating.questionnaire.loader import from_definition
from rating.questionnaire.model import Questionnaire
from rating import wire

log = logging.getLogger("central.q_ingest")

ANSWER_COLUMNS = (*wire.Q_ANSWER_FIELDS, "local_date", "centre_id", "replaced", "received_at")
# device, form_no and entered_by belong to the phone and paper channels: empty for a kiosk's responses.
RESPONSE_COLUMNS = (*wire.Q_RESPONSE_FIELDS, "centre_id", "received_at", "device", "form_no", "entered_by")
CHUNK = 2000   # keys per IN (…) list
# The partial unique index on (kiosk_id, seq) holds only kiosk rows: saying so lets both databases use it.
_KIOSK_ROWS = "kiosk_id = %s AND kiosk_id != ''"


class Busy(Exception):
    """Another request stored one of the batch's rows meanwhile (a race): nothing stored; send again."""


class Conflict(Exception):
    """Rows that clash with what the service holds, or touch another kiosk's rows."""

    def __init__(self, keys: list[str], details: list[str]):
        self.keys, self.details = keys, details
        super().__init__("; ".join(details[:5]))


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


def _is_unique_violation(e: IntegrityError) -> bool:
    text = str(e)
    return "UNIQUE constraint failed" in text or "duplicate key value" in text or "meanwhile" in text


def _chunks(items: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _insert(cur, vendor: str, table: str, columns: tuple[str, ...], rows: list[tuple], conflict: str) -> int:
    """INSERT the rows set-based; return how many were stored (``ON CONFLICT`` skips count nothing).

    PostgreSQL: COPY into a temporary table shaped like ``table`` (emptied at commit), then one
    ``INSERT … SELECT … ON CONFLICT``. SQLite: multi-row VALUES, 500 rows a statement.
    """
    if not rows:
        return 0
    if vendor == "postgresql":
        stage = f"{table}_incoming"
        cur.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        with cur.cursor.copy(f"COPY {stage} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {stage} {conflict}")
        stored = cur.rowcount
        cur.execute(f"DELETE FROM {stage}")   # a second call in the same transaction starts empty
        return stored
    stored = 0
    one = f"({_marks(len(columns))})"
    for chunk in _chunks(rows, 500):
        cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))} {conflict}",
                    [v for row in chunk for v in row])
        stored += cur.rowcount
    return stored


def _select_in(cur, sql: str, column: str, keys: Iterable[Any], params: Sequence[Any] = ()) -> list[tuple]:
    """``sql`` (with ``{where}``) for every key: ``= ANY(array)`` on PostgreSQL (one parameter, whatever
    the number of keys), ``IN (…)`` chunk by chunk elsewhere."""
    keys = sorted(set(keys))
    if not keys:
        return []
    if cur.db.vendor == "postgresql":
        cast = "::bigint[]" if isinstance(keys[0], int) else "::text[]"
        cur.execute(sql.format(where=f"{column} = ANY(%s{cast})"), [*params, keys])
        return cur.fetchall()
    rows: list[tuple] = []
    for chunk in _chunks(keys):
        cur.execute(sql.format(where=f"{column} IN ({_marks(len(chunk))})"), [*params, *chunk])
        rows.extend(cur.fetchall())
    return rows


def ingest(alias: str, kiosk_id: str, centre_id: str, q: wire.QBatch, now: datetime) -> QReceipt:
    """Store a checked batch's questionnaire rows from ``kiosk_id`` (of centre ``centre_id``).

    Raises :class:`rating.wire.BadBatch` (nothing stored) for a row that does not fit its definition or
    response, and :class:`Conflict` (nothing stored, the refusal logged) for a clash.
    """
    received = now.isoformat(timespec="seconds")
    conn = connections[alias]
    try:
        with transaction.atomic(using=alias), conn.cursor() as cur:
            return _ingest(cur, conn.vendor, kiosk_id, centre_id, q, received)
    except IntegrityError as e:
        if not _is_unique_violation(e):
            raise
        # A race with another request storing the same key: sent again, the batch meets what that one
        # stored (a duplicate, or a conflict named row by row) — never a 500, never a blanket refusal.
        log.warning("kiosk %s: questionnaire batch raced another request: %s", kiosk_id, e)
        raise Busy(str(e)) from None
    except Conflict as e:
        with transaction.atomic(using=alias), conn.cursor() as cur:
            cur.executemany("INSERT INTO conflicts (kiosk_id, uuid, detail, at) VALUES (%s, %s, %s, %s)",
                            [(kiosk_id, k[:36], d[:300], received) for k, d in zip(e.keys, e.details)])
        raise


def _ingest(cur, vendor: str, kiosk_id: str, centre_id: str, q: wire.QBatch, received: str) -> QReceipt:
    cur.execute("INSERT INTO q_chain_state (kiosk_id, head_seq, head_hash, answers) VALUES (%s, 0, %s, 0) "
                "ON CONFLICT (kiosk_id) DO NOTHING", [kiosk_id, GENESIS_HASH])
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    cur.execute(f"SELECT head_seq, head_hash, answers FROM q_chain_state WHERE kiosk_id = %s{lock}", [kiosk_id])
    head_seq, head_hash, count = cur.fetchone()
    out = QReceipt()
    conflicts: list[str] = []
    details: list[str] = []

    def clash(key: str, detail: str) -> None:
        conflicts.append(key)
        details.append(detail)

    definitions, new_definitions = _definitions(cur, q, clash)
    responses, new_responses, finished = _responses(cur, kiosk_id, q, clash)
    if conflicts:
        raise Conflict(conflicts, details)
    # Refuse another kiosk's responses before checking content: a forger learns nothing else.
    answers = [a for a in q.answers if a["response_uuid"] in responses]
    waiting = len(q.answers) - len(answers)
    if waiting:
        log.info("kiosk %s: %d answer(s) whose response is not held yet: not acknowledged", kiosk_id, waiting)
    wire.check_q_rows(wire.QBatch(q.definitions, q.responses, answers), definitions, responses)

    new, duplicates = _new_answers(cur, kiosk_id, answers, head_seq, clash)
    replaced_held = _replacements(cur, kiosk_id, answers, new, clash)
    if conflicts:
        raise Conflict(conflicts, details)

    if new_definitions:
        cur.executemany("INSERT INTO q_definitions (questionnaire_id, version, definition_hash, definition, registered_at) "
                        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (questionnaire_id, version) DO NOTHING",
                        [(*(d[f] for f in wire.Q_DEFINITION_FIELDS), received) for d in new_definitions])
    if new_responses:
        stored = _insert(cur, vendor, "q_responses", RESPONSE_COLUMNS,
                         [(*(r[f] for f in wire.Q_RESPONSE_FIELDS), centre_id, received, "", "", "") for r in new_responses],
                         "ON CONFLICT (uuid) DO NOTHING")
        if stored != len(new_responses):
            raise IntegrityError("a response was stored meanwhile")
    if finished:
        cur.executemany(f"UPDATE q_responses SET finished_at = %s WHERE uuid = %s AND {_KIOSK_ROWS} "
                        "AND finished_at IS NULL", [(at, u, kiosk_id) for u, at in finished])
    if new:
        replaced_here = {a["replaces"] for a in answers if a["replaces"] is not None}
        rows = [(*(a[f] for f in wire.Q_ANSWER_FIELDS), a["local_date"], centre_id,
                 1 if a["uuid"] in replaced_here or a["uuid"] in replaced_held else 0, received) for a in new]
        if _insert(cur, vendor, "q_answers", ANSWER_COLUMNS, rows, "ON CONFLICT DO NOTHING") != len(rows):
            raise IntegrityError("an answer was stored meanwhile")
        # Earlier answers, held already, that a new answer replaces (same response and kiosk: checked above).
        new_ids = {a["uuid"] for a in new}
        earlier = [(a["replaces"], a["response_uuid"], kiosk_id) for a in new
                   if a["replaces"] is not None and a["replaces"] not in new_ids]
        if earlier:
            cur.executemany(f"UPDATE q_answers SET replaced = 1 WHERE uuid = %s AND response_uuid = %s AND {_KIOSK_ROWS}",
                            earlier)
        head_seq, head_hash = _check_chain(cur, kiosk_id, new, head_seq, head_hash, received)
        cur.execute("UPDATE q_chain_state SET head_seq = %s, head_hash = %s, answers = %s WHERE kiosk_id = %s",
                    [head_seq, head_hash, count + len(new), kiosk_id])
    out.definitions = [[d["questionnaire_id"], d["version"]] for d in q.definitions]
    out.responses = [r["uuid"] for r in q.responses]
    out.answers = [a["uuid"] for a in new] + duplicates
    out.new_answers = len(new)
    out.chain = answer_chain(cur, kiosk_id, wire.MAX_RECEIPT_ISSUES)
    return out


def _definitions(cur, q: wire.QBatch, clash) -> tuple[dict[tuple[str, int], Questionnaire], list[dict]]:
    """Every definition the batch's rows are filed under (the service's and the batch's), and the batch's new ones."""
    keys = {(d["questionnaire_id"], d["version"]) for d in q.definitions} | \
           {(r["questionnaire_id"], r["version"]) for r in (*q.responses, *q.answers)}
    held = {(qid, v): (h, text) for qid, v, h, text in _select_in(
        cur, "SELECT questionnaire_id, version, definition_hash, definition FROM q_definitions WHERE {where}",
        "questionnaire_id", {k[0] for k in keys}) if (qid, v) in keys}
    known = {k: from_definition(text, source=f"definition {k[0]} v{k[1]}") for k, (_, text) in held.items()}
    new = []
    for d in q.definitions:
        key = (d["questionnaire_id"], d["version"])
        if key in held:
            if held[key][0] != d["definition_hash"]:
                clash(f"{key[0]}@{key[1]}", f"questionnaire {key[0]} v{key[1]} is held with another definition "
                                            f"({held[key][0][:12]}…): a changed questionnaire must be a new version")
            continue
        known[key] = from_definition(d["definition"], source=f"definition {key[0]} v{key[1]}")  # parsed by the wire check
        new.append(d)
    return known, new


def _responses(cur, kiosk_id: str, q: wire.QBatch, clash) -> tuple[dict[str, dict], list[dict], list[tuple[str, str]]]:
    """Responses the answers may belong to (this kiosk's, held or in the batch), the new ones, and the
    held ones now finished."""
    asked = {r["uuid"] for r in q.responses} | {a["response_uuid"] for a in q.answers}
    held = {row[0]: dict(zip(wire.Q_RESPONSE_FIELDS, row)) for row in _select_in(
        cur, f"SELECT {', '.join(wire.Q_RESPONSE_FIELDS)} FROM q_responses WHERE {{where}}", "uuid", asked)}
    new, finished = [], []
    for r in q.responses:
        h = held.get(r["uuid"])
        if h is None:
            new.append(r)
            continue
        if h["kiosk_id"] != kiosk_id:
            clash(r["uuid"], f"response {r['uuid']} belongs to another kiosk")
            continue
        differ = [f for f in wire.Q_RESPONSE_FIELDS if f != "finished_at" and h[f] != r[f]]
        if differ or (h["finished_at"] is not None and r["finished_at"] not in (None, h["finished_at"])):
            clash(r["uuid"], f"response {r['uuid']} was already received with other content "
                             f"({', '.join(differ) or 'finished_at'})")
        elif h["finished_at"] is None and r["finished_at"] is not None:
            finished.append((r["uuid"], r["finished_at"]))
    for a in q.answers:
        h = held.get(a["response_uuid"])
        if h is not None and h["kiosk_id"] != kiosk_id:
            clash(a["uuid"], f"answer {a['uuid']} is for response {a['response_uuid']} of another kiosk")
    mine = {u: h for u, h in held.items() if h["kiosk_id"] == kiosk_id}
    mine.update({r["uuid"]: r for r in new})
    return mine, new, finished


def _new_answers(cur, kiosk_id: str, answers: list[dict], head_seq: int, clash) -> tuple[list[dict], list[str]]:
    """The batch's answers not held yet; the identical ones held (duplicates); clashes reported."""
    rows = _select_in(cur, f"SELECT kiosk_id, {', '.join(wire.Q_ANSWER_FIELDS)} FROM q_answers WHERE {{where}}", "uuid",
                      [a["uuid"] for a in answers])
    held = {d["uuid"]: d for d in (dict(zip(("kiosk_id", *wire.Q_ANSWER_FIELDS), row)) for row in rows)}
    seqs = [a["seq"] for a in answers if a["seq"] <= head_seq]
    seq_owner = dict(_select_in(cur, f"SELECT seq, uuid FROM q_answers WHERE {_KIOSK_ROWS} AND {{where}}", "seq", seqs,
                                [kiosk_id])) if seqs else {}
    new, duplicates = [], []
    for a in answers:
        h = held.get(a["uuid"])
        if h is not None:
            if h["kiosk_id"] == kiosk_id and all(h[f] == a[f] for f in wire.Q_ANSWER_FIELDS):
                duplicates.append(a["uuid"])
            else:
                clash(a["uuid"], f"answer {a['uuid']} was already received with other content")
            continue
        owner = seq_owner.get(a["seq"])
        if owner is not None:
            clash(a["uuid"], f"answer {a['uuid']} reuses answer seq {a['seq']} of answer {owner}")
            continue
        new.append(a)
    return new, duplicates


def _replacements(cur, kiosk_id: str, answers: list[dict], new: list[dict], clash) -> set[str]:
    """Check what the new answers replace (an answer of the same response and kiosk); return the new
    answers that a held answer already replaces (one arriving after its replacement)."""
    batch = {a["uuid"]: a for a in answers}
    targets = {a["replaces"] for a in new if a["replaces"] is not None and a["replaces"] not in batch}
    held = {u: (k, r) for u, k, r in _select_in(cur, "SELECT uuid, kiosk_id, response_uuid FROM q_answers WHERE {where}",
                                                "uuid", targets)}
    for a in new:
        x = a["replaces"]
        if x is None:
            continue
        owner = (batch[x]["kiosk_id"], batch[x]["response_uuid"]) if x in batch else held.get(x)
        if owner is not None and owner != (kiosk_id, a["response_uuid"]):
            clash(a["uuid"], f"answer {a['uuid']} replaces answer {x} of another response or kiosk")
    new_ids = {a["uuid"] for a in new}
    later = _select_in(cur, f"SELECT replaces FROM q_answers WHERE {_KIOSK_ROWS} AND replaces IS NOT NULL AND {{where}}",
                       "response_uuid", {a["response_uuid"] for a in new}, [kiosk_id]) if new else []
    return {x for (x,) in later if x in new_ids}


def _check_chain(cur, kiosk_id: str, new: list[dict], head_seq: int, head_hash: str, at: str) -> tuple[int, str]:
    """Check the links around the new answers only; return the new head."""
    by_seq = {a["seq"]: a for a in new}
    wanted = {s - 1 for s in by_seq if s > 1 and s - 1 not in by_seq} | {s + 1 for s in by_seq if s + 1 not in by_seq}
    neighbours = {seq: {"seq": seq, "prev_hash": p, "hash": h} for seq, p, h in _select_in(
        cur, f"SELECT seq, prev_hash, hash FROM q_answers WHERE {_KIOSK_ROWS} AND {{where}}", "seq",
        wanted, [kiosk_id])}
    issues: list[tuple] = []
    for seq, a in sorted(by_seq.items()):
        found = wire.q_edit_issue(a)
        if found:
            issues.append((kiosk_id, seq, *found, at))
        before = by_seq.get(seq - 1) or neighbours.get(seq - 1)
        if seq == 1 or before is not None:
            found = wire.q_link_issue(a, before)
            if found:
                issues.append((kiosk_id, seq, *found, at))
        after = neighbours.get(seq + 1)
        if after is not None:   # a late answer: the held answer after it must link to it
            found = wire.q_link_issue(after, a)
            if found:
                issues.append((kiosk_id, seq + 1, *found, at))
    if issues:
        cur.executemany("INSERT INTO q_chain_issues (kiosk_id, seq, kind, detail, detected_at) VALUES (%s, %s, %s, %s, %s)",
                        issues)
    top = max(by_seq)
    if top > head_seq:
        return top, by_seq[top]["hash"]
    return head_seq, head_hash


def answer_chain(cur, kiosk_id: str, limit: int) -> dict[str, Any]:
    """The kiosk's answer chain: head, answers held, answers missing below the head (deleted on the
    device, or not sent yet), and its first ``limit`` breaks and edits with the count of all — bounded."""
    cur.execute("SELECT head_seq, answers FROM q_chain_state WHERE kiosk_id = %s", [kiosk_id])
    row = cur.fetchone()
    head, count = (int(row[0]), int(row[1])) if row else (0, 0)
    cur.execute("SELECT count(*) FROM q_chain_issues WHERE kiosk_id = %s", [kiosk_id])
    total = int(cur.fetchone()[0])
    cur.execute("SELECT seq, kind, detail, detected_at FROM q_chain_issues WHERE kiosk_id = %s ORDER BY seq, id LIMIT %s",
                [kiosk_id, limit])
    issues = [{"seq": s, "kind": k, "detail": d, "detected_at": t} for s, k, d, t in cur.fetchall()]
    missing = head - count
    return {"kiosk_id": kiosk_id, "head_seq": head, "answers": count, "ok": total == 0 and missing == 0,
            "issues": issues, "issues_total": total, "missing_answers": missing}

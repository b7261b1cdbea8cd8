"""The wire contract between a kiosk and the central service — the one place it is defined.

Both ends import this module: the kiosk's outbox reads :data:`WIRE_FIELDS` from its store, the
sync client builds the body with :func:`encode_batch`, and the service checks it with
:func:`parse_batch`, answers with :func:`receipt` and checks chains with :func:`link_issue`. Adding a
field to the vote is one edit here (and the store's column).

A batch (``POST /v1/batches``, JSON, UTF-8)::

    {"kiosk_id": "ninh-giang-01",
     "counters": [{"id": "Q1", "name": "Quầy 1 — Tư pháp, hộ tịch"}, ...],
     "votes": [{"seq": 1, "uuid": "...", "kiosk_id": "...", "counter_id": "Q1", "officer": null,
                "level": "RHL", "scale": "sipas5", "source": "touch",
                "local_time": "2026-11-21T09:15:02.123+07:00", "box_seq": null, "flag": null,
                "prev_hash": "000…", "hash": "…"}, ...],   # + "clock_suspect": "<reason>", "ticket_hash": "<hex>" when set
     "reasons": [{"vote_uuid": "...", "element": "procedure", "recorded_at": "..."}, ...],
     "status": {"software_version": "0.1.0", "waiting_votes": 12, "button_boxes": 2,
                "free_disk_mb": 1234, "clock_skew_s": -1.5, "waiting_answers": 3,  # optional, protocol 1.1 (1.2)
                "uptime_s": 3600, "last_vote_at": "…", "last_sync_at": "…", "last_backup_at": "…",
                "clock": "trusted", "boxes_heard": 2, "problems": "backup"},  # (1.3: the health signals)
     "questionnaires": {"definitions": [...], "responses": [...], "answers": [...]}}   # optional, protocol 1.2

The questionnaire rows travel with the fields of the kiosk's store (:data:`Q_DEFINITION_FIELDS`,
:data:`Q_RESPONSE_FIELDS`, :data:`Q_ANSWER_FIELDS`); the receipt then carries a ``questionnaires``
object listing exactly the rows the service holds (:func:`q_receipt`, :func:`acknowledged_questionnaires`).
A batch without the key is read exactly as before.

Every check names the field and the vote it is in, so a bad batch can be fixed. Nothing a client
sends makes the decoder raise anything but :class:`BadBatch` (deep nesting, huge integers and lone
surrogates included).
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Sequence

from rating import chain
from rating.chain import ANSWER_HASHED_FIELDS as Q_HASHED_FIELDS
from rating.questionnaire.loader import QuestionnaireError, definition_hash, from_definition
from rating.questionnaire.model import CHANNELS, Questionnaire
from rating.scales import SCALES
from rating.sipas import ELEMENTS
from rating.vote import CLOCK_SUSPECT_REASONS, FLAGS, SOURCE_RE, TICKET_HASH_RE, officer_problem

# The fields of a vote that travel to the central service: the hashed ones and the hash.
WIRE_FIELDS = ("seq", "uuid", "kiosk_id", "counter_id", "officer", "level", "scale", "source", "local_time",
               "box_seq", "flag", "prev_hash", "hash")
# Optional fields of a vote: sent only when set (a vote without them is byte for byte what earlier releases
# sent), not hashed, null when absent. clock_suspect: why the kiosk could not trust its clock (rating.vote);
# ticket_hash (issue 18): the keyed hash of the transaction's ticket or dossier number (kiosk.ticket), never the
# number — a vote tied to a transaction. A second vote with the same hash comes flagged same_ticket.
VOTE_OPTIONAL_FIELDS = ("clock_suspect", "ticket_hash")
REASON_FIELDS = ("vote_uuid", "element", "recorded_at")
BATCH_FIELDS = ("kiosk_id", "counters", "votes", "reasons", "status", "questionnaires")
# The questionnaire rows that travel (protocol 1.2), with the kiosk store's column names. The kiosk's
# outbox reads exactly these columns; an answer's are its hashed fields and the hash.
Q_DEFINITION_FIELDS = ("questionnaire_id", "version", "definition_hash", "definition")
Q_RESPONSE_FIELDS = ("uuid", "kiosk_id", "questionnaire_id", "version", "definition_hash", "channel", "counter_id",
                     "started_at", "local_date", "finished_at")
Q_ANSWER_FIELDS = (*Q_HASHED_FIELDS, "hash")
Q_PARTS = ("definitions", "responses", "answers")
# The optional status a kiosk sends with each batch: name -> (type(s), lower bound, upper bound or max length).
STATUS_FIELDS: dict[str, tuple[tuple[type, ...], float, float]] = {
    "software_version": ((str,), 1, 40),
    "waiting_votes": ((int,), 0, 10**9),
    "button_boxes": ((int,), 0, 1000),
    "free_disk_mb": ((int,), 0, 10**9),
    "clock_skew_s": ((int, float), -10**9, 10**9),
    "waiting_answers": ((int,), 0, 10**9),   # questionnaire answers not yet acknowledged (protocol 1.2)
    # The kiosk's health signals (protocol 1.3; kiosk/health.py, docs/operations.md): times in ISO 8601.
    "uptime_s": ((int,), 0, 10**10),
    "last_vote_at": ((str,), 1, 40),
    "last_sync_at": ((str,), 1, 40),
    "last_backup_at": ((str,), 1, 40),       # the last verified backup
    "clock": ((str,), 1, 16),                # trusted, suspect or unknown
    "boxes_heard": ((int,), 0, 1000),
    "problems": ((str,), 1, 200),            # the signals that need a person, comma-separated
}
HEALTH_STATUS_FIELDS = ("uptime_s", "last_vote_at", "last_sync_at", "last_backup_at", "clock", "boxes_heard",
                        "problems")
_KNOWN_STATUS = re.compile(r"status: unknown field\(s\) .*\(known: ([A-Za-z0-9_, ]+)\)")


def known_status_fields(reason: str) -> set[str] | None:
    """The status fields a service says it knows, from its refusal of unknown ones (a service older than
    this contract refuses a status field it does not know, and lists those it does), or None."""
    m = _KNOWN_STATUS.search(reason or "")
    return {name.strip() for name in m.group(1).split(",") if name.strip()} if m else None
MAX_VOTES = 5000
MAX_REASONS = 25000
MAX_COUNTERS = 1000
MAX_Q_DEFINITIONS = 50
MAX_Q_RESPONSES = 5000
MAX_Q_ANSWERS = 5000
MAX_DEFINITION_CHARS = 200_000   # a questionnaire's canonical JSON (the shipped ones are ~15,000)
MAX_ANSWER_TEXT = 2000           # free text; the questionnaire's own max_length is checked too
MAX_BODY = 8 * 1024 * 1024   # a full batch of 5,000 votes is about 2 MB
MAX_RECEIPT_ISSUES = 20      # a receipt lists at most this many chain issues, and counts the rest
KIOSK_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")   # ASCII: it travels in an HTTP header
_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
_EXTENDED_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
_ID = KIOSK_ID_RE
_MAX_INT_DIGITS = 20


class BadBatch(ValueError):
    """What is wrong with a batch, and where."""


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode   # what json.dumps does with these


def encode_votes(votes: list[dict]) -> str:
    """A batch's ``votes`` array as :func:`encode_batch` writes it (for ``votes_json``)."""
    return _encode(votes)


def encode_batch(kiosk_id: str, counters: list[dict[str, str]], votes: list[dict], reasons: list[dict],
                 status: dict[str, Any] | None = None, questionnaires: dict[str, list[dict]] | None = None, *,
                 votes_json: str | None = None) -> bytes:
    """The request body for a batch (``status`` and ``questionnaires`` only when given, so a batch
    without them is byte for byte what protocol 1.0 sent). ``votes_json``: :func:`encode_votes` of
    ``votes``, when the caller made it already (the client, while the batch before was in flight)."""
    data: dict[str, Any] = {"kiosk_id": kiosk_id, "counters": counters, "votes": votes, "reasons": reasons}
    if status is not None:
        data["status"] = status
    if questionnaires is not None:
        data["questionnaires"] = {part: questionnaires.get(part, []) for part in Q_PARTS}
    # An object is its members one after the other: each encoded on its own is byte for byte
    # json.dumps(data, ensure_ascii=False, separators=(",", ":")) — a test holds them equal.
    members = (f"{_encode(k)}:{votes_json if k == 'votes' and votes_json is not None else _encode(v)}"
               for k, v in data.items())
    return ("{" + ",".join(members) + "}").encode("utf-8")


def _text_ok(v: str) -> bool:
    """False for a string that cannot be stored: a lone surrogate such as ``"\\ud800"`` (not UTF-8), or
    a NUL character (PostgreSQL text cannot hold one)."""
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in v


def _str(v: Any, where: str, name: str, max_len: int = 200, pattern: re.Pattern | None = None,
         optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if isinstance(v, str) and not _text_ok(v):
        raise BadBatch(f"{where}: '{name}' holds a lone surrogate or a NUL character: not storable text")
    if not isinstance(v, str) or not v or len(v) > max_len \
            or (pattern is not None and not pattern.match(v)):
        raise BadBatch(f"{where}: '{name}' must be {'null or ' if optional else ''}a string"
                       + (f" matching {pattern.pattern.replace(chr(92) + 'Z', '$')}" if pattern is not None else f" of 1-{max_len} characters"))
    return v


def _int(v: Any, where: str, name: str, lo: int, hi: int, optional: bool = False) -> int | None:
    if v is None and optional:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise BadBatch(f"{where}: '{name}' must be {'null or ' if optional else ''}a whole number from {lo} to {hi}")
    return v


def _names(keys: Any) -> list[str]:
    """Field names for an error message, safe to print whatever the client sent."""
    return [k.encode("utf-8", "backslashreplace").decode("utf-8")[:40] for k in keys]


def _fields(row: Any, fields: tuple[str, ...], where: str, optional: tuple[str, ...] = ()) -> None:
    """An object with exactly ``fields`` (and any of ``optional``), or :class:`BadBatch` naming what is
    missing and what is unknown."""
    if not isinstance(row, dict):
        raise BadBatch(f"{where}: expected an object")
    missing = [f for f in fields if f not in row]
    extra = [f for f in row if f not in fields and f not in optional]
    if missing or extra:
        raise BadBatch(f"{where}: " + (f"missing {missing} " if missing else "") + (f"unknown {_names(extra)}" if extra else ""))


def check_vote(v: Any, kiosk_id: str, i: int) -> dict[str, Any]:
    """A checked vote with ``local_date`` and ``ts_ms`` added; :class:`BadBatch` naming the problem otherwise."""
    where = f"votes[{i}]"
    _fields(v, WIRE_FIELDS, where, optional=VOTE_OPTIONAL_FIELDS)
    _int(v["seq"], where, "seq", 1, 2**53)
    where = f"votes[{i}] (seq {v['seq']})"
    try:
        if str(uuidlib.UUID(_str(v["uuid"], where, "uuid", 36))) != v["uuid"]:
            raise ValueError
    except ValueError:
        raise BadBatch(f"{where}: 'uuid' must be a UUID in lower-case canonical form") from None
    if v["kiosk_id"] != kiosk_id:
        shown = v["kiosk_id"] if isinstance(v["kiosk_id"], str) and _text_ok(v["kiosk_id"]) else "…"
        raise BadBatch(f"{where}: 'kiosk_id' {shown[:64]!r} is not the sending kiosk {kiosk_id!r}")
    _str(v["counter_id"], where, "counter_id", pattern=_ID)
    if v["officer"] is not None:
        problem = officer_problem(v["officer"]) if isinstance(v["officer"], str) else "must be null or a string"
        if problem:
            raise BadBatch(f"{where}: 'officer' {problem}")
    scale = SCALES.get(v["scale"]) if isinstance(v["scale"], str) else None
    if scale is None:
        raise BadBatch(f"{where}: 'scale' must be one of {', '.join(SCALES)}")
    if not isinstance(v["level"], str) or v["level"] not in scale.codes:
        raise BadBatch(f"{where}: 'level' must be one of {', '.join(scale.codes)} on scale {scale.id}")
    if not isinstance(v["source"], str) or not SOURCE_RE.match(v["source"]):
        raise BadBatch(f"{where}: 'source' must be touch, keypad, demo or serial:<box>")
    _int(v["box_seq"], where, "box_seq", 0, 65535, optional=True)
    if v["flag"] is not None and v["flag"] not in FLAGS:
        raise BadBatch(f"{where}: 'flag' must be null or one of {', '.join(map(repr, FLAGS))}")
    for name in ("prev_hash", "hash"):
        _str(v[name], where, name, 64, pattern=_HEX64)
    try:
        at = datetime.fromisoformat(_str(v["local_time"], where, "local_time", 40))
        if at.utcoffset() is None:
            raise ValueError
        ts_ms = round(at.timestamp() * 1000)
    except (ValueError, OverflowError):
        raise BadBatch(f"{where}: 'local_time' must be ISO 8601 with a UTC offset, "
                       "e.g. 2026-11-21T09:15:02.123+07:00") from None
    suspect = v.get("clock_suspect")
    if suspect is not None and suspect not in CLOCK_SUSPECT_REASONS:
        raise BadBatch(f"{where}: 'clock_suspect' must be null or one of {', '.join(CLOCK_SUSPECT_REASONS)}")
    ticket = v.get("ticket_hash")
    if ticket is not None and not (isinstance(ticket, str) and TICKET_HASH_RE.match(ticket)):
        raise BadBatch(f"{where}: 'ticket_hash' must be null or 64 lower-case hex digits (a keyed hash, never the "
                       "number itself)")
    return {**v, "clock_suspect": suspect, "ticket_hash": ticket, "local_date": at.date().isoformat(), "ts_ms": ts_ms, "hour": at.hour,
            "weekday": at.isoweekday()}


def check_reason(r: Any, i: int) -> dict[str, Any]:
    """A checked reason (``reasons[i]``); :class:`BadBatch` naming the problem otherwise."""
    where = f"reasons[{i}]"
    if not isinstance(r, dict) or set(r) != set(REASON_FIELDS):
        raise BadBatch(f"{where}: expected an object with vote_uuid, element and recorded_at")
    _str(r["vote_uuid"], where, "vote_uuid", 36)
    if not isinstance(r["element"], str) or r["element"] not in ELEMENTS:
        raise BadBatch(f"{where}: 'element' must be one of {', '.join(ELEMENTS)}")
    _str(r["recorded_at"], where, "recorded_at", 40)
    return r


def check_status(s: Any) -> dict[str, Any] | None:
    """The kiosk's optional status, checked (unknown names are refused, so typos show at once)."""
    if s is None:
        return None
    if not isinstance(s, dict):
        raise BadBatch("'status' must be an object")
    unknown = [k for k in s if k not in STATUS_FIELDS]
    if unknown:
        raise BadBatch(f"status: unknown field(s) {_names(unknown)} (known: {', '.join(STATUS_FIELDS)})")
    for name, value in s.items():
        types, lo, hi = STATUS_FIELDS[name]
        if value is None:
            continue
        if str in types:
            _str(value, "status", name, int(hi))
        elif not isinstance(value, types) or isinstance(value, bool) or not lo <= value <= hi:
            raise BadBatch(f"status: '{name}' must be null or a number from {lo} to {hi}")
    return dict(s)


def _int_or_refuse(text: str) -> int:
    # int() of thousands of digits is slow and raises ValueError past 4,300: no vote needs 20 digits.
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise BadBatch(f"a number of {len(text)} digits; at most {_MAX_INT_DIGITS} are accepted")
    return int(text)


def _float_or_refuse(text: str) -> float:
    if len(text) > 40:
        raise BadBatch(f"a number of {len(text)} characters; at most 40 are accepted")
    return float(text)


def _no_constants(name: str) -> Any:
    raise BadBatch(f"{name} is not valid JSON")


def decode_json(body: bytes) -> Any:
    """Decode a JSON body; only :class:`BadBatch` escapes (bad UTF-8, syntax, depth, huge numbers)."""
    try:
        return json.loads(body.decode("utf-8"), parse_int=_int_or_refuse, parse_float=_float_or_refuse,
                          parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise BadBatch("the body is not UTF-8") from None
    except json.JSONDecodeError as e:
        raise BadBatch(f"malformed JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        raise BadBatch("the JSON is nested too deeply") from None


@dataclass
class Batch:
    """A checked batch. ``questionnaires`` is None when the batch has no such key (protocol 1.0/1.1)."""
    votes: list[dict]
    reasons: list[dict]
    counters: list[dict]
    status: dict | None
    questionnaires: "QBatch | None" = None


@dataclass
class QBatch:
    """The questionnaire rows of a batch, each checked alone; :func:`check_q_rows` checks them against
    their definitions once the service knows which definitions it holds."""
    definitions: list[dict] = field(default_factory=list)
    responses: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.definitions) + len(self.responses) + len(self.answers)


def parse(body: bytes, kiosk_id: str) -> Batch:
    """Decode and check a batch from ``kiosk_id``; :class:`BadBatch` names the field and the row otherwise."""
    data = decode_json(body)
    if not isinstance(data, dict):
        raise BadBatch("the body must be a JSON object")
    unknown = set(data) - set(BATCH_FIELDS)
    if unknown:
        raise BadBatch(f"unknown field(s) {sorted(_names(unknown))}")
    if data.get("kiosk_id") != kiosk_id:
        raise BadBatch(f"'kiosk_id' in the body must be the signing kiosk {kiosk_id!r}")
    votes, reasons, counters = data.get("votes", []), data.get("reasons", []), data.get("counters", [])
    for name, value, limit in (("votes", votes, MAX_VOTES), ("reasons", reasons, MAX_REASONS),
                               ("counters", counters, MAX_COUNTERS)):
        if not isinstance(value, list) or len(value) > limit:
            raise BadBatch(f"'{name}' must be a list of at most {limit}")
    checked = [check_vote(v, kiosk_id, i) for i, v in enumerate(votes)]
    seen: set[str] = set()
    seqs: set[int] = set()
    for v in checked:
        if v["uuid"] in seen:
            raise BadBatch(f"vote {v['uuid']} appears twice in the batch")
        if v["seq"] in seqs:
            raise BadBatch(f"seq {v['seq']} appears twice in the batch")
        seen.add(v["uuid"])
        seqs.add(v["seq"])
    for i, r in enumerate(reasons):
        check_reason(r, i)
    for i, c in enumerate(counters):
        if not isinstance(c, dict) or set(c) != {"id", "name"}:
            raise BadBatch(f"counters[{i}]: expected an object with id and name")
        _str(c["id"], f"counters[{i}]", "id", pattern=_ID)
        _str(c["name"], f"counters[{i}]", "name", 200)
    q = parse_questionnaires(data["questionnaires"], kiosk_id) if "questionnaires" in data else None
    return Batch(checked, reasons, counters, check_status(data.get("status")), q)


def parse_batch(body: bytes, kiosk_id: str) -> tuple[list[dict], list[dict], list[dict], dict | None]:
    """Decode and check a batch from ``kiosk_id``; return (votes, reasons, counters, status) or raise :class:`BadBatch`.

    The protocol 1.1 view of :func:`parse` (a batch's questionnaire rows are checked, not returned)."""
    b = parse(body, kiosk_id)
    return b.votes, b.reasons, b.counters, b.status


# --- questionnaire rows (protocol 1.2) ----------------------------------------------------------

def _uuid(v: Any, where: str, name: str, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    try:
        if isinstance(v, str) and len(v) == 36 and str(uuidlib.UUID(v)) == v:
            return v
    except ValueError:
        pass
    raise BadBatch(f"{where}: '{name}' must be {'null or ' if optional else ''}a UUID in lower-case canonical form")


def _local_time(v: Any, where: str, name: str, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    try:
        # The extended form only (YYYY-MM-DDTHH:MM…): the local date is read from the first ten characters.
        at = datetime.fromisoformat(_str(v, where, name, 40, pattern=_EXTENDED_TIME))
        if at.utcoffset() is None:
            raise ValueError
        at.timestamp()
    except (ValueError, OverflowError, BadBatch):
        raise BadBatch(f"{where}: '{name}' must be {'null or ' if optional else ''}ISO 8601 with a UTC offset, "
                       "e.g. 2026-11-21T09:15:02.123+07:00") from None
    return v


def _kiosk(v: Any, kiosk_id: str, where: str) -> None:
    if v != kiosk_id:
        shown = v if isinstance(v, str) and _text_ok(v) else "…"
        raise BadBatch(f"{where}: 'kiosk_id' {shown[:64]!r} is not the sending kiosk {kiosk_id!r}")


def _filed_under(row: dict, where: str) -> None:
    """The questionnaire id, version, definition hash and channel a response or answer is filed under."""
    _str(row["questionnaire_id"], where, "questionnaire_id", 48)
    _int(row["version"], where, "version", 1, 9999)
    _str(row["definition_hash"], where, "definition_hash", 64, pattern=_HEX64)
    if row["channel"] not in CHANNELS:
        raise BadBatch(f"{where}: 'channel' must be one of {', '.join(CHANNELS)}")
    _str(row["counter_id"], where, "counter_id", pattern=_ID, optional=True)


def check_q_definition(d: Any, i: int) -> dict[str, Any]:
    """A questionnaire definition as the kiosk stored it: its canonical JSON must hash to its hash and
    read back as a valid questionnaire of that id and version."""
    where = f"questionnaires.definitions[{i}]"
    _fields(d, Q_DEFINITION_FIELDS, where)
    _str(d["questionnaire_id"], where, "questionnaire_id", 48)
    _int(d["version"], where, "version", 1, 9999)
    _str(d["definition_hash"], where, "definition_hash", 64, pattern=_HEX64)
    _str(d["definition"], where, "definition", MAX_DEFINITION_CHARS)
    where = f"{where} ({d['questionnaire_id']} v{d['version']})"
    if definition_hash(d["definition"]) != d["definition_hash"]:
        raise BadBatch(f"{where}: the definition does not hash to its definition_hash")
    try:
        # A fixed source, so the parsed definition is cached (every batch of a kiosk carries the same one).
        q = from_definition(d["definition"], source=f"definition {d['questionnaire_id']} v{d['version']}")
    except Exception as e:  # noqa: BLE001 — client text through the file parser: any failure is a bad row, never a 500
        if isinstance(e, QuestionnaireError):
            e = "; ".join(e.problems)
        raise BadBatch(f"{where}: not a valid questionnaire: {str(e)[:300]}") from None
    if q.key != (d["questionnaire_id"], d["version"]):
        raise BadBatch(f"{where}: the definition is of {q.id} v{q.version}")
    return dict(d)


def check_q_response(r: Any, kiosk_id: str, i: int) -> dict[str, Any]:
    """A response of the sending kiosk, its fields typed and bounded."""
    where = f"questionnaires.responses[{i}]"
    _fields(r, Q_RESPONSE_FIELDS, where)
    _uuid(r["uuid"], where, "uuid")
    where = f"{where} ({r['uuid']})"
    _kiosk(r["kiosk_id"], kiosk_id, where)
    _filed_under(r, where)
    _local_time(r["started_at"], where, "started_at")
    _local_time(r["finished_at"], where, "finished_at", optional=True)
    if r["local_date"] != r["started_at"][:10]:
        raise BadBatch(f"{where}: 'local_date' must be the date of 'started_at' ({r['started_at'][:10]})")
    return dict(r)


def check_q_answer(a: Any, kiosk_id: str, i: int) -> dict[str, Any]:
    """An answer of the sending kiosk, its fields typed and bounded, with ``local_date`` added (the
    kiosk's local date, as its store keeps it)."""
    where = f"questionnaires.answers[{i}]"
    _fields(a, Q_ANSWER_FIELDS, where)
    _int(a["seq"], where, "seq", 1, 2**53)
    where = f"questionnaires.answers[{i}] (seq {a['seq']})"
    _uuid(a["uuid"], where, "uuid")
    _uuid(a["response_uuid"], where, "response_uuid")
    _uuid(a["replaces"], where, "replaces", optional=True)
    if a["replaces"] == a["uuid"]:
        raise BadBatch(f"{where}: an answer cannot replace itself")
    _kiosk(a["kiosk_id"], kiosk_id, where)
    _filed_under(a, where)
    _str(a["question_id"], where, "question_id", 48)
    _str(a["choice"], where, "choice", 16, optional=True)
    _str(a["text"], where, "text", MAX_ANSWER_TEXT, optional=True)
    _local_time(a["local_time"], where, "local_time")
    for name in ("prev_hash", "hash"):
        _str(a[name], where, name, 64, pattern=_HEX64)
    return {**a, "local_date": a["local_time"][:10]}


def parse_questionnaires(q: Any, kiosk_id: str) -> QBatch:
    """The ``questionnaires`` object of a batch: each row checked alone, none twice."""
    if not isinstance(q, dict):
        raise BadBatch("'questionnaires' must be an object with definitions, responses and answers")
    unknown = [k for k in q if k not in Q_PARTS]
    if unknown:
        raise BadBatch(f"questionnaires: unknown field(s) {_names(unknown)} (known: {', '.join(Q_PARTS)})")
    parts = {}
    for name, limit in zip(Q_PARTS, (MAX_Q_DEFINITIONS, MAX_Q_RESPONSES, MAX_Q_ANSWERS)):
        value = q.get(name, [])
        if not isinstance(value, list) or len(value) > limit:
            raise BadBatch(f"'questionnaires.{name}' must be a list of at most {limit}")
        parts[name] = value
    out = QBatch([check_q_definition(d, i) for i, d in enumerate(parts["definitions"])],
                 [check_q_response(r, kiosk_id, i) for i, r in enumerate(parts["responses"])],
                 [check_q_answer(a, kiosk_id, i) for i, a in enumerate(parts["answers"])])
    for name, rows, key in (("definition", out.definitions, lambda d: (d["questionnaire_id"], d["version"])),
                            ("response", out.responses, lambda r: r["uuid"]),
                            ("answer", out.answers, lambda a: a["uuid"]), ("answer seq", out.answers, lambda a: a["seq"])):
        seen = set()
        for row in rows:
            k = key(row)
            if k in seen:
                raise BadBatch(f"questionnaires: {name} {k} appears twice in the batch")
            seen.add(k)
    return out


def check_q_rows(q: QBatch, definitions: Mapping[tuple[str, int], Questionnaire],
                 responses: Mapping[str, Mapping[str, Any]]) -> None:
    """Check responses and answers against what they are filed under; :class:`BadBatch` otherwise.

    ``definitions`` holds every definition known (the batch's and the service's) by (id, version);
    ``responses`` every response the answers belong to (the batch's and the kiosk's held ones).
    A response's or answer's definition must be known and have its hash; an answer must be its
    response's (questionnaire, version, channel, counter, kiosk), name one of the questionnaire's
    questions asked on its channel, and give one of the question's choice codes or null (a skip) —
    or, for the free-text question, words within its length.
    """
    def definition(row: dict, where: str) -> Questionnaire:
        qn = definitions.get((row["questionnaire_id"], row["version"]))
        if qn is None:
            raise BadBatch(f"{where}: questionnaire {row['questionnaire_id']!r} v{row['version']} is unknown: "
                           "send its definition first")
        if qn.definition_hash != row["definition_hash"]:
            raise BadBatch(f"{where}: 'definition_hash' is not that of {qn.id} v{qn.version} as the service holds it")
        return qn

    for i, r in enumerate(q.responses):
        where = f"questionnaires.responses[{i}] ({r['uuid']})"
        if not definition(r, where).for_channel(r["channel"]):
            raise BadBatch(f"{where}: questionnaire {r['questionnaire_id']} is not answered on the {r['channel']} channel")
    for i, a in enumerate(q.answers):
        where = f"questionnaires.answers[{i}] (seq {a['seq']})"
        qn = definition(a, where)
        resp = responses.get(a["response_uuid"])
        if resp is not None:
            wrong = [k for k in ("questionnaire_id", "version", "definition_hash", "channel", "counter_id", "kiosk_id")
                     if resp[k] != a[k]]
            if wrong:
                raise BadBatch(f"{where}: {', '.join(wrong)} differ from its response {a['response_uuid']}")
        try:
            question = qn.question(a["question_id"])
        except KeyError as e:
            raise BadBatch(f"{where}: {e.args[0]}") from None
        if a["channel"] not in question.channels:
            raise BadBatch(f"{where}: question {question.id!r} is not asked on the {a['channel']} channel")
        if question.kind == "text":
            if a["choice"] is not None:
                raise BadBatch(f"{where}: question {question.id!r} takes words ('text'), not a choice")
            if a["text"] is not None and len(a["text"]) > (question.max_length or MAX_ANSWER_TEXT):
                raise BadBatch(f"{where}: question {question.id!r} takes at most {question.max_length} characters")
        else:
            if a["text"] is not None:
                raise BadBatch(f"{where}: question {question.id!r} takes a choice, not words")
            if a["choice"] is not None and a["choice"] not in question.codes:
                raise BadBatch(f"{where}: 'choice' must be null or one of {', '.join(question.codes)} "
                               f"(question {question.id!r})")


# --- the chain, checked one link at a time ------------------------------------------------------
# The service's names for the kind-generic issues of rating.chain (one wording, one definition).

def link_issue(vote: Mapping[str, Any], before: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The ``break`` between ``vote`` and the vote just before it: :func:`rating.chain.link_issue` for votes."""
    return chain.link_issue(chain.VOTES, vote, before)


def edit_issue(vote: Mapping[str, Any]) -> tuple[str, str] | None:
    """The ``edited`` issue when a vote's hash does not match its fields: :func:`rating.chain.edit_issue`."""
    return chain.edit_issue(chain.VOTES, vote)


def edit_issues(votes: Sequence[Mapping[str, Any]]) -> list[tuple[str, str] | None]:
    """:func:`edit_issue` of each vote, hashed a page at a time: :func:`rating.chain.edit_issues`."""
    return chain.edit_issues(chain.VOTES, votes)


def gap_detail(first: int, last: int) -> str:
    """How a gap of missing votes reads in a report: :func:`rating.chain.gap_detail` for votes."""
    return chain.gap_detail(chain.VOTES, first, last)


def q_edit_issue(answer: Mapping[str, Any]) -> tuple[str, str] | None:
    """The ``edited`` issue when an answer's hash does not match its fields (encoding ``qa1``), else None."""
    return chain.edit_issue(chain.ANSWERS, answer)


def q_edit_issues(answers: Sequence[Mapping[str, Any]]) -> list[tuple[str, str] | None]:
    """:func:`q_edit_issue` of each answer, hashed a page at a time: :func:`rating.chain.edit_issues`."""
    return chain.edit_issues(chain.ANSWERS, answers)


def q_link_issue(answer: Mapping[str, Any], before: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The ``break`` between an answer and the kiosk's answer just before it (seq - 1), or None."""
    return chain.link_issue(chain.ANSWERS, answer, before)


# --- the receipt --------------------------------------------------------------------------------

def receipt(kiosk_id: str, accepted: list[str], duplicates: list[str], reasons: list[list[str]],
            totals: list[dict[str, Any]], chain: dict[str, Any]) -> dict[str, Any]:
    """The ``200`` answer to a batch. The kiosk marks synced only the UUIDs in accepted or duplicates."""
    return {"kiosk_id": kiosk_id, "accepted": accepted, "duplicates": duplicates, "reasons": reasons,
            "totals": totals, "chain": chain}


def q_receipt(definitions: list[list], responses: list[str], answers: list[str], chain: dict[str, Any]) -> dict[str, Any]:
    """The receipt's ``questionnaires`` object: exactly the rows the service holds from this batch
    (stored now or already held, identical), and the kiosk's answer chain, bounded like the votes'."""
    return {"definitions": definitions, "responses": responses, "answers": answers, "chain": chain}


def acknowledged_questionnaires(body: Any) -> tuple[set[tuple[str, int]], set[str], set[str]]:
    """From a receipt: the (questionnaire id, version), response and answer UUIDs it acknowledges —
    empty when it has no ``questionnaires`` (a service before protocol 1.2); ValueError when malformed."""
    if not isinstance(body, dict):
        raise ValueError("the receipt is not an object")
    q = body.get("questionnaires")
    if q is None:
        return set(), set(), set()
    try:
        definitions = {(d[0], d[1]) for d in q["definitions"] if isinstance(d, list) and len(d) == 2
                       and isinstance(d[0], str) and isinstance(d[1], int)}
        responses = {u for u in q["responses"] if isinstance(u, str)}
        answers = {u for u in q["answers"] if isinstance(u, str)}
    except (KeyError, TypeError) as e:
        raise ValueError(f"the receipt's questionnaires are malformed: {e}") from None
    return definitions, responses, answers


def acknowledged(body: Any) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """From a receipt: (accepted, duplicates, reason keys); ValueError when it is not a receipt."""
    if not isinstance(body, dict):
        raise ValueError("the receipt is not an object")
    try:
        accepted = {u for u in body["accepted"] if isinstance(u, str)}
        duplicates = {u for u in body["duplicates"] if isinstance(u, str)}
        reasons = {(r[0], r[1]) for r in body.get("reasons", []) if isinstance(r, list) and len(r) == 2}
    except (KeyError, TypeError) as e:
        raise ValueError(f"the receipt is malformed: {e}") from None
    return accepted, duplicates, reasons


# --- a kiosk's own rows, taken back from the service (restore) -------------------------------------
# GET /v1/kiosks/<kiosk_id>/chain?part=votes|answers&after=<seq>&limit=<n>, signed as a batch is (the
# path with its query string, the empty body). A page lists the chain's rows after ``after`` in seq
# order, with the rows each needs (a vote's reasons; an answer's response and definition), in the same
# shapes as a batch: the kiosk checks them with the batch's own checks.

CHAIN_PATH = "/v1/kiosks/{kiosk_id}/chain"
CHAIN_PARTS = ("votes", "answers")
MAX_CHAIN_PAGE = 5000   # rows a page; a full page of votes is about 2 MB, as a full batch is
CHAIN_PAGE_FIELDS = ("kiosk_id", "part", "after", "next", "head_seq", "held")


@dataclass
class ChainPage:
    """One checked page of a kiosk's rows held by the service. ``next`` is the ``after`` of the next page
    (None on the last); ``head_seq`` and ``held`` describe the whole chain of ``part`` as the service holds it."""
    part: str
    after: int
    next: int | None
    head_seq: int
    held: int
    votes: list[dict] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)
    questionnaires: QBatch = field(default_factory=QBatch)


def chain_path(kiosk_id: str, part: str, after: int, limit: int) -> str:
    """The path and query string of a page request (what is signed)."""
    return f"{CHAIN_PATH.format(kiosk_id=kiosk_id)}?part={part}&after={after}&limit={limit}"


def chain_page(kiosk_id: str, part: str, after: int, next_after: int | None, head_seq: int, held: int,
               votes: list[dict] = (), reasons: list[dict] = (), questionnaires: dict[str, list[dict]] | None = None
               ) -> dict[str, Any]:
    """The service's answer to a page request (rows in the wire's field lists, as a batch carries them)."""
    page: dict[str, Any] = {"kiosk_id": kiosk_id, "part": part, "after": after, "next": next_after,
                            "head_seq": head_seq, "held": held}
    if part == "votes":
        page.update(votes=list(votes), reasons=list(reasons))
    else:
        page["questionnaires"] = {p: list((questionnaires or {}).get(p, [])) for p in Q_PARTS}
    return page


def parse_chain_page(body: bytes, kiosk_id: str, part: str, after: int) -> ChainPage:
    """Decode and check a page of ``kiosk_id``'s rows (each row by the batch's own checks, in seq order
    after ``after``, none twice); :class:`BadBatch` naming the problem otherwise."""
    data = decode_json(body)
    if not isinstance(data, dict) or any(f not in data for f in CHAIN_PAGE_FIELDS):
        raise BadBatch(f"a page must be an object with {', '.join(CHAIN_PAGE_FIELDS)}")
    if data["kiosk_id"] != kiosk_id or data["part"] != part or data["after"] != after:
        raise BadBatch(f"the page is not the one asked for ({kiosk_id}, {part} after {after})")
    next_after = _int(data["next"], "page", "next", after + 1, 2**53, optional=True)
    head_seq, held = _int(data["head_seq"], "page", "head_seq", 0, 2**53), _int(data["held"], "page", "held", 0, 2**53)
    page = ChainPage(part, after, next_after, head_seq, held)
    if part == "votes":
        votes, reasons = data.get("votes"), data.get("reasons")
        if not isinstance(votes, list) or not isinstance(reasons, list) or len(votes) > MAX_CHAIN_PAGE:
            raise BadBatch(f"'votes' and 'reasons' must be lists (at most {MAX_CHAIN_PAGE} votes)")
        page.votes = [check_vote(v, kiosk_id, i) for i, v in enumerate(votes)]
        page.reasons = [check_reason(r, i) for i, r in enumerate(reasons)]
        seqs = [v["seq"] for v in page.votes]
    else:
        page.questionnaires = parse_questionnaires(data.get("questionnaires"), kiosk_id)
        seqs = [a["seq"] for a in page.questionnaires.answers]
    if seqs and (seqs[0] <= after or any(b <= a for a, b in zip(seqs, seqs[1:]))):
        raise BadBatch(f"the page's {part} are not in seq order after {after}")
    if next_after is not None and (not seqs or next_after != seqs[-1]):
        raise BadBatch("the page's 'next' is not its last row's seq")
    return page

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
                "prev_hash": "000…", "hash": "…"}, ...],
     "reasons": [{"vote_uuid": "...", "element": "procedure", "recorded_at": "..."}, ...],
     "status": {"software_version": "0.1.0", "waiting_votes": 12, "button_boxes": 2,
                "free_disk_mb": 1234, "clock_skew_s": -1.5}}          # optional, added in protocol 1.1

Every check names the field and the vote it is in, so a bad batch can be fixed. Nothing a client
sends makes the decoder raise anything but :class:`BadBatch` (deep nesting, huge integers and lone
surrogates included).
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from datetime import datetime
from typing import Any, Mapping

from kiosk.chain import GENESIS_HASH, HASHED_FIELDS, hash_values
from kiosk.scales import SCALES
from kiosk.sipas import ELEMENTS
from kiosk.store import REPEAT, SOURCE_RE

# The fields of a vote that travel to the central service: the hashed ones and the hash.
WIRE_FIELDS = ("seq", "uuid", "kiosk_id", "counter_id", "officer", "level", "scale", "source", "local_time",
               "box_seq", "flag", "prev_hash", "hash")
REASON_FIELDS = ("vote_uuid", "element", "recorded_at")
BATCH_FIELDS = ("kiosk_id", "counters", "votes", "reasons", "status")
# The optional status a kiosk sends with each batch: name -> (type(s), lower bound, upper bound or max length).
STATUS_FIELDS: dict[str, tuple[tuple[type, ...], float, float]] = {
    "software_version": ((str,), 1, 40),
    "waiting_votes": ((int,), 0, 10**9),
    "button_boxes": ((int,), 0, 1000),
    "free_disk_mb": ((int,), 0, 10**9),
    "clock_skew_s": ((int, float), -10**9, 10**9),
}
MAX_VOTES = 5000
MAX_REASONS = 25000
MAX_COUNTERS = 1000
MAX_BODY = 8 * 1024 * 1024   # a full batch of 5,000 votes is about 2 MB
MAX_RECEIPT_ISSUES = 20      # a receipt lists at most this many chain issues, and counts the rest
KIOSK_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")   # ASCII: it travels in an HTTP header
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ID = KIOSK_ID_RE
_MAX_INT_DIGITS = 20


class BadBatch(ValueError):
    """What is wrong with a batch, and where."""


def encode_batch(kiosk_id: str, counters: list[dict[str, str]], votes: list[dict], reasons: list[dict],
                 status: dict[str, Any] | None = None) -> bytes:
    """The request body for a batch (``status`` only when given, so older services see what they know)."""
    data: dict[str, Any] = {"kiosk_id": kiosk_id, "counters": counters, "votes": votes, "reasons": reasons}
    if status is not None:
        data["status"] = status
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _text_ok(v: str) -> bool:
    """False for a string that cannot be stored as UTF-8 (a lone surrogate such as ``"\\ud800"``)."""
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _str(v: Any, where: str, name: str, max_len: int = 200, pattern: re.Pattern | None = None,
         optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str) or not v or len(v) > max_len or not _text_ok(v) \
            or (pattern is not None and not pattern.match(v)):
        raise BadBatch(f"{where}: '{name}' must be {'null or ' if optional else ''}a string"
                       + (f" matching {pattern.pattern}" if pattern is not None else f" of 1-{max_len} characters"))
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


def check_vote(v: Any, kiosk_id: str, i: int) -> dict[str, Any]:
    """A checked vote with ``local_date`` and ``ts_ms`` added; :class:`BadBatch` naming the problem otherwise."""
    where = f"votes[{i}]"
    if not isinstance(v, dict):
        raise BadBatch(f"{where}: expected an object")
    missing = [f for f in WIRE_FIELDS if f not in v]
    extra = [f for f in v if f not in WIRE_FIELDS]
    if missing or extra:
        raise BadBatch(f"{where}: " + (f"missing {missing} " if missing else "") + (f"unknown {_names(extra)}" if extra else ""))
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
    _str(v["officer"], where, "officer", 64, optional=True)
    scale = SCALES.get(v["scale"]) if isinstance(v["scale"], str) else None
    if scale is None:
        raise BadBatch(f"{where}: 'scale' must be one of {', '.join(SCALES)}")
    if not isinstance(v["level"], str) or v["level"] not in scale.codes:
        raise BadBatch(f"{where}: 'level' must be one of {', '.join(scale.codes)} on scale {scale.id}")
    if not isinstance(v["source"], str) or not SOURCE_RE.match(v["source"]):
        raise BadBatch(f"{where}: 'source' must be touch, keypad, demo or serial:<box>")
    _int(v["box_seq"], where, "box_seq", 0, 65535, optional=True)
    if v["flag"] not in (None, REPEAT):
        raise BadBatch(f"{where}: 'flag' must be null or {REPEAT!r}")
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
    return {**v, "local_date": at.date().isoformat(), "ts_ms": ts_ms, "hour": at.hour, "weekday": at.isoweekday()}


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


def parse_batch(body: bytes, kiosk_id: str) -> tuple[list[dict], list[dict], list[dict], dict | None]:
    """Decode and check a batch from ``kiosk_id``; return (votes, reasons, counters, status) or raise :class:`BadBatch`."""
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
        where = f"reasons[{i}]"
        if not isinstance(r, dict) or set(r) != set(REASON_FIELDS):
            raise BadBatch(f"{where}: expected an object with vote_uuid, element and recorded_at")
        _str(r["vote_uuid"], where, "vote_uuid", 36)
        if not isinstance(r["element"], str) or r["element"] not in ELEMENTS:
            raise BadBatch(f"{where}: 'element' must be one of {', '.join(ELEMENTS)}")
        _str(r["recorded_at"], where, "recorded_at", 40)
    for i, c in enumerate(counters):
        if not isinstance(c, dict) or set(c) != {"id", "name"}:
            raise BadBatch(f"counters[{i}]: expected an object with id and name")
        _str(c["id"], f"counters[{i}]", "id", pattern=_ID)
        _str(c["name"], f"counters[{i}]", "name", 200)
    return checked, reasons, counters, check_status(data.get("status"))


# --- the chain, checked one link at a time ------------------------------------------------------

def link_issue(vote: Mapping[str, Any], before: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The ``break`` between ``vote`` and the vote just before it (seq - 1), or None when they link.

    ``before`` is None for seq 1 (whose predecessor is the genesis hash); call this only when the
    vote before is held — a missing one is a gap, not a break.
    """
    expected = GENESIS_HASH if before is None else before["hash"]
    if vote["prev_hash"] == expected:
        return None
    seq = vote["seq"]
    return ("break", f"prev_hash of vote {seq} does not match the hash of vote {seq - 1}: vote {seq - 1} "
                     "was replaced, or votes between were removed")


def edit_issue(vote: Mapping[str, Any]) -> tuple[str, str] | None:
    """The ``edited`` issue when a vote's hash does not match its fields, else None."""
    if hash_values([vote[f] for f in HASHED_FIELDS]) == vote["hash"]:
        return None
    return ("edited", f"vote {vote['seq']}'s hash does not match its fields: it was edited on the device")


def gap_detail(first: int, last: int) -> str:
    """How a gap of missing sequence numbers reads in a report."""
    missing = f"{first}" if first == last else f"{first}-{last}"
    return f"vote(s) {missing} missing: deleted on the device, or not sent yet"


# --- the receipt --------------------------------------------------------------------------------

def receipt(kiosk_id: str, accepted: list[str], duplicates: list[str], reasons: list[list[str]],
            totals: list[dict[str, Any]], chain: dict[str, Any]) -> dict[str, Any]:
    """The ``200`` answer to a batch. The kiosk marks synced only the UUIDs in accepted or duplicates."""
    return {"kiosk_id": kiosk_id, "accepted": accepted, "duplicates": duplicates, "reasons": reasons,
            "totals": totals, "chain": chain}


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

"""The sync batch on the wire: building it on the kiosk, checking it on the server.

A batch (``POST /v1/batches``, JSON, UTF-8)::

    {"kiosk_id": "ninh-giang-01",
     "counters": [{"id": "Q1", "name": "Quầy 1 — Tư pháp, hộ tịch"}, ...],
     "votes": [{"seq": 1, "uuid": "...", "kiosk_id": "...", "counter_id": "Q1", "officer": null,
                "level": "RHL", "scale": "sipas5", "source": "touch",
                "local_time": "2026-11-21T09:15:02.123+07:00", "box_seq": null, "flag": null,
                "prev_hash": "000…", "hash": "…"}, ...],
     "reasons": [{"vote_uuid": "...", "element": "procedure", "recorded_at": "..."}, ...]}

Every check names the field and the vote it is in, so a bad batch can be fixed.
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from datetime import datetime
from typing import Any

from kiosk.outbox import WIRE_FIELDS
from kiosk.scales import SCALES
from kiosk.sipas import ELEMENTS
from kiosk.store import REPEAT, SOURCE_RE

MAX_VOTES = 5000
MAX_REASONS = 25000
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class BadBatch(ValueError):
    """What is wrong with a batch, and where."""


def encode_batch(kiosk_id: str, counters: list[dict[str, str]], votes: list[dict], reasons: list[dict]) -> bytes:
    """The request body for a batch."""
    return json.dumps({"kiosk_id": kiosk_id, "counters": counters, "votes": votes, "reasons": reasons},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _str(v: Any, where: str, name: str, max_len: int = 200, pattern: re.Pattern | None = None,
         optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str) or not v or len(v) > max_len or (pattern is not None and not pattern.match(v)):
        raise BadBatch(f"{where}: '{name}' must be {'null or ' if optional else ''}a string"
                       + (f" matching {pattern.pattern}" if pattern is not None else f" of 1-{max_len} characters"))
    return v


def _int(v: Any, where: str, name: str, lo: int, hi: int, optional: bool = False) -> int | None:
    if v is None and optional:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise BadBatch(f"{where}: '{name}' must be {'null or ' if optional else ''}a whole number from {lo} to {hi}")
    return v


def check_vote(v: Any, kiosk_id: str, i: int) -> dict[str, Any]:
    """A checked vote with ``local_date`` and ``ts_ms`` added; :class:`BadBatch` naming the problem otherwise."""
    where = f"votes[{i}]"
    if not isinstance(v, dict):
        raise BadBatch(f"{where}: expected an object")
    missing = [f for f in WIRE_FIELDS if f not in v]
    extra = [f for f in v if f not in WIRE_FIELDS]
    if missing or extra:
        raise BadBatch(f"{where}: " + (f"missing {missing} " if missing else "") + (f"unknown {extra}" if extra else ""))
    _int(v["seq"], where, "seq", 1, 2**53)
    where = f"votes[{i}] (seq {v['seq']})"
    try:
        if str(uuidlib.UUID(_str(v["uuid"], where, "uuid", 36))) != v["uuid"]:
            raise ValueError
    except ValueError:
        raise BadBatch(f"{where}: 'uuid' must be a UUID in lower-case canonical form") from None
    if v["kiosk_id"] != kiosk_id:
        raise BadBatch(f"{where}: 'kiosk_id' {v['kiosk_id']!r} is not the sending kiosk {kiosk_id!r}")
    _str(v["counter_id"], where, "counter_id", pattern=_ID)
    _str(v["officer"], where, "officer", 64, optional=True)
    scale = SCALES.get(v["scale"]) if isinstance(v["scale"], str) else None
    if scale is None:
        raise BadBatch(f"{where}: 'scale' must be one of {', '.join(SCALES)}")
    if v["level"] not in scale.codes:
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
    except ValueError:
        raise BadBatch(f"{where}: 'local_time' must be ISO 8601 with a UTC offset, "
                       "e.g. 2026-11-21T09:15:02.123+07:00") from None
    return {**v, "local_date": at.date().isoformat(), "ts_ms": round(at.timestamp() * 1000)}


def parse_batch(body: bytes, kiosk_id: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Decode and check a batch from ``kiosk_id``; return (votes, reasons, counters) or raise :class:`BadBatch`."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadBatch("the body is not UTF-8") from None
    except json.JSONDecodeError as e:
        raise BadBatch(f"malformed JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    if not isinstance(data, dict):
        raise BadBatch("the body must be a JSON object")
    unknown = set(data) - {"kiosk_id", "counters", "votes", "reasons"}
    if unknown:
        raise BadBatch(f"unknown field(s) {sorted(unknown)}")
    if data.get("kiosk_id") != kiosk_id:
        raise BadBatch(f"'kiosk_id' in the body must be the signing kiosk {kiosk_id!r}")
    votes, reasons, counters = data.get("votes", []), data.get("reasons", []), data.get("counters", [])
    for name, value, limit in (("votes", votes, MAX_VOTES), ("reasons", reasons, MAX_REASONS), ("counters", counters, 1000)):
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
        if not isinstance(r, dict) or set(r) != {"vote_uuid", "element", "recorded_at"}:
            raise BadBatch(f"{where}: expected an object with vote_uuid, element and recorded_at")
        _str(r["vote_uuid"], where, "vote_uuid", 36)
        if r["element"] not in ELEMENTS:
            raise BadBatch(f"{where}: 'element' must be one of {', '.join(ELEMENTS)}")
        _str(r["recorded_at"], where, "recorded_at", 40)
    for i, c in enumerate(counters):
        if not isinstance(c, dict) or set(c) != {"id", "name"}:
            raise BadBatch(f"counters[{i}]: expected an object with id and name")
        _str(c["id"], f"counters[{i}]", "id", pattern=_ID)
        _str(c["name"], f"counters[{i}]", "name", 200)
    return checked, reasons, counters

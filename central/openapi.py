"""The central service's OpenAPI 3.0 description, served at ``/openapi.json``.

Kept beside the code it describes; the test suite checks the running service against it with
schemathesis, so a drift between the two fails CI.
"""

from __future__ import annotations

from typing import Any

from rating.anomalies import CHECKS as ANOMALY_CHECKS
from rating.questionnaire.model import CHANNELS
from rating.scales import SCALES
from rating.sipas import ELEMENTS
from rating.vote import FLAGS

from rating import campaign, wire
from rating.problems import CODES, Problem

_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_LEVELS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_SUMMARY = {
    "type": "object", "required": ["levels", "total", "satisfied", "satisfied_pct", "flagged"],
    "properties": {"levels": _LEVELS, "total": {"type": "integer"}, "satisfied": {"type": "integer"},
                   "satisfied_pct": {"type": "number", "nullable": True}, "flagged": {"type": "integer"},
                   "other_scales": _LEVELS},
}


# The JSON type of each field a refusal carries beside error and reason (the catalogue names them).
_PROBLEM_FIELDS = {"limit": {"type": "integer", "description": "the body limit in bytes"},
                   "server_time": {"type": "integer", "description": "the server's clock, Unix seconds"},
                   "conflicting": {"type": "array", "items": {"type": "string"},
                                   "description": "the UUIDs (or questionnaire keys) held with other content"},
                   "database": {"type": "string", "enum": ["down"],
                                "description": "the part that is down (with unavailable)"},
                   "kiosk_id": {"type": "string", "description": "the kiosk an enrolment code is for"},
                   "lines": {"type": "array", "description": "each refused line of a served CSV (with bad_served)",
                             "items": {"type": "object", "required": ["line", "reason"], "properties": {
                                 "line": {"type": "integer", "minimum": 1, "description": "the header is line 1"},
                                 "reason": {"type": "string"}}}}}
# What any request can meet, whatever its path: framing the service cannot read, a wrong method, a bug.
_ANYWHERE = (Problem.BAD_LENGTH, Problem.BAD_REQUEST, Problem.BAD_TEXT, Problem.METHOD_NOT_ALLOWED, Problem.INTERNAL,
             Problem.UNAVAILABLE)
_BATCHES = (Problem.TRUNCATED, Problem.BAD_BATCH, Problem.UNSIGNED, Problem.BAD_TIMESTAMP, Problem.BAD_SIGNATURE,
            Problem.STALE_TIMESTAMP, Problem.UNKNOWN_KIOSK, Problem.CONFLICT, Problem.LENGTH_REQUIRED,
            Problem.TOO_LARGE, Problem.BUSY)
_OWN_ROWS = (Problem.UNSIGNED, Problem.BAD_TIMESTAMP, Problem.BAD_SIGNATURE, Problem.STALE_TIMESTAMP,
             Problem.UNKNOWN_KIOSK, Problem.NOT_YOUR_KIOSK, Problem.BAD_QUERY)
_REPORTS = (Problem.BAD_QUERY, Problem.BAD_TOKEN, Problem.REPORTS_DISABLED, Problem.NO_SUCH_KIOSK)
_ENROL = (Problem.BAD_ENROLMENT, Problem.ENROLMENT_CODE_UNKNOWN, Problem.ENROLMENT_CODE_USED,
          Problem.ENROLMENT_CODE_EXPIRED, Problem.ENROLMENT_OTHER_KIOSK, Problem.ENROLMENT_THROTTLED,
          Problem.LENGTH_REQUIRED, Problem.TOO_LARGE, Problem.TRUNCATED)
_CHECKINS = (Problem.BAD_CHECKIN, Problem.UNSIGNED, Problem.BAD_TIMESTAMP, Problem.BAD_SIGNATURE,
             Problem.STALE_TIMESTAMP, Problem.UNKNOWN_KIOSK, Problem.LENGTH_REQUIRED, Problem.TOO_LARGE,
             Problem.TRUNCATED)


def _error_schema() -> dict[str, Any]:
    """The body of every refusal, its ``error`` one of the catalogue's codes (each listed with its meaning)."""
    listed = "\n".join(f"- `{p.code}` ({p.status}): {p.summary}" for p in Problem)
    return {"type": "object", "required": ["error", "reason"],
            "properties": {"error": {"type": "string", "enum": sorted(CODES), "description": listed},
                           "reason": {"type": "string"}, **_PROBLEM_FIELDS}}


def _error_responses(*problems: Problem) -> dict[str, Any]:
    """The refusals an operation can answer, by status, each status described by its codes."""
    by_status: dict[int, list[Problem]] = {}
    for p in (*problems, *_ANYWHERE):
        by_status.setdefault(p.status, []).append(p)
    return {str(status): {"description": "; ".join(f"`{p.code}`: {p.summary}" for p in listed),
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for status, listed in sorted(by_status.items())}


def _object(fields: tuple[str, ...], props: dict[str, Any]) -> dict[str, Any]:
    """A closed object with every field of a wire tuple required (the tuple is the one definition)."""
    return {"type": "object", "additionalProperties": False, "required": list(fields),
            "properties": {f: props[f] for f in fields}}


def _questionnaire_schemas() -> dict[str, Any]:
    """The questionnaire rows of protocol 1.2, from :mod:`rating.wire`'s field lists."""
    text = lambda n, nullable=False: {"type": "string", "minLength": 1, "maxLength": n, **({"nullable": True} if nullable else {})}  # noqa: E731
    uuid = {"type": "string", "format": "uuid"}
    when = {"type": "string", "maxLength": 40, "example": "2026-11-21T09:15:02.123+07:00"}
    common = {"kiosk_id": {"type": "string"}, "questionnaire_id": text(48),
              "version": {"type": "integer", "minimum": 1, "maximum": 9999}, "definition_hash": _HEX64,
              "channel": {"type": "string", "enum": list(CHANNELS)},
              "counter_id": {"type": "string", "nullable": True, "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}}
    return {
        "QDefinition": _object(wire.Q_DEFINITION_FIELDS, {**common, "definition": {
            "type": "string", "maxLength": wire.MAX_DEFINITION_CHARS,
            "description": "the questionnaire's canonical JSON; its SHA-256 is definition_hash"}}),
        "QResponse": _object(wire.Q_RESPONSE_FIELDS, {**common, "uuid": uuid, "started_at": when,
                                                      "local_date": {"type": "string", "format": "date"},
                                                      "finished_at": {**when, "nullable": True}}),
        "QAnswer": _object(wire.Q_ANSWER_FIELDS, {
            **common, "seq": {"type": "integer", "minimum": 1}, "uuid": uuid, "response_uuid": uuid,
            "question_id": text(48), "choice": text(16, True), "text": text(wire.MAX_ANSWER_TEXT, True),
            "replaces": {**uuid, "nullable": True}, "local_time": when, "prev_hash": _HEX64, "hash": _HEX64}),
        "QBatch": {"type": "object", "additionalProperties": False, "properties": {
            "definitions": {"type": "array", "maxItems": wire.MAX_Q_DEFINITIONS, "items": {"$ref": "#/components/schemas/QDefinition"}},
            "responses": {"type": "array", "maxItems": wire.MAX_Q_RESPONSES, "items": {"$ref": "#/components/schemas/QResponse"}},
            "answers": {"type": "array", "maxItems": wire.MAX_Q_ANSWERS, "items": {"$ref": "#/components/schemas/QAnswer"}}}},
        "QReceipt": {"type": "object", "required": ["definitions", "responses", "answers", "chain"], "properties": {
            "definitions": {"type": "array", "items": {"type": "array"}},
            "responses": {"type": "array", "items": {"type": "string"}},
            "answers": {"type": "array", "items": {"type": "string"}},
            "chain": {"type": "object", "required": ["kiosk_id", "head_seq", "answers", "ok", "issues", "issues_total",
                                                     "missing_answers"]}}},
    }


def openapi_spec() -> dict[str, Any]:
    """The OpenAPI document."""
    vote = {
        "type": "object", "additionalProperties": False,
        "required": ["seq", "uuid", "kiosk_id", "counter_id", "officer", "level", "scale", "source", "local_time",
                     "box_seq", "flag", "prev_hash", "hash"],
        "properties": {
            "seq": {"type": "integer", "minimum": 1}, "uuid": {"type": "string", "format": "uuid"},
            "kiosk_id": {"type": "string"}, "counter_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
            "officer": {"type": "string", "nullable": True, "maxLength": 64},
            "level": {"type": "string", "enum": ["RHL", "HL", "BT", "KHL", "RKHL"]},
            "scale": {"type": "string", "enum": list(SCALES)},
            "source": {"type": "string", "pattern": "^(touch|keypad|demo|serial:[1-9][0-9]?)$"},
            "local_time": {"type": "string", "example": "2026-11-21T09:15:02.123+07:00"},
            "box_seq": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 65535},
            "flag": {"type": "string", "nullable": True, "enum": [*FLAGS, None]},
            "prev_hash": _HEX64, "hash": _HEX64,
            # optional (issue 18): the keyed hash of the transaction's ticket or dossier number, never the number
            "ticket_hash": {**_HEX64, "nullable": True},
        },
    }
    reasons = {"type": "array", "items": {"type": "object", "required": list(wire.REASON_FIELDS), "properties": {
        "vote_uuid": {"type": "string"}, "element": {"type": "string", "enum": list(ELEMENTS)},
        "recorded_at": {"type": "string"}}}}
    signed = [{"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
              for h in ("X-Kiosk-Id", "X-Kiosk-Timestamp", "X-Kiosk-Signature")]
    report_params = [
        {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"},
         "description": "one local day; the default (today) when no period is given"},
        {"name": "month", "in": "query", "schema": {"type": "string", "pattern": "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"},
         "description": "a month, YYYY-MM (used when day is not given)"},
        {"name": "quarter", "in": "query", "schema": {"type": "string", "pattern": "^[1-9][0-9]{3}-Q[1-4]$"},
         "description": "a quarter, YYYY-Qn (used when neither day nor month is given)"},
        {"name": "kiosk", "in": "query", "schema": {"type": "string", "minLength": 1}},
        {"name": "centre", "in": "query", "schema": {"type": "string", "minLength": 1}},
        {"name": "counter", "in": "query", "schema": {"type": "string", "minLength": 1}},
        {"name": "officer", "in": "query", "schema": {"type": "string", "minLength": 1}},
        {"name": "by", "in": "query", "schema": {"type": "string", "enum": ["counter", "officer"]}},
        {"name": "scale", "in": "query", "schema": {"type": "string", "enum": list(SCALES)}},
        {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}},
    ]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Satisfaction-rating central scoring service", "version": "1",
                 "description": "Receives signed vote batches from kiosks and reports totals (criterion II.7). "
                                "Signing: HMAC-SHA256 over timestamp, method, path and the body's SHA-256. "
                                "Every refusal is an Error whose code is listed there; any other path answers 404 "
                                f"`{Problem.NOT_FOUND.code}`."},
        "paths": {
            "/healthz": {"get": {"summary": "Health, without authentication: 503 `unavailable` names the part that is down",
                             "responses": {
                "200": {"description": "Up", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["ok"], "properties": {
                        "ok": {"type": "boolean"}, "database": {"type": "string", "enum": ["up"]}}}}}},
                **_error_responses()}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}},
                **_error_responses()}}},
            "/v1/batches": {"post": {
                "summary": "Upload a signed batch of votes and reasons (and, from protocol 1.2, questionnaire rows); "
                           "idempotent by UUID",
                "parameters": signed,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}}},
                "responses": {"200": {"description": "Receipt", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Receipt"}}}},
                    **_error_responses(*_BATCHES)}}},
            wire.CHAIN_PATH: {"get": {
                "summary": "A kiosk's own rows as the service holds them, a page at a time, for its signed request "
                           "only (restore --from-central): votes with their reasons, or questionnaire answers "
                           "with their responses and definitions, in seq order after `after`",
                "parameters": [*signed,
                    {"name": "kiosk_id", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "the signing kiosk's own id (another kiosk's is 403 `not_your_kiosk`)"},
                    {"name": "part", "in": "query", "schema": {"type": "string", "enum": list(wire.CHAIN_PARTS)}},
                    {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0},
                     "description": "the seq the page starts after (0: from the chain's first row)"},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": wire.MAX_CHAIN_PAGE}}],
                "responses": {"200": {"description": "A page; `next` is the `after` of the next one (null: the last)",
                                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChainPage"}}}},
                              **_error_responses(*_OWN_ROWS)}}},
            "/v1/enrol": {"post": {
                "summary": "A device redeems a one-time enrolment code for its kiosk's id and secret (unsigned; "
                           "wrong codes are throttled per address); docs/sync-protocol.md, \"Enrolment\"",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code"], "additionalProperties": False, "properties": {
                        "code": {"type": "string", "example": "KX7M-4PQR-9TWC",
                                 "description": "12 letters and digits; case, spaces and dashes do not matter"},
                        "kiosk_id": {"type": "string", "nullable": True,
                                     "description": "the kiosk the device is configured as (null: a fresh device); "
                                                    "a code for another kiosk is refused without being used"},
                        "software_version": {"type": "string", "nullable": True, "maxLength": 40}}}}}},
                "responses": {"200": {"description": "The kiosk's id, centre, secret and managed settings", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Enrolled"}}}},
                    **_error_responses(*_ENROL)}}},
            "/v1/checkins": {"post": {
                "summary": "A kiosk's check-in, every few minutes while open: its health (the batch's status fields), "
                           "the settings version it runs and its opening hours; signed as a batch",
                "parameters": signed,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Checkin"}}}},
                "responses": {"200": {"description": "Received; whether newer settings wait", "content": {
                    "application/json": {"schema": {"type": "object", "required": ["kiosk_id", "received_at", "settings"],
                                                    "properties": {"kiosk_id": {"type": "string"},
                                                                   "received_at": {"type": "string"},
                                                                   "settings": {"type": "object", "nullable": True}}}}}},
                    **_error_responses(*_CHECKINS)}}},
            "/v1/reports/totals": {"get": {
                "summary": "Totals per counter or officer, in the kiosk's `totals --json` shape",
                "security": [{"reportToken": []}], "parameters": report_params,
                "responses": {"200": {"description": "Totals", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Totals"}},
                    "text/csv": {"schema": {"type": "string"}}}},
                    **_error_responses(*_REPORTS, Problem.UNKNOWN_CENTRE)}}},
            "/v1/reports/ii7": {"get": {
                "summary": "The II.7 workbook (xlsx), PDF or model (json) for a commune, a centre or a kiosk, issued "
                           "with its verification code (printed after \"Mã kiểm tra\"; the model's verification_code), "
                           "checked at the public /kiem-tra/<code>",
                "security": [{"reportToken": []}],
                "parameters": [
                    {"name": "unit", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1},
                     "description": "the id of a commune, a centre or a kiosk"},
                    {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["xlsx", "pdf", "json"]}}],
                "responses": {"200": {"description": "The report", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {"type": "object"}}}},
                    **_error_responses(Problem.BAD_QUERY, Problem.BAD_TOKEN, Problem.UNKNOWN_UNIT, Problem.FORBIDDEN)}}},
            "/v1/reports/overview": {"get": {
                "summary": "Every unit of the overview with its N, rate, 95 % Wilson interval, verdict and rank "
                           "(rank null below the minimum sample, min_n); the report token sees every unit, a "
                           "logged-in account its own",
                "security": [{"reportToken": []}],
                "parameters": [
                    {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "The overview", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["from", "to", "min_n", "units"], "properties": {
                        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                        "min_n": {"type": "integer", "minimum": 1},
                        "units": {"type": "array", "items": {"$ref": "#/components/schemas/OverviewUnit"}}}}}}},
                    **_error_responses(Problem.BAD_QUERY, Problem.BAD_TOKEN)}}},
            "/v1/served": {"post": {
                "summary": "A commune's served transactions (its one-stop system), one number a day, kiosk and counter: "
                           "the response rate's denominator. All or nothing: a file with a refused line stores nothing, "
                           "each refused line listed with its number and why; a number for a day, kiosk and counter "
                           "already held replaces it (posting the same file again changes nothing). The token is the "
                           "commune's served token (its served page, or `central-served-token new --unit ID`); it names "
                           "only the commune's own kiosks and the counters they have sent",
                "security": [{"servedToken": []}],
                "requestBody": {"required": True, "content": {"text/csv": {"schema": {
                    "type": "string", "description": "UTF-8 (a BOM is allowed); the header line `date,kiosk,counter,served`, "
                                                     "then one line each: the day (YYYY-MM-DD or dd/mm/yyyy, not after "
                                                     "today), the kiosk id, the counter id, the transactions (0-100000)",
                    "example": "date,kiosk,counter,served\n2026-11-02,xa-an-01,Q1,42\n"}}}},
                "responses": {"200": {"description": "Stored", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["unit", "lines", "stored", "replaced"], "properties": {
                        "unit": {"type": "string", "description": "the token's commune"},
                        "lines": {"type": "integer", "description": "the numbers the file held"},
                        "stored": {"type": "integer", "description": "numbers new to the service"},
                        "replaced": {"type": "integer", "description": "numbers that replaced one held"}}}}}},
                    **_error_responses(Problem.BAD_SERVED, Problem.BAD_TOKEN, Problem.LENGTH_REQUIRED,
                                       Problem.TOO_LARGE, Problem.TRUNCATED, Problem.BUSY)}}},
            "/v1/reports/anomalies": {"get": {
                "summary": "The gaming checks (bursts, out-of-hours votes, an officer far from the centre, implausible "
                           "rates, votes beyond the day's transactions, kiosk against phone and paper), each finding "
                           "with the votes behind it (kiosk and sequence-number runs) and the commune's explanations; "
                           "evidence, never deletions. The report token sees every unit, a logged-in account its own",
                "security": [{"reportToken": []}],
                "parameters": [
                    {"name": "unit", "in": "query", "schema": {"type": "string", "minLength": 1},
                     "description": "the city, a commune, a centre or a kiosk id; absent: every unit the asker sees"},
                    {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "The findings", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["unit", "from", "to", "rules", "checks", "findings"], "properties": {
                        "unit": {"type": ["string", "null"]},
                        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                        "rules": {"type": "object", "description": "each check's stated rule and thresholds"},
                        "checks": {"type": "array", "items": {"type": "object", "required": ["check", "state", "findings"],
                                   "properties": {"check": {"type": "string", "enum": list(ANOMALY_CHECKS)},
                                                  "state": {"type": "string", "enum": [
                                                      "done", "needs_opening_hours", "needs_served_counts"]},
                                                  "findings": {"type": "integer", "minimum": 0}}}},
                        "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}}}}}}},
                    **_error_responses(Problem.BAD_QUERY, Problem.BAD_TOKEN, Problem.UNKNOWN_UNIT, Problem.FORBIDDEN)}}},
            "/v1/reports/chain": {"get": {
                "summary": "Each kiosk's hash chain: head, gaps, breaks, edits; refused conflicts",
                "security": [{"reportToken": []}],
                "parameters": [{"name": "kiosk", "in": "query", "schema": {"type": "string", "minLength": 1}}],
                "responses": {"200": {"description": "Chain report", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["kiosks", "conflicts"],
                    "properties": {"kiosks": {"type": "array", "items": {"$ref": "#/components/schemas/Chain"}},
                                   "conflicts": {"type": "array", "items": {"type": "object"}}}}}}},
                    **_error_responses(*_REPORTS)}}},
        },
        "components": {
            "securitySchemes": {"reportToken": {"type": "http", "scheme": "bearer"},
                                "servedToken": {"type": "http", "scheme": "bearer",
                                                "description": "a commune's served token (svd_…), kept hashed"}},
            "schemas": {
                "Error": _error_schema(),
                "OverviewUnit": {"type": "object", "required": [
                    "unit", "name", "n", "satisfied_pct", "ci_low", "ci_high", "target_pct", "verdict", "rank",
                    "served", "response_pct"], "properties": {
                    "unit": {"type": "string"}, "name": {"type": "string"}, "n": {"type": "integer", "minimum": 0},
                    "satisfied_pct": {"type": ["number", "null"]},
                    "ci_low": {"type": ["number", "null"], "description": "95 % Wilson interval, percent, one decimal"},
                    "ci_high": {"type": ["number", "null"]}, "target_pct": {"type": "number"},
                    "verdict": {"type": "string", "enum": ["dat", "chua_dat", "chua_du_mau"]},
                    "uncertain": {"type": "boolean", "description": "the interval straddles the target (chưa chắc chắn)"},
                    "rank": {"type": ["integer", "null"]},
                    "served": {"type": ["integer", "null"], "description": "transactions served (POST /v1/served, the "
                               "served page); null without any number in the period"},
                    "response_pct": {"type": ["number", "null"], "description": "counted votes of the days and counters "
                                     "with a served number per transaction, percent, one decimal; null without one "
                                     "(or against 0 transactions); below 10: not representative, above 100: more "
                                     "votes than transactions"}}},
                "Finding": {"type": "object", "required": ["id", "check", "centre", "kiosk", "first_day", "last_day",
                                                           "figures", "votes", "notes"], "properties": {
                    "id": {"type": "string", "description": "check:key, the same in every run (explanations hang on it)"},
                    "check": {"type": "string", "enum": list(ANOMALY_CHECKS)},
                    "centre": {"type": ["string", "null"]}, "kiosk": {"type": ["string", "null"]},
                    "counter": {"type": "string"}, "officer": {"type": "string"},
                    "first_day": {"type": "string", "format": "date"}, "last_day": {"type": "string", "format": "date"},
                    "figures": {"type": "object"},
                    "votes": {"type": "array", "items": {"$ref": "#/components/schemas/SeqRuns"}},
                    "answers": {"type": "array", "items": {"$ref": "#/components/schemas/SeqRuns"},
                                "description": "channel_gap: the kiosk's answers, on its answer chain"},
                    "notes": {"type": "array", "items": {"type": "object", "required": ["text", "by", "at"], "properties": {
                        "text": {"type": "string"}, "by": {"type": "string"}, "at": {"type": "string", "format": "date-time"}}}}}},
                "SeqRuns": {"type": "object", "required": ["kiosk", "n", "seqs"], "properties": {
                    "kiosk": {"type": "string"}, "n": {"type": "integer", "minimum": 1},
                    "seqs": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                                        "items": {"type": "integer"}},
                             "description": "runs [first, last] of sequence numbers"}}},
                "Vote": vote,
                "Batch": {"type": "object", "required": ["kiosk_id"], "additionalProperties": False, "properties": {
                    "kiosk_id": {"type": "string"},
                    "counters": {"type": "array", "items": {"type": "object", "required": ["id", "name"],
                                                            "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}},
                    "votes": {"type": "array", "maxItems": 5000, "items": {"$ref": "#/components/schemas/Vote"}},
                    "reasons": reasons,
                    "status": {"$ref": "#/components/schemas/Status"},
                    "questionnaires": {"$ref": "#/components/schemas/QBatch"}}},
                "Status": {"type": "object", "nullable": True, "additionalProperties": False, "properties": {
                        "software_version": {"type": "string", "nullable": True, "maxLength": 40},
                        "waiting_votes": {"type": "integer", "nullable": True, "minimum": 0},
                        "button_boxes": {"type": "integer", "nullable": True, "minimum": 0},
                        "free_disk_mb": {"type": "integer", "nullable": True, "minimum": 0},
                        "clock_skew_s": {"type": "number", "nullable": True},
                        "waiting_answers": {"type": "integer", "nullable": True, "minimum": 0},
                        "uptime_s": {"type": "integer", "nullable": True, "minimum": 0},
                        "last_vote_at": {"type": "string", "nullable": True, "maxLength": 40},
                        "last_sync_at": {"type": "string", "nullable": True, "maxLength": 40},
                        "last_backup_at": {"type": "string", "nullable": True, "maxLength": 40},
                        "clock": {"type": "string", "nullable": True, "maxLength": 16},
                        "boxes_heard": {"type": "integer", "nullable": True, "minimum": 0},
                        "problems": {"type": "string", "nullable": True, "maxLength": 200}}},
                "Enrolled": {"type": "object", "required": ["kiosk_id", "centre", "secret", "settings", "settings_version"],
                             "properties": {"kiosk_id": {"type": "string"}, "centre": {"type": "string"},
                                            "secret": {"type": "string", "minLength": 16},
                                            "settings": {"type": "object", "description": "managed settings, in the "
                                                         "kiosk TOML's own sections and keys ({} when none)"},
                                            "settings_version": {"type": "string", "nullable": True}}},
                "Checkin": {"type": "object", "required": ["kiosk_id"], "additionalProperties": False, "properties": {
                    "kiosk_id": {"type": "string"},
                    "status": {"$ref": "#/components/schemas/Status"},
                    "settings_version": {"type": "string", "minLength": 1, "maxLength": 64, "example": "0"},
                    "opening_hours": {"type": "array", "maxItems": 14, "items": {"type": "string", "maxLength": 120},
                                      "example": ["Mon-Fri 07:30-11:30 13:30-17:00"]},
                    "timezone": {"type": "string", "example": "Asia/Ho_Chi_Minh"},
                    # Protocol 1.5 (rating.campaign): what became of each campaign the answers listed.
                    "campaigns": {"type": "array", "maxItems": campaign.MAX_CAMPAIGNS, "items": {
                        "type": "object", "required": ["id", "state"], "additionalProperties": False, "properties": {
                            "id": {"type": "integer", "minimum": 1},
                            "state": {"type": "string", "enum": list(campaign.STATES)},
                            "reason": {"type": "string", "maxLength": campaign.MAX_REASON}}}}}},
                "Chain": {"type": "object", "required": ["kiosk_id", "head_seq", "votes", "ok", "issues"], "properties": {
                    "kiosk_id": {"type": "string"}, "head_seq": {"type": "integer"}, "votes": {"type": "integer"},
                    "ok": {"type": "boolean"}, "issues_total": {"type": "integer"},
                    "missing_votes": {"type": "integer"},
                    "issues": {"type": "array", "items": {"type": "object", "required": ["seq", "kind", "detail"], "properties": {
                        "seq": {"type": "integer"}, "kind": {"type": "string", "enum": ["gap", "break", "edited"]},
                        "detail": {"type": "string"}, "detected_at": {"type": "string"}}}}}},
                "Receipt": {"type": "object", "required": ["kiosk_id", "accepted", "duplicates", "reasons", "totals", "chain"],
                            "properties": {
                    "kiosk_id": {"type": "string"},
                    "accepted": {"type": "array", "items": {"type": "string"}},
                    "duplicates": {"type": "array", "items": {"type": "string"}},
                    "reasons": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
                    "totals": {"type": "array", "items": {"type": "object", "required": ["date", "counter", "scale", "levels", "flagged"],
                               "properties": {"date": {"type": "string"}, "counter": {"type": "string"},
                                              "scale": {"type": "string"}, "levels": _LEVELS, "flagged": {"type": "integer"}}}},
                    "chain": {"$ref": "#/components/schemas/Chain"},
                    "questionnaires": {"$ref": "#/components/schemas/QReceipt"}}},
                **_questionnaire_schemas(),
                "ChainPage": {"type": "object", "required": list(wire.CHAIN_PAGE_FIELDS), "properties": {
                    "kiosk_id": {"type": "string"}, "part": {"type": "string", "enum": list(wire.CHAIN_PARTS)},
                    "after": {"type": "integer"}, "next": {"type": "integer", "nullable": True},
                    "head_seq": {"type": "integer"}, "held": {"type": "integer"},
                    "votes": {"type": "array", "items": {"$ref": "#/components/schemas/Vote"}},
                    "reasons": reasons,
                    "questionnaires": {"$ref": "#/components/schemas/QBatch"}}},
                "Totals": {"type": "object", "required": ["date", "scale", "counters", "all"], "properties": {
                    "date": {"type": "string"}, "scale": {"type": "string"}, "period": {"type": "string"},
                    "kiosk": {"type": "string"}, "centre": {"type": "string"},
                    "chain": {"type": "object", "required": ["ok", "issues"],
                              "properties": {"ok": {"type": "boolean"}, "issues": {"type": "array", "items": {"type": "object"}}}},
                    "counters": {"type": "array", "items": {"allOf": [_SUMMARY, {"type": "object", "properties": {
                        "counter": {"type": "string"}, "name": {"type": "string", "nullable": True},
                        "officer": {"type": "string", "nullable": True}}}]}},
                    "all": _SUMMARY}},
            },
        },
    }

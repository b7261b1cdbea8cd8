"""The one catalogue of the central service's refusals, as ODK Central keeps its ``Problem`` list.

Every answer other than a 2xx is one entry here: its HTTP status, its machine-readable code (the
``error`` of the JSON body), a one-line summary (the OpenAPI text lists it) and the template of the
``reason`` people read. The body of a refusal is ``{"error": code, "reason": …}`` plus the entry's
``fields`` (e.g. ``limit`` beside ``too_large``): that shape and the statuses are the sync protocol's
contract (``docs/sync-protocol.md``), so an entry's status, code and fields never change.

The service raises :class:`Refused` with an entry, the OpenAPI text is written from the catalogue,
and the kiosk's client looks an answer up with :meth:`Problem.of` and compares entries, never strings.

One code has two entries: ``unknown_kiosk`` is a 401 when an unregistered kiosk signs a batch and a
404 when a report asks for a kiosk the service does not know. An entry is therefore its (status, code)
pair, and the codes alone are :data:`CODES`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class Problem(Enum):
    """A refusal the service can answer: ``status``, ``code``, ``summary``, ``template`` and ``fields``.

    ``template`` is formatted with the values the raising site gives (``{detail}`` where the words come
    from the check that failed, e.g. the wire contract's :class:`~rating.wire.BadBatch`); the values
    named in ``fields`` also go into the JSON body, after ``error`` and ``reason``.
    """

    # Anywhere: how the request itself is framed.
    BAD_LENGTH = 400, "bad_length", "Content-Length is not a number of bytes", \
        "Content-Length must be a number of bytes"
    BAD_REQUEST = 400, "bad_request", "the request cannot be read", "the request cannot be read"
    NOT_FOUND = 404, "not_found", "no such endpoint", "no endpoint {path}; see /openapi.json"
    METHOD_NOT_ALLOWED = 405, "method_not_allowed", "the method is not allowed (see the Allow header)", \
        "{method} is not allowed on {path}"
    INTERNAL = 500, "internal", "a bug in the service (logged with its traceback)", "internal error; it has been logged"
    BAD_TEXT = 400, "bad_text", "text no database can store (a NUL, a control character, a lone surrogate)", \
        "{detail}"
    UNAVAILABLE = 503, "unavailable", \
        "the service's database is down, restarting or full: nothing was stored; send again (see Retry-After)", \
        "the service's database is unavailable ({detail}); nothing was stored: try again", ("database",)
    # /v1/batches: the body.
    LENGTH_REQUIRED = 411, "length_required", "Content-Length missing", "a Content-Length header is required"
    TOO_LARGE = 413, "too_large", "the body is over the limit: send fewer votes per batch", \
        "the body is {size} bytes; the limit is {limit}: send fewer votes per batch", ("limit",)
    TRUNCATED = 400, "truncated", "the body is shorter than its Content-Length", \
        "the body is shorter than its Content-Length"
    BAD_BATCH = 400, "bad_batch", "the batch breaks the wire contract (the reason names the field and the row)", \
        "{detail}"
    # /v1/batches: who signed it.
    UNSIGNED = 401, "unsigned", "the signature headers are missing", "missing {timestamp_header} or {signature_header} header"
    BAD_TIMESTAMP = 401, "bad_timestamp", "the timestamp header is not Unix seconds", "{timestamp_header} must be Unix seconds"
    BAD_SIGNATURE = 401, "bad_signature", "the signature does not match", \
        "the signature does not match (wrong secret, or the request was altered)"
    STALE_TIMESTAMP = 401, "stale_timestamp", \
        "the kiosk's clock is outside the window: correct it from the Date header (or server_time) and send again", \
        "the timestamp is {offset:+.0f} s from the server's clock (the window is ±{window_s} s); " \
        "correct the clock from the Date header", ("server_time",)
    UNKNOWN_KIOSK = 401, "unknown_kiosk", "the kiosk is not registered with this service", \
        "kiosk {kiosk!r} is not registered with this service"
    # /v1/batches: what it holds.
    CONFLICT = 409, "conflict", "a UUID or sequence number reused with other content (listed in conflicting)", \
        "{detail}", ("conflicting",)
    BUSY = 503, "busy", "another request stored some of the rows meanwhile: send again (see Retry-After)", \
        "another request stored some of these rows meanwhile; send the batch again"
    # /v1/enrol: a device fetching its id and secret with a one-time code (rating.enrolment).
    BAD_ENROLMENT = 400, "bad_enrolment", "the enrolment request breaks the contract (the reason names the field)", \
        "{detail}"
    ENROLMENT_CODE_UNKNOWN = 403, "enrolment_code_unknown", "no such enrolment code", \
        "no such enrolment code: check it is typed as shown on the registry page, or ask for a new one"
    ENROLMENT_CODE_USED = 410, "enrolment_code_used", "the enrolment code was used already: ask for a new one", \
        "this enrolment code was used already (at {used_at}); a code works once: ask the city's administrator " \
        "for a new one on the registry page"
    ENROLMENT_CODE_EXPIRED = 410, "enrolment_code_expired", "the enrolment code has expired: ask for a new one", \
        "this enrolment code expired at {expired_at} (a code is valid {hours} hours): ask the city's " \
        "administrator for a new one on the registry page"
    ENROLMENT_OTHER_KIOSK = 409, "enrolment_other_kiosk", \
        "the code is for another kiosk than the device's configuration names; the code was not used", \
        "this code enrols kiosk {kiosk_id!r} but this device is configured as {configured!r}; nothing was " \
        "changed and the code was not used (to replace this device's configuration, enrol with --force)", \
        ("kiosk_id",)
    ENROLMENT_THROTTLED = 429, "enrolment_throttled", \
        "too many wrong enrolment codes from this address: wait (see Retry-After)", \
        "too many wrong enrolment codes from this address: try again in {wait_s} s"
    # /v1/checkins: a kiosk's health every few minutes (rating.checkin); signed as a batch.
    BAD_CHECKIN = 400, "bad_checkin", "the check-in breaks the contract (the reason names the field)", "{detail}"
    # /v1/reports: who asks and what for.
    REPORTS_DISABLED = 403, "reports_disabled", "reports are off: the service was started without --report-token", \
        "reports are disabled: start the service with --report-token"
    BAD_TOKEN = 401, "bad_token", \
        "no valid report token (or, for the II.7 report, no login; for /v1/served, no valid served token)", "{detail}"
    FORBIDDEN = 403, "forbidden", "this account may not see that unit", "this account may not see that unit"
    BAD_QUERY = 400, "bad_query", "the query string is not understood (the reason says which parameter)", "{detail}"
    NO_SUCH_KIOSK = 404, "unknown_kiosk", "no such kiosk", "no kiosk {kiosk!r}"
    UNKNOWN_CENTRE = 404, "unknown_centre", "no kiosk is registered for that centre", \
        "no kiosk is registered for centre {centre!r}"
    UNKNOWN_UNIT = 404, "unknown_unit", "no such commune, centre or kiosk", "no commune, centre or kiosk {unit!r}"
    # /v1/kiosks/<id>/chain: a kiosk takes back what the service holds of its own chain (restore).
    NOT_YOUR_KIOSK = 403, "not_your_kiosk", "a kiosk may read only its own rows (the path names another kiosk)", \
        "kiosk {signer!r} may read only its own rows, not those of {kiosk!r}"
    # /v1/served: a commune's served transactions (issue 18).
    BAD_SERVED = 400, "bad_served", \
        "lines of the served CSV are refused (each in lines: its number and why); nothing was stored", \
        "{detail}", ("lines",)

    def __init__(self, status: int, code: str, summary: str, template: str, fields: tuple[str, ...] = ()):
        self.status, self.code, self.summary, self.template, self.fields = status, code, summary, template, fields

    def reason(self, **values: Any) -> str:
        """The reason people read, this entry's template filled with ``values``."""
        return self.template.format(**values)

    @classmethod
    def of(cls, status: int, code: object) -> "Problem | None":
        """The entry a service answered with (its status and its body's ``error``); None when unknown."""
        return _BY_ANSWER.get((status, code)) if isinstance(code, str) else None


_BY_ANSWER = {(p.status, p.code): p for p in Problem}
CODES: frozenset[str] = frozenset(p.code for p in Problem)


class Refused(Exception):
    """A request refused with a catalogue entry; ``values`` fill its template and its body's fields.

    ``headers`` are sent with the answer (``Allow`` with a 405, ``Retry-After`` with a 503).
    """

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None, **values: Any):
        if not isinstance(problem, Problem):   # a bare string would be a code outside the catalogue
            raise TypeError(f"a refusal is a catalogue entry (rating.problems.Problem), not {problem!r}")
        missing = [f for f in problem.fields if f not in values]
        if missing:
            raise TypeError(f"{problem.name} needs {', '.join(missing)} in its body")
        self.problem, self.values, self.headers = problem, values, headers or {}
        self.reason = problem.reason(**values)
        super().__init__(self.reason)

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        return self.problem.status

    @property
    def code(self) -> str:
        """The machine-readable code (the body's ``error``)."""
        return self.problem.code

    def body(self) -> dict[str, Any]:
        """The JSON body: ``error``, ``reason``, then the entry's fields in catalogue order."""
        return {"error": self.problem.code, "reason": self.reason, **{f: self.values[f] for f in self.problem.fields}}

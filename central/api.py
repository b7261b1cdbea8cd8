"""The kiosk API (``/v1/batches``) and the token-guarded reports, as Django views.

Handlers raise :class:`rating.problems.Refused` with an entry of the one error catalogue
(:class:`rating.problems.Problem`) for every refusal; one wrapper turns it into JSON with the entry's
machine code and a reason for people. Nothing a client sends may cause a 500: bodies are read by length with
a limit, decoded by :func:`rating.wire.decode_json` and checked by :func:`rating.wire.parse_batch`.
"""

from __future__ import annotations

import calendar
import hmac
import sys
import logging
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import wraps
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from rating.period import LOCAL_TZ
from rating.scales import SCALES
from rating import checkin, enrolment, signing, wire
from rating.problems import Problem, Refused
from central.openapi import openapi_spec

from central import ingest, own_rows, reports
from central.edge import RETRY_AFTER_S, database_fault_response, first_line, browser_navigation, person_page, refusal
from central.registry import authenticate
from central.responses import json_response, problem_response, stamp
from central.runtime import current

log = logging.getLogger("central.api")


def endpoint(*methods: str) -> Callable:
    """A JSON endpoint: checks the method (405 with Allow), turns :class:`Refused` into its answer."""
    def wrap(view):
        @csrf_exempt
        @wraps(view)
        def handler(request: HttpRequest, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise Refused(Problem.METHOD_NOT_ALLOWED, {"Allow": ", ".join(methods)},
                                  method=request.method, path=request.path)
                result = view(request, *args, **kwargs)
            except Refused as e:
                return refusal(request, e)
            return result if isinstance(result, HttpResponse) else json_response(result)
        return handler
    return wrap


@endpoint("GET")
def healthz(request):
    """Health, without authentication: ``{"ok": true, "database": "up"}``, or a 503 saying which part
    is down (``"database": "down"`` with the driver's first line) — a monitor or nginx can tell a
    stopped database from a stopped service."""
    try:
        with connections[current().alias].cursor() as cur:
            cur.execute("SELECT 1")
    except (OperationalError, InterfaceError) as e:
        raise Refused(Problem.UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_S)}, detail=first_line(e),
                      database="down") from None
    return {"ok": True, "database": "up"}


@endpoint("GET")
def openapi(request):
    """The OpenAPI description."""
    return openapi_spec()


# --- ingest -------------------------------------------------------------------------------------

def read_body(request: HttpRequest, limit: int) -> bytes:
    """The body, by its Content-Length (already checked to be digits by :class:`central.app.CentralApp`).

    An oversized body is read and dropped before the 413 is sent, so the client sees the answer
    rather than a broken pipe (a proxy in front keeps its own, lower, limit).
    """
    length = request.META.get("CONTENT_LENGTH") or ""
    if not length:
        raise Refused(Problem.LENGTH_REQUIRED)
    n = int(length)
    stream = request.META["wsgi.input"]
    if n > limit:
        left = min(n, 4 * limit)   # drain a bounded amount; beyond that the connection is closed
        while left > 0:
            chunk = stream.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)
        raise Refused(Problem.TOO_LARGE, size=n, limit=limit)
    body = stream.read(n) if n else b""
    if len(body) != n:
        raise Refused(Problem.TRUNCATED)
    return body


@contextmanager
def stored(kiosk_id: str, what: str) -> Iterator[None]:
    """The ingest's refusals as the API's answers: a row that does not fit is a 400, a clash a 409 naming
    the rows, a race with another request a 503 (sent again, the batch meets what that one stored)."""
    try:
        yield
    except wire.BadBatch as e:
        raise Refused(Problem.BAD_BATCH, detail=str(e)) from None
    except ingest.Busy:
        raise Refused(Problem.BUSY, {"Retry-After": "1"}) from None
    except ingest.Conflict as e:
        log.warning("kiosk %s: refused conflicting %s: %s", kiosk_id, what, e)
        raise Refused(Problem.CONFLICT, detail=str(e), conflicting=e.keys) from None


def signed_by(request: HttpRequest, body: bytes, now: float):
    """The registered kiosk that signed this request (:func:`central.registry.authenticate`), or the
    catalogue's 401."""
    path = request.META.get("PATH_INFO", "") + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else "")
    kiosk_id = request.META.get("HTTP_X_KIOSK_ID", "")
    try:
        return authenticate(kiosk_id, request.META.get("HTTP_X_KIOSK_TIMESTAMP"), request.META.get("HTTP_X_KIOSK_SIGNATURE"),
                            "POST", path, body, now, current().window_s)
    except signing.SignatureError as e:
        log.warning("refused request from kiosk %r: %s", kiosk_id[:64], e.code)
        raise


@endpoint("POST")
def batches(request):
    """Store a signed batch; answer with the receipt."""
    rt = current()
    body = read_body(request, rt.max_body)
    now = rt.clock()
    kiosk = signed_by(request, body, now)
    try:
        batch = wire.parse(body, kiosk.id)
    except wire.BadBatch as e:
        raise Refused(Problem.BAD_BATCH, detail=str(e)) from None
    votes, reasons, counters, status = batch.votes, batch.reasons, batch.counters, batch.status
    sent_ts = int(request.META["HTTP_X_KIOSK_TIMESTAMP"])
    with stored(kiosk.id, "votes"):
        r = ingest.ingest(rt.alias, kiosk.id, votes, reasons, counters, status,
                          datetime.fromtimestamp(now, timezone.utc), sent_ts)
    if not r.chain["ok"]:
        log.warning("kiosk %s: %d chain issue(s), first: %s", kiosk.id, r.chain["issues_total"],
                    r.chain["issues"][0]["detail"] if r.chain["issues"] else "")
    answer = wire.receipt(kiosk.id, r.accepted, r.duplicates, r.reasons, r.totals, r.chain)
    if batch.questionnaires is not None:   # protocol 1.2: the questionnaire rows, in their own transaction
        answer["questionnaires"] = questionnaires(kiosk, batch.questionnaires, now)
    return answer


@endpoint("POST")
def checkins(request):
    """A kiosk's check-in (rating.checkin): signed as a batch; its latest is kept; the answer says
    whether newer settings wait."""
    from central import checkins as store
    body = read_body(request, checkin.MAX_CHECKIN_BYTES)
    now = current().clock()
    kiosk = signed_by(request, body, now)
    try:
        c = checkin.parse_checkin(body, kiosk.id)
    except wire.BadBatch as e:
        raise Refused(Problem.BAD_CHECKIN, detail=str(e)) from None
    return store.record(current().alias, kiosk, c, datetime.fromtimestamp(now, timezone.utc))


@endpoint("POST")
def enrol(request):
    """A device redeems a one-time enrolment code for its kiosk's id and secret (rating.enrolment).
    Unsigned (the device has no secret yet); wrong codes are throttled per address and audited."""
    from django.utils import timezone as dj_tz
    from central import enrolment as codes
    from central.remote import client_address
    body = read_body(request, enrolment.MAX_REQUEST_BYTES)
    try:
        asked = enrolment.parse_request(body)
    except enrolment.BadEnrolment as e:
        raise Refused(Problem.BAD_ENROLMENT, detail=str(e)) from None
    done = codes.redeem(asked, client_address(request), datetime.fromtimestamp(current().clock(), timezone.utc),
                        dj_tz.now())
    log.info("kiosk %s enrolled", done.kiosk.id)
    # The secret goes to the device once (json_response marks it no-store), never to a log.
    from central.managed_settings import effective_for   # the managed settings, so the kiosk runs them at once
    eff = effective_for(done.kiosk)
    return enrolment.answer(done.kiosk.id, done.centre, done.secret, eff.fragment if eff else None,
                            eff.version if eff else None)


def questionnaires(kiosk, q: wire.QBatch, now: float) -> dict[str, Any]:
    """Store a batch's questionnaire rows (:func:`central.ingest.ingest_questionnaires`); the receipt's
    ``questionnaires``."""
    with stored(kiosk.id, "questionnaire rows"):
        r = ingest.ingest_questionnaires(current().alias, kiosk.id, kiosk.centre_id or "", q,
                                         datetime.fromtimestamp(now, timezone.utc))
    if not r.chain["ok"]:
        log.warning("kiosk %s: answer chain: %d issue(s), %d answer(s) missing", kiosk.id, r.chain["issues_total"],
                    r.chain["missing_answers"])
    return r.as_receipt()


@endpoint("GET")
def kiosk_chain(request, kiosk_id: str):
    """A kiosk's own rows, a page at a time (:mod:`central.own_rows`), for its signed request only:
    ``?part=votes|answers&after=<seq>&limit=<1-5000>``. Another kiosk's signature is a 403."""
    rt = current()
    now = rt.clock()
    path = request.META.get("PATH_INFO", "") + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else "")
    signer = request.META.get("HTTP_X_KIOSK_ID", "")
    try:
        kiosk = authenticate(signer, request.META.get("HTTP_X_KIOSK_TIMESTAMP"), request.META.get("HTTP_X_KIOSK_SIGNATURE"),
                             "GET", path, b"", now, rt.window_s)
    except signing.SignatureError as e:
        log.warning("refused request from kiosk %r: %s", signer[:64], e.code)
        raise
    if kiosk.id != kiosk_id:
        log.warning("kiosk %s asked for the rows of kiosk %r: refused", kiosk.id, kiosk_id[:64])
        raise Refused(Problem.NOT_YOUR_KIOSK, signer=kiosk.id, kiosk=kiosk_id[:64])
    q = query_params(request, {"part": wire.CHAIN_PARTS, "after": None, "limit": None})
    after, limit = q.get("after", "0"), q.get("limit", str(wire.MAX_CHAIN_PAGE))
    if not all(t.isascii() and t.isdigit() and len(t) <= 15 for t in (after, limit)) \
            or not 1 <= int(limit) <= wire.MAX_CHAIN_PAGE:
        raise Refused(Problem.BAD_QUERY, detail=f"after must be a seq (0 or more) and limit 1-{wire.MAX_CHAIN_PAGE}")
    return own_rows.page(rt.alias, kiosk.id, q.get("part", "votes"), int(after), int(limit))


# --- reports ------------------------------------------------------------------------------------

def authorise_report(request: HttpRequest) -> None:
    """The report token (``Authorization: Bearer …``) or a logged-in admin or city account."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(getattr(user, "central", None), "role", None) in ("admin", "city"):
        return
    token = current().report_token
    if not token:
        raise Refused(Problem.REPORTS_DISABLED)
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode("utf-8", "replace"), token.encode()):
        raise Refused(Problem.BAD_TOKEN, detail="a valid 'Authorization: Bearer <report token>' header is required")


def query_params(request: HttpRequest, allowed: dict[str, tuple[str, ...] | None]) -> dict[str, str]:
    """The query parameters, checked: known names only, each once, non-empty, enums within their values."""
    try:
        raw = parse_qs(request.META.get("QUERY_STRING", ""), keep_blank_values=True, errors="strict", max_num_fields=32)
    except (ValueError, UnicodeDecodeError):
        raise Refused(Problem.BAD_QUERY, detail="the query string cannot be parsed") from None
    q = {}
    for name, values in raw.items():
        if name not in allowed:
            shown = name.encode("utf-8", "backslashreplace").decode()[:40]
            raise Refused(Problem.BAD_QUERY, detail=f"unknown parameter {shown!r} (known: {', '.join(allowed)})")
        if len(values) != 1 or not values[0] or not wire._text_ok(values[0]):
            raise Refused(Problem.BAD_QUERY, detail=f"{name} must be given once, not empty")
        choices = allowed[name]
        if choices is not None and values[0] not in choices:
            raise Refused(Problem.BAD_QUERY, detail=f"{name} must be one of {', '.join(choices)}")
        q[name] = values[0]
    return q


def period(q: dict[str, str], today: date) -> tuple[str, date, date, str]:
    """The period asked for — ``day``, ``month`` or ``quarter`` (first given; today when none) — as
    (kind, first day, last day, label)."""
    try:
        if "day" in q:
            d = date.fromisoformat(q["day"])
            return "day", d, d, d.isoformat()
        if "month" in q:
            y, m = (int(x) for x in q["month"].split("-"))
            return "month", date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), f"{y:04d}-{m:02d}"
        if "quarter" in q:
            y, qn = (int(x) for x in q["quarter"].split("-Q"))
            if not 1 <= qn <= 4:
                raise ValueError
            last = qn * 3
            return "quarter", date(y, last - 2, 1), date(y, last, calendar.monthrange(y, last)[1]), f"{y:04d}-Q{qn}"
    except (ValueError, TypeError):
        raise Refused(Problem.BAD_QUERY,
                      detail="give day=YYYY-MM-DD, month=YYYY-MM or quarter=YYYY-Qn (Q1-Q4)") from None
    return "day", today, today, today.isoformat()


@endpoint("GET")
def report_totals(request):
    """Totals per counter (or officer) for a day, month or quarter, for one kiosk, one centre or all."""
    authorise_report(request)
    q = query_params(request, {"day": None, "month": None, "quarter": None, "kiosk": None, "centre": None,
                               "counter": None, "officer": None, "by": ("counter", "officer"),
                               "scale": tuple(SCALES), "format": ("json", "csv")})
    kind, d_from, d_to, label = period(q, datetime.fromtimestamp(current().clock(), LOCAL_TZ).date())
    result = reports.totals(current().alias, q, d_from, d_to, label)
    result["period"] = kind
    if q.get("format", "json") == "csv":
        return stamp(reports.totals_csv(result, SCALES[q.get("scale", "sipas5")], q.get("by", "counter"), label))
    return result


@endpoint("GET")
def report_chain(request):
    """Each kiosk's chain: how far it reaches and its gaps, breaks and edits; refused conflicts."""
    authorise_report(request)
    q = query_params(request, {"kiosk": None})
    return reports.chains(current().alias, q.get("kiosk"))


@endpoint("GET")
def report_overview(request):
    """Every unit of the overview for ``from``..``to`` with its N, rate, 95 % interval, verdict and rank: the
    report token sees every unit, a logged-in account the units it may see (:mod:`central.access`)."""
    from central.access import role, visible_unit_ids
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and role(user) is not None:
        units = visible_unit_ids(user)
    else:
        token = current().report_token
        given = request.META.get("HTTP_AUTHORIZATION", "")
        if not (token and given.startswith("Bearer ")
                and hmac.compare_digest(given[7:].encode("utf-8", "replace"), token.encode())):
            raise Refused(Problem.BAD_TOKEN, detail="log in, or give 'Authorization: Bearer <report token>'")
        units = None
    q = query_params(request, {"from": None, "to": None})
    d_from, d_to = dates(q)
    return reports.overview(current().alias, d_from, d_to, units, current().min_n)


def dates(q: dict[str, str]) -> tuple[date, date]:
    """``from`` and ``to`` (YYYY-MM-DD, both given, forwards, at most 800 days apart), or a 400 saying which."""
    if "from" not in q or "to" not in q:
        raise Refused(Problem.BAD_QUERY, detail="give from=YYYY-MM-DD and to=YYYY-MM-DD")
    try:
        d_from, d_to = date.fromisoformat(q["from"]), date.fromisoformat(q["to"])
    except ValueError:
        raise Refused(Problem.BAD_QUERY, detail="from and to must be dates, YYYY-MM-DD") from None
    if d_to < d_from or (d_to - d_from).days > 800:
        raise Refused(Problem.BAD_QUERY, detail="the period must run forwards and span at most 800 days")
    if d_from < EARLIEST:   # the overview reads the period before too: year 1 has none (was a 500)
        raise Refused(Problem.BAD_QUERY, detail=f"from must be {EARLIEST.isoformat()} or later")
    return d_from, d_to


EARLIEST = date(2000, 1, 1)   # no kiosk rated anything before


@endpoint("POST")
def served(request):
    """``POST /v1/served``: a commune's one-stop system posts its served transactions, a CSV body
    ``date,kiosk,counter,served`` (header line first), with the commune's served token. All or nothing: a
    file with a refused line stores nothing and every refused line is listed with its number and why; a
    number for a day, kiosk and counter already held replaces it (posting the same file again is harmless)."""
    from rating import served as served_csv
    from central import served as served_counts
    from central.source import Source
    rt = current()
    body = read_body(request, rt.max_body)   # read first: a refusal is then an answer, not a broken pipe
    now = datetime.fromtimestamp(rt.clock(), timezone.utc)
    given = request.META.get("HTTP_AUTHORIZATION", "")
    found = served_counts.token_unit(given[7:], now) if given.startswith("Bearer ") else None
    if found is None:
        raise Refused(Problem.BAD_TOKEN, detail="a valid 'Authorization: Bearer <served token>' header is required "
                                                "(a commune's token, made on its served page or by central-served-token)")
    token, unit = found
    rows, problems = served_csv.parse(body, now.astimezone(LOCAL_TZ).date())
    problems += served_counts.out_of_scope(rows, served_counts.scope_of(Source(rt.alias), unit), unit)
    if problems:
        problems.sort(key=lambda p: p.line)
        first = problems[0]
        raise Refused(Problem.BAD_SERVED, lines=[p.as_dict() for p in problems[:SERVED_LINES_LISTED]],
                      detail=f"{len(problems)} line(s) refused, nothing was stored; line {first.line}: {first.reason}")
    try:
        done = served_counts.store(rt.alias, rows, "api", f"token:{token.id}", now)
    except served_counts.Busy:
        raise Refused(Problem.BUSY, {"Retry-After": "1"}) from None
    log.info("served: %s stored %d number(s), replaced %d", unit.id, done.stored, done.replaced)
    return {"unit": unit.id, "lines": len(rows), "stored": done.stored, "replaced": done.replaced}


SERVED_LINES_LISTED = 100   # a refusal lists at most this many lines (its reason says how many in all)


II7_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "pdf": "application/pdf", "json": "application/json; charset=utf-8"}


@endpoint("GET")
def report_ii7(request):
    """The II.7 workbook (xlsx), PDF or model (json) for a commune, a centre or a kiosk and a period,
    built by the kiosk's own report model over the service's database."""
    from central import ii7
    # Who asks comes first: a stranger learns nothing, not even whether a unit exists.
    user = getattr(request, "user", None)
    logged_in = user is not None and user.is_authenticated
    token = current().report_token
    given = request.META.get("HTTP_AUTHORIZATION", "")
    by_token = bool(token) and given.startswith("Bearer ") and \
        hmac.compare_digest(given[7:].encode("utf-8", "replace"), token.encode())
    if not by_token and not logged_in:
        raise Refused(Problem.BAD_TOKEN, detail="log in, or give 'Authorization: Bearer <report token>'")
    q = query_params(request, {"unit": None, "from": None, "to": None, "format": tuple(II7_TYPES)})
    for name in ("unit", "from", "to"):
        if name not in q:
            raise Refused(Problem.BAD_QUERY,
                          detail="give unit=ID (a commune, a centre or a kiosk), from=YYYY-MM-DD and to=YYYY-MM-DD")
    try:
        d_from, d_to = date.fromisoformat(q["from"]), date.fromisoformat(q["to"])
    except ValueError:
        raise Refused(Problem.BAD_QUERY, detail="from and to must be dates, YYYY-MM-DD") from None
    if d_to < d_from or (d_to - d_from).days > 800:
        raise Refused(Problem.BAD_QUERY, detail="the period must run forwards and span at most 800 days")
    target = ii7.resolve(q["unit"])
    if target is None:
        raise Refused(Problem.UNKNOWN_UNIT, unit=q["unit"][:64])
    if not by_token and not ii7.allowed(user, target):
        raise Refused(Problem.FORBIDDEN)
    fmt = q.get("format", "xlsx")
    body = ii7.render_for(current().alias, target, d_from, d_to, fmt, public_base(request))
    from central.views import audit
    if logged_in:
        audit(request, "export_ii7", f"{q['unit']} {d_from}..{d_to} {fmt}")
    response = HttpResponse(body, content_type=II7_TYPES[fmt])
    if fmt != "json":
        response["Content-Disposition"] = f'attachment; filename="II7-{q["unit"]}-{d_from}-{d_to}.{fmt}"'
    return stamp(response)


def public_base(request: HttpRequest) -> str:
    """The address the public reaches the service at: ``CENTRAL_PUBLIC_URL`` when set, else the one this
    request came to (the verification code's link, printed on every issued II.7 table)."""
    from django.conf import settings
    return getattr(settings, "CENTRAL_PUBLIC_URL", "") or request.build_absolute_uri("/").rstrip("/")


# --- Django's error handlers: JSON for API clients, never a traceback ------------------------------

def not_found(request, exception=None):
    """404: a page for a person's browser, the catalogue's JSON for everyone else (an address that
    leads nowhere is neither the API's nor a page's)."""
    refused = Refused(Problem.NOT_FOUND, path=request.path[:100])
    return person_page(request, 404) if browser_navigation(request) else problem_response(refused)


def forbidden(request, exception=None):
    """403 (a page's PermissionDenied): JSON for the API and scripts, a page for a person."""
    return refusal(request, Refused(Problem.FORBIDDEN))


def bad_request(request, exception=None):
    """400: JSON for the API and scripts, a page for a person."""
    return refusal(request, Refused(Problem.BAD_REQUEST))


def server_error(request):
    """500 as JSON (a bug: logged with its traceback by Django, answered without one) — unless the
    error is the database's state (unreachable, restarting, its disk full), met outside a view (the
    session or the account being read): that is a 503, as :class:`central.edge.Edge` answers it in a view."""
    response = database_fault_response(request, sys.exc_info()[1])
    if response is not None:
        return response
    return problem_response(Refused(Problem.INTERNAL))


def db_cursor():
    """A cursor on the current runtime's database."""
    return connections[current().alias].cursor()

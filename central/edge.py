"""The service's edge: what every request passes on its way in and every answer on its way out,
whichever view serves it.

- Text a client sends that no database can store (a NUL character, a lone surrogate, other control
  characters) in the path, a query parameter or a form field is refused here with a 400 naming
  where it was — once, for every view, so no view can forget it (PostgreSQL answered a NUL in an
  id with an error that became a 500).
- A fault of the server's own — its database unreachable, restarting, or its disk full — is a 503
  with ``Retry-After`` (the kiosk's client retries those), never a 500: nothing was stored, nothing is
  lost. Text a client sent that the database still refuses (``DataError``) is the client's 400.
- Every answer carries the headers a security scan expects: a Content-Security-Policy that allows
  only the service's own scripts, styles and images (the pages have no inline script or style), no
  framing, no referrer to other sites, no powerful browser features.
"""

from __future__ import annotations

import logging
import sqlite3
import unicodedata

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse

from central.responses import problem_response
from rating.throttled_log import ThrottledLog
from rating.problems import Problem, Refused

log = logging.getLogger("central.edge")

RETRY_AFTER_S = 30
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()"
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The public embed pages (issue 18) may be framed by any site — the commune's web portal — and by those
# pages only: the same policy with any frame ancestor, and no X-Frame-Options (it has no "any site").
EMBEDDABLE_HEADERS = {**{k: v for k, v in SECURITY_HEADERS.items() if k != "X-Frame-Options"},
                      "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'",
                                                                                 "frame-ancestors *")}
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}   # a comment typed on paper may span lines
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_FAULT_LOG_EVERY_S = 10.0


def unstorable(text: str) -> str | None:
    """What makes ``text`` impossible to store, or None: a NUL, another control character, or a lone
    surrogate (not UTF-8)."""
    for ch in text:
        if ch in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            return f"control character U+{ord(ch):04X}"
        if category == "Cs":
            return f"lone surrogate U+{ord(ch):04X}"
    return None


def _where_unstorable(request) -> str | None:
    """Where the request holds unstorable text, in words ("the path", "query parameter 'unit'"), or None."""
    problem = unstorable(request.path)
    if problem:
        return f"the path holds a {problem}"
    parts = [("query parameter", request.GET)]
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        parts.append(("form field", request.POST))
    for noun, params in parts:
        for key, values in params.lists():
            problem = unstorable(key)
            if problem:
                return f"a {noun} name holds a {problem}"
            for value in values:
                problem = unstorable(value)
                if problem:
                    return f"{noun} {key[:40]!r} holds a {problem}"
    return None


def _is_api(request) -> bool:
    return request.path.startswith(("/v1/", "/healthz", "/openapi.json"))


def browser_navigation(request) -> bool:
    """A person's browser opening an address (a link, the address bar): it asks for HTML first. Scripts
    and the kiosks ask for JSON or anything (``*/*``)."""
    accept = request.headers.get("Accept", "")
    return request.method in ("GET", "HEAD") and accept.split(",")[0].strip().lower() == "text/html"


PAGE_STATUSES = (400, 403, 404, 405, 503)   # a refusal page has words for these (central.texts: problem_<status>)


def person_page(request, status: int, detail: str = "", headers: dict | None = None) -> HttpResponse:
    """A refusal as a page a person reads (``problem.html``): in the chosen language first (the ``lang``
    cookie), the other after it, what to do, and the way home. Rendered without the request, so no
    context processor reads the session — the database may be what is down."""
    from django.template.loader import render_to_string

    from central.texts import t
    lang = "en" if request.COOKIES.get("lang") == "en" else "vi"
    other = "vi" if lang == "en" else "en"
    known = status in PAGE_STATUSES

    def words(language: str) -> dict:
        return {"title": t(f"problem_{status}", language) if known else str(status),
                "text": t(f"problem_{status}_text", language) if known else "",
                "home": t("home", language)}
    body = render_to_string("central/problem.html", {"status": status, "lang": lang, "other": other,
                                                       "app": t("app", lang), "detail": detail,
                                                       "mine": words(lang), "theirs": words(other)})
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def refusal(request, refused: Refused) -> HttpResponse:
    """A refusal in the form the client reads: the catalogue's JSON for the API and scripts, a page
    (the chosen language first) for a person — also when a person's browser follows a link into the
    API (a commune's II.7 download of another commune)."""
    if _is_api(request) and not browser_navigation(request):
        return problem_response(refused)
    detail = refused.reason if refused.status in (400, 405) else ""
    return person_page(request, refused.status, detail, refused.headers)


def embeddable(view):
    """Mark a view's answers as framable by other sites (:data:`EMBEDDABLE_HEADERS`); every other answer
    keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.embeddable = True
        response.xframe_options_exempt = True   # Django's clickjacking middleware leaves it alone too
        return response
    return wrapped


class Edge:
    """Django middleware: refuse unstorable input, turn the server's own faults into 503, add the
    security headers. Listed first in ``MIDDLEWARE`` so that it sees every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _where_unstorable(request)
        if where is not None:
            response = refusal(request, Refused(Problem.BAD_TEXT, detail=f"{where}: text that cannot be stored"))
        else:
            response = self.get_response(request)
        headers = EMBEDDABLE_HEADERS if getattr(response, "embeddable", False) else SECURITY_HEADERS
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    def process_exception(self, request, exception):
        """A database fault in a view becomes a 503 (the server's) or a 400 (text the client sent)."""
        return database_fault_response(request, exception)


# One line per period, with the count held back: a database down for a minute under 100 kiosks must
# not write thousands of lines.
_fault_log = ThrottledLog(log.error, _FAULT_LOG_EVERY_S)


# SQLite's primary result codes that mean the database's state, not the query: busy, locked, out of
# memory, read-only, an I/O error, full, cannot open, a locking protocol error. SQLite calls a missing
# table an OperationalError too (SQLITE_ERROR): that is a bug, a 500.
_SQLITE_OUTAGES = {5, 6, 7, 8, 10, 13, 14, 15}


def is_outage(exception: BaseException | None) -> bool:
    """True when a database error is the server's own state (down, restarting, full, locked): a 503.

    Django's OperationalError is the driver's word for it — PostgreSQL unreachable or restarting, a
    lost connection, SQLSTATE classes 53, 57 and 58 (a full disk among them) — and InterfaceError a
    connection already closed. From SQLite, only the result codes above."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_OUTAGES
    return True


def first_line(exception: BaseException) -> str:
    """The driver's first line about a fault (they run to several), bounded."""
    return (str(exception).strip().splitlines() or [type(exception).__name__])[0][:200]


def database_fault_response(request, exception: BaseException | None) -> HttpResponse | None:
    """The answer to a database error, or None when ``exception`` is not one this edge answers.

    The server's own state (:func:`is_outage`) is a 503 with Retry-After; a DataError is a value the
    client sent that the database refuses: a 400."""
    if isinstance(exception, DataError):
        return refusal(request, Refused(Problem.BAD_TEXT, detail="the request holds a value the database cannot store"))
    if is_outage(exception):
        _fault_log("database unavailable, answering 503: %s %s: %s", request.method, request.path[:100],
                   first_line(exception))
        return refusal(request, Refused(Problem.UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_S)},
                                        detail=first_line(exception), database="down"))
    return None


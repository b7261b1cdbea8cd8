"""The reference central scoring service: a WSGI application.

Runs under the standard library's server for tests and pilots (``python main.py serve``) and under
waitress in production (``waitress-serve --call sync.server:app_from_env``). Every answer is JSON
(or CSV for reports); every refusal says why; nothing a client sends can cause a 500.
"""

from __future__ import annotations

import calendar
import csv
import hmac
import io
import json
import logging
import os
import time
from datetime import date, datetime, timezone
from email.utils import formatdate
from pathlib import Path
from typing import Any, Callable, Iterable
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

from kiosk import totals
from kiosk.config import Counter
from kiosk.export import table_csv_rows
from kiosk.scales import SCALES

from . import signing
from .central_store import CentralStore, Conflict
from .openapi import openapi_spec
from .registry import KioskEntry, load_registry
from .wire import BadBatch, parse_batch

log = logging.getLogger("kiosk.central")

MAX_BODY = 8 * 1024 * 1024
REPORT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # "today" for a report without a period  # a full batch of 5,000 votes is about 2 MB


class HTTPError(Exception):
    """An answer other than 200, with a machine-readable code and a reason for people."""

    def __init__(self, status: int, code: str, reason: str, extra: dict | None = None, headers: list | None = None):
        self.status, self.code, self.reason, self.extra = status, code, reason, extra or {}
        self.headers = headers or []
        super().__init__(reason)


_STATUS = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 403: "403 Forbidden",
           404: "404 Not Found", 405: "405 Method Not Allowed", 409: "409 Conflict", 411: "411 Length Required",
           413: "413 Payload Too Large", 500: "500 Internal Server Error", 503: "503 Service Unavailable"}


class CentralService:
    """The WSGI application. ``registry`` maps kiosk id to its entry; ``report_token`` guards reports."""

    def __init__(self, store: CentralStore, registry: dict[str, KioskEntry], report_token: str | None = None,
                 window_s: int = signing.DEFAULT_WINDOW_S, max_body: int = MAX_BODY,
                 clock: Callable[[], float] = time.time):
        self.store, self.registry, self.report_token = store, registry, report_token
        self.window_s, self.max_body, self.clock = window_s, max_body, clock

    # --- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        try:
            status, headers, body = self.route(environ)
        except HTTPError as e:
            status, headers, body = e.status, list(e.headers), {"error": e.code, "reason": e.reason, **e.extra}
        except Exception:  # a bug: logged with its traceback, answered without one
            log.exception("unhandled error for %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            status, headers, body = 500, [], {"error": "internal", "reason": "internal error; it has been logged"}
        if isinstance(body, (dict, list)):
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers = [("Content-Type", "application/json; charset=utf-8"), *headers]
        else:
            payload = body
        headers += [("Content-Length", str(len(payload))), ("Date", formatdate(self.clock(), usegmt=True)),
                    ("Cache-Control", "no-store")]
        start_response(_STATUS.get(status, f"{status} Error"), headers)
        return [payload]

    def route(self, environ: dict) -> tuple[int, list, Any]:
        """Dispatch on method and path."""
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        routes = {
            ("GET", "/healthz"): lambda: (200, [], {"ok": True}),
            ("GET", "/openapi.json"): lambda: (200, [], openapi_spec()),
            ("POST", "/v1/batches"): lambda: self.post_batch(environ),
            ("GET", "/v1/reports/totals"): lambda: self.report_totals(environ),
            ("GET", "/v1/reports/chain"): lambda: self.report_chain(environ),
        }
        handler = routes.get((method, path))
        if handler is None:
            allowed = [m for m, p in routes if p == path]
            if allowed:
                raise HTTPError(405, "method_not_allowed", f"{method} is not allowed on {path}",
                                headers=[("Allow", ", ".join(allowed))])
            raise HTTPError(404, "not_found", f"no endpoint {path}; see /openapi.json")
        return handler()

    # --- ingest -------------------------------------------------------------------------------

    def _body(self, environ: dict) -> bytes:
        length = environ.get("CONTENT_LENGTH") or ""
        if not length.isdigit():
            raise HTTPError(411, "length_required", "a Content-Length header is required")
        if int(length) > self.max_body:
            raise HTTPError(413, "too_large", f"the body is {int(length)} bytes; the limit is {self.max_body}")
        body = environ["wsgi.input"].read(int(length))
        if len(body) != int(length):
            raise HTTPError(400, "truncated", "the body is shorter than its Content-Length")
        return body

    def _authenticate(self, environ: dict, body: bytes) -> KioskEntry:
        kiosk_id = environ.get("HTTP_X_KIOSK_ID", "")
        entry = self.registry.get(kiosk_id)
        if entry is None:
            raise HTTPError(401, "unknown_kiosk", f"kiosk {kiosk_id[:64]!r} is not registered with this service")
        path = environ.get("PATH_INFO", "") + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        now = self.clock()
        try:
            signing.verify(entry.secret.reveal(), environ.get("HTTP_X_KIOSK_TIMESTAMP"),
                                environ.get("HTTP_X_KIOSK_SIGNATURE"), environ["REQUEST_METHOD"], path, body,
                                now, self.window_s)
        except signing.SignatureError as e:
            extra = {"server_time": int(now)} if e.code == "stale_timestamp" else {}
            log.warning("refused request from kiosk %s: %s", kiosk_id, e.code)
            raise HTTPError(401, e.code, str(e), extra) from None
        # A request replayed within the window is harmless: ingest is idempotent by vote UUID.
        return entry

    def post_batch(self, environ: dict) -> tuple[int, list, dict]:
        """Store a signed batch; answer with the receipt."""
        body = self._body(environ)
        entry = self._authenticate(environ, body)
        try:
            votes, reasons, counters = parse_batch(body, entry.id)
        except BadBatch as e:
            raise HTTPError(400, "bad_batch", str(e)) from None
        try:
            receipt = self.store.ingest(entry.id, votes, reasons, counters, datetime.fromtimestamp(self.clock(), timezone.utc))
        except Conflict as e:
            log.warning("kiosk %s: refused conflicting votes: %s", entry.id, e)
            raise HTTPError(409, "conflict", str(e), {"conflicting": e.uuids}) from None
        if receipt.chain.get("issues"):
            log.warning("kiosk %s: chain issues: %s", entry.id, receipt.chain["issues"][:3])
        return 200, [], {"kiosk_id": entry.id, "accepted": receipt.accepted, "duplicates": receipt.duplicates,
                         "reasons": receipt.reasons, "totals": receipt.totals, "chain": receipt.chain}

    # --- reports ------------------------------------------------------------------------------

    def _authorise_report(self, environ: dict) -> None:
        if not self.report_token:
            raise HTTPError(403, "reports_disabled", "reports are disabled: start the service with --report-token")
        given = environ.get("HTTP_AUTHORIZATION", "")
        if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), self.report_token.encode()):
            raise HTTPError(401, "bad_token", "a valid 'Authorization: Bearer <report token>' header is required")

    def report_totals(self, environ: dict) -> tuple[int, list, Any]:
        """Totals per counter (or officer) for a day, month or quarter, for one kiosk, one centre or all."""
        self._authorise_report(environ)
        q = _query(environ, {"day": None, "month": None, "quarter": None, "kiosk": None, "centre": None,
                             "counter": None, "officer": None, "by": ("counter", "officer"), "scale": tuple(SCALES),
                             "format": ("json", "csv")})
        period, d_from, d_to, label = _period(q, datetime.fromtimestamp(self.clock(), REPORT_TZ).date())
        scale = SCALES[q.get("scale", "sipas5")]
        by = q.get("by", "counter")
        filters: dict[str, Any] = {}
        counters: list[Counter] = []
        if "kiosk" in q:
            if q["kiosk"] not in self.registry:
                raise HTTPError(404, "unknown_kiosk", f"no kiosk {q['kiosk']!r}")
            filters["kiosk_id"] = q["kiosk"]
            names = self.store.counter_names()
            counters = [Counter(c, n) for (k, c), n in sorted(names.items()) if k == q["kiosk"]]
        elif "centre" in q:
            ids = tuple(sorted(k.id for k in self.registry.values() if k.centre == q["centre"]))
            if not ids:
                raise HTTPError(404, "unknown_centre", f"no kiosk is registered for centre {q['centre']!r}")
            filters["kiosk_id"] = ids
        for name, column in (("counter", "counter_id"), ("officer", "officer")):
            if name in q:
                filters[column] = q[name]
        result = totals.period_totals(self.store, counters, scale, d_from, d_to, label, filters, by)
        result["period"] = period
        # The evidence is only as good as its chain: say beside the numbers whether it holds.
        covered = [q["kiosk"]] if "kiosk" in q else list(filters.get("kiosk_id", ())) or sorted(self.registry)
        chains = [self.store.chain_report(k) for k in covered]
        result["chain"] = {"ok": all(c["ok"] for c in chains),
                           "issues": [{"kiosk_id": c["kiosk_id"], **i} for c in chains for i in c["issues"]][:100]}
        if "kiosk" in q:
            result["kiosk"] = q["kiosk"]
        if "centre" in q:
            result["centre"] = q["centre"]
        if q.get("format", "json") == "csv":
            rows = table_csv_rows(result, scale, by)
            buf = io.StringIO(newline="")
            csv.writer(buf).writerows(rows)
            return 200, [("Content-Type", "text/csv; charset=utf-8"),
                         ("Content-Disposition", f'attachment; filename="totals-{label}.csv"')], \
                buf.getvalue().encode("utf-8-sig")
        return 200, [], result

    def report_chain(self, environ: dict) -> tuple[int, list, Any]:
        """Each kiosk's chain: how far it reaches and every gap, break or edit found."""
        self._authorise_report(environ)
        q = _query(environ, {"kiosk": None})
        ids = [q["kiosk"]] if "kiosk" in q else sorted(self.registry)
        if "kiosk" in q and q["kiosk"] not in self.registry:
            raise HTTPError(404, "unknown_kiosk", f"no kiosk {q['kiosk']!r}")
        return 200, [], {"kiosks": [self.store.chain_report(k) for k in ids],
                         "conflicts": self.store.conflicts(q.get("kiosk"))}


def _query(environ: dict, allowed: dict[str, tuple[str, ...] | None]) -> dict[str, str]:
    """The query parameters, checked: known names only, each once, non-empty, enums within their values."""
    try:
        raw = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True, strict_parsing=False,
                       errors="strict", max_num_fields=32)
    except (ValueError, UnicodeDecodeError):
        raise HTTPError(400, "bad_query", "the query string cannot be parsed") from None
    q = {}
    for name, values in raw.items():
        if name not in allowed:
            raise HTTPError(400, "bad_query", f"unknown parameter {name[:40]!r} (known: {', '.join(allowed)})")
        if len(values) != 1 or not values[0]:
            raise HTTPError(400, "bad_query", f"{name} must be given once, not empty")
        choices = allowed[name]
        if choices is not None and values[0] not in choices:
            raise HTTPError(400, "bad_query", f"{name} must be one of {', '.join(choices)}")
        q[name] = values[0]
    return q


def _period(q: dict[str, str], today: date) -> tuple[str, date, date, str]:
    """The period asked for — ``day=YYYY-MM-DD``, ``month=YYYY-MM`` or ``quarter=YYYY-Qn`` (the first
    given, in that order; today when none) — as (kind, first day, last day, label)."""
    try:
        if "day" in q:
            d = date.fromisoformat(q["day"])
            return "day", d, d, d.isoformat()
        if "month" in q:
            y, m = (int(x) for x in q["month"].split("-"))
            return "month", date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), f"{y:04d}-{m:02d}"
        if "quarter" in q:
            y, qn = q["quarter"].split("-Q")
            y, qn = int(y), int(qn)
            if not 1 <= qn <= 4:
                raise ValueError
            last_month = qn * 3
            return ("quarter", date(y, last_month - 2, 1), date(y, last_month, calendar.monthrange(y, last_month)[1]),
                    f"{y:04d}-Q{qn}")
    except (ValueError, TypeError):
        raise HTTPError(400, "bad_query", "give day=YYYY-MM-DD, month=YYYY-MM or quarter=YYYY-Qn (Q1-Q4)") from None
    return "day", today, today, today.isoformat()


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _RequestLog(WSGIRequestHandler):
    def log_message(self, fmt, *args):  # one log line per request, without the client's headers
        logging.getLogger("kiosk.central.http").info("%s %s", self.address_string(), fmt % args)


def stdlib_server(app: CentralService, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """The standard library's WSGI server, one thread per request, for tests and pilots (``port=0``: any free port)."""
    return make_server(host, port, app, server_class=_ThreadingServer, handler_class=_RequestLog)


def make_app(db: str | Path, kiosks: str | Path, report_token: str | None = None) -> CentralService:
    """Build the application from a database path and a registry file."""
    return CentralService(CentralStore(db), load_registry(kiosks), report_token)


def app_from_env() -> CentralService:
    """For waitress: ``CENTRAL_DB``, ``CENTRAL_KIOSKS`` and ``CENTRAL_REPORT_TOKEN`` configure it."""
    return make_app(os.environ["CENTRAL_DB"], os.environ["CENTRAL_KIOSKS"], os.environ.get("CENTRAL_REPORT_TOKEN"))

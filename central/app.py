"""The WSGI application: Django, behind a guard that answers malformed framing itself, and set up
from a database path or URL (migrations applied, the registry file imported).

The set-up runs once across every process that starts together (gunicorn's workers): under a
PostgreSQL advisory lock, or a file lock beside a SQLite file — four workers importing the registry
at once raced to an IntegrityError that stopped the master. A service whose database is down when
it starts still starts: it answers 503 with ``Retry-After`` and tries the set-up again on the next
request, until the database is back.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from contextlib import contextmanager
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Callable

from rating.problems import Problem, Refused
from central.runtime import Runtime, activate, deactivate

log = logging.getLogger("central.app")
SETUP_LOCK_KEY = 7_315_001   # the advisory lock the set-up holds on PostgreSQL (any constant of this service)

_setup_done = False


def setup_django(db: str | None = None) -> None:
    """Configure and start Django once per process (``db`` becomes ``CENTRAL_DB`` unless set before)."""
    global _setup_done
    if _setup_done:
        return
    if db is not None:
        os.environ["CENTRAL_DB"] = str(db)
        os.environ.pop("DATABASE_URL", None)   # an explicit --db wins over the environment
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "central.settings")
    import django
    django.setup()
    _setup_done = True


def migrate(alias: str = "default") -> None:
    """Apply every migration to the database ``alias`` (idempotent)."""
    from django.core.management import call_command
    call_command("migrate", database=alias, interactive=False, verbosity=0)


@contextmanager
def setup_lock(alias: str):
    """Hold the set-up lock of database ``alias``: one process at a time migrates and imports."""
    from django.db import connections
    conn = connections[alias]
    if conn.vendor == "postgresql":
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [SETUP_LOCK_KEY])
        try:
            yield
        finally:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [SETUP_LOCK_KEY])
        return
    name = str(conn.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        yield
        return
    with open(name + ".setup-lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _database_down(e: Exception) -> bool:
    from central.edge import is_outage
    return is_outage(e)


class CentralApp:
    """The service for one database. ``runtime`` carries its alias, report token, clock and limits;
    ``pending_setup``, when given, is the set-up that could not run at start (the database was down)."""

    def __init__(self, runtime: Runtime, pending_setup: Callable[[], None] | None = None):
        from django.core.handlers.wsgi import WSGIHandler
        self.runtime = runtime
        self.django = WSGIHandler()
        from central.source import Source
        self.store = Source(runtime.alias)   # read access with the kiosk store's ``query()``
        self._pending_setup = pending_setup
        self._setup_guard = threading.Lock()

    @property
    def ready(self) -> bool:
        """True once the database was reached and set up."""
        return self._pending_setup is None

    def _try_setup(self) -> bool:
        with self._setup_guard:
            if self._pending_setup is None:
                return True
            token = activate(self.runtime)
            try:
                self._pending_setup()
            except Exception as e:  # noqa: BLE001 — only a database that is down is waited for
                if not _database_down(e):
                    raise
                return False
            finally:
                deactivate(token)
                from django.db import connections
                connections[self.runtime.alias].close()
            log.info("database reached: set-up done, serving")
            self._pending_setup = None
            return True

    @property
    def report_token(self) -> str | None:
        """The bearer token for /v1/reports (None: reports off)."""
        return self.runtime.report_token

    @report_token.setter
    def report_token(self, value: str | None) -> None:
        self.runtime.report_token = value

    def __call__(self, environ: dict, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        # Django parses Content-Length with int() in places: "²" (a byte 0xb2) or 5,000 digits would
        # be a 500 there. Anything but a few ASCII digits is answered here.
        if length and not (length.isascii() and length.isdigit() and len(length) <= 15):
            return self._refuse(start_response, Refused(Problem.BAD_LENGTH))
        if self._pending_setup is not None and not self._try_setup():
            from central.edge import RETRY_AFTER_S
            return self._refuse(start_response, Refused(Problem.UNAVAILABLE, {"Retry-After": str(RETRY_AFTER_S)},
                                                        detail="not reachable since the start", database="down"))
        token = activate(self.runtime)
        try:
            return self.django(environ, start_response)
        finally:
            deactivate(token)

    def _refuse(self, start_response, refusal: Refused):
        # Before Django: the catalogue's body, written here (Django's JSON answer is not reachable yet).
        body = json.dumps(refusal.body()).encode()
        status = HTTPStatus(refusal.status)
        start_response(f"{status.value} {status.phrase}", [
            ("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Date", formatdate(self.runtime.clock(), usegmt=True)), *refusal.headers.items()])
        return [body]


def make_app(db: str | Path, kiosks: str | Path | None = None, report_token: str | None = None,
             alias: str = "default", apply_migrations: bool = True, **runtime) -> CentralApp:
    """Set up Django on ``db`` (a SQLite path or a PostgreSQL URL), migrate, import the registry file.
    (``apply_migrations=False`` only for a database known to be migrated, e.g. a test's template copy.)"""
    setup_django(str(db))
    if alias != "default":
        from central.runtime import add_database
        add_database(alias, str(db))
    if "min_n" not in runtime:
        from central.runtime import min_n_from_env
        runtime["min_n"] = min_n_from_env()
    if "opening_hours" not in runtime:
        from central.runtime import opening_hours_from_env
        runtime["opening_hours"] = opening_hours_from_env()
    rt = Runtime(alias=alias, report_token=report_token, **runtime)

    def setup() -> None:
        if not apply_migrations and kiosks is None:
            return
        with setup_lock(alias):
            if apply_migrations:
                migrate(alias)
            if kiosks is not None:
                from central.registry import import_file
                token = activate(rt)
                try:
                    import_file(kiosks)
                finally:
                    deactivate(token)

    try:
        setup()
    except Exception as e:  # noqa: BLE001 — a database that is down is waited for; anything else stops the start
        if not _database_down(e):
            raise
        from django.db import connections
        from central.edge import first_line
        connections[alias].close()
        log.error("the database is not reachable at start (%s): answering 503 until it is",
                  first_line(e))
        return CentralApp(rt, pending_setup=setup)
    return CentralApp(rt)


def app_from_env() -> CentralApp:
    """For gunicorn/waitress: ``CENTRAL_DB`` or ``DATABASE_URL``, ``CENTRAL_KIOSKS`` (optional: the
    registry also lives in the database) and ``CENTRAL_REPORT_TOKEN``."""
    db = os.environ.get("DATABASE_URL") or os.environ.get("CENTRAL_DB") or "central.db"
    return make_app(db, os.environ.get("CENTRAL_KIOSKS") or None, os.environ.get("CENTRAL_REPORT_TOKEN") or None)

"""The WSGI application: Django, behind a guard that answers malformed framing itself, and set up
from a database path or URL (migrations applied, the registry file imported)."""

from __future__ import annotations

import json
import os
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path

from rating.problems import Problem, Refused
from central.runtime import Runtime, activate, deactivate

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


class CentralApp:
    """The service for one database. ``runtime`` carries its alias, report token, clock and limits."""

    def __init__(self, runtime: Runtime):
        from django.core.handlers.wsgi import WSGIHandler
        self.runtime = runtime
        self.django = WSGIHandler()
        from central.source import Source
        self.store = Source(runtime.alias)   # read access with the kiosk store's ``query()``

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
            ("Date", formatdate(self.runtime.clock(), usegmt=True))])
        return [body]


def make_app(db: str | Path, kiosks: str | Path | None = None, report_token: str | None = None,
             alias: str = "default", apply_migrations: bool = True, **runtime) -> CentralApp:
    """Set up Django on ``db`` (a SQLite path or a PostgreSQL URL), migrate, import the registry file.
    (``apply_migrations=False`` only for a database known to be migrated, e.g. a test's template copy.)"""
    setup_django(str(db))
    if alias != "default":
        from central.runtime import add_database
        add_database(alias, str(db))
    if apply_migrations:
        migrate(alias)
    rt = Runtime(alias=alias, report_token=report_token, **runtime)
    if kiosks is not None:
        from central.registry import import_file
        token = activate(rt)
        try:
            import_file(kiosks)
        finally:
            deactivate(token)
    return CentralApp(rt)


def app_from_env() -> CentralApp:
    """For gunicorn/waitress: ``CENTRAL_DB`` or ``DATABASE_URL``, ``CENTRAL_KIOSKS`` (optional: the
    registry also lives in the database) and ``CENTRAL_REPORT_TOKEN``."""
    db = os.environ.get("DATABASE_URL") or os.environ.get("CENTRAL_DB") or "central.db"
    return make_app(db, os.environ.get("CENTRAL_KIOSKS") or None, os.environ.get("CENTRAL_REPORT_TOKEN") or None)

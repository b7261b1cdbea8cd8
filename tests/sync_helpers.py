"""A real central service on 127.0.0.1 for the sync tests (SQLite or PostgreSQL), and kiosk
configurations that point at it."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from central.app import make_app, setup_django
from central.server import serving
from tests.conftest import write_config
from tests.pg_server import postgres_server  # noqa: F401  (a fixture, used by name)

SECRET = "s3cret-for-tests-only-0123456789"
REPORT_TOKEN = "report-token-for-tests"
_aliases = itertools.count(1)
_templates: dict[str, str] = {}


def write_registry(folder: Path, kiosks=(("test-01", "Trung tâm xã Thử nghiệm", SECRET),)) -> Path:
    path = folder / "kiosks.toml"
    path.write_text("".join(f'[[kiosks]]\nid = "{k}"\ncentre = "{c}"\nsecret = "{s}"\n\n' for k, c, s in kiosks),
                    encoding="utf-8")
    return path


def _django() -> None:
    # The process-wide default database is a throwaway; every service under test has its own alias.
    setup_django(str(Path(tempfile.mkdtemp(prefix="central-default-")) / "default.db"))


def fresh_sqlite(folder: Path) -> str:
    """A migrated SQLite database in ``folder``: a copy of one migrated once per session."""
    _django()
    if "sqlite" not in _templates:
        from central.app import migrate
        from central.runtime import add_database
        path = Path(tempfile.mkdtemp(prefix="central-template-")) / "template.db"
        add_database("sqlite_template", str(path))
        migrate("sqlite_template")
        from django.db import connections
        connections["sqlite_template"].close()
        _templates["sqlite"] = str(path)
    target = folder / "central.db"
    shutil.copyfile(_templates["sqlite"], target)
    return str(target)


def fresh_postgresql(server) -> str:
    """A migrated PostgreSQL database: a copy of a template migrated once per session."""
    _django()
    if "postgresql" not in _templates:
        from central.app import migrate
        from central.runtime import add_database
        from django.db import connections
        url = server.new_database()
        add_database("pg_template", url)
        migrate("pg_template")
        connections["pg_template"].close()
        _templates["postgresql"] = url.rsplit("/", 1)[1]
    return server.new_database(template=_templates["postgresql"])


@contextmanager
def central_service(folder: Path, clock=None, db: str | None = None, kiosks=None, **runtime):
    """Yield (base_url, app) for a real central service (waitress) on an ephemeral loopback port."""
    db = db or fresh_sqlite(folder)
    registry = write_registry(folder, **({"kiosks": kiosks} if kiosks else {}))
    alias = f"svc{next(_aliases)}"
    app = make_app(db, registry, REPORT_TOKEN, alias=alias, apply_migrations=False,
                   **({"clock": clock} if clock else {}), **runtime)
    try:
        with serving(app) as url:
            yield url, app
    finally:
        from django.db import connections
        connections[alias].close()


def server_execute(app, sql: str, params=()) -> None:
    """Change the service's database behind its back (to test what kiosks notice)."""
    from django.db import connections
    with connections[app.runtime.alias].cursor() as cur:
        cur.execute(sql, list(params))
    connections[app.runtime.alias].close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_db(request, tmp_path):
    """A fresh, migrated service database: SQLite, then PostgreSQL (a real server in a temp folder)."""
    if request.param == "sqlite":
        return fresh_sqlite(tmp_path)
    return fresh_postgresql(request.getfixturevalue("postgres_server"))


def sync_config(folder: Path, url: str, secret: str = SECRET, batch_size: int = 500, timeout_s: float = 5) -> Path:
    """A kiosk config whose [sync] points at ``url``."""
    return write_config(folder, extra=f'\n[sync]\nurl = "{url}"\nsecret = "{secret}"\nbatch_size = {batch_size}\n'
                                      f'timeout_s = {timeout_s}\n')


_django()   # before any test module imports Django models

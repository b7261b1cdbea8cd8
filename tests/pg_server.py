"""A real PostgreSQL server for the tests, in a temporary folder, started once per session.

Debian's binaries (/usr/lib/postgresql/15/bin) refuse to run as root, so as root the cluster is owned
by ``nobody`` and started with ``runuser``. Skips with the reason when the binaries are absent.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One running cluster; :meth:`new_database` gives each test its own database from a template."""

    def __init__(self, durable: bool = False):
        self.folder = Path(tempfile.mkdtemp(prefix="central-pg-"))
        self.port = _free_port()
        as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "nobody")
            as_user = ["runuser", "-u", "nobody", "--"]
        data = self.folder / "data"
        subprocess.run([*as_user, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
        self.log = open(self.folder / "server.log", "wb")
        # fsync off: a test database need not survive a power cut; it makes the suite several times faster.
        # A durable server (for the tests that crash it) keeps synchronous_commit on: a commit it
        # acknowledged must survive the crash, as it does in production.
        self._command = [*as_user, str(PG_BIN / "postgres"), "-D", str(data), "-k", str(self.folder),
                         "-h", "127.0.0.1", "-p", str(self.port), "-c", "fsync=off",
                         "-c", "full_page_writes=off", "-c", f"synchronous_commit={'on' if durable else 'off'}",
                         "-c", "max_connections=300"]
        self._start()
        self._names = itertools.count(1)
        self.template = None

    def url(self, name: str = "postgres") -> str:
        """A URL for database ``name`` over TCP on 127.0.0.1."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _start(self) -> None:
        self.proc = subprocess.Popen(self._command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def crash(self) -> None:
        """Stop the server at once, as a crash or a restart does (SIGQUIT), keeping its data: every
        connection is cut; :meth:`restart` brings it back on the same port."""
        pid = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGQUIT)
        self.proc.wait(timeout=20)

    def restart(self) -> None:
        """Start again after :meth:`crash` (crash recovery runs; nothing committed is lost)."""
        (self.folder / "data" / "postmaster.pid").unlink(missing_ok=True)
        self._start()

    def _wait_ready(self) -> None:
        import psycopg
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not start: " + (self.folder / "server.log").read_text()[-2000:])
                time.sleep(0.1)

    def execute(self, sql: str) -> None:
        """Run one statement on the maintenance database (autocommit: CREATE DATABASE needs it)."""
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its URL."""
        name = f"t{next(self._names)}"
        self.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if self.proc.poll() is None:
            # Signal the postmaster itself (not runuser in front of it): SIGQUIT, immediate shutdown —
            # nothing here needs to survive.
            try:
                pid = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGQUIT)
            except (OSError, ValueError, IndexError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_server: PostgresServer | None = None


@pytest.fixture(scope="session")
def postgres_server():
    """The session's PostgreSQL server (skipped, with the reason, when the binaries are absent).

    One per process however many test modules import this fixture (each import registers it anew),
    stopped when the process exits.
    """
    global _server
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "postgres").exists():
        pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} (install Debian's postgresql, or set PG_BIN)")
    if _server is None:
        _server = PostgresServer()
        atexit.register(_server.stop)
    return _server

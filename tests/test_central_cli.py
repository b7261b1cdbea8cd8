"""`python main.py central-user add …` and `serve --db postgresql://…`, as an operator runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import requests

from tests.conftest import ROOT, run_cli, sigint_as_a_terminal_sends_it
from tests.sync_helpers import REPORT_TOKEN, postgres_server, write_registry  # noqa: F401

GOOD = "Lang-sen-Hai-Phong-2026\n"


def prepare_units(db):
    """A migrated database with one commune in it."""
    import shutil
    import sqlite3

    from tests.sync_helpers import fresh_sqlite
    shutil.move(fresh_sqlite(db.parent), db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES "
                     "('xa-ninh-giang', 'commune', 'Xã Ninh Giang', NULL, 90)")


def test_central_user_adds_accounts_with_a_role_and_a_unit(tmp_path):
    db = tmp_path / "central.db"
    prepare_units(db)
    r = run_cli("central-user", "add", "ninh", "--role", "commune", "--unit", "xa-ninh-giang", "--password-stdin",
                "--db", str(db), input=GOOD)
    assert r.returncode == 0, r.stderr
    assert "saved" in r.stdout and "Lang-sen" not in r.stdout + r.stderr
    import sqlite3
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT p.role, p.unit_id FROM central_profile p JOIN auth_user u ON u.id = p.user_id "
                            "WHERE u.username = 'ninh'").fetchall() == [("commune", "xa-ninh-giang")]


def test_central_user_refuses_weak_passwords_missing_units_and_passwords_on_the_command_line(tmp_path):
    db = tmp_path / "central.db"
    prepare_units(db)
    weak = run_cli("central-user", "add", "a", "--role", "admin", "--password-stdin", "--db", str(db), input="12345\n")
    assert weak.returncode == 2 and "password is refused" in weak.stderr
    no_unit = run_cli("central-user", "add", "b", "--role", "commune", "--password-stdin", "--db", str(db), input=GOOD)
    assert no_unit.returncode == 2 and "needs --unit" in no_unit.stderr
    wrong = run_cli("central-user", "add", "c", "--role", "centre", "--unit", "xa-ninh-giang", "--password-stdin",
                    "--db", str(db), input=GOOD)
    assert wrong.returncode == 2 and "is a commune, not a centre" in wrong.stderr
    no_stdin = run_cli("central-user", "add", "d", "--role", "admin", "--db", str(db))
    assert no_stdin.returncode == 2 and "--password-stdin" in no_stdin.stderr


def test_serve_runs_on_postgresql_given_as_a_url(tmp_path, postgres_server):
    url = postgres_server.new_database()   # empty: serve applies the migrations itself
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--kiosks", str(write_registry(tmp_path)),
                             "--db", url, "--port", "0", "--report-token", REPORT_TOKEN],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=sigint_as_a_terminal_sends_it)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert m, line + proc.stdout.read() if proc.poll() is not None else line
        assert "1 kiosk(s)" in line and "postgresql://" in line
        base = f"http://127.0.0.1:{m.group(1)}"
        assert requests.get(base + "/healthz").json() == {"ok": True, "database": "up"}
        chain = requests.get(base + "/v1/reports/chain", headers={"Authorization": f"Bearer {REPORT_TOKEN}"}).json()
        assert [k["kiosk_id"] for k in chain["kiosks"]] == ["test-01"]
        assert requests.get(base + "/", allow_redirects=False).status_code == 302
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_the_service_never_loads_the_kiosk_kivy_pyserial_or_requests_and_the_domain_never_loads_django(tmp_path):
    domain = (
        "import sys\n"
        "import rating.wire, rating.report, rating.questionnaire.loader, kiosk.outbox\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('django', 'requests')], 'domain loaded too much'\n"
        "print('ok')\n")
    service = (
        "import sys, importlib, pkgutil\n"
        "from central.app import make_app\n"
        f"make_app({str(tmp_path / 'c.db')!r})\n"
        "import central\n"
        "for m in pkgutil.walk_packages(central.__path__, 'central.'):\n"
        "    if m.name not in ('central.wsgi', 'central.democli') and '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'kivy', 'serial', 'requests', 'kiosk', 'sync', 'hardware'})\n"
        "assert not bad, bad\n"
        "print('ok')\n")
    for code in (domain, service):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
        assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_serve_refuses_an_address_other_machines_reach_unless_a_proxy_stands_in_front(tmp_path):
    from central.commands import exposure_problem
    assert exposure_problem("127.0.0.1", None) is None and exposure_problem("localhost", None) is None
    assert "--behind-proxy" in exposure_problem("0.0.0.0", None)
    assert exposure_problem("0.0.0.0", "192.0.2.10") is None
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "serve", "--kiosks", str(write_registry(tmp_path)),
                        "--db", str(tmp_path / "c.db"), "--host", "0.0.0.0"], capture_output=True, text=True,
                       timeout=60, cwd=tmp_path)
    assert r.returncode == 2 and "--behind-proxy" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "c.db").exists(), "refused before anything was created"


def test_the_proxy_named_by_behind_proxy_is_believed_for_each_clients_address():
    """Else every visitor is the proxy: five wrong passwords anywhere would lock everyone out."""
    from types import SimpleNamespace
    from central import remote
    request = SimpleNamespace(META={"REMOTE_ADDR": "192.0.2.10", "HTTP_X_FORWARDED_FOR": "203.0.113.5"})
    assert remote.client_address(request) == "192.0.2.10", "a peer nobody named is not believed"
    remote.trust("192.0.2.10")
    try:
        assert remote.client_address(request) == "203.0.113.5"
    finally:
        remote.TRUSTED.discard("192.0.2.10")

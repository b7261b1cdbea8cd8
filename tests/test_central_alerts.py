"""Alerts on the page and by e-mail (to a local SMTP sink on 127.0.0.1): a kiosk silent for two
nights, a chain issue, a week below target, a rise of flagged repeats."""

from __future__ import annotations

import socketserver
import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.sync_helpers import central_service, fresh_sqlite, server_execute

from central.runtime import activate, deactivate  # noqa: E402


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive a message."""

    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        data = None
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data is not None:
                if line == ".":
                    self.server.messages.append("\n".join(data))
                    data = None
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb == "DATA":
                data = []
                self.wfile.write(b"354 go\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.messages = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_alerts_are_shown_and_mailed_once_a_day(tmp_path, smtp):
    from central.alerts import due_alerts, send_alerts
    from central.demo import build
    with central_service(tmp_path, db=fresh_sqlite(tmp_path)) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=2, days=14, per_day=30, accounts=False)
            k0, k1 = made["kiosks"]
            now = datetime.now(timezone.utc)
            # k0 last synced three days ago; k1's chain has a gap.
            server_execute(app, "UPDATE kiosk_status SET last_sync_at = %s WHERE kiosk_id = %s",
                           [(now - timedelta(days=3)).isoformat(), k0])
            server_execute(app, "INSERT INTO chain_gaps (kiosk_id, first_seq, last_seq, detected_at) VALUES "
                                "(%s, 5, 9, 'x')", [k1])
            server_execute(app, "UPDATE units SET target_pct = 99.9")   # every week is below target now
            kinds = {(a.kind, a.subject) for a in due_alerts(app.runtime.alias, now)}
            assert ("silent", k0) in kinds and ("chain", k1) in kinds and ("silent", k1) not in kinds
            assert ("below_target", k0) in kinds
            sent = send_alerts(app.runtime.alias, now, host="127.0.0.1", port=smtp.server_address[1],
                               to=["phong-vhxh@example.vn"])
            assert sent == len(kinds) and len(smtp.messages) == 1
            import email
            from email import policy
            message = email.message_from_string(smtp.messages[0], policy=policy.default)
            assert "cảnh báo" in message["Subject"] and message["To"] == "phong-vhxh@example.vn"
            assert k0 in message.get_content() and k1 in message.get_content()
            again = send_alerts(app.runtime.alias, now, host="127.0.0.1", port=smtp.server_address[1],
                                to=["phong-vhxh@example.vn"])
            assert again == 0 and len(smtp.messages) == 1
            assert send_alerts(app.runtime.alias, now, host="", to=["x@example.vn"]) == 0   # no SMTP: no mail
        finally:
            deactivate(token)


def test_a_rise_of_flagged_repeats_is_an_alert(tmp_path):
    from central.alerts import due_alerts
    from central.demo import build
    with central_service(tmp_path, db=fresh_sqlite(tmp_path)) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=1, days=40, per_day=30, accounts=False)
            k = made["kiosks"][0]
            now = datetime.now(timezone.utc)
            assert ("repeats", k) not in {(a.kind, a.subject) for a in due_alerts(app.runtime.alias, now)}
            day = (now + timedelta(hours=7)).date() - timedelta(days=2)
            server_execute(app, "INSERT INTO kiosk_days (kiosk_id, local_date, scale, level, flagged, n) "
                                "VALUES (%s, %s, 'sipas5', 'RHL', 1, 40)", [k, day.isoformat()])
            assert ("repeats", k) in {(a.kind, a.subject) for a in due_alerts(app.runtime.alias, now)}
        finally:
            deactivate(token)


def test_the_alerts_command_mails_new_alerts_once_and_exits_as_a_timer_runs_it(tmp_path, smtp):
    from central.demo import build
    from tests.conftest import run_cli
    db = fresh_sqlite(tmp_path)
    with central_service(tmp_path, db=db) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=1, days=14, per_day=30, accounts=False)
        finally:
            deactivate(token)
        silent = made["kiosks"][0]
        server_execute(app, "UPDATE kiosk_status SET last_sync_at = %s WHERE kiosk_id = %s",
                       [(datetime.now(timezone.utc) - timedelta(days=3)).isoformat(), silent])
    mail = ["--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.server_address[1]), "--to", "phong-vhxh@example.vn"]
    first = run_cli("central-alerts", "--db", db, *mail)
    assert first.returncode == 0, first.stderr
    assert "mailed" in first.stdout and len(smtp.messages) == 1 and silent in smtp.messages[0]
    again = run_cli("central-alerts", "--db", db, *mail)
    assert again.returncode == 0 and "no new alert" in again.stdout and len(smtp.messages) == 1
    unset = run_cli("central-alerts", "--db", db, env={"CENTRAL_SMTP_HOST": "", "CENTRAL_ALERT_TO": ""})
    assert unset.returncode == 2 and "CENTRAL_SMTP_HOST" in unset.stderr and "Traceback" not in unset.stderr


def test_the_alerts_timer_runs_the_alerts_command_hourly_as_a_plain_user():
    import configparser

    from tests.conftest import ROOT

    def unit(name):
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.optionxform = str
        parser.read(ROOT / "deploy" / name, encoding="utf-8")
        return parser
    service, timer = unit("central-alerts.service"), unit("central-alerts.timer")
    assert service["Service"]["Type"] == "oneshot" and "main.py central-alerts" in service["Service"]["ExecStart"]
    assert service["Service"]["User"] not in ("", "root") and service["Service"]["EnvironmentFile"]
    assert timer["Timer"]["Unit"] == "central-alerts.service" and timer["Timer"]["OnUnitActiveSec"] == "1h"
    assert timer["Install"]["WantedBy"] == "timers.target"

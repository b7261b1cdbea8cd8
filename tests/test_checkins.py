"""Check-ins (issue 17): every few minutes while the centre is open the kiosk says how it is; the service
keeps the latest and the health page's alerts read it — with the real service, real HTTP and real processes."""

from __future__ import annotations

import http.server
import os
import random
import signal
import socketserver
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from rating import checkin, signing
from rating.hours import parse_hours
from sync.checkins import CheckinLoop
from sync.client import CHECKIN_ERROR_KEY, LAST_CHECKIN_KEY, SyncClient
from tests.conftest import ROOT, run_cli
from tests.sync_helpers import SECRET, backend_db, central_service, postgres_server, sync_config  # noqa: F401

from central.runtime import activate, deactivate  # noqa: E402
from central.source import Source  # noqa: E402

TZ = "Asia/Ho_Chi_Minh"
HOURS = ["Mon-Fri 07:30-11:30 13:30-17:00"]


def wait_for(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def checkin_rows(app) -> dict:
    from django.db import connections
    with connections[app.runtime.alias].cursor() as cur:
        cur.execute("SELECT kiosk_id, at, status, settings_version, opening_hours FROM kiosk_checkins")
        out = {r[0]: r[1:] for r in cur.fetchall()}
    connections[app.runtime.alias].close()
    return out


def post_checkin(url: str, kiosk: str, status: dict, hours=HOURS, ts: float | None = None, secret: str = SECRET):
    body = checkin.encode_checkin(kiosk, status, checkin.NO_SETTINGS, parse_hours(hours), TZ)
    headers = signing.signed_headers(kiosk, secret.encode(), int(ts or time.time()), "POST", checkin.CHECKIN_PATH, body)
    return requests.post(url + checkin.CHECKIN_PATH, data=body, headers={**headers, "Content-Type": "application/json"},
                         timeout=30)


def test_a_kiosk_checks_in_with_the_batchs_health_fields_and_the_service_keeps_the_latest(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            store.record_vote("Q1", "HL")
            client = SyncClient(config, store)
            result = client.checkin()
            assert result.ok and result.settings is None   # no newer settings wait
            assert outbox.get_meta(store, LAST_CHECKIN_KEY) and outbox.get_meta(store, CHECKIN_ERROR_KEY) is None
            assert outbox.count_waiting(store)["votes"] == 1   # a check-in carries no votes and marks none
            status = client.status()
        at, sent, version, hours = checkin_rows(app)["test-01"]
        sent = sent if isinstance(sent, dict) else __import__("json").loads(sent)
        assert set(sent) == set(status) and sent["waiting_votes"] == 1 and version == checkin.NO_SETTINGS


def test_sync_checks_in_before_it_sends(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        path = sync_config(tmp_path, url)
        with VoteStore.from_config(load_config(path)) as store:
            store.record_vote("Q1", "HL")
        r = run_cli("sync", config=path)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "test-01" in checkin_rows(app)


def test_a_check_in_that_cannot_reach_the_service_changes_nothing_but_says_why(tmp_path):
    with socketserver.TCPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]
    config = load_config(sync_config(tmp_path, f"http://127.0.0.1:{port}", timeout_s=2))
    with VoteStore.from_config(config) as store:
        vote = store.record_vote("Q1", "HL")
        result = SyncClient(config, store, sleep=lambda s: None).checkin()
        assert not result.ok and "network" in result.error
        assert "network" in outbox.get_meta(store, CHECKIN_ERROR_KEY)
        assert [v["uuid"] for v in outbox.waiting(store, outbox.VOTES, 10)] == [vote.uuid]
        assert store.record_vote("Q2", "RHL").seq == 2   # the kiosk keeps voting as before


def test_a_bad_check_in_is_a_400_naming_the_field(tmp_path):
    with central_service(tmp_path) as (url, _app):
        r = post_checkin(url, "test-01", {"waiting_votes": -1})
        assert r.status_code == 400 and r.json()["error"] == "bad_checkin" and "waiting_votes" in r.json()["reason"]
        r = post_checkin(url, "test-01", {}, hours=[])
        assert r.status_code == 200
        r = post_checkin(url, "test-01", {}, ts=time.time() - 3600)
        assert r.status_code == 401 and r.json()["error"] == "stale_timestamp"
        r = post_checkin(url, "test-01", {}, secret="another-secret-of-enough-length")
        assert r.status_code == 401 and r.json()["error"] == "bad_signature"


def test_the_loop_checks_in_only_while_the_centre_is_open():
    hours = parse_hours(HOURS)
    now = [datetime(2026, 11, 21, 20, 0, tzinfo=timezone(timedelta(hours=7)))]   # a Saturday evening: closed
    calls = []
    loop = CheckinLoop(lambda: calls.append(now[0]) or True, hours, every_s=0.01, now=lambda: now[0],
                       rng=random.Random(1)).start()
    try:
        wait_for(lambda: loop.looked >= 5, "the loop to look at the clock")
        assert calls == []
        now[0] = datetime(2026, 11, 23, 8, 0, tzinfo=now[0].tzinfo)   # Monday 08:00: open
        wait_for(lambda: loop.done >= 3, "three check-ins")
    finally:
        loop.stop()
    assert calls and all(hours.is_open(c) for c in calls)


def test_a_failing_check_in_never_ends_the_loop():
    outcomes = iter([RuntimeError("boom"), False, True, True])

    def once():
        o = next(outcomes, True)
        if isinstance(o, Exception):
            raise o
        return o

    loop = CheckinLoop(once, parse_hours([]), every_s=0.01, now=datetime.now, rng=random.Random(2)).start()
    try:
        wait_for(lambda: loop.done >= 2, "check-ins after failures")
    finally:
        loop.stop()
    assert not loop.failing


def test_the_alerts_read_the_check_ins_and_each_says_what_to_do(tmp_path):
    clock = [datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=7))).timestamp()]   # Monday 09:00
    kiosks = [(f"k-{n}", "Trung tâm xã Thử nghiệm", SECRET) for n in range(1, 6)]
    with central_service(tmp_path, clock=lambda: clock[0], kiosks=kiosks) as (url, app):
        ok = {"software_version": "1.4.0", "button_boxes": 2, "boxes_heard": 2, "clock": "trusted", "problems": None}
        sent = {"k-1": ok, "k-2": {**ok, "boxes_heard": 1, "problems": "button_boxes"},
                "k-3": {**ok, "problems": "backup", "last_backup_at": "2026-11-20T02:00:00+07:00"},
                "k-4": {**ok, "clock": "suspect", "problems": "clock"}, "k-5": {**ok, "software_version": "1.3.9"}}
        for k, status in sent.items():
            assert post_checkin(url, k, status, ts=clock[0]).status_code == 200
        start = clock[0]
        clock[0] = start + 9 * 60   # 09:09: all but k-1 check in again
        for k in ("k-2", "k-3", "k-4", "k-5"):
            assert post_checkin(url, k, sent[k], ts=clock[0]).status_code == 200

        def alerts(at: float) -> dict:
            from central.dashboard import alerts as due
            token = activate(app.runtime)
            try:
                found = due(Source(app.runtime.alias), [k for k, _, _ in kiosks], datetime.fromtimestamp(at, timezone.utc), {})
            finally:
                deactivate(token)
            return {(a.kind, a.subject): a for a in found}

        now = alerts(start + 29 * 60)   # 09:29: k-1 silent for 29 minutes of opening hours, not yet an alert
        assert set(now) == {("boxes_missing", "k-2"), ("backup_old", "k-3"), ("clock_suspect", "k-4"),
                            ("version_behind", "k-5")}
        from central.texts import alert_text
        todo = {"boxes_missing": "USB", "backup_old": "python main.py backup", "clock_suspect": "time server",
                "version_behind": "update"}
        for (kind, _), a in now.items():
            assert todo[kind] in alert_text(a, "en") and alert_text(a, "vi") != alert_text(a, "en")
        assert "1.3.9" in alert_text(now[("version_behind", "k-5")], "en")
        late = alerts(start + 31 * 60)   # 09:31: half an hour of opening hours
        assert ("silent_open", "k-1") in late and "switch it off and on" in alert_text(late[("silent_open", "k-1")], "en")
        assert not any(kind == "silent_open" and k != "k-1" for kind, k in late)
        # Silent from Friday's closing to Monday 07:45 is a quarter of an hour of opening hours: no alert.
        friday = datetime(2026, 11, 20, 16, 59, tzinfo=timezone(timedelta(hours=7))).timestamp()
        clock[0] = friday
        assert post_checkin(url, "k-1", ok, ts=friday).status_code == 200
        monday = datetime(2026, 11, 23, 7, 45, tzinfo=timezone(timedelta(hours=7))).timestamp()
        assert ("silent_open", "k-1") not in alerts(monday)
        assert ("silent_open", "k-1") in alerts(monday + 20 * 60)


class _Hang(http.server.BaseHTTPRequestHandler):
    """Reads a request and never answers: the kiosk is killed while it waits."""
    got = threading.Event()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Hang.got.set()
        time.sleep(60)

    def log_message(self, *args):
        pass


def test_a_kiosk_killed_during_a_check_in_loses_nothing(tmp_path):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Hang)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = sync_config(tmp_path, f"http://127.0.0.1:{server.server_address[1]}", timeout_s=60)
        with VoteStore.from_config(load_config(path)) as store:
            uuids = {store.record_vote("Q1", "HL").uuid for _ in range(20)}
        child = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "sync", "--config", str(path)],
                                 env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        assert _Hang.got.wait(60), "the kiosk never checked in"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        server.shutdown()
        server.server_close()
    assert run_cli("verify", config=path).returncode == 0
    (tmp_path / "svc").mkdir()
    with central_service(tmp_path / "svc") as (url, app):
        path.write_text(path.read_text().replace(f"127.0.0.1:{server.server_address[1]}", url.split("//")[1]))
        r = run_cli("sync", config=path)
        assert r.returncode == 0, r.stdout + r.stderr
        from django.db import connections
        with connections[app.runtime.alias].cursor() as cur:
            cur.execute("SELECT uuid FROM votes")
            assert {u for (u,) in cur.fetchall()} == uuids
        connections[app.runtime.alias].close()


def test_a_hundred_kiosks_check_in_while_batches_sync_with_no_500_and_no_vote_lost(tmp_path, backend_db):
    fleet = [(f"fleet-{n:03d}", f"Trung tâm {n % 20}", SECRET) for n in range(100)]
    syncing = [(f"sync-{n}", "Trung tâm xã Thử nghiệm", SECRET) for n in range(3)]
    with central_service(tmp_path, db=backend_db, kiosks=fleet + syncing) as (url, app):
        statuses: list[int] = []
        lock = threading.Lock()

        def fleet_worker(ids):
            session = requests.Session()
            for _round in range(2):
                for k in ids:
                    body = checkin.encode_checkin(k, {"waiting_votes": 0, "software_version": "1.4.0"},
                                                  checkin.NO_SETTINGS, parse_hours(HOURS), TZ)
                    h = signing.signed_headers(k, SECRET.encode(), int(time.time()), "POST", checkin.CHECKIN_PATH, body)
                    r = session.post(url + checkin.CHECKIN_PATH, data=body, timeout=60,
                                     headers={**h, "Content-Type": "application/json"})
                    with lock:
                        statuses.append(r.status_code)

        recorded: dict[str, set] = {}

        def sync_worker(kiosk_id):
            folder = tmp_path / kiosk_id
            folder.mkdir()
            path = sync_config(folder, url, batch_size=50)
            path.write_text(path.read_text().replace('id = "test-01"', f'id = "{kiosk_id}"'))
            config = load_config(path)
            with VoteStore.from_config(config) as store:
                recorded[kiosk_id] = {store.record_vote("Q1", "HL").uuid for _ in range(300)}
                for _ in range(5):   # a 503 busy is answered with Retry-After: a run may leave some for the next
                    if SyncClient(config, store).run().complete:
                        break

        threads = [threading.Thread(target=fleet_worker, args=([k for k, _, _ in fleet[i::5]],))
                   for i in range(5)] + [threading.Thread(target=sync_worker, args=(k,)) for k, _, _ in syncing]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert len(statuses) == 200 and 500 not in statuses
        assert all(s == 200 or s == 503 for s in statuses), sorted(set(statuses))
        assert len(checkin_rows(app)) >= 95
        from django.db import connections
        with connections[app.runtime.alias].cursor() as cur:
            cur.execute("SELECT uuid FROM votes")
            held = {u for (u,) in cur.fetchall()}
        connections[app.runtime.alias].close()
        assert set().union(*recorded.values()) == held

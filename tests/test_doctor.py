"""`python main.py doctor [--json]` (issue 16): one line a check with what to do, the same checks as JSON
objects with `name`, `ok`, `detail`; exit 0 when all is well, 1 when something needs a person. Against
real stores, a real central service on 127.0.0.1 and the real headless kiosk's own health file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from hardware.simulator import VirtualBox
from kiosk.config import load_config
from kiosk.doctor import service_check
from kiosk.backup import STATE_FILE as BACKUP_STATE
from kiosk.store import VoteStore
from tests.conftest import ROOT, write_config
from tests.notify_socket import NotifySocket
from tests.sync_helpers import central_service, sync_config

CHECKS = ["config", "store", "backup", "disk", "clock", "sync_reachable", "last_sync", "button_boxes", "service",
          "version"]


def doctor(config: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "doctor", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def backed_up(config_path: Path, taken_at: datetime, verified: bool = True) -> None:
    """The state file kiosk/backup.py leaves after a backup (its documented shape)."""
    data = load_config(config_path).data_dir
    (data / "backups").mkdir(parents=True, exist_ok=True)
    (data / "backups" / "votes-x.db").write_bytes(b"")   # the record names a file that is there
    (data / BACKUP_STATE).write_text(json.dumps({"path": str(data / "backups" / "votes-x.db"),
                                                 "taken_at": taken_at.isoformat(timespec="seconds"),
                                                 "votes": 3, "answers": 0, "verified": verified}))


def with_votes(config_path: Path, n: int = 3) -> None:
    with VoteStore.from_config(load_config(config_path)) as store:
        for i in range(n):
            store.record_vote("Q1", "HL")


def test_a_well_kiosk_passes_every_check_and_exits_0(tmp_path):
    (tmp_path / "svc").mkdir()
    with central_service(tmp_path / "svc") as (url, _app):
        (tmp_path / "k").mkdir()
        config = sync_config(tmp_path / "k", url)
        with_votes(config)
        backed_up(config, datetime.now().astimezone())
        done = doctor(config, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    checks = json.loads(done.stdout)
    assert [c["name"] for c in checks] == CHECKS
    assert all(set(c) == {"name", "ok", "detail", "todo"} for c in checks)
    assert all(c["ok"] is not False for c in checks), checks
    assert {c["name"]: c["ok"] for c in checks}["sync_reachable"] is True


def test_an_old_backup_and_an_unreachable_service_each_fail_with_what_to_do(tmp_path):
    config = write_config(tmp_path, extra='\n[sync]\nurl = "http://127.0.0.1:9"\nsecret = "0123456789abcdef0123"\n')
    with_votes(config)
    backed_up(config, datetime.now().astimezone() - timedelta(days=3))
    done = doctor(config)
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    failed = [line for line in lines if line.startswith("[LỖI]")]
    assert [line.split(":")[0] for line in failed] == ["[LỖI] backup", "[LỖI] sync_reachable"], done.stdout
    assert all(" — cần làm: " in line for line in failed)
    assert lines[-1].startswith("=> cần người xử lý")
    assert "Traceback" not in done.stderr


def test_a_backup_that_did_not_verify_is_no_backup(tmp_path):
    config = write_config(tmp_path)
    with_votes(config)
    backed_up(config, datetime.now().astimezone(), verified=False)
    checks = {c["name"]: c for c in json.loads(doctor(config, "--json").stdout)}
    assert checks["backup"]["ok"] is False and "python main.py backup" in checks["backup"]["todo"]


def test_a_broken_chain_fails_the_store_check(tmp_path):
    config = write_config(tmp_path)
    with_votes(config)
    with sqlite3.connect(load_config(config).db_path) as conn:
        conn.execute("UPDATE votes SET level = 'KHL' WHERE seq = 2")
    done = doctor(config, "--json")
    assert done.returncode == 1
    store = {c["name"]: c for c in json.loads(done.stdout)}["store"]
    assert store["ok"] is False and "HỎNG" in store["detail"] and "verify" in store["todo"]


def test_a_configuration_that_does_not_load_is_one_failed_check_not_a_traceback(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk]\nid = \n")
    done = doctor(config, "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (check,) = json.loads(done.stdout)
    assert check["name"] == "config" and check["ok"] is False and str(config) in check["detail"]


def test_the_running_kiosks_button_boxes_reach_doctor_through_its_health_file(tmp_path):
    link = tmp_path / "box"
    config = write_config(tmp_path, extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')
    with NotifySocket(tmp_path / "ns") as sock, VirtualBox(link, heartbeat_s=0.2) as _box:
        env = {**os.environ, "PYTHONPATH": str(ROOT), **sock.env(400_000)}
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--headless", "--config", str(config)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            health = tmp_path / "data" / "health.json"
            while True:  # the kiosk rewrites the file when a signal changes: wait for the box to be heard
                sock.wait_for("WATCHDOG=1", after=len(sock.messages))
                signals = json.loads(health.read_text())["signals"] if health.exists() else []
                if any(s["name"] == "button_boxes" and s["ok"] for s in signals):
                    break
            boxes = {c["name"]: c for c in json.loads(doctor(config, "--json").stdout)}["button_boxes"]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
    assert boxes["ok"] is True and "1/1" in boxes["detail"]


# systemd is not running in the test machine: `systemctl show`'s answers, as systemd prints them.
def _systemctl(states: dict[str, str]):
    def ask(args):
        unit = args[-1]
        if unit not in states:
            return "LoadState=not-found\nActiveState=inactive\nWatchdogUSec=0\n"
        return f"LoadState=loaded\nActiveState={states[unit]}\nWatchdogUSec=15s\n"
    return ask


def test_the_service_check_says_which_unit_is_down_and_how_to_restart_it():
    now = datetime.now().astimezone()
    fresh = {"written_at": now.isoformat()}
    ok = service_check(_systemctl({"rating-kiosk.service": "active"}), fresh, now)
    assert ok.ok is True and "watchdog 15s" in ok.detail
    down = service_check(_systemctl({"rating-kiosk-headless.service": "failed"}), fresh, now)
    assert down.ok is False and "systemctl restart rating-kiosk-headless.service" in down.todo
    stale = service_check(_systemctl({"rating-kiosk.service": "active"}),
                          {"written_at": (now - timedelta(minutes=10)).isoformat()}, now)
    assert stale.ok is False
    assert service_check(lambda _args: None, None, now).ok is None               # no systemd: unknown
    assert service_check(_systemctl({}), None, now).ok is None                    # no unit installed

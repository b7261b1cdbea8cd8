"""`python main.py serve` and `python main.py sync`, as processes, as an operator runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

from kiosk.config import load_config
from kiosk.store import VoteStore
from tests.conftest import ROOT, run_cli, sigint_as_a_terminal_sends_it, write_config
from tests.sync_helpers import REPORT_TOKEN, SECRET, sync_config, write_registry


def start_service(folder):
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--kiosks", str(write_registry(folder)),
                             "--db", str(folder / "central.db"), "--port", "0", "--report-token", REPORT_TOKEN],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=sigint_as_a_terminal_sends_it)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    assert m, line
    return proc, f"http://127.0.0.1:{m.group(1)}"


def test_sync_sends_everything_to_a_served_central_service_and_exits_0(tmp_path):
    proc, url = start_service(tmp_path)
    try:
        config_path = sync_config(tmp_path, url)
        with VoteStore.from_config(load_config(config_path)) as store:
            for level in ("RHL", "HL", "BT"):
                store.record_vote("Q1", level)
        out = run_cli("sync", config=config_path)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "sent 3 vote(s) in 1 batch(es)" in out.stdout and "nothing left to sync" in out.stdout
        status = json.loads(run_cli("sync", "--status", config=config_path).stdout)
        assert (status["votes"], status["quarantined"]) == (0, 0) and status["last_success"]
    finally:
        proc.send_signal(signal.SIGINT)
        log, _ = proc.communicate(timeout=20)
    assert SECRET not in log and SECRET not in out.stdout + out.stderr


def test_sync_with_the_service_down_exits_1_and_says_why(tmp_path):
    config_path = sync_config(tmp_path, "http://127.0.0.1:9", timeout_s=1)
    with VoteStore.from_config(load_config(config_path)) as store:
        store.record_vote("Q2", "HL")
    out = run_cli("sync", "--attempts", "2", config=config_path, timeout=180)
    assert out.returncode == 1
    assert "1 item(s) not synced: network:" in out.stdout


def test_sync_without_a_sync_section_is_a_usage_error(tmp_path):
    out = run_cli("sync", config=write_config(tmp_path))
    assert out.returncode == 2 and "no [sync] section" in out.stderr


def test_serve_refuses_a_bad_registry_with_the_reason(tmp_path):
    bad = tmp_path / "kiosks.toml"
    bad.write_text('[[kiosks]]\nid = "k1"\ncentre = "C"\nsecret = "short"\n', encoding="utf-8")
    out = run_cli("serve", "--kiosks", str(bad), "--db", str(tmp_path / "c.db"))
    assert out.returncode == 2 and "at least 16 characters" in out.stderr


def test_a_secret_in_a_config_never_shows_in_its_repr(tmp_path):
    config = load_config(sync_config(tmp_path, "http://example.invalid"))
    assert SECRET not in repr(config) and "***" in repr(config.sync)

"""`run --headless` and `simulate-buttons`, as processes: one log line per vote, a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from hardware.protocol import Rate, encode
from hardware.simulator import VirtualBox
from kiosk.config import load_config
from kiosk.store import VoteStore
from tests.conftest import ROOT, write_config


def _box_config(tmp_path, link):
    return write_config(tmp_path, extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')


def _start(config_path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--headless", "--config", str(config_path),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def _wait_listening(proc, box):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the reader flushes input on open: press only once it is open
        if box.press(1).acked:
            return
    raise AssertionError("the headless kiosk never ACKed")


def _wait_for(predicate, what: str, timeout: float = 20) -> None:
    """Poll until ``predicate()`` holds; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_headless_logs_one_line_per_vote_and_stops_cleanly_on_sigterm(tmp_path):
    link = tmp_path / "box"
    config_path = _box_config(tmp_path, link)
    with VirtualBox(link, heartbeat_s=None) as box:
        proc = _start(config_path)
        try:
            _wait_listening(proc, box)
            for key in (2, 3, 5):
                assert box.press(key).acked
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    vote_lines = [line for line in out.splitlines() if " vote #" in line]
    assert len(vote_lines) == 4
    assert "Q2 RKHL (Rất không hài lòng) from serial:1 seq 3" in vote_lines[3]
    assert "SIGTERM received" in out and "the store is closed" in out
    with VoteStore.from_config(load_config(config_path)) as store:
        assert store.count() == 4 and store.verify_chain() is None


def test_a_press_in_flight_at_sigterm_is_either_committed_or_not_acked(tmp_path):
    link = tmp_path / "box"
    config_path = _box_config(tmp_path, link)
    with VirtualBox(link, heartbeat_s=None) as box:
        proc = _start(config_path)
        try:
            _wait_listening(proc, box)
            box.send_raw(b"".join(encode(Rate(1, 1 + i % 5, 100 + i)) for i in range(30)))
            # SIGTERM once the burst is being worked on (its first ACK came), not after a fixed time: on a busy
            # machine a fixed pause may end before the kiosk read a frame, and an empty set checks nothing.
            _wait_for(lambda: any(a.seq >= 100 for a in box.acks), "an ACK for the burst")
        finally:  # also when the wait fails: no kiosk left running after the test
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=20)
        time.sleep(0.2)  # the listener reads the ACKs still in the pty (missing one only weakens the check)
        acked = {a.seq for a in box.acks if a.seq >= 100}
    with VoteStore.from_config(load_config(config_path)) as store:
        stored = {row[0] for row in store.query("SELECT box_seq FROM votes WHERE box_seq >= 100")}
        assert acked, "no press of the burst was ACKed: the test saw nothing"
        assert acked <= stored  # never an ACK for a press that is not in the store
        assert store.integrity_check() == ["ok"] and store.verify_chain() is None


def test_headless_without_button_boxes_explains_what_to_do(tmp_path):
    proc = _start(write_config(tmp_path))
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "no [[button_boxes]]" in out and "--simulate" in out


def test_simulate_buttons_presses_a_script_and_prints_the_acks(tmp_path):
    link = tmp_path / "sim"
    config_path = _box_config(tmp_path, link)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sim = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "simulate-buttons", "--link", str(link),
                            "--script", "1,2,5", "--rate", "2"], stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 10
    while not link.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    kiosk = _start(config_path)
    try:
        out, _ = sim.communicate(timeout=60)
    finally:
        kiosk.send_signal(signal.SIGTERM)
        kiosk.communicate(timeout=20)
    acked = [line for line in out.splitlines() if ": ACK after" in line]
    # Presses sent before the kiosk opened the port go unanswered (as with real hardware); the rest are ACKed.
    assert acked, out
    with VoteStore.from_config(load_config(config_path)) as store:
        assert store.count() == len(acked)
    assert sim.returncode == (0 if len(acked) == 3 else 1)


def test_make_run_without_a_display_keeps_its_simulated_presses_apart_as_demo_votes(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_CONFIG", "DISPLAY", "WAYLAND_DISPLAY", "KIVY_WINDOW")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log_file = tmp_path / "data" / "demo" / "logs" / "kiosk.log"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (log_file.exists() and " vote #1 " in log_file.read_text()):
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "no display found" in out, out
    assert not (tmp_path / "data" / "votes.db").exists()  # a real centre's ./data is untouched
    demo = VoteStore.open(tmp_path / "data" / "demo" / "votes.db", kiosk_id="demo-01", tz=load_config().tz)
    with demo:
        sources = {v.source for v in demo.iter_votes()}
    assert sources == {"demo"}
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "demo-data", "--days", "2", "--per-day", "5"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr  # demo-data still accepts the demo's folder


def test_a_real_centre_without_boxes_and_without_a_display_is_told_and_never_simulated(tmp_path):
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "KIVY_WINDOW": ""}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", "--config", str(write_config(tmp_path))],
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no [[button_boxes]]" in proc.stderr
    with VoteStore.from_config(load_config(tmp_path / "kiosk.toml")) as store:
        assert store.count() == 0

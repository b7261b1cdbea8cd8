"""The kiosk's log: a rotating file under the data folder (or ``[kiosk] log_dir``) and stderr, in
every face, with votes, errors and their tracebacks — and never a secret.

The touch test runs ``python main.py run`` full-screen on its own Xvfb server with no window
manager and taps a rating card with real X events (xdotool), as a citizen would.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.logs import BACKUP_COUNT, LOG_NAME, setup_logging
from tests.conftest import synthetic_votes, ROOT, run_cli, write_config

SECRET = "s3cr3t-never-in-a-log-7f1e"


def _config_with_sync_and_log_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path, extra=f'\n[sync]\nurl = "http://127.0.0.1:9"\nsecret = "{SECRET}"\n'
                                        'window = "22:00-05:00"\n')


def _with_key(path: Path, key_line: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[kiosk]\n", f"[kiosk]\n{key_line}\n", 1), encoding="utf-8")


@pytest.fixture
def root_logging():
    """Put the root logger back as it was after a test that set it up."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
        if h not in handlers:
            h.close()
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


def test_the_log_file_lives_in_the_data_folder_unless_log_dir_says_otherwise(tmp_path):
    path = write_config(tmp_path)
    assert load_config(path).log_dir == tmp_path / "data" / "logs"
    plain = path.read_text(encoding="utf-8")
    _with_key(path, 'log_dir = "/var/log/kiosk-test"')
    assert load_config(path).log_dir == Path("/var/log/kiosk-test")
    path.write_text(plain, encoding="utf-8")
    _with_key(path, 'log_dir = 7')
    with pytest.raises(ConfigError, match="log_dir"):
        load_config(path)


def test_setup_logging_rotates_and_replaces_handlers_that_were_there(tmp_path, root_logging):
    root = logging.getLogger()
    stray = logging.StreamHandler()
    root.addHandler(stray)  # as Kivy adds its own at import
    path = setup_logging(tmp_path / "logs", stderr=False)
    assert stray not in root.handlers and path == tmp_path / "logs" / LOG_NAME
    handler = root.handlers[0]
    assert handler.backupCount == BACKUP_COUNT and handler.maxBytes > 0  # bounded on the card, for years
    logging.getLogger("kiosk.test").info("hello %s", "log")
    handler.flush()
    assert "INFO kiosk.test: hello log" in path.read_text(encoding="utf-8")


def test_kivys_probe_for_an_input_provider_the_kiosk_never_uses_is_no_error_but_its_real_errors_stay(tmp_path,
                                                                                                     root_logging):
    path = setup_logging(tmp_path / "logs", stderr=False)
    kivy_log = logging.getLogger("kivy")
    for message in ("Input: MTDev is not supported by your version of linux", "Window: something really broke"):
        try:
            raise OSError("libmtdev.so.1: cannot open shared object file")
        except OSError:
            kivy_log.exception(message)  # as kivy.input.providers does at import when libmtdev is missing
    logging.getLogger().handlers[0].flush()
    text = path.read_text(encoding="utf-8")
    assert "INFO kivy: Input: MTDev is not supported" in text and "ERROR kivy: Input: MTDev" not in text
    assert "ERROR kivy: Window: something really broke" in text
    assert text.count("Traceback") == 1  # the real error keeps its traceback; the probe has none


def test_a_cli_error_that_nobody_expected_is_one_line_for_the_person_and_a_traceback_in_the_log(tmp_path):
    config = write_config(tmp_path)
    assert run_cli("totals", config=config).returncode == 0  # creates the data folder
    # A store whose votes table lost a column: an internal fault, not the user's input.
    import sqlite3
    conn = sqlite3.connect(tmp_path / "data" / "votes.db")
    conn.execute("ALTER TABLE votes RENAME COLUMN local_date TO lost")
    conn.close()
    r = run_cli("totals", config=config)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    log_file = tmp_path / "data" / "logs" / LOG_NAME
    assert str(log_file) in r.stderr
    log = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "unexpected error in 'totals'" in log


def test_a_sync_that_fails_is_logged_and_the_secret_never_is(tmp_path):
    config = _config_with_sync_and_log_dir(tmp_path)
    assert synthetic_votes(config, 2, 3, 1) > 0
    assert run_cli("totals", config=config).returncode == 0  # makes the log; a refused command creates none
    assert run_cli("demo-data", "--days", "2", "--per-day", "3", config=config).returncode == 1  # a real centre's
    r = run_cli("sync", "--attempts", "1", config=config)
    assert r.returncode != 0  # nobody listens on port 9
    log = (tmp_path / "data" / "logs" / LOG_NAME).read_text(encoding="utf-8")
    assert "demo-data" in log and "sync" in log
    assert SECRET not in log and SECRET not in r.stdout + r.stderr


def _xvfb(size: str):
    """A private X server with no window manager; returns (process, display)."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    return proc, f":{number}"


def _wait_in(path: Path, text: str, proc, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return True
        if proc.poll() is not None:
            raise AssertionError(f"the kiosk exited early: {proc.communicate()[0]}")
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not shutil.which("Xvfb") or not shutil.which("xdotool"), reason="needs Xvfb and xdotool")
def test_a_vote_tapped_on_the_touch_screen_is_in_the_log_file_and_the_sync_secret_is_not(tmp_path):
    config = _config_with_sync_and_log_dir(tmp_path)
    _with_key(config, 'counter = "Q1"\nlog_dir = "journal"')  # straight to the rating cards; the log elsewhere
    log_file = tmp_path / "journal" / LOG_NAME
    xvfb, display = _xvfb("1280x800")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISPLAY": display}
    env.pop("WAYLAND_DISPLAY", None)
    kiosk = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--config", str(config)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert _wait_in(log_file, "face ready", kiosk), "the touch screen never came up"
        voted = False
        for x, y in ((135, 500), (390, 500), (640, 520)):  # the best cards, left to right
            time.sleep(1.0)  # longer than any guard against a tap that began before the screen
            subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=env, check=True, timeout=10)
            if _wait_in(log_file, "INFO kiosk.votes: vote #1 Q1 ", kiosk, timeout=10):
                voted = True
                break
        assert voted, log_file.read_text(encoding="utf-8")
    finally:
        kiosk.send_signal(signal.SIGTERM)
        out, _ = kiosk.communicate(timeout=60)
        xvfb.terminate()
        xvfb.wait(10)
    assert kiosk.returncode == 0, out
    log = log_file.read_text(encoding="utf-8")
    assert "from touch" in log and "the store is closed" in log
    assert "vote #1 Q1" in out  # and on stderr, for the journal
    assert SECRET not in log and SECRET not in out
    assert not (tmp_path / "data" / "logs").exists()  # log_dir was honoured


def test_the_central_service_leaves_no_kiosk_data_folder_behind(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "serve", "--kiosks", "missing.toml"], cwd=tmp_path,
                       capture_output=True, text=True, env={**env, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert not (tmp_path / "data").exists()  # no kiosk log folder in wherever the service was started


def test_an_error_that_ends_a_thread_is_logged_with_its_traceback(tmp_path, root_logging):
    import threading
    previous = threading.excepthook
    try:
        path = setup_logging(tmp_path / "logs", stderr=False, thread_errors=True)

        def broken():
            raise OSError(5, "Input/output error")  # as pyserial's reader thread can die on an unplug

        t = threading.Thread(target=broken, name="buttons:/dev/ttyUSB0")
        t.start()
        t.join()
    finally:
        threading.excepthook = previous
    log = path.read_text(encoding="utf-8")
    assert "uncaught error in thread buttons:/dev/ttyUSB0" in log and "Traceback" in log and "Input/output" in log


def test_a_log_folder_that_cannot_be_written_never_keeps_the_kiosk_from_running(tmp_path):
    link = tmp_path / "box"
    (tmp_path / "not-a-folder").write_text("x")
    config = write_config(tmp_path, extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q1"\n')
    _with_key(config, 'log_dir = "not-a-folder/logs"')
    from hardware.simulator import VirtualBox
    with VirtualBox(link, heartbeat_s=None) as box:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--headless", "--config", str(config)],
                                env={**os.environ, "PYTHONPATH": str(ROOT), "DISPLAY": ""},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while not box.press(1).acked:
                assert time.monotonic() < deadline and proc.poll() is None, "the kiosk never took a vote"
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "cannot write the kiosk's log there" in out and "standard error only" in out and " vote #1 " in out

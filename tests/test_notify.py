"""systemd's notify protocol (issue 16, "Supervised"): READY=1 when the face is up, WATCHDOG=1 from the loop
that serves citizens, a one-line STATUS=, all on a real NOTIFY_SOCKET the test binds as systemd does; a
loop that is stuck sends no ping; no socket, no error."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import uuid

from hardware.headless import headless_face
from hardware.simulator import VirtualBox
from kiosk.config import load_config
from kiosk.notify import Heartbeat, Notifier, status_line
from kiosk.runtime import Runtime
from tests.conftest import ROOT, write_config
from tests.notify_socket import NotifySocket

WATCHDOG_USEC = 400_000   # 0.4 s: pings every 0.2 s, so a test sees several in a moment


def test_without_a_notify_socket_nothing_is_sent_and_nothing_fails():
    notifier = Notifier.from_environ({})
    assert not notifier.enabled
    assert notifier.ready("x") is False and notifier.watchdog() is False
    beat = Heartbeat(notifier, status=lambda: 1 / 0)   # not even asked for
    assert beat.ready() is False and beat.beat() is False


def test_an_abstract_socket_name_is_reached_and_the_status_is_one_line(tmp_path):
    with NotifySocket(abstract=f"kiosk-test-{uuid.uuid4().hex}") as sock:
        notifier = Notifier.from_environ(sock.env(WATCHDOG_USEC))
        assert notifier.watchdog_s == 0.4
        assert notifier.ready("hôm nay 3 phiếu;\nđồng bộ gần nhất chưa có")
        assert sock.wait_for("READY=1") == ["READY=1", "STATUS=hôm nay 3 phiếu; đồng bộ gần nhất chưa có"]


def test_an_unreachable_socket_is_said_once_in_the_log_and_never_raised(tmp_path, caplog):
    notifier = Notifier(str(tmp_path / "nobody-listens"), WATCHDOG_USEC)
    with caplog.at_level(logging.WARNING, logger="kiosk.notify"):
        for _ in range(5):
            assert notifier.watchdog() is False
    assert len([r for r in caplog.records if "cannot notify systemd" in r.getMessage()]) == 1


def test_a_long_status_is_cut_to_one_short_line():
    line = status_line("x" * 500)
    assert line.startswith("STATUS=x") and len(line) <= len("STATUS=") + 200 and "\n" not in line


def test_the_heartbeat_pings_at_half_the_watchdog_interval_and_not_before(tmp_path):
    now = [100.0]
    with NotifySocket(tmp_path / "n") as sock:
        beat = Heartbeat(Notifier(sock.name, 10_000_000), status=lambda: "ok", clock=lambda: now[0])
        assert beat.every_s == 5.0
        assert beat.ready()
        assert beat.beat() is False          # just ready: not due
        now[0] += 5.0
        assert beat.beat() is True
        assert sock.drain() == [["READY=1", "STATUS=ok"], ["WATCHDOG=1", "STATUS=ok"]]


def _headless_env(sock: NotifySocket) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **sock.env(WATCHDOG_USEC)}


def test_the_headless_kiosk_says_ready_then_feeds_the_watchdog_with_votes_today(tmp_path):
    link = tmp_path / "box"
    config = write_config(tmp_path, extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')
    with NotifySocket(tmp_path / "ns") as sock, VirtualBox(link, heartbeat_s=None) as box:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--headless", "--config", str(config)],
                                env=_headless_env(sock), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            ready = sock.wait_for("READY=1")
            assert any(line.startswith("STATUS=hôm nay 0 phiếu") for line in ready)
            first = sock.wait_for("WATCHDOG=1", after=len(sock.messages))
            assert any(line.startswith("STATUS=") for line in first)
            assert box.press(1).acked or box.press(2).acked
            # The status line follows the votes: a later ping says today's vote.
            mark = len(sock.messages)
            while not any(line.startswith("STATUS=hôm nay 1 phiếu") for msg in sock.messages[mark:] for line in msg):
                sock.wait_for("WATCHDOG=1", after=len(sock.messages))
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        sock.drain()
        assert ["STOPPING=1"] in sock.messages
        assert (tmp_path / "data" / "health.json").is_file()  # left for `doctor`


def test_a_headless_loop_stuck_behind_the_store_sends_no_ping_until_it_turns_again(tmp_path):
    config = load_config(write_config(tmp_path))
    with NotifySocket(tmp_path / "ns") as sock:
        runtime = Runtime(config, notifier=Notifier(sock.name, WATCHDOG_USEC), handle_signals=False)
        face = threading.Thread(target=runtime.run, args=(headless_face,), daemon=True)
        face.start()
        try:
            sock.wait_for("READY=1")
            sock.wait_for("WATCHDOG=1", after=len(sock.messages))
            with runtime.store._lock:        # a write that never ends, as a stuck press would hold it
                sock.drain()
                # Three whole watchdog intervals: systemd would have killed it by now.
                threading.Event().wait(3 * WATCHDOG_USEC / 1e6)
                stuck = sock.drain()
            assert not [m for m in stuck if "WATCHDOG=1" in m], stuck
            sock.wait_for("WATCHDOG=1", after=len(sock.messages))   # released: the loop pings again
        finally:
            runtime.request_stop("test over")
            face.join(30)
        assert not face.is_alive()

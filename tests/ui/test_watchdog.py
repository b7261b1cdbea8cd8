"""The touch screen feeds systemd's watchdog from Kivy's own frame loop (issue 16): the real window says
READY=1 once drawn and pings WATCHDOG=1; a frame loop that is blocked sends no ping until it turns again."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import pytest
from kivy.clock import Clock

from kiosk.notify import Heartbeat, Notifier
from kiosk.ui.app import feed_watchdog
from tests.conftest import ROOT, write_config
from tests.notify_socket import NotifySocket
from tests.ui.conftest import pump, wait_until

WATCHDOG_USEC = 400_000


class _Runtime:
    """What the face reads from the runtime for the watchdog: its heartbeat."""

    def __init__(self, heartbeat: Heartbeat):
        self.heartbeat = heartbeat


def test_a_blocked_frame_loop_sends_no_ping_and_pings_again_once_it_turns(tmp_path, kiosk_factory):
    app = kiosk_factory()
    with NotifySocket(tmp_path / "ns") as sock:
        beat = Heartbeat(Notifier(sock.name, WATCHDOG_USEC), status=lambda: f"{app.store.count()} phiếu")
        feed_watchdog(_Runtime(beat))
        try:
            wait_until(lambda: bool(sock.drain()) and any("WATCHDOG=1" in m for m in sock.messages),
                       timeout=10, what="a first ping from the frame loop")
            during: list = []
            ran: list = []

            def frozen(_dt):  # the screen stuck in a callback for three watchdog intervals
                sock.drain()
                time.sleep(3 * WATCHDOG_USEC / 1e6)
                during.extend(sock.drain())
                ran.append(True)

            Clock.schedule_once(frozen, 0)
            wait_until(lambda: bool(ran), timeout=10, what="the frozen frame")
            assert not [m for m in during if "WATCHDOG=1" in m], during
            mark = len(sock.messages)
            wait_until(lambda: bool(sock.drain()) or len(sock.messages) > mark, timeout=10, what="a ping after")
            assert any("WATCHDOG=1" in m for m in sock.messages[mark:])
        finally:
            Clock.unschedule(beat.on_clock)
            pump(1)


@pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb")
def test_the_real_touch_screen_says_ready_and_feeds_the_watchdog(tmp_path):
    from tests.ui.test_fullscreen import XScreen
    config = write_config(tmp_path)
    screen = XScreen(800, 480)
    with NotifySocket(tmp_path / "ns") as sock:
        env = {**screen.env, "PYTHONPATH": str(ROOT), **sock.env(WATCHDOG_USEC)}
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--config", str(config)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            ready = sock.wait_for("READY=1", timeout=90)
            assert any(line.startswith("STATUS=hôm nay 0 phiếu") for line in ready), ready
            sock.wait_for("WATCHDOG=1", after=len(sock.messages), timeout=30)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
            screen.stop()
        assert proc.returncode == 0, out

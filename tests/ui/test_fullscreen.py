"""`python main.py run` full-screen (not --windowed) on X screens of every size a centre buys, with no
window manager (bare X, as under xinit) and with one: the window covers the screen, and a real click
(an X event, as a touchscreen's pointer arrives) on a drawn counter and card records that vote."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("fullscreen_driver.py")

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("xwininfo")),
                                reason="needs Xvfb, xdotool and xwininfo (make system-packages)")


class XScreen:
    """A private Xvfb server of one size (optionally with a window manager), stopped afterwards."""

    def __init__(self, width: int, height: int, window_manager: str | None = None):
        read, write = os.pipe()
        self.server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
                                        "-nolisten", "tcp"], pass_fds=(write,), stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as f:
            self.display = ":" + f.readline().strip()
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}, "DISPLAY": self.display}
        self.wm = subprocess.Popen([window_manager, "-use_titlebar", "no"], env=self.env, stderr=subprocess.DEVNULL) \
            if window_manager else None

    def windows(self) -> list[tuple[int, int, int, int]]:
        """(width, height, x, y) of every mapped top-level window of the app, from the X server itself."""
        tree = subprocess.run(["xwininfo", "-root", "-tree"], env=self.env, capture_output=True, text=True).stdout
        return [tuple(map(int, m.groups())) for m in
                re.finditer(r'python[^\n]*?\s(\d+)x(\d+)\+(-?\d+)\+(-?\d+)', tree)]

    def click(self, x: int, y: int) -> None:
        """A real pointer press and release at screen position (x, y)."""
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=self.env, check=True)

    def stop(self) -> None:
        for p in (self.wm, self.server):
            if p is not None:
                p.terminate()
                p.wait(5)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run_kiosk_and_vote(tmp_path: Path, size: tuple[int, int], window_manager: str | None = None) -> None:
    width, height = size
    config = write_config(tmp_path)  # three counters: the picker first
    targets = tmp_path / "targets.json"
    screen = XScreen(width, height, window_manager)
    app = subprocess.Popen([sys.executable, str(DRIVER), "run", "--config", str(config)],
                           env={**screen.env, "KIOSK_TARGETS": str(targets), "PYTHONPATH": str(ROOT)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def shown(name):
            try:
                data = json.loads(targets.read_text())
            except (FileNotFoundError, ValueError):
                return None
            laid_out = len({tuple(t) for t in data["targets"]}) == len(data["targets"])  # not all at one spot
            return data if data["screen"] == name and laid_out else None

        pick = wait_for(lambda: shown("pick"), 60, "the counter picker")
        assert pick["window"] == [width, height]
        windows = wait_for(screen.windows, 10, "the app's X window")
        assert all(w[:2] == (width, height) and w[2:] == (0, 0) for w in windows), \
            f"the X window does not cover the {width}x{height} screen: {windows}"
        time.sleep(0.7)  # a person reads before touching (and the touch guard is over); the layout has settled
        screen.click(*shown("pick")["targets"][1])  # "Quầy 2", where it is drawn
        wait_for(lambda: shown("rating"), 10, "the rating screen after a click on Quầy 2")
        time.sleep(0.7)
        screen.click(*shown("rating")["targets"][1])  # the second card: Hài lòng
        wait_for(lambda: shown("thanks"), 10, "the thank-you")
        db = sqlite3.connect(f"file:{tmp_path / 'data' / 'votes.db'}?mode=ro", uri=True)
        assert db.execute("SELECT counter_id, level, source FROM votes").fetchall() == [("Q2", "HL", "touch")]
        db.close()
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        screen.stop()


@pytest.mark.parametrize("size", [(800, 480), (1024, 600), (1920, 1080), (1080, 1920)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_full_screen_without_a_window_manager_covers_the_screen_and_a_click_lands_on_what_is_drawn(tmp_path, size):
    run_kiosk_and_vote(tmp_path, size)


@pytest.mark.skipif(not shutil.which("matchbox-window-manager"), reason="needs matchbox-window-manager")
@pytest.mark.parametrize("size", [(1024, 600), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_full_screen_with_a_window_manager_covers_the_screen_and_a_click_lands_on_what_is_drawn(tmp_path, size):
    run_kiosk_and_vote(tmp_path, size, window_manager="matchbox-window-manager")


def test_the_window_is_anti_aliased_only_when_a_gpu_draws_it(tmp_path):
    from kiosk.ui.setup import multisamples
    assert multisamples(tmp_path / "no-dri") == 0  # software GL: multisampling would triple each frame's cost
    (tmp_path / "dri").mkdir()
    (tmp_path / "dri" / "card0").touch()
    assert multisamples(tmp_path / "dri") == 0  # a display controller alone renders nothing
    (tmp_path / "dri" / "renderD128").touch()
    assert multisamples(tmp_path / "dri") == 2

"""A real Kivy window (under Xvfb in `make test`) and helpers to tap, type, wait and take screenshots."""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk.ui.setup import configure_kivy

# The kiosk's sound goes through SDL2_mixer's real output into a file (SDL's "disk" driver: 44.1 kHz stereo
# 16-bit PCM, written at the pace of a sound card), so a test hears what a citizen would (tests/ui/test_spoken.py).
# Only a test that turns sounds on opens the device; set before Kivy loads SDL.
AUDIO_SINK = Path(tempfile.mkdtemp(prefix="kiosk-audio-")) / "sink.raw"
os.environ["SDL_AUDIODRIVER"] = "disk"
os.environ["SDL_DISKAUDIOFILE"] = str(AUDIO_SINK)
configure_kivy(Path(tempfile.mkdtemp(prefix="kivy-test-")), kiosk_mode=False, size=(1280, 800))
from kivy.config import Config  # noqa: E402

Config.set("graphics", "maxfps", "0")  # tests run frames as fast as they render, not at 60 per second

from kivy.app import App  # noqa: E402
from kivy.base import EventLoop, ExceptionManager  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.graphics import Color, Rectangle  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402
from kiosk.ui.app import KioskApp, Timings  # noqa: E402
from tests.conftest import write_config  # noqa: E402

SCREENS = Path(__file__).resolve().parents[2] / "build" / "screens"
# The panels centres buy: 7" (800x480, 1024x600), 10" (1280x800), 1920x1080, and a portrait floor stand.
ALL_SIZES = ((800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920))
# warn_s=0: no warning before a timeout here (tests/ui/test_timeouts.py tests the warnings with the real 20 s)
FAST = Timings(thanks_s=0.8, reasons_idle_s=1.0, idle_s=1.5, answering_idle_s=1.5, manager_idle_s=1.5, long_press_s=0.3,
               toast_s=1.0, tick_s=0.05, guard_s=0.05, warn_s=0.0)


class TestClock:
    """The app's monotonic clock in a test: real time, until a test holds it still.

    Held, it moves only when the test moves it: a double tap's gap is then exactly the gap the test
    names, however long a loaded machine takes to draw the frames in between. Released, it goes on
    from where it was held (it never runs backwards)."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self):
        self._offset, self._held = 0.0, None

    def __call__(self) -> float:
        return self._held if self._held is not None else time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds`` without waiting for them."""
        if self._held is not None:
            self._held += seconds
        else:
            self._offset += seconds

    @contextmanager
    def held(self):
        """Stand still for the block (except for :meth:`advance`)."""
        self._held = self()
        try:
            yield self
        finally:
            self._offset, self._held = self._held - time.monotonic(), None


def _frame() -> None:
    """One iteration of Kivy's main loop, errors handled as ``EventLoop.mainloop`` handles them."""
    try:
        EventLoop.idle()
    except BaseException as exc:
        if ExceptionManager.handle_exception(exc) == ExceptionManager.RAISE:
            raise


def pump(frames: int = 2) -> None:
    """Run the event loop for a few frames (clock, input, drawing)."""
    for _ in range(frames):
        _frame()


def wait_until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    """Run frames until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _frame()
        if predicate():
            return
    raise AssertionError(f"timed out waiting for {what}")


def _guarded(action) -> None:
    try:
        action()
    except BaseException as exc:
        if ExceptionManager.handle_exception(exc) == ExceptionManager.RAISE:
            raise


def wait_out_guard() -> None:
    """Let the current screen be up for as long as the touch guard, as a person's next tap would: the
    app's clock is moved on by what is left of it (no real waiting, the same however loaded the machine)."""
    app = App.get_running_app()
    if app is not None:
        # (plus a microsecond: the sum must not round down to just inside the guard)
        app.clock.advance(max(0.0, app.shown_at + app.timings.guard_s - app.clock()) + 1e-6)


def tap(widget, hold: float = 0.0, guard: bool = True) -> None:
    """A finger on the widget's centre and off again, through the window's real input path.

    ``guard``: first wait out the touch guard of a screen that has just appeared (a deliberate tap);
    the double-tap tests pass False to tap too soon on purpose."""
    if guard:
        wait_out_guard()
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    _guarded(touch.touch_down)
    pump(1)
    end = time.monotonic() + hold
    while time.monotonic() < end:
        pump(1)
    _guarded(touch.touch_up)
    pump(2)


def press_key(char: str) -> None:
    """A key from a USB keypad, as the window receives it (after the touch guard, like a person)."""
    wait_out_guard()
    _guarded(lambda: Window.dispatch("on_key_down", ord(char), 0, char, []))
    _guarded(lambda: Window.dispatch("on_key_up", ord(char), 0))
    pump(1)


def screenshot(name: str, sizes=((1280, 800), (800, 480))) -> list[Path]:
    """Save the window as build/screens/<name>-<w>x<h>.png at each size; return the paths."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    saved = []
    for w, h in sizes:
        Window.size = (w, h)
        pump(8)
        target = SCREENS / f"{name}-{w}x{h}.png"
        # The widget tree rendered to an FBO (Window.screenshot goes black after a resize under Xvfb),
        # over the window's clear colour, as the window shows it.
        root = App.get_running_app().root_layout
        with root.canvas.before:
            paint = Color(*Window.clearcolor)
            fill = Rectangle(pos=root.pos, size=root.size)
        root.export_to_png(str(target))
        root.canvas.before.remove(paint)
        root.canvas.before.remove(fill)
        saved.append(target)
    Window.size = (1280, 800)
    pump(3)
    return saved


@pytest.fixture(scope="session", autouse=True)
def window():
    EventLoop.ensure_window()
    EventLoop.start()
    yield Window


@pytest.fixture
def kiosk_factory(tmp_path):
    """Build a KioskApp on a real store and put it in the window; taken down afterwards."""
    made = []

    def make(extra: str = "", counters=None, timings=FAST, kiosk_extra: str = "", config=None, **kwargs):
        """``config``: another app's, for a restart on the same store file."""
        if config is None:
            folder = tmp_path / f"k{len(made)}"
            folder.mkdir()
            cfg_kwargs = {"counters": counters} if counters else {}
            cfg_kwargs["kiosk_extra"] = kiosk_extra
            config = load_config(write_config(folder, extra=extra, **cfg_kwargs))
        store = VoteStore.from_config(config)
        app = KioskApp(config, store, timings=timings, clock=TestClock(), **kwargs)
        App._running_app = app  # before build(): the kv layouts bind to the running app
        root = app.build()
        Window.add_widget(root)
        pump(3)
        made.append((app, root, store))
        return app

    yield make
    for app, root, store in made:
        app.dispatch("on_stop")  # as App.stop() does: also lets kv's `app` forget this app
        Window.remove_widget(root)
        store.close()
    App._running_app = None
    pump(1)

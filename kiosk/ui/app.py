"""The touch-screen kiosk: the citizen's flow, the manager's screens, and the hardening around them.

A tap records the vote (``record_vote`` returns after COMMIT) before anything else is shown. Serial
button boxes and sync run on their own threads and reach the UI only through the doorway. An error
in one screen is logged and the kiosk returns to its start screen: the vote flow goes on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from ..config import Config, Counter
from ..pin import SETTING as PIN_SETTING
from ..pin import PinPad
from ..store import Vote, VoteNotRecorded, VoteStore
from .doorway import Doorway
from .sounds import Prompts
from .screens.citizen import (ClosedScreen, CounterPickScreen, RatingScreen, ReasonsScreen, ThanksScreen)
from .screens.manager import ManagerScreen, PinScreen
from .strings import t
from .widgets import BACKGROUND, Toast

log = logging.getLogger("kiosk.ui")

LOW_LEVELS = frozenset({"BT", "KHL", "RKHL"})  # these ask, optionally, what was wrong


@dataclass
class Timings:
    """How long things take, in seconds. Tests shorten them; people get these."""
    thanks_s: float = 3.0
    reasons_idle_s: float = 15.0
    idle_s: float = 30.0
    manager_idle_s: float = 120.0
    long_press_s: float = 3.0
    toast_s: float = 2.5
    tick_s: float = 0.5


class CornerHotspot(Widget):
    """An invisible square in the top-left corner: held for ``long_press_s``, it opens the PIN pad."""

    def __init__(self, app: "KioskApp", **kwargs):
        super().__init__(size_hint=(None, None), size=(dp(110), dp(110)), **kwargs)
        self.app = app
        self._event = None

    def on_touch_down(self, touch):
        if self.collide_point(*touch.pos) and self.app.sm.current_screen.citizen:
            self._event = Clock.schedule_once(lambda _dt: self.app.open_pin(), self.app.timings.long_press_s)
            touch.grab(self)
        return super().on_touch_down(touch)

    def on_touch_up(self, touch):
        if touch.grab_current is self:
            touch.ungrab(self)
            if self._event is not None:
                self._event.cancel()
                self._event = None
        return super().on_touch_up(touch)


class _Recover(ExceptionHandler):
    """Any error raised in a screen's callback: log it, go back to the start, keep running."""

    def __init__(self, app: "KioskApp"):
        self.app = app

    def handle_exception(self, exc):
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        log.exception("error in the touch screen; back to the start screen", exc_info=exc)
        self.app.errors += 1
        try:
            self.app.go_home()
        except Exception:  # the start screen itself failed: nothing more to do here
            log.exception("could not return to the start screen")
        return ExceptionManager.PASS


class KioskApp(App):
    """The kiosk. ``boxes`` (optional) is the running :class:`hardware.reader.ButtonBoxes`."""

    title = "Kiosk đánh giá sự hài lòng"

    def __init__(self, config: Config, store: VoteStore, timings: Timings | None = None, boxes=None,
                 sync_now: Callable[[], None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.cfg, self.store = config, store
        self.timings = timings or Timings(manager_idle_s=config.manager_idle_s)
        self.boxes, self._sync_now = boxes, sync_now
        self.lang = config.language
        self.counter_id: str | None = config.counter_id or (config.counters[0].id if len(config.counters) == 1 else None)
        self.pinpad = PinPad(lambda: store.get_setting(PIN_SETTING))
        self.last_vote: Vote | None = None
        self.last_touch = time.monotonic()
        self.errors = 0
        self.doorway = Doorway(self.on_event)
        self.toasts: list[Toast] = []
        self._thanks_event = None
        self._handler = _Recover(self)
        self.prompts = Prompts(config.sounds)

    # --- building -----------------------------------------------------------------------------

    def build(self):
        # The window's own clear colour is the background: one full-screen fill a frame, not two.
        Window.clearcolor = BACKGROUND
        self.sm = ScreenManager(transition=NoTransition())
        self.screens = {s.name: s for s in (CounterPickScreen(self), RatingScreen(self), ThanksScreen(self),
                                              ReasonsScreen(self), ClosedScreen(self), PinScreen(self),
                                              ManagerScreen(self))}
        for screen in self.screens.values():
            self.sm.add_widget(screen)
        self.root_layout = FloatLayout()
        self.root_layout.add_widget(self.sm)
        self.hotspot = CornerHotspot(self, pos_hint={"x": 0, "top": 1})
        self.root_layout.add_widget(self.hotspot)
        self.root_layout.bind(on_touch_down=lambda *_: self.touched())
        Window.bind(on_key_down=self._on_key_down)
        ExceptionManager.add_handler(self._handler)
        self._tick = Clock.schedule_interval(self._on_tick, self.timings.tick_s)
        self.go_home()
        return self.root_layout

    def on_stop(self):
        Window.unbind(on_key_down=self._on_key_down)
        if self._handler in ExceptionManager.handlers:
            ExceptionManager.remove_handler(self._handler)
        self._tick.cancel()

    # --- moving between screens ---------------------------------------------------------------

    def show(self, name: str) -> None:
        """Make ``name`` the current screen, with its words refreshed."""
        screen = self.screens[name]
        screen.refresh()
        if self.sm.current != name and name in ("rating", "thanks"):
            self.prompts.play("question" if name == "rating" else "thanks")
        self.sm.current = name

    def current_counter(self) -> Counter:
        """The counter the rating screen is for."""
        return self.cfg.counter(self.counter_id or self.cfg.counters[0].id)

    def is_open(self) -> bool:
        """Inside opening hours now."""
        return self.cfg.hours.is_open(datetime.now(self.cfg.tz))

    def go_home(self) -> None:
        """The start screen: closed, the counter picker, or the rating screen."""
        self._cancel_thanks()
        if not self.cfg.counter_id and len(self.cfg.counters) > 1:
            self.counter_id = None
        self.show(self._home_name())
        self.screens["reasons"].reset()

    def pick_counter(self, counter_id: str) -> None:
        """The citizen touched a counter's name."""
        self.counter_id = counter_id
        self.show("rating")

    def toggle_language(self) -> None:
        """Vietnamese ⇄ English, one tap."""
        self.lang = "en" if self.lang == "vi" else "vi"
        self.sm.current_screen.refresh()

    # --- voting -------------------------------------------------------------------------------

    def rate(self, level_code: str, source: str = "touch") -> Vote | None:
        """Record the vote durably, then thank (or ask what was wrong, after a low rating)."""
        if self.sm.current not in ("rating", "pick"):
            return None  # the thank-you or another screen is up: not a second vote
        counter = self.current_counter()
        try:
            vote = self.store.record_vote(counter.id, level_code, source=source, out_of_hours=not self.is_open())
        except VoteNotRecorded as e:
            log.error("vote not recorded: %s", e)
            self.toast(t("error_not_recorded", self.lang), colour_error=True)
            self.go_home()
            return None
        self.last_vote = vote
        if level_code in LOW_LEVELS:
            self.show("reasons")
        else:
            self.thank()
        return vote

    def submit_reasons(self, elements: Sequence[str]) -> None:
        """Attach what the citizen ticked (maybe nothing) to the vote just stored, then thank."""
        if elements and self.last_vote is not None:
            try:
                self.store.attach_reasons(self.last_vote.uuid, list(elements))
            except VoteNotRecorded as e:
                log.error("reasons not recorded: %s", e)
        self.thank()

    def thank(self) -> None:
        """The thank-you screen, then back to the start by itself."""
        self.show("thanks")
        self._cancel_thanks()
        self._thanks_event = Clock.schedule_once(lambda _dt: self.go_home(), self.timings.thanks_s)

    def _cancel_thanks(self) -> None:
        if self._thanks_event is not None:
            self._thanks_event.cancel()
            self._thanks_event = None

    def _on_key_down(self, _window, key, _scancode, codepoint, modifiers):
        """Digit keys from a USB keypad vote on the rating screen: key 1 is the best level."""
        if codepoint and codepoint.isdigit() and not modifiers and self.sm.current in ("rating", "pick"):
            n = int(codepoint)
            levels = self.cfg.scale.levels
            if 1 <= n <= len(levels):
                self.touched()
                if self.counter_id is None:
                    self.counter_id = self.cfg.counters[0].id  # the picker is up: the first counter
                self.rate(levels[n - 1].code, source="keypad")
                return True
        return False

    # --- events from other threads ------------------------------------------------------------

    def on_serial_vote(self, vote: Vote, box: int) -> None:
        """Called on a reader thread after a button-box vote is committed."""
        self.doorway.post("serial_vote", vote)

    def on_event(self, kind: str, payload: Any) -> None:
        """Events arriving through the doorway, on the UI thread."""
        if kind == "serial_vote":
            name = self.cfg.counter(payload.counter_id).name if payload.counter_id in {
                c.id for c in self.cfg.counters} else payload.counter_id
            self.toast(f"{t('thanks_short', self.lang)} — {name}")
        elif kind == "export_progress":
            self.screens["manager"].export_progress(*payload)

    def toast(self, text: str, colour_error: bool = False) -> None:
        """A message over the current screen for a moment, without changing screens."""
        toast = Toast(text=text, size_hint=(0.6, 0.12), pos_hint={"center_x": 0.5, "y": 0.02}, font_size=dp(26),
                      background=(0.7, 0.1, 0.1, 0.95) if colour_error else Toast.OK)
        self.root_layout.add_widget(toast)
        self.toasts.append(toast)
        Clock.schedule_once(lambda _dt: self._drop_toast(toast), self.timings.toast_s)

    def _drop_toast(self, toast: Toast) -> None:
        if toast in self.toasts:
            self.toasts.remove(toast)
            self.root_layout.remove_widget(toast)

    # --- idle, hours ---------------------------------------------------------------------------

    def touched(self) -> None:
        """Any touch: the idle timers start again."""
        self.last_touch = time.monotonic()

    def _on_tick(self, _dt) -> None:
        idle = time.monotonic() - self.last_touch
        name = self.sm.current
        screen = self.sm.current_screen
        if name == "reasons" and idle >= self.timings.reasons_idle_s:
            self.go_home()  # walked away: the rating stays, the reasons are not asked again
        elif screen.citizen and name not in ("thanks",) and idle >= self.timings.idle_s and name != self._home_name():
            self.go_home()
        elif not screen.citizen and idle >= (self.timings.manager_idle_s if name == "manager" else self.timings.idle_s):
            self.go_home()
        elif name == "closed" and self.is_open():
            self.go_home()
        elif screen.citizen and name in ("rating", "pick") and not self.is_open():
            self.go_home()
        elif name == "pin":
            self.screens["pin"]._show_lock()  # the lockout countdown moves on by itself

    def _home_name(self) -> str:
        """The start screen's name now: closed, the counter picker, or the rating screen."""
        if not self.is_open():
            return "closed"
        return "pick" if (not self.cfg.counter_id and len(self.cfg.counters) > 1) else "rating"

    # --- manager ------------------------------------------------------------------------------

    def open_pin(self) -> None:
        """The PIN pad (after a long press in the corner)."""
        self.touched()
        self.show("pin")

    def open_manager(self) -> None:
        """The manager's screen (after the right PIN)."""
        self.touched()
        self.show("manager")

    # sync now, leaving kiosk mode, refused votes, status and export: kiosk/ui/manager_actions.py


def run_app(runtime, args=None) -> int:
    """The touch screen as the runtime's face (:mod:`kiosk.runtime`): full-screen, ``--windowed`` for a desktop.

    The runtime has opened the store and started the button boxes and sync; it stops them when this
    returns. Button-box votes that came while the window was opening reach the screen once it is up.
    """
    scheduler = runtime.scheduler()
    app = KioskApp(runtime.config, runtime.store, boxes=runtime.boxes,
                   sync_now=scheduler.sync_now if scheduler else None)

    def stop_app() -> None:  # from a signal handler or another thread: let the UI thread stop it
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    def ready(_dt) -> None:
        runtime.face_ready(on_vote=app.on_serial_vote, stop=stop_app)
        if getattr(args, "exit_when_ready", False):  # for the cold-start benchmark: stop once drawn
            print(f"ready {time.time():.3f}", flush=True)
            app.stop()

    Clock.schedule_once(lambda _dt: Clock.schedule_once(ready, 0), 0)  # after the first frame is drawn
    app.run()
    return 0

"""The touch-screen kiosk: the citizen's flow, the manager's screens, and the hardening around them.

A tap records the vote (``record_vote`` returns after COMMIT) before anything else is shown. Serial
button boxes and sync run on their own threads and reach the UI only through the doorway. An error
in one screen is logged and the kiosk returns to its start screen: the vote flow goes on.
"""

from __future__ import annotations

import importlib
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
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from ..config import Config, Counter
from ..flow import (CITIZEN_SCREENS, GUARD_S, WARN_S, CitizenFlow, IdleLimits, after_rating, after_thanks, home_screen,
                    idle_limit, key_action, rating_screen, should_go_home, ticket_or_rating, warning_due)
from ..pin import SETTING as PIN_SETTING
from ..pin import PinPad
from ..store import Vote, VoteNotRecorded, VoteStore
from ..ticket import TicketKeyError, load_key, number_problem, ticket_hash
from .store_gone import StoreGoneCover
from .doorway import Doorway
from .. import live
from .fonts import register_fonts
from . import spoken as voice
from .sounds import Prompts, stored_volume
from .screens.citizen import (ClosedScreen, CounterPickScreen, RatingScreen, ReasonsScreen, ThanksScreen)
from .screens.questionnaire_walk import QuestionnaireWalk
from .strings import t
from .theme import LARGE_TEXT, NORMAL, theme_for
from .timeout_warning import TimeWarning
from .widgets import Toast

log = logging.getLogger("kiosk.ui")

@dataclass
class Timings:
    """How long things take, in seconds. Tests shorten them; people get these."""
    thanks_s: float = 3.0
    invite_after_s: float = 1.5  # a rating's thank-you is this long when the questionnaire's invitation follows
    # Each citizen limit below is announced warn_s before it ends, with "Thêm thời gian" (kiosk.flow.IdleLimits).
    invite_idle_s: float = 35.0  # an invitation nobody answers goes away (the rating is already stored)
    reasons_idle_s: float = 35.0
    idle_s: float = 45.0
    answering_idle_s: float = 30.0  # a questionnaire left part way: shorter (the warning after 10 s untouched)
    warn_s: float = WARN_S
    manager_idle_s: float = 120.0
    long_press_s: float = 3.0
    toast_s: float = 2.5
    tick_s: float = 0.5
    guard_s: float = GUARD_S  # a touch this soon after a screen appeared is not an answer (kiosk.flow)
    settle_s: float = live.SETTLE_S  # untouched on the start screen this long: a new settings version may apply


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


class _Screens(dict):
    """The app's screens by name, each built (and added to the screen manager) on first use."""

    def __init__(self, app: "KioskApp", kinds: dict):
        super().__init__()
        self.app, self.kinds = app, kinds

    def __missing__(self, name: str):
        kind = self.kinds[name]
        if isinstance(kind, str):  # "module:Class", imported on first use (the manager's: a faster start)
            module, _, cls = kind.partition(":")
            kind = getattr(importlib.import_module(module, __package__), cls)
        screen = self[name] = kind(self.app)
        screen.fbind("spoken", self.app._spoken_changed)
        self.app.sm.add_widget(screen)
        self.app.touched()  # building it took time the person did not spend idle: the idle timers start again
        return screen


class KioskApp(App):
    """The kiosk. ``boxes`` (optional) is the running :class:`hardware.reader.ButtonBoxes`."""

    title = "Kiosk đánh giá sự hài lòng"
    # What the kv layouts bind to: the citizen's language and the screen's shape.
    lang = StringProperty("vi")
    vmin = NumericProperty(480)      # the screen's shorter side, px: text is sized from it
    portrait = BooleanProperty(False)
    band_h = NumericProperty(48)     # the footer band (hints, toasts): cards never use it
    pad = NumericProperty(10)
    theme = ObjectProperty(NORMAL)   # kiosk.ui.theme: the normal look, or high contrast (this citizen only)
    text_scale = NumericProperty(1.0)  # 1, or LARGE_TEXT in the high-contrast mode

    def __init__(self, config: Config, store: VoteStore, timings: Timings | None = None, boxes=None,
                 sync_now: Callable[[], None] | None = None, clock: Callable[[], float] = time.monotonic,
                 prompts: Prompts | None = None, enrol: Callable[[str, str], str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.cfg, self.store = config, store
        # Monotonic seconds for the touch guard and the idle limits; tests place a touch exactly with their own.
        self.clock = clock
        self.timings = timings or Timings(manager_idle_s=config.manager_idle_s)
        self.boxes, self._sync_now = boxes, sync_now
        self._enrol = enrol   # (url, code) -> the kiosk's id: sync.enrol, which this room may not import
        self.flow = CitizenFlow(config.language, self.timings.guard_s)
        self.lang = self.flow.lang
        self.counter_id: str | None = config.counter_id or (config.counters[0].id if len(config.counters) == 1 else None)
        self.pinpad = PinPad(lambda: store.get_setting(PIN_SETTING))
        self.last_vote: Vote | None = None
        self.last_touch = self.clock()
        self.errors = 0
        self.doorway = Doorway(self.on_event)
        self.toasts: list[Toast] = []
        self._thanks_event = None
        self._handler = _Recover(self)
        # Spoken prompts (kiosk.ui.sounds): off unless [kiosk] sounds = true; the centre's own texts rendered
        # once into the data folder, on the renderer's thread.
        self.prompts = prompts or Prompts(config.sounds, cache=config.data_dir / "sounds", volume=stored_volume(store))
        self.questionnaire = QuestionnaireWalk(self)  # the questionnaire on now and a citizen's walk through it
        self.store_gone: StoreGoneCover | None = None  # made at the first tick (it needs the window)
        # The transaction's ticket number ([kiosk] ticket, kiosk.ticket): only its keyed hash is kept, from the
        # number screen to the vote it ties; the key is this kiosk's own, read (or made) once.
        self.ticket_hash: str | None = None
        self._ticket_key: bytes | None = None
        # A newer version of the managed settings (kiosk.live), waiting for the moment between two citizens.
        self.pending_cfg: Config | None = None

    # --- building -----------------------------------------------------------------------------

    def build(self):
        register_fonts()
        # The window's own clear colour is the background: one full-screen fill a frame, not two.
        Window.clearcolor = self.theme.paper
        Window.fbind("size", self._fit_window)
        self._fit_window()
        self.sm = ScreenManager(transition=NoTransition())
        self.sm.bind(current_screen=self._screen_appeared)  # the one place a screen's prompt is said
        self.screens = _Screens(self, {"pick": CounterPickScreen, "rating": RatingScreen, "thanks": ThanksScreen,
                                       "reasons": ReasonsScreen, "closed": ClosedScreen,
                                       "invite": ".screens.questionnaire:InviteScreen",
                                       "question": ".screens.questionnaire:QuestionScreen",
                                       "ticket": ".screens.ticket:TicketScreen",
                                       "pin": ".screens.manager:PinScreen", "manager": ".screens.manager:ManagerScreen"})
        for name in ("pick", "rating", "thanks", "reasons", "closed"):
            self.screens[name]  # the citizen's screens now; the manager's when first opened (a faster start)
        if self.cfg.ticket != "off":
            self.screens["ticket"]
            self._load_ticket_key()
        self.root_layout = FloatLayout()
        self.root_layout.add_widget(self.sm)
        self.hotspot = CornerHotspot(self, pos_hint={"x": 0, "top": 1})
        self.root_layout.add_widget(self.hotspot)
        self.warning = TimeWarning(self)  # on top of everything while shown (kiosk.ui.timeout_warning)
        self.root_layout.bind(on_touch_down=self._touch_began)
        Window.bind(on_key_down=self._on_key_down)
        ExceptionManager.add_handler(self._handler)
        self._tick = Clock.schedule_interval(self._on_tick, self.timings.tick_s)
        # Managed settings (kiosk.live): a new version comes on the check-in's thread, through the doorway, and
        # waits for the start screen left untouched (_on_tick): the store keeps the counters shown until then.
        live.SWITCH.set_face(lambda cfg: self.doorway.post("settings", cfg))
        self.prompts.prepare(voice.for_config(self.cfg, self.questionnaire.running()))
        self.go_home()
        return self.root_layout

    def _fit_window(self, *_):
        w, h = Window.size
        self.vmin, self.portrait = min(w, h), h > w
        self.band_h = max(40.0, self.vmin * 0.1)
        self.pad = self.vmin * 0.02

    def _touch_began(self, _widget, touch):
        """Every touch, before any screen sees it: note when it began (for the guard) and restart idle."""
        touch.ud.setdefault("kiosk_began", self.clock())
        self.touched()
        if self.prompts.enabled and "kiosk_said" not in touch.ud:
            touch.ud["kiosk_said"] = True
            self._say_touched(touch)

    # --- speaking (kiosk.ui.sounds) -----------------------------------------------------------

    def _screen_appeared(self, _sm, screen) -> None:
        """A screen appeared: say what it shows."""
        self.prompts.say(getattr(screen, "spoken", ()))

    def _spoken_changed(self, screen, prompts) -> None:
        """What the screen shown says changed (the next question, the other language): say it."""
        if screen is self.sm.current_screen:
            self.prompts.say(prompts)

    def _say_touched(self, touch) -> None:
        """A finger on a card: its label (under a warning that covers the screen, nothing)."""
        if self.warning.shown and self.warning.modal:
            return  # the warning covers the screen: a touch there is "more time", not a card
        for widget in self.sm.current_screen.walk(restrict=True):
            says = getattr(widget, "says", None)
            if says is None or widget.width <= 0 or widget.height <= 0 or widget.opacity == 0:
                continue
            x, y = widget.to_window(widget.x, widget.y)
            if x <= touch.x < x + widget.width and y <= touch.y < y + widget.height:
                self.prompts.say([says], touch=True)
                return

    def accepts(self, touch) -> bool:
        """May this touch answer the screen shown now? (Not the second half of a double tap.)"""
        return self.flow.accepts(touch.ud.get("kiosk_began", self.clock()))

    @property
    def shown_at(self) -> float:
        """When the current screen appeared (monotonic seconds)."""
        return self.flow.shown_at

    def on_stop(self):
        Window.unbind(on_key_down=self._on_key_down)
        Window.funbind("size", self._fit_window)
        if self._handler in ExceptionManager.handlers:
            ExceptionManager.remove_handler(self._handler)
        self._tick.cancel()
        live.SWITCH.set_face(None)
        self.prompts.close()

    # --- moving between screens ---------------------------------------------------------------

    def show(self, name: str) -> None:
        """Make ``name`` the current screen, with its words refreshed."""
        screen = self.screens[name]
        screen.refresh()
        self.flow.show(name, self.clock())
        self.sm.current = name

    def current_counter(self) -> Counter:
        """The counter the rating screen is for."""
        return self.cfg.counter(self.counter_id or self.cfg.counters[0].id)

    def is_open(self) -> bool:
        """Inside opening hours now."""
        return self.cfg.hours.is_open(datetime.now(self.cfg.tz))

    def go_home(self) -> None:
        """The start screen (closed, the counter picker, the rating screen or, when the questionnaire replaces
        the rating, its first question), in the configured language. A questionnaire left half-way keeps
        every answer given (each was stored as it was given)."""
        self._cancel_thanks()
        self.warning.hide()
        self.questionnaire.end()
        if self.has_picker():
            self.counter_id = None
        self._next_citizen()
        self._forget_ticket()
        home = self._home_name()
        if home == "question":
            self.questionnaire.begin()
        self.show(home)
        self.screens["reasons"].reset()

    def pick_counter(self, counter_id: str) -> None:
        """The citizen touched a counter's name: its rating screen, or its questionnaire in ``replace`` mode."""
        self.counter_id = counter_id
        name = rating_screen(self.questionnaire.mode())
        if name == "question":
            self.questionnaire.begin()
        else:
            name = ticket_or_rating(self.cfg.ticket)
        self.show(name)

    def has_picker(self) -> bool:
        """True when citizens first choose their counter (several counters, the screen not tied to one)."""
        return not self.cfg.counter_id and len(self.cfg.counters) > 1

    def back_to_pick(self) -> None:
        """"⬅ Chọn quầy khác": from the rating screen back to the counter picker (no vote)."""
        if self.has_picker() and self.sm.current in ("rating", "ticket"):
            self.counter_id = None
            self._forget_ticket()
            self.show("pick")

    def toggle_language(self) -> None:
        """Vietnamese ⇄ English, one tap, for this citizen (the next one starts in the configured language)."""
        self.lang = self.flow.toggle_language()
        self.sm.current_screen.refresh()

    def toggle_contrast(self) -> None:
        """High contrast and large print on ⇄ off, one tap, for this citizen (the next one starts in the normal look)."""
        self.flow.toggle_large_text()
        self._apply_look()

    def _apply_look(self) -> None:
        self.theme = theme_for(self.flow.large_text)
        self.text_scale = LARGE_TEXT if self.flow.large_text else 1.0
        Window.clearcolor = self.theme.paper

    def _next_citizen(self) -> None:
        """The configured language and the normal look again: whoever comes next did not choose them."""
        self.flow.reset()
        self.lang = self.flow.lang
        if self.theme is not NORMAL:
            self._apply_look()

    def more_time(self) -> None:
        """"Thêm thời gian": the idle timers start again and the warning goes; a double tap's second half
        lands on the screen underneath as no answer (the guard starts again)."""
        self.touched()
        self.warning.hide()
        self.flow.answered(self.clock())

    # --- the transaction's number (kiosk.ticket) ------------------------------------------------

    def _load_ticket_key(self) -> None:
        try:
            self._ticket_key = load_key(self.cfg.data_dir)
        except TicketKeyError as e:
            # Citizens still rate (untied: counted as any vote); the manager's people read why in the log.
            log.error("ratings are NOT tied to transactions: %s", e)

    def submit_ticket(self, number: str) -> bool:
        """"Tiếp tục" on the number screen: keep the number's keyed hash (never the number) and go on to
        the rating; False, with the reason on screen, for a number that is empty or not a number."""
        screen = self.screens["ticket"]
        problem = number_problem(number)
        if problem:
            screen.refuse("ticket_empty" if problem == "is empty" else "ticket_bad")
            return False
        screen.reset()  # the digits are forgotten here, whatever follows
        self.ticket_hash = ticket_hash(self._ticket_key, number, self.store.today()) if self._ticket_key else None
        self.show("rating")
        return True

    def skip_ticket(self) -> None:
        """"Bỏ qua" on the number screen (``ask``): rate without a number."""
        self._forget_ticket()
        self.show("rating")

    def _forget_ticket(self) -> None:
        self.ticket_hash = None
        if "ticket" in self.screens:
            self.screens["ticket"].reset()

    # --- voting -------------------------------------------------------------------------------

    def rate(self, level_code: str, source: str = "touch") -> Vote | None:
        """Record the vote durably, then thank (or ask what was wrong, after a low rating)."""
        if self.sm.current not in ("rating", "pick", "invite"):
            return None  # the thank-you or another screen is up: not a second vote
        if self.sm.current == "invite":
            # The next citizen rated on the invitation's cards: the invitation is left (nothing of it was
            # stored) and whoever comes now starts in the configured language and look.
            self.questionnaire.end()
            self._next_citizen()
        if self.cfg.ticket != "off" and self.sm.current != "rating":
            # The next citizen, on the invitation's cards: their number comes first, as for everyone.
            self._forget_ticket()
            self.show("ticket")
            return None
        counter = self.current_counter()
        ticket, self.ticket_hash = self.ticket_hash, None   # one vote a number given
        try:
            vote = self.store.record_vote(counter.id, level_code, source=source, out_of_hours=not self.is_open(),
                                          ticket_hash=ticket)
        except VoteNotRecorded as e:
            log.error("vote not recorded: %s", e)
            self.toast(t("error_not_recorded", self.lang), colour_error=True)
            self.go_home()
            return None
        self.last_vote = vote
        if after_rating(level_code) == "reasons":
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

    def thank(self, kind: str = "vote") -> None:
        """The thank-you screen (for a rating, or for a questionnaire: ``kind``), then by itself the
        questionnaire's invitation (after a rating, while one is on in ``invite`` mode) or the start."""
        self.screens["thanks"].kind = kind
        self.show("thanks")
        self._cancel_thanks()
        if kind == "vote" and self.questionnaire.mode() == "invite":
            self._thanks_event = Clock.schedule_once(lambda _dt: self._after_thanks(),
                                                     min(self.timings.thanks_s, self.timings.invite_after_s))
        else:
            self._thanks_event = Clock.schedule_once(lambda _dt: self.go_home(), self.timings.thanks_s)

    def _after_thanks(self) -> None:
        self._thanks_event = None
        if after_thanks(self.questionnaire.mode()) == "invite" and self.questionnaire.begin():
            self.show("invite")
        else:
            self.go_home()

    def _cancel_thanks(self) -> None:
        if self._thanks_event is not None:
            self._thanks_event.cancel()
            self._thanks_event = None

    def _on_key_down(self, _window, key, _scancode, codepoint, modifiers):
        """USB keypad digits (kiosk.flow.key_action): on the rating screen digit N rates the N-th level,
        1 the best; on the counter picker digit N chooses the N-th counter and never votes."""
        enrolling = self.sm.current == "manager" and self.screens["manager"].status.enrol
        if enrolling and enrolling.shown:   # a scanner types the enrolment QR's line (manager_enrol.py)
            return enrolling.key(key, codepoint, modifiers)
        if self.sm.current == "ticket":
            return self.screens["ticket"].key(key, codepoint, modifiers)   # a scanner or keypad types the number
        if not (codepoint and codepoint.isdigit() and not modifiers):
            return False
        current = self.questionnaire.current_question()
        action = key_action(self.sm.current, int(codepoint), len(self.cfg.scale.levels), len(self.cfg.counters),
                            len(current.choices) if current is not None else 0)
        if action is None:
            return False
        self.touched()
        if not self.flow.accepts(self.clock()):
            return True  # a key held or pressed twice as the screen changed: not an answer
        if action.kind == "pick":
            self.pick_counter(self.cfg.counters[action.index].id)
        elif action.kind == "accept":
            self.questionnaire.accept()
        elif action.kind == "decline":
            self.questionnaire.decline()
        elif action.kind == "answer":
            self.questionnaire.answer(current.choice_for_key(action.index))  # N: the N-th choice (1 = best); 0 skips
        else:
            self.rate(self.cfg.scale.levels[action.index].code, source="keypad")
        return True

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
            self.screens["manager"].export.show_progress(*payload)
        elif kind == "enrol_done":   # the manager screen's enrolment, from its worker thread
            self.screens["manager"].status.enrol.done(*payload)
        elif kind == "settings":
            self.pending_cfg = payload   # a later version replaces one still waiting: only the newest applies
            log.info("managed settings version %s received; in force between two citizens", payload.settings_version)

    def switch_settings(self, new: Config) -> None:
        """Run ``new`` (a newer version of the managed settings) from now on: the store's counters and hours,
        the picker's cards, the question, the first language; then the start screen it makes. Called on the
        UI thread, between two citizens only (:func:`kiosk.live.between_citizens`)."""
        self.cfg = new
        live.apply_to_store(self.store, new)
        self.flow.default_lang = new.language
        self.counter_id = new.counter_id or (new.counters[0].id if len(new.counters) == 1 else None)
        self.screens["pick"].set_counters(new.counters)
        rating = self.screens["rating"]
        rating.question.text = rating.question_for(self.lang)   # kv binds it to the language only
        self.prompts.prepare(voice.for_config(new, self.questionnaire.running()))
        log.info("managed settings version %s in force", new.settings_version)
        self.go_home()

    def toast(self, text: str, colour_error: bool = False) -> None:
        """A message over the current screen for a moment, without changing screens."""
        # In the footer band, which no card or answer button uses: it never hides another citizen's choice.
        toast = Toast(text=text, size_hint=(0.9, None), height=self.band_h, pos_hint={"center_x": 0.5, "y": 0},
                      font_size=self.band_h * 0.42, text_size=(Window.width * 0.88, None),
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
        self.last_touch = self.clock()

    def _on_tick(self, _dt) -> None:
        if self.store_gone is None:
            self.store_gone = StoreGoneCover(self.store.path)
        self.store_gone.update(self.store.file_gone())
        t = self.timings
        idle, name, is_open = self.clock() - self.last_touch, self.sm.current, self.is_open()
        limits = IdleLimits(reasons_idle_s=t.reasons_idle_s, idle_s=t.idle_s, manager_idle_s=t.manager_idle_s,
                            invite_idle_s=t.invite_idle_s, answering_idle_s=t.answering_idle_s, warn_s=t.warn_s)
        home, mid = self._home_name(is_open), self.questionnaire.started
        changed = self.flow.large_text or self.lang != self.cfg.language or self._ticket_typed()
        if should_go_home(name, idle, limits, home=home, lang=self.lang, default_lang=self.cfg.language,
                          is_open=is_open, mid_questionnaire=mid, changed=changed):
            self.go_home()  # walked away (a rating already recorded stays), or the hours moved the start screen
            return
        if self.pending_cfg is not None and live.between_citizens(name, home, idle, settle_s=t.settle_s,
                                                                 mid_questionnaire=mid, changed=changed):
            new, self.pending_cfg = self.pending_cfg, None
            self.switch_settings(new)
            return
        limit = idle_limit(name, limits, home=home, changed=changed, mid_questionnaire=mid)
        if name in CITIZEN_SCREENS and warning_due(idle, limit, t.warn_s):
            # Over the start screen and the invitation a band (the next citizen's rating wins); elsewhere it
            # covers the screen, so nobody's tap lands in another citizen's reasons or questionnaire.
            start = name == "invite" or (name == home and not mid)
            self.warning.show(limit - idle, modal=not start, can_finish=name == "question" and mid)
        else:
            self.warning.hide()
        if name == "pin":
            self.screens["pin"]._show_lock()  # the lockout countdown moves on by itself

    def _ticket_typed(self) -> bool:
        """Digits left on the number screen: the next citizen must not find them (the screen gives up)."""
        return "ticket" in self.screens and bool(self.screens["ticket"].number)

    def _home_name(self, is_open: bool | None = None) -> str:
        """The start screen's name now: closed, the counter picker, the rating screen, or the questionnaire's
        first question when it replaces the rating."""
        home = home_screen(self.is_open() if is_open is None else is_open, len(self.cfg.counters),
                           bool(self.cfg.counter_id))
        if home != "rating":
            return home
        home = rating_screen(self.questionnaire.mode())
        return ticket_or_rating(self.cfg.ticket) if home == "rating" else home

    # --- manager ------------------------------------------------------------------------------

    def open_pin(self) -> None:
        """The PIN pad (after a long press in the corner), in the centre's language, not the citizen's
        (who is gone: the next one starts in the configured language too). Failed tries survive restarts."""
        self._next_citizen()
        self.pinpad.remember_in(self.store)
        self.show("pin")
        self.touched()

    def open_manager(self) -> None:
        """The manager's screen (after the right PIN), in the centre's language; logged."""
        self._next_citizen()
        log.info("manager screen opened")
        self.show("manager")
        self.touched()  # after: building the screen the first time takes a while on a slow panel, not idle time

    # sync now, leaving kiosk mode, refused votes, status and export: kiosk/ui/manager_actions.py


def feed_watchdog(runtime) -> None:
    """systemd's watchdog (kiosk.notify) fed from the Kivy frame loop itself: a frozen screen stops the pings."""
    beat = getattr(runtime, "heartbeat", None)
    if beat is not None and beat.notifier.enabled:
        Clock.schedule_interval(beat.on_clock, beat.every_s)


def run_app(runtime, args=None, enrol: Callable[[str, str], str] | None = None) -> int:
    """The touch screen as the runtime's face (:mod:`kiosk.runtime`): full-screen, ``--windowed`` for a desktop.

    The runtime has opened the store and started the button boxes and sync; it stops them when this
    returns. Button-box votes that came while the window was opening reach the screen once it is up.
    """
    scheduler = runtime.scheduler()
    app = KioskApp(runtime.config, runtime.store, boxes=runtime.boxes,
                   sync_now=scheduler.sync_now if scheduler else None, enrol=enrol)
    app.health = getattr(runtime, "health", None)  # the manager's status tab reads its signals (kiosk.health)

    def stop_app() -> None:  # from a signal handler or another thread: let the UI thread stop it
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    def ready(_dt) -> None:
        runtime.face_ready(on_vote=app.on_serial_vote, stop=stop_app)
        feed_watchdog(runtime)
        if getattr(args, "exit_when_ready", False):  # for the cold-start benchmark: stop once drawn
            print(f"ready {time.time():.3f}", flush=True)
            app.stop()

    Clock.schedule_once(lambda _dt: Clock.schedule_once(ready, 0), 0)  # after the first frame is drawn
    app.run()
    return 0

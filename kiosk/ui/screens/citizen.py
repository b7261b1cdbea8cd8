"""The citizen's screens: pick a counter, rate, say what was wrong (optional), thank you, closed.

Layouts are in ``kiosk/ui/kv/<screen>.kv``, bound to the app's properties (``lang``, ``vmin``,
``portrait``, ``band_h``): a language switch or a new screen size re-lays them out without building
widgets again. The widgets that depend on the configuration (counters, levels, reasons) are made once.
The screens only show and forward; the app (:class:`kiosk.ui.app.KioskApp`) records votes and moves
between screens, asking :mod:`kiosk.flow` for the rules.
"""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from rating.sipas import ELEMENTS
from ..fonts import SYMBOL_CHARS
from .. import spoken as voice
from ..strings import hours_lines, keep_name_whole, keep_whole, level_label, reason_label, tw
from ..widgets import LevelButton, ReasonToggle, fit_font_size

KV = Path(__file__).resolve().parents[1] / "kv"


class KioskScreen(Screen):
    """A screen that knows the app. On a citizen screen a touch that began before the screen appeared,
    or within the guard after (a double tap's second half), is swallowed: it is never an answer."""

    citizen = True  # idle on a citizen screen returns to the start
    app = ObjectProperty(None)
    # What the screen says when it appears (kiosk.ui.spoken prompts), set by refresh(); the app speaks it
    # when the screen appears or, while it is shown, when it changes (the next question, the language).
    spoken = ObjectProperty(())

    def __init__(self, app, **kwargs):
        super().__init__(app=app, **kwargs)

    def refresh(self) -> None:
        """Re-read what the kv layout cannot bind to (the counter, the officer on duty)."""

    def on_touch_down(self, touch):
        if self.citizen and not self.app.accepts(touch):
            return True
        return super().on_touch_down(touch)


class TopBar(BoxLayout):
    """The centre's name, the way back to the counter picker (when there is one), the language switch."""

    show_back = BooleanProperty(False)

    @property
    def lang(self):
        """The language switch button."""
        return self.ids.lang

    @property
    def back(self):
        """The "⬅ Chọn quầy khác" button."""
        return self.ids.back

    @property
    def contrast(self):
        """The "◐ Chữ to" button: high contrast and large print for this citizen."""
        return self.ids.contrast


class CounterPickScreen(KioskScreen):
    """When one kiosk serves several counters: the citizen first touches the counter's name."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="pick", **kwargs)
        self.topbar = self.ids.topbar
        self.question = self.ids.question
        self.buttons = []
        for counter in app.cfg.counters:
            b = Factory.CounterButton(text=keep_name_whole(counter.name))
            b.counter_id = counter.id
            b.says = voice.counter(counter)  # said as touched
            b.bind(on_release=lambda btn: app.pick_counter(btn.counter_id))
            self.ids.grid.add_widget(b)
            self.buttons.append(b)
        self._equalise = Clock.create_trigger(self._equal_names, -1)
        for b in self.buttons:
            b.fbind("size", self._equalise)
        app.fbind("vmin", self._equalise)
        app.fbind("text_scale", self._equalise)

    def refresh(self) -> None:
        self.spoken = (voice.pick(self.app.lang),)

    def _equal_names(self, *_):
        """Every counter's name at the size the longest needs: a list of equals, not one name shouting
        and another whispering."""
        largest = self.app.vmin * 0.065 * self.app.text_scale
        sizes = [fit_font_size(b.text, b.width - 2 * max(b.inset, b.height * 0.12), b.height, largest, b.min_font,
                               b.font_name, b.bold) for b in self.buttons]
        for b in self.buttons:
            b.font_cap = min(sizes)

    def columns(self, portrait: bool) -> int:
        """One column in portrait or for up to three counters, else two (three from ten on)."""
        n = len(self.app.cfg.counters)
        if portrait or n <= 3:
            return 1
        return 2 if n <= 9 else 3


class RatingScreen(KioskScreen):
    """The question and one card per level of the scale, best first."""

    counter_text = StringProperty("")
    can_go_back = BooleanProperty(False)

    def __init__(self, app, **kwargs):
        super().__init__(app, name="rating", **kwargs)
        self.topbar, self.question = self.ids.topbar, self.ids.question
        self.counter_line, self.footer = self.ids.counter_line, self.ids.footer
        self.level_buttons = []
        for level in app.cfg.scale.levels:
            b = LevelButton(level.code, key_hint=str(level.order) if app.cfg.keypad else "")
            b.bind(on_release=lambda btn: app.rate(btn.code, source="touch"))
            self.ids.cards.add_widget(b)
            self.level_buttons.append(b)
        app.fbind("portrait", self._orient)
        app.fbind("lang", self._captions)
        self._orient()
        self._captions()
        self._equalise = Clock.create_trigger(self._equal_words, -1)
        for b in self.level_buttons:
            b.ids.words.fbind("size", self._equalise)
            b.fbind("caption", self._equalise)
            b.fbind("natural_font", self._equalise)

    def _equal_words(self, *_):
        """Every card's words at the size the longest needs: five labels that read as one scale."""
        sizes = [fit_font_size(b.caption.replace("\n", " "), b.ids.words.width, b.ids.words.height, b.natural_font,
                               10, b.ids.words.font_name, True) for b in self.level_buttons]
        for b in self.level_buttons:
            b.font_cap = min(sizes)

    def _orient(self, *_):
        for b in self.level_buttons:
            b.row = self.app.portrait

    def _captions(self, *_):
        for b, level in zip(self.level_buttons, self.app.cfg.scale.levels):
            b.caption = level_label(level, self.app.lang)
            b.says = voice.level(level, self.app.lang)

    def question_for(self, lang: str) -> str:
        """The configured question (Vietnamese), else the catalogue's."""
        return keep_name_whole(self.app.cfg.question) if (self.app.cfg.question and lang == "vi") else tw("question", lang)

    def footer_for(self, lang: str) -> str:
        """"Touch one answer", and the keys only when a USB keypad is configured."""
        text = tw("tap_one", lang)
        if self.app.cfg.keypad:
            text += " — " + tw("or_keys", lang, first=1, last=len(self.app.cfg.scale.levels))
        return text

    def refresh(self) -> None:
        app = self.app
        counter = app.current_counter()
        officer = app.store.officer_on_duty(counter.id, app.store.today())
        self.counter_text = keep_name_whole(counter.name) + (f"  ·  {tw('officer', app.lang)}: {officer}" if officer else "")
        self.can_go_back = app.has_picker()
        self.spoken = (voice.question(app.cfg, app.lang),)


class ThanksScreen(KioskScreen):
    """The immediate thank-you. It has no buttons: a touch here is not a second vote.
    ``kind`` is ``vote`` (a rating) or ``questionnaire`` (the last question answered)."""

    kind = StringProperty("vote")

    def __init__(self, app, **kwargs):
        super().__init__(app, name="thanks", **kwargs)
        self.title, self.body = self.ids.title, self.ids.body

    def refresh(self) -> None:
        self.spoken = (voice.thanks(self.kind, self.app.lang),)

    def on_touch_down(self, touch):
        return True  # swallowed: nothing on this screen records anything


class ReasonsScreen(KioskScreen):
    """After a low rating: what was wrong, as five optional toggles, then Send or Skip."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="reasons", **kwargs)
        self.title, self.hint = self.ids.title, self.ids.hint
        self.skip, self.send = self.ids.skip, self.ids.send
        self.toggles = {}
        for code in ELEMENTS:
            tb = ReasonToggle(code=code, icon=SYMBOL_CHARS[f"reason_{code}"])
            tb.bind(on_release=lambda *_: app.flow.answered(app.clock()))
            self.ids.toggles.add_widget(tb)
            self.toggles[code] = tb
        app.fbind("lang", self._captions)
        self._captions()
        self._equalise = Clock.create_trigger(self._equal_words, -1)
        for tb in self.toggles.values():
            tb.ids.words.fbind("size", self._equalise)
            tb.fbind("caption", self._equalise)
            tb.fbind("natural_font", self._equalise)

    def _equal_words(self, *_):
        """Every reason's words at the size the longest needs: one list, not five sizes of print."""
        sizes = [fit_font_size(tb.caption, tb.ids.words.width, tb.ids.words.height, tb.natural_font,
                               tb.ids.words.min_font, tb.ids.words.font_name) for tb in self.toggles.values()]
        for tb in self.toggles.values():
            tb.font_cap = min(sizes)

    def _captions(self, *_):
        for code, tb in self.toggles.items():
            tb.caption = reason_label(code, self.app.lang)
            tb.says = voice.reason(code, self.app.lang)

    def refresh(self) -> None:
        self.spoken = (voice.reasons(self.app.lang),)

    def selected(self) -> list[str]:
        """The elements the citizen ticked, in catalogue order."""
        return [code for code, tb in self.toggles.items() if tb.state == "down"]

    def reset(self) -> None:
        """Untick everything (for the next citizen)."""
        for tb in self.toggles.values():
            tb.state = "normal"


class ClosedScreen(KioskScreen):
    """Outside opening hours: say so, and show the hours; button boxes still count (marked out of hours)."""

    hours_text = StringProperty("")

    def __init__(self, app, **kwargs):
        super().__init__(app, name="closed", **kwargs)
        self.title, self.body, self.hours = self.ids.title, self.ids.body, self.ids.hours

    def refresh(self) -> None:
        self.hours_text = self.hours_for(self.app.lang)
        self.spoken = (voice.closed(self.app.lang),)

    def hours_for(self, lang: str) -> str:
        """The opening hours, a line a group of days (Kivy markup)."""
        lines = hours_lines(self.app.cfg.hours, lang)
        return "\n".join([f"[b]{tw('closed_hours', lang)}[/b]"] + [keep_whole(line) for line in lines]) if lines else ""


for _name in ("widgets", "pick", "rating", "reasons", "thanks", "closed"):
    Builder.load_file(str(KV / f"{_name}.kv"))

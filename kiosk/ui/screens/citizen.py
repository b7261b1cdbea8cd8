"""The citizen's screens: pick a counter, rate, say what was wrong (optional), thank you, closed.

Layouts are in ``kiosk/ui/kv/<screen>.kv``, bound to the app's properties (``lang``, ``vmin``,
``portrait``, ``band_h``): a language switch or a new screen size re-lays them out without building
widgets again. The widgets that depend on the configuration (counters, levels, reasons) are made once.
The screens only show and forward; the app (:class:`kiosk.ui.app.KioskApp`) records votes and moves
between screens, asking :mod:`kiosk.flow` for the rules.
"""

from __future__ import annotations

import re
from datetime import datetime
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
from ..strings import DAY_NAMES, NBSP, hours_lines, keep_name_whole, keep_whole, level_label, reason_label, tw
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


CARD_TEXT_HEIGHT = 0.8  # of a counter's card: the rest is a margin above and below its words
# where a counter's name may break: after a comma or a semicolon, around a dash, before "và" (and)
PART_BREAKS = re.compile(r"(?<=[,;])\s+|\s+(?=[—–-]\s)|(?<=[—–-])\s+|\s+(?=và\s)")


def parts_whole(name: str) -> str:
    """A counter's name with each of its parts on one line: the spaces inside a part become no-break spaces,
    so lines break only between parts ("Quầy 3 — Tiếp nhận hồ sơ liên thông, lao động")."""
    pieces = PART_BREAKS.split(name)
    return " ".join(piece.replace(" ", NBSP) for piece in pieces if piece)


class CounterPickScreen(KioskScreen):
    """When one kiosk serves several counters: the citizen first touches the counter's name."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="pick", **kwargs)
        self.topbar = self.ids.topbar
        self.question = self.ids.question
        self.buttons = []
        self._equalise = Clock.create_trigger(self._equal_names, -1)
        self.set_counters(app.cfg.counters)
        app.fbind("vmin", self._equalise)
        app.fbind("text_scale", self._equalise)

    def set_counters(self, counters) -> None:
        """One card per counter (again, when a new version of the managed settings changes them)."""
        grid = self.ids.grid
        for b in self.buttons:
            grid.remove_widget(b)
        self.buttons = []
        for counter in counters:
            b = Factory.CounterButton(text=keep_name_whole(counter.name))
            b.counter_id, b.name = counter.id, counter.name
            b.says = voice.counter(counter)  # said as touched
            b.bind(on_release=lambda btn: self.app.pick_counter(btn.counter_id))
            b.fbind("size", self._equalise)
            grid.add_widget(b)
            self.buttons.append(b)
        grid.cols = self.columns(self.app.portrait)   # kv binds the columns to the shape only
        self._equalise()

    def refresh(self) -> None:
        self.spoken = (voice.pick(self.app.lang),)

    def _equal_names(self, *_):
        """Every counter's name at the size the longest needs: a list of equals, not one name shouting
        and another whispering. Each name breaks between its parts (after a comma, around a dash, before
        "và") rather than inside one — a Vietnamese word is several syllables, and "liên / thông" on two
        lines reads as two other words — unless keeping its parts whole would make it much smaller. The
        words keep off the card's top and bottom (two-line cards looked crammed), and fill the rest."""
        largest = self.app.vmin * 0.08 * self.app.text_scale
        sizes = []
        for b in self.buttons:
            w, h = b.width - 2 * max(b.inset, b.height * 0.12), b.height * CARD_TEXT_HEIGHT
            free = keep_name_whole(b.name)
            parts = parts_whole(b.name)
            fit_free = fit_font_size(free, w, h, largest, b.min_font, b.font_name, b.bold)
            fit_parts = fit_font_size(parts, w, h, largest, b.min_font, b.font_name, b.bold)
            b.text = parts if fit_parts >= 0.8 * fit_free else free
            sizes.append(fit_parts if b.text == parts else fit_free)
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
    """Outside opening hours: the centre's name, that it is closed and when it opens again, in Vietnamese and
    English (no one is there to switch the language), and the hours; button boxes still count (marked out of
    hours)."""

    hours_text = StringProperty("")
    centre_text = StringProperty("")
    title_text = StringProperty("")
    body_text = StringProperty("")
    again_text = StringProperty("")

    def __init__(self, app, **kwargs):
        super().__init__(app, name="closed", **kwargs)
        self.title, self.body, self.hours = self.ids.title, self.ids.body, self.ids.hours
        self.centre, self.again = self.ids.centre, self.ids.again

    def refresh(self, now: datetime | None = None) -> None:
        """The words for ``now`` (the centre's time; the wall clock when not given)."""
        now = now or datetime.now(self.app.cfg.tz)
        self.centre_text = keep_name_whole(self.app.cfg.centre)
        self.title_text = both("closed_title", bold=True)
        self.body_text = both("closed_body")
        opens = self.app.cfg.hours.next_opening(now)
        self.again_text = "" if opens is None else "\n".join(
            (f"[b]{tw('closed_again', lang, when=opening_words(opens, now, lang))}[/b]" for lang in ("vi", "en")))
        self.hours_text = self.hours_for(self.app.lang)
        self.spoken = (voice.closed(self.app.lang),)

    def hours_for(self, lang: str) -> str:
        """The opening hours, a line a group of days (Kivy markup)."""
        lines = hours_lines(self.app.cfg.hours, lang)
        return "\n".join([f"[b]{tw('closed_hours', lang)}[/b]"] + [keep_whole(line) for line in lines]) if lines else ""


def both(key: str, bold: bool = False) -> str:
    """A citizen's text in Vietnamese, then English under it (Kivy markup)."""
    vi, en = tw(key, "vi"), tw(key, "en")
    return f"[b]{vi}[/b]\n{en}" if bold else f"{vi}\n{en}"


def opening_words(opens: datetime, now: datetime, lang: str) -> str:
    """When the centre opens again, as a citizen says it: "hôm nay, 13:30" or "Thứ Hai 21/12, 07:30". Never
    "ngày mai": the screen may stay up past midnight, and the words must stay true while it does."""
    if opens.date() == now.date():
        return keep_whole(f"{tw('closed_today', lang)}, {opens:%H:%M}")
    return keep_whole(f"{DAY_NAMES[lang][opens.weekday()]} {opens:%d/%m}, {opens:%H:%M}")


for _name in ("widgets", "pick", "rating", "reasons", "thanks", "closed"):
    Builder.load_file(str(KV / f"{_name}.kv"))

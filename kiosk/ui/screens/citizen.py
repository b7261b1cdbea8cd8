"""The citizen's screens: pick a counter, rate, say what was wrong (optional), thank you, closed.

Everything a citizen needs is one tap on a large target. The screens only show and forward; the
app (:class:`kiosk.ui.app.KioskApp`) records votes and moves between screens.
"""

from __future__ import annotations

from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from ...sipas import ELEMENTS
from ..strings import element_label, level_label, t
from ..widgets import INK, BigButton, CheckToggle, LevelButton, checkmark, scaled


class KioskScreen(Screen):
    """A screen that knows the app and redraws its words when the language changes."""

    citizen = True  # idle on a citizen screen returns to the start

    def __init__(self, app, **kwargs):
        super().__init__(**kwargs)
        self.app = app

    def refresh(self) -> None:
        """Re-read everything shown (language, counter, officer)."""


def _title(text: str, size: float, **kwargs) -> Label:
    lbl = Label(text=text, color=INK, halign="center", valign="middle", **kwargs)
    lbl.bind(size=lambda w, s: setattr(w, "text_size", (s[0] - dp(24), s[1])))
    return scaled(lbl, size)


class TopBar(BoxLayout):
    """The centre's name and the language switch."""

    def __init__(self, app, **kwargs):
        super().__init__(orientation="horizontal", size_hint_y=None, padding=(dp(16), dp(6)), spacing=dp(12), **kwargs)
        self.app = app
        # Never smaller than a finger: 64 px on a small screen, a tenth of the height on a big one.
        fit = lambda *_: setattr(self, "height", max(dp(64), Window.height * 0.1))  # noqa: E731
        fit()
        Window.fbind("height", fit)
        self.centre = scaled(Label(text=app.cfg.centre, color=INK, halign="left", valign="middle", bold=True),
                             dp(20))
        self.centre.bind(size=lambda w, s: setattr(w, "text_size", s))
        self.lang = BigButton(text="", size_hint_x=None, width=dp(190), font_size=dp(22))
        self.lang.bind(on_release=lambda *_: app.toggle_language())
        self.add_widget(self.centre)
        self.add_widget(self.lang)

    def refresh(self) -> None:
        self.lang.text = t("language_switch", self.app.lang)


class CounterPickScreen(KioskScreen):
    """When one kiosk serves several counters: the citizen first touches the counter's name."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="pick", **kwargs)
        box = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(12))
        self.topbar = TopBar(app)
        self.question = _title("", dp(34), size_hint_y=0.18, bold=True)
        n = len(app.cfg.counters)
        self.grid = GridLayout(cols=1 if n <= 3 else 2, spacing=dp(14), padding=(dp(24), 0))
        self.buttons = []
        for counter in app.cfg.counters:
            b = BigButton(text=counter.name, font_size=dp(30))
            b.counter_id = counter.id
            b.bind(on_release=lambda btn: app.pick_counter(btn.counter_id))
            self.grid.add_widget(b)
            self.buttons.append(b)
        for w in (self.topbar, self.question, self.grid):
            box.add_widget(w)
        self.add_widget(box)

    def refresh(self) -> None:
        self.topbar.refresh()
        self.question.text = t("pick_counter", self.app.lang)


class RatingScreen(KioskScreen):
    """The question and one large button per level of the scale, best on the left."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="rating", **kwargs)
        box = BoxLayout(orientation="vertical", padding=dp(12), spacing=dp(8))
        self.topbar = TopBar(app)
        self.counter_line = _title("", dp(26), size_hint_y=0.09)
        self.question = _title("", dp(34), size_hint_y=0.16, bold=True)
        self.row = BoxLayout(orientation="horizontal", spacing=dp(6), size_hint_y=0.55)
        levels = app.cfg.scale.levels
        self.level_buttons = []
        for level in levels:
            b = LevelButton(level.code, level_label(level, app.lang), str(level.order))
            b.bind(on_release=lambda btn: app.rate(btn.code, source="touch"))
            self.row.add_widget(b)
            self.level_buttons.append(b)
        self.footer = _title("", dp(20), size_hint_y=0.08)
        for w in (self.topbar, self.counter_line, self.question, self.row, self.footer):
            box.add_widget(w)
        self.add_widget(box)

    def refresh(self) -> None:
        app, lang = self.app, self.app.lang
        self.topbar.refresh()
        counter = app.current_counter()
        officer = app.store.officer_on_duty(counter.id, app.store.today())
        line = counter.name + (f"  ·  {t('officer', lang)}: {officer}" if officer else "")
        self.counter_line.text = line
        self.question.text = app.cfg.question if (app.cfg.question and lang == "vi") else t("question", lang)
        for b, level in zip(self.level_buttons, app.cfg.scale.levels):
            b.caption = level_label(level, lang)
        n = len(self.level_buttons)
        self.footer.text = f"{t('tap_one', lang)} — {t('or_keys', lang, first=1, last=n)}"


class ThanksScreen(KioskScreen):
    """The immediate thank-you. It has no buttons: a touch here is not a second vote."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="thanks", **kwargs)
        box = BoxLayout(orientation="vertical", padding=dp(40), spacing=dp(20))
        self.icon = Widget(size_hint_y=0.4)
        checkmark(self.icon)
        self.title = _title("", dp(56), size_hint_y=0.3, bold=True)
        self.body = _title("", dp(30), size_hint_y=0.3)
        for w in (self.icon, self.title, self.body):
            box.add_widget(w)
        self.add_widget(box)

    def refresh(self) -> None:
        self.title.text = t("thanks_title", self.app.lang)
        self.body.text = t("thanks_body", self.app.lang)

    def on_touch_down(self, touch):
        return True  # swallowed: nothing on this screen records anything


class ReasonsScreen(KioskScreen):
    """After a low rating: what was wrong, as five optional toggles, then Send or Skip."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="reasons", **kwargs)
        box = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(10))
        self.title = _title("", dp(34), size_hint_y=0.14, bold=True)
        self.hint = _title("", dp(22), size_hint_y=0.08)
        grid = GridLayout(cols=1, spacing=dp(8), size_hint_y=0.6)
        self.toggles = {}
        for code in ELEMENTS:
            tb = scaled(CheckToggle(text=""), dp(26))
            tb.code = code
            grid.add_widget(tb)
            self.toggles[code] = tb
        actions = BoxLayout(orientation="horizontal", spacing=dp(16), size_hint_y=0.16)
        self.skip = BigButton(text="", background_color=(0.35, 0.35, 0.38, 1), font_size=dp(28))
        self.send = BigButton(text="", font_size=dp(30))
        self.skip.bind(on_release=lambda *_: app.submit_reasons([]))
        self.send.bind(on_release=lambda *_: app.submit_reasons(self.selected()))
        actions.add_widget(self.skip)
        actions.add_widget(self.send)
        for w in (self.title, self.hint, grid, actions):
            box.add_widget(w)
        self.add_widget(box)

    def selected(self) -> list[str]:
        """The elements the citizen ticked, in catalogue order."""
        return [code for code, tb in self.toggles.items() if tb.state == "down"]

    def reset(self) -> None:
        """Untick everything (for the next citizen)."""
        for tb in self.toggles.values():
            tb.state = "normal"

    def refresh(self) -> None:
        lang = self.app.lang
        self.title.text = t("reasons_title", lang)
        self.hint.text = t("reasons_hint", lang)
        self.skip.text = t("skip", lang)
        self.send.text = t("send", lang)
        for tb in self.toggles.values():
            tb.text = element_label(tb.code, lang)


class ClosedScreen(KioskScreen):
    """Outside opening hours: say so; button boxes still count (marked out of hours)."""

    def __init__(self, app, **kwargs):
        super().__init__(app, name="closed", **kwargs)
        box = BoxLayout(orientation="vertical", padding=dp(40))
        self.title = _title("", dp(44), bold=True)
        self.body = _title("", dp(28))
        box.add_widget(self.title)
        box.add_widget(self.body)
        self.add_widget(box)

    def refresh(self) -> None:
        self.title.text = t("closed_title", self.app.lang)
        self.body.text = t("closed_body", self.app.lang)

"""Reusable widgets: a rating button with a drawn face, a reason toggle, text that fits its box, a toast.

Each rating level has three cues that do not depend on colour vision: a face (five shapes, from a
laughing face to a crying one: :mod:`kiosk.ui.faces`), its words, and its position (best on the left).
Colour is the fourth.
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, RoundedRectangle
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from .faces import INK, Face  # noqa: F401  (Face: registered for widgets.kv, each card's face)

# Background and text colours per level: dark enough for white text (contrast >= 4.5:1).
LEVEL_COLOURS = {
    "RHL": ((0.05, 0.45, 0.20, 1), (1, 1, 1, 1)),
    "HL": ((0.20, 0.55, 0.25, 1), (1, 1, 1, 1)),
    "BT": ((0.55, 0.45, 0.05, 1), (1, 1, 1, 1)),
    "KHL": ((0.75, 0.33, 0.05, 1), (1, 1, 1, 1)),
    "RKHL": ((0.70, 0.10, 0.10, 1), (1, 1, 1, 1)),
}

from .theme import BACKGROUND, NORMAL  # noqa: F401,E402  (BACKGROUND: the window's paper)
REF_SIZE = 100  # words are measured once at this size; widths scale with the font size


def _width_at_ref(word: str, font_name: str, bold: bool) -> float:
    key = (word, font_name, bold)
    width = _WIDTHS.get(key)
    if width is None:
        from kivy.core.text import Label as CoreLabel
        measure = _MEASURERS.get((font_name, bold))
        if measure is None:
            measure = _MEASURERS[(font_name, bold)] = CoreLabel(font_size=REF_SIZE, font_name=font_name,
                                                                 bold=bold).get_extents
        width = _WIDTHS[key] = measure(word)[0]
    return width


def fit_font_size(text: str, width: float, height: float, largest: float, smallest: float = 12,
                  font_name: str = "Roboto", bold: bool = False, line_height: float = 1.15) -> float:
    """The largest font size (px, ``smallest``..``largest``) at which ``text`` fits ``width`` × ``height``
    wrapping only at spaces (no-break spaces keep a phrase on one line), no word cut.

    Each word is measured once at :data:`REF_SIZE` (cached); a size is tried by scaling those widths,
    so fitting costs no text rendering."""
    if width <= 0 or height <= 0 or not text:
        return max(smallest, min(largest, height / (line_height * 1.2))) if text == "" else smallest
    paragraphs = [[(_width_at_ref(w, font_name, bold)) for w in p.split(" ")] for p in text.split("\n")]
    space = _width_at_ref(" ", font_name, bold) or REF_SIZE * 0.26

    def fits(size: float) -> bool:
        k = size / REF_SIZE * 1.08  # slack: hinting makes small sizes a little wider than scaled
        lines = 0
        for words in paragraphs:
            line_w = None
            for w in words:
                w *= k
                if w > width:
                    return False
                if line_w is None or line_w + space * k + w > width:
                    lines, line_w = lines + 1, w
                else:
                    line_w += space * k + w
            lines += line_w is None
        return lines * size * line_height * 1.2 <= height

    low, high = smallest, max(largest, smallest)
    if fits(high):
        return high
    if not fits(low):
        return smallest
    for _ in range(12):  # bisection: to a fraction of a pixel
        mid = (low + high) / 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    return low


_WIDTHS: dict[tuple, float] = {}
_MEASURERS: dict[tuple, object] = {}


class FitText:
    """For a Label or a Button: the font is as large as ``max_font`` allows while the text fits the
    widget, whole words only. Sizes come from the screen and the widget, not from fixed dp."""

    max_font = NumericProperty(24)
    min_font = NumericProperty(12)
    inset = NumericProperty(0)  # horizontal room kept free on each side
    scale = NumericProperty(1)  # the large-text mode's factor on max_font (app.text_scale), where it fits

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._fit_trigger = Clock.create_trigger(self._fit, -1)
        self.fbind("size", self._fit_trigger)
        self.fbind("text", self._fit_trigger)
        self.fbind("max_font", self._fit_trigger)
        self.fbind("inset", self._fit_trigger)
        self.fbind("scale", self._fit_trigger)
        self._fit_trigger()  # at the next frame, once laid out: not at every intermediate size

    def _fit(self, *_):
        inset = max(self.inset, self.height * 0.12) if isinstance(self, Button) else self.inset  # off the edges
        w, h = max(1, self.width - 2 * inset), max(1, self.height)
        plain = self.text if not self.markup else _strip_markup(self.text)
        # a symbol from another font makes its line taller (Noto Sans Symbols 2 has a tall line)
        line_height = 1.5 if self.markup and "[font=" in self.text else 1.15
        self.font_size = fit_font_size(plain, w, h, self.max_font * self.scale, self.min_font, self.font_name, self.bold,
                                       line_height)
        self.text_size = (w, h)


def _strip_markup(text: str) -> str:
    import re
    return re.sub(r"\[/?[a-z]+(=[^\]]*)?\]", "", text)


class FitLabel(FitText, Label):
    """A label whose text fits its box (see :class:`FitText`), centred by default."""

    def __init__(self, **kwargs):
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("valign", "middle")
        kwargs.setdefault("color", INK)
        super().__init__(**kwargs)


class FitButton(FitText, Button):
    """A large button whose words fit it; acts on release inside itself (Kivy's default)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("background_normal", "")
        kwargs.setdefault("background_down", "")
        kwargs.setdefault("background_color", (0.13, 0.33, 0.58, 1))
        kwargs.setdefault("color", (1, 1, 1, 1))
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("valign", "middle")
        super().__init__(**kwargs)


class Themed:
    """A card that follows the running app's look (``theme``, ``text_scale``: kiosk.ui.theme), or keeps the
    normal look when there is no app (a card drawn alone, as the faces' test does)."""

    theme = ObjectProperty(NORMAL)
    text_scale = NumericProperty(1)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        app = App.get_running_app()
        if app is not None and hasattr(app, "theme"):
            app.fbind("theme", self._follow)
            app.fbind("text_scale", self._follow)
            self._follow(app)

    def _follow(self, app, *_):
        self.theme, self.text_scale = app.theme, app.text_scale


class LevelButton(Themed, ButtonBehavior, Widget):
    """One rating choice: a coloured card with a face, its words and (with a keypad) its key, as one
    large target. A column in landscape; a full-width row (``row``) in portrait. Layout in widgets.kv."""

    code = StringProperty("")
    caption = StringProperty("")
    key_hint = StringProperty("")
    row = BooleanProperty(False)
    chosen = BooleanProperty(False)  # a questionnaire's earlier answer, when the citizen came back to it
    pad = NumericProperty(6)
    face_side = NumericProperty(0)
    words_share = NumericProperty(0.32)  # of a column card's height, for its words (widgets.kv)
    natural_font = NumericProperty(24)  # the largest the words may be on this card (from its size)
    font_cap = NumericProperty(10_000)  # set by the screen: every card's words at one size
    card_colour = ListProperty([0.5, 0.5, 0.5, 1])
    ink = ListProperty([1, 1, 1, 1])

    def __init__(self, code: str = "", **kwargs):
        background, ink = LEVEL_COLOURS[code]
        super().__init__(code=code, card_colour=list(background), ink=list(ink), **kwargs)


class ReasonToggle(Themed, ToggleButtonBehavior, Widget):
    """One reason: an icon, plain words and a large check box; ticked is shown by shape, not colour alone.
    It toggles on release inside itself, like every other answer. Layout in widgets.kv."""

    code = StringProperty("")
    caption = StringProperty("")
    icon = StringProperty("")
    natural_font = NumericProperty(24)  # the largest its words may be in this row (from its height, widgets.kv)
    side = NumericProperty(48)  # the icon's and the check box's square (widgets.kv)
    font_cap = NumericProperty(10_000)  # set by the screen: every reason's words at one size

    def _do_press(self):
        pass  # not on touch down: a finger that slides off has not answered

    def _do_release(self, *args):
        pass  # Kivy calls this on a release outside too; the toggle happens in on_release (inside only)

    def on_release(self):
        self.state = "normal" if self.state == "down" else "down"


class Toast(Label):
    """A short message over whatever screen is showing, gone by itself (e.g. a button-box vote)."""

    OK = (0.05, 0.45, 0.20, 0.95)

    def __init__(self, background=OK, **kwargs):
        super().__init__(color=(1, 1, 1, 1), bold=True, halign="center", valign="middle", **kwargs)
        self.background = background
        self._draw()
        redraw = Clock.create_trigger(self._draw, -1)
        self.bind(pos=redraw, size=redraw)

    def _draw(self, *_):
        self.canvas.before.clear()
        with self.canvas.before:
            Color(*self.background)
            RoundedRectangle(pos=self.pos, size=self.size, radius=[dp(16)])


class CheckMark(Widget):
    """The thank-you screen's icon: a large check mark in a green circle."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        checkmark(self)


def checkmark(widget: Widget, colour=(0.05, 0.45, 0.20, 1)) -> None:
    """Draw a large check mark in a circle on ``widget`` (the thank-you screen's icon)."""
    def draw(*_):
        widget.canvas.clear()
        r = min(widget.width, widget.height) / 2
        cx, cy = widget.center
        with widget.canvas:
            Color(*colour)
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            Color(1, 1, 1, 1)
            Line(points=[cx - 0.45 * r, cy, cx - 0.12 * r, cy - 0.35 * r, cx + 0.5 * r, cy + 0.38 * r],
                 width=max(3, r * 0.1), cap="round", joint="round")
    redraw = Clock.create_trigger(draw, -1)
    widget.bind(pos=redraw, size=redraw)
    redraw()



"""Reusable widgets: a rating button with a drawn face, big buttons, a bar chart, a toast.

Each rating level has three cues that do not depend on colour vision: a face (from a broad smile
to a deep frown), its words, and its position (best on the left). Colour is the fourth.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.metrics import dp
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

# Background and text colours per level: dark enough for white text (contrast >= 4.5:1).
LEVEL_COLOURS = {
    "RHL": ((0.05, 0.45, 0.20, 1), (1, 1, 1, 1)),
    "HL": ((0.20, 0.55, 0.25, 1), (1, 1, 1, 1)),
    "BT": ((0.55, 0.45, 0.05, 1), (1, 1, 1, 1)),
    "KHL": ((0.75, 0.33, 0.05, 1), (1, 1, 1, 1)),
    "RKHL": ((0.70, 0.10, 0.10, 1), (1, 1, 1, 1)),
}
# Mouth curvature per level: +1 a broad smile, 0 a straight line, -1 a deep frown.
MOUTH = {"RHL": 1.0, "HL": 0.5, "BT": 0.0, "KHL": -0.5, "RKHL": -1.0}

BACKGROUND = (0.97, 0.97, 0.95, 1)
REFERENCE_HEIGHT = 800  # font sizes are given for a 1280x800 screen and scale with the window's height


def scaled(widget, size: float):
    """Give ``widget`` a font size of ``size`` at 800 px high, following the window's height."""
    from kivy.core.window import Window

    def apply(*_):
        widget.font_size = max(11, size * Window.height / REFERENCE_HEIGHT)
    apply()
    Window.fbind("height", apply)
    return widget
INK = (0.10, 0.10, 0.12, 1)


class Face(Widget):
    """A face drawn with Kivy graphics; ``mood`` from -1 (deep frown) to 1 (broad smile)."""

    mood = NumericProperty(0.0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        redraw = Clock.create_trigger(self._draw, -1)  # once per frame, after every move has landed
        self.bind(pos=redraw, size=redraw, mood=redraw)

    def _draw(self, *_):
        self.canvas.clear()
        r = min(self.width, self.height) / 2
        if r <= 0:
            return
        cx, cy = self.center
        with self.canvas:
            Color(1, 0.86, 0.35, 1)
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            Color(*INK)
            Line(circle=(cx, cy, r), width=max(1.5, r * 0.05))
            eye = r * 0.13
            for dx in (-0.35, 0.35):
                Ellipse(pos=(cx + dx * r - eye / 2, cy + 0.25 * r - eye / 2), size=(eye, eye * 1.3))
            # The mouth: a parabola whose curvature is the mood.
            points = []
            for i in range(21):
                x = -0.45 + 0.9 * i / 20
                y = -0.35 - self.mood * 0.25 * (1 - (x / 0.45) ** 2)
                points += [cx + x * r, cy + y * r]
            Line(points=points, width=max(2, r * 0.07), cap="round", joint="round")


class LevelButton(Button):
    """One rating choice: coloured card, a face, and the words, as one big touch target."""

    code = StringProperty("")
    caption = StringProperty("")
    key_hint = StringProperty("")
    card_colour = ListProperty([0.5, 0.5, 0.5, 1])

    def __init__(self, code: str, caption: str, key_hint: str, **kwargs):
        background, ink = LEVEL_COLOURS[code]
        super().__init__(text="", background_normal="", background_down="", background_color=(0, 0, 0, 0),
                         **kwargs)
        self.code, self.caption, self.key_hint, self.card_colour = code, caption, key_hint, list(background)
        self.face = Face(mood=MOUTH[code])
        self.label = Label(text=caption, color=ink, halign="center", valign="middle", bold=True)
        self.hint = Label(text=key_hint, color=(1, 1, 1, 0.85), halign="center")
        for w in (self.face, self.label, self.hint):
            self.add_widget(w)
        relayout = Clock.create_trigger(self._layout, -1)
        self.bind(pos=relayout, size=relayout, caption=self._relabel, state=relayout)

    def _relabel(self, *_):
        self.label.text = self.caption

    def _layout(self, *_):
        pad = dp(8)
        down = self.state == "down"
        self.canvas.before.clear()
        with self.canvas.before:
            Color(*INK) if down else Color(0, 0, 0, 0.15)
            RoundedRectangle(pos=(self.x + pad - 3, self.y + pad - 3), size=(self.width - 2 * pad + 6,
                             self.height - 2 * pad + 6), radius=[dp(22)])
            Color(*self.card_colour)
            RoundedRectangle(pos=(self.x + pad, self.y + pad), size=(self.width - 2 * pad, self.height - 2 * pad),
                             radius=[dp(20)])
        side = min(self.width * 0.62, self.height * 0.45)
        self.face.size = (side, side)
        self.face.center = (self.center_x, self.y + self.height * 0.64)
        self.label.size = (self.width - 4 * pad, self.height * 0.22)
        self.label.text_size = self.label.size
        self.label.font_size = max(16, min(self.width * 0.13, self.height * 0.085))
        self.label.pos = (self.x + 2 * pad, self.y + self.height * 0.13)
        self.hint.size = (self.width, self.height * 0.08)
        self.hint.font_size = max(12, self.height * 0.04)
        self.hint.pos = (self.x, self.y + pad * 1.5)


class CheckToggle(ToggleButton):
    """A large toggle with a drawn check box at its left: ticked is shown by shape, not colour alone."""

    def __init__(self, **kwargs):
        super().__init__(background_normal="", background_down="", background_color=(0.30, 0.30, 0.34, 1),
                         color=(1, 1, 1, 1), **kwargs)
        redraw = Clock.create_trigger(self._draw, -1)
        self.bind(pos=redraw, size=redraw, state=redraw)

    def _draw(self, *_):
        self.background_color = (0.13, 0.33, 0.58, 1) if self.state == "down" else (0.30, 0.30, 0.34, 1)
        self.canvas.after.clear()
        side = self.height * 0.5
        x, y = self.x + dp(24), self.center_y - side / 2
        with self.canvas.after:
            Color(1, 1, 1, 1)
            Line(rectangle=(x, y, side, side), width=dp(2))
            if self.state == "down":
                Line(points=[x + side * 0.18, y + side * 0.5, x + side * 0.42, y + side * 0.22, x + side * 0.85,
                             y + side * 0.82], width=dp(3), cap="round", joint="round")


class BigButton(Button):
    """A plain large button with high-contrast text, for counters, the PIN pad and the manager."""

    def __init__(self, **kwargs):
        kwargs.setdefault("background_normal", "")
        kwargs.setdefault("background_color", (0.13, 0.33, 0.58, 1))
        kwargs.setdefault("color", (1, 1, 1, 1))
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("valign", "middle")
        size = kwargs.pop("font_size", dp(24))
        super().__init__(**kwargs)
        scaled(self, size)
        self.bind(size=lambda *_: setattr(self, "text_size", (self.width - dp(16), None)))


class BarChart(Widget):
    """Horizontal bars, one per level, drawn with Kivy graphics; the count and label beside each bar."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows: list[tuple[str, str, int]] = []
        self._labels: list[Label] = []
        self._redraw = Clock.create_trigger(self._draw, -1)
        self.bind(pos=self._redraw, size=self._redraw)

    def set_rows(self, rows: list[tuple[str, str, int]]) -> None:
        """``rows``: (level code, label, count), best first."""
        self.rows = rows
        self._redraw()

    def _draw(self, *_):
        for lbl in self._labels:
            self.remove_widget(lbl)
        self._labels = []
        self.canvas.clear()
        if not self.rows:
            return
        most = max(1, max(n for _, _, n in self.rows))
        h = self.height / len(self.rows)
        label_w = self.width * 0.38
        with self.canvas:
            for i, (code, text, n) in enumerate(self.rows):
                y = self.top - (i + 1) * h
                Color(*LEVEL_COLOURS[code][0])
                Rectangle(pos=(self.x + label_w, y + h * 0.15), size=((self.width - label_w - dp(60)) * n / most, h * 0.7))
        for i, (code, text, n) in enumerate(self.rows):
            y = self.top - (i + 1) * h
            size = max(12, min(h * 0.3, dp(20)))
            lbl = Label(text=f"{text}", color=INK, halign="right", valign="middle", font_size=size,
                        pos=(self.x, y), size=(label_w - dp(8), h), text_size=(label_w - dp(8), h))
            num = Label(text=str(n), color=INK, halign="left", valign="middle", font_size=size,
                        pos=(self.x + label_w + (self.width - label_w - dp(60)) * n / most + dp(6), y),
                        size=(dp(60), h), text_size=(dp(60), h))
            for w in (lbl, num):
                self.add_widget(w)
                self._labels.append(w)


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



"""The five faces of the rating scale, drawn with Kivy graphics and told apart by shape alone.

A citizen who cannot tell the cards' colours apart (or reads a grey screen in the sun) must still see
five different faces, the neighbours above all, so each level changes more than the mouth's curve:

- RHL (Rất hài lòng): eyes closed in happy arcs, a wide open smile (a filled half-moon);
- HL (Hài lòng): round eyes, a clear smile;
- BT (Bình thường): round eyes, a straight mouth;
- KHL (Không hài lòng): round eyes under flat brows, a frown;
- RKHL (Rất không hài lòng): brows slanted up in distress, a deep open frown, a tear.

Every face is a handful of instructions (no images, no text), redrawn only when it moves or resizes.
Coordinates below are in units of the face's radius from its centre, y upwards.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Triangle
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

from .theme import INK  # noqa: E402  (one ink for the faces and the words)
SKIN = (1, 0.86, 0.35, 1)
TEAR = (0.45, 0.75, 1, 1)
LEVELS = ("RHL", "HL", "BT", "KHL", "RKHL")


class Face(Widget):
    """A face for one rating level (``code``: RHL, HL, BT, KHL or RKHL), drawn with Kivy graphics."""

    code = StringProperty("BT")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        redraw = Clock.create_trigger(self._draw, -1)  # once per frame, after every move has landed
        self.bind(pos=redraw, size=redraw, code=redraw)

    def _draw(self, *_):
        self.canvas.clear()
        r = min(self.width, self.height) / 2
        if r <= 0:
            return
        cx, cy = self.center
        with self.canvas:
            Color(*SKIN)
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            Color(*INK)
            Line(circle=(cx, cy, r), width=max(1.5, r * 0.05))
            _PARTS.get(self.code, _neutral)(cx, cy, r)


def _p(cx: float, cy: float, r: float, x: float, y: float) -> tuple[float, float]:
    return cx + x * r, cy + y * r


def _stroke(r: float) -> float:
    return max(2, r * 0.075)


def _round_eyes(cx, cy, r, y=0.25):
    eye = r * 0.16
    for dx in (-0.35, 0.35):
        x, yy = _p(cx, cy, r, dx, y)
        Ellipse(pos=(x - eye / 2, yy - eye * 0.65), size=(eye, eye * 1.3))


def _curve(cx, cy, r, half_width: float, y: float, bend: float) -> list[float]:
    """A parabola from -half_width to +half_width at height ``y``; ``bend`` > 0 curves its middle down
    (a smile), < 0 up (a frown)."""
    points = []
    for i in range(13):
        x = -half_width + 2 * half_width * i / 12
        points += _p(cx, cy, r, x, y - bend * (1 - (x / half_width) ** 2))
    return points


def _very_happy(cx, cy, r):
    # eyes closed in happy arcs (∩ ∩): laughing, not looking
    for dx in (-0.35, 0.35):
        points = []
        for i in range(7):
            x = -0.15 + 0.3 * i / 6
            points += _p(cx, cy, r, dx + x, 0.2 + 0.14 * (1 - (x / 0.15) ** 2))
        Line(points=points, width=_stroke(r), cap="round", joint="round")
    # a wide open smile: the lower half of an ellipse, filled (angles run clockwise from 12 o'clock)
    w, h = 1.2 * r, 1.0 * r
    x, y = _p(cx, cy, r, 0, -0.08)
    Ellipse(pos=(x - w / 2, y - h / 2), size=(w, h), angle_start=90, angle_end=270)
    # the tongue, lighter, at the bottom of the open mouth
    Color(0.85, 0.35, 0.35, 1)
    tw, th = 0.5 * r, 0.3 * r
    tx, ty = _p(cx, cy, r, 0, -0.47)
    Ellipse(pos=(tx - tw / 2, ty - th / 2), size=(tw, th))


def _happy(cx, cy, r):
    _round_eyes(cx, cy, r)
    Line(points=_curve(cx, cy, r, 0.5, -0.14, 0.38), width=_stroke(r), cap="round", joint="round")


def _neutral(cx, cy, r):
    _round_eyes(cx, cy, r)
    Line(points=[*_p(cx, cy, r, -0.38, -0.36), *_p(cx, cy, r, 0.38, -0.36)], width=_stroke(r), cap="round")


def _unhappy(cx, cy, r):
    _round_eyes(cx, cy, r, y=0.2)
    # flat, lowered brows: a frowning look even before the mouth
    for dx in (-0.35, 0.35):
        Line(points=[*_p(cx, cy, r, dx - 0.17, 0.5), *_p(cx, cy, r, dx + 0.17, 0.5)], width=_stroke(r) * 0.8,
             cap="round")
    Line(points=_curve(cx, cy, r, 0.45, -0.5, -0.2), width=_stroke(r), cap="round", joint="round")


def _very_unhappy(cx, cy, r):
    _round_eyes(cx, cy, r, y=0.18)
    # brows slanted up towards the middle: distress
    for side in (-1, 1):
        Line(points=[*_p(cx, cy, r, side * 0.55, 0.4), *_p(cx, cy, r, side * 0.15, 0.6)], width=_stroke(r),
             cap="round")
    # a deep open frown: the upper half of an ellipse, filled
    w, h = 0.95 * r, 0.7 * r
    x, y = _p(cx, cy, r, 0, -0.62)
    Ellipse(pos=(x - w / 2, y - h / 2), size=(w, h), angle_start=-90, angle_end=90)
    # a tear under the citizen's-left eye: a drop (a point above a round bottom), outlined in ink
    tx, ty = _p(cx, cy, r, -0.5, -0.2)
    d = 0.2 * r
    Color(*TEAR)
    Ellipse(pos=(tx - d / 2, ty - d / 2), size=(d, d))
    Triangle(points=[tx - d / 2, ty, tx + d / 2, ty, tx, ty + d * 1.1])
    Color(*INK)
    Line(ellipse=(tx - d / 2, ty - d / 2, d, d, 90, 270), width=max(1, r * 0.025))
    Line(points=[tx - d / 2, ty, tx, ty + d * 1.1, tx + d / 2, ty], width=max(1, r * 0.025))


_PARTS = {"RHL": _very_happy, "HL": _happy, "BT": _neutral, "KHL": _unhappy, "RKHL": _very_unhappy}

"""The panels the UI tests stand for, as a centre buys them: pixels and the physical size they are shown at,
so a test can say how tall text is in millimetres (what a person at arm's length reads), not in pixels."""

from __future__ import annotations

from math import hypot

# (width, height) in pixels -> the diagonal in inches of the panel sold at that resolution
PANEL_INCHES = {(800, 480): 7.0, (1024, 600): 7.0, (1280, 800): 10.1, (1920, 1080): 21.5, (1080, 1920): 43.0}
SEVEN_INCH = ((800, 480), (1024, 600))
LEGIBLE_MM = 2.5  # the height of a digit or a capital read at arm's length (issue 19)


def mm_per_px(size: tuple[int, int]) -> float:
    """How many millimetres one pixel of the panel ``size`` is."""
    return PANEL_INCHES[size] * 25.4 / hypot(*size)


_ink: dict[tuple[float, bool], int] = {}


def digit_height_px(font_size: float, bold: bool = False) -> int:
    """How many pixel rows the digits "0123456789" cover when drawn at ``font_size`` (the ink, measured
    on the rendered texture in the kiosk's font, not a rule of thumb)."""
    from kivy.core.text import Label as CoreLabel
    key = (round(font_size, 2), bold)
    if key not in _ink:
        label = CoreLabel(text="0123456789", font_size=font_size, bold=bold)
        label.refresh()
        w, h = label.texture.size
        pixels = label.texture.pixels
        rows = [y for y in range(h) if any(pixels[(y * w + x) * 4 + 3] > 127 for x in range(w))]
        _ink[key] = (max(rows) - min(rows) + 1) if rows else 0
    return _ink[key]


def text_mm(font_size: float, size: tuple[int, int], bold: bool = False) -> float:
    """How tall, in millimetres, a digit of text at ``font_size`` is on the panel ``size``."""
    return digit_height_px(font_size, bold) * mm_per_px(size)

"""The citizen's screens' two looks: the normal one, and high contrast with large text (one button on
the rating screen turns it on for one citizen; the next starts in the normal look, like the language).

No Kivy here: the kv layouts bind to ``app.theme`` (its colours) and ``app.text_scale``; the contrast
arithmetic is WCAG's, so a test can hold every pair to it.
"""

from __future__ import annotations

from dataclasses import dataclass

Colour = tuple[float, float, float, float]
INK = (0.10, 0.10, 0.12, 1)            # the normal look's words (and the faces' lines)
BACKGROUND = (0.97, 0.97, 0.95, 1)     # the normal look's paper
LARGE_TEXT = 1.4  # the large-text mode's print, against the normal one (where the layout has the room)


@dataclass(frozen=True)
class Theme:
    """The colours a citizen screen draws with. ``card``: None keeps each card's own colour (the normal
    look); in high contrast every card is ``card`` with a ``frame`` round it and ``card_ink`` words."""
    high: bool
    paper: Colour         # the background
    ink: Colour           # words on the background
    frame: Colour         # a panel's or a card's edge
    primary: Colour       # a button's fill ("Gửi", "Thêm thời gian")
    secondary: Colour     # a quieter button's fill ("Bỏ qua", "Quay lại")
    button_ink: Colour    # words on a button
    card: Colour | None
    card_ink: Colour | None


NORMAL = Theme(high=False, paper=BACKGROUND, ink=INK, frame=(0.13, 0.33, 0.58, 1),
               primary=(0.13, 0.33, 0.58, 1), secondary=(0.35, 0.35, 0.38, 1), button_ink=(1, 1, 1, 1),
               card=None, card_ink=None)
# Black paper, white words, yellow buttons with black words: each pair at least 7:1 (WCAG AAA).
HIGH_CONTRAST = Theme(high=True, paper=(0, 0, 0, 1), ink=(1, 1, 1, 1), frame=(1, 0.85, 0, 1),
                      primary=(1, 0.85, 0, 1), secondary=(1, 1, 1, 1), button_ink=(0, 0, 0, 1),
                      card=(0, 0, 0, 1), card_ink=(1, 1, 1, 1))


def theme_for(high: bool) -> Theme:
    """The high-contrast theme when ``high``, else the normal one."""
    return HIGH_CONTRAST if high else NORMAL


def luminance(colour) -> float:
    """WCAG 2 relative luminance of an sRGB colour (components 0..1; alpha ignored)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(c)) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two colours, 1..21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)

"""What the manager's tabs share: the base font size for a window, the flat button, the scrolling table
(its columns measured from their text) and the base of every tab. Layouts in ``kv/manager_common.kv``."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label

HEAD_BG = (0.85, 0.89, 0.95, 1)
ROW_BG = ((1, 1, 1, 1), (0.95, 0.96, 0.97, 1))
TOTAL_BG = (0.90, 0.95, 0.90, 1)


LANDSCAPE_MAX = 24.0  # the largest base size of a landscape panel (1280x800 and up)


def font_size_for(width: float, height: float) -> float:
    """The manager's base font size for a window, kept at least 14 px: in landscape about 1/42 of the
    width or 1/25 of the height, whichever is smaller, at most 24 (19 at 800x480, 24 from 1024x600 up); in
    portrait 1/38 of the width, at most 28 (28 at 1080x1920): a floor stand is read from further away,
    and its height leaves room for larger rows.

    Why 1/42: the 7" panels (800x480, 1024x600) are read at arm's length, and a digit must be 2.5 mm tall
    there (issue 19): 14 px of ink at 800x480's 0.19 mm pixels, 17 px at 1024x600's 0.15 mm; the kiosk's
    font draws those at 19 and 23 px. Where the tab's content is taller than the panel, it scrolls."""
    if height > width:
        return max(14.0, min(28.0, width / 38, height / 48))
    return max(14.0, min(LANDSCAPE_MAX, width / 42, height / 25))


def shrunk(fs: float, factor: float) -> float:
    """Secondary text (a hint, a legend, a chart label) ``factor`` times the base size, but only where the base
    is larger than any landscape panel's (a portrait floor stand): on a landscape panel no manager text is
    smaller than the base, which is what a 7" panel can still show legibly."""
    return fs * factor if fs > LANDSCAPE_MAX else fs


class MButton(Button):
    """A flat, high-contrast button whose text follows ``fs``; ``selected`` draws a frame and turns it green."""

    fs = NumericProperty(16)
    tone = OptionProperty("blue", options=("blue", "grey", "red", "green", "pale"))
    selected = BooleanProperty(False)
    key = StringProperty("")
    value = ObjectProperty(None, allownone=True)
    owner = ObjectProperty(None, allownone=True)


class Cell(Label):
    """One table cell (a RecycleView view: text, size and colours come from its data)."""

    bg = ListProperty([1, 1, 1, 1])


class ManagerTab(BoxLayout):
    """One tab of the manager's screen. Its size (``fs``, ``portrait``) arrives from the screen through
    properties (bound in ``manager_screen.kv``): a new size redraws the tab from what it last read
    (:meth:`redraw`), without reading the store again. :meth:`refresh` reads its data and draws it."""

    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)

    @property
    def app(self):
        """The kiosk app (through the manager screen)."""
        return self.screen.app

    def refresh(self) -> None:
        """Read what the tab shows and draw it, in the app's language."""

    def redraw(self) -> None:
        """Draw again at the new size from what was last read (nothing, before the first refresh)."""

    def on_fs(self, *_) -> None:
        self.redraw()

    def on_portrait(self, *_) -> None:
        self.redraw()


class Table(BoxLayout):
    """A header that stays put over a scrolling body, both RecycleViews fed with cell data."""

    header = ListProperty()
    rows = ListProperty()
    cols = NumericProperty(1)
    content_width = NumericProperty(100)
    header_height = NumericProperty(40)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._last = None
        refit = Clock.create_trigger(lambda _dt: self._last and self.fill(*self._last), -1)
        self.bind(width=refit)

    def fill(self, header: list[str], rows: list[list[str]], fs: float, last_is_total: bool = False) -> None:
        """Show ``header`` and ``rows`` (strings), columns as wide as their widest text; the first
        column takes the room left and wraps onto two lines; wider than the table scrolls sideways."""
        self._last = (header, rows, fs, last_is_total)
        available = self.width - dp(16)  # the scroll bar's room
        pad = dp(12)
        widths = []
        for i, head in enumerate(header):
            texts = [*(r[i] for r in rows)]
            w = max([text_width(line, fs, True) for line in head.split("\n")]
                    + [text_width(x, fs, last_is_total) for x in texts] + [fs * 2]) + pad
            widths.append(w)
        rest = sum(widths[1:])
        widths[0] = max(min(widths[0], available - rest), fs * 11.5)  # a 60-character name on three lines
        if sum(widths) < available:  # narrower than the panel (short officer codes): the first column takes the rest
            widths[0] = available - rest
        lines = max(h.count("\n") + 1 for h in header)
        head_h = fs * 1.3 * lines + dp(12)
        self.cols = len(header)
        self.content_width = sum(widths)
        self.header_height = head_h
        self.header = [_cell(h, widths[i], head_h, fs, HEAD_BG, bold=True, halign="left" if i == 0 else "center")
                       for i, h in enumerate(header)]
        body = []
        for r, row in enumerate(rows):
            total = last_is_total and r == len(rows) - 1
            bg = TOTAL_BG if total else ROW_BG[r % 2]
            row_h = fs * max(1.9, 1.3 * wrapped_lines(row[0], widths[0] - pad, fs, total) + 0.1) + dp(8)
            body += [_cell(v, widths[i], row_h, fs, bg, bold=total, halign="left" if i == 0 else "right")
                     for i, v in enumerate(row)]
        self.rows = body

    def texts(self) -> list[list[str]]:
        """The body's text, row by row, as shown."""
        n = int(self.cols)
        flat = [c["text"] for c in self.rows]
        return [flat[i:i + n] for i in range(0, len(flat), n)]


NAME_LINES = 3  # a long counter name (60 characters) wraps onto up to three lines, never cut


_lines_cache: dict[tuple[str, int, int, bool], int] = {}


def wrapped_lines(text: str, width: float, fs: float, bold: bool) -> int:
    """How many lines ``text`` takes wrapped into ``width`` (at most NAME_LINES), measured by laying it
    out as Kivy will (words wrap where they can, a long path breaks inside itself); cached."""
    if text_width(text, fs, bold) <= width:
        return 1
    key = (text, int(width), int(fs * 4), bold)
    if key not in _lines_cache:
        if len(_lines_cache) > 2000:
            _lines_cache.clear()
        one = CoreLabel(text="Ay", font_size=fs, font_name="Roboto", bold=bold)
        one.refresh()
        wrapped = CoreLabel(text=text, font_size=fs, font_name="Roboto", bold=bold, text_size=(max(1.0, width), None))
        wrapped.refresh()
        _lines_cache[key] = max(2, round(wrapped.texture.height / max(1, one.texture.height)))
    return min(NAME_LINES, _lines_cache[key])


def _cell(text: str, width: float, height: float, fs: float, bg, bold=False, halign="left") -> dict:
    return {"text": text, "width": width, "height": height, "font_size": fs, "bg": bg, "bold": bold,
            "halign": halign, "font_name": "Roboto", "max_lines": NAME_LINES}


_measure_cache: dict[tuple[str, int, bool], float] = {}


def text_width(text: str, fs: float, bold: bool) -> float:
    """How wide ``text`` is drawn at ``fs`` (cached: the same numbers recur on every refresh)."""
    key = (text, int(fs * 4), bold)
    if key not in _measure_cache:
        if len(_measure_cache) > 5000:
            _measure_cache.clear()
        _measure_cache[key] = CoreLabel(text=text, font_size=fs, font_name="Roboto", bold=bold).get_extents(text)[0]
    return _measure_cache[key]

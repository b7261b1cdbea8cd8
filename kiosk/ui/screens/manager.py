"""The manager's screens: the PIN pad, and totals, status, roster and export behind it.

Layout lives in ``kiosk/ui/kv/manager_*.kv`` (one file per screen or tab); this module holds the
Properties those layouts are bound to and the behaviour. Every widget is made once, when the screen
is built: a refresh only changes Properties and the data lists of RecycleViews (tables, chart,
roster, drives), so opening the manager a thousand times leaves no widget behind.
What the buttons *do* lives in :mod:`kiosk.ui.manager_actions`.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from pathlib import Path

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty,
                             StringProperty)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from rating import period as periods, vnformat
from ...pin import Attempt
from ...removable import ExportRefused
from .. import manager_strings  # noqa: F401  (adds the manager's words to the catalogue)
from ..fonts import SYMBOL_CHARS, SYMBOLS, symbol
from ..manager_actions import ManagerActions
from ..strings import level_label, t
from .citizen import KioskScreen
from .manager_questionnaire import QuestionnairePanel  # noqa: F401  (the questionnaire tab, named in manager_screen.kv)

log = logging.getLogger("kiosk.manager")

KV = Path(__file__).resolve().parent.parent / "kv"

LEVEL_COLOURS = {"RHL": (0.05, 0.45, 0.20, 1), "HL": (0.20, 0.55, 0.25, 1), "BT": (0.55, 0.45, 0.05, 1),
                 "KHL": (0.75, 0.33, 0.05, 1), "RKHL": (0.70, 0.10, 0.10, 1)}
HEAD_BG = (0.85, 0.89, 0.95, 1)
ROW_BG = ((1, 1, 1, 1), (0.95, 0.96, 0.97, 1))
TOTAL_BG = (0.90, 0.95, 0.90, 1)
# The code pad's keys in a keyboard's rows (ten columns), so a manager finds letters where a keyboard has them.
CODE_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")
CODE_KEYS = "".join(CODE_ROWS)
CODE_MAX = 32  # the store's limit for an officer code


def font_size_for(width: float, height: float) -> float:
    """The manager's base font size for a window, kept at least 14 px: in landscape about 1/52 of the
    width or 1/30 of the height, whichever is smaller, at most 24 (15 at 800x480, 24 at 1920x1080); in
    portrait 1/38 of the width, at most 28 (28 at 1080x1920): a floor stand is read from further away,
    and its height leaves room for larger rows."""
    if height > width:
        return max(14.0, min(28.0, width / 38, height / 48))
    return max(14.0, min(24.0, width / 52, height / 30))


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


class ChartRow(BoxLayout):
    """One bar of the totals chart: a level's words, its bar and its count."""

    label = StringProperty("")
    count = StringProperty("")
    fraction = NumericProperty(0)
    colour = ListProperty([0.5, 0.5, 0.5, 1])
    fs = NumericProperty(16)


class RosterRow(BoxLayout):
    """One counter in the roster: its name and its officer code (touched: the pad types into it)."""

    counter_id = StringProperty("")
    name = StringProperty("")
    code = StringProperty("")
    officer = StringProperty("")  # the code's name in [report] officers, when it has one
    placeholder = StringProperty("")
    selected = BooleanProperty(False)
    fs = NumericProperty(16)
    owner = ObjectProperty(None, allownone=True)


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
            w = max([_text_width(line, fs, True) for line in head.split("\n")]
                    + [_text_width(x, fs, last_is_total) for x in texts] + [fs * 2]) + pad
            widths.append(w)
        rest = sum(widths[1:])
        widths[0] = max(min(widths[0], available - rest), fs * 9)
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
            row_h = fs * max(1.9, 1.3 * _lines(row[0], widths[0] - pad, fs, total) + 0.1) + dp(8)
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


def _lines(text: str, width: float, fs: float, bold: bool) -> int:
    """How many lines ``text`` takes wrapped into ``width`` (at most NAME_LINES), measured by laying it
    out as Kivy will (words wrap where they can, a long path breaks inside itself); cached."""
    if _text_width(text, fs, bold) <= width:
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


def _text_width(text: str, fs: float, bold: bool) -> float:
    """How wide ``text`` is drawn at ``fs`` (cached: the same numbers recur on every refresh)."""
    key = (text, int(fs * 4), bold)
    if key not in _measure_cache:
        if len(_measure_cache) > 5000:
            _measure_cache.clear()
        _measure_cache[key] = CoreLabel(text=text, font_size=fs, font_name="Roboto", bold=bold).get_extents(text)[0]
    return _measure_cache[key]


def natural_key(code: str | None) -> tuple:
    """Sort officer codes as people count ("Q2-CB1" before "Q10-CB1"); no officer last."""
    if not code:
        return (1,)
    return (0, *((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", code) if part))


def officer_label(code: str | None, names: dict[str, str]) -> str:
    """An officer's code with the name [report] officers gives it ("Q1-CB1 · Nguyễn Thị Thảo"), or the code."""
    if not code:
        return ""
    return f"{code} · {names[code]}" if names.get(code) else code


# --- the PIN pad ------------------------------------------------------------------------------

class PinScreen(KioskScreen):
    """A ten-digit pad. No default PIN; five wrong tries lock it for five minutes."""

    citizen = False
    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    entered = StringProperty("")
    locked = BooleanProperty(False)  # five wrong tries: the digits are greyed out until the lock-out ends
    title_text = StringProperty("")
    message_text = StringProperty("")
    delete_text = StringProperty("")
    ok_text = StringProperty("")
    back_text = StringProperty("")
    symbol_font = StringProperty(SYMBOLS)
    key_size = NumericProperty(60)  # a digit key's shorter side (kv): in portrait the words are sized from it

    def __init__(self, app, **kwargs):
        super().__init__(app, name="pin", **kwargs)
        self.keys = {w.key: w for w in self.ids.pad.children}
        self.message, self.dots, self.title, self.back = self.ids.message, self.ids.dots, self.ids.title, self.ids.back
        self.bind(size=self._fit)

    def _fit(self, *_):
        self.fs = font_size_for(*self.size)
        self.portrait = self.height > self.width

    def refresh(self) -> None:
        lang = self.app.lang
        self.entered = ""
        self.title_text = t("pin_title", lang)
        self.delete_text = t("delete", lang)
        self.ok_text = t("ok", lang)
        self.back_text = t("back", lang)
        self.message_text = "" if self.app.pinpad.is_set else t("pin_unset", lang)
        self.locked = False
        self._show_lock()

    def _show_lock(self) -> bool:
        """Count the lock-out down on screen (called every tick); when it ends, say the pad works again."""
        left = int(self.app.pinpad.locked_for() + 0.999)
        if left:
            self.message_text = t("pin_locked", self.app.lang, minutes=left // 60, seconds=left % 60)
        elif self.locked:  # the lock just ended: "Thử lại sau 0:01" must not stay on the screen
            self.message_text = t("m_pin_again", self.app.lang)
        self.locked = bool(left)
        return bool(left)

    def press(self, key: str) -> None:
        """A key of the pad."""
        self.app.touched()
        if key == "del":
            self.entered = self.entered[:-1]
        elif key == "ok":
            result = self.app.pinpad.attempt(self.entered)
            self.entered = ""
            if result is Attempt.OK:
                self.app.open_manager()
                return
            if result is Attempt.UNSET:
                self.message_text = t("pin_unset", self.app.lang)
            elif result is Attempt.LOCKED:
                self._show_lock()
            else:
                self.message_text = t("pin_wrong", self.app.lang)
        elif len(self.entered) < 8:
            self.entered += key


# --- the tabs ---------------------------------------------------------------------------------

class TotalsPanel(BoxLayout):
    """Totals per counter or per officer for a day or the month so far, and a bar chart of the levels."""

    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    period_text = StringProperty("")
    legend_text = StringProperty("")
    view = OptionProperty("counter", options=("counter", "officer"))
    chart = ListProperty()
    chart_on = BooleanProperty(False)  # a landscape panel too narrow for both: the chart instead of the table
    at_today = BooleanProperty(True)   # "Ngày sau »" has no later day to show
    labels = ObjectProperty({}, rebind=True)
    screen = ObjectProperty(None, allownone=True)


class StatusPanel(BoxLayout):
    """Sync, button boxes, disk and clock as text; the resend button only when votes were refused."""

    fs = NumericProperty(16)
    text = StringProperty("")
    release_text = StringProperty("")
    show_release = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)


class CodePad(GridLayout):
    """Letters and digits for officer codes on a touch-only kiosk, in a keyboard's rows; made once, keys
    dispatch ``on_key``. The letters are sized from the keys (at least ``fs``): big keys, big letters."""

    fs = NumericProperty(16)
    key_fs = NumericProperty(16)
    clear_text = StringProperty("")
    __events__ = ("on_key",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.keys: dict[str, MButton] = {}
        for key in [*CODE_KEYS, "del", "clear"]:
            b = MButton(key=key, text={"del": SYMBOL_CHARS["backspace"], "clear": ""}.get(key, key),
                        tone="grey" if key in ("del", "clear") else "blue")
            b.font_name = SYMBOLS if key == "del" else "Roboto"
            if key == "clear":  # two words on a key one letter wide: smaller, so they stay inside it
                self.bind(key_fs=lambda _w, fs, b=b: setattr(b, "fs", fs * 0.6))
                self.bind(clear_text=b.setter("text"))
            else:
                self.bind(key_fs=b.setter("fs"))
            b.bind(on_release=lambda btn: self.dispatch("on_key", btn.key))
            self.add_widget(b)
            self.keys[key] = b
        size_keys = Clock.create_trigger(self._size_keys, -1)
        self.bind(size=size_keys, fs=size_keys, spacing=size_keys, cols=size_keys)

    def _size_keys(self, *_) -> None:
        rows = len(CODE_ROWS)
        space = self.spacing[0] if isinstance(self.spacing, (list, tuple)) else self.spacing
        key_h = (self.height - space * (rows - 1)) / rows
        key_w = (self.width - space * (self.cols - 1)) / max(1, self.cols)
        self.key_fs = max(self.fs, min(key_h * 0.42, key_w * 0.5))

    def on_key(self, key: str) -> None:
        """A key was released (``del``: the last character, ``clear``: all of them)."""


class RosterPanel(BoxLayout):
    """Today's officer codes per counter, typed on the code pad."""

    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    title = StringProperty("")
    hint = StringProperty("")
    save_text = StringProperty("")
    message = StringProperty("")
    rows = ListProperty()
    selected = StringProperty("")
    codes = ObjectProperty({}, rebind=True)
    screen = ObjectProperty(None, allownone=True)


class ExportPanel(BoxLayout):
    """Where (a stick or the configured folder), what (CSV, the II.7 workbook or PDF), which period."""

    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    targets = ListProperty()
    target = StringProperty("")
    no_drive = StringProperty("")
    formats = ListProperty()
    formats_height = NumericProperty(0)  # the file-type row: as tall as its longest label wraps to
    fmt = StringProperty("csv")
    period_kind = StringProperty("month")
    d_from = ObjectProperty(None, allownone=True)
    d_to = ObjectProperty(None, allownone=True)
    period_text = StringProperty("")
    go_text = StringProperty("")
    progress = NumericProperty(0)
    message = StringProperty("")
    busy = BooleanProperty(False)
    failed = BooleanProperty(False)  # the message says why the export did not happen: shown in red
    labels = ObjectProperty({}, rebind=True)
    screen = ObjectProperty(None, allownone=True)


# --- the manager screen -----------------------------------------------------------------------

TABS = ("totals", "status", "roster", "export", "questionnaire")
TITLE_LINES = 2
NOTICE_S = 6.0  # how long a header button's message stays (long enough to read two lines)


class ManagerScreen(KioskScreen):
    """Totals per counter and officer with a bar chart; sync and button-box status; roster; export."""

    citizen = False
    one_day = timedelta(days=1)
    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    tab = OptionProperty("totals", options=TABS)
    confirming = BooleanProperty(False)
    labels = ObjectProperty({}, rebind=True)
    title_fs = NumericProperty(16)
    notice = StringProperty("")
    notice_colour = ListProperty([0.05, 0.45, 0.20, 0.95])

    def __init__(self, app, **kwargs):
        self.day: date = app.store.today()
        self.month = False
        self.shown: dict | None = None
        self.officers_shown: dict | None = None
        self._notice_event = None
        self._status_event = None
        super().__init__(app, name="manager", **kwargs)
        self.actions = ManagerActions(app)
        ids = self.ids
        self.totals, self.status, self.roster, self.export = ids.totals, ids.status, ids.roster, ids.export
        self.questionnaire = ids.questionnaire
        for panel in (self.totals, self.status, self.roster, self.export, self.questionnaire):
            panel.screen = self
        self.panels = {"totals": self.totals, "status": self.status, "roster": self.roster, "export": self.export,
                       "questionnaire": self.questionnaire}
        self.tab_buttons = {name: ids[f"tab_{name}"] for name in TABS}
        self.sync_btn, self.home_btn, self.leave_btn = ids.sync_btn, ids.home_btn, ids.leave_btn
        self.confirm_yes, self.confirm_no = ids.confirm_yes, ids.confirm_no
        self.pick = {k: self.totals.ids[k] for k in ("prev_day", "today", "yesterday", "this_month", "next_day")}
        self.view_buttons = {"counter": self.totals.ids.by_counter, "officer": self.totals.ids.by_officer}
        self.table = self.totals.ids.table
        self.codepad = self.roster.ids.codepad
        self.codepad.bind(on_key=lambda _w, key: self.type_code(key))
        self.roster_save = self.roster.ids.save
        self.release_btn = self.status.ids.release
        self.export_btn = self.export.ids.go
        self.export.d_from, self.export.d_to = periods.this_month(app.store.today())
        refit_targets = Clock.create_trigger(lambda _dt: self.shown is not None and self.refresh_export(rescan=False), -1)
        self.export.ids.targets.bind(width=refit_targets)
        self.export.ids.formats.bind(width=refit_targets)
        self._targets = []
        fit_title = Clock.create_trigger(self._fit_title, -1)
        self.ids.title.bind(size=fit_title)
        self.bind(labels=fit_title, fs=fit_title)
        self.bind(size=self._resized)
        self.show_tab("totals")

    def _fit(self) -> None:
        self.fs = font_size_for(*self.size)
        self.portrait = self.height > self.width

    def _resized(self, *_) -> None:
        old = self.fs
        self._fit()
        if self.shown is not None and abs(self.fs - old) > 0.01:  # text sizes live in the data lists
            self.refresh_totals()
            self._roster_rows()
            self.refresh_export(rescan=False)
            if self.questionnaire.catalogue is not None:
                self.questionnaire.refresh(reload=False)

    # --- tabs and header ----------------------------------------------------------------------

    def _fit_title(self, *_) -> None:
        """The header's "Quản lý — <centre>" whole, on as many lines as its row holds (one in landscape,
        two in portrait): a long centre name gets smaller letters (down to 70 %) instead of losing its end."""
        label, text = self.ids.title, self.labels.get("title", "")
        fs, floor = self.fs * 1.05, self.fs * 0.7
        while True:
            lines = max(1, min(TITLE_LINES, int(label.height / (fs * 1.4))))  # a bold line with its accents
            room = max(1.0, label.width - dp(4)) * (0.97 if lines == 1 else lines * 0.85)  # wrapped lines are ragged
            if _text_width(text, fs, True) <= room or fs * 0.95 < floor:
                break
            fs *= 0.95
        self.title_fs = fs

    def show_tab(self, name: str) -> None:
        """Show one tab (its panel was built once; the others leave the widget tree meanwhile)."""
        self.app.touched()
        self.tab = name
        self.ids.content.current = name
        if name == "status":
            self.refresh_status()
            if self._status_event is None:  # its clock and counts stay current while it is shown
                self._status_event = Clock.schedule_interval(self._tick_status, 1.0)
        elif name == "export":
            self.refresh_export()
        elif name == "questionnaire":
            self.questionnaire.refresh()

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` over the bottom of the manager screen for a few seconds (red when ``error``)."""
        self.notice_colour = [0.70, 0.10, 0.10, 0.95] if error else [0.05, 0.45, 0.20, 0.95]
        self.notice = text
        if self._notice_event is not None:
            self._notice_event.cancel()
        self._notice_event = Clock.schedule_once(lambda _dt: setattr(self, "notice", ""), NOTICE_S)

    def sync_now(self) -> None:
        """The header's "Đồng bộ ngay": start it, or say why it cannot."""
        self.app.touched()
        message = self.actions.sync_now()
        self.say(message, error=self.app.cfg.sync is None)

    def ask_leave(self) -> None:
        """"Thoát chế độ kiosk" asks first."""
        self.app.touched()
        log.info("the manager asked to leave kiosk mode; asking for confirmation")
        self.confirming = True

    def answer_leave(self, leave: bool) -> None:
        """The confirmation's answer."""
        self.app.touched()
        self.confirming = False
        if leave:
            self.actions.leave_kiosk_mode()
        else:
            log.info("the manager stayed in kiosk mode")

    # --- totals -------------------------------------------------------------------------------

    def set_day(self, day: date) -> None:
        """Show one day's totals."""
        self.app.touched()
        self.day, self.month = min(day, self.app.store.today()), False
        self.refresh_totals()

    def set_month(self) -> None:
        """Show this month's totals."""
        self.app.touched()
        self.day, self.month = self.app.store.today(), True
        self.refresh_totals()

    def set_view(self, view: str) -> None:
        """Per counter or per officer."""
        self.app.touched()
        self.totals.view = view
        self.refresh_totals()

    def period(self) -> tuple[date, date]:
        """The period shown: one day, or the month so far."""
        return (self.day.replace(day=1), self.day) if self.month else (self.day, self.day)

    def refresh_totals(self) -> None:
        """Re-read the totals from the store (the numbers the CLI prints) into the table and chart."""
        from rating import totals
        app, lang, panel = self.app, self.app.lang, self.totals
        scale = app.cfg.scale
        d_from, d_to = self.period()
        label = f"{d_from.isoformat()}..{d_to.isoformat()}" if self.month else d_to.isoformat()
        self.shown = totals.period_totals(app.store, app.cfg.counters, scale, d_from, d_to, label)
        self.officers_shown = totals.period_totals(app.store, (), scale, d_from, d_to, label, by="officer")
        panel.period_text = (t("m_month", lang, month=f"{d_to.month:02d}/{d_to.year}", period=vnformat.period(d_from, d_to))
                             if self.month else t("m_day", lang, day=vnformat.day(d_to)))
        if not self.shown["all"]["total"] and not self.shown["all"]["flagged"]:  # say it, rather than a table of zeros
            panel.period_text += " · " + t("m_no_votes", lang)
        codes = scale.codes
        tail = [t("m_col_total", lang), t("m_col_pct", lang), t("m_col_flagged", lang)]

        def numbers(r):
            return [*(vnformat.integer(r["levels"][c], lang) for c in codes), vnformat.integer(r["total"], lang),
                    vnformat.percent(r["satisfied_pct"], lang=lang), vnformat.integer(r["flagged"], lang)]
        if panel.view == "counter":
            header = [t("counter", lang), *codes, *tail]
            rows = [[r["name"] or r["counter"], *numbers(r)]
                    for r in self.shown["counters"]]
            rows.append([t("all_counters", lang), *numbers(self.shown["all"])])
        else:
            header = [t("officer", lang), *codes, *tail]
            names = dict(app.cfg.report.officers)
            rows = [[officer_label(r["officer"], names) or t("no_officer", lang), *numbers(r)]
                    for r in sorted(self.officers_shown["counters"], key=lambda r: natural_key(r["officer"]))]
            rows.append([t("all_counters", lang), *numbers(self.officers_shown["all"])])
        # nine columns across a portrait panel: a little smaller than the rest, so long names keep room
        self.table.fill(header, rows, self.fs * (0.85 if self.portrait else 1.0), last_is_total=True)
        everyone = self.shown["all"]["levels"]
        most = max([1, *everyone.values()])
        panel.chart = [{"label": level_label(lvl, lang), "count": vnformat.integer(everyone[lvl.code], lang),
                        "fraction": everyone[lvl.code] / most, "colour": LEVEL_COLOURS.get(lvl.code, (0.4, 0.4, 0.4, 1)),
                        "fs": self.fs} for lvl in scale.levels]
        panel.legend_text = t("m_tab_hint_codes", lang, legend=", ".join(
            f"{lvl.code} = {level_label(lvl, lang)}" for lvl in scale.levels))
        for name, b in self.view_buttons.items():
            b.selected = panel.view == name
        self.pick["this_month"].selected = self.month
        panel.at_today = self.day >= app.store.today()

    # --- status -------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Sync, button boxes, disk and clock, as the manager needs them (the text only while shown)."""
        self.status.show_release = self.actions.quarantined() > 0
        if self.tab != "status":
            return
        self.status.text = "\n".join(self.actions.status_lines()).replace(
            "⚠", symbol("warning"))

    def _tick_status(self, _dt) -> None:
        if self.tab == "status" and self.app.sm.current == "manager" and self.get_root_window() is not None:
            self.refresh_status()
        else:
            self._stop_status_clock()

    def _stop_status_clock(self) -> None:
        if self._status_event is not None:
            self._status_event.cancel()
            self._status_event = None

    def on_leave(self, *_) -> None:
        """Back to the citizens (or the kiosk closing): the status tab's clock stops."""
        self._stop_status_clock()

    def release_quarantine(self) -> int:
        """"Gửi lại phiếu bị từ chối"."""
        self.app.touched()
        n = self.actions.release_quarantine()
        self.say(t("released", self.app.lang, n=vnformat.integer(n, self.app.lang)))
        self.refresh_status()
        return n

    # --- roster -------------------------------------------------------------------------------

    def refresh_roster(self) -> None:
        """Today's roster from the store, the first counter ready for typing."""
        today = self.app.store.today()
        self.roster.codes = dict(self.app.store.roster(today))
        self.roster.selected = self.roster.selected or self.app.cfg.counters[0].id
        self.roster.message = ""
        self._roster_rows()

    def _roster_rows(self) -> None:
        lang, names = self.app.lang, dict(self.app.cfg.report.officers)
        self.roster.rows = [{"counter_id": c.id, "name": c.name, "code": self.roster.codes.get(c.id, ""),
                             "officer": names.get(self.roster.codes.get(c.id, ""), ""),
                             "placeholder": t("m_roster_none", lang), "selected": c.id == self.roster.selected,
                             "fs": self.fs, "owner": self, "height": self.fs * 3}
                            for c in self.app.cfg.counters]

    def select_counter(self, counter_id: str) -> None:
        """The code pad now types into this counter's code."""
        self.app.touched()
        self.roster.selected = counter_id
        self._roster_rows()

    def type_code(self, key: str) -> None:
        """A key of the code pad, typed into the selected counter's code."""
        self.app.touched()
        cid = self.roster.selected
        code = self.roster.codes.get(cid, "")
        if key == "del":
            code = code[:-1]
        elif key == "clear":
            code = ""
        elif len(code) < CODE_MAX:
            code += key
        self.roster.codes = {**self.roster.codes, cid: code}
        self.roster.message = ""
        self._roster_rows()

    def save_roster(self) -> None:
        """Store today's officer codes per counter."""
        self.app.touched()
        today = self.app.store.today()
        try:
            self.app.store.set_roster(today, {c.id: self.roster.codes.get(c.id, "") for c in self.app.cfg.counters})
        except ValueError as e:
            self.roster.message = str(e)
            return
        log.info("roster saved for %s", today)
        self.roster.message = t("m_roster_saved", self.app.lang, day=vnformat.day(today))

    # --- export -------------------------------------------------------------------------------

    def refresh_export(self, rescan: bool = True) -> None:
        """The drives on offer (looked for again), the formats, and the period being exported."""
        lang, panel = self.app.lang, self.export
        if rescan:
            found = self.actions.targets()
            panel.formats = [{"text": t(f"m_fmt_{f}", lang), "value": f, "selected": f == panel.fmt, "fs": self.fs,
                              "owner": self} for f in self.actions.formats()]
            if panel.target not in {str(x.path) for x in found}:  # a new choice: a stick that can be written first
                first = sorted(found, key=lambda x: not x.writable)
                panel.target = str(first[0].path) if first else ""
            self._targets = found
        width = max(self.fs * 8, panel.ids.targets.width - dp(10))  # a long path wraps: rows as tall as their lines
        panel.targets = [{"text": x.label, "value": str(x.path), "kind": "target", "selected": str(x.path) == panel.target,
                          "fs": self.fs, "owner": self,
                          "height": self.fs * max(2.8, 1.3 * _lines(x.label, width, self.fs, False) + 0.8)}
                         for x in self._targets]
        panel.no_drive = "" if self._targets else t("m_export_no_drive", lang)
        panel.formats = [{**f, "selected": f["value"] == panel.fmt, "fs": self.fs} for f in panel.formats]
        # Four file types share one row: on a narrow (portrait) screen a label takes three lines, and the row
        # grows to hold them rather than cut "(Excel)" off.
        n = max(1, len(panel.formats))
        each = (panel.ids.formats.width - self.fs * 0.3 * (n - 1)) / n - dp(10)
        lines = max([_lines(f["text"], max(self.fs, each), self.fs, False) for f in panel.formats] or [1])
        panel.formats_height = self.fs * max(2.8, 1.3 * lines + 0.8)
        today = self.app.store.today()
        if panel.period_kind != "custom":
            panel.d_from, panel.d_to = periods.named(panel.period_kind, today)
        span = vnformat.period(panel.d_from, panel.d_to)
        if panel.period_kind == "quarter":
            span = f"{periods.quarter_label(panel.d_to)}: {span}"
        panel.period_text = span
        panel.go_text = t("m_export_go", lang, what=t(f"m_fmt_{panel.fmt}", lang), period=span)

    def _new_choice(self) -> None:
        """A choice changed: the last export's outcome no longer describes what the button will do."""
        self.app.touched()
        if not self.export.busy:
            self.export.message, self.export.failed = "", False

    def choose_target(self, path: str) -> None:
        """A drive (or the configured folder) was touched."""
        self._new_choice()
        self.export.target = path
        self.refresh_export(rescan=False)

    def choose_format(self, fmt: str) -> None:
        """CSV, the II.7 workbook or the II.7 PDF."""
        self._new_choice()
        self.export.fmt = fmt
        self.refresh_export(rescan=False)

    def choose_period(self, kind: str) -> None:
        """This month, this quarter, this year, or chosen dates (from the period shown now)."""
        self._new_choice()
        self.export.period_kind = kind
        self.refresh_export(rescan=False)

    def step_date(self, which: str, days: int) -> None:
        """The date stepper: move the start or the end of a chosen period."""
        self._new_choice()
        panel = self.export
        panel.period_kind = "custom"
        panel.d_from, panel.d_to = periods.step(panel.d_from, panel.d_to, which, days, self.app.store.today())
        self.refresh_export(rescan=False)

    def start_export(self):
        """"Xuất": checked and written on a worker thread; progress arrives through the doorway."""
        self.app.touched()
        panel = self.export
        if not panel.target:  # no stick plugged in (there is no list to choose from): say what to do
            panel.message, panel.failed = t("m_export_no_stick" if not self._targets else "m_export_pick",
                                            self.app.lang), True
            return None
        panel.busy, panel.progress, panel.failed = True, 0, False
        panel.message = t("m_export_busy", self.app.lang, pct="")
        try:
            return self.actions.export(panel.target, panel.fmt, panel.d_from, panel.d_to)
        except (ValueError, ExportRefused) as e:
            panel.busy, panel.failed = False, True
            panel.message = t("m_export_failed", self.app.lang, error=e)
            return None

    def export_progress(self, fraction: float, message: str | None = None) -> None:
        """Show how far the export is (called on the UI thread through the doorway): the percentage
        while it runs, then "Đã xuất: <file>" or, in red, why not."""
        panel = self.export
        # A running export is not the manager walking away: each step restarts the idle limit, so the
        # screen cannot close on itself mid-export and the outcome stays in sight for the whole limit.
        self.app.touched()
        panel.progress = 100 * fraction
        if message is not None:
            panel.message = message
        elif panel.busy:
            panel.message = t("m_export_busy", self.app.lang, pct=vnformat.percent(100 * fraction, places=0, lang=self.app.lang))
        if fraction >= 1.0 or (fraction == 0.0 and message is not None):  # done, or failed with a reason
            panel.busy, panel.failed = False, fraction < 1.0

    # --- all ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        lang = self.app.lang
        self._fit()
        self.labels = {"title": t("manager_title", lang, centre=self.app.cfg.centre), **{key: t(key, lang) for key in (
            "sync_now", "back_to_citizens", "leave_kiosk", "tab_today", "tab_status", "tab_roster", "tab_export",
            "tab_questionnaire",
            "m_leave_title", "m_leave_body", "m_leave_yes", "m_cancel")}}
        self.totals.labels = {key: t(key, lang) for key in (
            "prev_day", "today", "yesterday", "this_month", "next_day", "m_by_counter", "m_by_officer", "m_chart", "m_table")}
        self.export.labels = {key: t(key, lang) for key in (
            "m_export_where", "m_export_rescan", "m_export_what", "m_export_period", "m_period_month",
            "m_period_quarter", "m_period_year", "m_period_custom", "m_from", "m_to")}
        self.status.release_text = t("release_quarantine", lang)
        self.roster.title = t("m_roster_title", lang, day=vnformat.day(self.app.store.today()))
        self.roster.hint = t("m_roster_hint", lang)
        self.roster.save_text = t("m_roster_save", lang)
        self.codepad.clear_text = t("m_clear", lang)
        self.confirming = False
        self.notice = ""
        self.refresh_totals()
        self.refresh_roster()
        self.refresh_status()
        self.refresh_export()



for _kv in ["manager_common.kv", *sorted(p.name for p in KV.glob("manager_*.kv") if p.name != "manager_common.kv")]:
    Builder.load_file(str(KV / _kv))

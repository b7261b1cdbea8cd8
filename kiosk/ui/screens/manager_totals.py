"""The manager's totals tab: a day, the month so far, or the last whole month or quarter (the periods
reports are filed for), per counter or per officer, and a bar chart of
the levels. Layout in ``kiosk/ui/kv/manager_totals.kv``.

The numbers are the ones the CLI's ``totals`` prints; they are read in one place (:meth:`TotalsPanel.read`)
and arrive in the ``shown`` and ``officers_shown`` properties, from which the table and the chart are drawn.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from rating import period as periods, vnformat
from ..strings import level_label, t
from ..widgets import LEVEL_COLOURS
from .manager_widgets import ManagerTab, shrunk, text_width

ONE_DAY = timedelta(days=1)


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


class ChartRow(BoxLayout):
    """One bar of the totals chart: a level's words, its bar and its count."""

    label = StringProperty("")
    count = StringProperty("")
    fraction = NumericProperty(0)
    colour = ListProperty([0.5, 0.5, 0.5, 1])
    fs = NumericProperty(16)
    label_width = NumericProperty(100)  # the widest level's words: the bars of every row start together
    count_width = NumericProperty(40)   # the widest count: room kept for it after the longest bar


def bar_length(lane: float, fraction: float, count_width: float, fs: float) -> float:
    """A chart bar's length in a lane ``lane`` wide: its share of the room the count leaves, and at least a
    sliver when the level has votes (one vote among hundreds is not nothing). (Every value it depends on is
    an argument, so the layout redraws the bar when any of them changes.)"""
    if fraction <= 0:
        return 0.0
    return max(fs * 0.3, max(0.0, lane - count_width - fs * 0.3) * fraction)


def chart_rows(levels: list[tuple[str, int, str, tuple]], fs: float) -> list[dict]:
    """The chart's rows (RecycleView data) for ``levels`` as (words, count, count as shown, colour), each bar
    its count's share of the largest: one label width and one count width for every row."""
    most = max([1, *(n for _w, n, _t, _c in levels)])
    label_width = max(text_width(words, fs, False) for words, *_ in levels) + fs * 0.4
    count_width = max(text_width(text, fs, True) for _w, _n, text, _c in levels) + fs * 0.4
    return [{"label": words, "count": text, "fraction": n / most, "colour": colour, "fs": fs,
             "label_width": label_width, "count_width": count_width} for words, n, text, colour in levels]


class TotalsPanel(ManagerTab):
    """Totals per counter or per officer for a day or the month so far, and a bar chart of the levels."""

    day = ObjectProperty(None, allownone=True)  # the day shown (for a named period: the day it was chosen on)
    # "day": ``day`` alone; else a period of :func:`rating.period.named` as of today: the month so far, or the
    # last whole month or quarter (reports are filed after the period ends: one tap, not 19 of a stepper)
    span = OptionProperty("day", options=("day", "month", "last_month", "last_quarter"))
    view = OptionProperty("counter", options=("counter", "officer"))
    shown = ObjectProperty(None, allownone=True)           # per counter, the ``totals --json`` shape
    officers_shown = ObjectProperty(None, allownone=True)  # per officer, the same shape
    period_text = StringProperty("")
    legend_text = StringProperty("")
    chart = ListProperty()
    chart_on = BooleanProperty(False)  # a landscape panel too narrow for both: the chart instead of the table
    at_today = BooleanProperty(True)   # "Ngày sau »" has no later day to show
    labels = ObjectProperty({}, rebind=True)

    def on_kv_post(self, _base) -> None:
        ids = self.ids  # the layout's widgets exist once its rule is applied
        self.pick = {k: ids[k] for k in ("prev_day", "today", "yesterday", "this_month", "last_month", "last_quarter",
                                         "next_day")}
        self.view_buttons = {"counter": ids.by_counter, "officer": ids.by_officer}
        self.table = ids.table

    # --- what is chosen -----------------------------------------------------------------------

    def today(self) -> date:
        """The store's today (the kiosk's time zone)."""
        return self.app.store.today()

    def set_day(self, day: date) -> None:
        """Show one day's totals (never a day after today)."""
        self.app.touched()
        self.day, self.span = min(day, self.today()), "day"
        self.refresh()

    def step_day(self, days: int) -> None:
        """The day before (-1) or after (+1) the one shown (from a period: the day before its first, or after
        its last)."""
        d_from, d_to = self.period()
        self.set_day((d_from if days < 0 else d_to) + days * ONE_DAY)

    def set_span(self, span: str) -> None:
        """Show a named period's totals: "month" (so far), "last_month" or "last_quarter"."""
        self.app.touched()
        self.day, self.span = self.today(), span
        self.refresh()

    def set_month(self) -> None:
        """Show this month's totals."""
        self.set_span("month")

    @property
    def month(self) -> bool:
        """A period of several days is shown, not one day."""
        return self.span != "day"

    def set_view(self, view: str) -> None:
        """Per counter or per officer."""
        self.app.touched()
        self.view = view
        self.refresh()

    def period(self) -> tuple[date, date]:
        """The period shown: one day, or the named period as of the day it was chosen on."""
        return (self.day, self.day) if self.span == "day" else periods.named(self.span, self.day)

    # --- reading and drawing ------------------------------------------------------------------

    def read(self, d_from: date, d_to: date) -> tuple[dict, dict]:
        """The numbers of the period, per counter and per officer (those the CLI's ``totals`` prints)."""
        from rating import totals
        cfg, store = self.app.cfg, self.app.store
        label = f"{d_from.isoformat()}..{d_to.isoformat()}" if self.month else d_to.isoformat()
        min_n = cfg.report.min_n
        return (totals.period_totals(store, cfg.counters, cfg.scale, d_from, d_to, label, min_n=min_n),
                totals.period_totals(store, (), cfg.scale, d_from, d_to, label, by="officer", min_n=min_n))

    def refresh(self) -> None:
        """Re-read the totals of the period chosen from the store, then draw them."""
        if self.day is None:
            self.day = self.today()
        lang = self.app.lang
        self.labels = {key: t(key, lang) for key in (
            "prev_day", "today", "yesterday", "this_month", "m_last_month", "m_last_quarter", "next_day", "m_by_counter", "m_by_officer", "m_chart", "m_table")}
        self.shown, self.officers_shown = self.read(*self.period())
        self.redraw()

    def redraw(self) -> None:
        """The table, the chart and the words from ``shown`` and ``officers_shown``."""
        if self.shown is None:
            return
        app, lang = self.app, self.app.lang
        scale = app.cfg.scale
        d_from, d_to = self.period()
        if self.span == "day":
            self.period_text = t("m_day", lang, day=vnformat.day(d_to))
        elif self.span == "last_quarter":
            self.period_text = t("m_quarter", lang, quarter=periods.ROMAN[(d_to.month - 1) // 3 + 1], year=d_to.year,
                                 period=vnformat.period(d_from, d_to))
        else:
            self.period_text = t("m_month", lang, month=f"{d_to.month:02d}/{d_to.year}", period=vnformat.period(d_from, d_to))
        if not self.shown["all"]["total"] and not self.shown["all"]["flagged"]:  # say it, rather than a table of zeros
            self.period_text += " · " + t("m_no_votes", lang)
        codes = scale.codes
        tail = [t("m_col_total", lang), t("m_col_pct", lang), t("m_col_flagged", lang)]

        def numbers(r):
            return [*(vnformat.integer(r["levels"][c], lang) for c in codes), vnformat.integer(r["total"], lang),
                    # the rate with its 95 % interval, or "Chưa đủ mẫu" (N is the total column beside it)
                    vnformat.rate_figure(r["satisfied_pct"], (r["ci_low"], r["ci_high"]), r["small_sample"], lang),
                    vnformat.integer(r["flagged"], lang)]
        if self.view == "counter":
            header = [t("counter", lang), *codes, *tail]
            rows = [[r["name"] or r["counter"], *numbers(r)] for r in self.shown["counters"]]
            rows.append([t("all_counters", lang), *numbers(self.shown["all"])])
        else:
            header = [t("officer", lang), *codes, *tail]
            names = dict(app.cfg.report.officers)
            rows = [[officer_label(r["officer"], names) or t("no_officer", lang), *numbers(r)]
                    for r in sorted(self.officers_shown["counters"], key=lambda r: natural_key(r["officer"]))]
            rows.append([t("all_counters", lang), *numbers(self.officers_shown["all"])])
        # nine columns across a portrait panel: a little smaller than the rest, so long names keep room
        self.table.fill(header, rows, shrunk(self.fs, 0.85), last_is_total=True)
        everyone = self.shown["all"]["levels"]
        self.chart = chart_rows([(level_label(lvl, lang), everyone[lvl.code], vnformat.integer(everyone[lvl.code], lang),
                                  LEVEL_COLOURS[lvl.code][0] if lvl.code in LEVEL_COLOURS else (0.4, 0.4, 0.4, 1))
                                 for lvl in scale.levels], self.fs)
        self.legend_text = t("m_tab_hint_codes", lang, legend=", ".join(
            f"{lvl.code} = {level_label(lvl, lang)}" for lvl in scale.levels))
        for name, b in self.view_buttons.items():
            b.selected = self.view == name
        for key, span in (("this_month", "month"), ("last_month", "last_month"), ("last_quarter", "last_quarter")):
            self.pick[key].selected = self.span == span
        self.at_today = d_to >= self.today()

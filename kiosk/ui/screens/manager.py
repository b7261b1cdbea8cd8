"""The manager's screens: the PIN pad, and totals, status, roster and export behind it."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.progressbar import ProgressBar
from kivy.uix.scrollview import ScrollView
from kivy.uix.tabbedpanel import TabbedPanel, TabbedPanelItem
from kivy.uix.textinput import TextInput

from ..fonts import SYMBOLS
from ..strings import level_label, t
from ..widgets import INK, BarChart, BigButton, scaled
from .citizen import KioskScreen, _title


class PinScreen(KioskScreen):
    """A ten-digit pad. No default PIN; five wrong tries lock it for five minutes."""

    citizen = False

    def __init__(self, app, **kwargs):
        super().__init__(app, name="pin", **kwargs)
        box = BoxLayout(orientation="vertical", padding=dp(24), spacing=dp(10))
        self.title = _title("", dp(30), size_hint_y=0.12, bold=True)
        self.dots = _title("", dp(40), size_hint_y=0.1, font_name=SYMBOLS)  # "●" is not in Noto Sans
        self.message = _title("", dp(22), size_hint_y=0.12)
        pad = GridLayout(cols=3, spacing=dp(8), size_hint=(0.55, 0.56), pos_hint={"center_x": 0.5})
        self.keys = {}
        for key in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok"]:
            b = BigButton(text=key, font_size=dp(30))
            b.key = key
            b.bind(on_release=lambda btn: self.press(btn.key))
            pad.add_widget(b)
            self.keys[key] = b
        self.back = BigButton(text="", size_hint=(0.3, 0.1), pos_hint={"center_x": 0.5},
                              background_color=(0.35, 0.35, 0.38, 1))
        self.back.bind(on_release=lambda *_: app.go_home())
        for w in (self.title, self.dots, self.message, pad, self.back):
            box.add_widget(w)
        self.add_widget(box)
        self.entered = ""

    def refresh(self) -> None:
        lang = self.app.lang
        self.entered = ""
        self.dots.text = ""
        self.title.text = t("pin_title", lang)
        self.keys["del"].text = t("delete", lang)
        self.keys["ok"].text = t("ok", lang)
        self.back.text = t("back", lang)
        self.message.text = "" if self.app.pinpad.is_set else t("pin_unset", lang)
        self._show_lock()

    def _show_lock(self) -> bool:
        left = int(self.app.pinpad.locked_for() + 0.999)
        if left:
            self.message.text = t("pin_locked", self.app.lang, minutes=left // 60, seconds=left % 60)
        return bool(left)

    def press(self, key: str) -> None:
        """A key of the pad."""
        self.app.touched()
        if key == "del":
            self.entered = self.entered[:-1]
        elif key == "ok":
            result = self.app.pinpad.attempt(self.entered)
            self.entered = ""
            if result == "ok":
                self.app.open_manager()
                return
            if result == "unset":
                self.message.text = t("pin_unset", self.app.lang)
            elif result == "locked":
                self._show_lock()
            else:
                self.message.text = t("pin_wrong", self.app.lang)
        elif len(self.entered) < 8:
            self.entered += key
        self.dots.text = "●" * len(self.entered)


def _cell(text, bold=False, align="center", **kw) -> Label:
    lbl = Label(text=str(text), color=INK, bold=bold, halign=align, valign="middle", shorten=True,
                shorten_from="right", **kw)
    lbl.bind(size=lambda w, s: setattr(w, "text_size", s))
    return scaled(lbl, dp(16))


class ManagerScreen(KioskScreen):
    """Totals per counter and officer with a bar chart; sync and button-box status; roster; export."""

    citizen = False

    def __init__(self, app, **kwargs):
        super().__init__(app, name="manager", **kwargs)
        self.day: date = app.store.today()
        self.month = False
        root = BoxLayout(orientation="vertical", padding=dp(8), spacing=dp(6))
        head = BoxLayout(size_hint_y=0.08, spacing=dp(6))
        self.title = _cell("", bold=True, align="left")
        self.sync_btn = BigButton(text="", font_size=dp(18), size_hint_x=0.18)
        self.sync_btn.bind(on_release=lambda *_: app.sync_now())
        self.home_btn = BigButton(text="", font_size=dp(18), size_hint_x=0.22)
        self.home_btn.bind(on_release=lambda *_: app.go_home())
        self.leave_btn = BigButton(text="", font_size=dp(18), size_hint_x=0.2, background_color=(0.6, 0.15, 0.1, 1))
        self.leave_btn.bind(on_release=lambda *_: app.leave_kiosk_mode())
        for w in (self.title, self.sync_btn, self.home_btn, self.leave_btn):
            head.add_widget(w)
        self.tabs = TabbedPanel(do_default_tab=False, tab_width=dp(170), tab_height=dp(44), background_image="",
                                background_color=(1, 1, 1, 1))
        self.tab_today, self.tab_status = TabbedPanelItem(), TabbedPanelItem()
        self.tab_roster, self.tab_export = TabbedPanelItem(), TabbedPanelItem()
        for tab in (self.tab_today, self.tab_status, self.tab_roster, self.tab_export):
            self.tabs.add_widget(tab)
        self.tab_today.add_widget(self._build_today())
        self.tab_status.add_widget(self._build_status())
        self.tab_roster.add_widget(self._build_roster())
        self.tab_export.add_widget(self._build_export())
        self.tabs.default_tab = self.tab_today
        root.add_widget(head)
        root.add_widget(self.tabs)
        self.add_widget(root)

    # --- totals -------------------------------------------------------------------------------

    def _build_today(self) -> BoxLayout:
        box = BoxLayout(orientation="vertical", spacing=dp(6), padding=dp(6))
        picker = BoxLayout(size_hint_y=0.1, spacing=dp(6))
        self.pick = {}
        for key, action in (("prev_day", lambda: self.set_day(self.day - timedelta(days=1))),
                            ("today", lambda: self.set_day(self.app.store.today())),
                            ("yesterday", lambda: self.set_day(self.app.store.today() - timedelta(days=1))),
                            ("this_month", self.set_month),
                            ("next_day", lambda: self.set_day(self.day + timedelta(days=1)))):
            b = BigButton(text="", font_size=dp(17))
            b.bind(on_release=lambda _b, a=action: (self.app.touched(), a()))
            picker.add_widget(b)
            self.pick[key] = b
        self.period_label = _cell("", bold=True, size_hint_y=0.07)
        middle = BoxLayout(spacing=dp(10))
        self.counter_table = GridLayout(cols=1, size_hint_x=0.62)
        self.chart = BarChart(size_hint_x=0.38)
        middle.add_widget(self.counter_table)
        middle.add_widget(self.chart)
        self.officer_table = GridLayout(cols=1, size_hint_y=0.32)
        for w in (picker, self.period_label, middle, self.officer_table):
            box.add_widget(w)
        return box

    def set_day(self, day: date) -> None:
        """Show one day's totals."""
        self.day, self.month = min(day, self.app.store.today()), False
        self.refresh_totals()

    def set_month(self) -> None:
        """Show this month's totals."""
        self.day, self.month = self.app.store.today(), True
        self.refresh_totals()

    def period(self) -> tuple[date, date]:
        """The period shown: one day, or the month so far."""
        return (self.day.replace(day=1), self.day) if self.month else (self.day, self.day)

    def refresh_totals(self) -> None:
        """Re-read the totals from the store (the numbers the CLI prints)."""
        from ... import totals
        app, lang = self.app, self.app.lang
        scale = app.cfg.scale
        d_from, d_to = self.period()
        label = f"{d_from.isoformat()} … {d_to.isoformat()}" if self.month else d_to.isoformat()
        result = totals.period_totals(app.store, app.cfg.counters, scale, d_from, d_to, label)
        officers = totals.period_totals(app.store, (), scale, d_from, d_to, label, by="officer")
        self.shown = result
        self.period_label.text = label
        codes = scale.codes
        header = [t("counter", lang), *codes, t("total", lang), t("satisfied_pct", lang), t("flagged", lang)]
        self._fill(self.counter_table, header,
                   [[r["counter"] + (f" — {r['name']}" if r["name"] else ""), *(r["levels"][c] for c in codes),
                     r["total"], _pct(r["satisfied_pct"]), r["flagged"]] for r in result["counters"]]
                   + [[t("all_counters", lang), *(result["all"]["levels"][c] for c in codes), result["all"]["total"],
                       _pct(result["all"]["satisfied_pct"]), result["all"]["flagged"]]])
        self._fill(self.officer_table, [t("officer", lang), *codes, t("total", lang), t("satisfied_pct", lang),
                                        t("flagged", lang)],
                   [[r["officer"] or t("no_officer", lang), *(r["levels"][c] for c in codes), r["total"],
                     _pct(r["satisfied_pct"]), r["flagged"]] for r in officers["counters"]])
        self.chart.set_rows([(lvl.code, level_label(lvl, lang), result["all"]["levels"][lvl.code]) for lvl in scale.levels])

    @staticmethod
    def _fill(grid: GridLayout, header: list, rows: list[list]) -> None:
        grid.clear_widgets()
        grid.cols = len(header)
        for i, h in enumerate(header):
            grid.add_widget(_cell(h, bold=True, size_hint_x=3 if i == 0 else 1))
        for row in rows:
            for i, v in enumerate(row):
                grid.add_widget(_cell(v, align="left" if i == 0 else "center", size_hint_x=3 if i == 0 else 1))

    # --- status -------------------------------------------------------------------------------

    def _build_status(self) -> BoxLayout:
        box = BoxLayout(orientation="vertical", padding=dp(6), spacing=dp(6))
        scroll = ScrollView()
        self.status_text = scaled(Label(color=INK, halign="left", valign="top", size_hint_y=None, markup=True), dp(18))
        self.status_text.bind(width=lambda w, v: setattr(w, "text_size", (v - dp(20), None)),
                              texture_size=lambda w, s: setattr(w, "height", s[1] + dp(20)))
        scroll.add_widget(self.status_text)
        self.release_btn = BigButton(text="", size_hint=(0.4, None), height=dp(56), font_size=dp(18))
        self.release_btn.bind(on_release=lambda *_: self.app.release_quarantine())
        box.add_widget(scroll)
        box.add_widget(self.release_btn)
        return box

    def refresh_status(self) -> None:
        """Sync, button boxes, disk and clock, as the manager needs them."""
        self.status_text.text = "\n".join(self.app.status_lines())

    # --- roster -------------------------------------------------------------------------------

    def _build_roster(self) -> BoxLayout:
        box = BoxLayout(orientation="vertical", padding=dp(10), spacing=dp(8))
        self.roster_title = _cell("", bold=True, size_hint_y=0.1)
        grid = GridLayout(cols=2, spacing=dp(8), row_default_height=dp(54), row_force_default=True)
        self.roster_inputs = {}
        for counter in self.app.cfg.counters:
            grid.add_widget(_cell(counter.name, align="left"))
            ti = TextInput(multiline=False, font_size=dp(22), write_tab=False)
            self.roster_inputs[counter.id] = ti
            grid.add_widget(ti)
        self.roster_save = BigButton(text="", size_hint_y=0.12)
        self.roster_save.bind(on_release=lambda *_: self.save_roster())
        self.roster_msg = _cell("", size_hint_y=0.08)
        for w in (self.roster_title, grid, self.roster_save, self.roster_msg):
            box.add_widget(w)
        return box

    def save_roster(self) -> None:
        """Store today's officer codes per counter."""
        try:
            self.app.store.set_roster(self.app.store.today(), {cid: ti.text for cid, ti in self.roster_inputs.items()})
        except ValueError as e:
            self.roster_msg.text = str(e)
            return
        self.roster_msg.text = t("saved", self.app.lang)

    # --- export -------------------------------------------------------------------------------

    def _build_export(self) -> BoxLayout:
        box = BoxLayout(orientation="vertical", padding=dp(10), spacing=dp(10))
        self.export_label = _cell("", size_hint_y=0.1, align="left")
        self.export_dir = TextInput(multiline=False, font_size=dp(20), size_hint_y=0.12,
                                    text=str(self.app.cfg.export_dir or self.app.cfg.data_dir / "exports"))
        self.export_btn = BigButton(text="", size_hint_y=0.15)
        self.export_btn.bind(on_release=lambda *_: self.app.export_csv(self.export_dir.text, *self.period()))
        self.progress = ProgressBar(max=100, value=0, size_hint_y=0.08)
        self.export_msg = _cell("", size_hint_y=0.2)
        for w in (self.export_label, self.export_dir, self.export_btn, self.progress, self.export_msg, BoxLayout()):
            box.add_widget(w)
        return box

    def export_progress(self, fraction: float, message: str | None = None) -> None:
        """Show how far the export is (called on the UI thread through the doorway)."""
        self.progress.value = 100 * fraction
        if message is not None:
            self.export_msg.text = message

    # --- all ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        lang = self.app.lang
        self.title.text = t("manager_title", lang, centre=self.app.cfg.centre)
        self.sync_btn.text = t("sync_now", lang)
        self.home_btn.text = t("back_to_citizens", lang)
        self.leave_btn.text = t("leave_kiosk", lang)
        for tab, key in ((self.tab_today, "tab_today"), (self.tab_status, "tab_status"),
                         (self.tab_roster, "tab_roster"), (self.tab_export, "tab_export")):
            tab.text = t(key, lang)
        for key, b in self.pick.items():
            b.text = t(key, lang)
        self.roster_title.text = f"{t('tab_roster', lang)} — {self.app.store.today().isoformat()}"
        roster = self.app.store.roster(self.app.store.today())
        for cid, ti in self.roster_inputs.items():
            ti.text = roster.get(cid, "")
        self.export_label.text = t("export_folder", lang)
        self.release_btn.text = t("release_quarantine", lang)
        self.export_btn.text = t("export_csv", lang)
        self.refresh_totals()
        self.refresh_status()


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def disk_free(path) -> str:
    """Free space where the data lives, for people."""
    usage = shutil.disk_usage(path)
    return f"{usage.free / 2**30:.1f} GiB / {usage.total / 2**30:.1f} GiB"


def clock_looks_wrong(now: datetime, last_vote_time: str | None) -> str | None:
    """Why the clock looks wrong, or None: before the software was written, or before the last vote."""
    if now.year < 2026:
        return f"the clock says {now:%Y-%m-%d %H:%M}, before this software existed"
    if last_vote_time and now < datetime.fromisoformat(last_vote_time) - timedelta(minutes=5):
        return f"the clock says {now:%Y-%m-%d %H:%M}, earlier than the last vote ({last_vote_time[:16]})"
    return None

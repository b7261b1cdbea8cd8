"""The manager's export tab: where (a USB stick or the configured folder), what (CSV, the II.7 workbook or
PDF, the vote list) and which period. Layout in ``kiosk/ui/kv/manager_export.kv``; the writing itself is
:meth:`kiosk.ui.manager_actions.ManagerActions.export`, on a worker thread."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty

from rating import period as periods, vnformat
from ...removable import ExportRefused
from ..strings import t
from .manager_widgets import ManagerTab, wrapped_lines


class ExportPanel(ManagerTab):
    """Where (a stick or the configured folder), what (CSV, the II.7 workbook or PDF), which period."""

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

    def __init__(self, **kwargs):
        self._targets = None  # the drives found by the last look (None: not looked yet)
        super().__init__(**kwargs)

    def on_kv_post(self, _base) -> None:
        refit = Clock.create_trigger(lambda _dt: self.redraw(), -1)  # a long path wraps as the list's width allows
        self.ids.targets.bind(width=refit)
        self.ids.formats.bind(width=refit)

    def refresh(self, rescan: bool = True) -> None:
        """The drives on offer (looked for again when ``rescan``), the formats, and the period being exported."""
        lang = self.app.lang
        self.labels = {key: t(key, lang) for key in (
            "m_export_where", "m_export_rescan", "m_export_what", "m_export_period", "m_period_month",
            "m_period_quarter", "m_last_month", "m_last_quarter", "m_period_year", "m_period_custom", "m_from", "m_to")}
        if rescan or self._targets is None:
            actions = self.screen.actions
            found = actions.targets()
            self.formats = [{"text": t(f"m_fmt_{f}", lang), "value": f, "selected": f == self.fmt, "fs": self.fs,
                             "owner": self} for f in actions.formats()]
            if self.target not in {str(x.path) for x in found}:  # a new choice: a stick that can be written first
                first = sorted(found, key=lambda x: not x.writable)
                self.target = str(first[0].path) if first else ""
            self._targets = found
        self.redraw()

    def redraw(self) -> None:
        """The lists and the words from the drives last found and the choices made (nothing is looked up)."""
        if self._targets is None:
            return
        lang, fs = self.app.lang, self.fs
        width = max(fs * 8, self.ids.targets.width - dp(10))  # a long path wraps: rows as tall as their lines
        self.targets = [{"text": x.label, "value": str(x.path), "kind": "target", "selected": str(x.path) == self.target,
                         "fs": fs, "owner": self, "height": fs * max(2.8, 1.3 * wrapped_lines(x.label, width, fs, False) + 0.8)}
                        for x in self._targets]
        self.no_drive = "" if self._targets else t("m_export_no_drive", lang)
        self.formats = [{**f, "selected": f["value"] == self.fmt, "fs": fs} for f in self.formats]
        # Four file types share one row: on a narrow (portrait) screen a label takes three lines, and the row
        # grows to hold them rather than cut "(Excel)" off.
        n = max(1, len(self.formats))
        each = (self.ids.formats.width - fs * 0.3 * (n - 1)) / n - dp(10)
        lines = max([wrapped_lines(f["text"], max(fs, each), fs, False) for f in self.formats] or [1])
        self.formats_height = fs * max(2.8, 1.3 * lines + 0.8)
        if self.period_kind != "custom":
            self.d_from, self.d_to = periods.named(self.period_kind, self.app.store.today())
        span = vnformat.period(self.d_from, self.d_to)
        if self.period_kind in ("quarter", "last_quarter"):
            span = f"{periods.quarter_label(self.d_to)}: {span}"
        self.period_text = span
        self.go_text = t("m_export_go", lang, what=t(f"m_fmt_{self.fmt}", lang), period=span)

    # --- choices ------------------------------------------------------------------------------

    def _new_choice(self) -> None:
        """A choice changed: the last export's outcome no longer describes what the button will do."""
        self.app.touched()
        if not self.busy:
            self.message, self.failed = "", False

    def choose_target(self, path: str) -> None:
        """A drive (or the configured folder) was touched."""
        self._new_choice()
        self.target = path
        self.redraw()

    def choose_format(self, fmt: str) -> None:
        """CSV, the II.7 workbook or the II.7 PDF."""
        self._new_choice()
        self.fmt = fmt
        self.redraw()

    def choose_period(self, kind: str) -> None:
        """This or last month, this or last quarter, this year, or chosen dates (from the period shown now)."""
        self._new_choice()
        self.period_kind = kind
        self.redraw()

    def step_date(self, which: str, days: int) -> None:
        """The date stepper: move the start or the end of a chosen period."""
        self._new_choice()
        self.period_kind = "custom"
        self.d_from, self.d_to = periods.step(self.d_from, self.d_to, which, days, self.app.store.today())
        self.redraw()

    # --- the export ---------------------------------------------------------------------------

    def start(self):
        """"Xuất": checked and written on a worker thread; progress arrives through the doorway."""
        self.app.touched()
        if not self.target:  # no stick plugged in (there is no list to choose from): say what to do
            self.message, self.failed = t("m_export_no_stick" if not self._targets else "m_export_pick",
                                          self.app.lang), True
            return None
        self.busy, self.progress, self.failed = True, 0, False
        self.message = t("m_export_busy", self.app.lang, pct="")
        try:
            return self.screen.actions.export(self.target, self.fmt, self.d_from, self.d_to)
        except (ValueError, ExportRefused) as e:
            self.busy, self.failed = False, True
            self.message = t("m_export_failed", self.app.lang, error=e)
            return None

    def show_progress(self, fraction: float, message: str | None = None) -> None:
        """Show how far the export is (called on the UI thread through the doorway): the percentage
        while it runs, then "Đã xuất: <file>" or, in red, why not."""
        # A running export is not the manager walking away: each step restarts the idle limit, so the
        # screen cannot close on itself mid-export and the outcome stays in sight for the whole limit.
        self.app.touched()
        self.progress = 100 * fraction
        if message is not None:
            self.message = message
        elif self.busy:
            self.message = t("m_export_busy", self.app.lang,
                             pct=vnformat.percent(100 * fraction, places=0, lang=self.app.lang))
        if fraction >= 1.0 or (fraction == 0.0 and message is not None):  # done, or failed with a reason
            self.busy, self.failed = False, fraction < 1.0

"""The manager's status tab: sync, button boxes, disk and clock, and the resend button when votes were
refused. Layout in ``kiosk/ui/kv/manager_status.kv``; the lines come from :mod:`kiosk.ui.manager_actions`."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from rating import vnformat
from ..fonts import symbol
from ..strings import t
from .manager_enrol import EnrolPanel
from .manager_volume import VolumeRow  # noqa: F401  (the kv rule of the volume row in the tab)
from .manager_widgets import ManagerTab


class StatusPanel(ManagerTab):
    """Sync, button boxes, disk and clock as text; the resend button only when votes were refused. While the
    tab is shown its text follows by itself, once a second."""

    text = StringProperty("")
    release_text = StringProperty("")
    show_release = BooleanProperty(False)
    enrol_text = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._clock = None
        self.enrol: EnrolPanel | None = None   # "Đăng ký máy với máy chủ", made when first opened

    def shown(self) -> bool:
        """True while this is the manager's current tab."""
        return self.screen is not None and self.screen.tab == "status"

    def refresh(self) -> None:
        """Whether votes wait refused (the resend button), and the status text while the tab is shown."""
        self.release_text = t("release_quarantine", self.app.lang)
        self.enrol_text = t("m_enrol", self.app.lang)
        self.show_release = self.screen.actions.quarantined() > 0
        self.ids.volume.refresh(self.app)
        if not self.shown():
            return
        self.text = "\n".join(self.screen.actions.status_lines()).replace("⚠", symbol("warning"))

    def follow(self) -> None:
        """The tab was opened: its clock and counts stay current while it is shown."""
        self.refresh()
        if self._clock is None:
            self._clock = Clock.schedule_interval(self._tick, 1.0)

    def _tick(self, _dt) -> None:
        if self.shown() and self.app.sm.current == "manager" and self.get_root_window() is not None:
            self.refresh()
        else:
            self.stop()

    def stop(self) -> None:
        """Stop following (the tab or the manager's screen was left)."""
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None

    def release_quarantine(self) -> int:
        """"Gửi lại phiếu bị từ chối"."""
        self.app.touched()
        n = self.screen.actions.release_quarantine()
        self.screen.say(t("released", self.app.lang, n=vnformat.integer(n, self.app.lang)))
        self.refresh()
        return n

    def open_enrol(self) -> EnrolPanel:
        """"Đăng ký máy với máy chủ": the enrolment panel (kiosk/ui/screens/manager_enrol.py)."""
        self.app.touched()
        if self.enrol is None:
            self.enrol = EnrolPanel(self.app)
        self.enrol.show(self.fs)
        return self.enrol

"""The manager's screens: the PIN pad, and behind it the manager's screen with its tabs.

Layout lives in ``kiosk/ui/kv/manager_*.kv`` (one file per screen or tab). Each tab is its own widget in
its own module (:mod:`.manager_totals`, :mod:`.manager_status`, :mod:`.manager_roster`,
:mod:`.manager_export`, :mod:`.manager_questionnaire`): it reads its own data into Properties its layout is
bound to, and its size arrives from the screen through Properties too. This screen holds the header (the
centre, sync now, back to citizens, leave kiosk mode), the tab bar and the notice. Every widget is made
once, when the screen is built: a refresh only changes Properties and the data lists of RecycleViews,
so opening the manager a thousand times leaves no widget behind. What the buttons *do* lives in
:mod:`kiosk.ui.manager_actions`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty

from ...pin import LOCKOUT_S, Attempt
from ..fonts import SYMBOLS
from ..manager_actions import ManagerActions
from ..strings import t
from .citizen import KioskScreen
from .manager_export import ExportPanel  # noqa: F401  (the tabs, named in manager_screen.kv)
from .manager_questionnaire import QuestionnairePanel  # noqa: F401
from .manager_roster import RosterPanel  # noqa: F401
from .manager_status import StatusPanel  # noqa: F401
from .manager_totals import TotalsPanel  # noqa: F401
from .manager_widgets import text_width, font_size_for

log = logging.getLogger("kiosk.manager")

KV = Path(__file__).resolve().parent.parent / "kv"


# --- the PIN pad ------------------------------------------------------------------------------

class PinScreen(KioskScreen):
    """A ten-digit pad. No default PIN; five wrong tries lock it for five minutes."""

    citizen = False
    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    entered = StringProperty("")
    locked = BooleanProperty(False)  # five wrong tries: the digits are greyed out until the lock-out ends
    opening = BooleanProperty(False)  # the right PIN: "Đang mở…" while the manager's screen is built (~3 s)
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
        self.locked = self.opening = False
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
                # Say so at once: building the manager's tabs the first time takes seconds on a kiosk's board,
                # and a pad that shows nothing meanwhile gets the PIN typed again. The screen is built once the
                # words are on screen (the frame after this one).
                self.opening = True
                self.message_text = t("pin_opening", self.app.lang)
                Clock.schedule_once(lambda _dt: self.app.open_manager(), 0)
                return
            if result is Attempt.UNSET:
                self.message_text = t("pin_unset", self.app.lang)
            elif result is Attempt.LOCKED:
                self._show_lock()
            else:
                self.message_text = t("pin_wrong", self.app.lang, left=self.app.pinpad.tries_left(),
                                      minutes=round(LOCKOUT_S / 60))
        elif len(self.entered) < 8:
            self.entered += key


# --- the manager screen -----------------------------------------------------------------------

TABS = ("totals", "status", "roster", "export", "questionnaire")
TITLE_LINES = 2
NOTICE_S = 6.0  # how long a header button's message stays (long enough to read two lines)


class ManagerScreen(KioskScreen):
    """The header, the tabs (totals, status, roster, export, questionnaire) and the notice."""

    citizen = False
    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    tab = OptionProperty("totals", options=TABS)
    confirming = BooleanProperty(False)
    labels = ObjectProperty({}, rebind=True)
    title_fs = NumericProperty(16)
    notice = StringProperty("")
    notice_colour = ListProperty([0.05, 0.45, 0.20, 0.95])

    def __init__(self, app, **kwargs):
        self._notice_event = None
        super().__init__(app, name="manager", **kwargs)
        self.actions = ManagerActions(app)
        ids = self.ids
        self.totals, self.status, self.roster, self.export = ids.totals, ids.status, ids.roster, ids.export
        self.questionnaire = ids.questionnaire
        self.panels = {"totals": self.totals, "status": self.status, "roster": self.roster, "export": self.export,
                       "questionnaire": self.questionnaire}
        for panel in self.panels.values():
            panel.screen = self
        self.tab_buttons = {name: ids[f"tab_{name}"] for name in TABS}
        self.sync_btn, self.home_btn, self.leave_btn = ids.sync_btn, ids.home_btn, ids.leave_btn
        self.confirm_yes, self.confirm_no = ids.confirm_yes, ids.confirm_no
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
        self._fit()  # the tabs redraw themselves at the new size (their fs is bound to this one)
        if abs(self.fs - old) > 0.01 and self.questionnaire.catalogue is not None:
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
            if text_width(text, fs, True) <= room or fs * 0.95 < floor:
                break
            fs *= 0.95
        self.title_fs = fs

    def show_tab(self, name: str) -> None:
        """Show one tab (its panel was built once; the others leave the widget tree meanwhile)."""
        self.app.touched()
        self.tab = name
        self.ids.content.current = name
        if name == "status":
            self.status.follow()
        elif name in ("export", "questionnaire"):
            self.panels[name].refresh()

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

    def on_leave(self, *_) -> None:
        """Back to the citizens (or the kiosk closing): the status tab stops following."""
        self.status.stop()

    def refresh(self) -> None:
        """The header's words in the app's language, and every tab read again."""
        lang = self.app.lang
        self._fit()
        self.labels = {"title": t("manager_title", lang, centre=self.app.cfg.centre), **{key: t(key, lang) for key in (
            "sync_now", "back_to_citizens", "leave_kiosk", "tab_today", "tab_status", "tab_roster", "tab_export",
            "tab_questionnaire",
            "m_leave_title", "m_leave_yes", "m_cancel")},
            # what leaving does, and whether the kiosk comes back by itself (its service) or must be started
            "m_leave_body": "\n".join((t("m_leave_body", lang),
                                       t("m_leave_back" if self.actions.comes_back() else "m_leave_manual", lang)))}
        self.confirming = False
        self.notice = ""
        for panel in (self.totals, self.roster, self.status, self.export):
            panel.refresh()


# Each tab's layout once: a rule loaded twice builds its widgets twice (a module such as manager_volume may
# have loaded its own already).
_loaded = {str(Path(f).resolve()) for f in Builder.files}
for _kv in ["manager_common.kv", *sorted(p.name for p in KV.glob("manager_*.kv") if p.name != "manager_common.kv")]:
    if str((KV / _kv).resolve()) not in _loaded:
        Builder.load_file(str(KV / _kv))

"""The status tab's "Đăng ký máy với máy chủ" (issue 17): enrol this kiosk with a one-time code, from the
manager's screen rather than the command line. Layout in ``kiosk/ui/kv/manager_enrol.kv``.

The code comes two ways: a USB scanner reading the registry page's QR code types the whole
``KIOSK-ENROL <url> <code>`` line and Enter (the app hands every key to :meth:`EnrolPanel.key` while the
panel is open, as it does for the ticket screen), or the manager types the code on the roster's code pad.
The service's address is prefilled from ``[sync] url``; a scanned line brings its own. The enrolment
itself (``sync.enrol``, given to the app as ``enrol``: this room may not import it) runs on a worker
thread; its result comes back through the app's doorway as an ``enrol_done`` event.
"""

from __future__ import annotations

import logging
import threading

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from rating import enrolment
from ..strings import t
from .manager_roster import CodePad  # noqa: F401  (the pad of the panel, named in manager_enrol.kv)

log = logging.getLogger("kiosk.manager")

ENTER_KEYS = (13, 271)   # Enter, and the numeric keypad's Enter (a scanner sends one of them after the line)
BACKSPACE_KEY = 8
LINE_MAX = 512           # a scanned line is ~80 characters; more is not a QR code of ours
_HARMLESS_MODIFIERS = frozenset({"shift", "capslock", "numlock"})


class EnrolPanel(ModalView):
    """The service's address, the code (typed on the pad or scanned), "Đăng ký" and the outcome."""

    fs = NumericProperty(16)
    url = StringProperty("")
    code = StringProperty("")
    message = StringProperty("")
    error = BooleanProperty(False)
    busy = BooleanProperty(False)    # an enrolment is running on its thread: "Đăng ký" waits for it
    title_text = StringProperty("")
    hint_text = StringProperty("")
    go_text = StringProperty("")
    close_text = StringProperty("")

    def __init__(self, app, **kwargs):
        super().__init__(auto_dismiss=False, size_hint=(0.92, 0.92), **kwargs)
        self.app = app
        self._typed = ""   # keys from a scanner or keyboard since the last Enter

    # --- opening ----------------------------------------------------------------------------------

    def show(self, fs: float) -> None:
        """Open the panel: the address from ``[sync] url`` (when set), no code, nothing said yet."""
        lang = self.app.lang
        self.fs = fs
        self.title_text, self.hint_text = t("m_enrol", lang), t("m_enrol_hint", lang)
        self.go_text, self.close_text = t("m_enrol_go", lang), t("m_enrol_close", lang)
        sync = self.app.cfg.sync
        if not self.busy:
            self.url = sync.url if sync is not None and getattr(sync, "url", None) else self.url
            self.code, self.message, self.error = "", "", False
        self._typed = ""
        if self.parent is None:
            self.open(animation=False)

    def close(self) -> None:
        """"Đóng" (an enrolment already running finishes; its outcome is logged)."""
        self.app.touched()
        self.dismiss(animation=False)

    @property
    def shown(self) -> bool:
        """True while the panel is on screen (it then takes the keyboard's keys)."""
        return self.parent is not None

    # --- typing and scanning ----------------------------------------------------------------------

    def pad_key(self, key: str) -> None:
        """A key of the code pad (``del``: the last character)."""
        self.app.touched()
        self.code = self.code[:-1] if key == "del" else (self.code + key)[:enrolment.CODE_SYMBOLS + 8]
        self.message = ""

    def key(self, key: int, codepoint: str | None, modifiers) -> bool:
        """A key from a USB scanner or keyboard while the panel is open: characters gather into a line,
        Backspace takes one back, Enter takes the line (:meth:`take_line`). Keys with Ctrl or Alt: left alone."""
        if set(modifiers or ()) - _HARMLESS_MODIFIERS:
            return False
        self.app.touched()
        if key in ENTER_KEYS:
            line, self._typed = self._typed, ""
            self.take_line(line)
        elif key == BACKSPACE_KEY:
            self._typed = self._typed[:-1]
        elif codepoint and codepoint.isprintable() and len(self._typed) < LINE_MAX:
            self._typed += codepoint
        return True

    def take_line(self, line: str) -> None:
        """A line typed or scanned: the QR code's ``KIOSK-ENROL <url> <code>`` enrols at once; an address
        (http…) replaces the one shown; a code alone is the code, and enrols."""
        line = line.strip()
        scanned = enrolment.parse_scanned(line)
        if scanned is not None:
            self.url, self.code = scanned
            self.start()
        elif line.startswith(("http://", "https://")) and " " not in line:
            self.url, self.message, self.error = line, "", False
        elif enrolment.normalise(line) is not None:
            self.code = enrolment.normalise(line)
            self.start()
        elif line:
            self._say(t("m_enrol_bad_line", self.app.lang), error=True)

    # --- enrolling --------------------------------------------------------------------------------

    def start(self) -> bool:
        """"Đăng ký": check what can be checked here, then enrol on a worker thread. False when it did not start."""
        self.app.touched()
        lang = self.app.lang
        enrol = getattr(self.app, "_enrol", None)
        if self.busy:
            return False
        if enrol is None:
            return self._say(t("m_enrol_unavailable", lang), error=True)
        if not self.url.startswith(("http://", "https://")):
            return self._say(t("m_enrol_no_url", lang), error=True)
        code = enrolment.normalise(self.code)
        if code is None:
            return self._say(t("m_enrol_bad_code", lang, symbols=enrolment.CODE_SYMBOLS), error=True)
        self.code, self.busy = code, True
        self._say(t("m_enrol_busy", lang, url=self.url))
        log.info("manager screen: enrolling with the service at %s", self.url)   # never the code: it is a secret
        threading.Thread(target=self._run, args=(enrol, self.url, code), name="enrol", daemon=True).start()
        return True

    def _run(self, enrol, url: str, code: str) -> None:
        """On the worker thread: never touches a widget; the outcome goes through the doorway."""
        try:
            kiosk_id = enrol(url, code)
        except Exception as e:   # every refusal says why in one line; anything else is logged, not shown raw
            reason = " ".join(str(e).split()) or type(e).__name__
            if type(e).__name__ not in ("EnrolFailed", "EnrolRefusal"):
                log.exception("enrolment from the manager screen failed")
                reason = f"{type(e).__name__}: {reason}"
            self.app.doorway.post("enrol_done", (False, reason))
        else:
            self.app.doorway.post("enrol_done", (True, kiosk_id))

    def done(self, ok: bool, what: str) -> None:
        """On the UI thread (the ``enrol_done`` event): say the outcome."""
        self.busy = False
        lang = self.app.lang
        if ok:
            log.info("manager screen: enrolled as kiosk %s; a restart runs it", what)
            self._say(t("m_enrol_done", lang, id=what))
        else:
            log.warning("manager screen: enrolment refused: %s", what)
            self._say(t("m_enrol_failed", lang, reason=what), error=True)

    def _say(self, text: str, error: bool = False) -> bool:
        self.message, self.error = text, error
        return False

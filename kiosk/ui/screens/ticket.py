"""The number screen before the rating (``[kiosk] ticket = "ask"`` or ``"require"``, issue 18).

The citizen gives the ticket or dossier number of the transaction just served: on the screen's keypad
(big digits), or with a USB barcode scanner, which types the code like a keyboard and ends it with Enter
(the app hands every key to :meth:`TicketScreen.key` while this screen is up). "Tiếp tục" (or Enter)
gives the number to the app, which keeps only its keyed hash (:mod:`kiosk.ticket`) and forgets the
digits at once; "Bỏ qua" goes on without one when the centre asks rather than requires.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from ...ticket import MAX_LENGTH, normalise
from ..fonts import SYMBOL_CHARS, SYMBOLS
from ..strings import tw
from ..widgets import FitButton
from .citizen import KioskScreen

KV = Path(__file__).resolve().parents[1] / "kv"
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "clear")   # the keypad, row by row
ENTER_KEYS = (13, 271)   # Enter, and the numeric keypad's Enter (a scanner sends one of them after the code)
BACKSPACE_KEY = 8
# Characters a scanner may type: what a ticket or dossier number holds (kiosk.ticket); Shift for capitals.
_TYPED = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./_-")
_HARMLESS_MODIFIERS = frozenset({"shift", "capslock", "numlock"})


class TicketKey(FitButton):
    """A key of the number screen's keypad: a digit, ``del`` or ``clear`` (its look: kv/ticket.kv)."""

    key = StringProperty("")


class TicketScreen(KioskScreen):
    """The number typed so far (never stored), the keypad, and Continue / Skip."""

    number = StringProperty("")       # what was typed or scanned, as shown
    problem = StringProperty("")      # why the last Continue was refused ("" when nothing to say)
    can_go_back = BooleanProperty(False)
    can_skip = BooleanProperty(False)

    def __init__(self, app, **kwargs):
        super().__init__(app, name="ticket", **kwargs)
        self.topbar = self.ids.topbar
        self.keys = {}
        for key in KEYS:
            b = TicketKey(key=key)
            if key == "del":
                b.font_name, b.text = SYMBOLS, SYMBOL_CHARS["backspace"]
            elif key != "clear":
                b.text = key
            b.bind(on_release=lambda btn: self.press(btn.key))
            self.ids.keypad.add_widget(b)
            self.keys[key] = b
        app.fbind("lang", self._captions)
        self._captions()

    def _captions(self, *_):
        self.keys["clear"].text = tw("ticket_clear", self.app.lang)

    def refresh(self) -> None:
        self.can_go_back = self.app.has_picker()
        self.can_skip = self.app.cfg.ticket == "ask"
        self.spoken = ()

    def hint_for(self, lang: str, can_skip: bool) -> str:
        """How to give the number (and that it may be skipped, when it may)."""
        return tw("ticket_hint_ask" if can_skip else "ticket_hint", lang)

    # --- typing ---------------------------------------------------------------------------------

    def press(self, key: str) -> None:
        """A key of the screen's keypad: a digit, ``del`` (the last character) or ``clear`` (all)."""
        # No guard between keys (only after the screen appeared): "1", "1" tapped quickly is eleven, not one.
        if key == "del":
            self.number = self.number[:-1]
        elif key == "clear":
            self.number = ""
        else:
            self.type(key)
        self.problem = ""

    def type(self, text: str) -> None:
        """Characters typed or scanned, added to the number (at most what a number may hold, and a little:
        a longer one is refused at Continue with its reason, not cut short)."""
        self.number = (self.number + text)[:MAX_LENGTH + 1]
        self.problem = ""

    def submit(self) -> None:
        """Continue (or Enter): the app keeps the number's hash and moves on, or says what is wrong."""
        self.app.submit_ticket(self.number)

    def skip(self) -> None:
        """Bỏ qua: rate without a number (only when the centre asks rather than requires)."""
        if self.can_skip:
            self.app.skip_ticket()

    def refuse(self, reason_key: str) -> None:
        """Say why the number was not taken (kept on screen to be corrected)."""
        self.problem = tw(reason_key, self.app.lang)

    def reset(self) -> None:
        """Forget the number (after it was given, and for the next citizen)."""
        self.number = ""
        self.problem = ""

    def shown_number(self, number: str) -> str:
        """The number as shown: grouped as typed, in capitals, a placeholder when empty."""
        return normalise(number) if number else "…"

    def key(self, key: int, codepoint: str | None, modifiers) -> bool:
        """A key from a USB keypad or a scanner while this screen is up: letters, digits and . / _ - type,
        Backspace deletes, Enter gives the number. Keys with Ctrl or Alt are not typing: left alone."""
        if set(modifiers or ()) - _HARMLESS_MODIFIERS:
            return False
        self.app.touched()
        if key in ENTER_KEYS:
            self.submit()
        elif key == BACKSPACE_KEY:
            self.number = self.number[:-1]
        elif codepoint and len(codepoint) == 1 and codepoint in _TYPED:
            self.type(codepoint)
        else:
            return False
        return True


Builder.load_file(str(KV / "ticket.kv"))

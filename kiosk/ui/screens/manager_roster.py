"""The manager's roster tab: today's officer code per counter, typed on an on-screen code pad (a kiosk
has no keyboard). Layout in ``kiosk/ui/kv/manager_roster.kv``."""

from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from rating import vnformat
from ..fonts import SYMBOL_CHARS, SYMBOLS
from ..strings import t
from .manager_widgets import ManagerTab, MButton

log = logging.getLogger("kiosk.manager")

# The code pad's keys in a keyboard's rows (ten columns), so a manager finds letters where a keyboard has them.
CODE_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")
CODE_KEYS = "".join(CODE_ROWS)
CODE_MAX = 32  # the store's limit for an officer code


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


class CodePad(GridLayout):
    """Letters and digits for officer codes on a touch-only kiosk, in a keyboard's rows; made once, keys
    dispatch ``on_key``. The letters are sized from the keys (at least ``fs``): big keys, big letters."""

    fs = NumericProperty(16)
    key_fs = NumericProperty(16)
    __events__ = ("on_key",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.keys: dict[str, MButton] = {}
        # "Xoá hết" is not a key of the pad: two words on a key one letter wide were too small to read on a 7"
        # panel; it is a button of its own beside "Lưu phân công".
        for key in [*CODE_KEYS, "del"]:
            b = MButton(key=key, text=SYMBOL_CHARS["backspace"] if key == "del" else key,
                        tone="grey" if key == "del" else "blue")
            b.font_name = SYMBOLS if key == "del" else "Roboto"
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
        """A key was released (``del``: the last character)."""


class RosterPanel(ManagerTab):
    """Today's officer codes per counter, typed on the code pad; the counter being typed into is ``selected``."""

    title = StringProperty("")
    hint = StringProperty("")
    save_text = StringProperty("")
    clear_text = StringProperty("")
    message = StringProperty("")
    rows = ListProperty()
    selected = StringProperty("")
    codes = ObjectProperty({}, rebind=True)   # counter id → the code typed (saved or not yet)

    def on_kv_post(self, _base) -> None:
        self.codepad = self.ids.codepad  # the layout's widgets exist once its rule is applied
        self.codepad.bind(on_key=lambda _w, key: self.type_code(key))

    def refresh(self) -> None:
        """Today's roster from the store, the first counter ready for typing."""
        app, lang = self.app, self.app.lang
        today = app.store.today()
        self.title = t("m_roster_title", lang, day=vnformat.day(today))
        self.hint = t("m_roster_hint", lang)
        self.save_text = t("m_roster_save", lang)
        self.clear_text = t("m_clear", lang)
        self.codes = dict(app.store.roster(today))
        self.selected = self.selected or app.cfg.counters[0].id
        self.message = ""
        self.redraw()

    def redraw(self) -> None:
        """One row per counter from ``codes`` and ``selected``."""
        if self.screen is None:
            return
        lang, names = self.app.lang, dict(self.app.cfg.report.officers)
        self.rows = [{"counter_id": c.id, "name": c.name, "code": self.codes.get(c.id, ""),
                      "officer": names.get(self.codes.get(c.id, ""), ""),
                      "placeholder": t("m_roster_none", lang), "selected": c.id == self.selected,
                      "fs": self.fs, "owner": self, "height": self.fs * 3}
                     for c in self.app.cfg.counters]

    def select_counter(self, counter_id: str) -> None:
        """The code pad now types into this counter's code."""
        self.app.touched()
        self.selected = counter_id
        self.redraw()

    def type_code(self, key: str) -> None:
        """A key of the code pad, typed into the selected counter's code."""
        self.app.touched()
        cid = self.selected
        code = self.codes.get(cid, "")
        if key == "del":
            code = code[:-1]
        elif key == "clear":
            code = ""
        elif len(code) < CODE_MAX:
            code += key
        self.codes = {**self.codes, cid: code}
        self.message = ""
        self.redraw()

    def save(self) -> None:
        """Store today's officer codes per counter."""
        self.app.touched()
        today = self.app.store.today()
        try:
            self.app.store.set_roster(today, {c.id: self.codes.get(c.id, "") for c in self.app.cfg.counters})
        except ValueError as e:
            self.message = str(e)
            return
        log.info("roster saved for %s", today)
        self.message = t("m_roster_saved", self.app.lang, day=vnformat.day(today))

"""The out-of-service screen: what the panel shows when the vote store is damaged (see kiosk.runtime).

Full-screen and with nothing to tap (a tap would be a vote that cannot be stored): big Vietnamese words
for the citizen, an English line under them, and smaller lines for staff — the damaged file, that it
was kept untouched, and the command that checks it. It stays up until the runtime asks it to stop
(SIGTERM, Ctrl-C): a kiosk that exited would be started again by systemd into the same damaged file,
a dark panel in a restart loop.
"""

from __future__ import annotations

import logging

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from ..runtime import EXIT_OUT_OF_SERVICE, OutOfService
from .fonts import SYMBOL_CHARS, SYMBOLS, register_fonts

log = logging.getLogger("kiosk.ui")

TITLE_VI = "Máy tạm ngừng nhận đánh giá"
ASK_VI = "Xin báo cán bộ trung tâm"
ENGLISH = "Out of service — please tell a member of staff"

BACKGROUND = (0.11, 0.13, 0.18, 1)
AMBER = (1.0, 0.72, 0.1, 1)
WHITE = (1, 1, 1, 1)
GREY = (0.78, 0.8, 0.85, 1)

# Text sizes as fractions of a unit (1 % of the screen's width, or of 1.6 × its height on a wide
# screen), so the title stays big on a 7" panel and on a portrait floor stand alike.
SIZES = {"icon": 12.5, "title": 5.6, "ask": 4.2, "english": 3.0, "staff": 2.1}


def staff_text(notice: OutOfService) -> str:
    """The small lines for staff: the file, that it was kept untouched, what to run (Vietnamese, then English)."""
    return (f"Dành cho cán bộ: tệp {notice.path} bị hỏng, được giữ nguyên (không ghi gì vào). "
            f"Kiểm tra: “{notice.verify_command}”; chép tệp ra chỗ khác, khôi phục bản sao lưu gần nhất, "
            f"rồi khởi động lại máy.\n"
            f"For staff: {notice.path} is damaged and was kept untouched. Check it: “{notice.verify_command}”; "
            "copy it aside, restore the latest backup, restart the kiosk.")


def texts(notice: OutOfService) -> dict[str, str]:
    """Every text the screen draws, by its role (the icon in the symbols font, the rest in Noto Sans)."""
    return {"icon": SYMBOL_CHARS["warning"], "title": TITLE_VI, "ask": ASK_VI, "english": ENGLISH,
            "staff": staff_text(notice)}


class OutOfServiceApp(App):
    """A single full-screen notice; no input does anything."""

    def __init__(self, notice: OutOfService, **kwargs):
        super().__init__(**kwargs)
        self.notice = notice
        self.title = "Kiosk — out of service"
        self.labels: dict[str, Label] = {}

    def build(self):
        """The notice, centred: the icon, the title, the request, the English line, the staff lines."""
        register_fonts()
        Window.clearcolor = BACKGROUND
        root = AnchorLayout(anchor_x="center", anchor_y="center")
        with root.canvas.before:
            Color(*BACKGROUND)
            self._fill = Rectangle(pos=root.pos, size=root.size)
        root.bind(pos=lambda w, p: setattr(self._fill, "pos", p), size=lambda w, s: setattr(self._fill, "size", s))
        column = BoxLayout(orientation="vertical", size_hint=(None, None))
        column.bind(minimum_height=column.setter("height"))
        colours = {"icon": AMBER, "title": WHITE, "ask": AMBER, "english": GREY, "staff": GREY}
        for role, text in texts(self.notice).items():
            label = Label(text=text, color=colours[role], halign="center", valign="middle", size_hint_y=None,
                          bold=role in ("title", "ask"), font_name=SYMBOLS if role == "icon" else "Roboto")
            if role == "icon":  # the symbols font's line is far taller than the sign: size the label by the sign
                label.bind(font_size=lambda w, size: setattr(w, "height", size * 1.1))
            else:
                label.bind(texture_size=lambda w, s: setattr(w, "height", s[1]))
            self.labels[role] = label
            column.add_widget(label)
        root.add_widget(column)
        self._column, self._scale = column, 1.0
        Window.bind(size=lambda *_: self._fit(1.0))
        column.bind(height=lambda *_: self._shrink_to_screen())
        self._fit(1.0)
        return root

    def _shrink_to_screen(self) -> None:
        """A long data-folder path can wrap the staff lines onto more rows: shrink everything to fit."""
        room = Window.height * 0.94
        if self._column.height > room and self._scale > 0.5:
            self._fit(self._scale * max(0.8, room / self._column.height))

    def _fit(self, scale: float) -> None:
        """Size the text from the screen (see :data:`SIZES`) and wrap it inside the margins."""
        self._scale = scale
        width, height = Window.size
        unit = min(width, height * 1.6) / 100 * scale
        self._column.width = width * 0.9
        self._column.spacing = unit * 1.4
        for role, label in self.labels.items():
            label.font_size = unit * SIZES[role]
            label.text_size = (self._column.width, None)


def show(runtime, notice: OutOfService) -> int:
    """The out-of-service face: show ``notice`` full-screen until the runtime asks it to stop; return
    :data:`kiosk.runtime.EXIT_OUT_OF_SERVICE` (the kiosk took no votes, and did not crash)."""
    app = OutOfServiceApp(notice)

    def stop_app() -> None:  # from a signal handler: let the UI thread stop it
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    def ready(_dt) -> None:
        log.info("the out-of-service screen is shown")
        runtime.face_ready(on_vote=None, stop=stop_app)

    Clock.schedule_once(lambda _dt: Clock.schedule_once(ready, 0), 0)  # after the first frame is drawn
    app.run()
    return EXIT_OUT_OF_SERVICE

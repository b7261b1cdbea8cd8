"""The out-of-service screen: what the panel shows when the vote store is damaged (see kiosk.runtime).

Full-screen and with nothing to tap (a tap would be a vote that cannot be stored): big Vietnamese words
for the citizen, an English line under them, and smaller lines for staff — the damaged file, that it
was kept untouched, and the command that checks it. It stays up until the runtime asks it to stop
(SIGTERM, Ctrl-C): a kiosk that exited would be started again by systemd into the same damaged file,
a dark panel in a restart loop.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import ColorProperty, NumericProperty, StringProperty

from ..runtime import EXIT_OUT_OF_SERVICE, OutOfService
from .fonts import SYMBOL_CHARS, register_fonts

KV = Path(__file__).with_name("kv") / "out_of_service.kv"

log = logging.getLogger("kiosk.ui")

TITLE_VI = "Máy tạm ngừng nhận đánh giá"
ASK_VI = "Xin báo cán bộ trung tâm"
ENGLISH = "Out of service — please tell a member of staff"

BACKGROUND = (0.11, 0.13, 0.18, 1)
AMBER = (1.0, 0.72, 0.1, 1)
GREY = (0.78, 0.8, 0.85, 1)


def staff_text(notice: OutOfService) -> str:
    """The small lines for staff: the file, that it was kept untouched, what to run (Vietnamese, then English)."""
    if notice.staff:   # a notice of another kind than a damaged file says its own
        return notice.staff
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
    """A single full-screen notice (layout in ``kv/out_of_service.kv``); no input does anything."""

    icon = StringProperty(SYMBOL_CHARS["warning"])
    title_vi = StringProperty(TITLE_VI)
    ask_vi = StringProperty(ASK_VI)
    english = StringProperty(ENGLISH)
    staff = StringProperty("")
    unit = NumericProperty(8.0)
    background = ColorProperty(BACKGROUND)
    amber = ColorProperty(AMBER)
    grey = ColorProperty(GREY)

    def __init__(self, notice: OutOfService, **kwargs):
        super().__init__(**kwargs)
        self.notice = notice
        self.title = "Kiosk — out of service"
        self.staff = staff_text(notice)
        self._scale = 1.0

    def build(self):
        """The notice from its .kv layout, sized from the window."""
        register_fonts()
        if str(KV) not in Builder.files:
            Builder.load_file(str(KV))
        Window.clearcolor = BACKGROUND
        Window.bind(size=lambda *_: self._fit(1.0))
        self._fit(1.0)
        return Factory.OutOfServiceRoot()

    @property
    def labels(self) -> dict:
        """The notice's labels by role (icon, title, ask, english, staff), as drawn."""
        return {role: self.root.ids[role] for role in ("icon", "title", "ask", "english", "staff")}

    def shrink_to_fit(self, needed: float) -> None:
        """A long data-folder path can wrap the staff lines onto more rows: shrink everything to fit."""
        room = Window.height * 0.94
        if needed > room and self._scale > 0.5:
            self._fit(self._scale * max(0.8, room / needed))

    def _fit(self, scale: float) -> None:
        self._scale = scale
        width, height = Window.size
        self.unit = min(width, height * 1.6) / 100 * scale


def show(runtime, notice: OutOfService) -> int:
    """The out-of-service face: show ``notice`` full-screen until the runtime asks it to stop; return
    :data:`kiosk.runtime.EXIT_OUT_OF_SERVICE` (the kiosk took no votes, and did not crash)."""
    app = OutOfServiceApp(notice)

    def stop_app() -> None:  # from a signal handler: let the UI thread stop it
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    def ready(_dt) -> None:
        log.info("the out-of-service screen is shown")
        runtime.face_ready(on_vote=None, stop=stop_app)
        beat = getattr(runtime, "heartbeat", None)
        if beat is not None and beat.notifier.enabled:  # the notice is up and its loop turns: not a restart
            Clock.schedule_interval(beat.on_clock, beat.every_s)

    Clock.schedule_once(lambda _dt: Clock.schedule_once(ready, 0), 0)  # after the first frame is drawn
    app.run()
    return EXIT_OUT_OF_SERVICE

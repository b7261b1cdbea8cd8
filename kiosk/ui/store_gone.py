"""The cover over every screen while the vote store's file is gone (deleted while the kiosk ran).

The store refuses every vote then (kiosk.storefile: it would go into a file nobody can open again) and
the button boxes get no ACK; without this cover a citizen would tap, read "not recorded" and tap again.
It says what the out-of-service screen says — in Vietnamese, English, and smaller for staff what happened
and what to do — and takes every touch, so nothing under it is tapped. It goes when the file is back at
its path; after a restart the kiosk's start-up checks take over (an empty store whose chain the service
holds asks for ``restore --from-central``).
"""

from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView

from .out_of_service import AMBER, ASK_VI, BACKGROUND, ENGLISH, GREY, TITLE_VI


def staff_lines(path) -> str:
    """What staff read on the cover (Vietnamese, then English)."""
    return (f"Dành cho cán bộ: tệp phiếu {path} đã bị xoá khi máy đang chạy, nên phiếu không được ghi và không "
            f"được cảm ơn. Dừng máy, chạy “python main.py restore --from-central” (hoặc khôi phục bản sao lưu), "
            f"rồi khởi động lại.\n"
            f"For staff: {path} was deleted while the kiosk ran, so no vote is recorded or thanked. Stop the "
            f"kiosk, run “python main.py restore --from-central” (or restore a backup), then start it again.")


class StoreGoneCover(ModalView):
    """A full-screen notice that takes every touch; :meth:`update` shows or hides it from the store's state."""

    def __init__(self, path, **kwargs):
        super().__init__(auto_dismiss=False, size_hint=(1, 1), background="", background_color=(0, 0, 0, 0),
                         overlay_color=(0, 0, 0, 0), **kwargs)
        self.shown = False
        box = BoxLayout(orientation="vertical", padding="24dp", spacing="12dp")
        with box.canvas.before:
            Color(*BACKGROUND)
            self._bg = Rectangle(pos=box.pos, size=box.size)
        box.bind(pos=lambda w, p: setattr(self._bg, "pos", p), size=lambda w, s: setattr(self._bg, "size", s))
        self.labels = {
            "title": Label(text=TITLE_VI, color=AMBER, bold=True, font_size="40sp", halign="center"),
            "ask": Label(text=ASK_VI, color=(1, 1, 1, 1), font_size="30sp", halign="center"),
            "english": Label(text=ENGLISH, color=GREY, font_size="22sp", halign="center"),
            "staff": Label(text=staff_lines(path), color=GREY, font_size="15sp", halign="center"),
        }
        for label in self.labels.values():
            label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)))
            box.add_widget(label)
        self.add_widget(box)

    def update(self, gone: bool) -> None:
        """Cover the screens while the file is gone; uncover when it is back."""
        if gone and not self.shown:
            self.open(animation=False)
            self.shown = True
        elif not gone and self.shown:
            self.dismiss(animation=False)
            self.shown = False

    def on_touch_down(self, touch):
        return True   # nothing under the cover is tapped: a tap would be a vote that cannot be stored

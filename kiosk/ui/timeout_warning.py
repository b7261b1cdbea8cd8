"""The warning before a citizen's screen gives up (WCAG 2.2.1): how many seconds are left, one big
"Thêm thời gian" button, and on a questionnaire also "Kết thúc".

The rules (which limit, when to warn) are in :mod:`kiosk.flow`; the app shows this at its clock tick.
Over the start screen and the invitation it is a band across the top and the rating cards stay live:
the next citizen in the queue rates at once. Anywhere else it covers the screen, so the next person's
tap cannot land in the previous citizen's reasons or questionnaire; a touch anywhere gives more time
(every touch restarts the idle timers), only the buttons act. Layout in ``kv/warning.kv``.
"""

from __future__ import annotations

import math
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.floatlayout import FloatLayout

from .spoken import warning as warning_prompt

KV = Path(__file__).resolve().parent / "kv" / "warning.kv"


class TimeWarning(FloatLayout):
    """Shown by :meth:`show`, gone by :meth:`hide`. ``modal``: covers the screen (else a band at the top);
    ``can_finish``: a questionnaire is being answered ("Kết thúc" beside "Thêm thời gian")."""

    app = ObjectProperty(None)
    seconds = NumericProperty(20)
    modal = BooleanProperty(True)
    can_finish = BooleanProperty(False)
    shown = BooleanProperty(False)

    def __init__(self, app, **kwargs):
        super().__init__(app=app, **kwargs)
        self.more, self.finish, self.message = self.ids.more, self.ids.finish, self.ids.message

    def show(self, seconds_left: float, *, modal: bool, can_finish: bool) -> None:
        """Say how many whole seconds are left (counted down at each tick); put the warning on top."""
        self.seconds = max(0, math.ceil(seconds_left))
        self.modal, self.can_finish = modal, can_finish
        if not self.shown:
            self.shown = True
            self.app.prompts.say([warning_prompt(self.app.lang)])  # said once, as it appears
            parent = self.app.root_layout
            parent.remove_widget(self)
            parent.add_widget(self)

    def hide(self) -> None:
        """Gone (more time was asked for, or the screen gave up)."""
        if self.shown:
            self.shown = False
            self.app.root_layout.remove_widget(self)

    def on_touch_down(self, touch):
        if not self.shown:
            return False
        if super().on_touch_down(touch):
            return True  # a button
        # The covering warning takes a touch beside its buttons as "more time" and answers nothing underneath.
        # The band lets a touch below it through, to the rating cards (every touch restarts the timers).
        if self.modal or self.ids.panel.collide_point(*touch.pos):
            self.app.more_time()
            return True
        return False


Builder.load_file(str(KV))

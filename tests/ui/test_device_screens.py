"""What a newcomer meets outside the manager's tabs (issue 19): the closed screen, the counter picker with
long names, and the window's size on a small screen. A real window under Xvfb."""

from __future__ import annotations

from datetime import datetime

import pytest
from kivy.core.window import Window

from rating.hours import parse_hours
from tests.ui.conftest import pump, screenshot
from tests.ui.test_manager import _inside

LONG_CENTRE = "Trung tâm Phục vụ hành chính công xã Ninh Giang, thành phố Hải Phòng"
SHOTS = ((800, 480), (1024, 600), (1080, 1920))


def plain(text: str) -> str:
    import re
    return re.sub(r"\[/?[a-z]+(=[^\]]*)?\]", "", text).replace("\u00a0", " ")


@pytest.mark.parametrize("now, again", [
    ("2026-12-14T12:05:00+07:00", ("Mở cửa lại: hôm nay, 13:30", "Opens again: today, 13:30")),
    ("2026-12-19T12:00:00+07:00", ("Mở cửa lại: Thứ Hai 21/12, 07:30", "Opens again: Monday 21/12, 07:30")),
])
def test_the_closed_screen_names_the_centre_in_both_languages_and_when_it_opens_again(kiosk_factory, now, again,
                                                                                      monkeypatch):
    app = kiosk_factory()
    monkeypatch.setattr(app, "is_open", lambda: False)  # closed at the moment the test names, whatever the real time
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "centre": LONG_CENTRE,
                               "hours": parse_hours(["Mon-Fri 07:30-11:30 13:30-17:00", "Sat 07:30-11:30"])})
    closed = app.screens["closed"]
    closed.refresh(now=datetime.fromisoformat(now))
    app.sm.current = "closed"
    pump(4)
    assert plain(closed.centre.text) == LONG_CENTRE
    assert plain(closed.title.text) == "Trung tâm đang ngoài giờ làm việc\nThe centre is closed now"
    assert plain(closed.body.text).endswith("Please come back during opening hours.")
    assert plain(closed.again.text).split("\n") == list(again)
    for label in (closed.centre, closed.title, closed.body, closed.again, closed.hours):
        label.texture_update()
        assert label.texture_size[1] <= label.height + 1 and _inside(label, Window.size), plain(label.text)
    if now.startswith("2026-12-19"):
        screenshot("closed-screen", SHOTS)
        assert app.sm.current == "closed" and plain(closed.again.text).split("\n") == list(again)

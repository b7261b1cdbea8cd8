"""Votes through the UI with memory and widgets sampled: dozens in the suite, thousands under `-m slow`.

Software GL under Xvfb draws a full frame in tens of milliseconds, so the soak runs at 800x480.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kivy.core.window import Window

from tests.ui.conftest import FAST, pump
from tests.ui.soak import soak

QUICK = replace(FAST, thanks_s=0.0, idle_s=60, reasons_idle_s=60)


def _check(app, result):
    assert app.store.count() == result["votes"]
    assert app.store.verify_chain() is None
    assert result["widgets_after"] == result["widgets_before"], "widgets leaked"
    assert result["rss_after"] - result["rss_before"] < 8, f"memory grew: {result}"


@pytest.fixture
def small_window():
    Window.size = (800, 480)
    pump(3)
    yield
    Window.size = (1280, 800)
    pump(3)


def test_votes_through_the_ui_leave_no_widgets_and_no_memory_behind(kiosk_factory, small_window):
    app = kiosk_factory(counters=(("Q1", "Quầy 1"),), timings=QUICK)
    _check(app, soak(app, votes=80))


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_thousands_of_votes_through_the_ui(kiosk_factory, small_window):
    app = kiosk_factory(counters=(("Q1", "Quầy 1"),), timings=QUICK)
    _check(app, soak(app, votes=2000))

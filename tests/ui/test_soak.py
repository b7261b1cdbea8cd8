"""Votes through the UI and manager refreshes, with memory and widgets sampled: a few hundred in the
suite, thousands under `-m slow`.

Software GL under Xvfb draws a full frame in tens of milliseconds, so the soak runs at 800x480.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from kivy.core.window import Window

from tests.ui.conftest import FAST, pump
from tests.ui.soak import soak, soak_manager

QUICK = replace(FAST, thanks_s=0.0, idle_s=60, reasons_idle_s=60)
TEN = tuple((f"Q{i}", f"Quầy {i}") for i in range(1, 11))


def _check(app, result):
    assert app.store.count() == result["votes"]
    assert app.store.verify_chain() is None
    assert result["widgets_new"] == 0, f"widgets leaked: {result}"
    assert result["rss_after"] - result["rss_before"] < 8, f"memory grew: {result}"


def _check_manager(result):
    assert result["widgets_new"] == 0, f"widgets leaked: {result}"
    assert result["rss_after"] - result["rss_before"] < 8, f"memory grew: {result}"


def _busy(app):
    """Votes at ten counters from twenty officers today, so every refresh fills full tables."""
    start = datetime.now(app.cfg.tz).replace(hour=7, minute=30, second=0, microsecond=0)
    app.store.record_votes({"counter_id": f"Q{i % 10 + 1}", "level": "RHL HL BT KHL RKHL".split()[i % 5],
                            "officer": f"CB{i % 20 + 1:02d}", "at": start + timedelta(seconds=30 * i)}
                           for i in range(400))


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


def test_five_hundred_manager_refreshes_leave_no_widgets_and_no_memory_behind(kiosk_factory, small_window):
    app = kiosk_factory(counters=TEN, timings=QUICK)
    _busy(app)
    _check_manager(soak_manager(app, refreshes=500))


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_thousands_of_votes_through_the_ui(kiosk_factory, small_window):
    app = kiosk_factory(counters=(("Q1", "Quầy 1"),), timings=QUICK)
    _check(app, soak(app, votes=2000))


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_five_thousand_manager_refreshes(kiosk_factory, small_window):
    app = kiosk_factory(counters=TEN, timings=QUICK)
    _busy(app)
    _check_manager(soak_manager(app, refreshes=5000))

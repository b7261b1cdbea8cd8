"""A new version of the managed settings on the touch screen (issue 17): it comes on the check-in's thread, waits
for the moment between two citizens (the start screen left untouched, kiosk.live.between_citizens) and then the
picker, the question and the store switch together; a citizen mid-walk never sees it."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kiosk import live, managed
from tests.ui.conftest import FAST, pump, screenshot, tap, wait_until

NOW = datetime(2025, 10, 6, 9, 0, tzinfo=timezone.utc)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screens"
SETTLE = replace(FAST, settle_s=0.5)   # shorter than idle_s (1.5): the rating screen waits without going home
FOURTH = {"id": "Q4", "name": "Quầy 4 — Thuế, phí"}


def _offer_from_another_thread(new, store) -> None:
    """As the check-in thread does (sync.background): the one switch, off the UI thread."""
    t = threading.Thread(target=live.SWITCH.offer, args=(new, store))
    t.start()
    t.join()


def _names(app) -> list[str]:
    return [b.name for b in app.screens["pick"].buttons]


def _four_counters(app):
    counters = [{"id": c.id, "name": c.name} for c in app.cfg.counters] + [FOURTH]
    return managed.accept(app.cfg, "7", {"counters": counters, "kiosk": {"question": "Anh/chị hài lòng chứ?"}}, NOW)


def test_a_new_counter_reaches_the_picker_only_once_the_citizen_has_finished_and_the_screen_rests(kiosk_factory):
    app = kiosk_factory(timings=SETTLE)
    assert app.sm.current == "pick" and len(_names(app)) == 3
    new = _four_counters(app)
    with app.clock.held() as clock:
        tap(app.screens["pick"].buttons[0])          # a citizen is part way: Q1's rating screen
        assert app.sm.current == "rating"
        _offer_from_another_thread(new, app.store)
        wait_until(lambda: app.pending_cfg is not None, what="the version to come through the doorway")
        clock.advance(1.0)                            # past settle_s, within idle_s: the citizen is still there
        app._on_tick(0)
        pump(3)
        assert app.sm.current == "rating" and app.cfg.settings_version != "7" and len(_names(app)) == 3
        with pytest.raises(ValueError, match="Q4"):
            app.store.record_vote("Q4", "HL")          # the store kept the counters the screen shows
        tap(app.screens["rating"].level_buttons[0])  # the rating is stored under the old set
        wait_until(lambda: app.sm.current == "pick", what="the thank-you to end")
        assert len(_names(app)) == 3                  # the next citizen may be right there: not yet
        clock.advance(0.2)
        app._on_tick(0)
        assert app.cfg.settings_version != "7"
        clock.advance(0.4)                            # the picker untouched for settle_s: between two citizens
        wait_until(lambda: app.cfg.settings_version == "7", what="the switch")
    assert _names(app)[-1] == FOURTH["name"] and app.pending_cfg is None
    assert app.store.record_vote("Q4", "HL")
    tap(app.screens["pick"].buttons[3])
    assert app.sm.current == "rating" and app.current_counter().id == "Q4"
    assert app.screens["rating"].question.text.startswith("Anh/chị")


def test_the_picker_with_the_new_counter_at_800x480(kiosk_factory):
    app = kiosk_factory(timings=SETTLE)
    _offer_from_another_thread(_four_counters(app), app.store)
    with app.clock.held() as clock:
        wait_until(lambda: app.pending_cfg is not None, what="the version to come through the doorway")
        clock.advance(1.0)
        wait_until(lambda: len(_names(app)) == 4, what="the switch")
    [shot] = screenshot("kiosk-picker-managed", sizes=((800, 480),))
    if os.environ.get("UPDATE_DOCS_SCREENS") == "1":
        shutil.copyfile(shot, DOCS / "kiosk-picker-managed-800x480.png")


@pytest.mark.parametrize("screen, home, idle, mid, changed, ok", [
    ("pick", "pick", 5.0, False, False, True),
    ("closed", "closed", 9.0, False, False, True),
    ("pick", "pick", 4.9, False, False, False),     # touched a moment ago: maybe the next citizen
    ("rating", "pick", 60, False, False, False),    # a counter picked: mid-walk
    ("thanks", "pick", 60, False, False, False),
    ("question", "question", 60, False, False, False),
    ("rating", "rating", 60, True, False, False),   # a questionnaire started
    ("pick", "pick", 60, False, True, False),       # left in English or large print
])
def test_a_touch_face_switches_only_between_two_citizens(screen, home, idle, mid, changed, ok):
    assert live.between_citizens(screen, home, idle, mid_questionnaire=mid, changed=changed) is ok


def test_the_status_tab_shows_the_managed_keys_read_only_with_their_source(kiosk_factory, tmp_path):
    from kiosk.config import load_config
    from tests.conftest import write_config
    from tests.ui.test_manager import open_manager
    path = write_config(tmp_path)
    managed.accept(load_config(path), "7", {"counters": [{"id": "Q1", "name": "Một cửa"}, FOURTH],
                                            "kiosk": {"opening_hours": ["Mon-Fri 07:30-17:00"]}}, NOW)
    app = kiosk_factory(config=load_config(path))     # starts with the last good copy
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(3)
    text = manager.status.text
    assert "Cài đặt do máy chủ quản lý (phiên bản 7)" in text
    assert "counters: Một cửa, Quầy 4 — Thuế, phí (máy chủ)" in text
    assert "kiosk.opening_hours: Mon-Fri 07:30-17:00 (máy chủ)" in text
    assert "kiosk.question" not in text and "kiosk.id" not in text   # the device's own keys: not listed here


def test_a_kiosk_without_managed_settings_shows_no_managed_section(kiosk_factory):
    from tests.ui.test_manager import open_manager
    manager = open_manager(kiosk_factory())
    tap(manager.tab_buttons["status"])
    pump(3)
    assert "máy chủ quản lý" not in manager.status.text

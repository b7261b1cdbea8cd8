"""The citizen flow's rules without a window (kiosk.flow never imports Kivy)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.flow import (CitizenFlow, IdleLimits, KeyAction, after_rating, home_screen, key_action, should_go_home,
                        touch_is_answer)

LIMITS = IdleLimits(reasons_idle_s=15, idle_s=30, manager_idle_s=120)


def test_the_flow_module_never_imports_kivy():
    code = "import sys, kiosk.flow; sys.exit(any(m.split('.')[0] == 'kivy' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("is_open,counters,fixed,expected", [
    (False, 3, False, "closed"), (True, 3, False, "pick"), (True, 1, False, "rating"), (True, 3, True, "rating")])
def test_the_start_screen_is_closed_the_picker_or_the_rating(is_open, counters, fixed, expected):
    assert home_screen(is_open, counters, fixed) == expected


@pytest.mark.parametrize("code,expected", [("RHL", "thanks"), ("HL", "thanks"), ("BT", "reasons"),
                                           ("KHL", "reasons"), ("RKHL", "reasons")])
def test_only_a_low_rating_asks_what_was_wrong(code, expected):
    assert after_rating(code) == expected


@pytest.mark.parametrize("gap", [0.1, 0.25, 0.4, 0.59])
def test_a_touch_within_the_guard_after_a_screen_appeared_is_not_an_answer(gap):
    assert not touch_is_answer(began_at=10.0 + gap, shown_at=10.0, guard_s=0.6)


def test_a_touch_that_began_before_the_screen_appeared_is_not_an_answer():
    assert not touch_is_answer(began_at=9.0, shown_at=10.0, guard_s=0.6)


def test_a_touch_after_the_guard_is_an_answer():
    assert touch_is_answer(began_at=10.6, shown_at=10.0, guard_s=0.6)
    assert touch_is_answer(began_at=15.0, shown_at=10.0, guard_s=0.6)


def test_the_guard_starts_again_only_when_the_screen_changes():
    flow = CitizenFlow("vi", guard_s=0.5)
    assert flow.show("rating", now=1.0)
    assert not flow.show("rating", now=3.0)  # a refresh of the same screen does not re-arm the guard
    assert flow.accepts(1.6)
    assert flow.show("thanks", now=4.0) and not flow.accepts(4.2) and flow.accepts(4.5)


def test_keypad_digit_n_rates_the_n_th_level_on_the_rating_screen_one_best():
    assert key_action("rating", 1, levels=5, counters=3) == KeyAction("rate", 0)
    assert key_action("rating", 5, levels=5, counters=3) == KeyAction("rate", 4)
    assert key_action("rating", 6, levels=5, counters=3) is None
    assert key_action("rating", 0, levels=5, counters=3) is None


def test_keypad_digits_on_the_picker_choose_a_counter_and_never_vote():
    assert key_action("pick", 2, levels=5, counters=3) == KeyAction("pick", 1)
    assert key_action("pick", 4, levels=5, counters=3) is None


@pytest.mark.parametrize("screen", ["thanks", "reasons", "closed", "pin", "manager"])
def test_keypad_digits_do_nothing_on_other_screens(screen):
    assert key_action(screen, 1, levels=5, counters=3) is None


def test_every_citizen_starts_in_the_configured_language():
    flow = CitizenFlow("vi")
    assert flow.toggle_language() == "en"
    flow.reset()
    assert flow.lang == "vi"
    english_kiosk = CitizenFlow("en")
    english_kiosk.toggle_language()
    english_kiosk.reset()
    assert english_kiosk.lang == "en"


def go(screen, idle, home="rating", lang="vi", is_open=True):
    return should_go_home(screen, idle, LIMITS, home=home, lang=lang, default_lang="vi", is_open=is_open)


def test_the_thank_you_ends_on_its_own_timer_not_on_idle():
    assert not go("thanks", idle=1000)


def test_walking_away_from_the_reasons_returns_sooner_than_other_screens():
    assert not go("reasons", idle=14) and go("reasons", idle=15)


def test_a_half_finished_flow_returns_to_the_start_after_the_idle_time():
    assert not go("rating", idle=29, home="pick") and go("rating", idle=30, home="pick")


def test_the_start_screen_left_in_english_returns_to_vietnamese_on_idle():
    assert not go("rating", idle=1000, lang="vi")
    assert not go("rating", idle=29, lang="en")
    assert go("rating", idle=30, lang="en")


def test_opening_and_closing_hours_move_the_start_screen_at_once():
    assert go("closed", idle=0, home="rating", is_open=True)
    assert go("rating", idle=0, home="closed", is_open=False)
    assert go("pick", idle=0, home="closed", is_open=False)
    assert not go("closed", idle=1000, home="closed", is_open=False)


def test_manager_screens_give_up_after_their_own_limit():
    assert not go("manager", idle=119) and go("manager", idle=120)
    assert not go("pin", idle=29) and go("pin", idle=30)


def test_an_answer_that_keeps_the_screen_restarts_the_guard():
    flow = CitizenFlow("vi", guard_s=0.5)
    flow.show("reasons", now=1.0)
    flow.answered(now=3.0)  # a reason ticked
    assert not flow.accepts(3.3) and flow.accepts(3.5)

"""The citizen's screens in a real Kivy window: one tap, a thank-you, nothing counted twice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import closed_all_day_today
from tests.ui.conftest import FAST, SCREENS, pump, press_key, screenshot, tap, wait_until

ONE_COUNTER = (("Q1", "Quầy 1 — Tư pháp, hộ tịch"),)


def votes(app):
    return app.store.query("SELECT counter_id, level, source FROM votes ORDER BY seq")


@pytest.mark.parametrize("index,code", list(enumerate(["RHL", "HL", "BT", "KHL", "RKHL"])))
def test_a_tap_on_each_level_records_that_level_before_the_thank_you(kiosk_factory, index, code):
    app = kiosk_factory(counters=ONE_COUNTER)
    assert app.sm.current == "rating"
    button = app.screens["rating"].level_buttons[index]
    tap(button)
    assert votes(app) == [("Q1", code, "touch")]
    assert app.sm.current == ("reasons" if code in ("BT", "KHL", "RKHL") else "thanks")


def test_the_thank_you_ignores_touches_and_returns_by_itself(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(FAST, thanks_s=1.5))
    tap(app.screens["rating"].level_buttons[0])
    assert app.sm.current == "thanks"
    tap(app.screens["thanks"].title)  # an impatient second tap
    press_key("1")  # and a keypad press
    assert len(votes(app)) == 1
    wait_until(lambda: app.sm.current == "rating", what="back to the rating screen")


def test_a_low_rating_asks_what_was_wrong_and_attaches_the_reasons(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    tap(app.screens["rating"].level_buttons[3])  # KHL
    reasons = app.screens["reasons"]
    assert app.sm.current == "reasons"
    tap(reasons.toggles["procedure"])
    tap(reasons.toggles["officer"])
    screenshot("reasons")
    tap(reasons.send)
    assert app.sm.current == "thanks"
    uuid = app.store.query("SELECT uuid FROM votes")[0][0]
    assert app.store.reasons(uuid) == ["procedure", "officer"]


def test_skipping_the_reasons_keeps_the_rating_alone(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    tap(app.screens["rating"].level_buttons[4])
    tap(app.screens["reasons"].skip)
    assert app.sm.current == "thanks"
    assert votes(app) == [("Q1", "RKHL", "touch")]
    assert app.store.query("SELECT count(*) FROM vote_reasons") == [(0,)]


def test_walking_away_from_the_reasons_keeps_the_rating_and_returns_to_the_start(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    tap(app.screens["rating"].level_buttons[2])
    tap(app.screens["reasons"].toggles["access"])
    wait_until(lambda: app.sm.current == "rating", what="the reasons screen to time out")
    assert votes(app) == [("Q1", "BT", "touch")]
    assert app.screens["reasons"].selected() == []  # the next citizen starts clean


def test_several_counters_first_ask_which_counter(kiosk_factory):
    app = kiosk_factory()
    assert app.sm.current == "pick"
    screenshot("pick-counter")
    tap(app.screens["pick"].buttons[1])
    assert app.sm.current == "rating" and app.current_counter().id == "Q2"
    tap(app.screens["rating"].level_buttons[1])
    assert votes(app) == [("Q2", "HL", "touch")]
    wait_until(lambda: app.sm.current == "pick", what="back to the counter picker")


def test_a_screen_that_belongs_to_one_counter_skips_the_picker(kiosk_factory):
    app = kiosk_factory(extra="")
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "counter_id": "Q3"})
    app.counter_id = "Q3"
    app.go_home()
    pump()
    assert app.sm.current == "rating"
    tap(app.screens["rating"].level_buttons[0])
    assert votes(app) == [("Q3", "RHL", "touch")]


def test_keypad_digits_vote_for_the_screen_s_counter_key_1_best(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    press_key("2")
    assert votes(app) == [("Q1", "HL", "keypad")]
    wait_until(lambda: app.sm.current == "rating")
    press_key("9")  # beyond the scale: nothing
    press_key("a")
    assert len(votes(app)) == 1


def test_keypad_on_the_counter_picker_votes_for_the_first_counter(kiosk_factory):
    app = kiosk_factory()
    press_key("1")
    assert votes(app) == [("Q1", "RHL", "keypad")]


def test_english_is_one_tap_away_and_every_string_follows(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    rating = app.screens["rating"]
    assert "hài lòng" in rating.question.text and rating.level_buttons[0].caption == "Rất hài lòng"
    tap(rating.topbar.lang)
    assert rating.question.text == "Are you satisfied with the service at this counter?"
    assert rating.level_buttons[0].caption == "Very satisfied"
    tap(rating.topbar.lang)
    assert rating.level_buttons[4].caption == "Rất không hài lòng"


def test_idle_on_a_citizen_screen_returns_to_the_start(kiosk_factory):
    app = kiosk_factory()
    tap(app.screens["pick"].buttons[0])
    assert app.sm.current == "rating"
    wait_until(lambda: app.sm.current == "pick", what="idle return")


def test_outside_opening_hours_the_screen_says_closed(kiosk_factory):
    app = kiosk_factory(extra="", counters=ONE_COUNTER)
    from kiosk.hours import parse_hours
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "hours": parse_hours([closed_all_day_today()])})
    app.go_home()
    pump()
    assert app.sm.current == "closed"
    screenshot("closed")
    press_key("1")
    assert votes(app) == []


def test_a_serial_vote_mid_flow_shows_a_short_thanks_without_disturbing_the_citizen(kiosk_factory):
    app = kiosk_factory()
    tap(app.screens["pick"].buttons[0])
    tap(app.screens["rating"].level_buttons[3])
    assert app.sm.current == "reasons"
    vote = app.store.record_vote("Q2", "RHL", source="serial:1")  # as the reader thread would, then:
    import threading
    threading.Thread(target=app.on_serial_vote, args=(vote, 1)).start()
    wait_until(lambda: app.toasts, what="the toast")
    assert "Cảm ơn — Quầy 2" in app.toasts[0].text
    assert app.sm.current == "reasons"  # the citizen at Q1 is still choosing reasons
    tap(app.screens["reasons"].send)
    assert app.sm.current == "thanks"


def test_a_vote_the_store_refuses_is_not_thanked(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    app.store.conn.execute("PRAGMA query_only = ON")
    tap(app.screens["rating"].level_buttons[0])
    assert app.sm.current == "rating"
    assert any("chưa ghi được" in t.text for t in app.toasts)
    app.store.conn.execute("PRAGMA query_only = OFF")


def test_an_error_in_a_screen_returns_to_the_start_and_voting_goes_on(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    app.screens["thanks"].refresh = lambda: 1 / 0  # a bug in one screen
    tap(app.screens["rating"].level_buttons[0])
    pump(3)
    assert app.errors == 1 and app.sm.current == "rating"
    del app.screens["thanks"].refresh
    wait_until(lambda: app.sm.current == "rating")
    tap(app.screens["rating"].level_buttons[1])
    assert [v[1] for v in votes(app)] == ["RHL", "HL"]


def test_screenshots_of_the_citizen_screens_exist_at_both_sizes(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    app.store.set_roster(app.store.today(), {"Q1": "CB07"})
    app.go_home()
    shots = screenshot("rating")
    tap(app.screens["rating"].level_buttons[0])
    shots += screenshot("thanks")
    for path in shots:
        assert path.stat().st_size > 10_000
    assert (SCREENS / "rating-800x480.png").exists()

"""The citizen's screens in a real Kivy window: one tap, a thank-you, nothing counted twice."""

from __future__ import annotations

from dataclasses import replace

import pytest
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from tests.conftest import closed_all_day_today
from tests.ui.conftest import ALL_SIZES, FAST, SCREENS, _guarded, pump, press_key, screenshot, tap, wait_out_guard, wait_until

ONE_COUNTER = (("Q1", "Quầy 1 — Tư pháp, hộ tịch"),)


def plain(text: str) -> str:
    """Screen text with its no-break spaces (phrases kept whole) read as spaces."""
    return text.replace("\u00a0", " ")


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


@pytest.mark.parametrize("code,after", [("RHL", "thanks"), ("KHL", "reasons")])
def test_the_screen_after_a_rating_appears_only_once_the_vote_s_commit_returned(kiosk_factory, code, after):
    import sqlite3
    import threading
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(FAST, thanks_s=60, reasons_idle_s=60))
    record, seen = app.store.record_vote, []

    def committed() -> int:
        """Votes another connection sees: only a returned COMMIT puts one there."""
        other = sqlite3.connect(app.store.path)
        try:
            return other.execute("SELECT count(*) FROM votes").fetchone()[0]
        finally:
            other.close()

    def held_record_vote(*args, **kwargs):
        # The COMMIT is held back for a while: a screen that does not wait for it has time to appear.
        release = threading.Event()
        threading.Timer(0.5, release.set).start()
        release.wait()
        return record(*args, **kwargs)

    app.store.record_vote = held_record_vote
    app.sm.bind(current=lambda _sm, name: seen.append((name, committed())))
    tap(app.screens["rating"].level_buttons[["RHL", "HL", "BT", "KHL", "RKHL"].index(code)])
    wait_until(lambda: seen, what="the screen to change")
    assert seen[0] == (after, 1), "the screen changed before the vote was committed"


def test_the_thank_you_ignores_touches_and_returns_by_itself(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(FAST, thanks_s=1.5))
    tap(app.screens["rating"].level_buttons[0])
    assert app.sm.current == "thanks"
    tap(app.screens["thanks"].title)  # an impatient second tap
    press_key("1")  # and a keypad press
    assert len(votes(app)) == 1
    wait_until(lambda: app.sm.current == "rating", what="back to the rating screen")


def test_a_low_rating_asks_what_was_wrong_and_attaches_the_reasons(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(FAST, reasons_idle_s=60))  # screenshots take a while
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


def test_keypad_digit_n_on_the_counter_picker_chooses_counter_n_and_never_votes(kiosk_factory):
    app = kiosk_factory()
    press_key("2")
    assert votes(app) == [] and app.sm.current == "rating" and app.current_counter().id == "Q2"
    press_key("1")
    assert votes(app) == [("Q2", "RHL", "keypad")]


@pytest.mark.parametrize("gap", [0.1, 0.25, 0.4])
def test_a_keypad_digit_pressed_twice_quickly_on_the_picker_chooses_the_counter_and_records_no_vote(kiosk_factory,
                                                                                                    gap):
    app = kiosk_factory(timings=GUARDED)
    with app.clock.held():  # the bounce comes exactly ``gap`` after the rating screen, however slow the frames
        press_key("2")  # waits out the picker's guard, as a person would
        assert app.sm.current == "rating"
        app.clock.advance(gap)
        _guarded(lambda: Window.dispatch("on_key_down", ord("2"), 0, "2", []))  # the bounce, on the rating screen
        pump(2)
    assert votes(app) == [] and app.current_counter().id == "Q2"


def test_english_is_one_tap_away_and_every_string_follows(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    rating = app.screens["rating"]
    assert "hài lòng" in plain(rating.question.text) and rating.level_buttons[0].caption == "Rất hài\u00a0lòng"
    tap(rating.topbar.lang)
    assert rating.question.text == "Are you satisfied with the service at this counter?"
    assert rating.level_buttons[0].caption == "Very satisfied"
    tap(rating.topbar.lang)
    assert rating.level_buttons[4].caption == "Rất không hài\u00a0lòng"


def test_idle_on_a_citizen_screen_returns_to_the_start(kiosk_factory):
    app = kiosk_factory()
    tap(app.screens["pick"].buttons[0])
    assert app.sm.current == "rating"
    wait_until(lambda: app.sm.current == "pick", what="idle return")


def test_outside_opening_hours_the_screen_says_closed(kiosk_factory):
    app = kiosk_factory(extra="", counters=ONE_COUNTER)
    from rating.hours import parse_hours
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


# --- one tap = one answer ------------------------------------------------------------------------

GUARDED = replace(FAST, guard_s=0.6, thanks_s=5, idle_s=30, reasons_idle_s=30)


def double_tap(app, widget, gap: float) -> None:
    """Tap ``widget``, then tap the same spot again ``gap`` s after the next screen appeared (unsteady hands).

    The app's clock stands still meanwhile: the gap is exact however long a loaded machine takes to draw."""
    x, y = widget.to_window(*widget.center)
    wait_out_guard()
    with app.clock.held():
        tap(widget, guard=False)
        app.clock.advance(gap)
        _second_tap(x, y)


def _second_tap(x: float, y: float) -> None:
    """The second tap of a double tap, at the first one's spot, through the window's input path."""
    touch = UnitTestTouch(x, y)
    _guarded(touch.touch_down)
    pump(1)
    _guarded(touch.touch_up)
    pump(2)


@pytest.mark.parametrize("gap", [0.1, 0.25, 0.4])
def test_a_double_tap_on_a_counter_opens_its_rating_screen_and_records_no_vote(kiosk_factory, gap):
    app = kiosk_factory(timings=GUARDED)
    double_tap(app, app.screens["pick"].buttons[1], gap)
    assert app.sm.current == "rating" and app.current_counter().id == "Q2"
    assert votes(app) == []


@pytest.mark.parametrize("gap", [0.1, 0.25, 0.4])
def test_a_double_tap_on_a_low_rating_records_it_once_and_ticks_no_reason(kiosk_factory, gap):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    double_tap(app, app.screens["rating"].level_buttons[4], gap)
    assert app.sm.current == "reasons" and app.screens["reasons"].selected() == []
    assert votes(app) == [("Q1", "RKHL", "touch")]


@pytest.mark.parametrize("gap", [0.1, 0.25, 0.4])
def test_a_double_tap_on_a_good_rating_records_it_once(kiosk_factory, gap):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    double_tap(app, app.screens["rating"].level_buttons[0], gap)
    assert app.sm.current == "thanks" and votes(app) == [("Q1", "RHL", "touch")]


@pytest.mark.parametrize("gap", [0.1, 0.25, 0.4])
def test_a_double_tap_on_a_reason_ticks_it_once(kiosk_factory, gap):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    tap(app.screens["rating"].level_buttons[3])
    double_tap(app, app.screens["reasons"].toggles["officer"], gap)
    assert app.screens["reasons"].selected() == ["officer"]
    tap(app.screens["reasons"].send)
    assert app.store.reasons(app.store.query("SELECT uuid FROM votes")[0][0]) == ["officer"]


def double_tap_in_place(app, widget, gap: float) -> None:
    """Two taps on a widget that keeps its screen (the language switch), ``gap`` s apart on the app's
    clock (held still meanwhile: the gap is exact however long a loaded machine takes to draw)."""
    wait_out_guard()
    x, y = widget.to_window(*widget.center)
    with app.clock.held():
        tap(widget, guard=False)
        app.clock.advance(gap)
        _second_tap(x, y)


@pytest.mark.parametrize("gap", [0.1, 0.25, 0.4])
@pytest.mark.parametrize("screen", ["pick", "rating"])
def test_a_double_tap_on_the_language_switch_switches_once(kiosk_factory, gap, screen):
    app = kiosk_factory(counters=None if screen == "pick" else ONE_COUNTER, timings=GUARDED)
    assert app.sm.current == screen
    double_tap_in_place(app, app.screens[screen].topbar.lang, gap)
    assert app.lang == "en"


def test_a_tap_after_the_guard_is_an_answer(kiosk_factory):
    app = kiosk_factory(timings=GUARDED)
    tap(app.screens["pick"].buttons[0])
    tap(app.screens["rating"].level_buttons[1])  # tap() waits out the guard, as a person reading would
    assert votes(app) == [("Q1", "HL", "touch")]


def test_a_finger_held_from_the_previous_screen_is_not_an_answer(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    card = app.screens["rating"].level_buttons[3]
    x, y = card.to_window(*card.center)
    held = UnitTestTouch(x, y)
    _guarded(held.touch_down)  # the finger lands; meanwhile a keypad vote moves to the reasons screen
    press_key("4")
    app.clock.advance(0.7)  # the reasons screen has been up longer than its guard
    _guarded(held.touch_up)  # lifted over a reason: it began before that screen appeared
    pump(2)
    assert app.screens["reasons"].selected() == [] and votes(app) == [("Q1", "KHL", "keypad")]


def test_a_button_acts_on_release_inside_itself_only(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    wait_out_guard()
    card = app.screens["rating"].level_buttons[0]
    touch = UnitTestTouch(*card.to_window(*card.center))
    _guarded(touch.touch_down)
    pump(1)
    _guarded(lambda: touch.touch_move(*card.to_window(card.x - 100, card.center_y)))
    _guarded(touch.touch_up)  # slid off the card: no answer
    pump(2)
    assert votes(app) == [] and app.sm.current == "rating"


# --- language, the way back, keys, toasts, hours -------------------------------------------------

def test_the_next_citizen_starts_in_vietnamese_after_the_thank_you(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    tap(app.screens["rating"].topbar.lang)
    assert app.lang == "en"
    tap(app.screens["rating"].level_buttons[0])
    wait_until(lambda: app.sm.current == "rating", what="the thank-you to end")
    assert app.lang == "vi" and "hài lòng" in plain(app.screens["rating"].question.text)


def test_english_left_on_the_start_screen_returns_to_vietnamese_when_idle(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    tap(app.screens["rating"].topbar.lang)
    assert app.lang == "en"
    wait_until(lambda: app.lang == "vi", what="the idle reset")
    assert app.screens["rating"].question.text.startswith("Ông/Bà")


def test_closing_the_manager_screen_returns_to_the_configured_language(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(FAST, idle_s=30, manager_idle_s=30))
    tap(app.screens["rating"].topbar.lang)
    app.open_manager()
    pump(2)
    app.go_home()  # the manager's "back to the rating screen"
    pump(2)
    assert app.lang == "vi" and app.sm.current == "rating"


def test_the_way_back_to_the_picker_records_nothing(kiosk_factory):
    app = kiosk_factory()
    tap(app.screens["pick"].buttons[2])
    back = app.screens["rating"].topbar.back
    assert back.opacity == 1 and not back.disabled
    tap(back)
    assert app.sm.current == "pick" and votes(app) == []


def test_a_screen_for_one_counter_offers_no_way_back(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    back = app.screens["rating"].topbar.back
    assert back.disabled and back.opacity == 0


def test_the_footer_names_keys_only_when_a_keypad_is_configured(kiosk_factory):
    plain = kiosk_factory(counters=ONE_COUNTER)
    assert "phím" not in plain.screens["rating"].footer.text
    assert all(b.key_hint == "" for b in plain.screens["rating"].level_buttons)


def test_with_a_keypad_the_footer_and_cards_name_the_keys(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra="keypad = true\n")
    assert "phím 1–5" in app.screens["rating"].footer.text
    assert [b.key_hint for b in app.screens["rating"].level_buttons] == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("size", [(800, 480), (1080, 1920)])
def test_a_button_box_toast_never_covers_a_rating_card(kiosk_factory, size):
    app = kiosk_factory(timings=replace(FAST, toast_s=60, idle_s=60))
    Window.size = size
    pump(6)
    tap(app.screens["pick"].buttons[0])
    vote = app.store.record_vote("Q2", "RHL", source="serial:1")
    app.on_serial_vote(vote, 1)
    wait_until(lambda: app.toasts, what="the toast")
    pump(3)
    toast = app.toasts[0]
    for card in app.screens["rating"].level_buttons:
        assert toast.top <= card.to_window(card.x, card.y)[1], "the toast overlaps a card"
    Window.size = (1280, 800)
    pump(3)


def test_the_reasons_are_in_plain_words_with_an_icon_each(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    toggles = app.screens["reasons"].toggles
    assert plain(toggles["officer"].caption) == "Thái độ, sự giúp đỡ của cán bộ"
    assert all(tb.icon for tb in toggles.values())
    assert "Công chức giải quyết" not in [tb.caption for tb in toggles.values()]


def test_the_closed_screen_shows_the_opening_hours(kiosk_factory):
    from rating.hours import parse_hours
    app = kiosk_factory(counters=ONE_COUNTER)
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "hours": parse_hours([closed_all_day_today()])})
    app.go_home()
    pump(3)
    assert app.sm.current == "closed"
    assert "Giờ làm việc" in plain(app.screens["closed"].hours.text)


def test_every_citizen_screen_is_screenshotted_at_every_panel_size(kiosk_factory):
    from rating.hours import parse_hours
    app = kiosk_factory(timings=replace(FAST, thanks_s=60, idle_s=60, reasons_idle_s=60))
    app.store.set_roster(app.store.today(), {"Q2": "CB12"})
    shots = screenshot("citizen-pick", ALL_SIZES)
    tap(app.screens["pick"].buttons[1])
    shots += screenshot("citizen-rating", ALL_SIZES)
    tap(app.screens["rating"].level_buttons[3])
    tap(app.screens["reasons"].toggles["officer"])
    shots += screenshot("citizen-reasons", ALL_SIZES)
    tap(app.screens["reasons"].send)
    shots += screenshot("citizen-thanks", ALL_SIZES)
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "hours": parse_hours([closed_all_day_today()])})
    app.go_home()
    pump(2)
    shots += screenshot("citizen-closed", ALL_SIZES)
    assert len(shots) == 25 and all(path.stat().st_size > 10_000 for path in shots)


@pytest.mark.parametrize("size", [(800, 480), (1080, 1920)])
def test_in_portrait_the_cards_stack_as_full_width_rows_and_in_landscape_stand_side_by_side(kiosk_factory, size):
    app = kiosk_factory(counters=ONE_COUNTER)
    Window.size = size
    pump(8)
    cards = app.screens["rating"].level_buttons
    portrait = size[1] > size[0]
    if portrait:
        assert all(c.width > 0.9 * size[0] for c in cards) and len({round(c.y) for c in cards}) == 5
        assert all(c.row for c in cards)
    else:
        assert len({round(c.x) for c in cards}) == 5 and len({round(c.y) for c in cards}) == 1
    Window.size = (1280, 800)
    pump(3)


def test_text_is_sized_from_the_screen_not_fixed_dp_footer_readable_on_a_7_inch_panel(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    Window.size = (800, 480)
    pump(8)
    rating = app.screens["rating"]
    small = (rating.footer.font_size, rating.question.font_size)
    assert rating.footer.font_size >= 18 and rating.question.font_size >= 24
    Window.size = (1920, 1080)
    pump(8)
    assert rating.footer.font_size > small[0] and rating.question.font_size > small[1]
    Window.size = (1280, 800)
    pump(3)


# --- phrases whole, a long centre name, the reasons' print ----------------------------------------

LONG_CENTRE = "Trung tâm Phục vụ hành chính công xã Ninh Giang, thành phố Hải Phòng — cơ sở 2"


def _texts(widget):
    """Every label and button drawn under ``widget`` (words a citizen reads)."""
    from kivy.uix.label import Label
    found = [widget] if isinstance(widget, Label) and widget.text else []
    for child in widget.children:
        found += _texts(child)
    return found


def _lines(label) -> list[str]:
    """The lines Kivy laid the label's text out in, as drawn (no-break spaces read as spaces)."""
    label.texture_update()
    return [plain("".join(word.text for word in line.words)).strip() for line in label._label._cached_lines]


# Words of the citizen's screens whose syllables belong together (the test's own list, not the code's).
PHRASES = ("hài lòng", "Bình thường", "phục vụ", "thủ tục", "lựa chọn", "Cảm ơn", "Đánh giá", "ghi nhận", "bỏ qua",
           "Bỏ qua", "nhiều mục", "chỗ ngồi", "chỉ dẫn", "thời gian", "Giấy tờ", "biểu mẫu", "lệ phí", "Thái độ",
           "giúp đỡ", "cán bộ", "Kết quả", "đúng hẹn", "quy định", "tiếp nhận", "trả lời", "góp ý", "giờ làm việc",
           "Giờ làm việc", "quay lại", "Thứ Hai", "Thứ Sáu", "Thứ Bảy", "Trung tâm", "hành chính", "thành phố",
           "Ninh Giang", "Hải Phòng", "Đất đai", "Tư pháp", "hộ tịch", "Lao động", "Chọn quầy khác",
           "Kinh doanh", "giáo dục", "Nông nghiệp", "Tài nguyên", "môi trường", "thương binh", "xã hội")


def broken_phrases(widget) -> list[str]:
    """Every phrase of PHRASES that a line break under ``widget`` cuts in two."""
    broken = []
    for label in _texts(widget):
        lines = _lines(label)
        for above, below in zip(lines, lines[1:]):
            for phrase in PHRASES:
                words = phrase.split(" ")
                for k in range(1, len(words)):
                    head, tail = " ".join(words[:k]), " ".join(words[k:])
                    if (above == head or above.endswith(" " + head)) and \
                            (below == tail or below.startswith(tail + " ") or below.startswith(tail + ",")
                             or below.startswith(tail + ".") or below.startswith(tail + ":")):
                        broken.append(f"{above!r} / {below!r} cuts {phrase!r}")
    return broken


@pytest.fixture
def long_centre(monkeypatch, kiosk_factory):
    """Kiosks made by kiosk_factory get a 79-character centre name."""
    factory_globals = kiosk_factory.__globals__  # the conftest module as pytest imported it
    write = factory_globals["write_config"]

    def with_long_name(folder, **kwargs):
        path = write(folder, **kwargs)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Trung tâm Phục vụ hành chính công xã Thử nghiệm", LONG_CENTRE), encoding="utf-8")
        return path
    monkeypatch.setitem(factory_globals, "write_config", with_long_name)


def test_no_line_on_a_citizen_screen_cuts_a_phrase_in_two_at_any_panel_size(kiosk_factory, long_centre):
    from rating.hours import parse_hours
    app = kiosk_factory(timings=replace(FAST, thanks_s=60, idle_s=60, reasons_idle_s=60))
    found = []

    def check(name):
        for size in ALL_SIZES:
            Window.size = size
            pump(8)
            found.extend(f"{name} {size[0]}x{size[1]}: {b}" for b in broken_phrases(app.screens[name]))

    check("pick")
    tap(app.screens["pick"].buttons[1])
    check("rating")
    tap(app.screens["rating"].level_buttons[3])
    check("reasons")
    tap(app.screens["reasons"].send)
    check("thanks")
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "hours": parse_hours(["Mon-Fri 07:30-11:30 13:30-17:00",
                                                                           "Sat 07:30-11:30"])})
    app.screens["closed"].refresh()
    app.sm.current = "closed"
    check("closed")
    Window.size = (1280, 800)
    pump(3)
    assert found == []


@pytest.mark.parametrize("size", [(800, 480), (1080, 1920)])
def test_a_long_centre_name_is_read_whole_and_large_enough_in_the_top_bar(kiosk_factory, long_centre, size):
    app = kiosk_factory()
    tap(app.screens["pick"].buttons[0])  # the rating screen: the top bar also holds the way back
    Window.size = size
    pump(10)
    topbar = app.screens["rating"].topbar
    name = next(label for label in _texts(topbar) if "Trung" in label.text)
    lines = _lines(name)
    assert " ".join(lines) == LONG_CENTRE  # nothing cut off
    assert name.font_size >= min(size) * 0.03, f"{name.font_size:.0f} px is too small on a {size} panel"
    assert name.texture_size[1] <= name.height + 1  # every line inside the bar
    assert broken_phrases(topbar) == []
    Window.size = (1280, 800)
    pump(3)


@pytest.mark.parametrize("size", [(800, 480), (1080, 1920)])
def test_the_reasons_are_printed_at_one_size_inside_their_frames(kiosk_factory, size):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(FAST, reasons_idle_s=60, idle_s=60))
    tap(app.screens["rating"].level_buttons[3])
    Window.size = size
    pump(10)
    toggles = list(app.screens["reasons"].toggles.values())
    words = [tb.ids.words for tb in toggles]
    assert len({round(w.font_size, 1) for w in words}) == 1, [w.font_size for w in words]
    for tb, w in zip(toggles, words):
        w.texture_update()
        frame_bottom, frame_top = tb.y + tb.height * 0.05, tb.y + tb.height * 0.95
        drawn_bottom = w.center_y - w.texture_size[1] / 2
        assert drawn_bottom >= frame_bottom - 1 and drawn_bottom + w.texture_size[1] <= frame_top + 1, \
            f"{tb.code}: its words spill over the row's frame"
    Window.size = (1280, 800)
    pump(3)


def test_a_configured_name_keeps_its_place_names_whole_and_may_break_after_punctuation():
    from kiosk.ui.strings import NBSP, keep_name_whole
    joined = keep_name_whole("Trung tâm xã Ninh Giang, Hải Phòng ở đây").replace(NBSP, "_")
    assert "Ninh_Giang," in joined and "Giang, Hải_Phòng ở đây" in joined  # "ở" (lower case) is no name


TEN_COUNTERS = tuple((f"Q{i}", f"Quầy {i} — {name}") for i, name in enumerate(
    ("Tư pháp, hộ tịch", "Đất đai, xây dựng", "Lao động, thương binh và xã hội", "Kinh doanh, đầu tư",
     "Y tế, giáo dục", "Tài nguyên và môi trường", "Nông nghiệp", "Văn hoá, thông tin", "Công an", "Thuế"), 1))


@pytest.mark.parametrize("size", [(800, 480), (1080, 1920)])
def test_ten_counters_names_are_one_size_and_keep_their_words_whole(kiosk_factory, size):
    app = kiosk_factory(counters=TEN_COUNTERS)
    Window.size = size
    pump(10)
    buttons = app.screens["pick"].buttons
    assert len({round(b.font_size) for b in buttons}) == 1, sorted(round(b.font_size) for b in buttons)
    assert buttons[0].font_size >= min(size) * 0.035  # still large on a 7" panel with three columns
    assert broken_phrases(app.screens["pick"]) == []
    Window.size = (1280, 800)
    pump(3)


# --- the faces: told apart by shape alone -----------------------------------------------------------

FACE_PX = 160  # a face about as large as on a 7" panel's card


def _face_in_grey(code: str) -> list[int]:
    """The face of ``code``'s card rendered alone, as grey levels (colour removed) over white."""
    from kiosk.ui.widgets import Face, LevelButton
    card = LevelButton(code, size=(FACE_PX * 2, FACE_PX * 3))
    pump(2)
    face = next(child for child in card.children if isinstance(child, Face))
    face.size, face.pos = (FACE_PX, FACE_PX), (0, 0)
    pump(2)
    texture = face.export_as_image().texture
    raw = texture.pixels
    grey = []
    for i in range(0, len(raw), 4):
        r, g, b, a = raw[i], raw[i + 1], raw[i + 2], raw[i + 3] / 255
        luma = 0.299 * r + 0.587 * g + 0.114 * b
        grey.append(round(luma * a + 255 * (1 - a)))
    return grey


def test_the_five_faces_differ_in_shape_not_only_in_colour(window):
    """Colour removed, every pair of faces differs in a clear share of the face's own area, so a citizen
    who cannot tell the cards' colours apart still sees five different faces (the neighbours above all)."""
    codes = ["RHL", "HL", "BT", "KHL", "RKHL"]
    faces = {code: _face_in_grey(code) for code in codes}
    disc = 3.14159 * (FACE_PX / 2) ** 2
    shares = {}
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            differing = sum(1 for p, q in zip(faces[a], faces[b]) if abs(p - q) > 60)
            shares[(a, b)] = differing / disc
    too_alike = {pair: f"{share:.1%}" for pair, share in shares.items() if share < 0.06}
    assert too_alike == {}, f"faces too alike in grey: {too_alike} (all: { {k: f'{v:.1%}' for k, v in shares.items()} })"


@pytest.mark.parametrize("size", [(800, 480), (1024, 600), (1080, 1920)])
def test_the_reasons_use_the_height_for_large_print_and_leave_only_the_hint_band_under_the_buttons(kiosk_factory,
                                                                                                   size):
    """No empty band on a 7" panel: under Skip and Send only the footer band, which holds the hint (and a
    button box's toast, over nothing a citizen touches); the rows' words large for low vision."""
    app = kiosk_factory(timings=replace(FAST, reasons_idle_s=60, idle_s=60, toast_s=60))
    tap(app.screens["pick"].buttons[0])
    tap(app.screens["rating"].level_buttons[3])
    Window.size = size
    pump(10)
    reasons = app.screens["reasons"]
    lowest_button = min(reasons.send.y, reasons.skip.y)
    hint = reasons.hint
    assert hint.text and hint.top <= lowest_button + 1 and hint.y <= app.pad + 1, "the hint is not in the band"
    assert lowest_button <= app.band_h + 2 * app.pad, f"{lowest_button:.0f} px under the buttons for a {app.band_h:.0f} px band"
    words = [tb.ids.words.font_size for tb in reasons.toggles.values()]
    assert min(words) >= 0.05 * min(size), f"the reasons' words are {min(words):.1f} px on a {size} panel"
    assert reasons.send.font_size >= 0.05 * min(size)
    vote = app.store.record_vote("Q2", "RHL", source="serial:1")  # another counter's button box
    app.on_serial_vote(vote, 1)
    wait_until(lambda: app.toasts, what="the toast")
    pump(3)
    assert app.toasts[0].top <= lowest_button + 1, "the toast covers Skip or Send"
    Window.size = (1280, 800)
    pump(3)


def test_a_vote_file_deleted_while_the_kiosk_runs_covers_every_screen_and_no_tap_is_thanked(kiosk_factory):
    import os
    app = kiosk_factory(counters=ONE_COUNTER)
    tap(app.screens["rating"].level_buttons[0])
    assert len(votes(app)) == 1
    wait_until(lambda: app.sm.current == "rating", what="back to the rating screen")
    os.unlink(app.store.path)   # an operator's mistake, a failing card
    wait_until(lambda: app.store_gone is not None and app.store_gone.shown, what="the out-of-service cover")
    cover = app.store_gone
    assert "Máy tạm ngừng nhận đánh giá" in cover.labels["title"].text
    assert "đã bị xoá" in cover.labels["staff"].text and "restore --from-central" in cover.labels["staff"].text
    toasts = len(app.toasts)
    tap(app.screens["rating"].level_buttons[0], guard=False)
    pump(3)
    assert app.sm.current == "rating" and len(app.toasts) == toasts, \
        "the tap went to the cover, not to a card (which would say 'not recorded')"
    SCREENS.mkdir(parents=True, exist_ok=True)
    Window.screenshot(name=str(SCREENS / "kiosk-store-gone-window.png"))   # the real window: the cover is on top

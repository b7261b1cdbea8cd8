"""Citizens' screens for everyone, in a real Kivy window: every timeout warned 20 s ahead with "Thêm thời
gian", "Kết thúc" on every question, the invitation that never holds up the next citizen's rating, the
high-contrast and large-text mode, and touch targets of at least 9 mm at every panel size.

The timeouts run on the app's clock held still (``app.clock.held()``): the test moves it past a limit
without waiting, and the kiosk's tick (Kivy's clock, a few ms here) notices at the next frames."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import replace

import pytest
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.button import Button
from kivy.uix.label import Label

from kiosk.questionnaire.answers import start_questionnaire
from kiosk.ui.app import Timings
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, contrast_ratio
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
from tests.ui.conftest import ALL_SIZES, FAST, pump, screenshot, wait_until
from tests.ui.test_questionnaire_ui import ONE_COUNTER, invited, settled, tap, to_docs

TRUNG_TAM = load_catalogue(questionnaire_dirs()).get("trung-tam")
# The limits people get (kiosk.ui.app.Timings), with the test's quick tick, guard and thank-you.
PEOPLE = Timings(thanks_s=0.8, invite_after_s=0.3, tick_s=0.05, guard_s=0.05)
# The panels' diagonals, inches: for each size the smallest panel centres buy with it (the densest, so the
# hardest for 9 mm). The kiosk does not know its panel's size (X reports 96 dpi whatever the glass): its
# layout is fractions of the window, so a target's millimetres follow from these.
PANEL_INCHES = {(800, 480): 7.0, (1024, 600): 7.0, (1280, 800): 10.1, (1920, 1080): 15.6, (1080, 1920): 21.5}
MIN_TARGET_MM = 9.0


def answers_in_file(app) -> list[tuple]:
    with sqlite3.connect(app.store.path) as conn:
        return conn.execute("SELECT response_uuid, question_id, choice FROM q_answers WHERE replaced = 0 "
                            "ORDER BY seq").fetchall()


def responses_in_file(app) -> list[tuple]:
    with sqlite3.connect(app.store.path) as conn:
        return conn.execute("SELECT uuid, finished_at IS NOT NULL FROM q_responses ORDER BY started_at").fetchall()


def votes(app) -> list[tuple]:
    return app.store.query("SELECT counter_id, level FROM votes ORDER BY seq")


def idle_until(app, seconds: float) -> None:
    """The citizen has not touched for ``seconds`` (the app's clock moved on, no waiting), and the kiosk's
    tick has seen it (a marker scheduled two ticks on has fired: Kivy's clock runs events in time order)."""
    app.clock.advance(seconds - (app.clock() - app.last_touch))
    fired = []
    Clock.schedule_once(lambda _dt: fired.append(1), app.timings.tick_s * 2)
    wait_until(lambda: fired, what="two ticks")
    pump(2)


def warned(app) -> bool:
    return app.warning.shown and app.warning.parent is not None


def wait_for_warning(app, what: str = "the warning") -> None:
    """Until the warning is up and laid out (a tap then lands on its buttons)."""
    wait_until(lambda: warned(app), what=what)
    pump(3)


# --- every timeout warns 20 s ahead, with "Thêm thời gian" ----------------------------------------

def test_the_reasons_warn_20_s_before_they_give_up_and_more_time_keeps_what_was_ticked(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=PEOPLE)
    tap(app.screens["rating"].level_buttons[3])
    reasons = app.screens["reasons"]
    tap(reasons.toggles["officer"])
    with app.clock.held():
        idle_until(app, PEOPLE.reasons_idle_s - 20 - 0.5)
        assert not warned(app)
        idle_until(app, PEOPLE.reasons_idle_s - 20 + 0.01)
        wait_for_warning(app, "the warning 20 s before the reasons give up")
        assert app.warning.modal and app.warning.seconds == 20 and not app.warning.can_finish
        assert app.warning.ids.more.text.endswith("Thêm\u00a0thời\u00a0gian")
        tap(app.warning.more)
        assert not warned(app) and app.sm.current == "reasons" and reasons.selected() == ["officer"]
        idle_until(app, PEOPLE.reasons_idle_s - 1)
        assert app.sm.current == "reasons" and warned(app) and app.warning.seconds == 1
        idle_until(app, PEOPLE.reasons_idle_s)
        wait_until(lambda: app.sm.current == "rating", what="the reasons to give up")
    assert not warned(app) and votes(app) == [("Q1", "KHL")]


def test_a_tap_beside_the_covering_warning_gives_more_time_and_ticks_nothing(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=PEOPLE)
    tap(app.screens["rating"].level_buttons[4])
    reasons = app.screens["reasons"]
    with app.clock.held():
        idle_until(app, PEOPLE.reasons_idle_s - 10)
        wait_for_warning(app, "the warning")
        tap(reasons.toggles["access"])  # under the warning: the next person's tap, or a shaky one
        pump(3)
        assert reasons.selected() == [] and not warned(app) and app.sm.current == "reasons"


def test_english_left_on_the_rating_screen_warns_in_a_band_and_the_next_citizen_s_rating_wins(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=PEOPLE)
    rating = app.screens["rating"]
    tap(rating.topbar.lang)
    with app.clock.held():
        idle_until(app, PEOPLE.idle_s - 19)
        wait_for_warning(app, "the warning before Vietnamese comes back")
        assert not app.warning.modal and app.lang == "en"
        assert app.warning.ids.panel.y > rating.ids.cards.top - 1  # a band above the cards: they stay live
        tap(rating.level_buttons[1])
    assert votes(app) == [("Q1", "HL")] and app.sm.current == "thanks"


def test_the_walk_away_warns_sooner_once_answering_started_and_covers_the_question(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=PEOPLE)
    invited(app)
    tap(app.screens["invite"].accept)
    question = app.screens["question"]
    with app.clock.held():
        idle_until(app, PEOPLE.idle_s - 20 - 1)  # not started: the ordinary limit, its warning not yet due
        assert not warned(app)
        tap(question.cards[0])
        assert PEOPLE.answering_idle_s < PEOPLE.idle_s
        idle_until(app, PEOPLE.answering_idle_s - 20 + 0.01)
        wait_for_warning(app, "the walk-away warning")
        assert app.warning.modal and app.warning.can_finish
        assert "giữ lại" in app.warning.message.text.replace("\u00a0", " ")
        card = question.cards[4]
        assert not app.warning.ids.panel.collide_point(*card.center)  # beside the warning's panel
        tap(card)  # the next person's tap lands on the warning, not in the first one's response
        assert len(answers_in_file(app)) == 1 and not warned(app) and app.sm.current == "question"
        idle_until(app, PEOPLE.answering_idle_s - 5)
        wait_for_warning(app, "the warning again")
        tap(app.warning.finish)
        assert app.sm.current == "thanks" and app.screens["thanks"].kind == "questionnaire"
    assert [finished for _, finished in responses_in_file(app)] == [1]


def test_the_thank_you_alone_ends_without_a_warning(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(PEOPLE, thanks_s=60))
    tap(app.screens["rating"].level_buttons[0])
    with app.clock.held():
        idle_until(app, 59)
        assert app.sm.current == "thanks" and not warned(app)


# --- the questionnaire: "Kết thúc", the walk-away, a new response for a new rating ----------------

def test_finish_on_a_question_thanks_keeps_the_answers_and_the_next_rating_starts_a_new_response(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(PEOPLE, thanks_s=0.8))
    invited(app)
    tap(app.screens["invite"].accept)
    question = app.screens["question"]
    tap(question.cards[0])
    tap(question.cards[1])
    assert question.finish.text.endswith("Kết\u00a0thúc")
    tap(question.finish)
    assert app.sm.current == "thanks" and app.screens["thanks"].kind == "questionnaire"
    first = responses_in_file(app)
    assert [f for _, f in first] == [1] and len(answers_in_file(app)) == 2
    wait_until(lambda: app.sm.current == "rating", what="the start after the thank-you")
    tap(app.screens["rating"].level_buttons[0])  # the next citizen
    wait_until(lambda: app.sm.current == "invite", what="the next citizen's invitation")
    tap(app.screens["invite"].accept)
    tap(app.screens["question"].cards[2])
    rows = answers_in_file(app)
    assert len(responses_in_file(app)) == 2 and rows[-1][0] != first[0][0]
    assert app.questionnaire.walk.progress() == f"Câu 2/{TRUNG_TAM.asked('kiosk')}"


def test_finish_before_any_answer_stores_nothing_and_returns_to_the_start(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=PEOPLE)
    invited(app)
    tap(app.screens["invite"].accept)
    tap(app.screens["question"].finish)
    assert app.sm.current == "rating" and responses_in_file(app) == []


def test_walking_away_in_english_and_large_print_gives_the_next_citizen_vietnamese_and_question_1(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=PEOPLE)
    start_questionnaire(app.store, TRUNG_TAM, mode="replace")
    app.go_home()
    settled()
    question = app.screens["question"]
    tap(question.ids.topbar.lang)
    tap(question.ids.topbar.contrast)
    tap(question.cards[0])
    assert app.lang == "en" and app.theme is HIGH_CONTRAST and question.progress_text.startswith("Question 2")
    with app.clock.held():
        idle_until(app, PEOPLE.answering_idle_s + 0.01)
        wait_until(lambda: not app.questionnaire.started, what="the walk-away")
    pump(3)
    assert app.sm.current == "question" and question.progress_text.startswith("Câu 1/")
    assert app.lang == "vi" and app.theme is NORMAL and tuple(Window.clearcolor) == NORMAL.paper
    tap(question.cards[1])
    assert len(responses_in_file(app)) == 2  # the next citizen's answers never join the first response


# --- the invitation never holds up the next citizen ------------------------------------------------

def test_a_tap_on_the_invitation_s_rating_cards_is_the_next_citizen_s_rating(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=PEOPLE)
    invite = invited(app)
    tap(invite.ids.topbar.lang)  # the first citizen read it in English
    with app.clock.held():
        idle_until(app, PEOPLE.invite_idle_s - 19)
        wait_for_warning(app, "the invitation's warning")
        assert not app.warning.modal  # a band: the cards stay live under it
        tap(invite.next_cards[4])
    assert votes(app) == [("Q1", "HL"), ("Q1", "RKHL")] and app.sm.current == "reasons"
    assert responses_in_file(app) == [] and app.lang == "vi" and not warned(app)


def test_with_several_counters_the_invitation_sends_the_next_citizen_to_the_counter_picker(kiosk_factory):
    app = kiosk_factory(timings=PEOPLE)
    start_questionnaire(app.store, TRUNG_TAM)
    app.go_home()
    settled()
    tap(app.screens["pick"].buttons[1])
    tap(app.screens["rating"].level_buttons[0])
    wait_until(lambda: app.sm.current == "invite", what="the invitation")
    invite = app.screens["invite"]
    assert invite.next_cards == []
    tap(invite.next_pick)
    assert app.sm.current == "pick" and votes(app) == [("Q2", "RHL")]


# --- high contrast and large print ------------------------------------------------------------------

def _labels(widget):
    found = [widget] if isinstance(widget, Label) and widget.text.strip() and widget.opacity > 0 else []
    for child in widget.children:
        found += _labels(child)
    return found


@pytest.mark.parametrize("size", [(800, 480), (1080, 1920)])
def test_the_large_print_button_gives_high_contrast_and_larger_words_and_the_next_citizen_the_normal_look(
        kiosk_factory, size):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(FAST, thanks_s=0.8, idle_s=600))
    rating = app.screens["rating"]
    Window.size = size
    try:
        pump(8)
        before = (rating.question.font_size, rating.level_buttons[4].ids.words.font_size)
        button = rating.topbar.contrast
        assert "◐" in button.text and button.text.endswith("Chữ\u00a0to")  # an icon and a word
        tap(button)
        pump(8)
        assert app.theme is HIGH_CONTRAST and tuple(Window.clearcolor) == HIGH_CONTRAST.paper
        assert rating.question.font_size >= 1.25 * before[0], (rating.question.font_size, before)
        # The cards' words never shrink: five cards side by side on a 7" panel are as wide as a word allows
        # already (its syllables never break), and a portrait row's words are already 2 cm tall.
        assert rating.level_buttons[4].ids.words.font_size >= before[1] * 0.99
        assert button.text.endswith("Chữ\u00a0thường")
        for label in _labels(rating.ids.topbar) + [rating.question, rating.counter_line, rating.footer]:
            under = label.background_color if isinstance(label, Button) else HIGH_CONTRAST.paper
            assert contrast_ratio(label.color, under) >= 7, label.text
        for card in rating.level_buttons:
            assert contrast_ratio(card.ids.words.color, HIGH_CONTRAST.card) >= 7
        tap(rating.level_buttons[0])
        wait_until(lambda: app.sm.current == "rating", what="the next citizen")
        assert app.theme is NORMAL and app.text_scale == 1 and tuple(Window.clearcolor) == NORMAL.paper
    finally:
        Window.size = (1280, 800)
        pump(3)


def test_every_colour_pair_of_the_high_contrast_look_is_at_least_7_to_1():
    t = HIGH_CONTRAST
    pairs = [(t.ink, t.paper), (t.button_ink, t.primary), (t.button_ink, t.secondary), (t.card_ink, t.card),
             (t.frame, t.paper)]
    assert all(contrast_ratio(a, b) >= 7 for a, b in pairs), [round(contrast_ratio(a, b), 1) for a, b in pairs]


# --- touch targets: 9 mm at every panel size ------------------------------------------------------

def _targets(widget):
    """Everything a finger can act on under ``widget``, as drawn now (shown, enabled, with a size)."""
    if widget.opacity == 0 or getattr(widget, "disabled", False):
        return []
    found = [widget] if isinstance(widget, ButtonBehavior) and widget.width > 1 and widget.height > 1 else []
    for child in widget.children:
        found += _targets(child)
    return found


def _too_small(root, size) -> list[str]:
    px_per_mm = math.hypot(*size) / (PANEL_INCHES[size] * 25.4)
    small = []
    for w in _targets(root):
        mm = min(w.width, w.height) / px_per_mm
        if mm < MIN_TARGET_MM:
            name = getattr(w, "text", "") or getattr(w, "caption", "") or getattr(w, "code", "") or type(w).__name__
            small.append(f"{size[0]}x{size[1]}: {name!r} {w.width:.0f}x{w.height:.0f} px = {mm:.1f} mm")
    return small


def test_every_touch_target_on_every_citizen_screen_is_at_least_9_mm_at_every_panel_size(kiosk_factory):
    app = kiosk_factory(timings=replace(PEOPLE, thanks_s=600, reasons_idle_s=600, idle_s=600, invite_idle_s=600,
                                        answering_idle_s=600))
    start_questionnaire(app.store, TRUNG_TAM)
    found, seen = [], []

    def measure(what: str, root=None) -> None:
        for size in ALL_SIZES:
            for large in (False, True):
                if app.flow.large_text != large:
                    app.toggle_contrast()
                Window.size = size
                pump(8)
                found.extend(f"{what}{' (large print)' if large else ''} {s}"
                             for s in _too_small(root or app.sm.current_screen, size))
        if app.flow.large_text:
            app.toggle_contrast()
        Window.size = (1280, 800)
        pump(4)
        seen.append(what)

    try:
        app.go_home()
        settled()
        measure("pick")
        tap(app.screens["pick"].buttons[0])
        measure("rating")
        tap(app.screens["rating"].level_buttons[3])
        measure("reasons")
        tap(app.screens["reasons"].send)
        wait_until(lambda: app.sm.current == "invite", timeout=10, what="the invitation")
        measure("invitation")
        tap(app.screens["invite"].accept)
        measure("question (scale)")
        profile = next(i for i, q in enumerate(TRUNG_TAM.for_channel("kiosk")) if q.kind == "profile")
        while app.questionnaire.walk.position < profile:
            app.questionnaire.answer(None)
        measure("question (profile)")
        with app.clock.held():  # the warnings as the tick shows them, the app's clock standing still
            idle_until(app, 600 - 10)
            wait_for_warning(app)
            assert app.warning.modal and app.warning.can_finish
            measure("warning over a question", app.warning)
        app.go_home()
        tap(app.screens["pick"].topbar.lang)  # the start screen left in English: its warning is the band
        with app.clock.held():
            idle_until(app, 600 - 10)
            wait_for_warning(app)
            assert not app.warning.modal
            measure("warning band", app.warning)
    finally:
        Window.size = (1280, 800)
        pump(3)
    assert len(seen) == 8
    assert not found, "\n".join(found)


# --- screenshots for the docs ---------------------------------------------------------------------

DOC_SIZES = ((800, 480), (1024, 600), (1080, 1920))


def test_screenshots_of_the_questionnaire_s_finish_and_the_high_contrast_mode(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(PEOPLE, thanks_s=600, answering_idle_s=600,
                                                              idle_s=600, invite_idle_s=600))
    invited(app)
    tap(app.screens["invite"].accept)
    tap(app.screens["question"].cards[1])
    shots = screenshot("kiosk-question-finish", DOC_SIZES)
    with app.clock.held():  # the walk-away's warning, as a citizen who stopped answering meets it
        idle_until(app, 600 - 18)
        wait_for_warning(app)
        shots += screenshot("kiosk-question-walk-away-warning", DOC_SIZES)
        tap(app.warning.more)
    tap(app.screens["question"].finish)
    shots += screenshot("kiosk-question-finished", DOC_SIZES)
    app.go_home()
    tap(app.screens["rating"].topbar.contrast)
    shots += screenshot("kiosk-high-contrast", DOC_SIZES)
    tap(app.screens["rating"].level_buttons[2])
    shots += screenshot("kiosk-high-contrast-reasons", DOC_SIZES)
    for path in shots:
        assert path.stat().st_size > 10_000
        to_docs(path, path.stem)

"""The questionnaire at the kiosk, in a real Kivy window: invited after a rating, one question a screen,
answered by touch and by keypad, skip and back, a double tap counted once, walking away, replace mode.
Every answer is checked in the SQLite file itself, through a connection of its own."""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from kiosk.questionnaire.answers import start_questionnaire, stop_questionnaire, verify_answers
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
from kiosk.ui.widgets import LevelButton
from kivy.app import App

from tests.ui.conftest import FAST, _guarded, pump, press_key, screenshot, wait_out_guard, wait_until
from tests.ui.conftest import tap as _tap

ONE_COUNTER = (("Q1", "Quầy 1 — Tư pháp, hộ tịch"),)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screens"
SLOW = replace(FAST, thanks_s=0.8, invite_after_s=0.3, idle_s=60, invite_idle_s=60, reasons_idle_s=60,
               answering_idle_s=60)
TRUNG_TAM = load_catalogue(questionnaire_dirs()).get("trung-tam")
KIOSK_QUESTIONS = TRUNG_TAM.for_channel("kiosk")


def settled() -> None:
    """Wait until the screen manager has finished changing screens (it drops touches meanwhile, as Kivy does)."""
    app = App.get_running_app()
    wait_until(lambda: not app.sm.transition.is_active, what="the screen change to finish")


def tap(widget, **kwargs) -> None:
    """A person's tap (tests.ui.conftest.tap) once the screen that shows ``widget`` is fully up."""
    settled()
    _tap(widget, **kwargs)


def to_docs(shot: Path, name: str) -> None:
    """Copy a screenshot from build/screens/ into docs/screens/ when asked (UPDATE_DOCS_SCREENS=1): a plain
    test run leaves the repository's files alone."""
    if os.environ.get("UPDATE_DOCS_SCREENS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS / f"{name}.png")


def answers_in_file(app) -> list[tuple]:
    """(question, choice) of the current answers, read from the database file by another connection."""
    with sqlite3.connect(app.store.path) as conn:
        return conn.execute("SELECT question_id, choice FROM q_answers WHERE replaced = 0 ORDER BY seq").fetchall()


def responses_in_file(app) -> list[tuple]:
    with sqlite3.connect(app.store.path) as conn:
        return conn.execute("SELECT channel, counter_id, finished_at IS NOT NULL FROM q_responses").fetchall()


def votes(app):
    return app.store.query("SELECT counter_id, level FROM votes ORDER BY seq")


def invited(app, mode: str = "invite", counter: str | None = None):
    """Turn the questionnaire on, rate "Hài lòng" and wait for the invitation."""
    start_questionnaire(app.store, TRUNG_TAM, counter_id=counter, mode=mode)
    app.go_home()
    pump(2)
    tap(app.screens["rating"].level_buttons[1])
    assert app.sm.current in ("thanks", "invite") and votes(app) == [("Q1", "HL")]  # stored before either
    wait_until(lambda: app.sm.current == "invite", what="the invitation after the thank-you")
    return app.screens["invite"]


def accept(app):
    tap(app.screens["invite"].accept)
    assert app.sm.current == "question"
    return app.screens["question"]


def test_a_rating_is_followed_by_the_invitation_naming_how_many_questions(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invite = invited(app)
    assert invite.title.text == f"Xin Ông/Bà dành ít phút trả lời {len(KIOSK_QUESTIONS)} câu hỏi?"
    assert invite.accept.caption == "Đồng ý trả lời" and invite.accept.icon == "✔"
    assert invite.decline.caption == "Không, cảm ơn" and invite.decline.icon == "✖"


@pytest.mark.parametrize("qid", ["trung-tam", "chinh-quyen-than-thien"])
def test_the_invitation_names_the_number_questionnaire_list_gives(kiosk_factory, qid):
    """One count everywhere: what the invitation promises, ``questionnaire list`` prints (text and JSON)
    and the walk's "Câu n/N" counts up to — the questions a citizen at the kiosk is really asked."""
    import json
    import re

    from tests.conftest import run_cli
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    questionnaire = load_catalogue(questionnaire_dirs()).get(qid)
    start_questionnaire(app.store, questionnaire)
    app.go_home()
    pump(2)
    tap(app.screens["rating"].level_buttons[1])
    wait_until(lambda: app.sm.current == "invite", what="the invitation after the thank-you")
    promised = int(re.search(r"(\d+) câu hỏi", app.screens["invite"].title.text).group(1))
    listed = run_cli("questionnaire", "list", "--json", config=Path(app.cfg.source))
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["id"] == qid)
    assert promised == row["asked"]["kiosk"]  # ("questions" is every question in the file: a contract kept)
    text = run_cli("questionnaire", "list", config=Path(app.cfg.source)).stdout
    assert re.search(rf"^{re.escape(qid)}\s+v1\s+{promised} câu ", text, re.M), text
    assert app.questionnaire.walk.progress() == f"Câu 1/{promised}"
    seen = 0
    while app.questionnaire.walk is not None and not app.questionnaire.walk.done:
        seen += 1
        app.questionnaire.walk.skip()
    assert seen == promised  # every question promised was asked, and no other


def test_no_questionnaire_on_means_no_invitation(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    tap(app.screens["rating"].level_buttons[0])
    wait_until(lambda: app.sm.current == "rating", what="back to the rating screen")
    assert "invite" not in app.screens


def test_a_whole_questionnaire_answered_by_touch_is_in_the_file_answer_by_answer(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    question = accept(app)
    expected = []
    for n, q in enumerate(KIOSK_QUESTIONS, start=1):
        assert question.progress_text == f"Câu {n}/{len(KIOSK_QUESTIONS)}"
        assert question.question_text == q.vi
        pick = n % len(q.choices)
        tap(question.cards[pick])
        expected.append((q.id, q.choices[pick].code))
        assert answers_in_file(app) == expected  # stored before the next question was drawn
    assert app.sm.current == "thanks" and app.screens["thanks"].ids.body.text.startswith("Các câu trả lời")
    assert responses_in_file(app) == [("kiosk", "Q1", 1)]
    assert verify_answers(app.store) is None  # every answer in the hash chain `verify` checks
    wait_until(lambda: app.sm.current == "rating", what="back to the start after the questionnaire")


def test_a_whole_questionnaire_answered_by_keypad_digit_n_is_the_n_th_choice(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW, kiosk_extra="keypad = true\n")
    invited(app)
    press_key("1")  # 1 accepts
    assert app.sm.current == "question"
    question = app.screens["question"]
    assert "phím 0 để bỏ qua" in question.footer.text
    expected = []
    for n, q in enumerate(KIOSK_QUESTIONS, start=1):
        digit = 1 + n % len(q.choices)
        press_key("9")  # no ninth choice: nothing
        press_key(str(digit))
        expected.append((q.id, q.choices[digit - 1].code))
    assert answers_in_file(app) == expected
    assert responses_in_file(app) == [("kiosk", "Q1", 1)]
    assert app.sm.current == "thanks"


def test_zero_skips_a_question_and_skip_and_back_work_on_every_question(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    question = accept(app)
    assert question.back.disabled  # nothing before question 1
    press_key("0")  # skips question 1
    tap(question.skip)  # skips question 2
    assert question.progress_text.startswith("Câu 3/") and not question.back.disabled
    tap(question.cards[0])  # question 3: the best
    tap(question.back)
    assert question.progress_text.startswith("Câu 3/")
    assert question.cards[0].chosen and not question.cards[1].chosen  # the earlier answer is shown
    tap(question.cards[3])  # changed to KHL
    q1, q2, q3 = KIOSK_QUESTIONS[:3]
    assert answers_in_file(app) == [(q1.id, None), (q2.id, None), (q3.id, q3.choices[3].code)]
    with sqlite3.connect(app.store.path) as conn:  # the first answer is kept, marked replaced (the chain holds both)
        assert conn.execute("SELECT count(*) FROM q_answers").fetchone() == (4,)


def test_declining_stores_nothing_and_returns_to_the_start(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    tap(app.screens["invite"].decline)
    assert app.sm.current == "rating"
    assert answers_in_file(app) == [] and responses_in_file(app) == []
    assert votes(app) == [("Q1", "HL")]  # the rating stays


def test_key_zero_declines_the_invitation(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    press_key("0")
    assert app.sm.current == "rating" and responses_in_file(app) == []


def test_an_unanswered_invitation_goes_away_by_itself(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    app.timings = replace(app.timings, invite_idle_s=0.5)   # short only once it shows (a loaded machine is slow)
    wait_until(lambda: app.sm.current == "rating", what="the invitation to time out")
    assert responses_in_file(app) == []


def test_walking_away_keeps_the_answers_given_and_the_next_citizen_starts_afresh(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    question = accept(app)
    tap(question.cards[0])
    tap(question.cards[1])
    # Only now a short idle limit: set from the start, a loaded machine could idle out of the
    # invitation or the thank-you before the test's taps land (a flake seen on CI).
    app.timings = replace(app.timings, answering_idle_s=1.0)
    wait_until(lambda: app.sm.current == "rating", what="the walk-away timeout")
    q1, q2 = KIOSK_QUESTIONS[:2]
    assert answers_in_file(app) == [(q1.id, "RHL"), (q2.id, "HL")]
    assert responses_in_file(app) == [("kiosk", "Q1", 0)]  # kept, not finished
    assert app.questionnaire.walk is None


def test_the_language_switch_works_on_a_question(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    question = accept(app)
    tap(question.ids.topbar.lang)
    assert question.question_text == KIOSK_QUESTIONS[0].en
    assert question.progress_text == f"Question 1 of {len(KIOSK_QUESTIONS)}"
    assert question.cards[0].caption == "Very satisfied" and question.skip.text.startswith("Skip")
    tap(question.cards[0])
    assert question.question_text == KIOSK_QUESTIONS[1].en


def test_profile_questions_show_their_choices_as_words(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    question = accept(app)
    first_profile = next(i for i, q in enumerate(KIOSK_QUESTIONS) if q.kind == "profile")
    for _ in range(first_profile):
        press_key("0")
    q = KIOSK_QUESTIONS[first_profile]
    assert question.question_text == q.vi
    # no keypad: no number on the cards (issue 19: the answer is its words; key digits only with a keypad)
    assert all(c.icon == "" and c.key_hint == "" for c in question.cards)
    assert [c.caption.replace("\u00a0", " ") for c in question.cards] == [c.vi for c in q.choices]
    tap(question.cards[1])
    assert answers_in_file(app)[-1] == (q.id, q.choices[1].code)


def test_free_text_questions_are_never_shown_at_the_kiosk():
    assert all(q.kind != "text" for q in KIOSK_QUESTIONS)
    assert any(q.kind == "text" for q in TRUNG_TAM.questions)


# --- one tap = one answer ------------------------------------------------------------------------

GUARDED = replace(SLOW, guard_s=0.6)


@pytest.mark.parametrize("gap", [0.1, 0.4])
def test_a_double_tap_on_a_choice_answers_one_question_only(kiosk_factory, gap):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    invited(app)
    question = accept(app)
    card = question.cards[0]
    x, y = card.to_window(*card.center)
    settled()
    wait_out_guard()
    with app.clock.held():  # the second tap comes exactly ``gap`` after the next question, however slow the frames
        _tap(card, guard=False)
        assert question.progress_text.startswith("Câu 2/")
        app.clock.advance(gap)
        second = UnitTestTouch(x, y)  # the same spot again, as the next question is drawn
        _guarded(second.touch_down)
        pump(1)
        _guarded(second.touch_up)
        pump(2)
    assert question.progress_text.startswith("Câu 2/")
    assert answers_in_file(app) == [(KIOSK_QUESTIONS[0].id, "RHL")]


def test_a_double_tap_on_accept_does_not_answer_question_one(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    invite = invited(app)
    x, y = invite.accept.to_window(*invite.accept.center)
    settled()
    wait_out_guard()
    with app.clock.held():  # the second tap at once on the app's clock, however slow the frames
        _tap(invite.accept, guard=False)
        second = UnitTestTouch(x, y)
        _guarded(second.touch_down)
        pump(1)
        _guarded(second.touch_up)
        pump(2)
    assert app.sm.current == "question" and answers_in_file(app) == []


def test_key_1_pressed_twice_accepts_and_does_not_answer_question_one(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=GUARDED)
    invited(app)
    # The app's clock stands still: the bounce lands inside the guard however slow a loaded machine's frames.
    with app.clock.held():
        press_key("1")  # waits out the guard, as a person would
        _guarded(lambda: Window.dispatch("on_key_down", ord("1"), 0, "1", []))  # at once again: a key bounce
        pump(2)
    assert app.sm.current == "question" and app.questionnaire.walk.position == 0 and answers_in_file(app) == []


# --- replace mode, a counter's own questionnaire -------------------------------------------------

def test_in_replace_mode_the_questionnaire_is_the_start_screen_and_no_single_rating_is_asked(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    start_questionnaire(app.store, TRUNG_TAM, mode="replace")
    app.go_home()
    pump(2)
    assert app.sm.current == "question"
    question = app.screens["question"]
    assert question.progress_text == f"Câu 1/{len(KIOSK_QUESTIONS)}"
    tap(question.cards[1])
    app.timings = replace(app.timings, answering_idle_s=1.0)   # short only after the tap (a loaded machine is slow)
    wait_until(lambda: app.screens["question"].progress_text.startswith("Câu 1/") and app.questionnaire.walk
               and not app.questionnaire.walk.started, what="walked away: back to question 1 for the next citizen")
    assert answers_in_file(app) == [(KIOSK_QUESTIONS[0].id, "HL")] and votes(app) == []
    stop_questionnaire(app.store)
    app.go_home()
    pump(2)
    assert app.sm.current == "rating"


def test_a_questionnaire_answered_only_on_phones_and_paper_changes_nothing_at_the_kiosk(kiosk_factory):
    from rating.questionnaire.loader import parse_questionnaire
    from tests.test_questionnaire_loader import MINIMAL
    phone_only = parse_questionnaire(MINIMAL.replace('version = 1\n', 'version = 1\nchannels = ["phone", "paper"]\n'))
    assert phone_only.for_channel("kiosk") == ()
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    start_questionnaire(app.store, phone_only, mode="replace")
    app.go_home()
    pump(2)
    assert app.sm.current == "rating"
    tap(app.screens["rating"].level_buttons[0])
    wait_until(lambda: app.sm.current == "rating", what="back to the rating screen, no invitation")
    assert votes(app) == [("Q1", "RHL")] and responses_in_file(app) == []


def test_a_counter_s_own_questionnaire_invites_only_its_citizens(kiosk_factory):
    app = kiosk_factory(timings=SLOW)  # three counters and a picker
    start_questionnaire(app.store, TRUNG_TAM, counter_id="Q2")
    tap(app.screens["pick"].buttons[0])
    tap(app.screens["rating"].level_buttons[0])
    wait_until(lambda: app.sm.current == "pick", what="Q1's citizen back at the picker, not invited")
    tap(app.screens["pick"].buttons[1])
    tap(app.screens["rating"].level_buttons[0])
    wait_until(lambda: app.sm.current == "invite", what="Q2's citizen invited")
    accept(app)
    press_key("1")
    assert responses_in_file(app) == [("kiosk", "Q2", 0)]


# --- every panel size: nothing outside the window, no words clipped; screenshots for the docs ---

SIZES = ((1920, 1080), (1080, 1920), (800, 480))


def _box(widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def _inside(widget, size) -> bool:
    x0, y0, x1, y1 = _box(widget)
    return -1 <= x0 and x1 <= size[0] + 1 and -1 <= y0 and y1 <= size[1] + 1


def _overlap(a, b) -> bool:
    ax0, ay0, ax1, ay1 = _box(a)
    bx0, by0, bx1, by1 = _box(b)
    return ax0 < bx1 - 1 and bx0 < ax1 - 1 and ay0 < by1 - 1 and by0 < ay1 - 1


def _drawn_whole(label) -> bool:
    """The label's text, laid out by Kivy at its font size in its width, is no taller than the label and
    no word is wider than it (measured by Kivy's own text renderer, not by the fitting code)."""
    from kivy.core.text import Label as CoreLabel
    from kiosk.ui.widgets import _strip_markup
    text = _strip_markup(label.text) if label.markup else label.text
    if not text:
        return True
    width = label.text_size[0] or label.width
    core = CoreLabel(text=text, font_size=label.font_size, font_name=label.font_name, bold=label.bold,
                     text_size=(width, None), halign="center", line_height=label.line_height)
    core.refresh()
    words = max(CoreLabel(text=w, font_size=label.font_size, font_name=label.font_name, bold=label.bold).get_extents(w)[0]
                for w in text.replace("\n", " ").split(" ") if w)
    return core.texture.size[1] <= label.height + 2 and words <= width + 2


def _lines(label) -> list[str]:
    """The lines Kivy's own text layout draws ``label``'s text in, at its font size and width."""
    from kivy.core.text import Label as CoreLabel
    core = CoreLabel(text=label.text, font_size=label.font_size, font_name=label.font_name, bold=label.bold,
                     text_size=(label.text_size[0] or label.width, None), halign="center",
                     line_height=label.line_height)
    core.refresh()
    return ["".join(w.text for w in line.words).strip() for line in core._cached_lines]


def _breaks_a_phrase(lines: list[str]) -> str | None:
    """The first line break inside a phrase that must read whole: a number and its unit ("44 / tuổi"),
    "trở / lên"; None when there is none."""
    for line, after in zip(lines, lines[1:]):
        last = line.split()[-1] if line.split() else ""
        if (last[-1:].isdigit() and after[:1].isalpha()) or (last.lower() == "trở" and after.lower().startswith("lên")):
            return f"{line} / {after}"
    return None


def _check_question(question, size, rating_words: float) -> None:
    """Everything on the question screen inside the window, whole and large enough for low vision:
    ``rating_words`` is the rating cards' font size at this panel size."""
    labels = [question.ids.progress, question.question, question.footer]
    for card in question.cards:
        assert _inside(card, size), (size, card.caption)
        labels.append(card.ids.words)
        assert _breaks_a_phrase(_lines(card.ids.words)) is None, (size, card.caption, _lines(card.ids.words))
        for other in (question.back, question.skip, question.footer):
            assert not _overlap(card, other), (size, card.caption, other)
    for b in (question.back, question.skip):
        assert _inside(b, size) and not _overlap(b, question.footer), size
    for label in labels + [question.back, question.skip]:
        assert _drawn_whole(label), (size, label.text, label.font_size, label.size)
    assert question.question.font_size >= 0.035 * min(size), (size, question.question.font_size)  # large, not shrunk
    # the answers' words and the way back and on: no smaller than 4 % of the screen's short side (19 px at
    # 800x480), and a satisfaction question's words as large as the same words on the rating screen
    for label in [card.ids.words for card in question.cards] + [question.back, question.skip]:
        assert label.font_size >= 0.04 * min(size), (size, label.text, round(label.font_size, 1))
    # (in landscape, where the words are bounded by the card's width; a portrait row is bounded by its height,
    # and the rating screen's rows are taller: no progress line, no Back and Skip)
    if all(isinstance(card, LevelButton) and not card.row for card in question.cards):
        words = question.cards[0].ids.words.font_size
        assert words >= 0.97 * rating_words, (size, round(words, 1), "on the rating screen", round(rating_words, 1))
    # "Câu 3/19" is read at a glance from a step back: well over half the question's size
    progress = question.ids.progress
    assert progress.font_size >= 0.05 * min(size) and progress.font_size >= 0.65 * question.question.font_size, (
        size, progress.font_size, question.question.font_size)


@pytest.mark.parametrize("with_keypad", [False, True])
def test_at_every_panel_size_the_invitation_and_each_kind_of_question_fit_the_window(kiosk_factory, with_keypad):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW, kiosk_extra="keypad = true\n" if with_keypad else "")
    rating_words = {}
    for size in SIZES:
        Window.size = size
        pump(8)
        rating_words[size] = app.screens["rating"].level_buttons[0].ids.words.font_size
    Window.size = (1280, 800)
    pump(4)
    invite = invited(app)
    try:
        for size in SIZES:
            Window.size = size
            pump(8)
            for card in (invite.accept, invite.decline):
                assert _inside(card, size) and not _overlap(card, invite.ids.footer), size
                assert _drawn_whole(card.ids.words), (size, card.caption)
            assert not _overlap(invite.accept, invite.decline)
            for label in (invite.title, invite.ids.subtitle, invite.ids.body):
                assert _drawn_whole(label), (size, label.text)
        Window.size = (1280, 800)
        pump(4)
        question = accept(app)
        longest = max(range(len(KIOSK_QUESTIONS)), key=lambda i: len(KIOSK_QUESTIONS[i].vi))
        profile = next(i for i, q in enumerate(KIOSK_QUESTIONS) if q.kind == "profile")
        for target in sorted({0, longest, profile}):
            while app.questionnaire.walk.position < target:
                press_key("0")
            for size in SIZES:
                Window.size = size
                pump(8)
                _check_question(question, size, rating_words[size])
    finally:
        Window.size = (1280, 800)
        pump(3)


def test_screenshots_of_the_invitation_and_a_question_landscape_and_portrait_for_the_docs(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW, kiosk_extra="keypad = true\n")
    invited(app)
    shots = {"kiosk-invitation": screenshot("kiosk-invitation", ((1280, 800),))[0]}
    question = accept(app)
    for _ in range(2):
        tap(question.cards[1])
    shots["kiosk-question-landscape"] = screenshot("kiosk-question", ((1280, 800),))[0]
    shots["kiosk-question-portrait"] = screenshot("kiosk-question", ((1080, 1920),))[0]
    profile = next(i for i, q in enumerate(KIOSK_QUESTIONS) if q.kind == "profile")
    while app.questionnaire.walk.position < profile:
        press_key("0")
    shots["kiosk-question-profile"] = screenshot("kiosk-question-profile", ((1920, 1080),))[0]
    for name, path in shots.items():
        assert path.stat().st_size > 10_000
        to_docs(path, name)


# --- the manager's questionnaire tab --------------------------------------------------------------

def open_questionnaire_tab(app):
    app.timings = replace(app.timings, manager_idle_s=600)
    app.open_manager()
    pump(6)
    manager = app.screens["manager"]
    tap(manager.tab_buttons["questionnaire"])
    pump(3)
    return manager.questionnaire


def on_rows(app):
    return app.store.query("SELECT counter_id, questionnaire_id, mode, until FROM q_active ORDER BY counter_id")


def test_the_manager_starts_a_questionnaire_for_one_counter_in_replace_mode_until_a_day_and_stops_it(kiosk_factory):
    app = kiosk_factory(timings=SLOW)  # three counters
    panel = open_questionnaire_tab(app)
    ids = panel.ids
    while panel.chosen().id != "trung-tam":
        tap(ids.which_next)
    tap(ids.where_next)
    tap(ids.where_next)  # the whole kiosk → Q1 → Q2
    assert panel.where_text == app.cfg.counter("Q2").name
    tap(ids.mode_replace)
    tap(ids.until_next)  # from "no end": a week from today
    until = app.store.today() + __import__("datetime").timedelta(days=7)
    assert panel.until_text == until.strftime("%d/%m/%Y")
    tap(ids.start)
    assert on_rows(app) == [("Q2", "trung-tam", "replace", until.isoformat())]
    assert "trung-tam" in panel.now_text and "Thay cho đánh giá".lower() in panel.now_text
    tap(ids.stop)
    assert on_rows(app) == [] and panel.now_text == "Chưa bật phiếu khảo sát nào."


def test_stopping_one_counter_while_the_whole_kiosk_asks_is_refused_with_a_message(kiosk_factory):
    app = kiosk_factory(timings=SLOW)
    panel = open_questionnaire_tab(app)
    tap(panel.ids.start)  # the whole kiosk, invite mode, no end
    assert [r[0] for r in on_rows(app)] == ["*"] and on_rows(app)[0][2] == "invite"
    tap(panel.ids.where_next)
    tap(panel.ids.stop)
    assert panel.message_bad and "Không tắt được" in panel.message
    assert [r[0] for r in on_rows(app)] == ["*"]


def test_the_manager_sees_this_kiosk_s_own_results_with_the_small_sample_flag(kiosk_factory):
    from rating.questionnaire.analysis import analyse
    from rating import period
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW)
    invited(app)
    question = accept(app)
    for pick in (0, 1, 3):
        tap(question.cards[pick])
    app.go_home()
    panel = open_questionnaire_tab(app)
    while panel.chosen().id != "trung-tam":
        tap(panel.ids.which_next)
    expected = analyse(app.store, TRUNG_TAM, *period.this_quarter(app.store.today()), compare=False)[0]
    assert expected["responses"] == 1
    index = f"{expected['index']:.1f}".replace(".", ",") + " %"
    assert panel.results_text.splitlines()[0] == f"Chỉ số chung: {index} · 1 phiếu trả lời  ·  mẫu nhỏ (dưới 30)"
    rows = panel.ids.table.texts()
    access = next(e for e in expected["elements"] if e["id"] == "access")
    assert rows[0] == [TRUNG_TAM.element("access").vi, f"{access['index']:.1f}".replace(".", ",") + " %",
                       f"{access['answered']} (mẫu nhỏ)"]


def test_the_questionnaire_tab_fits_every_panel_and_is_photographed(kiosk_factory):
    from tests.ui.test_manager import TEN
    app = kiosk_factory(counters=TEN, timings=SLOW)
    panel = open_questionnaire_tab(app)
    tap(panel.ids.where_next)
    tap(panel.ids.start)
    ids = panel.ids
    buttons = [ids.which_prev, ids.which_next, ids.where_prev, ids.where_next, ids.mode_invite, ids.mode_replace,
               ids.until_prev, ids.until_next, ids.no_end, ids.start, ids.stop]
    try:
        for size in SIZES + ((1024, 600), (1280, 800)):
            Window.size = size
            pump(8)
            for b in buttons:
                assert _inside(b, size) and b.texture_size[1] <= b.height + 1, (size, b.text)
                assert b.height >= 0.06 * min(size) or b.height >= 40, (size, b.text, b.height)  # a finger's target
            for label in (ids.which, ids.where, ids.until, ids.results_title, ids.results, ids.on_now, ids.message):
                assert _inside(label, size) and _drawn_whole(label), (size, label.text)
            assert _inside(ids.table, size)
            shot = screenshot("manager-questionnaire", (size,))[0]
            if size == (1280, 800):
                to_docs(shot, "kiosk-questionnaire-manager")
    finally:
        Window.size = (1280, 800)
        pump(3)

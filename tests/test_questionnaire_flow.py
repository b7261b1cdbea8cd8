"""A citizen's walk through a questionnaire: one question at a time, keypad digits, skip, back, walking away."""

from __future__ import annotations

import pytest

from kiosk.questionnaire.answers import AnswerStore, verify_answers
from kiosk.questionnaire.flow import Walk, invitation_key
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue


@pytest.fixture
def centre():
    return load_catalogue([SHIPPED_DIR]).get("trung-tam")


def test_the_kiosk_walk_shows_every_question_but_the_free_text_one_with_progress(store, centre):
    walk = Walk(AnswerStore(store), centre, "kiosk", "Q1")
    assert walk.total == len(centre.questions) - 1 and "gop-y" not in [q.id for q in walk.questions]
    assert walk.progress() == f"Câu 1/{walk.total}" and walk.progress("en") == f"Question 1 of {walk.total}"
    walk.key(1)
    assert walk.progress() == f"Câu 2/{walk.total}" and walk.current.id == "access-signs"


def test_keypad_digits_answer_the_nth_choice_and_zero_skips(store, centre):
    walk = Walk(AnswerStore(store), centre, "kiosk", "Q1")
    walk.key(1)
    walk.key(5)
    walk.key(0)
    assert walk.key(9) is None and walk.current.id == "access-equipment"  # no 9th choice: nothing happens
    assert store.query("SELECT question_id, choice FROM q_answers ORDER BY seq") == [
        ("access-info", "RHL"), ("access-signs", "RKHL"), ("access-clean", None)]


def test_going_back_and_answering_again_replaces_the_answer(store, centre):
    walk = Walk(AnswerStore(store), centre, "kiosk", "Q1")
    walk.choose("KHL")
    assert walk.back().id == "access-info"
    walk.choose("HL")
    assert walk.current.id == "access-signs"
    assert AnswerStore(store).answers(walk.response_id) == {"access-info": "HL"}
    assert verify_answers(store) is None


def test_walking_away_keeps_what_was_answered_and_a_declined_invitation_leaves_nothing(store, centre):
    Walk(AnswerStore(store), centre, "kiosk", "Q1")  # invited, then declined: no answer given
    assert store.query("SELECT count(*) FROM q_responses") == [(0,)]
    walk = Walk(AnswerStore(store), centre, "kiosk", "Q1")
    walk.key(2)
    walk.key(2)
    del walk  # the citizen walked away
    assert store.query("SELECT count(*), max(finished_at) FROM q_responses") == [(1, None)]
    assert store.query("SELECT count(*) FROM q_answers") == [(2,)]


def test_the_last_answer_finishes_the_response(store, centre):
    walk = Walk(AnswerStore(store), centre, "phone")
    while not walk.done:
        walk.choose("Ghế chờ hơi ít." if walk.current.kind == "text" else walk.current.codes[0])
    assert walk.current is None and walk.back() is None
    assert store.query("SELECT finished_at IS NOT NULL, channel FROM q_responses") == [(1, "phone")]
    with pytest.raises(ValueError, match="already finished"):
        walk.choose("HL")


def test_on_the_invitation_one_accepts_and_zero_declines():
    assert (invitation_key(1), invitation_key(0), invitation_key(5)) == (True, False, None)

"""The kiosk questionnaire's screen rules without a window (kiosk.flow, kiosk.questionnaire.flow): which
screen follows, the keypad contract on the invitation and on a question, idle, and the cache of what is on."""

from __future__ import annotations

from datetime import timedelta

from kiosk.config import load_config
from kiosk.flow import IdleLimits, after_thanks, key_action, rating_screen, should_go_home
from kiosk.questionnaire.answers import start_questionnaire, stop_questionnaire
from kiosk.questionnaire.flow import OnNow, Walk
from kiosk.questionnaire.answers import AnswerStore
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
from kiosk.store import VoteStore
from tests.conftest import write_config

TRUNG_TAM = load_catalogue(questionnaire_dirs()).get("trung-tam")
LIMITS = IdleLimits(reasons_idle_s=15, idle_s=30, manager_idle_s=120, invite_idle_s=10)


def home_after(screen, idle, home="rating", mid=False, lang="vi"):
    return should_go_home(screen, idle, LIMITS, home=home, lang=lang, default_lang="vi", is_open=True,
                          mid_questionnaire=mid)


def test_on_the_invitation_key_1_accepts_and_key_0_declines_and_other_digits_do_nothing():
    assert key_action("invite", 1, 5, 3).kind == "accept"
    assert key_action("invite", 0, 5, 3).kind == "decline"
    assert all(key_action("invite", d, 5, 3) is None for d in range(2, 10))


def test_on_a_question_digit_n_answers_the_n_th_choice_and_0_skips():
    assert key_action("question", 3, 5, 3, choices=5).index == 3
    assert key_action("question", 0, 5, 3, choices=2).index == 0
    assert key_action("question", 3, 5, 3, choices=2) is None  # a two-choice question has no key 3
    assert key_action("rating", 0, 5, 3) is None  # 0 never rates


def test_the_invitation_follows_a_rating_only_in_invite_mode():
    assert after_thanks("invite") == "invite"
    assert after_thanks("replace") is None and after_thanks(None) is None


def test_replace_mode_puts_the_questionnaire_where_the_rating_was():
    assert rating_screen("replace") == "question"
    assert rating_screen("invite") == "rating" and rating_screen(None) == "rating"


def test_an_unanswered_invitation_goes_home_after_its_own_limit():
    assert not home_after("invite", 9)
    assert home_after("invite", 10)


def test_a_question_left_half_way_goes_home_after_idle_even_when_it_is_the_start_screen():
    assert home_after("question", 30) and not home_after("question", 29)
    assert not home_after("question", 300, home="question")  # replace mode, nobody started: stays
    assert home_after("question", 30, home="question", mid=True)  # someone walked away: the next starts afresh
    assert not home_after("question", 29, home="question", mid=True)


def test_what_is_on_is_seen_at_once_after_a_start_or_stop_and_the_definition_is_read_once(tmp_path):
    config = load_config(write_config(tmp_path, counters=(("Q1", "Quầy 1"), ("Q2", "Quầy 2"))))
    with VoteStore.from_config(config) as store:
        on = OnNow(store)
        assert on.mode("Q1") is None
        start_questionnaire(store, TRUNG_TAM, counter_id="Q2", mode="replace")
        assert on.mode("Q1") is None and on.mode("Q2") == "replace"
        first = on.get("Q2")
        assert on.get("Q2") is first  # nothing changed: not parsed again
        start_questionnaire(store, TRUNG_TAM, mode="invite")
        assert on.mode("Q1") == "invite" and on.mode("Q2") == "replace"
        stop_questionnaire(store)
        assert on.mode("Q2") is None


def test_a_questionnaire_past_its_last_day_is_off(tmp_path):
    config = load_config(write_config(tmp_path))
    with VoteStore.from_config(config) as store:
        today = store.today()
        start_questionnaire(store, TRUNG_TAM, until=today)
        on = OnNow(store)
        assert on.get(None, today) is not None
        assert on.get(None, today + timedelta(days=1)) is None


def test_going_back_shows_the_earlier_answer(tmp_path):
    config = load_config(write_config(tmp_path))
    with VoteStore.from_config(config) as store:
        walk = Walk(AnswerStore(store), TRUNG_TAM)
        assert not walk.started and not walk.can_go_back
        walk.key(2)
        assert walk.started and walk.can_go_back and walk.previous_answer() is None
        walk.back()
        assert walk.previous_answer() == "HL"


def test_questionnaire_start_mode_replace_is_what_the_kiosk_then_shows_and_invite_is_the_default(config_path):
    from tests.conftest import run_cli
    done = run_cli("questionnaire", "start", "trung-tam", "--counter", "Q1", "--mode", "replace", config=config_path)
    assert done.returncode == 0, done.stderr
    done = run_cli("questionnaire", "start", "trung-tam", "--counter", "Q2", config=config_path)
    assert done.returncode == 0, done.stderr
    with VoteStore.from_config(load_config(config_path)) as store:
        on = OnNow(store)
        assert (on.mode("Q1"), on.mode("Q2")) == ("replace", "invite")


def test_an_unknown_mode_is_refused_and_nothing_is_turned_on(config_path):
    from tests.conftest import run_cli
    done = run_cli("questionnaire", "start", "trung-tam", "--mode", "instead", config=config_path)
    assert done.returncode != 0 and "--mode" in done.stderr and "Traceback" not in done.stderr
    with VoteStore.from_config(load_config(config_path)) as store:
        assert OnNow(store).mode("Q1") is None

"""The one way every catalogue of words is looked up (the kiosk's screens, the service's pages)."""

from __future__ import annotations

import pytest

from rating.bilingual import Texts

WORDS = Texts({"thanks": ("Cảm ơn Ông/Bà!", "Thank you!"), "n_votes": ("{n} phiếu", "{n} votes")})


def test_a_text_is_vietnamese_unless_english_is_asked_for():
    assert WORDS.text("thanks") == WORDS.text("thanks", "vi") == WORDS.text("thanks", "fr") == "Cảm ơn Ông/Bà!"
    assert WORDS.text("thanks", "en") == "Thank you!"


def test_values_fill_the_placeholders_and_a_text_looked_up_without_values_keeps_its_braces():
    assert WORDS.text("n_votes", "vi", n="1.234") == "1.234 phiếu"
    assert WORDS.text("n_votes", "en") == "{n} votes"


def test_a_whole_catalogue_reads_in_one_language_for_a_template():
    assert WORDS.in_language("en") == {"thanks": "Thank you!", "n_votes": "{n} votes"}


def test_two_catalogues_join_but_a_text_defined_twice_differently_is_refused():
    joined = WORDS.joined({"ok": ("Đồng ý", "OK"), "thanks": ("Cảm ơn Ông/Bà!", "Thank you!")})
    assert set(joined) == {"thanks", "n_votes", "ok"} and joined["ok"] == ("Đồng ý", "OK")
    with pytest.raises(ValueError, match="thanks"):
        WORDS.joined({"thanks": ("Cảm ơn!", "Thanks!")})


def test_the_manager_screens_words_join_the_kiosks_one_catalogue():
    from kiosk.ui.manager_strings import MANAGER
    from kiosk.ui.strings import CATALOGUE, t
    assert set(MANAGER) <= set(CATALOGUE) and t("m_day", "en", day="22/11/2026") == "Day 22/11/2026"

"""Every character the touch screen draws exists in the font that draws it (no empty boxes).

The catalogue (every language), the level labels, the reasons and counter words are drawn with the
shipped Noto Sans (regular and bold); the symbols (●, ⚠, ⬅, the reasons' icons…) with Noto Sans
Symbols 2. Read from the fonts' own character maps with fontTools; no Kivy.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from rating.hours import parse_hours
from rating.scales import SCALES
from rating.sipas import ELEMENTS
from kiosk.ui.fonts import BOLD, REGULAR, SYMBOL_CHARS, SYMBOLS_FILE
from kiosk.ui.strings import CATALOGUE, LANGUAGES, hours_lines, level_label, reason_label


def cmap(path) -> set[int]:
    return set(TTFont(path).getBestCmap())


KV_FOLDER = Path(__file__).resolve().parent.parent / "kiosk" / "ui" / "kv"
KV_TEXT = re.compile(r"""^\s*text:\s*(['"])(.*)\1\s*$""")


def kv_literals() -> list[str]:
    """The literal texts the .kv layouts draw (``text: '…'``), which the catalogue does not hold."""
    return [m.group(2) for kv in sorted(KV_FOLDER.glob("*.kv"))
            for line in kv.read_text(encoding="utf-8").splitlines() if (m := KV_TEXT.match(line))]


def texts() -> list[str]:
    out = [text for pair in CATALOGUE.values() for text in pair] + kv_literals()
    for lang in LANGUAGES:
        out += [level_label(level, lang) for scale in SCALES.values() for level in scale.levels]
        out += [reason_label(code, lang) for code in ELEMENTS]
        out += hours_lines(parse_hours(["Mon-Fri 07:30-11:30 13:30-17:00", "Sat-Sun 08:00-11:00"]), lang)
    return out


@pytest.mark.parametrize("font", [REGULAR, BOLD], ids=["regular", "bold"])
def test_every_character_of_the_catalogue_is_in_noto_sans(font):
    have = cmap(font)
    missing = sorted({c for text in texts() for c in text if ord(c) not in have and c not in "\n"})
    assert not missing, [f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing]


def test_every_symbol_the_screens_draw_is_in_the_symbols_font():
    have = cmap(SYMBOLS_FILE)
    missing = {name: c for name, c in SYMBOL_CHARS.items() if ord(c) not in have}
    assert not missing


def test_the_layouts_literal_texts_are_read_by_the_glyph_check():
    assert "+30" in kv_literals()


def test_the_catalogue_is_nfc():
    assert all(unicodedata.is_normalized("NFC", text) for text in texts())

"""The fonts the touch screen draws with, shipped in assets/fonts/ (so no glyph depends on the OS).

Noto Sans (regular, bold) is the default for every label: it covers Vietnamese. Symbols it lacks
(●, ⚠, the arrows, the reasons' icons) are drawn with Noto Sans Symbols 2, named ``SYMBOLS``;
:data:`SYMBOL_CHARS` lists each one the UI draws, and a test checks both fonts' tables.
The constants are Kivy-free; :func:`register_fonts` imports Kivy.
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
BOLD = FONT_DIR / "NotoSans-Bold.ttf"
SYMBOLS_FILE = FONT_DIR / "NotoSansSymbols2-Regular.ttf"
SYMBOLS = "KioskSymbols"  # the name labels use: font_name: "KioskSymbols", or [font=KioskSymbols] in markup

# Every symbol the screens draw, by what it is for: each must be in SYMBOLS_FILE.
SYMBOL_CHARS = {
    "back": "⬅",        # "⬅ Chọn quầy khác"
    "pin_dot": "●",     # the PIN pad's entered digits
    "warning": "⚠",     # status warnings
    "backspace": "⌫",   # the manager's code pad
    "reason_access": "♿",
    "reason_procedure": "✎",
    "reason_officer": "✋",
    "reason_result": "⏱",
    "reason_feedback": "✉",
    "accept": "✔",      # the questionnaire's invitation: yes
    "decline": "✖",     # and no
    "skip": "➡",        # "Bỏ qua ➡" on a question
    "finish": "⏹",      # "⏹ Kết thúc" on a question: the questionnaire ends here
    "more_time": "⏳",   # "⏳ Thêm thời gian": a timeout's warning
    "contrast": "◐",    # "◐ Chữ to": the high-contrast, large-text mode
}


def symbol(name: str) -> str:
    """A symbol as Kivy markup in the symbols font (for labels with ``markup: True``)."""
    return f"[font={SYMBOLS}]{SYMBOL_CHARS[name]}[/font]"


def register_fonts() -> None:
    """Make Noto Sans Kivy's default font ("Roboto" is the name every label uses) and register the symbols."""
    from kivy.core.text import LabelBase
    LabelBase.register("Roboto", str(REGULAR), fn_bold=str(BOLD))
    LabelBase.register(SYMBOLS, str(SYMBOLS_FILE))

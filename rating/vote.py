"""The values a vote's fields may take, shared by the kiosk's store and the wire contract."""

from __future__ import annotations

import re
import unicodedata

REPEAT = "repeat"  # the misuse flag: another vote at the same counter within the repeat window
SOURCE_RE = re.compile(r"^(touch|keypad|demo|serial:[1-9][0-9]?)\Z")
DEMO_SOURCE = "demo"  # a vote taken in demo mode (embedded demo centre, simulated box, demo-data)
OFFICER_MAX = 32   # an officer code: 1-32 visible characters (the manager's code pad types A-Z, 0-9, -)


def officer_problem(code: str) -> str | None:
    """What is wrong with an officer code, or None: 1-32 characters, no space at either end, none of
    them a control, format (zero-width) or unpaired surrogate character."""
    if not 1 <= len(code) <= OFFICER_MAX:
        return f"must be 1-{OFFICER_MAX} characters"
    if code != code.strip():
        return "must not start or end with a space"
    for ch in code:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            named = " (NUL)" if ch == "\x00" else ""
            return f"must hold only visible characters and spaces, not U+{ord(ch):04X}{named}"
    return None

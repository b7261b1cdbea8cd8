"""The values a vote's fields may take, shared by the kiosk's store and the wire contract."""

from __future__ import annotations

import re

REPEAT = "repeat"  # the misuse flag: another vote at the same counter within the repeat window
SOURCE_RE = re.compile(r"^(touch|keypad|demo|serial:[1-9][0-9]?)$")
DEMO_SOURCE = "demo"  # a vote taken in demo mode (embedded demo centre, simulated box, demo-data)

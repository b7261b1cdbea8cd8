"""The values a vote's fields may take, shared by the kiosk's store and the wire contract."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

REPEAT = "repeat"  # the misuse flag: another vote at the same counter within the repeat window
# The one-rating-per-transaction flag (issue 18): a vote whose ticket or dossier number (as its keyed hash,
# ``ticket_hash``) an earlier vote of the same kiosk already carries. Kept, never counted (rating.rate: every
# flagged vote is left out), shown beside the counts. Decided when the vote is stored, so it is hashed.
SAME_TICKET = "same_ticket"
FLAGS = (REPEAT, SAME_TICKET)   # the values a vote's ``flag`` may take besides null
# A vote's optional ``ticket_hash``: lower-case hex HMAC-SHA-256 of its ticket number under a key that never
# leaves the kiosk (kiosk.ticket). The number itself is never stored or sent.
TICKET_HASH_RE = re.compile(r"^[0-9a-f]{64}\Z")
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


# A vote's own time against when it reached the service: a kiosk's clock that cannot be right. A
# Raspberry Pi has no real-time clock: after a power cut it can think it is 1970 until it reaches a
# time server, or be set years ahead by hand.
CLOCK_AHEAD_TOLERANCE_S = 600          # a vote cannot be later than its arrival (beyond clocks' drift)
EARLIEST_VOTE_MS = int(datetime(2020, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)   # before any kiosk
CLOCK_AHEAD, CLOCK_BEHIND = "clock_ahead", "clock_behind"
# Why a kiosk could not trust its own clock when it took a vote (kiosk.clock): the vote's optional
# ``clock_suspect`` on the wire, stored by both ends, and counted in a note by every report.
NOT_SYNCHRONIZED = "not_synchronized"      # no time source had answered since boot
BEHIND_NEWEST_VOTE = "behind_newest_vote"  # earlier than the newest vote already stored: set back
FAR_FROM_SERVICE = "far_from_service"      # far from the central service's Date at the last sync
CLOCK_SUSPECT_REASONS = (NOT_SYNCHRONIZED, BEHIND_NEWEST_VOTE, FAR_FROM_SERVICE, CLOCK_BEHIND)


def clock_problem(ts_ms: int, received_ms: int) -> str | None:
    """Why a vote timed ``ts_ms`` (UTC epoch ms) cannot have been taken then, having arrived at
    ``received_ms``: :data:`CLOCK_AHEAD` (later than its arrival), :data:`CLOCK_BEHIND` (before 2020), or None."""
    if ts_ms > received_ms + CLOCK_AHEAD_TOLERANCE_S * 1000:
        return CLOCK_AHEAD
    if ts_ms < EARLIEST_VOTE_MS:
        return CLOCK_BEHIND
    return None

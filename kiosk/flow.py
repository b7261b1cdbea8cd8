"""The citizen flow's rules, without a window: which screen follows which, the touch guard, idle, language.

The touch screen (:mod:`kiosk.ui.app`) asks this module what to do and only draws the answer, so
the rules are tested here with plain numbers (``tests/test_flow.py``) and no Kivy.

Screens: ``pick`` (which counter served you), ``rating``, ``reasons`` (after a low rating),
``thanks``, ``closed`` (outside opening hours), and while a questionnaire is on ``invite`` (after the
thank-you: answer a few questions?) and ``question`` (one question a screen). Keypad contract: on
the rating screen digit N is the N-th level, 1 the best; on the counter picker digit N chooses the
N-th counter and never votes; on the invitation ``1`` accepts and ``0`` declines; on a question digit
N is the N-th choice (1 the best) and ``0`` skips.
"""

from __future__ import annotations

from dataclasses import dataclass

CITIZEN_SCREENS = frozenset({"pick", "rating", "reasons", "thanks", "closed", "invite", "question"})
LOW_LEVELS = frozenset({"BT", "KHL", "RKHL"})  # these ask, optionally, what was wrong
GUARD_S = 0.6  # a touch that began sooner than this after a screen appeared is not an answer


def home_screen(is_open: bool, counters: int, fixed_counter: bool) -> str:
    """The start screen: closed outside hours, else the picker when the kiosk serves several counters."""
    if not is_open:
        return "closed"
    return "pick" if (counters > 1 and not fixed_counter) else "rating"


def rating_screen(questionnaire_mode: str | None) -> str:
    """Where a citizen rates: the rating screen, or the questionnaire's first question when the manager
    chose that the questionnaire replaces the single rating (mode ``replace``)."""
    return "question" if questionnaire_mode == "replace" else "rating"


def after_thanks(questionnaire_mode: str | None) -> str | None:
    """After the thank-you for a rating: the invitation while a questionnaire is on in ``invite`` mode,
    else None (the start screen). The vote is already stored: declining loses nothing."""
    return "invite" if questionnaire_mode == "invite" else None


def after_rating(level_code: str) -> str:
    """The screen after a recorded rating: the optional reasons after a low one, else the thank-you."""
    return "reasons" if level_code in LOW_LEVELS else "thanks"


def touch_is_answer(began_at: float, shown_at: float, guard_s: float = GUARD_S) -> bool:
    """True when a touch that began at ``began_at`` may answer a screen shown at ``shown_at``.

    A touch that began before the screen was shown belongs to the screen before (the finger that
    tapped it); one that began within ``guard_s`` after is the second half of a double tap.
    """
    return began_at >= shown_at + guard_s


@dataclass(frozen=True)
class KeyAction:
    """What a keypad digit does: ``kind`` is ``rate`` (``index`` into the scale's levels), ``pick``
    (``index`` into the counters), ``accept`` or ``decline`` (the invitation), or ``answer`` (``index``:
    the digit, N the N-th choice, 0 a skip)."""
    kind: str
    index: int


def key_action(screen: str, digit: int, levels: int, counters: int, choices: int = 0) -> KeyAction | None:
    """The keypad contract: on the rating screen digit N rates the N-th level (1 = best); on the picker
    digit N chooses the N-th counter (no vote); on the invitation 1 accepts and 0 declines; on a question
    (``choices`` of them) digit N answers the N-th choice (1 = best) and 0 skips; elsewhere, or out of
    range, nothing."""
    if screen == "rating" and 1 <= digit <= levels:
        return KeyAction("rate", digit - 1)
    if screen == "pick" and 1 <= digit <= counters:
        return KeyAction("pick", digit - 1)
    if screen == "invite" and digit in (0, 1):
        return KeyAction("accept" if digit == 1 else "decline", digit)
    if screen == "question" and 0 <= digit <= choices:
        return KeyAction("answer", digit)
    return None


@dataclass(frozen=True)
class IdleLimits:
    """Seconds without a touch after which a screen gives up (the app's Timings carry the same names)."""
    reasons_idle_s: float = 15.0
    idle_s: float = 30.0
    manager_idle_s: float = 120.0
    invite_idle_s: float = 15.0


def should_go_home(screen: str, idle: float, limits: IdleLimits, *, home: str, lang: str, default_lang: str,
                   is_open: bool, mid_questionnaire: bool = False) -> bool:
    """At a clock tick: should the kiosk return to its start screen (and the configured language)?

    The thank-you ends on its own timer. A citizen who walks away leaves the reasons after
    ``reasons_idle_s`` (the rating stays), an unanswered invitation after ``invite_idle_s``, any other
    citizen screen after ``idle_s`` — also the start screen itself when it was left in another language.
    A questionnaire answered part way (``mid_questionnaire``) is left after ``idle_s`` even when its
    first question is the start screen (mode ``replace``): the answers given stay, the next citizen
    starts at question 1. Manager screens give up after their own limit. Opening and closing hours
    move the start screen.
    """
    if screen == "thanks":
        return False
    if screen not in CITIZEN_SCREENS:
        return idle >= (limits.manager_idle_s if screen == "manager" else limits.idle_s)
    if screen == "reasons":
        return idle >= limits.reasons_idle_s
    if screen == "invite":
        return idle >= limits.invite_idle_s
    if screen != home or mid_questionnaire:
        # closed → open, open → closed, or a screen left half-way
        return (screen == "closed") == is_open or idle >= limits.idle_s
    return lang != default_lang and idle >= limits.idle_s


class CitizenFlow:
    """The flow's state: the screen shown, when it appeared, the language. Times are monotonic seconds."""

    def __init__(self, default_lang: str = "vi", guard_s: float = GUARD_S):
        self.default_lang = default_lang
        self.lang = default_lang
        self.guard_s = guard_s
        self.screen = ""
        self.shown_at = float("-inf")

    def show(self, screen: str, now: float) -> bool:
        """``screen`` is now shown; True when it changed (the guard starts again only then)."""
        if screen == self.screen:
            return False
        self.screen, self.shown_at = screen, now
        return True

    def answered(self, now: float) -> None:
        """An answer that keeps the screen (a reason ticked): the guard starts again, so the second half
        of a double tap does not undo it."""
        self.shown_at = now

    def accepts(self, began_at: float) -> bool:
        """May a touch (or key) that began at ``began_at`` answer the screen now shown?"""
        return touch_is_answer(began_at, self.shown_at, self.guard_s)

    def toggle_language(self) -> str:
        """Vietnamese ⇄ English for this citizen only."""
        self.lang = "en" if self.lang == "vi" else "vi"
        return self.lang

    def reset(self) -> None:
        """The next citizen: the configured language again."""
        self.lang = self.default_lang

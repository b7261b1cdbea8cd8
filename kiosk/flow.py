"""The citizen flow's rules, without a window: which screen follows which, the touch guard, idle, language.

The touch screen (:mod:`kiosk.ui.app`) asks this module what to do and only draws the answer, so
the rules are tested here with plain numbers (``tests/test_flow.py``) and no Kivy.

Screens: ``pick`` (which counter served you), ``ticket`` (the transaction's number, when asked), ``rating``, ``reasons`` (after a low rating),
``thanks``, ``closed`` (outside opening hours), and while a questionnaire is on ``invite`` (after the
thank-you: answer a few questions?) and ``question`` (one question a screen). Keypad contract: on
the rating screen digit N is the N-th level, 1 the best; on the counter picker digit N chooses the
N-th counter and never votes; on the invitation ``1`` accepts and ``0`` declines; on a question digit
N is the N-th choice (1 the best) and ``0`` skips; on the number screen (``ticket``) keys type the ticket or
dossier number, as a USB scanner does, and Enter gives it.
"""

from __future__ import annotations

from dataclasses import dataclass

CITIZEN_SCREENS = frozenset({"pick", "rating", "reasons", "thanks", "closed", "invite", "question", "ticket"})
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


def ticket_or_rating(ticket_mode: str) -> str:
    """Where a citizen goes to rate: first the number screen (the transaction's ticket or dossier number) when
    the centre asks for it (``[kiosk] ticket`` is ``ask`` or ``require``), else straight to the rating."""
    return "rating" if ticket_mode == "off" else "ticket"


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


WARN_S = 20.0  # every timeout a citizen meets is announced at least this long before (WCAG 2.2.1)


@dataclass(frozen=True)
class IdleLimits:
    """Seconds without a touch after which a screen gives up (the app's Timings carry the same names).

    A citizen is warned ``warn_s`` before each limit and may ask for more time (the thank-you apart, which
    ends on its own timer); so every citizen limit is ``warn_s`` plus some quiet time first. Once a
    questionnaire is being answered, the walk-away limit (``answering_idle_s``) is shorter than the others:
    a response left open is where the next citizen's taps would land."""
    reasons_idle_s: float = 35.0
    idle_s: float = 45.0
    manager_idle_s: float = 120.0
    invite_idle_s: float = 35.0
    answering_idle_s: float = 30.0
    warn_s: float = WARN_S


def idle_limit(screen: str, limits: IdleLimits, *, home: str, changed: bool = False,
               mid_questionnaire: bool = False) -> float | None:
    """Seconds of no touch after which ``screen`` returns to the start, or None when it never does.

    The thank-you ends on its own timer (None). The reasons and the invitation have their own limits; a
    questionnaire answered part way (``mid_questionnaire``) the shorter walk-away limit, even when its first
    question is the start screen (mode ``replace``); any other screen left half-way ``idle_s``; the start
    screen itself only when this citizen ``changed`` it (the language, the large-text mode)."""
    if screen == "thanks":
        return None
    if screen not in CITIZEN_SCREENS:
        return limits.manager_idle_s if screen == "manager" else limits.idle_s
    if screen == "reasons":
        return limits.reasons_idle_s
    if screen == "invite":
        return limits.invite_idle_s
    if mid_questionnaire and screen == "question":
        return limits.answering_idle_s
    if screen != home or mid_questionnaire:
        return limits.idle_s
    return limits.idle_s if changed else None


def warning_due(idle: float, limit: float | None, warn_s: float = WARN_S) -> bool:
    """True when a citizen should be told the screen is about to give up (``warn_s`` before ``limit``)."""
    return limit is not None and idle >= limit - warn_s


def should_go_home(screen: str, idle: float, limits: IdleLimits, *, home: str, lang: str, default_lang: str,
                   is_open: bool, mid_questionnaire: bool = False, changed: bool = False) -> bool:
    """At a clock tick: should the kiosk return to its start screen (and the configured language)?

    A screen gives up after :func:`idle_limit` (the start screen too when it was left in another language,
    or ``changed`` otherwise: the large-text mode). Opening and closing hours move the start screen at once.
    Manager screens give up after their own limit.
    """
    changed = changed or lang != default_lang
    limit = idle_limit(screen, limits, home=home, changed=changed, mid_questionnaire=mid_questionnaire)
    if screen in CITIZEN_SCREENS and screen not in ("thanks", "reasons", "invite") \
            and (screen != home or mid_questionnaire) and (screen == "closed") == is_open:
        return True  # closed → open, open → closed
    return limit is not None and idle >= limit


class CitizenFlow:
    """The flow's state: the screen shown, when it appeared, the language. Times are monotonic seconds."""

    def __init__(self, default_lang: str = "vi", guard_s: float = GUARD_S):
        self.default_lang = default_lang
        self.lang = default_lang
        self.guard_s = guard_s
        self.screen = ""
        self.shown_at = float("-inf")
        self.large_text = False  # high contrast and large print, for this citizen only

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

    def toggle_large_text(self) -> bool:
        """High contrast and large print on ⇄ off, for this citizen only."""
        self.large_text = not self.large_text
        return self.large_text

    def reset(self) -> None:
        """The next citizen: the configured language again, and the normal print."""
        self.lang = self.default_lang
        self.large_text = False

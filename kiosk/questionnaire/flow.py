"""One citizen walking through a questionnaire, one question at a time: the logic the screens stand on.

No Kivy here: a screen shows :attr:`Walk.current` and :meth:`Walk.progress`, and calls
:meth:`Walk.choose`, :meth:`Walk.key`, :meth:`Walk.skip` or :meth:`Walk.back`. Each answer is
stored (committed) before the walk moves on, so a citizen who walks away keeps what was answered;
the response itself is started at the first answer, so an invitation declined leaves nothing behind.

Keypad digits are a contract, like the rating screen's: on a question, digit N is the N-th choice
(1 = best) and ``0`` skips; on the invitation, ``1`` accepts and ``0`` declines.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the answers module (and its TOML loader) is imported once a questionnaire is on: a faster start
    from ..store import VoteStore
    from .answers import Active, Answer, AnswerStore
    from rating.questionnaire.model import Question, Questionnaire

INVITE_ACCEPT, INVITE_DECLINE = 1, 0


def invitation_key(digit: int) -> bool | None:
    """The invitation's answer to a keypad digit: True (1, accept), False (0, decline), None (any other key)."""
    return {INVITE_ACCEPT: True, INVITE_DECLINE: False}.get(digit)


class OnNow:
    """Which questionnaire is on for a counter, for a screen that asks at every clock tick.

    Each call reads the small ``q_active`` table (a start or stop from the CLI, in another process,
    is seen at once); only when that table or the day changes is :func:`active_questionnaire` asked
    again, so a stored definition is not parsed twice a second.
    """

    def __init__(self, store: VoteStore):
        self.store = store
        self._seen: tuple | None = None
        self._found: dict[str | None, Active | None] = {}

    def get(self, counter_id: str | None, today: date | None = None) -> Active | None:
        """The questionnaire on at ``counter_id`` today (its own, else the kiosk-wide one), or None."""
        today = today or self.store.today()
        seen = (today, tuple(self.store.query("SELECT counter_id, questionnaire_id, version, definition_hash, mode, "
                                              "until FROM q_active ORDER BY counter_id")))
        if seen != self._seen:
            self._seen, self._found = seen, {}
        if counter_id not in self._found:
            if not seen[1]:
                return None  # nothing is on anywhere
            from .answers import active_questionnaire
            self._found[counter_id] = active_questionnaire(self.store, counter_id, today)
        return self._found[counter_id]

    def mode(self, counter_id: str | None) -> str | None:
        """``invite``, ``replace``, or None when no questionnaire is on at ``counter_id``."""
        active = self.get(counter_id)
        return active.mode if active else None


class Walk:
    """A citizen's way through the questions a channel shows, with skip and back on every question."""

    def __init__(self, answers: AnswerStore, questionnaire: Questionnaire, channel: str = "kiosk",
                 counter_id: str | None = None):
        self.answers, self.questionnaire = answers, questionnaire
        self.channel, self.counter_id = channel, counter_id
        self.questions: tuple[Question, ...] = questionnaire.for_channel(channel)
        self.position = 0
        self.response_id: str | None = None
        self.given: dict[str, str | None] = {}  # question id -> the answer as last given (None: skipped)

    @property
    def total(self) -> int:
        """How many questions this channel shows (:meth:`Questionnaire.asked`, the one count)."""
        return self.questionnaire.asked(self.channel)

    @property
    def done(self) -> bool:
        """True once the last question has been answered or skipped (the response is then finished)."""
        return self.position >= self.total

    @property
    def current(self) -> Question | None:
        """The question on screen, or None when done."""
        return None if self.done else self.questions[self.position]

    def progress(self, lang: str = "vi") -> str:
        """"Câu 3/19" (or "Question 3 of 19"): the question on screen and how many there are."""
        n = min(self.position + 1, self.total)
        return f"Câu {n}/{self.total}" if lang == "vi" else f"Question {n} of {self.total}"

    def choose(self, choice: str | None, at: datetime | None = None) -> Answer:
        """Answer the current question (a choice code; None skips), store it, and move to the next one."""
        question = self.current
        if question is None:
            raise ValueError("the questionnaire is already finished")
        if self.response_id is None:
            self.response_id = self.answers.start_response(self.questionnaire, self.channel, self.counter_id, at=at)
        answer = self.answers.record_answer(self.response_id, question.id, choice, at=at)
        self.given[question.id] = choice
        self.position += 1
        if self.done:
            self.answers.finish_response(self.response_id, at=at)
        return answer

    def skip(self, at: datetime | None = None) -> Answer:
        """Skip the current question (stored as a skip) and move on."""
        return self.choose(None, at=at)

    def key(self, digit: int, at: datetime | None = None) -> Answer | None:
        """A keypad digit on the current question: N chooses the N-th choice, 0 skips; a digit with no choice
        does nothing (returns None)."""
        question = self.current
        if question is None:
            return None
        try:
            choice = question.choice_for_key(digit)
        except KeyError:
            return None
        return self.choose(choice, at=at)

    def finish(self, at: datetime | None = None) -> bool:
        """End the walk here ("Kết thúc"): every answer given stays and the response is closed, so nobody
        can add to it. True when there was a response (something was answered or skipped)."""
        started = self.response_id is not None
        if started and not self.done:
            self.answers.finish_response(self.response_id, at=at)
        self.position = self.total
        return started

    def back(self) -> Question | None:
        """Go back one question (nothing is stored; answering it again replaces the earlier answer)."""
        if self.position > 0 and not self.done:
            self.position -= 1
        return self.current

    @property
    def can_go_back(self) -> bool:
        """True when there is a question before the one on screen."""
        return 0 < self.position and not self.done

    @property
    def started(self) -> bool:
        """True once something was answered or skipped (a response exists)."""
        return self.response_id is not None

    def previous_answer(self) -> str | None:
        """The answer given earlier to the question on screen (after going back), or None."""
        question = self.current
        return self.given.get(question.id) if question is not None else None

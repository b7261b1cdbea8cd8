"""The questionnaire on the kiosk's screens: which one is on, the citizen's walk through it, and what a
touch or a key on its screens does (the screens are in :mod:`.questionnaire`).

The app owns one of these as ``app.questionnaire``. It holds the walk
(:class:`kiosk.questionnaire.flow.Walk`) while a citizen answers: every answer is stored
(``Walk.choose`` returns after COMMIT) before the next question is drawn. Moving between screens
stays with the app (``show``, ``thank``, ``go_home``); the rules are in :mod:`kiosk.flow`.
"""

from __future__ import annotations

import logging

from ...questionnaire.flow import OnNow, Walk
from ...store import VoteNotRecorded
from ..spoken import for_questionnaire
from ..strings import t

log = logging.getLogger("kiosk.ui")


class QuestionnaireWalk:
    """The questionnaire side of the kiosk app: ``walk`` is the citizen's way through it, or None."""

    def __init__(self, app):
        self.app = app
        self.on_now = OnNow(app.store)   # the questionnaire on now, per counter (kiosk.questionnaire)
        self._answer_store = None        # made with the first walk (its module is imported only then)
        self.walk: Walk | None = None

    # --- which questionnaire ------------------------------------------------------------------

    def mode(self) -> str | None:
        """``invite`` or ``replace`` while a questionnaire with kiosk questions is on for the counter being rated,
        else None (one answered only on phones and paper changes nothing here).

        A store or file problem here is logged and read as "none on": the questionnaire never stops a vote."""
        try:
            active = self.on_now.get(self.app.counter_id)
            return active.mode if active is not None and active.questionnaire.for_channel("kiosk") else None
        except Exception:
            log.exception("could not read which questionnaire is on; the rating goes on without it")
            return None

    def running(self) -> list:
        """The questionnaires with kiosk questions on now, for any counter (what the kiosk may have to say)."""
        found = {}
        for counter_id in [None, *(c.id for c in self.app.cfg.counters)]:
            try:
                active = self.on_now.get(counter_id)
            except Exception:
                log.exception("could not read which questionnaire is on")
                continue
            if active is not None and active.questionnaire.for_channel("kiosk"):
                found[active.questionnaire.key] = active.questionnaire
        return list(found.values())

    def begin(self) -> bool:
        """A fresh walk through the questionnaire on now (nothing is stored until the first answer);
        False when none with kiosk questions is on."""
        try:
            active = self.on_now.get(self.app.counter_id)
        except Exception:
            log.exception("could not read which questionnaire is on")
            active = None
        if active is None or not active.questionnaire.for_channel("kiosk"):
            self.walk = None
            return False
        if self._answer_store is None:
            from ...questionnaire.answers import AnswerStore
            self._answer_store = AnswerStore(self.app.store)
        self.walk = Walk(self._answer_store, active.questionnaire, "kiosk", counter_id=self.app.counter_id)
        if self.app.prompts.enabled:  # one started on the manager's screen since: its words rendered from now on
            self.app.prompts.prepare(for_questionnaire(active.questionnaire))
        return True

    def end(self) -> None:
        """Forget the walk (a questionnaire left half-way keeps every answer given: each was stored)."""
        self.walk = None

    @property
    def started(self) -> bool:
        """True while a citizen is part-way through (at least one answer given)."""
        return self.walk is not None and self.walk.started

    def current_question(self):
        """The question on screen now, or None when the question screen is not shown."""
        return self.walk.current if (self.app.sm.current == "question" and self.walk is not None) else None

    # --- the citizen's touches and keys -------------------------------------------------------

    def accept(self) -> None:
        """"Đồng ý" (or key 1): the first question."""
        if self.app.sm.current == "invite" and self.walk is not None:
            self.app.show("question")

    def decline(self) -> None:
        """"Không, cảm ơn" (or key 0): back to the start; nothing is stored."""
        if self.app.sm.current == "invite":
            self.app.go_home()

    def answer(self, choice: str | None) -> None:
        """Store the answer to the question on screen (None: skipped), then draw the next one or thank."""
        app, walk = self.app, self.walk
        if app.sm.current != "question" or walk is None or walk.done:
            return
        try:
            walk.choose(choice)
        except VoteNotRecorded as e:
            log.error("answer not recorded: %s", e)
            app.toast(t("error_not_recorded", app.lang), colour_error=True)
            app.go_home()
            return
        app.flow.answered(app.clock())  # the same screen again: the second half of a double tap is no answer
        if walk.done:
            app.thank("questionnaire")
        else:
            app.screens["question"].refresh()

    def finish(self) -> None:
        """"Kết thúc" (on every question, and in the warning before the walk-away): a short thank-you that
        keeps what was answered, the response closed; nothing answered yet: back to the start."""
        app, walk = self.app, self.walk
        if app.sm.current != "question" or walk is None:
            return
        try:
            started = walk.finish()
        except VoteNotRecorded as e:
            log.error("questionnaire not finished: %s", e)  # its answers are stored; it stays open, as if walked away
            started = True
        app.warning.hide()
        if started:
            app.thank("questionnaire")
        else:
            app.go_home()

    def back(self) -> None:
        """"Quay lại": the question before (its earlier answer shown; answering again replaces it)."""
        app = self.app
        if app.sm.current == "question" and self.walk is not None and self.walk.can_go_back:
            self.walk.back()
            app.flow.answered(app.clock())
            app.screens["question"].refresh()

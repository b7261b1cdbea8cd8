"""Writing one response from the phone page or the paper entry page into ``q_responses`` and
``q_answers`` (the tables the kiosk's answers are synced into), in one transaction.

Every question the channel shows gets a row: a choice code, the citizen's words (free text, long
numbers masked: :mod:`central.questionnaires.privacy`), or a skip (no choice), so the analysis counts
skips as the kiosk's do.
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from rating.questionnaire.model import Questionnaire

from central.models import QAnswer, QResponse, Unit
from central.questionnaires.catalogue import now, register
from central.questionnaires.privacy import mask_numbers
from central.runtime import current


class DuplicateForm(Exception):
    """A paper form number already entered for this centre and questionnaire version."""

    def __init__(self, form_no: str, existing: QResponse | None):
        self.form_no, self.existing = form_no, existing
        super().__init__(f"form {form_no} is already entered")


@dataclass(frozen=True)
class Given:
    """What a citizen gave: ``choices`` maps question id → choice code or None (skipped);
    ``texts`` maps a free-text question id → the words (stripped; empty means skipped)."""
    choices: dict[str, str | None]
    texts: dict[str, str]


def device_hash(token: str) -> str:
    """The stored form of a phone's cookie token: its SHA-256 (the token itself is never kept).
    The token is 32 random bytes, so its hash cannot be reversed by trying tokens."""
    return hashlib.sha256(b"q-device:" + token.encode("ascii", "replace")).hexdigest()


def save_response(q: Questionnaire, centre: Unit, channel: str, given: Given, *, device: str = "",
                  form_no: str = "", flag: str | None = None, entered_by: str = "") -> QResponse:
    """Store one response and its answers atomically; return the response.

    Raises :class:`DuplicateForm` (nothing written) when ``form_no`` was already entered — the
    database's unique constraint decides, so two clerks entering the same form at once cannot both win.
    """
    register(q)
    at = now()
    stamp, day = at.isoformat(timespec="milliseconds"), at.date().isoformat()
    received = at.isoformat(timespec="seconds")
    rid = str(uuidlib.uuid4())
    common = {"centre_id": centre.id, "questionnaire_id": q.id, "version": q.version,
              "definition_hash": q.definition_hash, "channel": channel}
    answers = []
    for question in q.for_channel(channel):
        if question.kind == "text":
            # Empty words: skipped. Phone and ID numbers written in a comment are masked before storing.
            choice, text = None, mask_numbers(given.texts.get(question.id) or "") or None
        else:
            choice, text = given.choices.get(question.id), None
        answers.append(QAnswer(uuid=str(uuidlib.uuid4()), response_uuid=rid, question_id=question.id, choice=choice,
                               text=text, local_time=stamp, local_date=day, received_at=received, **common))
    try:
        with transaction.atomic(using=current().alias):
            response = QResponse.objects.create(uuid=rid, started_at=stamp, finished_at=stamp, local_date=day,
                                                device=device, form_no=form_no, flag=flag, entered_by=entered_by[:150],
                                                received_at=received, **common)
            QAnswer.objects.bulk_create(answers)
    except IntegrityError:
        if form_no:
            existing = QResponse.objects.filter(centre_id=centre.id, questionnaire_id=q.id, version=q.version,
                                                form_no=form_no).first()
            if existing is not None:
                raise DuplicateForm(form_no, existing) from None
        raise
    return response

"""Which questionnaires the service offers, the centres they are answered for, and the local clock.

The catalogue is the shipped folder plus, when ``CENTRAL_QUESTIONNAIRE_DIR`` is set, the city's own
folder. A phone or a paper form always answers the highest version of a questionnaire.
"""

from __future__ import annotations

import functools
import os
from datetime import date, datetime
from pathlib import Path

from django.db import IntegrityError, transaction

from rating.period import LOCAL_TZ
from rating.questionnaire.loader import SHIPPED_DIR, Catalogue, load_catalogue
from rating.questionnaire.model import Questionnaire

from central.models import QDefinition, Unit
from central.runtime import current


@functools.lru_cache(maxsize=1)
def _catalogue(extra: str) -> Catalogue:
    return load_catalogue([SHIPPED_DIR, *([Path(extra)] if extra else [])])


def catalogue() -> Catalogue:
    """The questionnaires on offer (loaded once per process and folder)."""
    return _catalogue(os.environ.get("CENTRAL_QUESTIONNAIRE_DIR", ""))


def find(qid: str) -> Questionnaire | None:
    """The highest version of questionnaire ``qid``, or None when there is none."""
    try:
        return catalogue().get(qid)
    except KeyError:
        return None


def offered() -> list[Questionnaire]:
    """The highest version of each questionnaire, by id."""
    latest: dict[str, Questionnaire] = {}
    for q in catalogue().questionnaires:
        if q.id not in latest or q.version > latest[q.id].version:
            latest[q.id] = q
    return [latest[k] for k in sorted(latest)]


def centre(centre_id: str) -> Unit | None:
    """The centre (a unit of kind ``centre``) with this id, or None."""
    return Unit.objects.filter(id=centre_id[:64], kind="centre").select_related("parent").first()


def now() -> datetime:
    """The service's clock in Hải Phòng's time, to the millisecond (as the kiosk stamps answers)."""
    at = datetime.fromtimestamp(current().clock(), LOCAL_TZ)
    return at.replace(microsecond=at.microsecond - at.microsecond % 1000)


def quarter(day: date) -> tuple[date, date]:
    """The calendar quarter holding ``day``: the questionnaire period (one phone response per device)."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def register(q: Questionnaire) -> None:
    """Keep the definition answered (its canonical JSON and hash) in ``q_definitions``, once."""
    if QDefinition.objects.filter(questionnaire_id=q.id, version=q.version).exists():
        return
    try:
        with transaction.atomic(using=current().alias):
            QDefinition.objects.create(questionnaire_id=q.id, version=q.version, definition_hash=q.definition_hash,
                                       definition=q.definition, registered_at=now().isoformat(timespec="seconds"))
    except IntegrityError:
        pass   # registered meanwhile by another request or by a kiosk's sync: the same definition

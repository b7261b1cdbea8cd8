"""Where a synced row is on its way to the central service: its ``sync_state`` column.

Votes, their reasons and the questionnaire's definitions, responses and answers all carry one. The
values are stored in every kiosk's database (and named in its partial indexes' conditions), so they
never change; the SQL is written from these members, never from typed-in words.
"""

from __future__ import annotations

from enum import StrEnum


class SyncState(StrEnum):
    """A synced row's state; the member is its stored text (``f"{SyncState.SYNCED}"`` is ``synced``)."""

    PENDING = "pending"           # waiting to be sent (every row starts here)
    SYNCED = "synced"             # a receipt from the service acknowledged it
    QUARANTINED = "quarantined"   # refused by the service: set aside for the manager, retried when released

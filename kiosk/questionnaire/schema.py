"""The questionnaire tables: schema version 4 of the vote database (see ``docs/questionnaire.md``).

- ``q_definitions`` — each questionnaire version answers were given under: its canonical JSON and
  hash (so the file may later disappear and the answers still be read);
- ``q_responses`` — one row per citizen's response: questionnaire, version, channel, counter, start;
- ``q_answers`` — one row per answer given, append-only and hash-chained (its own chain, ``seq``);
  going back and answering again adds a row that ``replaces`` the earlier one;
- ``q_active`` — which questionnaire is on, for the whole kiosk (``counter_id = '*'``) or one counter.

Every synced table has ``sync_state``/``synced_at`` like the votes, with a partial index on what is
waiting, so the sync client can send each row exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..syncstate import SyncState

if TYPE_CHECKING:
    import sqlite_utils


ALL_COUNTERS = "*"


def v4_questionnaires(db: sqlite_utils.Database) -> None:
    """Create the questionnaire tables (migration 3 → 4)."""
    db["q_definitions"].create(
        {"questionnaire_id": str, "version": int, "definition_hash": str, "definition": str, "registered_at": str,
         "sync_state": str, "synced_at": str},
        pk=("questionnaire_id", "version"),
        not_null={"definition_hash", "definition", "registered_at", "sync_state"},
        defaults={"sync_state": SyncState.PENDING},
    )
    db["q_responses"].create(
        {"uuid": str, "kiosk_id": str, "questionnaire_id": str, "version": int, "definition_hash": str,
         "channel": str, "counter_id": str, "started_at": str, "local_date": str, "finished_at": str,
         "sync_state": str, "synced_at": str},
        pk="uuid",
        not_null={"kiosk_id", "questionnaire_id", "version", "definition_hash", "channel", "started_at",
                  "local_date", "sync_state"},
        defaults={"sync_state": SyncState.PENDING},
    )
    db["q_answers"].create(
        {"seq": int, "uuid": str, "response_uuid": str, "kiosk_id": str, "questionnaire_id": str, "version": int,
         "definition_hash": str, "channel": str, "counter_id": str, "question_id": str, "choice": str,
         "text": str, "replaces": str, "local_time": str, "prev_hash": str, "hash": str, "local_date": str,
         "replaced": int, "sync_state": str, "synced_at": str},
        pk="seq",
        not_null={"uuid", "response_uuid", "kiosk_id", "questionnaire_id", "version", "definition_hash", "channel",
                  "question_id", "local_time", "prev_hash", "hash", "local_date", "replaced", "sync_state"},
        defaults={"replaced": 0, "sync_state": SyncState.PENDING},
        foreign_keys=[("response_uuid", "q_responses", "uuid")],
    )
    db["q_answers"].create_index(["uuid"], unique=True, index_name="q_answers_uuid")
    db["q_answers"].create_index(["response_uuid", "question_id"], index_name="q_answers_by_response")
    # Covering index for the analysis, in its GROUP BY order: the counts stream out of the index with
    # no sort (the date is checked in the index too). Date first would need a sort of every row.
    db["q_answers"].create_index(["questionnaire_id", "version", "replaced", "channel", "question_id", "choice",
                                  "local_date"], index_name="q_answers_analysis")
    db["q_responses"].create_index(["questionnaire_id", "version", "local_date", "channel"],
                                   index_name="q_responses_by_day")
    db.execute(f"CREATE INDEX q_answers_unsynced ON q_answers(seq) WHERE sync_state != '{SyncState.SYNCED}'")
    db.execute(f"CREATE INDEX q_responses_unsynced ON q_responses(uuid) WHERE sync_state != '{SyncState.SYNCED}'")
    db["q_active"].create(
        {"counter_id": str, "questionnaire_id": str, "version": int, "definition_hash": str, "mode": str,
         "until": str, "started_at": str},
        pk="counter_id",
        not_null={"questionnaire_id", "version", "definition_hash", "mode", "started_at"},
    )

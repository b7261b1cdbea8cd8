"""A clock-suspect vote travels with its reason (the wire's optional field) and the service stores it;
a vote without one is sent exactly as before. Over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from rating.vote import BEHIND_NEWEST_VOTE, CLOCK_BEHIND
from rating.wire import BadBatch, WIRE_FIELDS, check_vote
from sync.client import SyncClient
from tests.sync_helpers import backend_db, central_service, postgres_server, sync_config  # noqa: F401

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.now(TZ).replace(microsecond=0)


def _three_votes(store) -> None:
    store.record_vote("Q1", "HL", at=NOW - timedelta(minutes=10))
    store.record_vote("Q1", "RHL", at=NOW - timedelta(hours=2))          # the clock went back
    store.record_vote("Q1", "BT", at=NOW - timedelta(minutes=5))


def test_only_a_suspect_vote_carries_the_field_so_the_others_are_sent_byte_for_byte_as_before(tmp_path):
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="test-01", tz=TZ) as store:
        _three_votes(store)
        rows = outbox.waiting(store, outbox.VOTES, 10)
    assert [tuple(r) for r in rows] == [WIRE_FIELDS, (*WIRE_FIELDS, "clock_suspect"), WIRE_FIELDS]
    assert rows[1]["clock_suspect"] == BEHIND_NEWEST_VOTE


def test_the_service_refuses_a_clock_suspect_reason_it_does_not_know(tmp_path):
    with VoteStore.open(tmp_path / "votes.db", kiosk_id="test-01", tz=TZ) as store:
        _three_votes(store)
        row = outbox.waiting(store, outbox.VOTES, 10)[1]
    assert check_vote(row, "test-01", 0)["clock_suspect"] == BEHIND_NEWEST_VOTE
    with pytest.raises(BadBatch, match=r"votes\[0\] \(seq 2\): 'clock_suspect' must be null or one of"):
        check_vote({**row, "clock_suspect": "sometimes"}, "test-01", 0)


def test_the_service_stores_each_votes_clock_suspect_reason(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            store.time_source = None
            _three_votes(store)
            store.record_vote("Q1", "KHL", at=datetime(2001, 12, 14, 8, tzinfo=TZ))   # 25 years behind
            assert SyncClient(config, store, sleep=lambda s: None).run().sent == 4
        from django.db import connections
        with connections[app.runtime.alias].cursor() as cur:
            cur.execute("SELECT seq, clock_suspect FROM votes ORDER BY seq")
            held = cur.fetchall()
        connections[app.runtime.alias].close()
    assert [tuple(r) for r in held] == [(1, None), (2, BEHIND_NEWEST_VOTE), (3, None), (4, CLOCK_BEHIND)]

"""A sync run while citizens go on voting (found by the soak, `make soak`): the status each batch
carries counts what waits, and a vote taken during the run never makes it refusable."""

from __future__ import annotations

import json

import requests

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from sync.client import SyncClient
from tests.sync_helpers import central_service, sync_config


class VotingMeanwhile(requests.Session):
    """A real HTTP session during whose first POST the kiosk takes ``n`` more votes (through a second
    connection to the store, as the kiosk's reader thread does while the sync thread waits)."""

    def __init__(self, config, n: int):
        super().__init__()
        self.config, self.n, self.statuses = config, n, []

    def request(self, method, url, *args, **kwargs):
        if method.upper() == "POST":
            self.statuses.append(json.loads(kwargs["data"])["status"])
            if self.n:
                with VoteStore.from_config(self.config) as other:
                    for _ in range(self.n):
                        other.record_vote("Q2", "HL")
                self.n = 0
        return super().request(method, url, *args, **kwargs)


def test_votes_taken_during_a_sync_are_sent_and_never_quarantined_for_the_status(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = load_config(sync_config(tmp_path, url, batch_size=2))
        with VoteStore.from_config(config) as store:
            for _ in range(2):
                store.record_vote("Q1", "RHL")
            session = VotingMeanwhile(config, n=3)
            result = SyncClient(config, store, session=session, sleep=lambda s: None).run()
            assert outbox.count_quarantined(store)["votes"] == 0, result.error
            assert result.complete and result.sent == 5
        assert all(s["waiting_votes"] >= 0 for s in session.statuses), session.statuses
        assert sorted(r[0] for r in app.store.query("SELECT counter_id FROM votes")) == ["Q1"] * 2 + ["Q2"] * 3

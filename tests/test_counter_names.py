"""Renaming or removing a counter never rewrites past votes (issue 17): batches carrying two names at
two signed times, through the real service, and the II.7 report of each period names the counter as it
was then (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import requests

from rating.period import LOCAL_TZ
from rating.wire import encode_batch
from tests.sync_helpers import REPORT_TOKEN, backend_db, central_service, postgres_server  # noqa: F401
from tests.test_central_defects import post, votes_of

AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}
OLD, NEW = "Quầy 1 — Tư pháp", "Quầy 1 — Hộ tịch"


class Clock:
    """The service's clock, moved by the test (the batches are signed at its time)."""
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def at(self, day: str) -> int:
        self.now = datetime.fromisoformat(f"{day}T17:30").replace(tzinfo=LOCAL_TZ).timestamp()
        return int(self.now)


@pytest.fixture
def renamed(tmp_path, backend_db):
    """Votes on 2 November under the old name; the counter renamed on 20 November; and counter Q2, sent
    on 2 November only, then removed from the kiosk."""
    clock = Clock()
    with central_service(tmp_path, db=backend_db, clock=clock) as (url, app):
        votes = votes_of(tmp_path, "test-01", 4)
        ts = clock.at("2026-11-02")
        first = encode_batch("test-01", [{"id": "Q1", "name": OLD}, {"id": "Q2", "name": "Quầy 2 — Đất đai"}], votes, [])
        assert post(url, first, ts=ts).status_code == 200
        ts = clock.at("2026-11-20")
        assert post(url, encode_batch("test-01", [{"id": "Q1", "name": NEW}], [], []), ts=ts).status_code == 200
        yield url, app, clock


def ii7(url, d_from, d_to) -> str:
    r = requests.get(f"{url}/v1/reports/ii7?unit=test-01&from={d_from}&to={d_to}&format=json", headers=AUTH)
    assert r.status_code == 200, r.text
    return json.dumps(r.json(), ensure_ascii=False)


def test_a_report_for_a_period_before_the_rename_keeps_the_old_name(renamed):
    url, _, _ = renamed
    model = ii7(url, "2026-11-01", "2026-11-10")
    assert OLD in model and NEW not in model


def test_a_report_for_a_period_after_the_rename_shows_the_new_name(renamed):
    url, _, _ = renamed
    model = ii7(url, "2026-11-21", "2026-11-30")
    assert NEW in model and OLD + " →" not in model and "→ " + NEW not in model


def test_a_period_across_the_rename_shows_both_names_in_their_order(renamed):
    url, _, _ = renamed
    assert f"{OLD} → {NEW}" in ii7(url, "2026-11-01", "2026-11-30")


def test_a_removed_counter_keeps_its_last_name(renamed):
    url, _, _ = renamed
    assert "Quầy 2 — Đất đai" in ii7(url, "2026-11-21", "2026-11-30")


def test_the_nightly_batch_repeating_a_name_adds_no_history_and_a_replay_changes_nothing(renamed):
    url, app, clock = renamed
    ts = clock.at("2026-11-21")
    assert post(url, encode_batch("test-01", [{"id": "Q1", "name": NEW}], [], []), ts=ts).status_code == 200
    # A batch of 2 November replayed with the old name, signed in that same second as the first one.
    replay = clock.at("2026-11-02")
    assert post(url, encode_batch("test-01", [{"id": "Q1", "name": "Quầy sai"}], [], []), ts=replay).status_code == 200
    rows = app.store.query("SELECT name FROM counter_name_history WHERE counter_id = 'Q1' ORDER BY from_ts")
    assert [r[0] for r in rows] == [OLD, NEW]
    assert app.store.query("SELECT name FROM counters WHERE counter_id = 'Q1'") == [(NEW,)]


def test_the_totals_for_a_kiosk_name_the_counter_as_it_was_in_the_month(renamed):
    url, _, _ = renamed
    r = requests.get(f"{url}/v1/reports/totals?kiosk=test-01&month=2026-11", headers=AUTH)
    assert r.status_code == 200, r.text
    assert f"{OLD} → {NEW}" in json.dumps(r.json(), ensure_ascii=False)   # November: renamed on the 20th

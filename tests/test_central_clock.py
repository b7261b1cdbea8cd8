"""A kiosk whose clock cannot be right (years ahead, or back in 1970): its votes are stored exactly once
and acknowledged, but held apart from every count — the pages, the alerts' rates, the II.7 of the
period they carry — the kiosk is shown with an alert saying what to do, and an administrator who has
looked counts them. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from rating.vote import CLOCK_AHEAD_TOLERANCE_S, clock_problem
from rating.wire import encode_batch
from tests.sync_helpers import REPORT_TOKEN, backend_db, central_service, postgres_server, sync_config  # noqa: F401
from tests.test_central_ii7 import login
from tests.test_central_security import post

from central.demo import DEMO_PASSWORD  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}


def test_the_clock_rule_holds_a_vote_later_than_its_arrival_beyond_the_tolerance_or_before_2020():
    arrived = int(datetime(2026, 12, 7, 9, 0, tzinfo=TZ).timestamp() * 1000)
    assert clock_problem(arrived, arrived) is None
    assert clock_problem(arrived + CLOCK_AHEAD_TOLERANCE_S * 1000, arrived) is None
    assert clock_problem(arrived + CLOCK_AHEAD_TOLERANCE_S * 1000 + 1, arrived) == "clock_ahead"
    assert clock_problem(int(datetime(2046, 12, 7, tzinfo=TZ).timestamp() * 1000), arrived) == "clock_ahead"
    assert clock_problem(0, arrived) == "clock_behind"
    assert clock_problem(int(datetime(2020, 1, 1, 7, 0, tzinfo=TZ).timestamp() * 1000), arrived) is None


@pytest.fixture
def service(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        token = activate(app.runtime)
        try:
            from central.accounts import add_user
            from central.models import Kiosk, Unit
            commune = Unit.objects.create(id="xa-thu", name="Xã Thử", kind="commune")
            centre = Unit.objects.create(id="tt-thu", name="Trung tâm Thử", kind="centre", parent=commune)
            Kiosk.objects.filter(id="test-01").update(centre=centre)
            add_user("admin", "admin", None, DEMO_PASSWORD)
            add_user("so-noi-vu", "city", None, DEMO_PASSWORD)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app


def ii7_total(url, day: str) -> int:
    r = requests.get(url + f"/v1/reports/ii7?unit=tt-thu&from={day}&to={day}&format=json", headers=AUTH)
    assert r.status_code == 200, r.text
    total = r.json()["summary"]["total"]
    return total["total"] + total["flagged"]


def test_votes_from_a_clock_years_ahead_or_in_1970_are_kept_but_held_apart_until_an_administrator_counts_them(
        service, tmp_path):
    url, app = service
    now = datetime.now(TZ)
    future = now.replace(year=now.year + 20)
    config = load_config(sync_config(tmp_path, url))
    with VoteStore.from_config(config) as store:
        store.record_vote("Q1", "HL", at=now - timedelta(hours=1))                 # a right clock
        for minutes in (0, 1, 2):
            store.record_vote("Q1", "RHL", at=future + timedelta(minutes=minutes))  # twenty years ahead
        store.record_vote("Q1", "KHL", at=datetime(1970, 1, 1, 8, 0, tzinfo=TZ))     # a Pi without its clock
        votes = outbox.waiting(store, outbox.VOTES, 100)
    r = post(url, encode_batch("test-01", [{"id": "Q1", "name": "Quầy 1"}], votes, []))
    assert r.status_code == 200 and len(r.json()["accepted"]) == 5, "every vote is stored and acknowledged"
    held = dict(app.store.query("SELECT held_back, count(*) FROM votes WHERE held_back IS NOT NULL GROUP BY held_back"))
    assert held == {"clock_ahead": 3, "clock_behind": 1}
    # The receipt's totals still hold them (the kiosk compares them with what it sent).
    receipt_days = {t["date"]: sum(t["levels"].values()) + t["flagged"] for t in r.json()["totals"]}
    assert receipt_days[future.date().isoformat()] == 3
    # No count holds them: the II.7 of the year they carry, the commune's page, the overview.
    assert ii7_total(url, future.date().isoformat()) == 0
    assert ii7_total(url, "1970-01-01") == 0
    assert ii7_total(url, (now - timedelta(hours=1)).date().isoformat()) == 1
    rolled = lambda day: app.store.query("SELECT coalesce(sum(n), 0) FROM kiosk_days WHERE local_date = ?", [day])[0][0]  # noqa: E731
    assert rolled(future.date().isoformat()) == 0 and rolled("1970-01-01") == 0, "the pages' roll-ups leave them out"
    city = login(url, "so-noi-vu")
    # The health page says which kiosk and what to do; only an administrator may count them.
    health = city.get(url + "/kiosks/").text
    assert "đồng hồ của kiosk sai: 4 phiếu" in health and "chỉnh đồng hồ kiosk" in health
    assert "release-held-back" not in health
    refused = city.post(url + "/kiosks/test-01/release-held-back/", data={
        "csrfmiddlewaretoken": city.cookies["csrftoken"]}, headers={"Referer": url + "/kiosks/"})
    assert refused.status_code == 403 and ii7_total(url, future.date().isoformat()) == 0
    admin = login(url, "admin")
    page = admin.get(url + "/kiosks/").text
    assert "release-held-back" in page
    done = admin.post(url + "/kiosks/test-01/release-held-back/", data={
        "csrfmiddlewaretoken": admin.cookies["csrftoken"]}, headers={"Referer": url + "/kiosks/"},
        allow_redirects=False)
    assert done.status_code == 302
    assert ii7_total(url, future.date().isoformat()) == 3, "counted, under the days they carry"
    assert rolled(future.date().isoformat()) == 3
    assert app.store.query("SELECT count(*) FROM votes WHERE held_back IS NOT NULL")[0][0] == 0
    assert "đồng hồ của kiosk sai" not in admin.get(url + "/kiosks/").text
    assert app.store.query("SELECT detail FROM audit_log WHERE action = 'release_held_back'") == [("test-01: 4",)]
    # Rebuilt from the votes, the roll-ups agree with the ones kept as batches and releases came.
    before = sorted(app.store.query("SELECT kiosk_id, local_date, scale, level, flagged, n FROM kiosk_days"))
    from django.db import connections
    with connections[app.runtime.alias].cursor() as cur:
        from central.rollups import rebuild_roll_ups
        rebuild_roll_ups(cur)
    connections[app.runtime.alias].close()
    assert sorted(app.store.query("SELECT kiosk_id, local_date, scale, level, flagged, n FROM kiosk_days")) == before

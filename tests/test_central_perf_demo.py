"""Demo votes (a kiosk in demo mode: its embedded demo centre, a simulated button box, demo data) reach
the service with ``source = "demo"``. The rule: they are stored and chained like any vote — exactly
once, the chain whole — but left out of every figure: roll-ups, the overview, a commune's page, the
totals and the II.7 report (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import requests

from tests.sync_helpers import REPORT_TOKEN, backend_db, central_service, postgres_server  # noqa: F401
from tests.test_central_defects import TWO_KIOSKS, post, votes_of
from rating.wire import encode_batch

AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}
DAY = date(2026, 11, 2)


def mixed_votes(folder, n: int) -> list[dict]:
    """``n`` votes of one real kiosk store, every third one a demo vote (a simulated box's press)."""
    votes = votes_of(folder, "test-01", n, sources=lambda i: "demo" if i % 3 == 0 else "touch")
    assert {v["source"] for v in votes} == {"demo", "touch"}
    return votes


def sums(app, table: str) -> int:
    from django.db import connections
    with connections[app.runtime.alias].cursor() as cur:
        cur.execute(f"SELECT coalesce(sum(n), 0) FROM {table}")
        return int(cur.fetchone()[0])


def test_demo_votes_are_kept_and_chained_but_never_counted(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db, kiosks=TWO_KIOSKS) as (url, app):
        votes = mixed_votes(tmp_path, 30)
        real = [v for v in votes if v["source"] != "demo"]
        low_demo = next(v for v in votes if v["source"] == "demo" and v["level"] == "KHL")
        low_real = next(v for v in real if v["level"] == "KHL")
        reasons = [{"vote_uuid": v["uuid"], "element": "procedure", "recorded_at": v["local_time"]}
                   for v in (low_demo, low_real)]
        r = post(url, encode_batch("test-01", [], votes, reasons))
        assert r.status_code == 200, r.text
        receipt = r.json()
        assert sorted(receipt["accepted"]) == sorted(v["uuid"] for v in votes)    # every vote held, once
        assert receipt["chain"]["ok"] and receipt["chain"]["votes"] == 30
        # The receipt's totals are what the kiosk compares with every vote it sent: demo ones included.
        assert sum(sum(t["levels"].values()) + t["flagged"] for t in receipt["totals"]) == 30
        assert app.store.query("SELECT count(*) FROM votes WHERE kiosk_id = 'test-01'")[0][0] == 30
        for table in ("daily_totals", "kiosk_days", "hour_totals"):
            assert sums(app, table) == len(real), table
        assert sums(app, "reason_days") == 1                                      # the real vote's reason only

        from central.source import Source
        from central.runtime import activate, deactivate
        from central import dashboard
        token = activate(app.runtime)
        try:
            rows = dashboard.overview(Source(app.runtime.alias), DAY, DAY, None)
            page = dashboard.unit_page(Source(app.runtime.alias), ["test-01"], DAY, DAY)
        finally:
            deactivate(token)
        assert sum(row.rate.total + row.rate.flagged for row in rows) == len(real)
        assert page.rate.total + page.rate.flagged == len(real)
        assert dict((code, n) for code, _, n in page.reasons)["procedure"] == 1

        totals = requests.get(f"{url}/v1/reports/totals?kiosk=test-01&day={DAY}", headers=AUTH)
        assert totals.status_code == 200, totals.text
        assert totals.json()["all"]["total"] == len(real)
        ii7 = requests.get(f"{url}/v1/reports/ii7?unit=test-01&from={DAY}&to={DAY}&format=json", headers=AUTH)
        assert ii7.status_code == 200, ii7.text
        assert ii7.json()["summary"]["total"]["total"] == len(real)

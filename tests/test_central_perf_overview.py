"""The overview keeps each kiosk's rate per period between requests and adds up again only the kiosks
that received votes since: what it shows always equals the roll-ups added up afresh (SQLite, PostgreSQL)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from tests.sync_helpers import backend_db, central_service, postgres_server  # noqa: F401


def fresh(source, d_from, d_to):
    from central import rates
    return {k: (r.satisfied, r.total, r.flagged) for k, r in rates.rates_by_kiosk(source, None, d_from, d_to).items()}


def shown(source, d_from, d_to):
    from central import dashboard
    return {row.unit.id: (row.rate.satisfied, row.rate.total, row.rate.flagged)
            for row in dashboard.overview(source, d_from, d_to, None) if row.rate.total or row.rate.flagged}


def test_the_overview_follows_new_votes_of_one_kiosk_and_equals_the_roll_ups_added_up_afresh(tmp_path, backend_db):
    from central import ingest, rates
    from central.demo import build, make_votes
    from central.source import Source
    from central.runtime import activate, deactivate
    from rating.wire import check_vote
    with central_service(tmp_path, db=backend_db) as (url, app):
        token = activate(app.runtime)
        try:
            today = date(2026, 11, 21)
            made = build(app.runtime.alias, communes=3, days=20, per_day=10, today=today, accounts=False)
            source = Source(app.runtime.alias)
            d_from, d_to = today - timedelta(days=29), today
            before = shown(source, d_from, d_to)
            assert shown(source, d_from, d_to) == before          # the second time from the kept rates
            per_kiosk = fresh(source, d_from, d_to)
            assert sorted(before.values()) == sorted(per_kiosk.values())
            # One kiosk syncs 40 more unsatisfied votes: its commune moves, the others do not.
            kiosk, commune = made["kiosks"][1], made["communes"][1]
            from django.db import connections
            with connections[app.runtime.alias].cursor() as cur:
                cur.execute("SELECT head_seq, head_hash FROM chain_state WHERE kiosk_id = %s", [kiosk])
                head_seq, head_hash = cur.fetchone()
            more = [check_vote(v, kiosk, i) for i, v in enumerate(make_votes(
                kiosk, [today - timedelta(days=1)], 40, 0.0, random.Random(1), head_seq + 1, head_hash))]
            now = datetime.now(timezone.utc)
            ingest.ingest(app.runtime.alias, kiosk, more, [], [], None, now, int(now.timestamp()))
            after = shown(source, d_from, d_to)
            assert after[commune][1] == before[commune][1] + len(more) - sum(1 for v in more if v["flag"])
            assert after[commune][0] == before[commune][0]
            assert {c: v for c, v in after.items() if c != commune} == {c: v for c, v in before.items() if c != commune}
            assert sorted(after.values()) == sorted(fresh(source, d_from, d_to).values())
            rates.RATES.clear()
            assert shown(source, d_from, d_to) == after
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()

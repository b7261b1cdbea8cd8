"""The roll-ups two ways give the same rows: added up in Python batch by batch as votes arrive (the
ingest), and rebuilt from every vote held with one INSERT … SELECT … GROUP BY per table (after a bulk
load or to repair them) — on SQLite and PostgreSQL, demo votes left out by both."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.sync_helpers import backend_db, central_service, postgres_server  # noqa: F401
from tests.test_central_defects import TWO_KIOSKS, votes_of

TABLES = {"daily_totals": "kiosk_id, local_date, counter_id, officer, scale, level, flagged",
          "kiosk_days": "kiosk_id, local_date, scale, level, flagged",
          "hour_totals": "kiosk_id, local_date, hour, scale, level",
          "reason_days": "kiosk_id, local_date, element"}


def snapshot(cur) -> dict[str, list[tuple]]:
    out = {}
    for table, key in TABLES.items():
        cur.execute(f"SELECT {key}, n FROM {table} ORDER BY {key}")
        out[table] = [tuple(r) for r in cur.fetchall()]
    return out


def test_roll_ups_added_batch_by_batch_equal_roll_ups_rebuilt_from_the_votes(tmp_path, backend_db):
    from django.db import connections, transaction

    from central import ingest, rollups
    from rating.wire import check_vote
    with central_service(tmp_path, db=backend_db, kiosks=TWO_KIOSKS) as (url, app):
        alias = app.runtime.alias
        votes = [check_vote(v, "test-01", i) for i, v in enumerate(
            votes_of(tmp_path, "test-01", 700, sources=lambda i: "demo" if i % 11 == 0 else ("keypad", "touch")[i % 2]))]
        # Officers and none, flags, several hours and days: every key column of every table varies.
        for i, v in enumerate(votes):
            v["officer"] = None if i % 4 == 0 else f"CB0{i % 3}"
        reasons = [{"vote_uuid": v["uuid"], "element": ("procedure", "staff")[i % 2], "recorded_at": v["local_time"]}
                   for i, v in enumerate(votes) if v["level"] == "KHL"][:40]
        now = datetime.now(timezone.utc)
        for start in range(0, 700, 160):   # batches of uneven sizes, reasons arriving after their votes
            ingest.ingest(alias, "test-01", votes[start:start + 160], reasons[:start // 20], [], None, now, 0)
        ingest.ingest(alias, "test-01", [], reasons, [], None, now, 0)
        with connections[alias].cursor() as cur:
            added = snapshot(cur)
        with transaction.atomic(using=alias), connections[alias].cursor() as cur:
            rollups.rebuild_roll_ups(cur)
            rebuilt = snapshot(cur)
        connections[alias].close()
    assert all(added[t] for t in TABLES) and added == rebuilt
    assert sum(r[-1] for r in added["kiosk_days"]) == sum(1 for v in votes if v["source"] != "demo")

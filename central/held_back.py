"""Votes held back for their kiosk's clock, and a person's decision to count them.

The ingest holds back a vote its kiosk's clock cannot have timed (:func:`rating.vote.clock_problem`: later
than its arrival, or before 2020): it is stored, chained and acknowledged like any other, so nothing is
lost, but left out of every roll-up and every report until a person has looked. An administrator who
has seen that the times are right after all (the kiosk's clock was set a little wrong, say) releases
them: they are counted from then on, under the days they carry. A release is an audit line.
"""

from __future__ import annotations

from django.db import connections, transaction

from central import rollups
from central.rates import RATES

_VOTE_COLUMNS = ("uuid", "kiosk_id", "counter_id", "officer", "level", "scale", "source", "local_time", "flag",
                 "local_date")


def release(alias: str, kiosk_id: str) -> int:
    """Count a kiosk's held-back votes from now on: clear their mark and add them to the roll-ups and
    the reasons' days, in one transaction. Returns how many were released."""
    conn = connections[alias]
    with transaction.atomic(using=alias), conn.cursor() as cur:
        cur.execute(f"SELECT {', '.join(_VOTE_COLUMNS)} FROM votes WHERE kiosk_id = %s AND held_back IS NOT NULL "
                    "FOR UPDATE" if conn.vendor == "postgresql" else
                    f"SELECT {', '.join(_VOTE_COLUMNS)} FROM votes WHERE kiosk_id = %s AND held_back IS NOT NULL",
                    [kiosk_id])
        votes = [dict(zip(_VOTE_COLUMNS, row), held_back=None) for row in cur.fetchall()]
        if not votes:
            return 0
        cur.execute("UPDATE votes SET held_back = NULL WHERE kiosk_id = %s AND held_back IS NOT NULL", [kiosk_id])
        rollups.add_roll_ups(cur, conn.vendor, rollups.roll_ups(kiosk_id, votes))
        cur.execute("SELECT r.vote_uuid, r.element FROM vote_reasons r JOIN votes v ON v.uuid = r.vote_uuid "
                    f"WHERE v.kiosk_id = %s AND v.uuid IN ({', '.join(['%s'] * len(votes))})",
                    [kiosk_id, *(v["uuid"] for v in votes)])
        reasons = [{"vote_uuid": u, "element": e} for u, e in cur.fetchall()]
        day_of = {v["uuid"]: (v["local_date"], rollups.counts(v["source"], None)) for v in votes}
        rollups.add_reason_days(cur, kiosk_id, reasons, day_of)
    RATES.clear()   # the pages' cache of rates was built without them
    return len(votes)

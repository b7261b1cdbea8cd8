"""The daily roll-ups: what the pages, the alerts and the receipts' totals read instead of the votes.

The ingest adds each batch's new votes to them (counted in Python: the votes are in hand); they can be
rebuilt from every vote held with set-based SQL. Demo votes are stored and chained but never counted.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable

from rating.rate import count_filter
from rating.totals import fold_levels
from rating.vote import DEMO_SOURCE   # a vote taken in demo mode: kept, never counted

from central.source import Source
from central.sql import marks



def counts(source: str, held_back: str | None) -> bool:
    """Whether a vote counts in a commune's figures: not a demo vote, and not held back (its kiosk's
    clock cannot have timed it: :func:`rating.vote.clock_problem`). Both are stored and chained like any
    other (exactly once, the chain stays whole) but left out of every roll-up, so the overview, a
    commune's page and the alerts never hold them; receipts' totals add them back for the kiosk."""
    return source != DEMO_SOURCE and held_back is None


def counted(votes: Iterable[dict]) -> list[dict]:
    """The votes of ``votes`` that count (:func:`counts`)."""
    return [v for v in votes if counts(v["source"], v.get("held_back"))]


# The same rule in SQL over a ``votes`` row: the service's count filter (rating.rate.count_filter over
# central.source.Source, which counts no demo vote and holds back what its clock could not have timed).
COUNTED_SQL = "1 = 1" + count_filter(Source)


def roll_ups(kiosk_id: str, new: list[dict]) -> dict[str, list[tuple]]:
    """The new votes added up per roll-up table, in Python (the votes are in hand: reading them back from
    the table cost three more index lookups per vote). Each table's rows end with the count ``n``."""
    daily: Counter = Counter()
    days: Counter = Counter()
    hours: Counter = Counter()
    for v in counted(new):
        flagged = 0 if v["flag"] is None else 1
        day, level = v["local_date"], v["level"]
        daily[(kiosk_id, day, v["counter_id"], v["officer"] or "", v["scale"], level, flagged)] += 1
        days[(kiosk_id, day, v["scale"], level, flagged)] += 1
        hours[(kiosk_id, day, int(v["local_time"][11:13]), v["scale"], level)] += 1   # the hour the kiosk wrote
    return {table: [(*key, n) for key, n in sorted(counts.items())]
            for table, counts in (("daily_totals", daily), ("kiosk_days", days), ("hour_totals", hours))}


# Each roll-up table: its unique key (then n) and the SQL types of the key (to read them from JSON).
ROLL_UP_TABLES = {
    "daily_totals": (("kiosk_id", "local_date", "counter_id", "officer", "scale", "level", "flagged"),
                     ("text", "text", "text", "text", "text", "text", "int")),
    "kiosk_days": (("kiosk_id", "local_date", "scale", "level", "flagged"), ("text", "text", "text", "text", "int")),
    "hour_totals": (("kiosk_id", "local_date", "hour", "scale", "level"), ("text", "text", "int", "text", "text")),
}


# The same roll-ups, derived in SQL from a ``votes`` row (what :func:`roll_ups` does in Python), for
# :func:`rebuild_roll_ups`. A test holds the two equal.
_FLAGGED = "CASE WHEN flag IS NULL THEN 0 ELSE 1 END"
_HOUR = "CAST(substr(local_time, 12, 2) AS INTEGER)"   # the local hour, as the kiosk wrote it
ROLL_UP_FROM_VOTES = {
    "daily_totals": ("kiosk_id", "local_date", "counter_id", "coalesce(officer, '')", "scale", "level", _FLAGGED),
    "kiosk_days": ("kiosk_id", "local_date", "scale", "level", _FLAGGED),
    "hour_totals": ("kiosk_id", "local_date", _HOUR, "scale", "level"),
}


def rebuild_roll_ups(cur) -> None:
    """Rebuild every roll-up table from the votes held, set-based (one INSERT … SELECT … GROUP BY per
    table): after a bulk load, or to repair roll-ups. Demo votes are left out, as by the ingest."""
    for table, exprs in ROLL_UP_FROM_VOTES.items():
        key = ROLL_UP_TABLES[table][0]
        cur.execute(f"DELETE FROM {table}")
        cur.execute(f"INSERT INTO {table} ({', '.join(key)}, n) SELECT {', '.join(exprs)}, count(*) FROM votes "
                    f"WHERE {COUNTED_SQL} GROUP BY {', '.join(exprs)}")
    from central.rates import RATES   # the pages' cache of rates was built from the old rows
    RATES.clear()
    cur.execute("DELETE FROM reason_days")
    cur.execute("INSERT INTO reason_days (kiosk_id, local_date, element, n) SELECT v.kiosk_id, v.local_date, r.element, "
                f"count(*) FROM vote_reasons r JOIN votes v ON v.uuid = r.vote_uuid WHERE 1 = 1{count_filter(Source, 'v.')} "
                "GROUP BY v.kiosk_id, v.local_date, r.element")


def upsert_sql(vendor: str, table: str) -> str:
    """One statement adding rows to a roll-up table: on PostgreSQL all rows at once, as one JSON array
    of arrays taken apart by the server (one parameter, one round trip: JSON is encoded in C, where
    psycopg dumps a Python list element by element) — as ``jsonb``, parsed once, where each ``->>`` of a
    ``json`` value parses its element again (a fifth of the statement's time); elsewhere one row per
    parameter set (``executemany``)."""
    key, types = ROLL_UP_TABLES[table]
    columns = ", ".join((*key, "n"))
    tail = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {table}.n + excluded.n"
    if vendor == "postgresql":
        fields = ", ".join(f"(r->>{i})::{t}" for i, t in enumerate((*types, "bigint")))
        return f"INSERT INTO {table} ({columns}) SELECT {fields} FROM jsonb_array_elements(%s::jsonb) AS r {tail}"
    return f"INSERT INTO {table} ({columns}) VALUES ({marks(len(key) + 1)}) {tail}"


def add_roll_ups(cur, vendor: str, rows: dict[str, list[tuple]]) -> None:
    """Add counted rows (see :func:`roll_ups`) to the roll-up tables: one statement per table."""
    for table, values in rows.items():
        if not values:
            continue
        if vendor == "postgresql":
            cur.execute(upsert_sql(vendor, table), [json.dumps(values, ensure_ascii=False)])
        else:
            cur.executemany(upsert_sql(vendor, table), values)


def totals_for(cur, kiosk_id: str, keys: set[tuple[str, str, str]]) -> list[dict]:
    """What the service holds for each (day, counter, scale) the batch touched, demo and held-back votes
    included (the kiosk compares them with every vote it sent)."""
    if not keys:
        return []
    days = sorted({d for d, _, _ in keys})
    cur.execute(f"SELECT local_date, counter_id, scale, level, flagged, sum(n) FROM daily_totals WHERE kiosk_id = %s "
                f"AND local_date IN ({marks(len(days))}) GROUP BY local_date, counter_id, scale, level, flagged",
                [kiosk_id, *days])
    found = cur.fetchall()
    # The kiosk compares these with every vote it sent, demo ones included: add back the demo votes the
    # roll-ups leave out (the literal predicate lets the partial index ``votes_demo`` answer).
    cur.execute(f"SELECT local_date, counter_id, scale, level, CASE WHEN flag IS NULL THEN 0 ELSE 1 END, count(*) "
                f"FROM votes WHERE kiosk_id = %s AND source = '{DEMO_SOURCE}' AND local_date IN ({marks(len(days))}) "
                "GROUP BY local_date, counter_id, scale, level, CASE WHEN flag IS NULL THEN 0 ELSE 1 END",
                [kiosk_id, *days])
    found += cur.fetchall()
    # …and the votes held back for their kiosk's clock (few: the partial index ``votes_held_back``).
    cur.execute(f"SELECT local_date, counter_id, scale, level, CASE WHEN flag IS NULL THEN 0 ELSE 1 END, count(*) "
                f"FROM votes WHERE kiosk_id = %s AND held_back IS NOT NULL AND source <> '{DEMO_SOURCE}' "
                f"AND local_date IN ({marks(len(days))}) "
                "GROUP BY local_date, counter_id, scale, level, CASE WHEN flag IS NULL THEN 0 ELSE 1 END",
                [kiosk_id, *days])
    found += cur.fetchall()
    rows: dict[tuple[str, str, str], list] = {k: [] for k in keys}
    for day, counter, scale, level, flagged, n in found:
        if (day, counter, scale) in rows:
            rows[(day, counter, scale)].append((level, bool(flagged), int(n)))
    return [{"date": d, "counter": c, "scale": sc, **fold_levels(rows[(d, c, sc)])} for d, c, sc in sorted(keys)]


def add_reason_days(cur, kiosk_id: str, new: list[dict], day_of: dict[str, tuple[str, bool]]) -> None:
    """Add newly stored reasons to ``reason_days`` under their vote's day (``day_of``: a vote's UUID to its
    (local_date, whether it counts)); the reason of a vote that does not count is kept, like the vote,
    but not counted."""
    per_day: Counter = Counter()
    for r in new:
        day, counts_here = day_of[r["vote_uuid"]]
        if counts_here:
            per_day[(day, r["element"])] += 1
    cur.executemany("INSERT INTO reason_days (kiosk_id, local_date, element, n) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (kiosk_id, local_date, element) DO UPDATE SET n = reason_days.n + excluded.n",
                    [(kiosk_id, d, e, n) for (d, e), n in sorted(per_day.items())])

"""Counter names through time (issue 17): each name a kiosk gave a counter, from the signed time of the
first batch that carried it. Renaming or removing a counter never rewrites past votes: a report for a
period shows the name that was in force then, never today's.

A period during which a counter was renamed shows both, ``old → new``: its votes were cast under
both names, and a manager reading last quarter's report must recognise the counter by either (only
the newer one would relabel the votes cast before the rename; only the older would hide that it
changed). A counter a kiosk no longer sends keeps its last name: the history is never deleted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from rating.period import LOCAL_TZ

ARROW = " → "   # between the names a counter had within one period


def record(cur, kiosk_id: str, counters: list[dict[str, str]], sent_ts: int, received: str) -> None:
    """Note each counter name that differs from the one in force at ``sent_ts`` (the batch's signed
    time); called by ingest in the batch's transaction, under the kiosk's chain lock (one batch of a
    kiosk at a time). A batch signed in the same second as a stored name changes nothing, as for
    the current names (a replay)."""
    for c in counters:
        cur.execute("SELECT name FROM counter_name_history WHERE kiosk_id = %s AND counter_id = %s AND from_ts <= %s "
                    "ORDER BY from_ts DESC LIMIT 1", [kiosk_id, c["id"], sent_ts])
        row = cur.fetchone()
        if row is not None and row[0] == c["name"]:
            continue   # the name in force already: the nightly batch repeats every name
        cur.execute("INSERT INTO counter_name_history (kiosk_id, counter_id, name, from_ts, received) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (kiosk_id, counter_id, from_ts) DO NOTHING",
                    [kiosk_id, c["id"], c["name"], sent_ts, received])


def _start_ts(day: date) -> int:
    """The first second of ``day`` in Hải Phòng time."""
    return int(datetime.combine(day, time(0), LOCAL_TZ).timestamp())


def names_in_force(source, kiosks: list[str], d_from: date, d_to: date) -> dict[tuple[str, str], str]:
    """Per (kiosk, counter): the name in force over the period ``d_from``..``d_to`` (its local days),
    ``old → new`` when it changed within; a counter named only after the period has its first name."""
    if not kiosks:
        return {}
    start, end = _start_ts(d_from), _start_ts(d_to + timedelta(days=1))
    marks = ", ".join("?" * len(kiosks))
    history: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for k, c, name, ts in source.query(
            f"SELECT kiosk_id, counter_id, name, from_ts FROM counter_name_history WHERE kiosk_id IN ({marks}) "
            "ORDER BY kiosk_id, counter_id, from_ts", kiosks):
        history.setdefault((k, c), []).append((int(ts), name))
    out = {}
    for key, rows in history.items():
        before = [n for ts, n in rows if ts < start]
        shown = [before[-1] if before else rows[0][1]] + [n for ts, n in rows if start <= ts < end]
        names = [n for i, n in enumerate(shown) if i == 0 or n != shown[i - 1]]
        out[key] = ARROW.join(names)
    # Counters known only to the current table (none once the migration has copied it): their name.
    for k, c, name in source.query(f"SELECT kiosk_id, counter_id, name FROM counters WHERE kiosk_id IN ({marks})",
                                   kiosks):
        out.setdefault((k, c), name)
    return out

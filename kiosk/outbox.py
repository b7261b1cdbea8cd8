"""The store as the sync outbox: what is waiting, marking what the server acknowledged, quarantine,
and the bookkeeping the manager sees (last run, last error, clock skew, total mismatches).

Sync state is data in the same database as the votes, written in its own transactions; a vote is
marked synced only for the UUIDs a server receipt lists. Nothing here talks to the network.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any, Iterable

# The fields of a vote that travel are defined once, in the wire contract both ends import; that module
# needs only the domain (no network library), so the domain may read the field list from it.
from rating.wire import WIRE_FIELDS

from .store import VOTE_COLUMNS, VoteStore
from .syncstate import SyncState
from rating.totals import fold_levels

_WIRE_SQL = ", ".join(WIRE_FIELDS)
assert set(WIRE_FIELDS) <= set(VOTE_COLUMNS)


def pending_votes(store: VoteStore, limit: int) -> list[dict[str, Any]]:
    """The oldest ``limit`` votes waiting to be sent, in sequence order (bounded memory)."""
    # "!= 'synced'" is the partial index's own condition: with it the outbox is read from the index,
    # not by scanning years of synced votes.
    rows = store.query(f"SELECT {_WIRE_SQL} FROM votes WHERE sync_state != '{SyncState.SYNCED}' "
                       f"AND sync_state = '{SyncState.PENDING}' ORDER BY seq LIMIT ?", (limit,))
    return [dict(zip(WIRE_FIELDS, row)) for row in rows]


def pending_reasons(store: VoteStore, limit: int) -> list[dict[str, Any]]:
    """Reasons waiting to be sent whose vote is not quarantined (they may follow a vote synced earlier)."""
    rows = store.query(
        "SELECT r.vote_uuid, r.element, r.recorded_at FROM vote_reasons r JOIN votes v ON v.uuid = r.vote_uuid "
        f"WHERE r.sync_state != '{SyncState.SYNCED}' AND r.sync_state = '{SyncState.PENDING}' "
        f"AND v.sync_state != '{SyncState.QUARANTINED}' "
        "ORDER BY v.seq, r.element LIMIT ?", (limit,))
    return [{"vote_uuid": u, "element": e, "recorded_at": t} for u, e, t in rows]


def count_pending(store: VoteStore) -> dict[str, int]:
    """How many votes and reasons are waiting, and how many votes are quarantined."""
    votes = dict(store.query(f"SELECT sync_state, count(*) FROM votes WHERE sync_state != '{SyncState.SYNCED}' "
                             "GROUP BY 1"))
    reasons = store.query(f"SELECT count(*) FROM vote_reasons WHERE sync_state != '{SyncState.SYNCED}' "
                          f"AND sync_state = '{SyncState.PENDING}'")[0][0]
    return {"votes": votes.get(SyncState.PENDING, 0), "reasons": reasons,
            "quarantined": votes.get(SyncState.QUARANTINED, 0)}


def mark_synced(store: VoteStore, vote_uuids: Iterable[str], reasons: Iterable[tuple[str, str]], at: datetime) -> int:
    """Mark the votes and (vote_uuid, element) reasons a receipt acknowledged; return how many votes changed."""
    stamp = at.isoformat(timespec="seconds")
    uuids = list(vote_uuids)
    keys = list(reasons)

    def work(conn: sqlite3.Connection) -> int:
        before = conn.total_changes
        conn.executemany(f"UPDATE votes SET sync_state = '{SyncState.SYNCED}', synced_at = ? WHERE uuid = ? "
                         f"AND sync_state = '{SyncState.PENDING}'",
                         [(stamp, u) for u in uuids])
        changed = conn.total_changes - before
        conn.executemany(f"UPDATE vote_reasons SET sync_state = '{SyncState.SYNCED}' WHERE vote_uuid = ? "
                         "AND element = ?", keys)
        return changed

    return store.write(work)


def quarantine(store: VoteStore, vote_uuids: Iterable[str], reason: str, at: datetime) -> int:
    """Set votes aside with the server's reason: kept, shown to the manager, retried only when released."""
    stamp = at.isoformat(timespec="seconds")
    uuids = list(vote_uuids)

    def work(conn: sqlite3.Connection) -> int:
        conn.executemany(f"UPDATE votes SET sync_state = '{SyncState.QUARANTINED}' WHERE uuid = ? "
                         f"AND sync_state = '{SyncState.PENDING}'",
                         [(u,) for u in uuids])
        conn.executemany("INSERT OR REPLACE INTO sync_quarantine (vote_uuid, reason, at) VALUES (?, ?, ?)",
                         [(u, reason[:500], stamp) for u in uuids])
        return len(uuids)

    return store.write(work)


def release_quarantine(store: VoteStore) -> int:
    """Put every quarantined vote back in the outbox (the manager's "retry"); return how many."""
    def work(conn: sqlite3.Connection) -> int:
        n = conn.execute(f"UPDATE votes SET sync_state = '{SyncState.PENDING}' "
                         f"WHERE sync_state = '{SyncState.QUARANTINED}'").rowcount
        conn.execute("DELETE FROM sync_quarantine")
        return n

    return store.write(work)


def quarantined(store: VoteStore, limit: int = 100) -> list[dict[str, Any]]:
    """Quarantined votes with the server's reason, oldest first."""
    rows = store.query("SELECT q.vote_uuid, v.seq, q.reason, q.at FROM sync_quarantine q JOIN votes v "
                       "ON v.uuid = q.vote_uuid ORDER BY v.seq LIMIT ?", (limit,))
    return [{"uuid": u, "seq": seq, "reason": r, "at": at} for u, seq, r, at in rows]


# --- bookkeeping ------------------------------------------------------------------------------

def get_meta(store: VoteStore, key: str, default: str | None = None) -> str | None:
    """A sync bookkeeping value (e.g. the clock offset), or ``default``."""
    rows = store.query("SELECT value FROM sync_meta WHERE key = ?", (key,))
    return rows[0][0] if rows else default


def set_meta(store: VoteStore, values: dict[str, str | None]) -> None:
    """Set sync bookkeeping values; ``None`` removes a key."""
    def work(conn: sqlite3.Connection) -> None:
        for key, value in values.items():
            if value is None:
                conn.execute("DELETE FROM sync_meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)", (key, value))

    store.write(work)


def record_run(store: VoteStore, started: datetime, finished: datetime, sent: int, remaining: int, ok: bool,
               error: str | None) -> None:
    """Remember one sync run (the manager's "last sync" and "last error")."""
    store.write(lambda conn: conn.execute(
        "INSERT INTO sync_runs (started_at, finished_at, sent, remaining, ok, error) VALUES (?, ?, ?, ?, ?, ?)",
        (started.isoformat(timespec="seconds"), finished.isoformat(timespec="seconds"), sent, remaining, int(ok),
         error)))


def local_synced_totals(store: VoteStore, day: str, counter: str, scale: str) -> dict[str, Any]:
    """Level counts and flagged count of the *synced* votes for one day, counter and scale."""
    return fold_levels(store.query(
        "SELECT level, flag IS NOT NULL, count(*) FROM votes WHERE local_date = ? AND counter_id = ? AND scale = ? "
        f"AND sync_state = '{SyncState.SYNCED}' GROUP BY 1, 2", (day, counter, scale)))


def record_comparison(store: VoteStore, server_totals: list[dict[str, Any]], at: datetime) -> list[dict[str, Any]]:
    """Compare the server's totals with the synced votes here; store and return the mismatches."""
    mismatches, matched = [], []
    for row in server_totals:
        server = {"levels": {k: v for k, v in row["levels"].items() if v}, "flagged": row["flagged"]}
        local = local_synced_totals(store, row["date"], row["counter"], row["scale"])
        key = (row["date"], row["counter"], row["scale"])
        if local == server:
            matched.append(key)
        else:
            mismatches.append({"date": key[0], "counter": key[1], "scale": key[2], "local": local, "server": server})
    stamp = at.isoformat(timespec="seconds")

    def work(conn: sqlite3.Connection) -> None:
        conn.executemany("DELETE FROM sync_mismatches WHERE local_date = ? AND counter_id = ? AND scale = ?", matched)
        conn.executemany("INSERT OR REPLACE INTO sync_mismatches VALUES (?, ?, ?, ?, ?, ?)",
                         [(m["date"], m["counter"], m["scale"], json.dumps(m["local"]), json.dumps(m["server"]), stamp)
                          for m in mismatches])

    store.write(work)
    return mismatches


def status(store: VoteStore) -> dict[str, Any]:
    """What the manager's status screen shows about sync."""
    last = store.query("SELECT started_at, finished_at, sent, remaining, ok, error FROM sync_runs ORDER BY id DESC LIMIT 1")
    ok = store.query("SELECT finished_at FROM sync_runs WHERE ok = 1 ORDER BY id DESC LIMIT 1")
    failed = store.query("SELECT finished_at, error FROM sync_runs WHERE ok = 0 ORDER BY id DESC LIMIT 1")
    mismatches = store.query("SELECT local_date, counter_id, scale, local, server FROM sync_mismatches ORDER BY 1, 2")
    skew = get_meta(store, "clock_skew_s")
    return {
        # Set while the service refuses this kiosk's signature (not registered, wrong secret): the
        # votes wait, and the manager must fix the configuration.
        "auth_error": get_meta(store, "auth_error"),
        **count_pending(store),
        "last_run": dict(zip(("started_at", "finished_at", "sent", "remaining", "ok", "error"), last[0])) if last else None,
        "last_success": ok[0][0] if ok else None,
        "last_error": {"at": failed[0][0], "error": failed[0][1]} if failed else None,
        "clock_skew_s": float(skew) if skew is not None else None,
        "mismatches": [{"date": d, "counter": c, "scale": s, "local": json.loads(lo), "server": json.loads(se)}
                       for d, c, s, lo, se in mismatches],
    }

"""The central service: ingest rate into SQLite and PostgreSQL beside a raw bulk insert of the same
rows; the overview and a commune's page for a city of 114 communes over a year (roll-ups built with
set-based SQL); the raw votes CSV streamed with the server's memory watched.

Goals: ingest ≥ 0.5× raw bulk insert; pages p95 < 300 ms; CSV memory growth flat (< 50 MB).
Scale with BENCH_CENTRAL_SCALE (1.0 = 114 communes × 365 days ≈ 20 M votes in roll-ups).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, pct, verdict  # noqa: E402

SCALE = float(os.environ.get("BENCH_CENTRAL_SCALE", "1.0"))
ONLY = set(filter(None, os.environ.get("BENCH_CENTRAL_ONLY", "").split(",")))   # e.g. "pages": part of the run
COMMUNES = 114
DAYS = 365
TODAY = date(2026, 11, 21)


def rss_mb() -> float:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def setup(folder: Path):
    """Django on a throwaway default; a PostgreSQL server when the binaries are there."""
    from central.app import setup_django
    setup_django(str(folder / "default.db"))
    try:
        from tests.pg_server import PG_BIN, PostgresServer
        return PostgresServer() if (PG_BIN / "initdb").exists() else None
    except Exception as e:  # no PostgreSQL here: SQLite figures only
        print(f"  (PostgreSQL not available: {e})")
        return None


def database(alias: str, value: str) -> str:
    from central.app import migrate
    from central.runtime import add_database
    add_database(alias, value)
    migrate(alias)
    return alias


def make_batches(kiosks: int, per_kiosk: int) -> dict[str, list[dict]]:
    """Checked votes per kiosk, made as kiosks make them (outside the timing)."""
    import random

    from central.demo import make_votes
    from sync.wire import check_vote
    rng = random.Random(3)
    days = [TODAY - timedelta(days=d) for d in range(120, 0, -1)]
    out = {}
    for k in range(kiosks):
        kid = f"bench-{k:02d}"
        per_day = max(1, per_kiosk // 103)
        votes = list(make_votes(kid, days, per_day, 0.9, rng))[:per_kiosk]
        out[kid] = [check_vote(v, kid, i) for i, v in enumerate(votes)]
    return out


INGEST_TABLES = ("votes", "daily_totals", "kiosk_days", "hour_totals", "chain_state", "chain_gaps", "chain_issues",
                 "kiosk_status", "conflicts")
ROUNDS = int(os.environ.get("BENCH_CENTRAL_ROUNDS", "5"))


def _empty(alias: str) -> None:
    """Empty the tables an ingest writes, so each round starts from the same empty database."""
    from django.db import connections, transaction
    conn = connections[alias]
    with transaction.atomic(using=alias), conn.cursor() as cur:
        for table in INGEST_TABLES:
            cur.execute(f"TRUNCATE {table}" if conn.vendor == "postgresql" else f"DELETE FROM {table}")


def bench_ingest(label: str, alias: str, raw_alias: str, batches: dict[str, list[dict]]) -> None:
    """Votes/s through the service's ingest (dedupe, chain, roll-ups) beside a raw bulk insert of the same
    rows. The two alternate for ``ROUNDS`` rounds on emptied tables and the verdict is the median of the
    rounds' ratios: the build machine is shared, and one slow second in either would decide a single-shot
    ratio (each round's two runs are seconds apart, so they share the machine's mood)."""
    import statistics
    from django.db import connections, transaction

    from central import ingest
    n = sum(len(v) for v in batches.values())
    now = datetime.now(timezone.utc)
    conn = connections[raw_alias]
    cols = ingest.VOTE_COLUMNS
    received = now.isoformat(timespec="seconds")
    rows = [tuple(v[c] for c in cols[:-1]) + (received,) for votes in batches.values() for v in votes]
    best_service = best_raw = 0.0
    ratios = []
    for round_no in range(ROUNDS):
        _empty(alias)
        _empty(raw_alias)
        t = time.perf_counter()
        for kid, votes in batches.items():
            for i in range(0, len(votes), 5000):
                ingest.ingest(alias, kid, votes[i:i + 5000], [], [], None, now, int(now.timestamp()))
        service = n / (time.perf_counter() - t)
        t = time.perf_counter()
        if conn.vendor == "postgresql":
            with transaction.atomic(using=raw_alias), conn.cursor() as cur:
                with cur.cursor.copy(f"COPY votes ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            for i in range(0, len(rows), 5000):
                with transaction.atomic(using=raw_alias), conn.cursor() as cur:
                    cur.executemany(f"INSERT INTO votes ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                                    rows[i:i + 5000])
        raw = n / (time.perf_counter() - t)
        print(f"    round {round_no + 1}: {label} ingest {service:,.0f} votes/s, raw {raw:,.0f} votes/s "
              f"({service / raw:.2f}×)")
        best_service, best_raw = max(best_service, service), max(best_raw, raw)
        ratios.append(service / raw)
    print(f"  ingest {label:<10} {best_service:>10,.0f} votes/s; raw bulk insert "
          f"({'COPY' if conn.vendor == 'postgresql' else 'executemany'}) {best_raw:>10,.0f} votes/s "
          f"(best of {ROUNDS} rounds, {n:,} votes each)")
    verdict(f"ingest/raw {label} (median of rounds)", statistics.median(ratios), 0.5, "×", lower_is_better=False)


def bench_late_vote(label: str, alias: str, n: int) -> None:
    """A late vote on a kiosk holding ``n`` votes costs what an append costs (no re-walk of the chain)."""
    import random

    from central import ingest
    from central.demo import make_votes
    from sync.wire import check_vote
    days = [TODAY - timedelta(days=d) for d in range(400, 0, -1)]
    votes = [check_vote(v, "late-01", i) for i, v in enumerate(make_votes("late-01", days, n // 340 + 1, 0.9,
                                                                          random.Random(5)))][:n + 1]
    late = votes.pop(n // 10)
    last = votes.pop()
    now = datetime.now(timezone.utc)
    for i in range(0, len(votes), 5000):
        ingest.ingest(alias, "late-01", votes[i:i + 5000], [], [], None, now, int(now.timestamp()))
    timings = {}
    for name, vote in (("late vote", late), ("append", last)):
        t = time.perf_counter()
        r = ingest.ingest(alias, "late-01", [vote], [], [], None, now, int(now.timestamp()))
        timings[name] = time.perf_counter() - t
        assert r.accepted == [vote["uuid"]] and r.chain["ok"], r.chain
    print(f"  {label}: on a kiosk of {len(votes) + 2:,} votes, a late vote took {timings['late vote'] * 1000:.1f} ms, "
          f"an append {timings['append'] * 1000:.1f} ms")
    verdict(f"{label} late vote / append", timings["late vote"] / timings["append"], 3, "×")


def build_city(alias: str, communes: int, days: int) -> int:
    """Units, kiosks and a year of roll-ups, all with set-based SQL; returns the votes they stand for."""
    from django.db import connections, transaction
    conn = connections[alias]
    pg = conn.vendor == "postgresql"
    first = (TODAY - timedelta(days=days - 1)).isoformat()
    with transaction.atomic(using=alias), conn.cursor() as cur:
        cur.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES ('hp', 'city', 'Hải Phòng', NULL, 90)")
        for i in range(communes):
            cur.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES (%s, 'commune', %s, 'hp', 90)", [f"c{i:03d}", f"Xã {i:03d}"])
            cur.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES (%s, 'centre', %s, %s, 90)", [f"t{i:03d}", f"Trung tâm {i:03d}", f"c{i:03d}"])
            cur.execute("INSERT INTO kiosks (id, centre_id, secret, previous_secret, created_at) VALUES "
                        "(%s, %s, 'x', '', %s)", [f"k{i:03d}", f"t{i:03d}", datetime.now(timezone.utc)])
        if pg:
            day = "to_char(%s::date + d, 'YYYY-MM-DD')"
            series = (f"FROM generate_series(0, {communes - 1}) k, generate_series(0, {days - 1}) d, "
                      "generate_series(1, 3) c, generate_series(1, 5) o, unnest(ARRAY['RHL','HL','BT','KHL','RKHL']) l")
            kid, cid, oid, n = "'k' || lpad(k::text, 3, '0')", "'Q' || c", "'CB0' || o", \
                "(CASE l WHEN 'RHL' THEN 12 WHEN 'HL' THEN 8 ELSE 0 END + mod(k + d + c + o, 2) * 3)"
            cur.execute(f"INSERT INTO daily_totals (kiosk_id, local_date, counter_id, officer, scale, level, flagged, n) "
                        f"SELECT {kid}, {day}, {cid}, {oid}, 'sipas5', l, 0, {n} {series}", [first])
            cur.execute(f"INSERT INTO hour_totals (kiosk_id, local_date, hour, scale, level, n) SELECT {kid}, {day}, h, "
                        "'sipas5', l, 10 FROM generate_series(0, %s) k, generate_series(0, %s) d, generate_series(7, 16) h, "
                        "unnest(ARRAY['RHL','HL','BT','KHL','RKHL']) l", [first, communes - 1, days - 1])
        else:
            gen = lambda name, lo, hi: f"{name}(v) AS (SELECT {lo} UNION ALL SELECT v + 1 FROM {name} WHERE v < {hi})"  # noqa: E731
            ctes = ("WITH RECURSIVE " + ", ".join([gen("k", 0, communes - 1), gen("d", 0, days - 1), gen("c", 1, 3),
                                                    gen("o", 1, 5), gen("h", 7, 16)])
                    + ", l(v) AS (VALUES ('RHL'), ('HL'), ('BT'), ('KHL'), ('RKHL'))")
            kid, day = "'k' || substr('000' || k.v, -3)", "date(%s, '+' || d.v || ' days')"
            n = "(CASE l.v WHEN 'RHL' THEN 12 WHEN 'HL' THEN 8 ELSE 0 END + ((k.v + d.v + c.v + o.v) % 2) * 3)"
            cur.execute(f"{ctes} INSERT INTO daily_totals (kiosk_id, local_date, counter_id, officer, scale, level, flagged, n) "
                        f"SELECT {kid}, {day}, 'Q' || c.v, 'CB0' || o.v, 'sipas5', l.v, 0, {n} FROM k, d, c, o, l", [first])
            cur.execute(f"{ctes} INSERT INTO hour_totals (kiosk_id, local_date, hour, scale, level, n) "
                        f"SELECT {kid}, {day}, h.v, 'sipas5', l.v, 10 FROM k, d, h, l", [first])
        cur.execute("INSERT INTO kiosk_days (kiosk_id, local_date, level, flagged, n) SELECT kiosk_id, local_date, "
                    "level, flagged, sum(n) FROM daily_totals GROUP BY kiosk_id, local_date, level, flagged")
        cur.execute("SELECT sum(n) FROM daily_totals")
        total = int(cur.fetchone()[0])
    with conn.cursor() as cur:   # as autovacuum would soon do: statistics, and the visibility map for index-only scans
        cur.execute("VACUUM ANALYZE" if pg else "ANALYZE")
    return total


def bench_pages(label: str, alias: str, communes: int, days: int) -> None:
    """p95 of the overview and a commune's page (30 days, the default, and a whole year) over real HTTP."""
    import requests

    from central.accounts import add_user
    from central.app import CentralApp
    from central.runtime import Runtime, activate, deactivate
    from central.server import serving
    t = time.perf_counter()
    votes = build_city(alias, communes, days)
    print(f"  {label}: built {communes} communes × {days} days of roll-ups ({votes:,} votes) in "
          f"{time.perf_counter() - t:.0f} s (set-based SQL)")
    rt = Runtime(alias=alias, clock=lambda: datetime(2026, 11, 21, 12, tzinfo=timezone.utc).timestamp())
    token = activate(rt)
    add_user(f"bench-{alias}", "admin", None, "bench-Password-2026")
    deactivate(token)
    with serving(CentralApp(rt)) as url:
        s = requests.Session()
        form = s.get(url + "/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        s.post(url + "/login/", data={"username": f"bench-{alias}", "password": "bench-Password-2026",
                                      "csrfmiddlewaretoken": csrf}, headers={"Referer": url + "/login/"})
        year = f"from={(TODAY - timedelta(days=days - 1)).isoformat()}&to={TODAY.isoformat()}"
        c = f"c{min(7, communes - 1):03d}"
        for name, path in (("overview 30 days", "/"), ("overview a year", f"/?{year}"),
                           ("commune 30 days", f"/unit/{c}/"), ("commune a year", f"/unit/{c}/?{year}")):
            samples = []
            for _ in range(12):
                t = time.perf_counter()
                r = s.get(url + path)
                samples.append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code
            verdict(f"{label} {name} p95", pct(samples, 95) * 1000, 300, " ms")


def bench_csv(label: str, alias: str, n: int) -> None:
    """Stream the raw CSV of ``n`` votes and watch the process's memory."""
    import requests
    from django.db import connections, transaction

    from central.accounts import add_user
    from central.app import CentralApp
    from central.runtime import Runtime, activate, deactivate
    from central.server import serving
    conn = connections[alias]
    with transaction.atomic(using=alias), conn.cursor() as cur:
        cur.execute("DELETE FROM votes")
        if conn.vendor == "postgresql":
            cur.execute("INSERT INTO votes (uuid, kiosk_id, seq, counter_id, officer, level, scale, source, local_time, "
                        "box_seq, flag, prev_hash, hash, local_date, ts_ms, received_at) SELECT "
                        "md5(s::text)::uuid::text, 'k007', s, 'Q1', 'CB01', 'HL', 'sipas5', 'touch', "
                        "'2026-11-20T09:00:00.000+07:00', NULL, NULL, md5(s::text) || md5(s::text), "
                        "md5((s+1)::text) || md5(s::text), '2026-11-20', 0, 'x' FROM generate_series(1, %s) s", [n])
        else:
            cur.execute("WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < %s) "
                        "INSERT INTO votes (uuid, kiosk_id, seq, counter_id, officer, level, scale, source, local_time, "
                        "box_seq, flag, prev_hash, hash, local_date, ts_ms, received_at) SELECT "
                        "printf('%%08x-0000-4000-8000-%%012x', v, v), 'k007', v, 'Q1', 'CB01', 'HL', 'sipas5', 'touch', "
                        "'2026-11-20T09:00:00.000+07:00', NULL, NULL, hex(randomblob(32)), hex(randomblob(32)), "
                        "'2026-11-20', 0, 'x' FROM s", [n])
    rt = Runtime(alias=alias)
    token = activate(rt)
    add_user(f"csv-{alias}", "admin", None, "bench-Password-2026")
    deactivate(token)
    with serving(CentralApp(rt)) as url:
        s = requests.Session()
        form = s.get(url + "/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        s.post(url + "/login/", data={"username": f"csv-{alias}", "password": "bench-Password-2026",
                                      "csrfmiddlewaretoken": csrf}, headers={"Referer": url + "/login/"})
        before, peak, size = rss_mb(), 0.0, 0
        t = time.perf_counter()
        with s.get(url + "/export/votes.csv?unit=k007&from=2026-11-01&to=2026-11-30", stream=True) as r:
            for chunk in r.iter_content(1 << 16):
                size += len(chunk)
                peak = max(peak, rss_mb())
        took = time.perf_counter() - t
    assert r.status_code == 200, r.status_code
    print(f"  {label}: raw CSV of {n:,} votes, {size / 1e6:,.0f} MB in {took:.1f} s "
          f"({n / took:,.0f} votes/s; 10 M would take ≈ {1e7 / (n / took) / 60:.1f} min)")
    verdict(f"{label} CSV memory growth", peak - before, 50, " MB")


def main() -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    pg = setup(folder)
    communes, days = max(2, round(COMMUNES * SCALE)), DAYS
    try:
        batches = make_batches(10, 10_000) if not ONLY or {"ingest", "late"} & ONLY else {}
        targets = [("SQLite", str(folder / "ingest.db"), str(folder / "raw.db"))]
        if pg:
            targets.append(("PostgreSQL", pg.new_database(), pg.new_database()))
        for label, db, raw in targets if batches else ():
            bench_ingest(label, database(f"in-{label}", db), database(f"raw-{label}", raw), batches)
            if not ONLY or "late" in ONLY:
                bench_late_vote(label, f"in-{label}", int(300_000 * SCALE))
        city = [("SQLite", str(folder / "city.db"))] + ([("PostgreSQL", pg.new_database())] if pg else [])
        for label, db in city:
            alias = database(f"city-{label}", db)
            if not ONLY or "pages" in ONLY:
                bench_pages(label, alias, communes, days)
            if not ONLY or "csv" in ONLY:
                bench_csv(label, alias, int(1_000_000 * SCALE))
    finally:
        from django.db import connections
        connections.close_all()
        if pg:
            pg.stop()


if __name__ == "__main__":
    main()

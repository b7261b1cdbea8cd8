"""The central service: ingest rate into SQLite and PostgreSQL beside a raw bulk insert of the same
rows; the overview and a commune's page for a city of 114 communes over a year (roll-ups built with
set-based SQL); the raw votes CSV streamed with the server's memory watched.

Goals: ingest ≥ 0.6× raw bulk insert (issue 15; 0.5× before); pages p95 < 300 ms; the gaming checks' report for the city-year < 2 s; CSV memory growth flat (< 50 MB).
Sizes: BENCH_CENTRAL_VOTES (default 2e6 real votes for the city of 114 communes × 365 days; 2e7 is the
full city-year of the goal, ~30 min to build here), BENCH_CENTRAL_CSV_VOTES (default 1e6; 1e7 for the
10 M of the goal), BENCH_CENTRAL_SCALE (a share of the 114 communes), BENCH_CENTRAL_ONLY=ingest,late,
pages,anomalies,csv (part of the run), BENCH_CENTRAL_DBS=SQLite,PostgreSQL (which databases, for pages and CSV),
BENCH_CENTRAL_ROUNDS (ingest rounds, default 5).
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
DBS = set(filter(None, os.environ.get("BENCH_CENTRAL_DBS", "SQLite,PostgreSQL").split(",")))   # which databases
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
    from rating.wire import check_vote
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
    cols = ingest.VOTES.columns
    received = now.isoformat(timespec="seconds")
    # The raw insert writes the same columns the ingest does: what the vote carries, then what the service adds.
    added = {"received_at": received, "held_back": None}
    rows = [tuple(added[c] if c in added else v[c] for c in cols) for votes in batches.values() for v in votes]
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
    verdict(f"ingest/raw {label} (median of rounds)", statistics.median(ratios), 0.6, "×", lower_is_better=False)


def bench_late_vote(label: str, alias: str, n: int) -> None:
    """A late vote on a kiosk holding ``n`` votes costs what an append costs (no re-walk of the chain)."""
    import random

    from central import ingest
    from central.demo import make_votes
    from rating.wire import check_vote
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


PAGE_SAMPLES = 20     # requests per page after the first; p95 of 20 is the 19th slowest
CSV_VOTES = int(float(os.environ.get("BENCH_CENTRAL_CSV_VOTES", "1e6")))   # 1e7: the 10 M votes of the goal
CITY_VOTES = int(float(os.environ.get("BENCH_CENTRAL_VOTES", "2e6")))   # 2e7: the full city-year (slow to build)


def _votes_sql(pg: bool, communes: int, days: int, per_day: int) -> tuple[str, list]:
    """One INSERT … SELECT making ``per_day`` votes a day for each commune's kiosk, server-side.

    Deterministic mixes: commune k's satisfied share moves with k (so the ranking has something to rank),
    hours 7-16, three counters, five officers and some votes without one, 1 % flagged repeats. UUIDs and
    sequence numbers rise with each kiosk's votes, as a kiosk's do (the indexes fill in order). Hashes are
    random hex: pages never read them."""
    first = (TODAY - timedelta(days=days - 1)).isoformat()
    columns = ("uuid, kiosk_id, seq, counter_id, officer, level, scale, source, local_time, box_seq, flag, "
               "prev_hash, hash, local_date, ts_ms, received_at")
    if pg:
        k, d, i = "k", "d", "i"
        seq = f"({d} * {per_day} + {i} + 1)"
        uuid = f"lpad(to_hex({k}), 8, '0') || '-0000-4000-8000-' || lpad(to_hex({seq}), 12, '0')"
        kid, day = f"'k' || lpad({k}::text, 3, '0')", "to_char(%s::date + d, 'YYYY-MM-DD')"
        two = lambda e: f"lpad(({e})::text, 2, '0')"  # noqa: E731
        hashes = "md5(random()::text) || md5(random()::text)"
        source = (f"FROM generate_series(0, {communes - 1}) k, generate_series(0, {days - 1}) d, "
                  f"generate_series(0, {per_day - 1}) i")
        mod = lambda a, b: f"mod({a}, {b})"  # noqa: E731
    else:
        k, d, i = "k.v", "d.v", "i.v"
        seq = f"({d} * {per_day} + {i} + 1)"
        uuid = f"printf('%%08x-0000-4000-8000-%%012x', {k}, {seq})"
        kid, day = f"'k' || substr('000' || {k}, -3)", f"date(%s, '+' || {d} || ' days')"
        two = lambda e: f"substr('0' || ({e}), -2)"  # noqa: E731
        hashes = "lower(hex(randomblob(32)))"
        gen = lambda name, hi: f"{name}(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM {name} WHERE v < {hi})"  # noqa: E731
        source = f"FROM k, d, i"
        mod = lambda a, b: f"(({a}) % {b})"  # noqa: E731
    roll = mod(f"{k} * 7 + {d} * 13 + {i} * 31", 100)
    level = (f"CASE WHEN {roll} < 40 THEN 'RHL' WHEN {roll} < 78 + {mod(k, 15)} THEN 'HL' "
             f"WHEN {roll} < 95 THEN 'BT' WHEN {roll} < 98 THEN 'KHL' ELSE 'RKHL' END")
    hour = f"7 + {mod(f'{i} * 3 + {d}', 10)}"
    local_time = f"{day} || 'T' || {two(hour)} || ':' || {two(mod(i, 60))} || ':00.000+07:00'"
    # The kiosk's clock in ms, as local_time says (the gaming checks' bursts read it; UTC+7).
    first_ms = int(datetime(*(TODAY - timedelta(days=days - 1)).timetuple()[:3], tzinfo=timezone.utc).timestamp()) * 1000
    ts_ms = f"({first_ms} + ({d} * 86400 + ({hour}) * 3600 + {mod(i, 60)} * 60 - 25200) * CAST(1000 AS BIGINT))"
    select = (f"SELECT {uuid}, {kid}, {seq}, 'Q' || (1 + {mod(i, 3)}), "
              f"CASE WHEN {mod(i, 6)} = 5 THEN NULL ELSE 'CB0' || (1 + {mod(i, 6)}) END, {level}, 'sipas5', 'touch', "
              f"{local_time}, NULL, CASE WHEN {mod(f'{i} + {d} + {k}', 100)} = 0 THEN 'repeat' END, "
              f"{hashes}, {hashes}, {day}, {ts_ms}, 'bench' {source}")
    if pg:
        return f"INSERT INTO votes ({columns}) {select}", [first, first]
    ctes = "WITH RECURSIVE " + ", ".join([gen("k", communes - 1), gen("d", days - 1), gen("i", per_day - 1)])
    return f"{ctes} INSERT INTO votes ({columns}) {select}", [first, first]


def build_city(alias: str, communes: int, days: int, votes: int) -> tuple[int, str]:
    """Units, kiosks, ``votes`` real votes spread over ``days`` days (made by the database itself), then
    the roll-ups from those votes with the service's own set-based SQL; returns the votes made and a
    line saying how big the database is."""
    from django.db import connections, transaction

    from central.rollups import rebuild_roll_ups
    conn = connections[alias]
    pg = conn.vendor == "postgresql"
    per_day = max(1, votes // (communes * days))
    with transaction.atomic(using=alias), conn.cursor() as cur:
        cur.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES ('hp', 'city', 'Hải Phòng', NULL, 90)")
        for i in range(communes):
            cur.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES (%s, 'commune', %s, 'hp', 90)", [f"c{i:03d}", f"Xã {i:03d}"])
            cur.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES (%s, 'centre', %s, %s, 90)", [f"t{i:03d}", f"Trung tâm {i:03d}", f"c{i:03d}"])
            cur.execute("INSERT INTO kiosks (id, centre_id, secret, previous_secret, created_at) VALUES "
                        "(%s, %s, 'x', '', %s)", [f"k{i:03d}", f"t{i:03d}", datetime.now(timezone.utc)])
            cur.execute("INSERT INTO counters (kiosk_id, counter_id, name, sent_ts) VALUES (%s, 'Q1', 'Quầy 1', 0), "
                        "(%s, 'Q2', 'Quầy 2', 0), (%s, 'Q3', 'Quầy 3', 0)", [f"k{i:03d}"] * 3)
        t = time.perf_counter()
        sql, params = _votes_sql(pg, communes, days, per_day)
        cur.execute(sql, params)
        made = communes * days * per_day
        took_votes = time.perf_counter() - t
        # What the ingest keeps per kiosk: its head and the count of votes held.
        cur.execute("INSERT INTO chain_state (kiosk_id, head_seq, head_hash, votes) SELECT kiosk_id, max(seq), '', "
                    "count(*) FROM votes GROUP BY kiosk_id")
        t = time.perf_counter()
        rebuild_roll_ups(cur)
        took_rolls = time.perf_counter() - t
        counts = {}
        for table in ("daily_totals", "kiosk_days", "hour_totals"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    with conn.cursor() as cur:   # as autovacuum would soon do: statistics, and the visibility map for index-only scans
        cur.execute("VACUUM ANALYZE" if pg else "ANALYZE")
        if pg:
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
        else:
            size = Path(conn.settings_dict["NAME"]).stat().st_size
    line = (f"{made:,} votes ({per_day}/day/kiosk) made by one INSERT … SELECT in {took_votes:.0f} s, roll-ups "
            f"rebuilt from them in {took_rolls:.0f} s ({', '.join(f'{k} {v:,}' for k, v in counts.items())} rows); "
            f"database {size / 1e9:.1f} GB")
    return made, line


def bench_pages(label: str, alias: str, communes: int, days: int) -> None:
    """p95 of the overview and a commune's page (30 days, the default, and a whole year) over real HTTP."""
    import requests

    from central import rates
    from central.accounts import add_user
    from central.app import CentralApp
    from central.runtime import Runtime, activate, deactivate
    from central.server import serving
    t = time.perf_counter()
    votes, how = build_city(alias, communes, days, int(CITY_VOTES * communes / COMMUNES))
    print(f"  {label}: {communes} communes × {days} days in {time.perf_counter() - t:.0f} s: {how}")
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
            t = time.perf_counter()
            assert s.get(url + path).status_code == 200   # the first asks with cold caches (templates, pages)
            first = time.perf_counter() - t
            samples = []
            for _ in range(PAGE_SAMPLES):
                t = time.perf_counter()
                r = s.get(url + path)
                samples.append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code
            print(f"    {label} {name}: first {first * 1000:.0f} ms, then p50 {pct(samples, 50) * 1000:.0f} ms "
                  f"over {PAGE_SAMPLES} requests")
            verdict(f"{label} {name} p95", pct(samples, 95) * 1000, 300, " ms")
            if path.startswith("/?") or path == "/":
                # The overview's worst case: every kiosk synced since the last request (no kept rate holds).
                cold = []
                for _ in range(PAGE_SAMPLES // 2):
                    rates.RATES.clear()
                    t = time.perf_counter()
                    assert s.get(url + path).status_code == 200
                    cold.append(time.perf_counter() - t)
                verdict(f"{label} {name}, all kiosks changed, p95", pct(cold, 95) * 1000, 300, " ms")


def bench_anomalies(label: str, alias: str, days: int) -> None:
    """The gaming checks' report for the whole city over the year (``/v1/reports/anomalies``), over real HTTP
    with the report token: the first request and the slowest of the rest against the goal (< 2 s)."""
    import requests

    from central.app import CentralApp
    from central.runtime import Runtime
    from central.server import serving
    rt = Runtime(alias=alias, report_token="bench-token")
    query = f"unit=hp&from={(TODAY - timedelta(days=days - 1)).isoformat()}&to={TODAY.isoformat()}"
    with serving(CentralApp(rt)) as url:
        samples, found = [], None
        for _ in range(6):
            t = time.perf_counter()
            r = requests.get(f"{url}/v1/reports/anomalies?{query}", headers={"Authorization": "Bearer bench-token"})
            samples.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text[:300]
            found = {c["check"]: (c["state"], c["findings"]) for c in r.json()["checks"]}
    print(f"    {label} anomalies a city-year: first {samples[0] * 1000:.0f} ms, then slowest "
          f"{max(samples[1:]) * 1000:.0f} ms; {found}")
    verdict(f"{label} anomalies report, city-year, slowest", max(samples) * 1000, 2000, " ms")


def bench_csv(label: str, alias: str, n: int) -> None:
    """Stream the raw CSV of ``n`` votes (made server-side in their own database) and watch the process's
    memory (the server runs in this process): resident memory after the first million rows and at the
    end must be the same (flat), however many rows."""
    import requests
    from django.db import connections, transaction

    from central.accounts import add_user
    from central.app import CentralApp
    from central.runtime import Runtime, activate, deactivate
    from central.server import serving
    conn = connections[alias]
    t = time.perf_counter()
    with transaction.atomic(using=alias), conn.cursor() as cur:
        cur.execute("INSERT INTO units (id, kind, name, parent_id, target_pct) VALUES ('t007', 'centre', 'Trung tâm 007', "
                    "NULL, 90)")
        cur.execute("INSERT INTO kiosks (id, centre_id, secret, previous_secret, created_at) VALUES "
                    "('k007', 't007', 'x', '', %s)", [datetime.now(timezone.utc)])
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
    print(f"  {label}: {n:,} votes of one kiosk made by one INSERT … SELECT in {time.perf_counter() - t:.0f} s")
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
        before, peak, size, rows, at_million = rss_mb(), 0.0, 0, -1, None   # -1: the header line
        t = time.perf_counter()
        with s.get(url + "/export/votes.csv?unit=k007&from=2026-11-01&to=2026-11-30", stream=True) as r:
            for chunk in r.iter_content(1 << 16):
                size += len(chunk)
                rows += chunk.count(b"\n")
                peak = max(peak, rss_mb())
                if at_million is None and rows >= 1_000_000:
                    at_million = peak
        took = time.perf_counter() - t
    assert r.status_code == 200 and rows == n, (r.status_code, rows)
    by_million = f"peak {at_million:,.0f} MB by 1 M rows, " if at_million is not None else ""
    print(f"  {label}: raw CSV of {rows:,} votes, {size / 1e6:,.0f} MB in {took:.1f} s ({rows / took:,.0f} votes/s); "
          f"resident memory {before:,.0f} MB before, {by_million}peak {peak:,.0f} MB by {rows:,} rows")
    verdict(f"{label} CSV memory growth", peak - before, 50, " MB")
    if rows > 1_000_000:
        verdict(f"{label} CSV growth after the first 1 M rows", peak - at_million, 10, " MB")


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
        for label, db in [(label, db) for label, db in city if label in DBS]:
            alias = database(f"city-{label}", db)
            if not ONLY or "pages" in ONLY:
                bench_pages(label, alias, communes, days)
            if not ONLY or "anomalies" in ONLY:
                if ONLY and "pages" not in ONLY:
                    votes, how = build_city(alias, communes, days, int(CITY_VOTES * communes / COMMUNES))
                    print(f"  {label}: {how}")
                bench_anomalies(label, alias, days)
        for label, db in [("SQLite", str(folder / "csv.db"))] + ([("PostgreSQL", pg.new_database())] if pg else []):
            if (not ONLY or "csv" in ONLY) and label in DBS:
                bench_csv(label, database(f"csv-{label}", db), CSV_VOTES)
    finally:
        from django.db import connections
        connections.close_all()
        if pg:
            pg.stop()


if __name__ == "__main__":
    main()

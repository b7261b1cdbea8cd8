"""Questionnaire answers into the central service: answers/s through ``central.ingest`` (ownership,
dedupe, replacements, the answer chain) into SQLite and PostgreSQL, beside a raw bulk insert of the
same rows (responses and answers) in the same run; and the wire check of a batch.

Goal: ingest ≥ 0.5× the raw bulk insert. Scale with BENCH_Q_SYNC_SCALE (1.0 = 4 kiosks × 2,500
responses ≈ 230,000 answers).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, verdict  # noqa: E402

SCALE = float(os.environ.get("BENCH_Q_SYNC_SCALE", "1.0"))
KIOSKS = 4
RESPONSES = 2500
BATCH = 5000   # answers a batch, the wire's limit


def make_kiosk_rows(folder: Path, kiosks: int, responses: int) -> dict[str, list[dict]]:
    """Each kiosk's questionnaire rows, as its outbox sends them, in batches of the wire's shape
    (made by real kiosk stores, outside the timing)."""
    from kiosk.config import load_config
    from kiosk import outbox
    from kiosk.questionnaire.answers import AnswerStore
    from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
    from kiosk.store import VoteStore
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    questions = q.for_channel("kiosk")
    tz = load_config().tz
    rng = random.Random(5)
    start = datetime(2026, 10, 5, 8, tzinfo=tz)
    out: dict[str, list[dict]] = {}
    for k in range(kiosks):
        kid = f"bench-{k:02d}"
        store = VoteStore.open(folder / f"{kid}.db", kiosk_id=kid, tz=tz)
        items = ({"channel": "kiosk", "counter_id": None, "at": start + timedelta(minutes=9 * i),
                  "answers": {qq.id: rng.choice([*qq.codes, None]) for qq in questions}} for i in range(responses))
        AnswerStore(store).record_responses(q, items)
        answers = outbox.waiting(store, outbox.ANSWERS, 10**9)
        by_uuid = {r["uuid"]: r for r in outbox.waiting(store, outbox.RESPONSES, 10**9)}
        definitions = outbox.by_key(store, outbox.DEFINITIONS, {q.key})
        batches = []
        for i in range(0, len(answers), BATCH):
            part = answers[i:i + BATCH]
            needed = {a["response_uuid"] for a in part}
            batches.append({"definitions": definitions, "responses": [by_uuid[u] for u in sorted(needed)],
                            "answers": part})
        out[kid] = batches
        store.close()
    return out


def register(alias: str, kiosk_ids) -> None:
    from django.db import connections
    with connections[alias].cursor() as cur:
        cur.executemany("INSERT INTO kiosks (id, centre_id, secret, previous_secret, created_at) "
                        "VALUES (%s, NULL, 'x', '', %s)", [(k, datetime.now(timezone.utc)) for k in kiosk_ids])


def bench_wire(rows: dict[str, list[dict]]) -> None:
    """The wire check of a full batch (5,000 answers), as the service runs it before storing."""
    import json

    from rating import wire
    kid, batches = next(iter(rows.items()))
    body = wire.encode_batch(kid, [], [], [], None, batches[0])
    t = time.perf_counter()
    reps = 5
    for _ in range(reps):
        wire.parse(body, kid)
    took = (time.perf_counter() - t) / reps
    n = len(batches[0]["answers"])
    print(f"  wire check of a batch of {n:,} answers ({len(body) / 1e6:.1f} MB): {took * 1000:.0f} ms "
          f"({n / took:,.0f} answers/s); json.loads alone {_time(lambda: json.loads(body)) * 1000:.0f} ms")


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_ingest(label: str, alias: str, raw_alias: str, rows: dict[str, list[dict]]) -> None:
    """Answers/s through the ingest beside a raw bulk insert of the same responses and answers."""
    from django.db import connections, transaction

    from central import ingest
    from rating import wire
    checked = {kid: [wire.parse_questionnaires(b, kid) for b in batches] for kid, batches in rows.items()}
    n = sum(len(b.answers) for batches in checked.values() for b in batches)
    now = datetime.now(timezone.utc)
    t = time.perf_counter()
    for kid, batches in checked.items():
        for b in batches:
            ingest.ingest_questionnaires(alias, kid, "", b, now)
    service = n / (time.perf_counter() - t)
    received = now.isoformat(timespec="seconds")
    a_cols, r_cols = ingest.ANSWERS.columns, ingest.RESPONSES.columns
    answers = [(*(a[f] for f in wire.Q_ANSWER_FIELDS), a["local_date"], "", 0, received)
               for batches in checked.values() for b in batches for a in b.answers]
    responses = list({r["uuid"]: (*(r[f] for f in wire.Q_RESPONSE_FIELDS), "", received, "", "", "")
                      for batches in checked.values() for b in batches for r in b.responses}.values())
    conn = connections[raw_alias]
    t = time.perf_counter()
    if conn.vendor == "postgresql":
        with transaction.atomic(using=raw_alias), conn.cursor() as cur:
            for table, cols, data in (("q_responses", r_cols, responses), ("q_answers", a_cols, answers)):
                with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
    else:
        for table, cols, data in (("q_responses", r_cols, responses), ("q_answers", a_cols, answers)):
            for i in range(0, len(data), BATCH):
                with transaction.atomic(using=raw_alias), conn.cursor() as cur:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                                    data[i:i + BATCH])
    raw = n / (time.perf_counter() - t)
    print(f"  answers {label:<10} {service:>10,.0f} answers/s through the ingest; raw bulk insert "
          f"({'COPY' if conn.vendor == 'postgresql' else 'executemany'}) {raw:>10,.0f} answers/s ({n:,} answers)")
    verdict(f"answer ingest/raw {label}", service / raw, 0.5, "×", lower_is_better=False)


def main() -> None:
    from bench.bench_central import database, setup
    BUILD.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    pg = setup(folder)
    try:
        rows = make_kiosk_rows(folder, KIOSKS, max(10, round(RESPONSES * SCALE)))
        bench_wire(rows)
        targets = [("SQLite", str(folder / "q-ingest.db"), str(folder / "q-raw.db"))]
        if pg:
            targets.append(("PostgreSQL", pg.new_database(), pg.new_database()))
        for label, db, raw in targets:
            alias = database(f"q-in-{label}", db)
            register(alias, rows)
            bench_ingest(label, alias, database(f"q-raw-{label}", raw), rows)
    finally:
        from django.db import connections
        connections.close_all()
        if pg:
            pg.stop()


if __name__ == "__main__":
    main()

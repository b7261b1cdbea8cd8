"""Questionnaire benchmarks: the analysis of 100,000 responses (goal < 2 s) beside a bare SQL count of
the same rows, and record_answer beside a raw durable INSERT+COMMIT.

Run with `make bench` (or `python bench/bench_questionnaire.py`). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BUILD, RawCommits, summary, verdict  # noqa: E402
from rating.questionnaire.analysis import analyse  # noqa: E402
from kiosk.questionnaire.answers import AnswerStore  # noqa: E402
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


def _responses(q, n: int, seed: int = 1):
    """``n`` plausible responses spread over the fourth quarter, on the three channels."""
    rnd = random.Random(seed)
    questions = q.scale_questions()
    days = (Q4[1] - Q4[0]).days + 1
    for i in range(n):
        channel = rnd.choices(("kiosk", "phone", "paper"), (6, 3, 1))[0]
        at = datetime.combine(Q4[0] + timedelta(days=i * days // n), datetime.min.time(), TZ) + timedelta(hours=9)
        answers = {}
        for question in questions:
            r = rnd.random()
            answers[question.id] = None if r < 0.05 else rnd.choices(question.codes, (45, 35, 12, 5, 3))[0]
        yield {"channel": channel, "at": at, "answers": answers,
               "counter_id": "Q1" if channel == "kiosk" else None}


def big_answer_store(responses: int = 100_000) -> tuple[VoteStore, object]:
    """A store with ``responses`` responses to ``trung-tam`` in 2026-Q4, kept in build/bench between runs."""
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    store = VoteStore.open(BUILD / "questionnaire" / "votes.db", kiosk_id="bench-q", tz=TZ)
    have = store.query("SELECT count(*) FROM q_responses WHERE questionnaire_id = ? AND version = ?", q.key)[0][0]
    if have < responses:
        print(f"building {responses:,} responses in {store.path} (once; kept for later runs)...")
        t0 = time.perf_counter()
        n = AnswerStore(store).record_responses(q, _responses(q, responses - have, seed=have))
        print(f"  {n:,} responses ({n * len(q.scale_questions()):,} answers) in {time.perf_counter() - t0:.1f} s")
    return store, q


def bench_analysis(responses: int = 100_000, rounds: int = 5) -> None:
    """analyse() over a quarter of ``responses`` responses, beside a bare count of the same answer rows."""
    store, q = big_answer_store(responses)
    where = "questionnaire_id = ? AND version = ? AND local_date BETWEEN ? AND ? AND replaced = 0"
    params = (*q.key, Q4[0].isoformat(), Q4[1].isoformat())
    rows = store.query(f"SELECT count(*) FROM q_answers WHERE {where}", params)[0][0]
    print(f"analysis of {responses:,} responses ({rows:,} answer rows), best of {rounds}:")
    t_count, t_group, t_analyse = [], [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        store.query(f"SELECT count(*) FROM q_answers WHERE {where}", params)
        t_count.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store.query(f"SELECT channel, question_id, choice, count(*) FROM q_answers WHERE {where} GROUP BY 1, 2, 3", params)
        t_group.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = analyse(store, q, *Q4)
        t_analyse.append(time.perf_counter() - t0)
    print(f"  {'bare SQL count(*) of the rows':<38} {min(t_count):.3f} s")
    print(f"  {'bare SQL GROUP BY channel, question':<38} {min(t_group):.3f} s")
    print(f"  {'analyse() (with the previous quarter)':<38} {min(t_analyse):.3f} s   index {result[0]['index']}")
    verdict("analyse() seconds", min(t_analyse), 2.0, " s")
    store.close()


def bench_record_answer(n: int = 500) -> None:
    """record_answer (one durable, chained answer) beside a raw INSERT+COMMIT, interleaved."""
    print(f"record_answer vs raw INSERT+COMMIT (WAL, synchronous=FULL), {n} each, interleaved:")
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    store = VoteStore.open(folder / "votes.db", kiosk_id="bench", tz=TZ)
    answers = AnswerStore(store)
    raw = RawCommits(folder / "raw.db")
    questions = [x.id for x in q.for_channel("kiosk")]
    t_store, t_raw = [], []
    rid = answers.start_response(q, "kiosk")
    for i in range(n // 10):
        t_raw += raw.times(10)
        for j in range(10):
            k = (i * 10 + j) % len(questions)
            if k == 0:
                rid = answers.start_response(q, "kiosk")
            question = q.question(questions[k])
            t0 = time.perf_counter()
            answers.record_answer(rid, question.id, question.codes[j % len(question.codes)])
            t_store.append(time.perf_counter() - t0)
    r = summary("raw INSERT+COMMIT", t_raw)
    s = summary("record_answer", t_store)
    print(f"  p99 ratio record_answer / raw: {s['p99'] / r['p99']:.2f}x")
    store.close()
    raw.close()
    shutil.rmtree(folder)


def main() -> None:
    """Every questionnaire benchmark."""
    BUILD.mkdir(parents=True, exist_ok=True)
    bench_analysis()
    bench_record_answer()


if __name__ == "__main__":
    main()

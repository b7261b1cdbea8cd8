"""`verify` benchmarks: the votes' and the answers' chain walks beside a bare read of the same rows.

Run with `make bench` (or `python bench/bench_verify.py`). Goals (issue 15): each walk within 2x its
bare read. Figures are printed with their verdicts; nothing is asserted.
The stores are built once into a temporary folder of build/bench and removed afterwards.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_questionnaire import _responses  # noqa: E402
from bench.common import BUILD, verdict  # noqa: E402
from kiosk import demo  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.questionnaire.answers import AnswerStore, verify_answers  # noqa: E402
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402


def _best(fn, rounds: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _bare_read(store: VoteStore, table: str) -> int:
    """Every row of ``table`` into Python, in seq order, in the batches verify uses: the floor of a walk."""
    n, after = 0, 0
    while True:
        rows = store.query(f"SELECT * FROM {table} WHERE seq > ? ORDER BY seq LIMIT 10000", (after,))
        n += len(rows)
        if len(rows) < 10000:
            return n
        after = rows[-1][0]


def bench_verify(votes: int = 200_000, responses: int = 20_000, rounds: int = 3) -> None:
    """verify's two walks on ``votes`` votes and ``responses`` responses' answers, best of ``rounds``."""
    folder = Path(tempfile.mkdtemp(dir=BUILD))
    config = replace(load_config(), data_dir=folder)
    store = VoteStore.from_config(config)
    end = datetime(2026, 11, 20, 17, tzinfo=config.tz)
    n = demo.generate(store, config.counters, config.scale, days=votes // 1000, per_day=1200, seed=3, end=end)
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    AnswerStore(store).record_responses(q, _responses(q, responses))
    answers = store.answer_count()
    print(f"verify on {n:,} votes and {answers:,} answers, best of {rounds}:")
    t_bare_v, _ = _best(lambda: _bare_read(store, "votes"), rounds)
    t_votes, brk = _best(store.verify_chain, rounds)
    t_bare_a, _ = _best(lambda: _bare_read(store, "q_answers"), rounds)
    t_answers, abrk = _best(lambda: verify_answers(store), rounds)
    print(f"  {'bare read of the votes (baseline)':<40} {t_bare_v:.2f} s")
    print(f"  {'verify_chain (votes)':<40} {t_votes:.2f} s  {'ok' if brk is None else brk}  "
          f"{t_votes / t_bare_v:.1f}x the bare read, {n / t_votes:,.0f} votes/s")
    print(f"  {'bare read of the answers (baseline)':<40} {t_bare_a:.2f} s")
    print(f"  {'verify_answers':<40} {t_answers:.2f} s  {'ok' if abrk is None else abrk}  "
          f"{t_answers / t_bare_a:.1f}x the bare read, {answers / t_answers:,.0f} answers/s")
    verdict("verify_chain / bare read of the votes", t_votes / t_bare_v, 2.0, "x")
    verdict("verify_answers / bare read of the answers", t_answers / t_bare_a, 2.0, "x")
    store.close()
    shutil.rmtree(folder)


def main() -> None:
    """Every verify benchmark."""
    BUILD.mkdir(parents=True, exist_ok=True)
    bench_verify()


if __name__ == "__main__":
    main()

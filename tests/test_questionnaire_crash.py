"""Every answer acknowledged (record_answer returned) survives a kill -9 of the process at a random moment."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.questionnaire.answers import verify_answers
from kiosk.store import VoteStore

ROOT = Path(__file__).resolve().parent.parent

# The child answers questions as fast as it can and prints each answer's uuid once record_answer has
# returned: what it printed is what a citizen would have seen acknowledged.
CHILD = """
import sys
from zoneinfo import ZoneInfo
from kiosk.questionnaire.answers import AnswerStore
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
from kiosk.store import VoteStore
q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
store = VoteStore.open(sys.argv[1], kiosk_id="crash-test", tz=ZoneInfo("Asia/Ho_Chi_Minh"))
answers = AnswerStore(store)
questions = [x for x in q.for_channel("kiosk")]
print("ready", flush=True)
n = 0
while True:
    rid = answers.start_response(q, "kiosk")
    for question in questions:
        n += 1
        choice = None if n % 7 == 0 else question.codes[n % len(question.codes)]
        a = answers.record_answer(rid, question.id, choice)
        if n % 5 == 0:  # now and then the citizen goes back and changes the answer
            a = answers.record_answer(rid, question.id, question.codes[0] if choice != question.codes[0] else None)
        sys.stdout.write(a.uuid + "\\n")
        sys.stdout.flush()
"""


def kill_once(db: Path, rng: random.Random) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE, env=env)
    assert child.stdout.readline() == b"ready\n"
    time.sleep(rng.uniform(0.0, 0.2))
    os.kill(child.pid, signal.SIGKILL)
    out = child.stdout.read()
    child.wait()
    child.stdout.close()
    return [line.decode() for line in out.split(b"\n")[:-1]]  # the last piece has no newline: not acknowledged


def test_every_acknowledged_answer_survives_kill_9_and_the_chain_holds(tmp_path):
    db = tmp_path / "votes.db"
    rng = random.Random(11)
    acknowledged: set[str] = set()
    for _ in range(8):
        acknowledged.update(kill_once(db, rng))
        with VoteStore.open(db, kiosk_id="crash-test", tz=ZoneInfo("Asia/Ho_Chi_Minh"), create=False) as store:
            assert store.integrity_check() == ["ok"]
            brk = verify_answers(store)
            assert brk is None, str(brk)
        raw = sqlite3.connect(db)
        present = {row[0] for row in raw.execute("SELECT uuid FROM q_answers")}
        raw.close()
        assert not acknowledged - present, f"{len(acknowledged - present)} acknowledged answer(s) lost"
    assert len(acknowledged) > 8  # the child did answer between kills

"""Kiosks with real questionnaire answers, for the questionnaire sync tests."""

from __future__ import annotations

import random
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from kiosk.config import load_config
from kiosk.questionnaire.answers import AnswerStore
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
from rating import signing
from tests.sync_helpers import SECRET, sync_config

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=TZ)


def centre_questionnaire():
    """The shipped ``trung-tam`` questionnaire."""
    return load_catalogue([SHIPPED_DIR]).get("trung-tam")


def kiosk_config(folder: Path, url: str, kiosk_id: str = "test-01", secret: str = SECRET, **sync):
    """A kiosk configuration in its own folder, with ``kiosk_id``, syncing to ``url``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = sync_config(folder, url, secret=secret, **sync)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^id = "[^"]*"', f'id = "{kiosk_id}"', text, count=1), encoding="utf-8")
    return load_config(path)


def answer_responses(store, n: int, seed: int = 0, start: datetime = T0) -> list[str]:
    """``n`` citizens answer the kiosk questionnaire through the store's own API: some skip, every
    third goes back and changes an answer (a replacement), every other finishes. Returns the response ids."""
    rng = random.Random(seed)
    q = centre_questionnaire()
    answers = AnswerStore(store)
    questions = q.for_channel("kiosk")
    ids = []
    for i in range(n):
        at = start + timedelta(minutes=7 * i)
        rid = answers.start_response(q, "kiosk", ("Q1", "Q2")[i % 2], at=at)
        for j, question in enumerate(questions[: 4 + i % 5]):
            choice = rng.choice([*question.codes, None]) if question.codes else None
            answers.record_answer(rid, question.id, choice, at=at + timedelta(seconds=5 * j))
        if i % 3 == 0:
            first = questions[0]
            current = answers.answers(rid).get(first.id)
            other = next(c for c in first.codes if c != current)
            answers.record_answer(rid, first.id, other, at=at + timedelta(minutes=2))
        if i % 2 == 0:
            answers.finish_response(rid, at=at + timedelta(minutes=3))
        ids.append(rid)
    return ids


def post(url: str, body: bytes, kiosk: str = "test-01", secret: str = SECRET) -> requests.Response:
    """POST a signed batch, as a kiosk (or a forger holding a kiosk's secret) would."""
    headers = signing.signed_headers(kiosk, secret.encode(), int(time.time()), "POST", "/v1/batches", body)
    return requests.post(url + "/v1/batches", data=body, headers={**headers, "Content-Type": "application/json"},
                         timeout=30)

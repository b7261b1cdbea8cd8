"""The questionnaire on the central service: the phone page (opened and sent, over real HTTP) beside
``/healthz`` on the same server, its weight; paper forms (100 beside 1); a commune's analysis page
over many responses beside the bare ``analyse()`` call it wraps.

Goals: the phone page weighs < 40 KB; opening it and sending a response takes < 300 ms p99 on the
development machine (two requests and one transaction); the analysis page adds < 50 % to the
analysis itself. Scale with BENCH_CENTRAL_Q_RESPONSES.
"""

from __future__ import annotations

import gzip
import os
import random
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import summary, verdict  # noqa: E402

RESPONSES = int(os.environ.get("BENCH_CENTRAL_Q_RESPONSES", "10000"))


def _timed(n: int, call) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def _fill(app, centre: str, kiosk: str, n: int) -> None:
    """``n`` kiosk responses of every question, written in bulk (outside the timing)."""
    from django.db import connections

    from central.questionnaires.catalogue import find, now
    q = find("trung-tam")
    day = now().date().isoformat()
    rng = random.Random(1)
    questions = q.for_channel("kiosk")
    responses, answers, seq = [], [], 0
    for _ in range(n):
        rid = str(uuid.uuid4())
        responses.append((rid, kiosk, centre, q.id, q.version, q.definition_hash, "kiosk", "Q1", day + "T09:00:00",
                          day, day + "T09:05:00", "", "", None, "", day))
        for question in questions:
            seq += 1
            answers.append((str(uuid.uuid4()), seq, rid, kiosk, centre, q.id, q.version, q.definition_hash, "kiosk", "Q1",
                            question.id, rng.choice([*question.codes, None]), None, None, day + "T09:01:00", day,
                            "", "", 0, day))
    from django.db import transaction
    with transaction.atomic(using=app.runtime.alias), connections[app.runtime.alias].cursor() as cur:
        cur.executemany("INSERT INTO q_responses (uuid, kiosk_id, centre_id, questionnaire_id, version, definition_hash, "
                        "channel, counter_id, started_at, local_date, finished_at, device, form_no, flag, entered_by, "
                        "received_at) VALUES (" + ", ".join(["%s"] * 16) + ")", responses)
        cur.executemany("INSERT INTO q_answers (uuid, seq, response_uuid, kiosk_id, centre_id, questionnaire_id, version, "
                        "definition_hash, channel, counter_id, question_id, choice, text, replaces, local_time, "
                        "local_date, prev_hash, hash, replaced, received_at) VALUES (" + ", ".join(["%s"] * 20) + ")",
                        answers)
    connections[app.runtime.alias].close()


def main() -> None:
    """Print the figures."""
    import requests

    from tests.test_central_q_web import _site, csrf, session
    from tests.sync_helpers import fresh_sqlite
    folder = Path(tempfile.mkdtemp(prefix="bench-central-q-"))
    cm, url, app, made = _site(folder, fresh_sqlite(folder))
    try:
        centre = made["centres"][0]
        page = f"{url}/q/{centre}/trung-tam/"
        http = requests.Session()
        http.get(page)
        summary("GET /healthz (baseline)", _timed(50, lambda: http.get(url + "/healthz")))
        summary("GET phone page", _timed(50, lambda: http.get(page)))
        body = http.get(page).content
        css = http.get(url + "/static/central/q-phone.css").content
        print(f"  phone page weight: {len(body)} B HTML ({len(gzip.compress(body))} B gzipped) + {len(css)} B CSS")
        verdict("phone page weight", (len(body) + len(css)) / 1024, 40, " KB")

        def send(i=[0]):
            i[0] += 1
            s = requests.Session()
            got = s.get(page)
            s.post(page, data={"csrfmiddlewaretoken": csrf(got.text), "q-access-info": "HL"},
                   headers={"Referer": page, "X-Forwarded-For": f"10.{i[0] // 250}.{i[0] % 250}.1"})
        sent = summary("open + send a response", _timed(40, send))
        verdict("open + send, p99", sent["p99"] * 1000, 300, " ms")

        from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
        from central.questionnaires.paper import form_numbers, render_forms
        q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
        one = min(_timed(3, lambda: render_forms(q, "Trung tâm", "Xã", form_numbers(1, 1))))
        hundred = _timed(1, lambda: render_forms(q, "Trung tâm", "Xã", form_numbers(1, 100)))[0]
        print(f"  paper forms: 1 form {one:.2f} s, 100 forms {hundred:.2f} s ({hundred / 100:.3f} s a form)")

        _fill(app, centre, made["kiosks"][0], RESPONSES)
        from central.questionnaires.catalogue import find
        from central.questionnaires.results import unit_analysis
        from central.models import Unit
        from central.runtime import activate, deactivate
        token = activate(app.runtime)
        try:
            commune = Unit.objects.get(id=made["communes"][0])
            bare = _timed(3, lambda: unit_analysis(find("trung-tam"), commune, *_quarter()))
        finally:
            deactivate(token)
        clerk = session(url, "xa-ninh-giang")
        shown = _timed(3, lambda: clerk.get(f"{url}/questionnaires/analysis/{made['communes'][0]}/?q=trung-tam"))
        html = clerk.get(f"{url}/questionnaires/analysis/{made['communes'][0]}/?q=trung-tam").text
        n = re.search(r'id="q-responses">([^<]*)<', html)[1]
        print(f"  analysis of {RESPONSES:,} kiosk responses (page says N = {n}): analyse() {min(bare):.2f} s, "
              f"the page {min(shown):.2f} s")
        verdict("page over analyse()", min(shown) / min(bare), 1.5, "×")
    finally:
        cm.__exit__(None, None, None)


def _quarter():
    from central.questionnaires.catalogue import now, quarter
    return quarter(now().date())


if __name__ == "__main__":
    main()

"""The one error catalogue (:mod:`rating.problems`): every refusal the service answers is an entry, with
the entry's status and body, and is listed in the OpenAPI text; the kiosk's client reads answers back
into entries."""

from __future__ import annotations

import ast
import io
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from kiosk.config import load_config
from kiosk.store import VoteStore
from rating import signing, wire
from rating.problems import CODES, Problem, Refused
from rating.wire import encode_batch
from tests.q_sync_helpers import answer_responses, kiosk_config
from tests.sync_helpers import REPORT_TOKEN, SECRET, central_service, server_execute, sync_config
from tests.test_central_defects import head, raw_request
from tests.test_central_ii7 import login
from tests.test_q_sync import body as q_body, pending_batch

from central.demo import build  # noqa: E402 (after sync_helpers has set Django up)
from central.runtime import activate, deactivate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}
# The contract, written out here on purpose (docs/sync-protocol.md; kiosks of earlier releases read these):
# each entry's status, code and the fields its body carries beside error and reason.
CONTRACT = {
    "BAD_LENGTH": (400, "bad_length", []), "BAD_REQUEST": (400, "bad_request", []), "NOT_FOUND": (404, "not_found", []),
    "METHOD_NOT_ALLOWED": (405, "method_not_allowed", []), "INTERNAL": (500, "internal", []),
    "LENGTH_REQUIRED": (411, "length_required", []), "TOO_LARGE": (413, "too_large", ["limit"]),
    "TRUNCATED": (400, "truncated", []), "BAD_BATCH": (400, "bad_batch", []), "UNSIGNED": (401, "unsigned", []),
    "BAD_TIMESTAMP": (401, "bad_timestamp", []), "BAD_SIGNATURE": (401, "bad_signature", []),
    "STALE_TIMESTAMP": (401, "stale_timestamp", ["server_time"]), "UNKNOWN_KIOSK": (401, "unknown_kiosk", []),
    "CONFLICT": (409, "conflict", ["conflicting"]), "BUSY": (503, "busy", []),
    "REPORTS_DISABLED": (403, "reports_disabled", []), "BAD_TOKEN": (401, "bad_token", []),
    "FORBIDDEN": (403, "forbidden", []), "BAD_QUERY": (400, "bad_query", []), "NO_SUCH_KIOSK": (404, "unknown_kiosk", []),
    "UNKNOWN_CENTRE": (404, "unknown_centre", []), "UNKNOWN_UNIT": (404, "unknown_unit", []),
    "BAD_TEXT": (400, "bad_text", []), "UNAVAILABLE": (503, "unavailable", ["database"]),
    "NOT_YOUR_KIOSK": (403, "not_your_kiosk", []),
    "BAD_ENROLMENT": (400, "bad_enrolment", []), "ENROLMENT_CODE_UNKNOWN": (403, "enrolment_code_unknown", []),
    "ENROLMENT_CODE_USED": (410, "enrolment_code_used", []), "ENROLMENT_CODE_EXPIRED": (410, "enrolment_code_expired", []),
    "ENROLMENT_OTHER_KIOSK": (409, "enrolment_other_kiosk", ["kiosk_id"]),
    "ENROLMENT_THROTTLED": (429, "enrolment_throttled", []), "BAD_CHECKIN": (400, "bad_checkin", []),
    "BAD_SERVED": (400, "bad_served", ["lines"]),
}
# The operation each request below is sent to, to find its documented answers in /openapi.json.
BATCHES, TOTALS, CHAIN, II7 = ("/v1/batches", "post"), ("/v1/reports/totals", "get"), ("/v1/reports/chain", "get"), \
    ("/v1/reports/ii7", "get")
ENROL, CHECKINS = ("/v1/enrol", "post"), ("/v1/checkins", "post")


def _post(url, body: bytes, kiosk="test-01", secret=SECRET, ts=None, headers=None):
    ts = int(time.time()) if ts is None else ts
    signed = signing.signed_headers(kiosk, secret.encode(), ts, "POST", "/v1/batches", body)
    return requests.post(url + "/v1/batches", data=body, timeout=30,
                         headers={**signed, "Content-Type": "application/json", **(headers or {})})


class Answer:
    """A refusal as the test saw it: status and decoded body (from requests or from raw bytes)."""

    def __init__(self, status: int, body: bytes):
        self.status, self.body = status, json.loads(body)


def _answered(r: requests.Response) -> Answer:
    return Answer(r.status_code, r.content)


def _wsgi(app, environ: dict) -> Answer:
    """Call the service's WSGI application itself: waitress refuses a malformed Content-Length before the
    application sees it, other servers (and waitress's next release) may not."""
    started = {}
    body = b"".join(app(environ, lambda status, headers: started.update(status=status)))
    return Answer(int(started["status"].split()[0]), body)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A service on SQLite with a small demo city (its accounts) and the test kiosk's votes."""
    folder = tmp_path_factory.mktemp("problems")
    with central_service(folder) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=2, days=2, per_day=2)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        config = load_config(sync_config(folder, url))
        with VoteStore.from_config(config) as store:
            store.record_vote("Q1", "HL")
            from kiosk import outbox
            votes = outbox.waiting(store, outbox.VOTES, 10)
        batch = encode_batch("test-01", [{"id": "Q1", "name": "Quầy 1"}], votes, [])
        yield url, app, made, batch, folder


def _provoke(site) -> list[tuple[Problem, tuple[str, str], Answer]]:
    """One request for each refusal the service can answer: (the entry expected, the operation, the answer)."""
    url, app, made, batch, folder = site
    seen: list[tuple[Problem, tuple[str, str], Answer]] = []

    def expect(problem, operation, answer):
        seen.append((problem, operation, answer))

    # Framing, before and around Django.
    expect(Problem.BAD_LENGTH, BATCHES, _wsgi(app, {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/batches",
                                                   "CONTENT_LENGTH": "\u00b2"}))
    expect(Problem.LENGTH_REQUIRED, BATCHES, Answer(*raw_request(url, head([b"X-Kiosk-Id: test-01"]))))
    expect(Problem.BAD_REQUEST, ("/healthz", "get"),
           _answered(requests.get(url + "/healthz", headers={"Host": "evil.example"}, timeout=30)))
    expect(Problem.NOT_FOUND, None, _answered(requests.get(url + "/admin", timeout=30)))
    expect(Problem.METHOD_NOT_ALLOWED, BATCHES, _answered(requests.get(url + "/v1/batches", timeout=30)))
    short = {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/batches", "CONTENT_LENGTH": "100", "wsgi.input": io.BytesIO(b"{}")}
    setup_testing_defaults(short)   # a server that hands on a body cut short (waitress waits for all of it)
    expect(Problem.TRUNCATED, BATCHES, _wsgi(app, short))
    expect(Problem.TOO_LARGE, BATCHES, _answered(_post(url, b"x" * (9 * 1024 * 1024))))
    # Who signed the batch.
    expect(Problem.UNSIGNED, BATCHES, _answered(requests.post(url + "/v1/batches", data=batch, timeout=30,
                                                              headers={"X-Kiosk-Id": "test-01"})))
    stamp = {"X-Kiosk-Timestamp": "yesterday"}
    expect(Problem.BAD_TIMESTAMP, BATCHES, _answered(_post(url, batch, headers=stamp)))
    expect(Problem.BAD_SIGNATURE, BATCHES, _answered(_post(url, batch, secret="not-the-secret-at-all-000000")))
    expect(Problem.STALE_TIMESTAMP, BATCHES, _answered(_post(url, batch, ts=int(time.time()) - 3600)))
    expect(Problem.UNKNOWN_KIOSK, BATCHES, _answered(_post(url, batch, kiosk="someone-else")))
    # A kiosk's own rows (restore): another kiosk's are not its to read.
    others = wire.chain_path("someone-else", "votes", 0, 1)
    expect(Problem.NOT_YOUR_KIOSK, (wire.CHAIN_PATH, "get"), _answered(requests.get(url + others, timeout=30, headers=(
        signing.signed_headers("test-01", SECRET.encode(), int(time.time()), "GET", others, b"")))))
    # What it holds.
    expect(Problem.BAD_BATCH, BATCHES, _answered(_post(url, b'{"kiosk_id": "test-01", "votes": 3}')))
    assert _post(url, batch).status_code == 200
    edited = batch.replace(b'"HL"', b'"RHL"', 1)
    expect(Problem.CONFLICT, BATCHES, _answered(_post(url, edited)))
    with VoteStore.from_config(kiosk_config(folder / "q", url)) as store:
        answer_responses(store, 1)
        q = pending_batch(store)
    # A race lost to another request: what the service sees is a unique key taken meanwhile.
    server_execute(app, "CREATE TRIGGER race BEFORE INSERT ON q_responses "
                        "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: q_responses.uuid'); END")
    expect(Problem.BUSY, BATCHES, _answered(_post(url, q_body("test-01", q))))
    server_execute(app, "DROP TRIGGER race")
    # A check-in (issue 17) that breaks its contract.
    from rating import checkin, enrolment
    bad = b'{"kiosk_id": "test-01", "opening_hours": ["Someday"], "timezone": "Asia/Ho_Chi_Minh"}'
    signed = signing.signed_headers("test-01", SECRET.encode(), int(time.time()), "POST", checkin.CHECKIN_PATH, bad)
    expect(Problem.BAD_CHECKIN, CHECKINS, _answered(requests.post(url + checkin.CHECKIN_PATH, data=bad, headers=signed,
                                                                  timeout=30)))
    # Enrolment codes: malformed, for another kiosk, used, expired, unknown; then too many wrong ones.
    from datetime import datetime, timedelta, timezone as tz
    from central.enrolment import issue
    from central.models import Unit
    token = activate(app.runtime)
    try:
        centre, now = Unit.objects.filter(kind="centre").first(), datetime.now(tz.utc)
        fresh, old = issue("enrol-01", centre, now), issue("enrol-02", centre, now - timedelta(days=2))
    finally:
        deactivate(token)

    def enrol(code, kiosk=None):
        return _answered(requests.post(url + enrolment.ENROL_PATH, data=enrolment.encode_request(code, kiosk, None),
                                       timeout=30))
    expect(Problem.BAD_ENROLMENT, ENROL, _answered(requests.post(url + enrolment.ENROL_PATH, data=b"{}", timeout=30)))
    expect(Problem.ENROLMENT_OTHER_KIOSK, ENROL, enrol(fresh, "test-01"))
    assert requests.post(url + enrolment.ENROL_PATH, data=enrolment.encode_request(fresh, None, None),
                         timeout=30).status_code == 200
    expect(Problem.ENROLMENT_CODE_USED, ENROL, enrol(fresh))
    expect(Problem.ENROLMENT_CODE_EXPIRED, ENROL, enrol(old))
    expect(Problem.ENROLMENT_CODE_UNKNOWN, ENROL, enrol(enrolment.new_code()))
    for _ in range(2):
        assert enrol(enrolment.new_code()).status == 403
    expect(Problem.ENROLMENT_THROTTLED, ENROL, enrol(enrolment.new_code()))
    # Reports: who asks and what for.
    expect(Problem.BAD_TOKEN, TOTALS, _answered(requests.get(url + "/v1/reports/totals", timeout=30)))
    expect(Problem.BAD_QUERY, TOTALS, _answered(requests.get(url + "/v1/reports/totals?nope=1", headers=AUTH, timeout=30)))
    expect(Problem.NO_SUCH_KIOSK, CHAIN, _answered(requests.get(url + "/v1/reports/chain?kiosk=nowhere", headers=AUTH,
                                                                timeout=30)))
    expect(Problem.UNKNOWN_CENTRE, TOTALS, _answered(requests.get(url + "/v1/reports/totals?centre=nowhere",
                                                                  headers=AUTH, timeout=30)))
    expect(Problem.UNKNOWN_UNIT, II7, _answered(requests.get(
        url + "/v1/reports/ii7?unit=nowhere&from=2026-01-01&to=2026-01-31", headers=AUTH, timeout=30)))
    own, other = made["communes"]
    commune = login(url, "xa-" + own.removeprefix("xa-"))
    expect(Problem.FORBIDDEN, II7, _answered(commune.get(
        f"{url}/v1/reports/ii7?unit={other}&from=2026-01-01&to=2026-01-31", timeout=30)))
    # Served transactions: a file with a refused line (the demo city's commune's own token).
    from central.models import Unit
    from central.served import new_token
    token = activate(app.runtime)
    try:
        served_token = new_token(Unit.objects.get(id=own), "test", datetime.now(timezone.utc))
    finally:
        deactivate(token)
    expect(Problem.BAD_SERVED, ("/v1/served", "post"), _answered(requests.post(
        url + "/v1/served", data=b"date,kiosk,counter,served\n2026-11-02,nowhere-01,Q1,4\n",
        headers={"Authorization": f"Bearer {served_token}"}, timeout=30)))
    app.report_token = None
    try:
        expect(Problem.REPORTS_DISABLED, TOTALS, _answered(requests.get(url + "/v1/reports/totals", headers=AUTH,
                                                                        timeout=30)))
    finally:
        app.report_token = REPORT_TOKEN
    # Text no database stores, anywhere in a request.
    expect(Problem.BAD_TEXT, TOTALS, _answered(requests.get(url + "/v1/reports/totals?centre=x%00", headers=AUTH,
                                                            timeout=30)))
    # The service's own database unreachable (here: its path is a folder, so SQLite cannot open it).
    from central.app import make_app
    (folder / "a-folder.db").mkdir(exist_ok=True)
    away = make_app(str(folder / "a-folder.db"), alias="problems-away")
    expect(Problem.UNAVAILABLE, ("/healthz", "get"), _wsgi(away, {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz",
                                                                 "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                                                                 "wsgi.input": io.BytesIO(b"")}))
    # A bug: the database lost a table under the service.
    server_execute(app, "ALTER TABLE conflicts RENAME TO conflicts_away")
    try:
        expect(Problem.INTERNAL, CHAIN, _answered(requests.get(url + "/v1/reports/chain", headers=AUTH, timeout=30)))
    finally:
        server_execute(app, "ALTER TABLE conflicts_away RENAME TO conflicts")
    return seen


def test_every_refusal_the_service_answers_is_its_catalogue_entry_and_is_listed_in_the_openapi_text(site):
    url = site[0]
    spec = requests.get(url + "/openapi.json", timeout=30).json()
    error = spec["components"]["schemas"]["Error"]
    seen = _provoke(site)
    for problem, operation, answer in seen:
        body = answer.body
        status, code, fields = CONTRACT[problem.name]
        assert (answer.status, body.get("error"), list(body)[2:]) == (status, code, fields), (problem, answer.status, body)
        assert Problem.of(answer.status, body["error"]) is problem and list(body)[:2] == ["error", "reason"]
        assert body["reason"] and problem.fields == tuple(fields)
        assert body["error"] in error["properties"]["error"]["enum"] and f"`{body['error']}`" in \
            error["properties"]["error"]["description"]
        assert all(f in error["properties"] for f in problem.fields)
        if operation is None:   # an unknown path: the API's description says what it answers
            assert f"`{body['error']}`" in spec["info"]["description"]
        else:
            path, method = operation
            documented = spec["paths"][path][method]["responses"][str(answer.status)]["description"]
            assert f"`{body['error']}`" in documented, (problem, path, documented)
    # Every entry was answered once above: a new entry needs its request here, and a refusal outside
    # the catalogue cannot be raised at all (Refused takes entries only).
    assert sorted(p.name for p, _, _ in seen) == sorted(p.name for p in Problem)


def test_a_refusal_takes_only_a_catalogue_entry_and_the_fields_its_body_needs():
    with pytest.raises(TypeError, match="catalogue entry"):
        Refused("stale_timestamp")
    with pytest.raises(TypeError, match="limit"):
        Refused(Problem.TOO_LARGE, size=10)
    r = Refused(Problem.TOO_LARGE, size=10, limit=5)
    assert (r.status, r.code, r.body()) == (413, "too_large", {
        "error": "too_large", "reason": "the body is 10 bytes; the limit is 5: send fewer votes per batch", "limit": 5})


def test_an_answer_is_read_back_into_its_entry_by_status_and_code():
    assert Problem.of(401, "stale_timestamp") is Problem.STALE_TIMESTAMP
    assert Problem.of(401, "unknown_kiosk") is Problem.UNKNOWN_KIOSK
    assert Problem.of(404, "unknown_kiosk") is Problem.NO_SUCH_KIOSK
    assert Problem.of(400, "stale_timestamp") is None and Problem.of(401, None) is None
    assert Problem.of(500, "something new") is None and "something new" not in CODES


def test_no_module_writes_an_error_body_by_hand():
    """A JSON refusal is written from the catalogue only (a dict with an "error" key anywhere else is a
    second, unlisted way to refuse)."""
    offenders = []
    for folder in ("central", "rating", "sync"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "rating" / "problems.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "error"
                                                      and not isinstance(v, ast.Dict)   # a schema's property
                                                      for k, v in zip(node.keys, node.values)):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []

"""The central service refuses what it must, with a clear status and reason — and never answers 500."""

from __future__ import annotations

import json
import time

import pytest
import requests

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from rating import signing
from rating.wire import encode_batch
from tests.sync_helpers import REPORT_TOKEN, SECRET, backend_db, central_service, postgres_server, sync_config  # noqa: F401


@pytest.fixture
def service(tmp_path, backend_db):
    """The service on SQLite, then on PostgreSQL."""
    with central_service(tmp_path, db=backend_db) as (url, app):
        yield url, app


@pytest.fixture
def batch(tmp_path):
    """A real batch body made by the kiosk code from real stored votes."""
    config = load_config(sync_config(tmp_path, "http://unused"))
    with VoteStore.from_config(config) as store:
        for level in ("RHL", "HL", "KHL"):
            store.record_vote("Q1", level)
        votes = outbox.waiting(store, outbox.VOTES, 10)
    return encode_batch("test-01", [{"id": "Q1", "name": "Quầy 1"}], votes, []), votes


def post(url, body, kiosk="test-01", secret=SECRET, ts=None, sign_body=None):
    ts = int(time.time()) if ts is None else ts
    headers = signing.signed_headers(kiosk, secret.encode(), ts, "POST", "/v1/batches",
                                     body if sign_body is None else sign_body)
    return requests.post(url + "/v1/batches", data=body, headers={**headers, "Content-Type": "application/json"})


def stored(app):
    return app.store.query("SELECT count(*) FROM votes")[0][0]


def assert_refused(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and body["reason"]


def test_a_correctly_signed_batch_is_accepted(service, batch):
    url, app = service
    r = post(url, batch[0])
    assert r.status_code == 200 and len(r.json()["accepted"]) == 3 and stored(app) == 3


def test_a_wrong_secret_is_refused(service, batch):
    url, app = service
    assert_refused(post(url, batch[0], secret="not-the-secret-at-all-000000"), 401, "bad_signature")
    assert stored(app) == 0


def test_an_unknown_kiosk_is_refused(service, batch):
    url, app = service
    assert_refused(post(url, batch[0], kiosk="someone-else"), 401, "unknown_kiosk")
    assert stored(app) == 0


def test_an_old_request_replayed_is_refused_as_stale(service, batch):
    url, app = service
    assert_refused(post(url, batch[0], ts=int(time.time()) - 3600), 401, "stale_timestamp")
    assert stored(app) == 0


def test_a_body_edited_after_signing_is_refused(service, batch):
    url, app = service
    body, votes = batch
    edited = body.replace(b'"level":"KHL"', b'"level":"RHL"')
    assert edited != body
    assert_refused(post(url, edited, sign_body=body), 401, "bad_signature")
    assert stored(app) == 0


def test_an_unsigned_request_is_refused(service, batch):
    url, _ = service
    r = requests.post(url + "/v1/batches", data=batch[0], headers={"X-Kiosk-Id": "test-01"})
    assert_refused(r, 401, "unsigned")


def test_an_oversize_body_is_refused_before_it_is_read(service):
    url, _ = service
    assert_refused(post(url, b"x" * (9 * 1024 * 1024)), 413, "too_large")


@pytest.mark.parametrize("body,fragment", [
    (b"{not json", "malformed JSON"),
    (b"[]", "must be a JSON object"),
    (b'{"kiosk_id": "test-01", "votes": "many"}', "'votes' must be a list"),
    (b'{"kiosk_id": "test-02", "votes": []}', "signing kiosk"),
    (b'{"kiosk_id": "test-01", "votes": [{"seq": 1}]}', "votes[0]: missing"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_malformed_batches_get_400_with_a_reason(service, body, fragment):
    url, app = service
    r = post(url, body)
    assert_refused(r, 400, "bad_batch")
    assert fragment in r.json()["reason"]
    assert stored(app) == 0


def test_two_votes_with_one_sequence_number_in_a_batch_are_refused_not_a_500(service, batch):
    url, app = service
    _, votes = batch
    twin = {**votes[1], "uuid": "00000000-0000-4000-8000-000000000001"}
    r = post(url, encode_batch("test-01", [], [votes[1], twin], []))
    assert_refused(r, 400, "bad_batch")
    assert "seq 2 appears twice" in r.json()["reason"]


def test_a_vote_reusing_a_held_sequence_number_is_a_conflict(service, batch):
    url, app = service
    body, votes = batch
    assert post(url, body).status_code == 200
    twin = {**votes[1], "uuid": "00000000-0000-4000-8000-000000000002"}
    r = post(url, encode_batch("test-01", [], [twin], []))
    assert_refused(r, 409, "conflict")
    assert "reuses seq 2" in r.json()["reason"]


def test_a_vote_claiming_another_kiosk_is_refused(service, batch):
    url, app = service
    body = batch[0].replace(b'"kiosk_id":"test-01","counter_id"', b'"kiosk_id":"other","counter_id"', 1)
    r = post(url, body)
    assert_refused(r, 400, "bad_batch")
    assert "is not the sending kiosk" in r.json()["reason"]


def test_the_same_uuid_with_other_content_is_refused_logged_and_never_overwritten(service, batch):
    url, app = service
    body, votes = batch
    assert post(url, body).status_code == 200
    forged = [{**votes[2], "level": "RHL"}]
    r = post(url, encode_batch("test-01", [], forged, []))
    assert_refused(r, 409, "conflict")
    assert r.json()["conflicting"] == [votes[2]["uuid"]]
    assert app.store.query("SELECT level FROM votes WHERE uuid = ?", (votes[2]["uuid"],)) == [("KHL",)]
    report = requests.get(url + "/v1/reports/chain", headers={"Authorization": f"Bearer {REPORT_TOKEN}"}).json()
    assert report["conflicts"][0]["uuid"] == votes[2]["uuid"]


def test_resending_the_same_batch_is_harmless(service, batch):
    url, app = service
    post(url, batch[0])
    again = post(url, batch[0]).json()
    assert again["accepted"] == [] and len(again["duplicates"]) == 3 and stored(app) == 3


def test_reports_need_the_token_and_are_off_without_one(tmp_path):
    with central_service(tmp_path) as (url, app):
        q = "/v1/reports/totals?day=2026-11-21"
        assert_refused(requests.get(url + q), 401, "bad_token")
        assert_refused(requests.get(url + q, headers={"Authorization": "Bearer wrong"}), 401, "bad_token")
        app.report_token = None
        assert_refused(requests.get(url + q, headers={"Authorization": f"Bearer {REPORT_TOKEN}"}), 403,
                       "reports_disabled")


def test_health_and_openapi_answer_without_auth_and_unknown_paths_are_404(service):
    url, _ = service
    assert requests.get(url + "/healthz").json() == {"ok": True, "database": "up"}
    spec = requests.get(url + "/openapi.json").json()
    assert set(spec["paths"]) == {"/healthz", "/openapi.json", "/v1/batches", "/v1/reports/totals", "/v1/reports/chain",
                                  "/v1/reports/ii7", "/v1/kiosks/{kiosk_id}/chain", "/v1/reports/overview",
                                  "/v1/checkins", "/v1/enrol", "/v1/served", "/v1/reports/anomalies"}
    assert_refused(requests.get(url + "/admin"), 404, "not_found")
    r = requests.get(url + "/v1/batches")
    assert_refused(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"


def test_every_refusal_is_json_with_a_date_header_for_clock_correction(service):
    url, _ = service
    r = post(url, b"{}", ts=0)
    assert r.headers["Date"] and r.headers["Content-Type"].startswith("application/json")
    assert json.loads(r.text)["server_time"] > 1_700_000_000

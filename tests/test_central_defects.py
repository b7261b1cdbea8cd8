"""Defects found by adversarial testing of the old service, each pinned by a test (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid as uuidlib
from datetime import datetime, timedelta

import pytest
import requests

from central import ingest
from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from rating import signing
from central.registry_file import RegistryError, load_registry
from rating.wire import encode_batch
from tests.sync_helpers import (REPORT_TOKEN, SECRET, backend_db, central_service, postgres_server,  # noqa: F401
                                sync_config, write_registry)

OTHER_SECRET = "another-kiosk-secret-0123456789"
TWO_KIOSKS = (("test-01", "Trung tâm xã Thử nghiệm", SECRET), ("test-02", "Trung tâm xã Khác", OTHER_SECRET))


@pytest.fixture
def service(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db, kiosks=TWO_KIOSKS) as (url, app):
        yield url, app


def votes_of(folder, kiosk_id, n, name="kiosk", sources=lambda i: "touch"):
    """``n`` real votes recorded by a real kiosk store with id ``kiosk_id`` (``sources(i)``: the i-th's source)."""
    sub = folder / name
    sub.mkdir(exist_ok=True)
    path = sync_config(sub, "http://unused")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^id = "[^"]*"', f'id = "{kiosk_id}"', text, count=1), encoding="utf-8")
    config = load_config(path)
    with VoteStore.from_config(config) as store:
        start = datetime(2026, 11, 2, 8, tzinfo=config.tz)
        store.record_votes({"counter_id": "Q1", "level": ("RHL", "KHL")[i % 2], "at": start + timedelta(seconds=61 * i),
                            "source": sources(i)} for i in range(n))
        return outbox.waiting(store, outbox.VOTES, n)


def post(url, body, kiosk="test-01", secret=SECRET, ts=None):
    ts = int(time.time()) if ts is None else ts
    headers = signing.signed_headers(kiosk, secret.encode(), ts, "POST", "/v1/batches", body)
    return requests.post(url + "/v1/batches", data=body, headers={**headers, "Content-Type": "application/json"})


def reason(u, element="procedure"):
    return {"vote_uuid": u, "element": element, "recorded_at": "2026-11-21T09:15:09.000+07:00"}


def test_a_kiosk_cannot_attach_reasons_to_another_kiosks_votes_or_to_unknown_uuids(service, tmp_path):
    url, app = service
    b_votes = votes_of(tmp_path, "test-02", 1, "b")
    assert post(url, encode_batch("test-02", [], b_votes, []), "test-02", OTHER_SECRET).status_code == 200
    a_votes = votes_of(tmp_path, "test-01", 1, "a")
    planted = [reason(b_votes[0]["uuid"], "officer"), reason(str(uuidlib.uuid4()), "officer"),
               reason(a_votes[0]["uuid"], "officer")]
    r = post(url, encode_batch("test-01", [], a_votes, planted))
    assert r.status_code == 200
    assert r.json()["reasons"] == [[a_votes[0]["uuid"], "officer"]]   # only its own vote's reason
    # B's real reason, sent afterwards, is the one held.
    assert post(url, encode_batch("test-02", [], [], [reason(b_votes[0]["uuid"], "procedure")]), "test-02",
                OTHER_SECRET).json()["reasons"] == [[b_votes[0]["uuid"], "procedure"]]
    held = sorted(app.store.query("SELECT vote_uuid, element FROM vote_reasons"))
    assert held == sorted([(a_votes[0]["uuid"], "officer"), (b_votes[0]["uuid"], "procedure")])


def test_a_replayed_older_batch_does_not_revert_counter_names(service, tmp_path):
    url, app = service
    now = int(time.time())
    old = encode_batch("test-01", [{"id": "Q1", "name": "Quầy cũ"}], [], [])
    new = encode_batch("test-01", [{"id": "Q1", "name": "Quầy 1 — Tư pháp"}], [], [])
    assert post(url, old, ts=now - 100).status_code == 200
    assert post(url, new, ts=now - 10).status_code == 200
    assert post(url, old, ts=now - 100).status_code == 200   # the old request, replayed within the window
    assert app.store.query("SELECT name FROM counters WHERE kiosk_id = 'test-01'") == [("Quầy 1 — Tư pháp",)]


def test_a_replayed_batch_signed_in_the_same_second_as_a_later_one_does_not_revert_counter_names(service):
    url, app = service
    now = int(time.time())
    old = encode_batch("test-01", [{"id": "Q1", "name": "Quầy cũ"}], [], [])
    new = encode_batch("test-01", [{"id": "Q1", "name": "Quầy 1 — Tư pháp"}], [], [])
    assert post(url, old, ts=now - 100).status_code == 200
    assert post(url, new, ts=now - 5).status_code == 200
    assert post(url, old, ts=now - 5).status_code == 200   # signed in the same second as the rename
    assert app.store.query("SELECT name FROM counters WHERE kiosk_id = 'test-01'") == [("Quầy 1 — Tư pháp",)]


@pytest.mark.parametrize("kiosk_id", ["xã-01", "kiosk ninh", "ninh\u00b2", ""])
def test_the_registry_refuses_kiosk_ids_that_could_never_authenticate(tmp_path, kiosk_id):
    path = write_registry(tmp_path, kiosks=((kiosk_id, "Trung tâm", SECRET),))
    with pytest.raises(RegistryError, match="'id' must"):
        load_registry(path)


def raw_request(url, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send bytes as they are (no client library to tidy them); return the status and the body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(head + b"\r\n" + body)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""


def head(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\r\n" for line in [b"POST /v1/batches HTTP/1.1", b"Host: 127.0.0.1",
                                                   b"Connection: close", *lines])


@pytest.mark.parametrize("length", [b"9" * 4300, b"9" * 5000, b"\xb2", b"-1", b"1e3"])
def test_a_malformed_content_length_is_a_4xx_never_a_500(service, length):
    url, _ = service
    status, body = raw_request(url, head([b"Content-Length: " + length, b"X-Kiosk-Id: test-01"]), b"{}")
    assert 400 <= status < 500, body


def signed_raw(url, body: bytes, timestamp: bytes | None = None) -> tuple[int, bytes]:
    ts = int(time.time())
    sig = signing.sign(SECRET.encode(), ts, "POST", "/v1/batches", body).encode()
    return raw_request(url, head([b"Content-Type: application/json", b"Content-Length: " + str(len(body)).encode(),
                                  b"X-Kiosk-Id: test-01", b"X-Kiosk-Timestamp: " + (timestamp or str(ts).encode()),
                                  b"X-Kiosk-Signature: " + sig]), body)


def test_a_timestamp_of_a_non_ascii_digit_is_a_401_not_a_500(service):
    url, _ = service
    status, body = signed_raw(url, b"{}", timestamp=b"\xb2")
    assert status == 401 and json.loads(body)["error"] == "bad_timestamp"


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"kiosk_id": "test-01", "votes": [' + b"9" * 4300 + b"]}",
    b'{"kiosk_id": "test-01", "votes": [{"seq": ' + b"1" * 4301 + b"}]}",
    b'{"kiosk_id": "test-01", "counters": [{"id": "Q1", "name": "\\ud800"}]}',
    b'{"kiosk_id": "test-01", "reasons": [{"vote_uuid": "\\ud800", "element": "procedure", "recorded_at": "x"}]}',
    b'{"kiosk_id": "test-01", "\\ud800": 1}',
    b'{"kiosk_id": "test-01", "votes": [], "status": {"software_version": "\\udfff"}}',
    b'{"kiosk_id": "test-01", "votes": [1e999]}',
    b'{"kiosk_id": "test-01", "votes": [NaN]}',
])
def test_hostile_json_from_a_signed_kiosk_is_a_400_never_a_500(service, body):
    url, app = service
    status, answer = signed_raw(url, body)
    assert status == 400, answer
    assert json.loads(answer)["error"] == "bad_batch"


def test_a_lone_surrogate_in_a_vote_field_is_refused(service, tmp_path):
    url, _ = service
    v = votes_of(tmp_path, "test-01", 1)[0]
    body = encode_batch("test-01", [], [{**v, "officer": "X"}], []).replace(b'"officer":"X"', b'"officer":"\\ud800"')
    status, answer = signed_raw(url, body)
    assert status == 400 and "officer" in json.loads(answer)["reason"]


def test_an_oversized_body_gets_its_413_after_being_read_so_the_client_sees_it(service):
    url, _ = service
    big = b"x" * (10 * 1024 * 1024)
    r = post(url, big)   # a broken pipe would raise ConnectionError here instead
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_chain_gaps_are_summarised_so_a_receipt_stays_small(service, tmp_path):
    url, app = service
    votes = votes_of(tmp_path, "test-01", 4001)
    sent = votes[::2][:2000]   # every other vote: 2,000 gaps
    r = post(url, encode_batch("test-01", [], sent[:-1], []))
    assert r.status_code == 200
    last = post(url, encode_batch("test-01", [], sent[-1:], []))
    chain = last.json()["chain"]
    assert chain["issues_total"] == 1999 and chain["missing_votes"] == 1999 and len(chain["issues"]) <= 20
    assert len(last.content) < 10_000


def test_a_late_vote_is_checked_against_its_neighbours_only_never_by_rewalking_the_chain(service, tmp_path):
    """The rule behind "a late vote on a kiosk with 1.2 M votes blocked everyone for 9 s": every read of
    votes during a late vote's ingest is by key (uuid or seq IN a list), never a range walk."""
    url, app = service
    votes = votes_of(tmp_path, "test-01", 600)
    late = votes.pop(10)
    assert post(url, encode_batch("test-01", [], votes, []), ).status_code == 200
    from django.db import connections
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    alias = app.runtime.alias
    from central.runtime import activate, deactivate
    token = activate(app.runtime)
    try:
        from datetime import datetime, timezone

        from rating.wire import check_vote
        with connections[alias].execute_wrapper(record):
            receipt = ingest.ingest(alias, "test-01", [check_vote(late, "test-01", 0)], [], [], None,
                                    datetime.now(timezone.utc), int(time.time()))
    finally:
        deactivate(token)
        connections[alias].close()
    assert receipt.accepted == [late["uuid"]] and receipt.chain["ok"]
    reads = [s for s in statements if re.search(r"\bFROM votes\b", s)]
    # By key: uuid or seq in a list, or (the demo votes the receipt adds back) the batch's days.
    assert reads and all(re.search(r"\b(uuid|seq|local_date) (IN \(|= ANY\()", s) for s in reads), reads
    assert not any(re.search(r"seq\s*(>|<|BETWEEN)", s) for s in reads)


def csv_cells(text):
    import csv
    import io
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]


def test_csv_reports_escape_cells_that_a_spreadsheet_would_run(service, tmp_path):
    url, app = service
    v = votes_of(tmp_path, "test-01", 1)[0]
    body = encode_batch("test-01", [{"id": "Q1", "name": "=HYPERLINK(\"http://x\")"}], [v], [])
    assert post(url, body).status_code == 200
    day = v["local_time"][:10]
    auth = {"Authorization": f"Bearer {REPORT_TOKEN}"}
    by_counter = requests.get(f"{url}/v1/reports/totals?day={day}&kiosk=test-01&format=csv", headers=auth).text
    cells = csv_cells(by_counter)
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_a_resent_reason_is_acknowledged_again_but_counted_once(service, tmp_path):
    url, app = service
    v = votes_of(tmp_path, "test-01", 1)[0]
    body = encode_batch("test-01", [], [v], [reason(v["uuid"], "officer"), reason(v["uuid"], "officer")])
    for _ in range(2):
        assert post(url, body).json()["reasons"][0] == [v["uuid"], "officer"]
    assert app.store.query("SELECT kiosk_id, local_date, element, n FROM reason_days") == \
        [("test-01", v["local_time"][:10], "officer", 1)]

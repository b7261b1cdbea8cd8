"""A kiosk of the previous release syncs to this service unchanged.

``tests/fixtures/previous-release/`` holds the two request bodies the previous release's own sync client
(commit d92d008, the release before the shared domain) sent for a store with votes of every source, an
officer, a flagged repeat, reasons, and four questionnaire responses with 24 answers — recorded through
a proxy in front of this service, which took them whole. Here they are sent again, signed now, to a
fresh service on SQLite and on PostgreSQL: every row must be acknowledged with the receipt shape that
client reads, exactly once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests

from rating import signing
from tests.sync_helpers import SECRET, backend_db, central_service, postgres_server  # noqa: F401

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "previous-release"


def send(url: str, body: bytes) -> requests.Response:
    headers = signing.signed_headers("test-01", SECRET.encode(), int(time.time()), "POST", "/v1/batches", body)
    return requests.post(url + "/v1/batches", data=body, headers={**headers, "Content-Type": "application/json"},
                         timeout=60)


def test_the_previous_releases_batches_are_taken_whole_and_acknowledged_as_that_client_reads_them(tmp_path, backend_db):
    votes_body = (FIXTURES / "votes-and-reasons.json").read_bytes()
    q_body = (FIXTURES / "questionnaire-rows.json").read_bytes()
    sent, q_sent = json.loads(votes_body), json.loads(q_body)["questionnaires"]
    with central_service(tmp_path, db=backend_db) as (url, app):
        r = send(url, votes_body)
        assert r.status_code == 200, r.text
        receipt = r.json()
        assert set(receipt) >= {"kiosk_id", "accepted", "duplicates", "reasons", "totals", "chain"}
        assert sorted(receipt["accepted"]) == sorted(v["uuid"] for v in sent["votes"])
        assert sorted(map(tuple, receipt["reasons"])) == sorted((x["vote_uuid"], x["element"]) for x in sent["reasons"])
        assert receipt["chain"]["ok"] and receipt["chain"]["head_seq"] == len(sent["votes"])
        held = sum(sum(t["levels"].values()) + t["flagged"] for t in receipt["totals"])
        assert held == len(sent["votes"]), "the totals the old client compares with what it sent"
        r = send(url, q_body)
        assert r.status_code == 200, r.text
        q = r.json()["questionnaires"]
        assert sorted(q["responses"]) == sorted(x["uuid"] for x in q_sent["responses"])
        assert sorted(q["answers"]) == sorted(x["uuid"] for x in q_sent["answers"])
        assert [list(d) for d in q["definitions"]] == [[d["questionnaire_id"], d["version"]] for d in q_sent["definitions"]]
        assert q["chain"]["ok"]
        # Sent again (a lost receipt): acknowledged as duplicates, stored once.
        again = send(url, votes_body).json()
        assert again["accepted"] == [] and sorted(again["duplicates"]) == sorted(receipt["accepted"])
        assert app.store.query("SELECT count(*) FROM votes")[0][0] == len(sent["votes"])
        assert app.store.query("SELECT count(*) FROM q_answers")[0][0] == len(q_sent["answers"])


def test_this_release_encodes_the_previous_releases_batches_byte_for_byte():
    # The body is written member by member now (so the client can encode a batch's votes ahead, while the
    # batch before is in flight): it must still be json.dumps of the whole, byte for byte.
    from rating.wire import Q_PARTS, encode_batch, encode_votes
    for name in ("votes-and-reasons.json", "questionnaire-rows.json"):
        body = (FIXTURES / name).read_bytes()
        b = json.loads(body)
        q = b.get("questionnaires")
        assert encode_batch(b["kiosk_id"], b["counters"], b["votes"], b["reasons"], b["status"], q) == body
        assert encode_batch(b["kiosk_id"], b["counters"], b["votes"], b["reasons"], b["status"], q,
                            votes_json=encode_votes(b["votes"])) == body
        assert set(q or Q_PARTS) == set(Q_PARTS)

"""Questionnaire answers synced exactly once like votes, over real HTTP to a real service (SQLite and
PostgreSQL): through a faulty network, with replaced answers counted once, a kiosk touching only its
own rows, hostile payloads refused with a 4xx, and the answer chain checked as batches arrive."""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from datetime import date

import pytest

from kiosk import outbox
from rating.questionnaire.analysis import analyse
from kiosk.store import VoteStore
from rating import wire
from sync.client import SyncClient, describe
from tests.fault_proxy import FaultProxy
from tests.q_sync_helpers import answer_responses, centre_questionnaire, kiosk_config, post
from tests.sync_helpers import SECRET, backend_db, central_service, postgres_server  # noqa: F401

OTHER_SECRET = "another-kiosk-secret-0123456789"
TWO_KIOSKS = (("test-01", "Trung tâm xã Thử nghiệm", SECRET), ("test-02", "Trung tâm xã Khác", OTHER_SECRET))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


@pytest.fixture
def service(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db, kiosks=TWO_KIOSKS) as (url, app):
        yield url, app


def central_rows(app, sql):
    return app.store.query(sql)


def sync_until_complete(config, store, runs=40):
    for _ in range(runs):
        result = SyncClient(config, store, sleep=lambda s: None).run()
        if result.complete:
            return result
    raise AssertionError(describe(result))


def pending_batch(store, kiosk_id="test-01"):
    """The kiosk's waiting questionnaire rows as one batch body's ``questionnaires`` object."""
    answers = outbox.waiting(store, outbox.ANSWERS, 1000)
    responses = outbox.by_key(store, outbox.RESPONSES, {a["response_uuid"] for a in answers})
    definitions = outbox.by_key(store, outbox.DEFINITIONS, {(r["questionnaire_id"], r["version"]) for r in responses})
    return {"definitions": definitions, "responses": responses, "answers": answers}


def body(kiosk_id, q):
    return wire.encode_batch(kiosk_id, [], [], [], None, q)


# --- exactly once -----------------------------------------------------------------------------------

def test_answers_arrive_exactly_once_through_a_faulty_network(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        host, port = url.removeprefix("http://").split(":")
        proxy = FaultProxy((host, int(port)), {"pass": 4, "error_500": 1, "busy_503": 1, "drop_after_commit": 1,
                                                "timeout_after_commit": 1, "truncated": 1, "duplicate": 1}, seed=7)
        try:
            config = kiosk_config(tmp_path / "kiosk", proxy.url, batch_size=40, timeout_s=1)
            with VoteStore.from_config(config) as store:
                answer_responses(store, 60)
                store.record_vote("Q1", "RHL")
                sync_until_complete(config, store)
                assert outbox.count_waiting(store) == {"votes": 0, "reasons": 0, "definitions": 0, "responses": 0,
                                                       "answers": 0}
                local_answers = store.query("SELECT uuid, replaced FROM q_answers")
                local_responses = store.query("SELECT uuid, finished_at FROM q_responses")
        finally:
            proxy.close()
        for kind in ("error_500", "busy_503", "drop_after_commit", "truncated", "duplicate"):
            assert proxy.seen[kind] > 0, f"the fault {kind} was never injected"
        held = central_rows(app, "SELECT uuid, replaced FROM q_answers")
        assert len(held) == len(local_answers) > 300
        assert sorted(held) == sorted(local_answers)            # every UUID once, replaced marks alike
        assert sorted(central_rows(app, "SELECT uuid, finished_at FROM q_responses")) == sorted(local_responses)
        assert central_rows(app, "SELECT DISTINCT centre_id, kiosk_id FROM q_answers") == [
            (app.store.query("SELECT centre_id FROM kiosks WHERE id = 'test-01'")[0][0], "test-01")]
        chain = central_rows(app, "SELECT head_seq, answers FROM q_chain_state WHERE kiosk_id = 'test-01'")
        assert chain == [(len(local_answers), len(local_answers))]
        assert central_rows(app, "SELECT count(*) FROM q_chain_issues") == [(0,)]


def test_replaced_answers_count_once_and_the_central_analysis_equals_the_kiosks_own(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url, batch_size=25)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 45, seed=3)
        sync_until_complete(config, store)
        q = centre_questionnaire()
        mine = analyse(store, q, *Q4)
        replaced_here = store.query("SELECT count(*) FROM q_answers WHERE replaced = 1")[0][0]
    central = analyse(app.store, q, *Q4, filters={"kiosk_id": "test-01"})
    assert replaced_here == 15
    assert central_rows(app, "SELECT count(*) FROM q_answers WHERE replaced = 1") == [(15,)]
    assert central == mine
    answered = sum(x["answered"] for x in central[0]["questions"])
    assert answered == central_rows(app, "SELECT count(*) FROM q_answers WHERE replaced = 0 AND choice IS NOT NULL")[0][0]
    assert central[0]["by_channel"]["kiosk"]["responses"] == 45


def test_a_resent_batch_is_acknowledged_as_held_and_stored_once(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 5)
        q = pending_batch(store)
    first, again = post(url, body("test-01", q)), post(url, body("test-01", q))
    assert first.status_code == again.status_code == 200
    assert first.json()["questionnaires"]["answers"] == again.json()["questionnaires"]["answers"] == \
        [a["uuid"] for a in q["answers"]]
    assert again.json()["questionnaires"]["chain"]["ok"] is True
    assert central_rows(app, "SELECT count(*) FROM q_answers") == [(len(q["answers"]),)]


def test_an_old_kiosks_batch_gets_the_receipt_it_always_got(service, tmp_path):
    url, _ = service
    plain = wire.encode_batch("test-01", [], [], [], {"software_version": "0.1.0"})
    assert b"questionnaires" not in plain and b"waiting_answers" not in plain
    answer = post(url, plain)
    assert answer.status_code == 200 and "questionnaires" not in answer.json()


# --- a kiosk touches only its own rows ---------------------------------------------------------------

def test_a_forged_answer_for_another_kiosks_response_is_refused(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "a", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        sync_until_complete(config, store)
        victim = store.query("SELECT uuid FROM q_responses ORDER BY started_at LIMIT 1")[0][0]
        victim_answer = store.query("SELECT uuid FROM q_answers WHERE response_uuid = ? ORDER BY seq LIMIT 1",
                                    (victim,))[0][0]
    before = central_rows(app, "SELECT uuid, replaced FROM q_answers ORDER BY uuid")
    forger = kiosk_config(tmp_path / "b", url, kiosk_id="test-02", secret=OTHER_SECRET)
    with VoteStore.from_config(forger) as store:
        answer_responses(store, 1, seed=9)
        own = pending_batch(store, "test-02")
    a = own["answers"][0]
    forged_answer = {**a, "uuid": str(uuidlib.uuid4()), "response_uuid": victim}
    forged_response = {**own["responses"][0], "uuid": victim}
    replacing = {**a, "replaces": victim_answer}
    for label, q in (("answer to its response", {**own, "answers": [forged_answer]}),
                     ("its response re-sent", {**own, "responses": [forged_response], "answers": []}),
                     ("an answer replacing its answer", {**own, "answers": [replacing]})):
        answer = post(url, body("test-02", q), kiosk="test-02", secret=OTHER_SECRET)
        assert answer.status_code == 409, (label, answer.text)
        assert "another" in answer.json()["reason"], label
    assert central_rows(app, "SELECT uuid, replaced FROM q_answers ORDER BY uuid") == before
    assert central_rows(app, "SELECT count(*) FROM q_responses WHERE kiosk_id = 'test-02'") == [(0,)]
    # and the kiosk's answers can't claim to be another kiosk's, whatever the batch says
    claim = {**own, "answers": [{**a, "kiosk_id": "test-01"}]}
    answer = post(url, body("test-02", claim), kiosk="test-02", secret=OTHER_SECRET)
    assert answer.status_code == 400 and "not the sending kiosk" in answer.json()["reason"]


def test_the_same_answer_uuid_with_other_content_is_a_conflict_never_an_overwrite(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        q = pending_batch(store)
    assert post(url, body("test-01", q)).status_code == 200
    a = q["answers"][0]
    question = centre_questionnaire().question(a["question_id"])
    changed = {**a, "choice": next(c for c in question.codes if c != a["choice"])}
    answer = post(url, body("test-01", {**q, "answers": [changed]}))
    assert answer.status_code == 409 and answer.json()["conflicting"] == [a["uuid"]]
    assert central_rows(app, f"SELECT choice FROM q_answers WHERE uuid = '{a['uuid']}'") == [(a["choice"],)]
    reused_seq = {**q["answers"][1], "uuid": str(uuidlib.uuid4())}
    assert post(url, body("test-01", {**q, "answers": [reused_seq]})).status_code == 409


# --- hostile payloads: a 4xx with a reason, never a 500 ------------------------------------------------

def _hostile(q):
    a, r, d = q["answers"][0], q["responses"][0], q["definitions"][0]
    one = lambda **kw: {**q, "answers": [{**a, **kw}]}  # noqa: E731
    return {
        "huge int seq": json.dumps({**q, "answers": [{**a, "seq": 1}]}).replace('"seq": 1', '"seq": ' + "9" * 4300),
        "deep nesting": '{"kiosk_id": "test-01", "questionnaires": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "lone surrogate in a question id": json.dumps(one(question_id="\ud800")),
        "lone surrogate in words": json.dumps(one(text="\udfff")),
        "version as text": json.dumps(one(version="1")),
        "choice as a number": json.dumps(one(choice=5)),
        "choice not among the question's codes": json.dumps(one(choice="XYZ")),
        "words on a scale question": json.dumps(one(choice=None, text="hay")),
        "unknown question": json.dumps(one(question_id="khong-co")),
        "unknown definition": json.dumps({"definitions": [], "responses": [{**r, "version": 77}],
                                          "answers": [{**a, "version": 77}]}),
        "definition not matching its hash": json.dumps({**q, "definitions": [{**d, "definition": d["definition"] + " "}]}),
        "definition that is not a questionnaire": json.dumps(
            {**q, "definitions": [{**d, "definition": "[" * 50_000 + "]" * 50_000,
                                   "definition_hash": hashlib.sha256(
                                       ("[" * 50_000 + "]" * 50_000).encode()).hexdigest()}]}),
        "unknown field": json.dumps(one(extra=1)),
        "not an object": json.dumps({**q, "answers": [[1, 2]]}),
        "questionnaires as a list": json.dumps([]),
        "uuid not canonical": json.dumps(one(uuid=a["uuid"].upper())),
        "response of another channel than its answers": json.dumps({**q, "responses": [{**r, "channel": "paper"}]}),
        "local_time without offset": json.dumps(one(local_time="2026-11-02T08:00:00")),
        "local_time in the basic form": json.dumps(one(local_time="20261102T080000+0700")),
        "too many answers": json.dumps({**q, "answers": [a] * (wire.MAX_Q_ANSWERS + 1)}),
        "answer twice": json.dumps({**q, "answers": [a, a]}),
        "bool as version": json.dumps(one(version=True)),
    }


def test_hostile_questionnaire_payloads_are_a_4xx_with_a_reason_never_a_500(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 1)
        q = pending_batch(store)
    for label, payload in _hostile(q).items():
        if label != "questionnaires as a list":
            payload = '{"kiosk_id": "test-01", "questionnaires": ' + payload + "}" if not payload.startswith(
                '{"kiosk_id"') else payload
        else:
            payload = '{"kiosk_id": "test-01", "questionnaires": []}'
        answer = post(url, payload.encode("utf-8", "surrogatepass"))
        assert 400 <= answer.status_code < 500, (label, answer.status_code, answer.text[:300])
        assert answer.json()["reason"], label
    assert central_rows(app, "SELECT count(*) FROM q_answers") == [(0,)]
    assert post(url, body("test-01", q)).status_code == 200   # the honest batch still goes through


# --- the chain -----------------------------------------------------------------------------------------

def test_an_answer_edited_or_deleted_on_the_kiosk_shows_in_the_receipts_answer_chain(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 3)
        # behind the store's back: one answer's choice changed, another deleted
        store.conn.execute("UPDATE q_answers SET choice = CASE choice WHEN 'RHL' THEN 'HL' ELSE 'RHL' END WHERE seq = 2")
        store.conn.execute("DELETE FROM q_answers WHERE seq = 5")
        store.conn.commit()
        result = SyncClient(config, store, sleep=lambda s: None).run()
    chain = result.answer_chain
    assert chain["ok"] is False and chain["missing_answers"] == 1
    # the edit is found by the hash; the deletion is a gap (counted, one number however many are missing)
    assert [(i["seq"], i["kind"]) for i in chain["issues"]] == [(2, "edited")] and chain["issues_total"] == 1
    assert "answer chain" in describe(result)


def test_a_late_answer_is_checked_against_its_neighbours_and_closes_its_gap(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 3)
        q = pending_batch(store)
    late = q["answers"][4]
    first = post(url, body("test-01", {**q, "answers": [a for a in q["answers"] if a is not late]}))
    gap = first.json()["questionnaires"]["chain"]
    assert gap["missing_answers"] == 1 and gap["issues"] == [] and gap["ok"] is False   # a gap alone: not ok
    second = post(url, body("test-01", {**q, "answers": [late]})).json()["questionnaires"]
    assert second["answers"] == [late["uuid"]]
    assert second["chain"] == {"kiosk_id": "test-01", "head_seq": len(q["answers"]), "answers": len(q["answers"]),
                               "ok": True, "issues": [], "issues_total": 0, "missing_answers": 0}
    # another answer under a seq already held is a conflict, never a second answer 6
    tampered = {**q["answers"][5], "uuid": str(uuidlib.uuid4())}
    assert post(url, body("test-01", {**q, "answers": [tampered]})).status_code == 409   # seq already held


def test_an_answer_arriving_after_the_one_that_replaces_it_is_marked_replaced(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 1)   # the first citizen changes an answer
        q = pending_batch(store)
    replaced = next(a for a in q["answers"] if any(b["replaces"] == a["uuid"] for b in q["answers"]))
    rest = [a for a in q["answers"] if a is not replaced]
    assert post(url, body("test-01", {**q, "answers": rest})).status_code == 200
    assert post(url, body("test-01", {**q, "answers": [replaced]})).status_code == 200
    assert central_rows(app, f"SELECT replaced FROM q_answers WHERE uuid = '{replaced['uuid']}'") == [(1,)]
    assert central_rows(app, "SELECT count(*) FROM q_answers WHERE replaced = 1") == [(1,)]


def test_a_nul_character_in_words_or_a_vote_field_is_a_400_not_a_500(service, tmp_path):
    # PostgreSQL text cannot hold NUL: found by this suite as a 500 (words on the phone channel's free-text
    # question reached COPY). The wire refuses it for every string, votes included.
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 1)
        store.record_vote("Q1", "HL", officer="CB01")
        q = pending_batch(store)
        vote = outbox.waiting(store, outbox.VOTES, 1)[0]
    phone = {**q["responses"][0], "channel": "phone"}
    words = {**q["answers"][0], "channel": "phone", "question_id": "gop-y", "choice": None, "text": "tốt\x00"}
    honest = {**words, "text": "Cán bộ tận tình"}
    for payload in (body("test-01", {**q, "responses": [phone], "answers": [words]}),
                    wire.encode_batch("test-01", [], [{**vote, "officer": "CB\x00"}], [])):
        answer = post(url, payload)
        assert answer.status_code == 400 and "NUL" in answer.json()["reason"], answer.text
    assert post(url, body("test-01", {**q, "responses": [phone], "answers": [honest]})).status_code == 200
    assert central_rows(app, "SELECT text FROM q_answers") == [("Cán bộ tận tình",)]


def test_a_changed_definition_under_a_held_version_is_a_conflict_and_the_first_stays(service, tmp_path):
    url, app = service
    config = kiosk_config(tmp_path / "kiosk", url)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 1)
        q = pending_batch(store)
    assert post(url, body("test-01", q)).status_code == 200
    d = q["definitions"][0]
    raw = json.loads(d["definition"])
    raw["title"]["vi"] += " (sửa)"
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    changed = {**d, "definition": text, "definition_hash": hashlib.sha256(text.encode()).hexdigest()}
    answer = post(url, body("test-02", {"definitions": [changed], "responses": [], "answers": []}),
                  kiosk="test-02", secret=OTHER_SECRET)
    assert answer.status_code == 409 and "new version" in answer.json()["reason"]
    assert central_rows(app, "SELECT definition_hash FROM q_definitions") == [(d["definition_hash"],)]

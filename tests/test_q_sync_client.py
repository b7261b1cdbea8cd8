"""The kiosk's sync client sending questionnaire rows, against a scripted server on 127.0.0.1: it
marks synced only what the receipt lists, keeps everything waiting on a 401 or an old server, sends
each answer with its response and definition, bounds its batches, and sets aside only the row a
server refuses."""

from __future__ import annotations

import pytest

from kiosk import outbox
from kiosk.store import VoteStore
from sync.client import SyncClient, describe
from tests.q_sync_helpers import answer_responses
from tests.test_sync_client_rules import scripted  # noqa: F401  (a fixture, used by name)


def q_receipt(batch, answers=None, responses=None, definitions=None):
    """A receipt acknowledging the batch's votes and the given questionnaire rows (all when None)."""
    q = batch.get("questionnaires") or {"definitions": [], "responses": [], "answers": []}
    pick = lambda given, rows, key: [key(r) for r in rows] if given is None else given  # noqa: E731
    out = {"kiosk_id": batch["kiosk_id"], "accepted": [v["uuid"] for v in batch["votes"]], "duplicates": [],
           "reasons": [], "totals": [], "chain": {"ok": True, "issues": []}}
    if "questionnaires" in batch:
        out["questionnaires"] = {
            "definitions": pick(definitions, q["definitions"], lambda d: [d["questionnaire_id"], d["version"]]),
            "responses": pick(responses, q["responses"], lambda r: r["uuid"]),
            "answers": pick(answers, q["answers"], lambda a: a["uuid"]),
            "chain": {"ok": True, "issues": [], "issues_total": 0, "missing_answers": 0}}
    return out


def q_waiting(store):
    """The questionnaire rows waiting to be sent, by kind."""
    return {k: n for k, n in outbox.count_waiting(store).items() if k in ("definitions", "responses", "answers")}


def q_states(store):
    return dict(store.query("SELECT sync_state, count(*) FROM q_answers GROUP BY 1"))


def client(config, store):
    return SyncClient(config, store, sleep=lambda s: None, attempts=2)


def test_only_the_answers_the_receipt_lists_are_marked_synced(scripted):
    def script(batch, headers):
        answers = batch.get("questionnaires", {}).get("answers", [])
        return 200, q_receipt(batch, answers=[a["uuid"] for a in answers[::2]]), {}

    server, config = scripted(script)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        total = q_waiting(store)["answers"]
        result = client(config, store).run()
        sent = server.requests[-1][1]["questionnaires"]["answers"]
        listed = {a["uuid"] for a in sent[::2]}
        synced = {u for (u,) in store.query("SELECT uuid FROM q_answers WHERE sync_state = 'synced'")}
        assert synced == listed and 0 < len(synced) < total
        assert q_waiting(store)["answers"] == total - len(listed)
        assert not result.complete and "acknowledged" in result.error


def test_only_the_responses_the_receipt_lists_are_marked_synced(scripted):
    # Every answer and definition acknowledged, but only the first response: the others stay waiting.
    listed = []

    def script(batch, headers):
        responses = batch.get("questionnaires", {}).get("responses", [])
        listed[:] = listed or [r["uuid"] for r in responses[:1]]
        return 200, q_receipt(batch, responses=[r["uuid"] for r in responses if r["uuid"] in listed]), {}

    server, config = scripted(script)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        client(config, store).run()
        synced = [u for (u,) in store.query("SELECT uuid FROM q_responses WHERE sync_state = 'synced'")]
        assert len(listed) == 1 and synced == listed
        assert q_waiting(store)["responses"] == 1 and q_waiting(store)["answers"] == 0


def test_a_receipt_from_a_service_without_questionnaires_marks_nothing_and_stops(scripted):
    def script(batch, headers):
        answer = q_receipt(batch)
        answer.pop("questionnaires", None)   # a service before protocol 1.2 would not even take the batch
        return 200, answer, {}

    server, config = scripted(script)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        result = client(config, store).run()
        assert q_states(store) == {"pending": q_waiting(store)["answers"]}
        assert "does not take them" in result.error and len(server.requests) == 1


def test_an_old_service_refusing_the_questionnaires_field_quarantines_nothing(scripted):
    server, config = scripted(lambda b, h: (400, {"error": "bad_batch", "reason": "unknown field(s) ['questionnaires']"}, {}))
    with VoteStore.from_config(config) as store:
        answer_responses(store, 3)
        result = client(config, store).run()
        assert "questionnaire" in result.error and len(server.requests) == 1
        assert outbox.count_quarantined(store) == {"votes": 0, "responses": 0, "answers": 0}


def test_a_401_keeps_every_answer_and_vote_waiting(scripted):
    server, config = scripted(lambda b, h: (401, {"error": "bad_signature", "reason": "wrong secret"}, {}))
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        store.record_vote("Q1", "HL")
        waiting = q_waiting(store)
        result = client(config, store).run()
        assert "authentication refused" in result.error and len(server.requests) == 1
        assert q_waiting(store) == waiting
        assert outbox.count_quarantined(store) == {"votes": 0, "responses": 0, "answers": 0}


def test_answers_go_after_the_votes_each_with_its_response_and_definition_in_bounded_batches(scripted):
    server, config = scripted(lambda b, h: (200, q_receipt(b), {}))   # batch_size 10
    with VoteStore.from_config(config) as store:
        answer_responses(store, 8)
        store.record_vote("Q1", "HL")
        waiting = q_waiting(store)["answers"]
        result = client(config, store).run()
        assert result.complete and result.answers == waiting
    batches = [b for _, b in server.requests]
    assert batches[0]["votes"] and "questionnaires" not in batches[0]
    for b in batches[1:]:
        q = b["questionnaires"]
        assert not b["votes"] and 0 < len(q["answers"]) <= 10
        assert {a["response_uuid"] for a in q["answers"]} <= {r["uuid"] for r in q["responses"]}
        assert {(r["questionnaire_id"], r["version"]) for r in q["responses"]} <= \
            {(d["questionnaire_id"], d["version"]) for d in q["definitions"]}
        assert b["status"]["waiting_answers"] >= len(q["answers"])
    seqs = [a["seq"] for b in batches[1:] for a in b["questionnaires"]["answers"]]
    assert seqs == sorted(seqs) and len(seqs) == waiting


@pytest.mark.parametrize("status", [400, 413])
def test_one_refused_answer_is_found_by_halving_and_set_aside_alone(scripted, status):
    bad = []

    def script(batch, headers):
        answers = batch.get("questionnaires", {}).get("answers", [])
        if not bad and answers:
            bad.append(answers[3]["uuid"])
        if any(a["uuid"] in bad for a in answers):
            return status, {"error": "bad_batch", "reason": "questionnaires.answers[3]: 'choice' is wrong"}, {}
        return 200, q_receipt(batch), {}

    server, config = scripted(script)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 3)
        total = q_waiting(store)["answers"]
        result = client(config, store).run()
        quarantined = {u for (u,) in store.query("SELECT uuid FROM q_answers WHERE sync_state = 'quarantined'")}
        assert quarantined == set(bad) and result.q_quarantined == 1
        assert q_states(store) == {"synced": total - 1, "quarantined": 1}
        assert result.complete and result.q_quarantined_total == 1 and "set aside" in describe(result)


def test_a_409_quarantines_only_the_answers_it_names(scripted):
    named = []

    def script(batch, headers):
        answers = batch.get("questionnaires", {}).get("answers", [])
        if answers and not named:
            named.append(answers[1]["uuid"])
            return 409, {"error": "conflict", "reason": "already received with other content", "conflicting": named}, {}
        return 200, q_receipt(batch), {}

    server, config = scripted(script)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        total = q_waiting(store)["answers"]
        client(config, store).run()
        assert q_states(store) == {"synced": total - 1, "quarantined": 1}
        assert store.query("SELECT uuid FROM q_answers WHERE sync_state = 'quarantined'") == [(named[0],)]


def test_a_409_naming_no_row_of_the_batch_stops_the_run_and_quarantines_nothing(scripted):
    server, config = scripted(lambda b, h: (409, {"error": "conflict", "conflicting": ["trung-tam@1"],
                                                  "reason": "questionnaire trung-tam v1 is held with another definition"}, {}))
    with VoteStore.from_config(config) as store:
        answer_responses(store, 2)
        waiting = q_waiting(store)
        result = client(config, store).run()
        assert "another definition" in result.error and len(server.requests) == 1
        assert q_waiting(store) == waiting
        assert outbox.count_quarantined(store) == {"votes": 0, "responses": 0, "answers": 0}


def test_sync_release_quarantine_puts_refused_answers_back_and_they_are_sent_again(scripted):
    from pathlib import Path

    from tests.conftest import run_cli
    named = []

    def script(batch, headers):
        answers = batch.get("questionnaires", {}).get("answers", [])
        if answers and not named:
            named.append(answers[0]["uuid"])
            return 409, {"error": "conflict", "reason": "already received with other content", "conflicting": named}, {}
        return 200, q_receipt(batch), {}

    server, config = scripted(script)
    with VoteStore.from_config(config) as store:
        answer_responses(store, 1)
        total = q_waiting(store)["answers"]
        client(config, store).run()
        assert q_states(store) == {"synced": total - 1, "quarantined": 1}
    done = run_cli("sync", "--release-quarantine", config=Path(config.source))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 câu trả lời" in done.stdout
    with VoteStore.from_config(config) as store:
        assert q_states(store) == {"synced": total}

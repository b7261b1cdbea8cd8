"""One ingest path for every kind of synced row: rows held are acknowledged, new ones stored once, and a
conflict anywhere stores nothing of the batch — on SQLite and PostgreSQL."""

from __future__ import annotations

from rating.wire import encode_batch
from tests.sync_helpers import backend_db, postgres_server  # noqa: F401
from tests.test_central_defects import OTHER_SECRET, post, service, votes_of  # noqa: F401


def held_votes(app):
    return app.store.query("SELECT kiosk_id, count(*) FROM votes GROUP BY kiosk_id ORDER BY kiosk_id")


def counted(app):
    return app.store.query("SELECT coalesce(sum(n), 0) FROM daily_totals")[0][0]


def test_a_batch_of_held_and_new_votes_acknowledges_the_held_and_stores_only_the_new(service, tmp_path):
    url, app = service
    votes = votes_of(tmp_path, "test-01", 6)
    assert post(url, encode_batch("test-01", [], votes[:3], [])).status_code == 200
    r = post(url, encode_batch("test-01", [], votes[1:], [])).json()
    assert r["accepted"] == [v["uuid"] for v in votes[3:]]
    assert r["duplicates"] == [v["uuid"] for v in votes[1:3]]
    assert held_votes(app) == [("test-01", 6)] and counted(app) == 6
    assert r["chain"] == {"kiosk_id": "test-01", "head_seq": 6, "votes": 6, "ok": True, "issues": [],
                          "issues_total": 0, "missing_votes": 0}


def test_a_conflict_anywhere_in_a_batch_stores_none_of_its_votes(service, tmp_path):
    url, app = service
    votes = votes_of(tmp_path, "test-01", 4)
    assert post(url, encode_batch("test-01", [], votes[:1], [])).status_code == 200
    changed = {**votes[0], "level": "HL"}
    r = post(url, encode_batch("test-01", [], [*votes[1:], changed], []))
    assert r.status_code == 409 and r.json()["conflicting"] == [votes[0]["uuid"]]
    assert "already received with other content (level" in r.json()["reason"]
    assert held_votes(app) == [("test-01", 1)] and counted(app) == 1
    assert app.store.query("SELECT head_seq, votes FROM chain_state") == [(1, 1)]


def test_a_vote_uuid_held_for_another_kiosk_is_a_conflict_and_the_vote_stays_that_kiosks(service, tmp_path):
    url, app = service
    mine = votes_of(tmp_path, "test-01", 1)[0]
    assert post(url, encode_batch("test-01", [], [mine], [])).status_code == 200
    theirs = {**votes_of(tmp_path, "test-02", 1, name="other")[0], "uuid": mine["uuid"]}
    r = post(url, encode_batch("test-02", [], [theirs], []), kiosk="test-02", secret=OTHER_SECRET)
    assert r.status_code == 409 and r.json()["conflicting"] == [mine["uuid"]]
    assert "belongs to another kiosk" in r.json()["reason"]
    assert held_votes(app) == [("test-01", 1)]


def test_every_row_kind_is_keyed_by_a_unique_index_so_a_row_is_never_stored_twice(tmp_path):
    # The ingest stores a batch first without looking anything up: only a unique index on each kind's
    # key (and on a chain's kiosk and seq) makes a held row fail that first try.
    from central.app import setup_django
    setup_django(str(tmp_path / "default.db"))
    from django.apps import apps

    from central import ingest
    models = {m._meta.db_table: m for m in apps.get_app_config("central").get_models()}
    for kind in ingest.KINDS:
        meta = models[kind.table]._meta
        unique = {(meta.pk.column,)} | {tuple(c.fields) for c in meta.constraints if getattr(c, "fields", None)}
        assert kind.key in unique, kind.name
        if kind.chain is not None:
            assert ("kiosk_id", "seq") in unique, kind.name


def test_a_late_vote_must_link_to_the_held_vote_after_it(service, tmp_path):
    from rating.chain import VOTES
    url, app = service
    votes = votes_of(tmp_path, "test-01", 3)
    assert post(url, encode_batch("test-01", [], [votes[0], votes[2]], [])).status_code == 200
    replaced = {**votes[1], "level": "HL"}   # hashed again: itself it checks, but vote 3 was chained to another vote 2
    replaced["hash"] = VOTES.hash(replaced)
    chain = post(url, encode_batch("test-01", [], [replaced], [])).json()["chain"]
    assert [(i["seq"], i["kind"]) for i in chain["issues"]] == [(3, "break")]
    assert chain["missing_votes"] == 0 and not chain["ok"]


def test_a_response_finished_later_is_completed_but_a_finish_time_never_changes(service, tmp_path):
    from kiosk.store import VoteStore
    from tests.q_sync_helpers import answer_responses, kiosk_config
    from tests.test_q_sync import body, pending_batch
    url, app = service
    with VoteStore.from_config(kiosk_config(tmp_path / "kiosk", url)) as store:
        answer_responses(store, 1)
        q = pending_batch(store)
    r = q["responses"][0]
    finished = r["finished_at"]
    assert finished is not None
    send = lambda **kw: post(url, body("test-01", {**q, "responses": [{**r, **kw}]}))  # noqa: E731
    assert send(finished_at=None).status_code == 200
    assert send(finished_at=finished).json()["questionnaires"]["responses"] == [r["uuid"]]
    assert app.store.query("SELECT finished_at FROM q_responses") == [(finished,)]
    other = send(finished_at="2026-11-02T23:59:00.000+07:00")
    assert other.status_code == 409 and other.json()["conflicting"] == [r["uuid"]]
    assert "(finished_at)" in other.json()["reason"]
    assert send(finished_at=None).status_code == 200   # a kiosk that never saw the finish changes nothing
    assert app.store.query("SELECT finished_at FROM q_responses") == [(finished,)]

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

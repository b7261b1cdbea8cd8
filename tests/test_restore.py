"""Restore (issue 16): from a backup, reconciled with the service, and from the service alone — against
the real central service over HTTP on 127.0.0.1 (SQLite and PostgreSQL), with real SQLite files; then new
votes sync exactly once, counted on the server."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from kiosk import outbox
from kiosk.restore import RECONCILE_KEY
from kiosk.runtime import NotTakingVotes, Runtime
from kiosk.store import VOTE_COLUMNS, VoteStore
from rating import chain, signing, wire
from sync.client import SyncClient, describe
from sync.startup import chain_on_service
from sync.takeback import ChainFetcher
from tests.conftest import run_cli
from tests.q_sync_helpers import answer_responses, kiosk_config
from tests.sync_helpers import SECRET, backend_db, central_service, postgres_server  # noqa: F401  (fixtures)
from tests.test_sync import T0, fill

OTHER_SECRET = "another-kiosks-secret-0123456789"
TWO_KIOSKS = (("test-01", "Trung tâm xã Thử nghiệm", SECRET), ("test-02", "Trung tâm xã Khác", OTHER_SECRET))


def backup(db: Path, to: Path) -> Path:
    """A backup made as the nightly one is: SQLite's backup API, never a file copy."""
    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    src.backup(dst)
    src.close()
    dst.close()
    return to


def synced(config, n: int, start=T0) -> None:
    """``n`` more votes recorded and synced to the service."""
    with VoteStore.from_config(config) as store:
        fill(store, n, start)
        result = SyncClient(config, store).run()
        assert result.complete, describe(result)


def on_server(app) -> list[str]:
    return [r[0] for r in app.store.query("SELECT uuid FROM votes")]


def conflicts(app) -> int:
    return app.store.query("SELECT count(*) FROM conflicts")[0][0]


def five_new_votes_sync_exactly_once(config, app, expected_total: int, waiting: int = 0) -> None:
    with VoteStore.from_config(config) as store:
        assert store.verify_chain() is None
        fill(store, 5, T0 + timedelta(days=1))
        result = SyncClient(config, store).run()
        assert result.complete and result.sent == 5 + waiting and result.quarantined_total == 0, describe(result)
        local = {v.uuid for v in store.iter_votes()}
    uuids = on_server(app)
    assert len(uuids) == len(set(uuids)) == expected_total and set(uuids) == local
    assert conflicts(app) == 0
    chain = app.store.query("SELECT head_seq, votes FROM chain_state WHERE kiosk_id = 'test-01'")[0]
    assert chain == (expected_total, expected_total)


def delete_store(config) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{config.db_path}{suffix}").unlink(missing_ok=True)


def leftovers(config) -> list[str]:
    return sorted(p.name for p in Path(config.db_path).parent.iterdir() if p.name.startswith(".restore-"))


# --- the service's side -------------------------------------------------------------------------------

def test_a_kiosk_takes_back_its_rows_page_by_page_with_reasons_and_answers(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        with VoteStore.from_config(config) as store:
            fill(store, 23)
            store.attach_reasons(next(store.iter_votes()).uuid, ["procedure", "officer"])
            answer_responses(store, 4)
            assert SyncClient(config, store).run().complete
            answers = store.answer_count()
        pages = list(ChainFetcher(config, page_size=10)("votes"))
        assert [len(p.votes) for p in pages] == [10, 10, 3] and [p.next for p in pages] == [10, 20, None]
        assert [v["seq"] for p in pages for v in p.votes] == list(range(1, 24))
        assert {(r["element"]) for p in pages for r in p.reasons} == {"procedure", "officer"}
        assert (pages[0].head_seq, pages[0].held) == (23, 23)
        q = list(ChainFetcher(config, page_size=7)("answers"))
        got = [a for p in q for a in p.questionnaires.answers]
        assert [a["seq"] for a in got] == list(range(1, answers + 1))
        held = {r["uuid"] for p in q for r in p.questionnaires.responses}
        assert {a["response_uuid"] for a in got} <= held
        assert all(p.questionnaires.definitions for p in q)


def test_a_kiosk_cannot_read_another_kiosks_rows(tmp_path):
    with central_service(tmp_path, kiosks=TWO_KIOSKS) as (url, app):
        synced(kiosk_config(tmp_path / "k", url), 3)
        path = wire.chain_path("test-01", "votes", 0, 10)

        def get(signer: str, secret: str):
            nonlocal path
            headers = signing.signed_headers(signer, secret.encode(), int(app.runtime.clock()), "GET", path, b"")
            return requests.get(url + path, headers=headers, timeout=10)

        mine = get("test-01", SECRET)
        assert mine.status_code == 200 and len(mine.json()["votes"]) == 3
        other = get("test-02", OTHER_SECRET)   # a registered kiosk, signing as itself, asking for another's
        assert other.status_code == 403 and other.json()["error"] == "not_your_kiosk"
        assert "votes" not in other.json()
        forged = get("test-01", OTHER_SECRET)  # claiming to be the other kiosk, with its own secret
        assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"
        unsigned = requests.get(url + path, timeout=10)
        assert unsigned.status_code == 401 and "votes" not in unsigned.json()
        path = path.replace("limit=10", "limit=0")
        bad = get("test-01", SECRET)
        assert bad.status_code == 400 and bad.json()["error"] == "bad_query"


def test_a_page_holding_another_kiosks_row_is_refused_by_the_kiosk():
    vote = {"seq": 1, "uuid": "3f0c9a52-6f1e-4c1b-9d0e-2b7f4f1f6a10", "kiosk_id": "test-02", "counter_id": "Q1",
            "officer": None, "level": "RHL", "scale": "sipas5", "source": "touch",
            "local_time": "2026-11-21T09:15:02.123+07:00", "box_seq": None, "flag": None,
            "prev_hash": "0" * 64, "hash": "a" * 64}
    import json
    body = json.dumps(wire.chain_page("test-01", "votes", 0, None, 1, 1, [vote], [])).encode()
    with pytest.raises(wire.BadBatch, match="is not the sending kiosk"):
        wire.parse_chain_page(body, "test-01", "votes", 0)
    body = json.dumps(wire.chain_page("test-01", "votes", 5, None, 1, 1, [{**vote, "kiosk_id": "test-01"}], [])).encode()
    with pytest.raises(wire.BadBatch, match="seq order"):
        wire.parse_chain_page(body, "test-01", "votes", 5)


# --- restore --from-central ----------------------------------------------------------------------------

def test_from_central_after_the_store_was_deleted_rebuilds_it_and_new_votes_sync_exactly_once(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        with VoteStore.from_config(config) as store:
            fill(store, 40)
            answer_responses(store, 3)
            assert SyncClient(config, store).run().complete
            answers = store.answer_count()
        delete_store(config)
        r = run_cli("restore", "--from-central", config=config.source)
        assert r.returncode == 0, r.stderr
        assert "40 vote(s)" in r.stdout and "taken back from the central service" in r.stdout
        with VoteStore.from_config(config) as store:
            assert store.count() == 40 and store.answer_count() == answers
            assert outbox.count_waiting(store) == {"votes": 0, "reasons": 0, "definitions": 0, "responses": 0,
                                                   "answers": 0}
        five_new_votes_sync_exactly_once(config, app, 45)
        assert not leftovers(config)


def test_votes_taken_on_a_new_chain_after_a_loss_are_chained_again_after_the_head_and_sync_once(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 10)
        delete_store(config)
        with VoteStore.from_config(config) as store:   # started again on an empty file: a new chain at seq 1
            fill(store, 4, T0 + timedelta(hours=5))
            lost = {v.uuid for v in store.iter_votes()}
            result = SyncClient(config, store).run()
            assert result.quarantined == 4             # the service refuses them: seqs 1-4 are held
        r = run_cli("restore", "--from-central", config=config.source)
        assert r.returncode == 0, r.stderr
        assert "as seq 11-14" in r.stdout and "before-restore-" in r.stdout
        with VoteStore.from_config(config) as store:
            assert {v.uuid for v in store.iter_votes() if v.seq > 10} == lost   # every citizen's vote kept
            assert outbox.count_pending(store) == {"votes": 4, "reasons": 0, "quarantined": 0}
            result = SyncClient(config, store).run()
            assert result.complete and result.sent == 4, describe(result)
        assert set(on_server(app)) >= lost and len(on_server(app)) == 14
        aside = next(Path(config.db_path).parent.glob("votes.db.before-restore-*[0-9]"))
        with closing(sqlite3.connect(aside)) as kept:
            assert kept.execute("SELECT count(*) FROM votes").fetchone() == (4,)   # kept, not deleted


def test_from_central_keeps_local_votes_the_service_does_not_hold(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 12)
        with VoteStore.from_config(config) as store:
            fill(store, 3, T0 + timedelta(hours=2))    # not synced yet
        r = run_cli("restore", "--from-central", config=config.source)
        assert r.returncode == 0, r.stderr
        assert "3 vote(s) the service does not hold yet are kept" in r.stdout
        with VoteStore.from_config(config) as store:
            assert store.count() == 15 and outbox.count_pending(store)["votes"] == 3
        five_new_votes_sync_exactly_once(config, app, 20, waiting=3)


def test_a_local_chain_that_differs_from_the_services_is_refused_and_nothing_changes(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 8)
        db = Path(config.db_path)
        with closing(sqlite3.connect(db)) as conn, conn:   # vote 5 rewritten, 5-8 chained again: the file verifies
            prev = conn.execute("SELECT hash FROM votes WHERE seq = 4").fetchone()[0]
            for row in conn.execute(f"SELECT {', '.join(VOTE_COLUMNS)} FROM votes WHERE seq >= 5 ORDER BY seq").fetchall():
                v = dict(zip(VOTE_COLUMNS, row))
                if v["seq"] == 5:
                    v["level"] = "RKHL" if v["level"] != "RKHL" else "RHL"
                v["prev_hash"] = prev
                prev = v["hash"] = chain.VOTES.hash(v)
                conn.execute("UPDATE votes SET level = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                             (v["level"], v["prev_hash"], v["hash"], v["seq"]))
            conn.execute("UPDATE chain_heads SET hash = ? WHERE chain = 'votes'", (prev,))
        assert run_cli("verify", config=config.source).returncode == 0
        before = hashlib.sha256(db.read_bytes()).hexdigest()
        r = run_cli("restore", "--from-central", config=config.source)
        assert r.returncode == 1 and "with other content" in r.stderr and "nothing was changed" in r.stderr, r.stderr
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before and not leftovers(config)
        assert not list(db.parent.glob("votes.db.before-restore-*"))


def test_from_central_is_refused_when_the_service_holds_nothing_and_cannot_be_reached(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        r = run_cli("restore", "--from-central", config=config.source)
        assert r.returncode == 1 and "holds no votes or answers of kiosk test-01" in r.stderr
    r = run_cli("restore", "--from-central", config=config.source)   # the service is gone now
    assert r.returncode == 1 and "could not be asked" in r.stderr and "nothing was changed" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


# --- restore PATH ----------------------------------------------------------------------------------------

def test_a_backup_older_than_the_last_sync_is_reconciled_and_new_votes_sync_exactly_once(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 10)
        old = backup(Path(config.db_path), tmp_path / "old.db")
        synced(config, 20, T0 + timedelta(hours=1))    # the service now holds 30; the backup 10
        with VoteStore.from_config(config) as store:
            fill(store, 2, T0 + timedelta(hours=2))    # and the current file 2 more, not synced yet
        r = run_cli("restore", str(old), config=config.source)
        assert r.returncode == 0, r.stderr
        assert "32 vote(s) (up to seq 32)" in r.stdout
        with VoteStore.from_config(config) as store:
            assert outbox.count_pending(store) == {"votes": 2, "reasons": 0, "quarantined": 0}
        five_new_votes_sync_exactly_once(config, app, 37, waiting=2)   # seq 31-37: no conflict, no quarantine


def test_restore_of_a_damaged_store_from_a_backup_keeps_the_damaged_file_aside_untouched(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 3000)
        good = backup(Path(config.db_path), tmp_path / "good.db")
        db = Path(config.db_path)
        size = db.stat().st_size
        with open(db, "r+b") as f:                     # a failing card: pages scribbled over
            for page in range(size // 4096 - 6, size // 4096 - 1):
                f.seek(page * 4096 + 8)
                f.write(bytes(range(7, 71)))
        damaged = hashlib.sha256(db.read_bytes()).hexdigest()
        r = run_cli("restore", str(good), config=config.source)
        assert r.returncode == 0, r.stderr
        assert "was not read" in r.stdout              # its unsynced votes, if any, are still in the aside file
        aside = next(db.parent.glob("votes.db.before-restore-*[0-9]"))
        assert hashlib.sha256(aside.read_bytes()).hexdigest() == damaged
        assert run_cli("verify", config=config.source).returncode == 0
        five_new_votes_sync_exactly_once(config, app, 3005)


@pytest.mark.parametrize("spoil", ["garbage", "edited vote", "another kiosk's"])
def test_a_backup_that_does_not_verify_is_refused_and_the_current_file_is_untouched(tmp_path, spoil):
    with central_service(tmp_path, kiosks=TWO_KIOSKS) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 20)
        bad = tmp_path / "bad.db"
        if spoil == "garbage":
            bad.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
        elif spoil == "edited vote":
            backup(Path(config.db_path), bad)
            with closing(sqlite3.connect(bad)) as conn, conn:
                conn.execute("UPDATE votes SET level = CASE level WHEN 'RHL' THEN 'HL' ELSE 'RHL' END WHERE seq = 7")
        else:
            other = kiosk_config(tmp_path / "other", url, kiosk_id="test-02", secret=OTHER_SECRET)
            synced(other, 2)
            backup(Path(other.db_path), bad)
        db = Path(config.db_path)
        before = hashlib.sha256(db.read_bytes()).hexdigest()
        backup_before = hashlib.sha256(bad.read_bytes()).hexdigest()
        r = run_cli("restore", str(bad), config=config.source)
        assert r.returncode == 1, r.stdout
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "does not verify" in lines[0] and "Traceback" not in r.stderr, r.stderr
        assert str(bad) in lines[0] and "was not changed" in lines[0]
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before
        assert hashlib.sha256(bad.read_bytes()).hexdigest() == backup_before   # a backup is only read
        assert not list(db.parent.glob("votes.db.before-restore-*[0-9]")) and not leftovers(config)


def test_restore_with_the_service_out_of_reach_works_locally_and_says_the_reconciliation_is_pending(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 8)
        old = backup(Path(config.db_path), tmp_path / "old.db")
        synced(config, 4, T0 + timedelta(hours=1))
    Path(config.db_path).unlink()                      # the card died; the service is away too
    r = run_cli("restore", str(old), config=config.source)
    assert r.returncode == 0, r.stderr
    assert "RECONCILIATION PENDING" in r.stdout and "restore --from-central" in r.stdout
    with VoteStore.from_config(config) as store:
        assert store.count() == 8 and "could not be asked" in outbox.get_meta(store, RECONCILE_KEY)


def test_restore_is_refused_while_a_running_kiosk_holds_the_store_open(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 5)
        old = backup(Path(config.db_path), tmp_path / "old.db")
        with VoteStore.from_config(config):
            r = run_cli("restore", str(old), config=config.source)
        assert r.returncode == 1 and "open in a running kiosk" in r.stderr and "stop it first" in r.stderr
        assert not list(Path(config.db_path).parent.glob("votes.db.before-restore-*[0-9]"))


def test_restore_wants_a_path_or_from_central(tmp_path):
    config = kiosk_config(tmp_path / "k", "http://127.0.0.1:9")
    r = run_cli("restore", config=config.source)
    assert r.returncode == 2 and "one of the two" in r.stderr


# --- the start-up question --------------------------------------------------------------------------------

def test_an_empty_store_whose_chain_the_service_holds_takes_no_vote_and_offers_the_restore(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        synced(config, 6)
        delete_store(config)
        faced = []
        runtime = Runtime(config, checks=[chain_on_service], handle_signals=False)
        with pytest.raises(NotTakingVotes) as e:
            runtime.run(lambda rt: faced.append(rt) or 0)
        assert not faced                               # the face that takes votes never ran
        assert "the central service holds this kiosk's chain (6 vote(s), up to seq 6)" in str(e.value)
        assert f"restore --from-central --config {config.source}" in str(e.value)
        shown = []
        status = Runtime(config, checks=[chain_on_service], handle_signals=False).run(
            lambda rt: 0, out_of_service=lambda rt, notice: shown.append(notice) or 3)
        assert status == 3 and "restore --from-central" in shown[0].staff


def test_an_empty_store_starts_as_before_when_the_service_cannot_be_asked_or_holds_nothing(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = kiosk_config(tmp_path / "k", url)
        assert Runtime(config, checks=[chain_on_service], handle_signals=False).run(lambda rt: 0) == 0
    away = kiosk_config(tmp_path / "away", "http://127.0.0.1:9")
    assert Runtime(away, checks=[chain_on_service], handle_signals=False).run(lambda rt: 0) == 0

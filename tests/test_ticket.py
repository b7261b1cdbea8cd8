"""A rating tied to a transaction (issue 18): the ticket or dossier number kept only as a keyed hash, one
rating a number (a second is kept, flagged same_ticket, never counted), the hash synced, the tie counted."""

from __future__ import annotations

import logging
import os
import stat
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk import outbox
from kiosk.config import ConfigError, load_config, parse_config
from kiosk.store import VoteStore
from kiosk.ticket import KEY_FILE, TicketKeyError, load_key, normalise, number_problem, ticket_hash
from rating import totals
from rating.report.model import ReportUnit, build_report
from rating.wire import WIRE_FIELDS, BadBatch, check_vote
from tests.conftest import write_config
from tests.fault_proxy import FaultProxy
from tests.sync_helpers import backend_db, central_service, postgres_server, sync_config  # noqa: F401  (fixtures)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 23)
NUMBER = "000.00.12.H37-261123-0042"   # a dossier code as the one-stop system prints it
AT = datetime(2026, 11, 23, 9, 30, tzinfo=TZ)


def open_store(folder: Path, kiosk_id: str = "test-01") -> VoteStore:
    return VoteStore.open(folder / "votes.db", kiosk_id=kiosk_id, tz=TZ, counters=["Q1", "Q2"],
                          clock=lambda: AT)


# --- the key and the hash -----------------------------------------------------------------------

def test_the_key_is_made_once_in_the_data_folder_for_its_owner_only_and_read_back_the_same(tmp_path):
    key = load_key(tmp_path)
    assert len(key) == 32 and load_key(tmp_path) == key
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]   # no half-written file left beside it


def test_a_damaged_key_is_refused_with_its_file_named_and_never_replaced(tmp_path):
    (tmp_path / KEY_FILE).write_text("not a key\n")
    with pytest.raises(TicketKeyError) as e:
        load_key(tmp_path)
    assert str(tmp_path / KEY_FILE) in str(e.value) and "\n" not in str(e.value)
    assert (tmp_path / KEY_FILE).read_text() == "not a key\n"


def test_the_same_number_on_another_kiosk_gives_another_hash_so_the_service_cannot_link_them(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    mine, theirs = load_key(tmp_path / "a"), load_key(tmp_path / "b")
    assert ticket_hash(mine, NUMBER, DAY) != ticket_hash(theirs, NUMBER, DAY)


def test_the_hash_is_keyed_hmac_sha256_of_the_day_and_the_number_not_a_plain_hash():
    import hashlib
    import hmac
    key = bytes(range(32))
    expected = hmac.new(key, f"2026-11-23\n{NUMBER}".encode(), hashlib.sha256).hexdigest()
    assert ticket_hash(key, NUMBER, DAY) == expected
    assert expected not in {hashlib.sha256(NUMBER.encode()).hexdigest(), hashlib.sha256(f"2026-11-23\n{NUMBER}".encode()).hexdigest()}


def test_one_number_is_one_rating_a_day_a_queue_ticket_starts_again_tomorrow():
    key = bytes(32)
    assert ticket_hash(key, "0042", DAY) != ticket_hash(key, "0042", date(2026, 11, 24))


def test_spaces_and_the_scanners_case_do_not_make_another_number():
    key = bytes(32)
    assert ticket_hash(key, f" {NUMBER.lower()} ", DAY) == ticket_hash(key, NUMBER, DAY)
    assert normalise("12 34") == "1234"


@pytest.mark.parametrize("text,problem", [("", "is empty"), ("   ", "is empty"), ("12#4", "may hold only"),
                                          ("1" * 41, "longer than 40"), ("ốc", "may hold only")])
def test_a_number_that_is_not_one_is_refused_with_why(text, problem):
    assert problem in number_problem(text)
    with pytest.raises(ValueError):
        ticket_hash(bytes(32), text, DAY)


# --- the store ------------------------------------------------------------------------------------

def test_a_second_rating_with_the_same_number_is_kept_flagged_and_never_counted(tmp_path):
    h = ticket_hash(bytes(32), NUMBER, DAY)
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL", ticket_hash=h)
        store.record_vote("Q2", "RKHL", ticket_hash=h)          # another counter: the same transaction
        store.record_vote("Q1", "HL", ticket_hash=ticket_hash(bytes(32), "0043", DAY), at=AT.replace(minute=45))
        store.record_vote("Q2", "HL", at=AT.replace(minute=50))   # no number given
        assert [v.flag for v in store.iter_votes()] == [None, "same_ticket", None, None]
        assert store.verify_chain() is None
        day = totals.day_totals(store, [], store_scale(), DAY)
    assert day["all"]["total"] == 3 and day["all"]["flagged"] == 1 and day["all"]["tied"] == 2
    assert day["all"]["levels"]["RKHL"] == 0   # the second rating is nowhere in the counts


def store_scale():
    from rating.scales import get_scale
    return get_scale("sipas5")


def test_the_same_ticket_flag_is_in_the_hash_chain_so_clearing_it_shows(tmp_path):
    h = ticket_hash(bytes(32), NUMBER, DAY)
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL", ticket_hash=h)
        store.record_vote("Q1", "RKHL", ticket_hash=h, at=AT.replace(minute=40))
        store.conn.execute("UPDATE votes SET flag = NULL WHERE seq = 2")
        brk = store.verify_chain()
    assert brk is not None and brk.seq == 2 and "edited" in str(brk)


def test_a_batch_of_votes_with_one_number_flags_all_but_the_first(tmp_path):
    h = ticket_hash(bytes(32), NUMBER, DAY)
    with open_store(tmp_path) as store:
        store.record_votes([{"counter_id": "Q1", "level": "HL", "at": AT.replace(minute=m), "ticket_hash": h}
                            for m in (1, 20, 40)])
        assert [v.flag for v in store.iter_votes()] == [None, "same_ticket", "same_ticket"]


def test_a_store_refuses_anything_but_a_hash_so_a_number_cannot_be_stored_by_mistake(tmp_path):
    with open_store(tmp_path) as store:
        with pytest.raises(ValueError, match="never the number"):
            store.record_vote("Q1", "RHL", ticket_hash=NUMBER)
        assert store.count() == 0


def test_no_number_is_in_the_database_file_nor_the_log(tmp_path, caplog):
    key = load_key(tmp_path)
    caplog.set_level(logging.DEBUG)
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL", ticket_hash=ticket_hash(key, NUMBER, DAY))
        store.record_vote("Q1", "HL", ticket_hash=ticket_hash(key, NUMBER, DAY), at=AT.replace(minute=50))
    files = b"".join(p.read_bytes() for p in tmp_path.glob("votes.db*"))
    for needle in (NUMBER, NUMBER.replace(".", ""), "261123-0042", "0042"):
        assert needle.encode() not in files
        assert needle not in caplog.text
    assert ticket_hash(key, NUMBER, DAY) not in caplog.text   # the log says a vote is tied, not to what
    assert "[tied to a transaction]" in caplog.text and "[flagged: same ticket]" in caplog.text


def test_a_store_an_older_release_made_gains_the_column_and_its_votes_read_as_untied(tmp_path):
    import sqlite3
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL")
    with sqlite3.connect(tmp_path / "votes.db") as conn:   # as a release before issue 18 left it
        conn.execute("DROP INDEX votes_ticket")
        conn.execute("ALTER TABLE votes DROP COLUMN ticket_hash")
    with open_store(tmp_path) as store:
        assert store.query("SELECT ticket_hash FROM votes") == [(None,)]
        assert store.verify_chain() is None


# --- the wire -------------------------------------------------------------------------------------

def test_only_a_tied_vote_carries_ticket_hash_so_the_others_are_sent_byte_for_byte_as_before(tmp_path):
    h = ticket_hash(bytes(32), NUMBER, DAY)
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL")
        store.record_vote("Q1", "HL", ticket_hash=h, at=AT.replace(minute=40))
        store.record_vote("Q1", "HL", ticket_hash=h, at=AT.replace(minute=50))
        rows = outbox.waiting(store, outbox.VOTES, 10)
    assert [tuple(r) for r in rows] == [WIRE_FIELDS, (*WIRE_FIELDS, "ticket_hash"), (*WIRE_FIELDS, "ticket_hash")]
    assert check_vote(rows[1], "test-01", 1)["ticket_hash"] == h
    assert check_vote(rows[2], "test-01", 2)["flag"] == "same_ticket"


@pytest.mark.parametrize("bad", [NUMBER, "A" * 64, "0" * 63, 42])
def test_the_service_refuses_a_ticket_hash_that_is_not_one(tmp_path, bad):
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL")
        row = outbox.waiting(store, outbox.VOTES, 10)[0]
    with pytest.raises(BadBatch, match=r"votes\[0\] \(seq 1\): 'ticket_hash' must be null or 64 lower-case hex"):
        check_vote({**row, "ticket_hash": bad}, "test-01", 0)
    with pytest.raises(BadBatch, match="'flag' must be null or one of 'repeat', 'same_ticket'"):
        check_vote({**row, "flag": "ticket"}, "test-01", 0)


class RecordingProxy(FaultProxy):
    """A proxy that passes every request on and keeps each body it saw."""

    def __init__(self, upstream):
        super().__init__(upstream, {"pass": 1.0})
        self.bodies: list[bytes] = []

    def _forward(self, method, path, headers, body):
        self.bodies.append(body)
        return super()._forward(method, path, headers, body)


def test_the_service_stores_the_hash_counts_the_tie_and_never_sees_the_number(tmp_path, backend_db):
    from urllib.parse import urlparse
    from sync.client import SyncClient
    with central_service(tmp_path, db=backend_db) as (url, app):
        u = urlparse(url)
        proxy = RecordingProxy((u.hostname, u.port))
        try:
            config = load_config(sync_config(tmp_path, proxy.url))
            config.data_dir.mkdir(parents=True, exist_ok=True)
            key = load_key(config.data_dir)
            with VoteStore.from_config(config) as store:
                store.time_source = None
                today = store.today()
                h = ticket_hash(key, NUMBER, today)
                store.record_vote("Q1", "RHL", ticket_hash=h)
                store.record_vote("Q1", "KHL", ticket_hash=h)
                store.record_vote("Q2", "HL")
                assert SyncClient(config, store, sleep=lambda s: None).run().sent == 3
        finally:
            proxy.close()
        from django.db import connections
        with connections[app.runtime.alias].cursor() as cur:
            cur.execute("SELECT seq, flag, ticket_hash FROM votes ORDER BY seq")
            held = [tuple(r) for r in cur.fetchall()]
        connections[app.runtime.alias].close()
        import requests
        from tests.sync_helpers import REPORT_TOKEN
        figures = requests.get(f"{url}/v1/reports/totals?kiosk=test-01&day={today}",
                               headers={"Authorization": f"Bearer {REPORT_TOKEN}"}).json()
    assert held == [(1, None, h), (2, "same_ticket", h), (3, None, None)]
    assert (figures["all"]["total"], figures["all"]["flagged"], figures["all"]["tied"]) == (2, 1, 1)
    sent = b"".join(proxy.bodies)
    assert h.encode() in sent
    for needle in (NUMBER, "261123-0042"):
        assert needle.encode() not in sent


# --- the reports ----------------------------------------------------------------------------------

def test_the_report_counts_ratings_tied_to_a_transaction_and_says_so_in_its_notes(tmp_path):
    h = ticket_hash(bytes(32), NUMBER, DAY)
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL", ticket_hash=h)
        store.record_vote("Q1", "RKHL", ticket_hash=h, at=AT.replace(minute=40))
        store.record_vote("Q2", "HL", at=AT.replace(minute=50))
        model = build_report(store, unit=ReportUnit(), d_from=DAY, d_to=DAY, scale="sipas5", counters=[])
    assert model.verification.tied == 1 and model.verification.counted == 2
    [note] = [n for n in model.notes if n.startswith("Phiếu gắn với giao dịch")]
    assert "1 trên 2 phiếu được tính" in note and "1 phiếu đánh giá lại cùng một số" in note


def test_a_report_without_any_number_reads_as_before(tmp_path):
    with open_store(tmp_path) as store:
        store.record_vote("Q1", "RHL")
        model = build_report(store, unit=ReportUnit(), d_from=DAY, d_to=DAY, scale="sipas5", counters=[])
    assert model.verification.tied == 0
    assert not [n for n in model.notes if n.startswith("Phiếu gắn với giao dịch")]


# --- the configuration ----------------------------------------------------------------------------

def test_the_ticket_key_is_off_by_default_and_takes_ask_or_require(tmp_path):
    assert load_config(write_config(tmp_path)).ticket == "off"
    assert load_config(write_config(tmp_path, kiosk_extra='ticket = "require"\n')).ticket == "require"


def test_a_misspelt_ticket_mode_is_a_one_line_error_naming_the_key():
    with pytest.raises(ConfigError) as e:
        parse_config('[kiosk]\nid = "k"\ncentre = "c"\nticket = "yes"\n[[counters]]\nid = "Q1"\nname = "Q"\n')
    assert 'line 4: [kiosk] ticket: expected "off" or "ask" or "require", got \'yes\'' in e.value.problems

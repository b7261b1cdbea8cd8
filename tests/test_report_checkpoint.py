"""The report's chain check from the store's verified checkpoint: what it catches, what it leaves to `verify`,
and that its numbers and digest are those computed independently from the raw rows."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from rating import chain
from kiosk.config import load_config
from rating.report import StoreReader, report_for_store
from kiosk.store import REPORT_INDEXES, VoteStore
from tests.conftest import run_cli, write_config
from tests.helpers.report_data import REPORT_CONFIG, TZ

D1, D2 = date(2026, 11, 2), date(2026, 11, 3)


def _vote(store, i: int, day: date = D1):
    # a minute apart: never a flagged repeat
    return store.record_vote(("Q1", "Q2")[i % 2], ("RHL", "HL", "BT", "KHL")[i % 4],
                             at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ) + timedelta(minutes=i))


@pytest.fixture
def kiosk(tmp_path):
    """A store with 40 votes on D1, verified (so the checkpoint is vote 40), then 5 more on D2."""
    config = load_config(write_config(tmp_path, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        for i in range(40):
            _vote(store, i)
        assert store.verify_chain(checkpoint=True) is None
        for i in range(5):
            _vote(store, i, D2)
        yield store, config


def _edit(config, sql: str, *params) -> None:
    raw = sqlite3.connect(config.db_path)
    raw.execute(sql, params)
    raw.commit()
    raw.close()


def _check(store, config):
    return report_for_store(store, config, D1, D2).verification.chains[0]


def test_verify_records_a_checkpoint_at_the_last_vote_it_re_hashed(kiosk):
    store, _ = kiosk
    cp = store.chain_checkpoint()
    assert cp.seq == 40 and cp.hash == store.query("SELECT hash FROM votes WHERE seq = 40")[0][0]
    assert cp.at == cp.full_at


def test_the_report_re_hashes_only_after_the_checkpoint_says_so_and_extends_it(kiosk):
    store, config = kiosk
    check = _check(store, config)
    assert check.ok and check.head_seq == 45
    assert "đến seq 40" in check.checked and "seq 41–45 băm lại" in check.checked
    assert "liên kết prev_hash → hash của phiếu seq 1–45" in check.checked
    cp = store.chain_checkpoint()
    assert cp.seq == 45 and cp.full_at <= cp.at
    again = _check(store, config)
    assert again.ok and "đến seq 45" in again.checked and "băm lại lúc lập báo cáo" not in again.checked


def test_an_edited_vote_after_the_checkpoint_is_caught_by_the_report(kiosk):
    store, config = kiosk
    _edit(config, "UPDATE votes SET level = 'RKHL' WHERE seq = 43")
    check = _check(store, config)
    assert not check.ok and check.detail == "tại phiếu số 43: mã băm không khớp (phiếu đã bị sửa)"
    assert store.chain_checkpoint().seq == 40  # a broken chain never moves the checkpoint


def test_an_edit_before_the_checkpoint_is_left_to_verify_which_catches_it(kiosk, tmp_path):
    store, config = kiosk
    _edit(config, "UPDATE votes SET level = 'RKHL' WHERE seq = 10")
    # The report's chain check trusts the re-hash verify made of votes 1..40 (it says so, with when);
    # its counts follow the edit. `python main.py verify` re-hashes every vote and names it.
    assert "đến seq 40" in _check(store, config).checked
    brk = store.verify_chain(checkpoint=True)
    assert brk is not None and brk.seq == 10
    out = run_cli("verify", config=tmp_path / "kiosk.toml")
    assert out.returncode == 1 and "chuỗi băm phiếu: HỎNG tại phiếu số 10:" in out.stdout


def test_an_edit_before_the_checkpoint_with_its_hash_recomputed_breaks_the_link_check(kiosk):
    store, config = kiosk
    row = list(store.query(f"SELECT {', '.join(chain.VOTES.hashed)} FROM votes WHERE seq = 10")[0])
    row[5] = "RKHL"
    _edit(config, "UPDATE votes SET level = 'RKHL', hash = ? WHERE seq = 10", chain.VOTES.hash_values(row))
    check = _check(store, config)
    assert not check.ok and check.detail.startswith("tại phiếu số 11: mã băm của phiếu trước không khớp")


def test_a_first_vote_of_the_period_that_does_not_follow_the_vote_before_breaks_the_link_check(kiosk):
    # Before the checkpoint nothing is re-hashed: only the link from the vote before the period (here the
    # genesis) to the period's first vote can tell.
    store, config = kiosk
    _edit(config, "UPDATE votes SET prev_hash = ? WHERE seq = 1", "a" * 64)
    check = _check(store, config)
    assert not check.ok and check.detail.startswith("tại phiếu số 1: mã băm của phiếu trước không khớp")


def test_a_chain_rewritten_through_the_checkpoint_is_caught(kiosk):
    store, config = kiosk
    _edit(config, "UPDATE votes SET hash = ? WHERE seq = 40", "f" * 64)
    check = _check(store, config)
    assert not check.ok and check.detail.startswith("tại phiếu số 40: không còn là phiếu đã kiểm tra")
    assert "(mã băm đã đổi)" in check.detail


def test_a_deleted_vote_inside_the_period_is_caught(kiosk):
    store, config = kiosk
    _edit(config, "DELETE FROM votes WHERE seq = 20")
    check = _check(store, config)
    assert not check.ok and ("20" in check.detail or "21" in check.detail)


def test_the_digest_from_the_checkpoint_is_the_digest_of_a_raw_export(kiosk):
    store, config = kiosk
    raw = sqlite3.connect(config.db_path)
    hashes = [h for (h,) in raw.execute("SELECT hash FROM votes ORDER BY kiosk_id, seq")]
    raw.close()
    v = report_for_store(store, config, D1, D2).verification
    assert v.votes_sha256 == hashlib.sha256("".join(h + "\n" for h in hashes).encode()).hexdigest()
    assert v.votes_in_period == 45


def test_the_store_builds_the_report_indexes_and_the_grouped_query_uses_one(kiosk):
    store, _ = kiosk
    names = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert set(REPORT_INDEXES) <= names
    from rating.report import aggregate_sql
    plan = " ".join(str(r) for r in store.query("EXPLAIN QUERY PLAN " + aggregate_sql("local_date BETWEEN ? AND ?"),
                                                ["2026-01-01", "2026-12-31"]))
    assert "votes_report" in plan and "TEMP B-TREE" not in plan


def test_a_file_without_the_report_indexes_gets_them_when_opened(kiosk):
    store, config = kiosk
    store.close()
    _edit(config, "DROP INDEX votes_report")
    with VoteStore.from_config(config) as again:
        assert "votes_report" in {r[0] for r in again.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert again.count() == 45


class VoteDuringTheReport:
    """The kiosk's store, with a citizen voting (in the period) just after the report has found its last vote."""

    def __init__(self, store):
        self.store, self.voted = store, False

    def query(self, sql, params=()):
        rows = self.store.query(sql, params)
        if "max(seq)" in sql and not self.voted:
            self.voted = True
            _vote(self.store, 99, D2)
        return rows

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_vote_recorded_during_the_report_is_left_out_of_counts_chain_and_digest_alike(kiosk):
    store, config = kiosk
    data = StoreReader().read(VoteDuringTheReport(store), D1, D2, [config.kiosk_id], None)
    assert store.count() == 46
    assert sum(r[-1] for r in data.rows) == 45 and data.chains[0].ok
    assert "seq 1–45 kiểm tra" in data.chains[0].checked  # the checkpoint path, not the full re-hash
    raw = sqlite3.connect(config.db_path)
    hashes = [h for (h,) in raw.execute("SELECT hash FROM votes WHERE seq <= 45 ORDER BY seq")]
    raw.close()
    assert data.votes_sha256 == hashlib.sha256("".join(h + "\n" for h in hashes).encode()).hexdigest()


def test_a_period_holding_a_vote_dated_outside_it_is_re_hashed_vote_by_vote(kiosk):
    store, config = kiosk
    _vote(store, 1, D2 + timedelta(days=5))   # a clock that jumped ahead: seq 46, dated outside the period
    _vote(store, 2, D2)                       # seq 47, back in the period
    raw = sqlite3.connect(config.db_path)
    hashes = [h for (h,) in raw.execute("SELECT hash FROM votes WHERE local_date BETWEEN ? AND ? ORDER BY seq",
                                        (D1.isoformat(), D2.isoformat()))]
    raw.close()
    v = report_for_store(store, config, D1, D2).verification
    assert v.chains[0].ok and "băm lại từng phiếu seq 1–47" in v.chains[0].checked and v.votes_in_period == 46
    assert v.votes_sha256 == hashlib.sha256("".join(h + "\n" for h in hashes).encode()).hexdigest()
    _edit(config, "UPDATE votes SET level = 'RKHL' WHERE seq = 12")
    check = _check(store, config)
    assert not check.ok and check.detail.startswith("tại phiếu số 12:")


def test_a_broken_checkpoint_is_never_said_to_still_match(kiosk):
    store, config = kiosk
    _edit(config, "UPDATE votes SET hash = ? WHERE seq = 40", "f" * 64)
    check = _check(store, config)
    assert not check.ok and "vẫn khớp" not in check.checked and "seq 40" in check.checked

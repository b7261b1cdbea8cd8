"""Sync end to end over real HTTP on 127.0.0.1: exactly once through faults, clock skew, quarantine."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from sync.client import SyncClient, describe
from tests.fault_proxy import FaultProxy
from tests.sync_helpers import REPORT_TOKEN, central_service, server_execute, sync_config

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 2, 7, 30, tzinfo=TZ)


def fill(store, n, start=T0):
    levels = ("RHL", "HL", "BT", "KHL", "RKHL")
    store.record_votes({"counter_id": ("Q1", "Q2", "Q3")[i % 3], "level": levels[i % 5],
                        "at": start + timedelta(seconds=7 * i)} for i in range(n))


def chain_report(url):
    return requests.get(url + "/v1/reports/chain", headers={"Authorization": f"Bearer {REPORT_TOKEN}"}).json()


def server_uuids(app):
    return [r[0] for r in app.store.query("SELECT uuid FROM votes")]


def test_ten_thousand_votes_arrive_exactly_once_through_a_faulty_network(tmp_path):
    with central_service(tmp_path) as (url, app):
        host, port = url.removeprefix("http://").split(":")
        proxy = FaultProxy((host, int(port)), {"pass": 5, "error_500": 1, "busy_503": 1, "drop_after_commit": 1,
                                                "timeout_after_commit": 1, "truncated": 1, "duplicate": 1}, seed=4)
        try:
            config = load_config(sync_config(tmp_path, proxy.url, batch_size=250, timeout_s=1))
            with VoteStore.from_config(config) as store:
                fill(store, 10_000)
                runs = 0
                while runs < 40:  # the nightly schedule would run again; here, at once
                    runs += 1
                    result = SyncClient(config, store, sleep=lambda s: None).run()
                    if result.complete:
                        break
                assert result.complete, describe(result)
                assert outbox.count_pending(store) == {"votes": 0, "reasons": 0, "quarantined": 0}
                local = {v.uuid for v in store.iter_votes()}
        finally:
            proxy.close()
        uuids = server_uuids(app)
        assert len(uuids) == 10_000 and set(uuids) == local
        report = chain_report(url)["kiosks"][0]
        assert report == {"kiosk_id": "test-01", "head_seq": 10_000, "votes": 10_000, "ok": True, "issues": [],
                          "issues_total": 0, "missing_votes": 0}
        for kind in ("error_500", "busy_503", "drop_after_commit", "timeout_after_commit", "truncated", "duplicate"):
            assert proxy.seen[kind] > 0, f"the fault {kind} was never injected"


def test_a_second_run_sends_nothing_and_reasons_follow_their_vote(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            vote = store.record_vote("Q1", "KHL", at=T0)
            assert SyncClient(config, store).run().sent == 1
            store.attach_reasons(vote.uuid, ["procedure", "officer"])  # later, on the low-rating screen
            again = SyncClient(config, store).run()
            assert (again.sent, again.reasons, again.complete) == (0, 2, True)
        assert sorted(app.store.query("SELECT element FROM vote_reasons")) == [("officer",), ("procedure",)]


def test_a_kiosk_clock_an_hour_behind_is_corrected_from_the_server_and_reported(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            fill(store, 5)
            result = SyncClient(config, store, clock=lambda: time.time() - 3600).run()
            assert result.complete
            assert result.clock_skew_s == pytest.approx(3600, abs=5)
            assert re.search(r"clock is -(3599|3600|3601) s off the server's", describe(result))
            assert outbox.status(store)["clock_skew_s"] == pytest.approx(3600, abs=5)


def test_a_server_error_is_retried_with_backoff_honouring_retry_after(tmp_path):
    with central_service(tmp_path) as (url, _):
        host, port = url.removeprefix("http://").split(":")
        proxy = FaultProxy((host, int(port)), {"busy_503": 1})
        waits = []
        try:
            config = load_config(sync_config(tmp_path, proxy.url))
            with VoteStore.from_config(config) as store:
                fill(store, 3)
                result = SyncClient(config, store, sleep=waits.append, attempts=4).run()
                assert not result.complete and "503" in result.error
                assert result.remaining == 3
                assert waits == [0.0, 0.0, 0.0]  # Retry-After: 0, three times, then the run ends
                status = outbox.status(store)
                assert status["last_error"]["error"].startswith("server 503")
        finally:
            proxy.close()


def test_network_errors_back_off_with_full_jitter_and_leave_the_votes_waiting(tmp_path):
    config = load_config(sync_config(tmp_path, "http://127.0.0.1:9"))  # nothing listens on the discard port
    waits = []
    with VoteStore.from_config(config) as store:
        fill(store, 2)
        result = SyncClient(config, store, sleep=waits.append, attempts=5).run()
        assert result.remaining == 2 and result.error.startswith("network:")
        assert len(waits) == 4 and all(0 <= w <= 0.5 * 2 ** (i + 1) for i, w in enumerate(waits))


def test_a_batch_the_server_refuses_is_quarantined_with_its_reason_not_retried(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = load_config(sync_config(tmp_path, url, batch_size=2))
        with VoteStore.from_config(config) as store:
            fill(store, 6)
            raw = sqlite3.connect(store.path)
            raw.execute("UPDATE votes SET local_time = 'not a time' WHERE seq = 3")
            raw.commit()
            raw.close()
            result = SyncClient(config, store).run()
            assert result.sent == 4 and result.quarantined == 2 and not result.complete
            held = outbox.quarantined(store)
            assert [q["seq"] for q in held] == [3, 4]
            assert "local_time" in held[0]["reason"] and "votes[0] (seq 3)" in held[0]["reason"]
            assert SyncClient(config, store).run().sent == 0  # not retried by itself
            assert outbox.release_quarantine(store)["votes"] == 2
            assert outbox.count_pending(store)["votes"] == 2
        assert len(server_uuids(app)) == 4


def test_the_receipt_totals_are_compared_and_a_mismatch_recorded(tmp_path):
    with central_service(tmp_path) as (url, app):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            store.record_vote("Q1", "HL", at=T0)
            SyncClient(config, store).run()
            server_execute(app, "UPDATE daily_totals SET level = 'RHL'")  # the server's copy changed behind our back
            store.record_vote("Q1", "HL", at=T0 + timedelta(minutes=5))
            result = SyncClient(config, store).run()
            assert result.mismatches == [{"date": "2026-11-02", "counter": "Q1", "scale": "sipas5",
                                          "local": {"levels": {"HL": 2}, "flagged": 0},
                                          "server": {"levels": {"RHL": 1, "HL": 1}, "flagged": 0}}]
            assert outbox.status(store)["mismatches"][0]["counter"] == "Q1"


def test_a_vote_deleted_on_the_device_before_sync_is_reported_as_a_gap_at_that_vote(tmp_path):
    with central_service(tmp_path) as (url, _):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            fill(store, 10)
            raw = sqlite3.connect(store.path)
            raw.execute("DELETE FROM votes WHERE seq = 6")
            raw.commit()
            raw.close()
            result = SyncClient(config, store).run()
            assert result.sent == 9
            assert "chain issue" in describe(result)
        issues = chain_report(url)["kiosks"][0]["issues"]
        assert [(i["seq"], i["kind"]) for i in issues] == [(6, "gap")]


def test_a_vote_edited_on_the_device_before_sync_is_reported_at_that_vote(tmp_path):
    with central_service(tmp_path) as (url, _):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            fill(store, 10)
            raw = sqlite3.connect(store.path)
            raw.execute("UPDATE votes SET level = 'RHL' WHERE seq = 4")
            raw.commit()
            raw.close()
            SyncClient(config, store).run()
        issues = chain_report(url)["kiosks"][0]["issues"]
        assert [(i["seq"], i["kind"]) for i in issues] == [(4, "edited")]


def test_a_late_vote_that_fills_a_gap_closes_the_gap(tmp_path):
    with central_service(tmp_path) as (url, _):
        config = load_config(sync_config(tmp_path, url, batch_size=3))
        with VoteStore.from_config(config) as store:
            fill(store, 9)
            outbox.quarantine(store, {outbox.VOTES: [v.uuid for v in store.iter_votes() if v.seq in (4, 5, 6)]},
                              "held", T0)
            SyncClient(config, store).run()
            assert [i["kind"] for i in chain_report(url)["kiosks"][0]["issues"]] == ["gap"]
            outbox.release_quarantine(store)
            assert SyncClient(config, store).run().complete
        assert chain_report(url)["kiosks"][0]["issues"] == []


def test_reports_give_totals_per_kiosk_centre_counter_and_officer_for_day_month_and_quarter(tmp_path):
    with central_service(tmp_path) as (url, _):
        config = load_config(sync_config(tmp_path, url))
        with VoteStore.from_config(config) as store:
            store.record_vote("Q1", "RHL", officer="CB1", at=T0)
            store.record_vote("Q2", "KHL", officer="CB2", at=T0 + timedelta(days=30))   # 2 December: before the test was written (a later vote would be a clock ahead)
            SyncClient(config, store).run()
        auth = {"Authorization": f"Bearer {REPORT_TOKEN}"}
        get = lambda q: requests.get(url + "/v1/reports/totals?" + q, headers=auth)  # noqa: E731
        day = get("day=2026-11-02&kiosk=test-01").json()
        assert day["counters"][0]["counter"] == "Q1" and day["counters"][0]["name"] == "Quầy 1 — Tư pháp, hộ tịch"
        assert day["all"]["total"] == 1
        assert get("month=2026-12&centre=Trung tâm xã Thử nghiệm").json()["all"]["levels"]["KHL"] == 1
        quarter = get("quarter=2026-Q4&by=officer").json()
        assert sorted(r["officer"] for r in quarter["counters"]) == ["CB1", "CB2"]
        assert quarter["all"]["satisfied_pct"] == 50.0
        csv_text = get("quarter=2026-Q4&kiosk=test-01&format=csv").content.decode("utf-8-sig")
        lines = csv_text.splitlines()
        assert lines[0].startswith("date,counter,name,RHL") and lines[1].startswith("2026-Q4,Q1,")
        by_officer = get("quarter=2026-Q4&by=officer&format=csv").content.decode("utf-8-sig").splitlines()
        assert by_officer[0].startswith("date,officer,RHL") and by_officer[-1].startswith("2026-Q4,ALL,")
        assert get("quarter=2026-Q5").status_code == 400
        assert requests.get(url + "/v1/reports/totals?day=2026-11-02").status_code == 401


def test_the_outbox_is_read_from_its_partial_index_not_by_scanning_every_vote(tmp_path):
    config = load_config(sync_config(tmp_path, "http://unused"))
    with VoteStore.from_config(config) as store:
        fill(store, 3)
        executed = []
        store.conn.set_trace_callback(executed.append)
        outbox.waiting(store, outbox.VOTES, 10)
        outbox.waiting(store, outbox.REASONS, 10)
        outbox.count_pending(store)
        store.conn.set_trace_callback(None)
        for sql in executed:
            if not sql.startswith("SELECT"):
                continue
            plan = [row[-1] for row in store.query("EXPLAIN QUERY PLAN " + sql)]
            full_scans = [step for step in plan if step.startswith("SCAN") and "INDEX" not in step]
            assert not full_scans, f"{sql}\n  → {plan}"


def test_a_batch_too_large_for_the_service_is_split_and_everything_arrives(tmp_path):
    with central_service(tmp_path, max_body=40_000) as (url, app):   # about 80 votes a request
        config = load_config(sync_config(tmp_path, url, batch_size=500))
        with VoteStore.from_config(config) as store:
            fill(store, 600)
            result = SyncClient(config, store, sleep=lambda s: None).run()
            assert result.complete, describe(result)
            assert result.quarantined_total == 0 and result.sent == 600
        assert len(server_uuids(app)) == 600

"""The kiosk's sync client against a scripted server on 127.0.0.1: it marks synced only what the
receipt lists, survives garbage, quarantines only what a 409 names, follows the server's clock,
keeps votes waiting on a 401, and splits a batch the server finds too large (413)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore
from rating.wire import HEALTH_STATUS_FIELDS
from sync.client import SyncClient
from tests.sync_helpers import sync_config


class Scripted(ThreadingHTTPServer):
    """Answers each POST with ``script(batch, headers) -> (status, body, headers)``; keeps every request."""
    daemon_threads = True

    def __init__(self, script):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script, self.requests = script, []


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        batch = json.loads(body)
        self.server.requests.append((dict(self.headers), batch))
        status, answer, headers = self.server.script(batch, self.headers)
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted(tmp_path):
    servers = []

    def start(script):
        server = Scripted(script)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        config = load_config(sync_config(tmp_path, f"http://127.0.0.1:{server.server_port}", batch_size=10))
        return server, config

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def receipt(batch, uuids=None, reasons=()):
    uuids = [v["uuid"] for v in batch["votes"]] if uuids is None else uuids
    return {"kiosk_id": batch["kiosk_id"], "accepted": uuids, "duplicates": [], "reasons": list(reasons),
            "totals": [], "chain": {"kiosk_id": batch["kiosk_id"], "head_seq": 0, "votes": 0, "ok": True, "issues": []}}


def states(store):
    return dict(store.query("SELECT sync_state, count(*) FROM votes GROUP BY 1"))


def record(config, n):
    store = VoteStore.from_config(config)
    for i in range(n):
        store.record_vote("Q1", ("RHL", "HL", "KHL")[i % 3])
    return store


def client(config, store, **kw):
    return SyncClient(config, store, sleep=lambda s: None, attempts=2, **kw)


def test_only_the_uuids_the_receipt_lists_are_marked_synced(scripted):
    server, config = scripted(lambda b, h: (200, receipt(b, [v["uuid"] for v in b["votes"][:2]]), {}))
    with record(config, 5) as store:
        result = client(config, store).run()
        assert states(store) == {"synced": 2, "pending": 3}
        assert not result.complete and "acknowledged 2 of 5" in result.error
        synced = {u for (u,) in store.query("SELECT uuid FROM votes WHERE sync_state = 'synced'")}
        assert synced == {v["uuid"] for v in server.requests[0][1]["votes"][:2]}


def test_only_the_reasons_the_receipt_lists_are_marked_synced(scripted):
    # Every vote acknowledged, but only one reason, whenever it is sent: the others must stay waiting.
    listed = []

    def script(batch, headers):
        listed[:] = listed or [[r["vote_uuid"], r["element"]] for r in batch["reasons"][:1]]
        return 200, receipt(batch, reasons=[[r["vote_uuid"], r["element"]] for r in batch["reasons"]
                                            if [r["vote_uuid"], r["element"]] in listed]), {}

    server, config = scripted(script)
    with record(config, 3) as store:
        for v in store.iter_votes():
            store.attach_reasons(v.uuid, ["procedure", "officer"])
        result = client(config, store).run()
        synced = store.query("SELECT vote_uuid, element FROM vote_reasons WHERE sync_state = 'synced'")
        assert len(server.requests[0][1]["reasons"]) == 6 and [list(r) for r in synced] == listed
        assert outbox.count_pending(store) == {"votes": 0, "reasons": 5, "quarantined": 0}
        assert result.reasons == 1 and not result.complete


@pytest.mark.parametrize("answer", [b"<html>gateway</html>", b'{"accepted": 5}', b"[]",
                                    b'{"accepted": null, "duplicates": []}'])
def test_a_garbage_receipt_marks_nothing(scripted, answer):
    server, config = scripted(lambda b, h: (200, answer, {}))
    with record(config, 4) as store:
        result = client(config, store).run()
        assert states(store) == {"pending": 4}
        assert "unreadable receipt" in result.error and result.quarantined_total == 0


def test_a_409_quarantines_only_the_votes_it_names_and_the_rest_go_through(scripted):
    named = []

    def script(batch, headers):
        if not named:
            named.append(batch["votes"][1]["uuid"])
            return 409, {"error": "conflict", "reason": "reused", "conflicting": named}, {}
        return 200, receipt(batch), {}

    server, config = scripted(script)
    with record(config, 4) as store:
        result = client(config, store).run()
        assert states(store) == {"synced": 3, "quarantined": 1}
        assert [q["uuid"] for q in outbox.quarantined(store)] == named
        assert result.quarantined == 1 and result.remaining == 1


def test_every_batch_is_the_oldest_waiting_votes_though_the_next_is_read_while_one_is_in_flight(scripted):
    # The client reads the next full batch while the service stores one; what it sends must still be
    # what a read after the receipt gives: after a 409 leaves most of a batch waiting, those go next.
    named = []

    def script(batch, headers):
        if not named:
            named.append(batch["votes"][2]["uuid"])
            return 409, {"error": "conflict", "reason": "reused", "conflicting": named}, {}
        return 200, receipt(batch), {}

    server, config = scripted(script)   # batches of 10
    with record(config, 35) as store:
        result = client(config, store).run()
        sent = [[v["seq"] for v in batch["votes"]] for _, batch in server.requests]
        assert sent == [list(range(1, 11)), [1, 2, *range(4, 12)], list(range(12, 22)), list(range(22, 32)),
                        list(range(32, 36))]
        assert states(store) == {"synced": 34, "quarantined": 1} and result.sent == 34


def test_a_vote_released_from_quarantine_during_a_sync_goes_in_the_next_batch(scripted):
    # A manager releases a set-aside vote while a batch is in flight: the votes read ahead are no longer
    # the oldest waiting, and the next batch starts with the released one, as a read after the receipt does.
    def script(batch, headers):
        if batch["votes"][0]["seq"] == 12:
            with VoteStore.from_config(config) as other:
                outbox.release_quarantine(other)
        return 200, receipt(batch), {}

    server, config = scripted(script)   # batches of 10
    with record(config, 40) as store:
        store.write(lambda conn: conn.execute("UPDATE votes SET sync_state = 'quarantined' WHERE seq = 5"), "test")
        result = client(config, store).run()
        sent = [[v["seq"] for v in batch["votes"]] for _, batch in server.requests]
        assert sent == [[*range(1, 5), *range(6, 12)], list(range(12, 22)), [5, *range(22, 31)], list(range(31, 41))]
        assert states(store) == {"synced": 40} and result.complete


def test_when_the_server_moves_the_clock_the_kiosk_signs_with_the_servers_time(scripted):
    server_time = int(time.time()) + 3600

    def script(batch, headers):
        if abs(int(headers["X-Kiosk-Timestamp"]) - server_time) > 300:
            return 401, {"error": "stale_timestamp", "reason": "clock", "server_time": server_time}, {}
        return 200, receipt(batch), {}

    server, config = scripted(script)
    with record(config, 3) as store:
        result = client(config, store).run()
        assert result.complete and states(store) == {"synced": 3}
        stamps = [int(h["X-Kiosk-Timestamp"]) for h, _ in server.requests]
        assert len(stamps) == 2 and abs(stamps[1] - server_time) < 5
        assert result.clock_skew_s == pytest.approx(3600, abs=5)


def test_a_401_keeps_the_votes_waiting_and_tells_the_manager_until_it_is_fixed(scripted):
    refuse = [True]

    def script(batch, headers):
        if refuse[0]:
            return 401, {"error": "unknown_kiosk", "reason": "kiosk 'test-01' is not registered"}, {}
        return 200, receipt(batch), {}

    server, config = scripted(script)
    with record(config, 3) as store:
        result = client(config, store).run()
        assert states(store) == {"pending": 3} and result.quarantined_total == 0
        assert "authentication refused" in result.error and len(server.requests) == 1
        assert "not registered" in outbox.status(store)["auth_error"]
        refuse[0] = False  # the operator registers the kiosk
        assert client(config, store).run().complete
        assert outbox.status(store)["auth_error"] is None and states(store) == {"synced": 3}


def test_a_413_splits_the_batch_instead_of_retrying_or_quarantining_it(scripted):
    def script(batch, headers):
        if len(batch["votes"]) > 2:
            return 413, {"error": "too_large", "reason": "the body is too large"}, {}
        return 200, receipt(batch), {}

    server, config = scripted(script)
    with record(config, 7) as store:
        result = client(config, store).run()
        assert result.complete and states(store) == {"synced": 7} and result.quarantined_total == 0
        assert max(len(b["votes"]) for _, b in server.requests if _ is not None) <= 7


def test_each_batch_carries_the_kiosks_status(scripted):
    server, config = scripted(lambda b, h: (200, receipt(b), {}))
    with record(config, 2) as store:
        client(config, store).run()
    status = server.requests[0][1]["status"]
    assert set(status) == {"software_version", "waiting_votes", "button_boxes", "free_disk_mb", "clock_skew_s",
                           "waiting_answers", *HEALTH_STATUS_FIELDS}
    assert status["waiting_votes"] == 2 and status["free_disk_mb"] > 0

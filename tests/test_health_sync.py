"""The kiosk's health signals travel with each sync batch's status (protocol 1.3, issue 16): the service
stores them and shows them on its kiosk-health page; a service older than these fields is sent only the
fields it knows, and no vote is quarantined for it; a kiosk of the previous release is shown as before."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from kiosk.config import load_config
from kiosk.backup import STATE_FILE as BACKUP_STATE
from kiosk.health import HEALTH_FILE
from kiosk.store import VoteStore
from rating import wire
from sync.client import SyncClient
from tests.sync_helpers import backend_db, central_service, postgres_server, sync_config  # noqa: F401
from tests.test_central_clock import service  # noqa: F401  (the service with a centre and accounts)
from tests.test_central_ii7 import login

OLD_STATUS = ("software_version", "waiting_votes", "button_boxes", "free_disk_mb", "clock_skew_s", "waiting_answers")


def _kiosk(folder, url, with_backup=True):
    config_path = sync_config(folder, url)
    config = load_config(config_path)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if with_backup:
        backup_file = config.data_dir / "votes-1.db"
        backup_file.write_bytes(b"")   # the record names a file that is there
        (config.data_dir / BACKUP_STATE).write_text(json.dumps({
            "path": str(backup_file), "taken_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "votes": 2, "answers": 0, "verified": True}))
    # As the running kiosk leaves it: up for two hours, its clock trusted.
    (config.data_dir / HEALTH_FILE).write_text(json.dumps({
        "written_at": datetime.now().astimezone().isoformat(timespec="seconds"), "pid": 1,
        "signals": [{"name": "process", "ok": True, "detail": "", "todo": "", "value": 7200},
                    {"name": "clock", "ok": True, "detail": "", "todo": "", "value": "trusted"},
                    {"name": "button_boxes", "ok": None, "detail": "", "todo": "", "value": 0}]}))
    return config


def test_the_health_signals_reach_the_service_and_its_kiosk_health_page(tmp_path, service):  # noqa: F811
    url, app = service
    (tmp_path / "k").mkdir()
    config = _kiosk(tmp_path / "k", url)
    with VoteStore.from_config(config) as store:
        store.record_vote("Q1", "HL")
        store.record_vote("Q2", "RHL")
        result = SyncClient(config, store).run()
    assert result.complete, result.error
    (status,) = app.store.query("SELECT status FROM kiosk_status WHERE kiosk_id = 'test-01'")[0]
    status = status if isinstance(status, dict) else json.loads(status)
    assert status["uptime_s"] == 7200 and status["clock"] == "trusted"
    assert status["last_backup_at"] and status["last_vote_at"] and status["problems"] is None
    page = login(url, "admin").get(url + "/kiosks/").text
    assert "Sao lưu đã kiểm chứng" in page and "trusted" in page and "2,0 h" in page


def test_a_service_older_than_the_health_fields_gets_those_it_knows_and_no_vote_is_quarantined(
        tmp_path, monkeypatch):
    # The service of the previous release: its status contract is the 1.2 one, which refuses unknown names.
    monkeypatch.setattr(wire, "STATUS_FIELDS", {k: v for k, v in wire.STATUS_FIELDS.items() if k in OLD_STATUS})
    (tmp_path / "svc").mkdir()
    (tmp_path / "k").mkdir()
    with central_service(tmp_path / "svc") as (url, app):
        config = _kiosk(tmp_path / "k", url, with_backup=False)
        with VoteStore.from_config(config) as store:
            for level in ("HL", "BT", "RHL"):
                store.record_vote("Q1", level)
            result = SyncClient(config, store).run()
            assert result.complete and result.sent == 3 and result.quarantined_total == 0, result.error
        (status,) = app.store.query("SELECT status FROM kiosk_status WHERE kiosk_id = 'test-01'")[0]
    status = status if isinstance(status, dict) else json.loads(status)
    assert set(status) == set(OLD_STATUS)


@pytest.mark.parametrize("bad", [{"clock": "x" * 17}, {"uptime_s": -1}, {"boxes_heard": "2"}])
def test_a_health_field_out_of_its_bounds_is_refused_naming_it(bad):
    with pytest.raises(wire.BadBatch, match=next(iter(bad))):
        wire.check_status(bad)


def test_the_fields_a_service_knows_are_read_from_its_refusal():
    reason = ("bad_batch: status: unknown field(s) 'uptime_s', 'clock' (known: software_version, waiting_votes, "
              "button_boxes)")
    assert wire.known_status_fields(reason) == {"software_version", "waiting_votes", "button_boxes"}
    assert wire.known_status_fields("bad_batch: votes[0]: 'level' must be …") is None

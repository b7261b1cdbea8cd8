"""Enrolment (issue 17): a code made by `central-enrolment new`, redeemed once by `enrol URL CODE` on the
device, which writes its configuration safely and syncs at once — with the real service on SQLite and
PostgreSQL, and the real command line in processes of its own."""

from __future__ import annotations

import stat
import time
import tomllib
from pathlib import Path

import pytest
import requests

from kiosk.config import load_config
from kiosk.store import VoteStore
from rating import enrolment
from rating.problems import Problem
from tests.conftest import run_cli, write_config
from tests.sync_helpers import backend_db, central_service, postgres_server  # noqa: F401

CENTRE = "trung-tam-xa-thu-nghiem"   # the registry file's centre, as the service names it


def new_code(db: str, kiosk_id: str, unit: str = CENTRE) -> str:
    r = run_cli("central-enrolment", "new", kiosk_id, "--unit", unit, "--db", db)
    assert r.returncode == 0, r.stderr
    code = r.stdout.strip().splitlines()[-1]
    assert enrolment.normalise(code) == code, r.stdout   # the code alone on the last line
    return code


def rows(app, sql: str, params=()) -> list[tuple]:
    from django.db import connections
    with connections[app.runtime.alias].cursor() as cur:
        cur.execute(sql, list(params))
        out = cur.fetchall()
    connections[app.runtime.alias].close()
    return out


def test_a_kiosk_enrolled_from_a_code_of_the_command_line_checks_in_and_its_votes_sync(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        code = new_code(backend_db, "moi-01")
        assert rows(app, "SELECT count(*) FROM enrolment_codes WHERE code_hash = %s",
                    [enrolment.code_hash(code)]) == [(1,)]
        assert not any(code in str(r) for r in rows(app, "SELECT * FROM enrolment_codes"))   # only its hash
        device = tmp_path / "device"
        device.mkdir()
        config = device / "kiosk.toml"
        r = run_cli("enrol", url, code.lower().replace("-", " "), config=config)   # typed as a person reads it
        assert r.returncode == 0, r.stderr
        assert "enrolled as kiosk moi-01" in r.stdout
        loaded = load_config(config)
        assert (loaded.kiosk_id, loaded.sync.url) == ("moi-01", url)
        secret_file = device / "kiosk.secret"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.stat().st_mode) & 0o007 == 0
        secret = secret_file.read_text().strip()
        assert secret not in config.read_text() and secret not in r.stdout + r.stderr
        # It checked in at once: the service shows the kiosk, registered under the code's centre.
        assert rows(app, "SELECT kiosk_id FROM kiosk_checkins") == [("moi-01",)]
        assert rows(app, "SELECT centre_id FROM kiosks WHERE id = 'moi-01'") == [(CENTRE,)]
        assert [a for (a,) in rows(app, "SELECT action FROM audit_log WHERE action LIKE 'enrol%%' ORDER BY id")] == \
            ["enrolment_code", "enrol"]   # who made the code, then the device that used it
        # The kiosk runs and syncs with what enrol wrote.
        with VoteStore.from_config(loaded) as store:
            uuids = {store.record_vote(loaded.counters[0].id, "HL").uuid for _ in range(3)}
        r = run_cli("sync", config=config)
        assert r.returncode == 0, r.stdout + r.stderr
        assert {u for (u,) in rows(app, "SELECT uuid FROM votes WHERE kiosk_id = 'moi-01'")} == uuids


def test_a_used_code_is_refused_with_the_catalogues_words(tmp_path):
    with central_service(tmp_path) as (url, app):
        code = new_code(app_db(app), "moi-02")
        first = tmp_path / "a"
        first.mkdir()
        assert run_cli("enrol", url, code, config=first / "kiosk.toml").returncode == 0
        second = tmp_path / "b"
        second.mkdir()
        r = run_cli("enrol", url, code, config=second / "kiosk.toml")
        assert r.returncode == 1
        assert "was used already" in r.stderr and "ask the city's administrator for a new one" in r.stderr
        assert not (second / "kiosk.toml").exists() and not (second / "kiosk.secret").exists()
        answer = requests.post(url + enrolment.ENROL_PATH, data=enrolment.encode_request(code, None, None), timeout=30)
        assert Problem.of(answer.status_code, answer.json()["error"]) is Problem.ENROLMENT_CODE_USED


def app_db(app) -> str:
    from django.db import connections
    return str(connections[app.runtime.alias].settings_dict["NAME"])


def test_an_expired_code_is_refused_and_nothing_is_written(tmp_path):
    now = [time.time()]
    with central_service(tmp_path, clock=lambda: now[0]) as (url, app):
        code = new_code(app_db(app), "moi-03")
        now[0] += enrolment.CODE_VALID.total_seconds() + 60   # the service's clock, a day and a minute on
        device = tmp_path / "device"
        device.mkdir()
        r = run_cli("enrol", url, code, config=device / "kiosk.toml")
        assert r.returncode == 1 and "expired" in r.stderr and "valid 24 hours" in r.stderr, r.stderr
        assert list(device.iterdir()) == []
        assert rows(app, "SELECT count(*) FROM kiosks WHERE id = 'moi-03'") == [(0,)]


def test_another_kiosks_configuration_is_kept_without_force_and_the_code_stays_usable(tmp_path):
    with central_service(tmp_path) as (url, app):
        code = new_code(app_db(app), "moi-04")
        device = tmp_path / "device"
        device.mkdir()
        config = write_config(device, extra='\n[[button_boxes]]\nport = "/dev/ttyUSB7"\nbox = 1\ncounter = "Q2"\n'
                                             '\n[backup]\nkeep = 3\n',
                              kiosk_extra='log_dir = "my-logs"\nopening_hours = ["Mon-Fri 07:30-17:00"]\n')
        before = config.read_text()
        r = run_cli("enrol", url, code, config=config)
        assert r.returncode == 1 and "configured as 'test-01'" in r.stderr and "--force" in r.stderr
        assert config.read_text() == before
        assert rows(app, "SELECT used_at FROM enrolment_codes") == [(None,)]   # not spent
        r = run_cli("enrol", url, code, "--force", config=config)
        assert r.returncode == 0, r.stderr
        after = load_config(config)
        # The device's own keys are kept; the service's are written over them.
        assert after.kiosk_id == "moi-04" and after.centre == "Trung tâm xã Thử nghiệm"
        assert [(b.port, b.box, b.counter) for b in after.button_boxes] == [("/dev/ttyUSB7", 1, "Q2")]
        assert after.log_dir == device / "my-logs" and after.data_dir == device / "data"
        assert after.backup.keep == 3 and after.hours.lines() == ["Mon-Fri 07:30-17:00"]
        assert [c.id for c in after.counters] == ["Q1", "Q2", "Q3"]
        assert (device / "kiosk.toml.bak").read_text() == before


def test_a_configuration_that_enrol_cannot_write_is_refused_before_the_code_is_spent(tmp_path):
    with central_service(tmp_path) as (url, app):
        code = new_code(app_db(app), "moi-05")
        r = run_cli("enrol", url, code, config=tmp_path / "no-such-folder" / "kiosk.toml")
        assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "kiosk.toml").write_text("[kiosk\nid = ", encoding="utf-8")
        r = run_cli("enrol", url, code, config=bad / "kiosk.toml")
        assert r.returncode == 2 and "cannot be read" in r.stderr
        r = run_cli("enrol", url, "not a code", config=bad / "kiosk.toml")
        assert r.returncode == 2 and "is not an enrolment code" in r.stderr
        assert rows(app, "SELECT used_at FROM enrolment_codes") == [(None,)]


def test_wrong_codes_are_throttled_per_address_and_audited(tmp_path):
    with central_service(tmp_path) as (url, app):
        code = new_code(app_db(app), "moi-06")
        answers = [requests.post(url + enrolment.ENROL_PATH, timeout=30,
                                 data=enrolment.encode_request(enrolment.new_code(), None, None)) for _ in range(6)]
        assert [a.status_code for a in answers[:5]] == [403] * 5
        assert answers[5].status_code == 429 and answers[5].json()["error"] == "enrolment_throttled"
        assert int(answers[5].headers["Retry-After"]) > 0
        # While throttled even the right code waits: guessing gains nothing by being lucky.
        right = requests.post(url + enrolment.ENROL_PATH, data=enrolment.encode_request(code, None, None), timeout=30)
        assert right.status_code == 429
        actions = [a for (a,) in rows(app, "SELECT action FROM audit_log WHERE action LIKE 'enrol%%' ORDER BY id")]
        assert actions == ["enrolment_code"] + ["enrol_failed"] * 5 + ["enrol_throttled"] * 2
        assert not any(code in str(r) for r in rows(app, "SELECT detail FROM audit_log"))


def test_a_malformed_enrolment_request_is_a_400_naming_the_field(tmp_path):
    with central_service(tmp_path) as (url, _app):
        for body, words in ((b"[]", "JSON object"), (b'{"code": "KX7M"}', "'code'"),
                            (b'{"code": "KX7M-4PQR-9TWC", "kiosk_id": "a b"}', "'kiosk_id'"),
                            (b'{"code": "KX7M-4PQR-9TWC", "secret": 1}', "unknown field"), (b"\xff", "UTF-8")):
            r = requests.post(url + enrolment.ENROL_PATH, data=body, timeout=30)
            assert r.status_code == 400 and r.json()["error"] == "bad_enrolment" and words in r.json()["reason"], body


def test_the_code_reads_as_typed_or_scanned_and_only_its_hash_is_kept():
    code = enrolment.new_code()
    assert len(code) == 14 and code.count("-") == 2
    assert enrolment.normalise(f"  {code.lower().replace('-', ' ')} ") == code
    assert enrolment.code_hash(code.lower()) == enrolment.code_hash(code) and code not in enrolment.code_hash(code)
    for bad in ("", "KX7M-4PQR-9TW", "KX7M-4PQR-9TWO", "KX7M-4PQR-9TWCX", None, 12):   # O is not in the alphabet
        assert enrolment.normalise(bad) is None
    assert enrolment.parse_scanned(enrolment.qr_text("https://c.example.vn/", code)) == ("https://c.example.vn", code)
    assert enrolment.parse_scanned("https://c.example.vn " + code) is None
    answer = enrolment.parse_answer(enrolment.answer("k-1", "Trung tâm", "x" * 43))
    assert "x" * 43 not in repr(answer) and answer.settings == {}
    with pytest.raises(enrolment.BadEnrolment, match="secret"):
        enrolment.parse_answer(enrolment.answer("k-1", "Trung tâm", "short"))

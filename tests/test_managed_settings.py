"""Managed settings (issue 17): one set of rules on both ends; the service keeps a commune's, a centre's and
a kiosk's versions; kiosks enrolled from codes take a new version at their next check-in, refuse one that
does not fit them (the service shows why), and start offline with the last good copy — with the real
service on SQLite and PostgreSQL and the real command line in processes of its own."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from kiosk.config import ConfigError, load_config, parse_config
from kiosk import managed, settings_copy
from rating.managed import check_fragment, effective
from tests.conftest import run_cli, write_config
from tests.sync_helpers import backend_db, central_service, fresh_sqlite, postgres_server  # noqa: F401

from central.demo import DEMO_PASSWORD  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


# --- one set of rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fragment, named", [
    ({"sync": {"url": "http://evil.example"}}, "[sync]: set on the device only"),
    ({"kiosk": {"id": "other-01"}}, "[kiosk] id: set on the device only"),
    ({"kiosk": {"data_dir": "/tmp"}}, "[kiosk] data_dir: set on the device only"),
    ({"button_boxes": [{"port": "/dev/ttyUSB0", "box": 1, "counter": "Q1"}]}, "[button_boxes]: set on the device only"),
    ({"kiosk": {"scale": "sipas5"}}, "[kiosk] scale: not managed by the service"),
])
def test_a_fragment_naming_a_key_the_service_does_not_manage_is_refused_with_the_key_named(fragment, named):
    problems = check_fragment(fragment)
    assert len(problems) == 1 and problems[0].startswith(named), problems


BAD_VALUES = [
    {"kiosk": {"language": "fr"}},
    {"kiosk": {"opening_hours": ["Mon-Fri 17:00-07:30"]}},
    {"kiosk": {"question": ""}},
    {"counters": []},
    {"counters": [{"id": "Q 1", "name": "Quầy"}]},
    {"counters": [{"id": "Q1", "name": "A"}, {"id": "Q1", "name": "B"}]},
    {"counters": [{"id": "Q1"}]},
    {"report": {"target_pct": 120}},
    {"report": {"min_n": 0}},
    {"report": {"officers": {"CB07": ""}}},
    {"report": {"signature": "x"}},
]
GOOD_VALUES = [
    {"kiosk": {"language": "en", "question": "Hài lòng?", "opening_hours": ["Mon-Fri 07:30-11:30 13:30-17:00"]}},
    {"counters": [{"id": "Q1", "name": "Một"}, {"id": "Q9", "name": "Chín"}]},
    {"report": {"target_pct": 85, "min_n": 20, "officers": {"CB07": "Lê Văn C"}, "unit": "TRUNG TÂM"}},
]


@pytest.mark.parametrize("fragment", BAD_VALUES + GOOD_VALUES)
def test_the_service_accepts_exactly_what_the_kiosks_own_loader_accepts(tmp_path, fragment):
    text = write_config(tmp_path).read_text(encoding="utf-8")
    try:
        parse_config(text, "kiosk.toml", tmp_path, overlay=fragment)
        kiosk_ok = True
    except ConfigError:
        kiosk_ok = False
    assert (check_fragment(fragment) == []) == kiosk_ok == (fragment in GOOD_VALUES), check_fragment(fragment)


def test_the_effective_settings_are_commune_then_centre_then_kiosk_key_by_key():
    commune = {"kiosk": {"question": "Xã?", "language": "vi"}, "counters": [{"id": "Q1", "name": "Xã 1"}]}
    centre = {"kiosk": {"question": "Trung tâm?"}}
    kiosk = {"counters": [{"id": "Q7", "name": "Máy 7"}], "report": {"target_pct": 80}}
    assert effective(commune, centre, kiosk) == {"kiosk": {"question": "Trung tâm?", "language": "vi"},
                                                 "counters": [{"id": "Q7", "name": "Máy 7"}],
                                                 "report": {"target_pct": 80}}


# --- the kiosk's side, with real files ----------------------------------------------------------------

def test_a_version_that_does_not_fit_the_device_is_refused_whole_and_the_last_good_copy_stays(tmp_path):
    path = write_config(tmp_path, extra='\n[[button_boxes]]\nport = "/dev/ttyUSB0"\nbox = 1\ncounter = "Q2"\n')
    config = load_config(path)
    good = managed.accept(config, "4", {"counters": [{"id": "Q2", "name": "Hai"}], "kiosk": {"question": "Q?"}}, NOW)
    assert [c.id for c in good.counters] == ["Q2"] and good.settings_version == "4"
    with pytest.raises(managed.Rejected, match=r"button_boxes.*counter.*'Q2'"):
        managed.accept(good, "5", {"counters": [{"id": "Q1", "name": "Một"}]}, NOW)
    again = load_config(path)   # a restart: the last good copy, not the refused version, not the file alone
    assert (again.settings_version, [c.id for c in again.counters], again.question) == ("4", ["Q2"], "Q?")
    assert again.managed == {"counters", "kiosk.question"}


def test_a_copy_on_disk_that_names_the_service_url_is_never_laid_over_the_device(tmp_path):
    path = write_config(tmp_path, extra='\n[sync]\nurl = "http://127.0.0.1:9"\nsecret = "0123456789abcdef0123"\n')
    config = load_config(path)
    managed.accept(config, "2", {"counters": [{"id": "Q9", "name": "Chín"}]}, NOW)
    copy = settings_copy.path_in(config.data_dir)
    copy.write_text(copy.read_text(encoding="utf-8") + '\n[sync]\nurl = "http://evil.example"\n', encoding="utf-8")
    again = load_config(path)
    assert again.sync.url == "http://127.0.0.1:9" and again.settings_version == "0"


def test_a_copy_that_no_longer_fits_the_file_leaves_the_kiosk_on_its_own_file(tmp_path):
    path = write_config(tmp_path)
    config = load_config(path)
    managed.accept(config, "2", {"counters": [{"id": "Q9", "name": "Chín"}]}, NOW)
    assert [c.id for c in load_config(path).counters] == ["Q9"]
    path.write_text(path.read_text(encoding="utf-8").replace('counter = "Q2"', "") +
                    '\n[[button_boxes]]\nport = "/dev/ttyUSB0"\nbox = 1\ncounter = "Q1"\n', encoding="utf-8")
    alone = load_config(path)   # a box on Q1, which the copy removes: the kiosk still starts, on its file
    assert [c.id for c in alone.counters] == ["Q1", "Q2", "Q3"] and alone.settings_version == "0"


# --- end to end -----------------------------------------------------------------------------------------

def _setup_units(app) -> None:
    token = activate(app.runtime)
    try:
        from central.accounts import add_user
        from central.models import Unit
        commune = Unit.objects.create(id="xa-thu", name="Xã Thử", kind="commune")
        Unit.objects.filter(id="trung-tam-xa-thu-nghiem").update(parent=commune)
        other = Unit.objects.create(id="xa-khac", name="Xã Khác", kind="commune")
        Unit.objects.create(id="tt-khac", name="Trung tâm Khác", kind="centre", parent=other)
        add_user("xa-thu", "commune", "xa-thu", DEMO_PASSWORD)
        add_user("xa-khac", "commune", "xa-khac", DEMO_PASSWORD)
        add_user("so-noi-vu", "city", None, DEMO_PASSWORD)
    finally:
        deactivate(token)
        from django.db import connections
        connections[app.runtime.alias].close()


def _session(url: str, username: str) -> requests.Session:
    s = requests.Session()
    form = s.get(url + "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    r = s.post(url + "/login/", data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
               headers={"Referer": url + "/login/"}, allow_redirects=False)
    assert r.status_code == 302
    return s


def _post_settings(s: requests.Session, url: str, where: str, text: str) -> requests.Response:
    page = s.get(url + where)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return s.post(url + where, data={"settings": text, "csrfmiddlewaretoken": token}, headers={"Referer": url + where})


def _enrol(tmp_path: Path, url: str, db: str, kiosk_id: str, extra: str = "") -> Path:
    r = run_cli("central-enrolment", "new", kiosk_id, "--unit", "trung-tam-xa-thu-nghiem", "--db", db)
    assert r.returncode == 0, r.stderr
    device = tmp_path / kiosk_id
    device.mkdir()
    config = device / "kiosk.toml"
    if extra:
        config.write_text(f'[kiosk]\nid = "{kiosk_id}"\ncentre = "x"\ndata_dir = "data"\n{extra}', encoding="utf-8")
    r = run_cli("enrol", url, r.stdout.strip().splitlines()[-1], config=config)
    assert r.returncode == 0, r.stdout + r.stderr
    return config


def _counters(config: Path) -> list[str]:
    r = run_cli("totals", "--json", config=config)
    assert r.returncode == 0, r.stderr
    return [c["counter"] for c in json.loads(r.stdout)["counters"]]


COUNTERS = '[[counters]]\nid = "Q1"\nname = "Quầy 1 — Tư pháp"\n\n[[counters]]\nid = "Q2"\nname = "Quầy 2 — Đất đai"\n'


def test_a_counter_added_on_the_web_reaches_both_enrolled_kiosks_at_their_next_check_in(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        _setup_units(app)
        fragment = tmp_path / "commune.toml"
        fragment.write_text('[kiosk]\nquestion = "Ông/bà hài lòng?"\n\n' + COUNTERS, encoding="utf-8")
        r = run_cli("central-settings", "set", "--unit", "xa-thu", "--file", str(fragment), "--db", backend_db)
        assert r.returncode == 0, r.stderr
        # Enrolment writes a configuration the kiosk runs at once, with the managed counters.
        a, b = _enrol(tmp_path, url, backend_db, "may-01"), _enrol(tmp_path, url, backend_db, "may-02")
        assert _counters(a) == _counters(b) == ["Q1", "Q2"]
        s = _session(url, "xa-thu")
        shown = s.get(url + "/settings/unit/xa-thu/").text   # the page shows the commune's settings as TOML
        assert "Ông/bà hài lòng?" in shown and "Quầy 2 — Đất đai" in shown
        r = _post_settings(s, url, "/settings/unit/xa-thu/", '[kiosk]\nquestion = "Ông/bà hài lòng?"\n\n' + COUNTERS
                           + '\n[[counters]]\nid = "Q3"\nname = "Quầy 3 — Lao động"\n')
        assert r.status_code == 200 and "settings-saved" in r.text
        for config in (a, b):
            assert _counters(config) == ["Q1", "Q2"]   # not before its next check-in
            r = run_cli("sync", config=config)
            assert r.returncode == 0, r.stdout + r.stderr
            assert _counters(config) == ["Q1", "Q2", "Q3"]
            keys = json.loads(run_cli("config", "--effective", "--json", config=config).stdout)
            assert keys["counters"]["source"] == "service" and keys["kiosk.id"]["source"] == "file"
            assert keys["kiosk.sounds"] == {"value": False, "source": "default"}
            assert keys["kiosk.question"] == {"value": "Ông/bà hài lòng?", "source": "service"}
        from tests.test_enrolment import rows
        assert {v for (v,) in rows(app, "SELECT settings_version FROM kiosk_checkins")} == \
            {str(max(i for (i,) in rows(app, "SELECT id FROM managed_settings")))}   # both report the version
        audit = [d for (d,) in rows(app, "SELECT detail FROM audit_log WHERE action = 'settings_set' ORDER BY id")]
        assert audit[-1].startswith("unit xa-thu version") and "counters changed" in audit[-1]
        assert [u for (u,) in rows(app, "SELECT username FROM audit_log WHERE action = 'settings_set' ORDER BY id")] \
            == ["(command line)", "xa-thu"]
        # Offline: the service gone, the kiosk starts with its last good copy.
    assert _counters(a) == ["Q1", "Q2", "Q3"]
    assert load_config(a).question == "Ông/bà hài lòng?"


def test_a_bad_setting_is_refused_on_the_page_with_the_reason_and_nothing_is_kept(tmp_path):
    db = fresh_sqlite(tmp_path)
    with central_service(tmp_path, db=db) as (url, app):
        _setup_units(app)
        s = _session(url, "xa-thu")
        r = _post_settings(s, url, "/settings/unit/xa-thu/", '[kiosk]\nlanguage = "fr"\n\n[sync]\nurl = "http://x"\n')
        assert r.status_code == 200 and "settings-problems" in r.text
        assert "[kiosk] language: expected" in r.text and "[sync]: set on the device only" in r.text
        from tests.test_enrolment import rows
        assert rows(app, "SELECT count(*) FROM managed_settings") == [(0,)]
        # The same refusal from the command line, the key named, nothing kept.
        bad = tmp_path / "bad.toml"
        bad.write_text('[kiosk]\ndata_dir = "/tmp"\n', encoding="utf-8")
        r = run_cli("central-settings", "set", "--unit", "xa-thu", "--file", str(bad), "--db", db)
        assert r.returncode == 2 and "[kiosk] data_dir: set on the device only" in r.stderr
        assert rows(app, "SELECT count(*) FROM managed_settings") == [(0,)]


def test_a_commune_account_edits_only_its_own_and_a_centre_account_none(tmp_path):
    with central_service(tmp_path) as (url, app):
        _setup_units(app)
        other = _session(url, "xa-khac")
        assert other.get(url + "/settings/unit/xa-thu/").status_code == 403
        assert other.get(url + "/settings/kiosk/test-01/").status_code == 403
        assert _post_settings(other, url, "/settings/unit/xa-khac/", COUNTERS).status_code == 200
        mine = _session(url, "xa-thu")
        assert 'id="settings-form"' in mine.get(url + "/settings/kiosk/test-01/").text
        city = _session(url, "so-noi-vu")
        assert _post_settings(city, url, "/settings/kiosk/test-01/", COUNTERS).status_code == 200


def test_a_version_the_kiosk_cannot_apply_is_reported_back_and_shown_as_an_alert(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db) as (url, app):
        _setup_units(app)
        box = '\n[[counters]]\nid = "Q2"\nname = "Hai"\n\n[[button_boxes]]\nport = "/dev/ttyUSB9"\nbox = 1\ncounter = "Q2"\n'
        config = _enrol(tmp_path, url, backend_db, "may-03", extra=box)
        city = _session(url, "so-noi-vu")
        r = _post_settings(city, url, "/settings/kiosk/may-03/", '[[counters]]\nid = "Q1"\nname = "Một"\n')
        assert "settings-saved" in r.text
        r = run_cli("sync", config=config)
        assert r.returncode == 0, r.stdout + r.stderr
        assert _counters(config) == ["Q2"]   # the last good configuration stays
        page = city.get(url + "/kiosks/").text
        assert "may-03" in page and "button_boxes" in page and ("từ chối cài đặt" in page)
        assert 'id="settings-rejected"' in city.get(url + "/settings/kiosk/may-03/").text
        # Corrected on the page: the kiosk takes it at its next check-in and the alert goes.
        _post_settings(city, url, "/settings/kiosk/may-03/", '[[counters]]\nid = "Q2"\nname = "Hai mới"\n')
        assert run_cli("sync", config=config).returncode == 0
        assert "từ chối cài đặt" not in city.get(url + "/kiosks/").text
        assert tomllib.loads(settings_copy.path_in(load_config(config).data_dir).read_text())["counters"] == \
            [{"id": "Q2", "name": "Hai mới"}]


def test_headless_the_store_takes_a_new_version_at_once_and_with_a_face_only_when_it_says(tmp_path):
    from kiosk.live import Switch
    from kiosk.store import VoteStore
    config = load_config(write_config(tmp_path))
    new = managed.accept(config, "3", {"counters": [{"id": "Q1", "name": "Một"}, {"id": "Q8", "name": "Tám"}]}, NOW)
    with VoteStore.from_config(config) as store:
        switch, seen = Switch(), []
        switch.set_face(seen.append)   # a touch screen: it switches when idle on its start screen
        switch.offer(new, store)
        assert seen == [new] and store.record_vote("Q2", "HL")   # the counters it shows still take votes
        switch.set_face(None)           # headless: at once
        switch.offer(new, store)
        assert store.record_vote("Q8", "HL")
        with pytest.raises(ValueError, match="Q2"):
            store.record_vote("Q2", "HL")

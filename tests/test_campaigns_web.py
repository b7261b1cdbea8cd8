"""The campaign pages over real HTTP (issue 17): the city starts a campaign from the web for the communes it
ticks and the kiosks there show it after their check-in (read back with ``questionnaire list --json``);
each role's boundaries; the page's responses per commune and channel against the SIPAS sample, computed
here independently; paper forms reconciled — on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest

from tests.conftest import run_cli, write_config
from tests.sync_helpers import fresh_sqlite, postgres_server  # noqa: F401
from tests.test_central_q_web import _site, csrf, phone_answer, session

from central.runtime import activate, deactivate  # noqa: E402

TZ = timezone(timedelta(hours=7))


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request, tmp_path):
    if request.param == "sqlite":
        db = fresh_sqlite(tmp_path)
    else:
        from tests.sync_helpers import fresh_postgresql
        db = fresh_postgresql(request.getfixturevalue("postgres_server"))
    cm, url, app, made = _site(tmp_path, db)
    try:
        yield url, app, made
    finally:
        cm.__exit__(None, None, None)


def today() -> date:
    return datetime.now(TZ).date()


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def start(s, url, units=(), until=None, first=None, mode="invite", qid="trung-tam"):
    page = s.get(url + "/campaigns/")
    data = {"csrfmiddlewaretoken": csrf(page.text), "questionnaire": qid, "mode": mode,
            "until": until or dmy(today() + timedelta(days=30)), "from": first or "", "unit": list(units)}
    return s.post(url + "/campaigns/", data=data, headers={"Referer": url + "/campaigns/"})


def post(s, url, path, **data):
    page = s.get(url + "/campaigns/")
    return s.post(url + path, data={"csrfmiddlewaretoken": csrf(page.text), **data}, headers={"Referer": url + path})


def campaign_ids(app) -> list[int]:
    out = app.store.query("SELECT id FROM campaigns ORDER BY id")
    from django.db import connections
    connections[app.runtime.alias].close()
    return [r[0] for r in out]


def demo_kiosk(tmp_path, url, kiosk_id):
    """A kiosk configuration for one of the demo city's kiosks (its fixed demo secret)."""
    from central.registry import DEMO_SECRET_PREFIX
    folder = tmp_path / kiosk_id
    folder.mkdir()
    path = write_config(folder, extra=f'\n[sync]\nurl = "{url}"\nsecret = "{DEMO_SECRET_PREFIX}{kiosk_id}-0123456789"\n'
                                      'timeout_s = 10\n')
    path.write_text(path.read_text(encoding="utf-8").replace('id = "test-01"', f'id = "{kiosk_id}"'), encoding="utf-8")
    return path


def cells(html: str, row_id: str) -> dict[str, str]:
    row = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', html, re.S)
    assert row, f"no row {row_id}"
    return {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in re.findall(r'<td class="num ([a-z-]+)">(.*?)</td>', row[1], re.S)}


def test_a_campaign_started_on_the_web_reaches_the_kiosks_of_the_communes_ticked_and_only_those(site, tmp_path):
    url, app, made = site
    city = session(url, "so-noi-vu")
    until = today() + timedelta(days=20)
    r = start(city, url, units=[made["communes"][0]], until=dmy(until), mode="replace")
    assert r.status_code == 200 and 'id="campaign-message"' in r.text, r.text[-1500:]
    (cid,) = campaign_ids(app)
    inside, outside = demo_kiosk(tmp_path, url, made["kiosks"][0]), demo_kiosk(tmp_path, url, made["kiosks"][1])
    for path in (inside, outside):
        r = run_cli("sync", config=path)
        assert r.returncode == 0, r.stdout + r.stderr
    on = {q["id"]: q["active"] for q in json.loads(run_cli("questionnaire", "list", "--json", config=inside).stdout)}
    assert on["trung-tam"] == [{"counter": "*", "mode": "replace", "until": until.isoformat()}]
    off = json.loads(run_cli("questionnaire", "list", "--json", config=outside).stdout)
    assert all(q["active"] == [] for q in off), "a commune not ticked gets nothing"
    page = city.get(f"{url}/campaigns/{cid}/").text
    assert f'data-kiosk="{made["kiosks"][0]}">{made["kiosks"][0]}: đang hỏi' in page
    assert f'id="unit-{made["communes"][1]}"' not in page


def test_each_role_starts_reads_and_stops_only_what_it_may(site):
    url, app, made = site
    ninh_giang, vinh_bao = made["communes"]
    commune = session(url, "xa-vinh-bao")
    r = start(commune, url, units=[ninh_giang])
    assert r.status_code == 400 and "Chưa bắt đầu được" in r.text and ninh_giang in r.text, "another commune is refused"
    r = start(commune, url)   # no unit: its own commune
    assert r.status_code == 200, r.text[-1000:]
    (own,) = campaign_ids(app)
    city = session(url, "so-noi-vu")
    r = start(city, url, units=[vinh_bao])
    assert r.status_code == 400 and f"already runs campaign {own}" in r.text, "a kiosk runs one campaign at a time"
    assert start(city, url, units=[ninh_giang]).status_code == 200
    _, citys = campaign_ids(app)
    centre = session(url, "tt-ninh-giang")
    assert start(centre, url).status_code == 403, "a centre reads campaigns; it does not start them"
    assert 'id="start-campaign"' not in centre.get(url + "/campaigns/").text
    assert centre.get(f"{url}/campaigns/{citys}/").status_code == 200
    assert centre.get(f"{url}/campaigns/{own}/").status_code == 403, "another commune's campaign"
    assert commune.get(f"{url}/campaigns/{citys}/").status_code == 403
    assert post(commune, url, f"/campaigns/{own}/stop/").status_code in (200, 302)
    ninh = session(url, "xa-ninh-giang")
    assert post(ninh, url, f"/campaigns/{citys}/stop/").status_code == 403, "the city's campaign is the city's to stop"
    assert city.get(url + "/campaigns/999/").status_code == 404 and city.get(url + "/campaigns/x'/").status_code == 404
    stranger = __import__("requests").get(f"{url}/campaigns/{citys}/", allow_redirects=False)
    assert stranger.status_code == 302 and "/login/" in stranger.headers["Location"]
    for bad, said in ((dict(until="31/02/2027"), "not a day of the calendar"), (dict(until="mai"), "dd/mm/yyyy"),
                      (dict(qid="khong-co"), "khong-co"), (dict(until=dmy(today() - timedelta(days=1))), "already past")):
        r = start(city, url, units=[vinh_bao], **bad)
        assert r.status_code == 400 and said in r.text and "Traceback" not in r.text, (bad, r.text[-800:])


def test_the_page_counts_each_communes_responses_per_channel_against_the_sipas_sample(site):
    url, app, made = site
    first = today() - timedelta(days=3)
    city = session(url, "so-noi-vu")
    assert start(city, url, first=dmy(first), until=dmy(today() + timedelta(days=10))).status_code == 200
    (cid,) = campaign_ids(app)
    kiosk, centre, commune = made["kiosks"][0], made["centres"][0], made["communes"][0]
    # N: served transactions of the year before the first day (a day inside the campaign is not counted).
    token = activate(app.runtime)
    try:
        from central.models import ServedCount
        served = {first - timedelta(days=d): 40 + d for d in (1, 30, 200, 364)}
        served[first - timedelta(days=366)] = 5000   # more than a year before: left out
        served[first] = 7000                          # the first day itself: left out
        for day, n in served.items():
            ServedCount.objects.create(kiosk_id=kiosk, local_date=day.isoformat(), counter_id="Q1", served=n, via="form",
                                       updated_at=datetime.now(timezone.utc))
        from central.questionnaires.catalogue import find
        from central.questionnaires.store import Given, save_response
        from central.models import Unit
        q = find("trung-tam")
        for _ in range(3):
            save_response(q, Unit.objects.get(id=centre), "kiosk", Given({}, {}))
    finally:
        deactivate(token)
        from django.db import connections
        connections[app.runtime.alias].close()
    for n in range(2):
        _, r = phone_answer(url, centre, {"access-info": "HL"}, address=f"10.9.0.{n + 1}")
        assert r.status_code == 200
    population = sum(n for day, n in served.items() if first - timedelta(days=365) <= day < first)
    sample = math.ceil(Fraction(population) / (1 + Fraction(population, 400)))
    got = cells(city.get(f"{url}/campaigns/{cid}/").text, f"unit-{commune}")
    assert got["sample"] == str(sample) and got["ch-kiosk"] == "3" and got["ch-phone"] == "2" and got["ch-paper"] == "0"
    assert got["total"] == "5" and got["reached"].startswith(f"{100 * 5 / sample:.1f}".replace(".", ","))
    # Households typed instead: the sample follows them.
    assert post(city, url, f"/campaigns/{cid}/households/", unit=commune, households="2.500").status_code in (200, 302)
    got = cells(city.get(f"{url}/campaigns/{cid}/").text, f"unit-{commune}")
    assert got["sample"] == str(math.ceil(Fraction(2500) / (1 + Fraction(2500, 400))))
    bad = post(city, url, f"/campaigns/{cid}/households/", unit=commune, households="-3")
    assert bad.status_code == 200 and 'id="campaign-error"' in bad.text
    other = cells(city.get(f"{url}/campaigns/{cid}/").text, f"unit-{made['communes'][1]}")
    assert other["sample"] == "—" and other["total"] == "0", "no served counts yet: no sample, said so"


def test_paper_forms_are_reconciled_issued_entered_returned_void_and_still_out(site):
    url, app, made = site
    centre = made["centres"][0]
    s = session(url, "xa-ninh-giang")
    assert start(s, url).status_code == 200
    (cid,) = campaign_ids(app)
    base = f"{url}/questionnaires/{centre}/trung-tam"
    assert s.get(f"{base}/paper.pdf", params={"count": "4"}).status_code == 200
    assert s.get(f"{base}/paper.pdf", params={"count": "3"}).status_code == 200   # 5–7
    from tests.test_campaigns import _paper_digits
    page = s.get(f"{base}/entry/")
    r = s.post(f"{base}/entry/", data={"csrfmiddlewaretoken": csrf(page.text), "form_no": "6", "digits": "1" * _paper_digits(),
                                       "comment": ""}, headers={"Referer": f"{base}/entry/"})
    assert r.status_code == 200
    assert "marked" in post(s, url, f"/campaigns/{cid}/paper/", centre=centre, numbers="1, 2", state="returned").url
    post(s, url, f"/campaigns/{cid}/paper/", centre=centre, numbers="7", state="void")
    got = cells(s.get(f"{url}/campaigns/{cid}/").text, f"paper-{centre}")
    assert got == {"issued": "7", "entered": "1", "returned": "2", "void": "1", "out": "3"}
    for numbers, said in (("6", "is entered already"), ("8", "never issued"), ("3-", "not a form number")):
        r = post(s, url, f"/campaigns/{cid}/paper/", centre=centre, numbers=numbers, state="void")
        assert said in r.text and 'id="campaign-error"' in r.text, (numbers, r.text[-600:])
    post(s, url, f"/campaigns/{cid}/paper/", centre=centre, numbers="2", state="clear")
    assert cells(s.get(f"{url}/campaigns/{cid}/").text, f"paper-{centre}")["returned"] == "1"
    city = session(url, "so-noi-vu")
    r = post(city, url, f"/campaigns/{cid}/paper/", centre=centre, numbers="3", state="void")
    assert r.status_code == 403, "the city's account reads; the office marks its forms"


# --- versions on the kiosk-health page ------------------------------------------------------------------

def check_in(url, kiosk_id, version):
    import time
    import requests
    from central.registry import DEMO_SECRET_PREFIX
    from rating import checkin, signing
    from rating.hours import parse_hours
    body = checkin.encode_checkin(kiosk_id, {"software_version": version}, checkin.NO_SETTINGS, parse_hours([]),
                                  "Asia/Ho_Chi_Minh")
    headers = signing.signed_headers(kiosk_id, f"{DEMO_SECRET_PREFIX}{kiosk_id}-0123456789".encode(), int(time.time()),
                                     "POST", checkin.CHECKIN_PATH, body)
    r = requests.post(url + checkin.CHECKIN_PATH, data=body, headers={**headers, "Content-Type": "application/json"},
                      timeout=30)
    assert r.status_code == 200, r.text


def health_rows(html: str) -> dict[str, str]:
    table = re.search(r'<table id="health">(.*?)</table>', html, re.S)[1]
    return {m[0]: re.sub(r"<[^>]+>", "", m[1]).strip()
            for m in re.findall(r'<tr><td>([a-z0-9-]+)</td>.*?<td class="sw[^"]*">(.*?)</td>', table, re.S)}


def test_the_health_page_marks_kiosks_behind_the_newest_version_and_filters_by_commune_and_version(site):
    url, app, made = site
    ahead, behind = made["kiosks"]
    check_in(url, ahead, "0.10.0")   # after 0.9.x and 0.2: compared as versions, not as text
    check_in(url, behind, "0.9.2")
    city = session(url, "so-noi-vu")
    rows = health_rows(city.get(url + "/kiosks/").text)
    assert rows[ahead] == "0.10.0" and rows[behind].startswith("0.9.2") and "cần cập nhật" in rows[behind]
    assert list(health_rows(city.get(url + "/kiosks/", params={"version": "behind"}).text)) == [behind]
    assert list(health_rows(city.get(url + "/kiosks/", params={"version": "0.10.0"}).text)) == [ahead]
    assert list(health_rows(city.get(url + "/kiosks/", params={"unit": made["communes"][0]}).text)) == [ahead]
    page = city.get(url + "/kiosks/").text
    assert re.search(r'class="version behind">0\.9\.2: 1<', page) and "0.10.0</strong>" in page
    # A commune sees its own kiosk behind the newest the city runs, and no other commune's.
    commune = session(url, "xa-vinh-bao")
    assert list(health_rows(commune.get(url + "/kiosks/").text)) == [behind]
    assert "cần cập nhật" in commune.get(url + "/kiosks/").text
    assert commune.get(url + "/kiosks/", params={"unit": made["communes"][0]}).status_code == 403
    assert commune.get(url + "/kiosks/", params={"unit": "khong-co"}).status_code == 404

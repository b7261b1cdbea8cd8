"""The web pages over real HTTP: logging in, the overview, a commune's page, kiosk health, the
registry, the raw votes download — and role boundaries on every URL (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re

import pytest
import requests

from tests.sync_helpers import central_service, fresh_postgresql, fresh_sqlite, postgres_server  # noqa: F401

from central.demo import DEMO_PASSWORD, build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    """One demo city per database for the whole module (the tests only read, or add their own rows)."""
    folder = tmp_path_factory.mktemp("web")
    db = fresh_sqlite(folder) if request.param == "sqlite" else fresh_postgresql(request.getfixturevalue("postgres_server"))
    with central_service(folder, db=db) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=3, days=20, per_day=12)
            from central.accounts import add_user
            add_user("throttled", "city", None, DEMO_PASSWORD)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app, made


def session(url, username, password=DEMO_PASSWORD):
    s = requests.Session()
    form = s.get(url + "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    r = s.post(url + "/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token},
               headers={"Referer": url + "/login/"}, allow_redirects=False)
    return s, r


def test_the_front_page_sends_a_stranger_to_the_login_form(site):
    url, _, _ = site
    r = requests.get(url + "/", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login/")
    form = requests.get(url + "/login/").text
    assert 'name="username"' in form and 'name="password"' in form and "Đăng nhập" in form


def test_the_city_sees_every_commune_ranked_with_its_rate_and_n(site):
    url, _, made = site
    s, r = session(url, "so-noi-vu")
    assert r.status_code == 302
    page = s.get(url + "/").text
    for cid in made["communes"]:
        assert f"/unit/{cid}/" in page
    assert re.search(r"\d+,\d %", page)   # Vietnamese decimals: 84,5 %


def test_a_commune_account_sees_its_own_commune_and_nothing_of_the_others(site):
    url, app, made = site
    own, other = made["communes"][0], made["communes"][1]
    s, _ = session(url, "xa-" + own.removeprefix("xa-"))
    assert s.get(url + "/", allow_redirects=False).headers["Location"] == f"/unit/{own}/"
    page = s.get(url + f"/unit/{own}/").text
    assert "Quầy 1" in page and "Giờ × thứ" in page
    other_name = "Vĩnh Bảo"
    assert other_name not in page
    for path in (f"/unit/{other}/", f"/unit/tt-{other}/", f"/unit/hai-phong/", "/registry/",
                 f"/export/votes.csv?unit={other}", f"/export/votes.csv?unit={other}-01",
                 f"/export/votes.csv?unit=hai-phong"):
        r = s.get(url + path, allow_redirects=False)
        assert r.status_code in (403, 404), (path, r.status_code)
    health = s.get(url + "/kiosks/").text
    assert f"{own}-01" in health and f"{other}-01" not in health
    r = s.get(url + "/v1/reports/totals")
    assert r.status_code in (401, 403)


def test_a_commune_s_page_shows_the_demo_s_reasons_and_its_chart_in_vietnamese_formats(site):
    url, _, made = site
    s, _ = session(url, "so-noi-vu")
    page = s.get(url + f"/unit/{made['communes'][0]}/").text
    reasons = re.search(r'<table id="reasons">(.*?)</table>', page, re.S).group(1)
    assert sum(int(n.replace(".", "")) for n in re.findall(r'<td class="num">([\d.]+)</td>', reasons)) > 0
    tips = re.findall(r"<title>([^<]*)</title></circle>", page)
    assert tips and all(re.fullmatch(r"\d\d/\d\d/\d{4}: \d{1,3},\d %", t) for t in tips), tips[:3]


def test_the_raw_votes_download_is_a_csv_of_every_vote_of_the_unit(site):
    url, app, made = site
    s, _ = session(url, "admin")
    r = s.get(url + f"/export/votes.csv?unit={made['communes'][0]}&from=2000-01-01&to=2100-01-01")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    held = app.store.query("SELECT count(*) FROM votes WHERE kiosk_id = ?", [f"{made['communes'][0]}-01"])[0][0]
    assert rows[0][:2] == ["seq", "uuid"] and len(rows) - 1 == held > 0
    assert app.store.query("SELECT count(*) FROM audit_log WHERE action = 'export_votes'")[0][0] >= 1


def test_the_registry_shows_a_new_secret_once_and_rotation_keeps_the_old_one_for_a_while(site):
    url, app, made = site
    s, _ = session(url, "admin")
    page = s.get(url + "/registry/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    r = s.post(url + "/registry/", data={"action": "register", "kiosk_id": "moi-01", "centre": made["centres"][0],
                                         "csrfmiddlewaretoken": token}, headers={"Referer": url + "/registry/"})
    secret = re.search(r'id="secret">([^<]+)<', r.text).group(1)
    assert len(secret) >= 32 and secret not in s.get(url + "/registry/").text
    r = s.post(url + "/registry/", data={"action": "register", "kiosk_id": "xã-02", "centre": made["centres"][0],
                                         "csrfmiddlewaretoken": token}, headers={"Referer": url + "/registry/"})
    assert "ASCII" in r.text
    r = s.post(url + "/registry/", data={"action": "rotate", "kiosk_id": "moi-01", "csrfmiddlewaretoken": token},
               headers={"Referer": url + "/registry/"})
    new = re.search(r'id="secret">([^<]+)<', r.text).group(1)
    assert new != secret
    assert app.store.query("SELECT previous_secret FROM kiosks WHERE id = 'moi-01'") == [(secret,)]
    actions = [a for (a,) in app.store.query("SELECT action FROM audit_log ORDER BY id")]
    assert "registry_register" in actions and "registry_rotate" in actions



def test_the_registry_says_of_every_kiosk_whether_it_is_in_use_or_retired_and_since_when(site):
    url, app, made = site
    s, _ = session(url, "admin")
    page = s.get(url + "/registry/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    s.post(url + "/registry/", data={"action": "retire", "kiosk_id": made["kiosks"][1], "csrfmiddlewaretoken": token},
           headers={"Referer": url + "/registry/"})
    table = re.search(r'<table id="registry">(.*?)</table>', s.get(url + "/registry/").text, re.S).group(1)
    rows = {m.group(1): m.group(2) for m in re.finditer(r"<tr><td>([^<]+)</td><td>[^<]*</td><td>([^<]*)</td>", table)}
    assert re.fullmatch(r"Đang dùng, đăng ký \d{2}/\d{2}/\d{4}", rows[made["kiosks"][0]]), rows
    assert re.fullmatch(r"Đã ngừng từ \d{2}/\d{2}/\d{4}", rows[made["kiosks"][1]]), rows
    assert all(status.strip() for status in rows.values()), "no blank status"


def test_logins_are_throttled_after_repeated_failures_and_audited(site):
    url, app, _ = site
    for _ in range(5):
        _, r = session(url, "throttled", "wrong-password-x")
        assert r.status_code == 200 and "Sai tên đăng nhập" in r.text
    _, r = session(url, "throttled")   # the right password, too late
    assert r.status_code == 200 and "Quá nhiều lần" in r.text
    assert app.store.query("SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND username = 'throttled'"
                           )[0][0] == 5


def test_the_login_throttle_counts_each_client_behind_the_proxy_not_the_proxys_address(tmp_path):
    from central.app import make_app
    from central.server import serving
    from central.views import MAX_FAILED_PER_ADDRESS
    app = make_app(fresh_sqlite(tmp_path), None, None, alias="throttle-proxy", apply_migrations=False)
    # As behind nginx: every request comes from 127.0.0.1, the client's address in X-Forwarded-For. The
    # server runs with the options `main.py serve` uses (gunicorn passes the header through alike).
    with serving(app) as url:
        token = activate(app.runtime)
        try:
            build(app.runtime.alias, communes=1, days=1, per_day=1)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()

        def attempt(address, username, password):
            s = requests.Session()
            form = s.get(url + "/login/", headers={"X-Forwarded-For": address})
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
            return s.post(url + "/login/", data={"username": username, "password": password,
                                                 "csrfmiddlewaretoken": token},
                          headers={"Referer": url + "/login/", "X-Forwarded-For": address}, allow_redirects=False)

        for i in range(MAX_FAILED_PER_ADDRESS):   # one address guesses many names (each under the per-name limit)
            assert "Sai tên đăng nhập" in attempt("203.0.113.50", f"guess-{i}", "wrong-password-x").text
        throttled = attempt("203.0.113.50", "admin", DEMO_PASSWORD)
        assert throttled.status_code == 200 and "Quá nhiều lần" in throttled.text
        other = attempt("198.51.100.23", "admin", DEMO_PASSWORD)   # another citizen, through the same nginx
        assert other.status_code == 302, "a different client behind the proxy is not locked out"
        remotes = {r for (r,) in app.store.query("SELECT remote FROM audit_log WHERE action = 'login_failed'")}
        assert remotes == {"203.0.113.50"}, "the audit log records the client's address, not the proxy's"


def test_kiosk_health_shows_the_status_each_sync_sent(site):
    url, app, made = site
    s, _ = session(url, "admin")
    page = s.get(url + "/kiosks/").text
    assert "0.1.0" in page and "12.000 MB" in page and "0,4 s" in page
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", page)   # last sync in Hải Phòng's time, dd/mm/yyyy


def test_pages_are_vietnamese_first_and_english_on_request(site):
    url, _, made = site
    s, _ = session(url, "so-noi-vu")
    vi = s.get(url + "/").text
    assert "Tổng quan" in vi and "Tỷ lệ hài lòng" in vi and 'lang="vi"' in vi
    s.get(url + "/lang/en/?back=/")
    en = s.get(url + "/").text
    assert "Overview" in en and "Satisfaction rate" in en and 'lang="en"' in en
    assert re.search(r"\d+,\d %", en)   # numbers stay in the Vietnamese format


@pytest.mark.parametrize("query", ["from=0001-01-01&to=0001-01-02", "from=9999-12-31&to=9999-12-31", "from=x&to=%FF",
                                   "from=2026-13-01", "to=2026-02-30", "from=01/11/2026&to=22/11/2026"])
def test_odd_periods_in_a_page_address_never_break_it(site, query):
    """Pages show a default period (and say which date they could not read); the download refuses
    with a 400 naming the field rather than sending another period's votes."""
    url, _, made = site
    s, _ = session(url, "admin")
    unreadable = query in ("from=x&to=%FF", "from=2026-13-01", "to=2026-02-30")
    for path in ("/", f"/unit/{made['communes'][0]}/"):
        r = s.get(f"{url}{path}?{query}")
        assert r.status_code == 200, (path, query, r.status_code)
        assert ('id="date-error"' in r.text) == unreadable, (path, query)
    r = s.get(f"{url}/export/votes.csv?unit={made['communes'][0]}&{query}")
    if unreadable:
        assert r.status_code == 400 and "dd/mm/yyyy" not in r.text and "22/11/2026" in r.text, (query, r.text)
        assert ("Từ ngày" if query.startswith("from") else "Đến ngày") in r.text
    else:
        assert r.status_code == 200, (query, r.status_code)


def test_a_period_typed_backwards_is_shown_forwards_and_the_page_says_so(site):
    url, _, made = site
    s, _ = session(url, "admin")
    for path in ("/", f"/unit/{made['communes'][0]}/"):
        r = s.get(f"{url}{path}?from=30/11/2026&to=01/11/2026")
        assert r.status_code == 200
        assert "đã đổi chỗ hai ngày" in r.text, path
        assert 'value="01/11/2026"' in r.text and 'value="30/11/2026"' in r.text, "the fields show the period used"
    r = s.get(f"{url}/?from=2020-01-01&to=2026-11-30")
    assert "dài quá 800 ngày" in r.text


def test_a_person_refused_a_page_reads_why_in_vietnamese_and_a_script_still_gets_json(site):
    url, _, made = site
    own, other = made["communes"][0], made["communes"][1]
    s, _ = session(url, "xa-" + own.removeprefix("xa-"))
    browser_accept = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path in (f"/unit/{other}/", f"/v1/reports/ii7?unit={other}&from=2026-10-01&to=2026-12-31&format=pdf"):
        r = s.get(url + path, headers=browser_accept)
        assert r.status_code == 403 and r.headers["Content-Type"].startswith("text/html"), path
        assert 'lang="vi"' in r.text and "Không có quyền xem" in r.text and "Not allowed" in r.text, path
        assert 'href="/"' in r.text and '"error"' not in r.text, path
    r = s.get(url + f"/v1/reports/ii7?unit={other}&from=2026-10-01&to=2026-12-31&format=pdf")
    assert r.status_code == 403 and r.json()["error"] == "forbidden", "a script keeps the catalogue's JSON"
    r = s.get(url + "/no-such-page/", headers=browser_accept)
    assert r.status_code == 404 and "Không tìm thấy trang" in r.text
    assert requests.get(url + "/v1/no-such-endpoint").json()["error"] == "not_found", "the API answers scripts in JSON"
    s.get(url + "/lang/en/?back=/")
    r = s.get(url + f"/unit/{other}/", headers=browser_accept)
    assert 'lang="en"' in r.text and r.text.index("Not allowed") < r.text.index("Không có quyền xem")


def test_the_daily_chart_names_its_axes_and_target_and_the_heat_map_has_a_scale(site):
    url, _, made = site
    s, _ = session(url, "admin")
    page = s.get(url + f"/unit/{made['communes'][0]}/").text
    chart = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    assert re.search(r'aria-label="Tỷ lệ hài lòng theo ngày; Mục tiêu 90 %; \d{2}/\d{2}/\d{4} – \d{2}/\d{2}/\d{4}"', chart)
    assert ">0 %<" in chart and ">100 %<" in chart, "the percent axis says its unit"
    axis = re.findall(r'text-anchor="middle">(\d{2}/\d{2})<', chart)
    days = re.findall(r"<title>(\d{2}/\d{2})/\d{4}: ", chart)
    assert axis[0] == days[0] and axis[-1] == days[-1] and 2 < len(axis) <= 7, (axis, days[:3])
    assert "stroke-dasharray" in chart and ">Mục tiêu 90 %<" in chart, "the dashed target line has a legend"
    scale = re.search(r'<p class="heat-scale" id="heat-scale">(.*?)</p>', page, re.S).group(1)
    assert "số phiếu" in scale and 'class="swatch h0"' in scale and 'class="swatch h10"' in scale
    assert re.search(r'<td class="h\d+" title="(\d+)"><span class="sr">\1</span></td>', page), \
        "each hour's count is read out, not only shaded"
    assert "Xu hướng (điểm %" in s.get(url + "/").text

"""The public pages under ``/cong-khai/`` and the verification codes of issued II.7 tables (issue 18), over
real HTTP on a real service: what anyone may read without a login, and the round trip an inspector makes
from a printed II.7 page (its code read back with pdftotext, its QR with zbarimg) to ``/kiem-tra/<code>``."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import requests

from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_sqlite

from central.demo import build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402
from rating.period import LOCAL_TZ
from rating.rate import pct, wilson

AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}
HTML = {"Accept": "text/html,application/xhtml+xml"}
TODAY = date(2026, 11, 22)   # the service's clock and the demo's votes: never the real date
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=LOCAL_TZ).timestamp()
CODE = r"[A-Z2-7]{10}"
SCREENS = Path(__file__).resolve().parent.parent / "build" / "screens"
OFFICER = re.compile(r"CB0\d")   # the demo's officer codes: never on a public page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public")
    with central_service(folder, db=fresh_sqlite(folder), clock=lambda: NOW) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=3, days=40, per_day=12, today=TODAY)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app, made


def counted(app, kiosk: str, d_from: str, d_to: str) -> tuple[int, int]:
    """(satisfied, counted) straight from the stored votes, not from any report code."""
    n, sat = app.store.query(
        "SELECT count(*), sum(CASE WHEN level IN ('RHL', 'HL') THEN 1 ELSE 0 END) FROM votes WHERE kiosk_id = ? "
        "AND flag IS NULL AND scale = 'sipas5' AND local_date BETWEEN ? AND ?", [kiosk, d_from, d_to])[0]
    return int(sat or 0), int(n)


def ii7(url, unit, fmt, d_from="2026-10-01", d_to="2026-10-31"):
    r = requests.get(f"{url}/v1/reports/ii7?unit={unit}&from={d_from}&to={d_to}&format={fmt}", headers=AUTH)
    assert r.status_code == 200, r.text[:300]
    return r


# --- the public pages ---------------------------------------------------------------------------

def test_a_communes_feed_is_public_and_its_month_is_the_stored_votes_own_rate(site):
    url, app, made = site
    commune, kiosk = made["communes"][0], made["kiosks"][0]
    r = requests.get(f"{url}/cong-khai/{commune}/du-lieu.json")
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    feed = r.json()
    assert feed["unit"] == commune and feed["as_of"] == TODAY.isoformat() and len(feed["months"]) == 12
    assert [m["month"] for m in feed["months"]][-2:] == ["2026-10", "2026-11"] and feed["months"][0]["month"] == "2025-12"
    sat, n = counted(app, kiosk, "2026-11-01", "2026-11-22")
    month = feed["month"]
    assert (month["n"], month["satisfied_pct"], (month["ci_low"], month["ci_high"])) == (n, pct(sat, n), wilson(sat, n))
    assert month["verdict"] == ("chua_du_mau" if n < 30 else "dat" if pct(sat, n) >= 90 else "chua_dat")
    assert month["response_pct"] is None   # no served counts yet: unknown, never 0
    empty = feed["months"][0]
    assert (empty["n"], empty["satisfied_pct"], empty["verdict"]) == (0, None, "chua_du_mau")
    assert {c["counter"] for c in feed["counters"]} == {"Q1", "Q2", "Q3"}
    assert not OFFICER.search(r.text) and "officer" not in r.text


def test_the_citys_feed_lists_every_commune_and_adds_them_up(site):
    url, app, made = site
    feed = requests.get(f"{url}/cong-khai/du-lieu.json").json()
    assert set(made["communes"]) <= {u["unit"] for u in feed["units"]}   # (and the registry file's test centre)
    parts = [counted(app, k, "2026-11-01", "2026-11-22") for k in made["kiosks"]]
    sat, n = sum(p[0] for p in parts), sum(p[1] for p in parts)
    assert (feed["month"]["n"], feed["month"]["satisfied_pct"]) == (n, pct(sat, n))
    overview = requests.get(f"{url}/v1/reports/overview?from=2026-11-01&to=2026-11-22", headers=AUTH).json()
    assert [(u["unit"], u["n"], u["rank"]) for u in feed["units"]] == [(u["unit"], u["n"], u["rank"]) for u in overview["units"]]
    assert not OFFICER.search(str(feed))


@pytest.mark.parametrize("path", ["/cong-khai/", "/cong-khai/{c}/", "/cong-khai/{c}/nhung/", "/cong-khai/{c}/sanh-cho/",
                                  "/cong-khai/{t}/sanh-cho/"])
def test_every_public_page_opens_without_a_login_and_names_no_officer(site, path):
    url, _, made = site
    r = requests.get(url + path.format(c=made["communes"][0], t=made["centres"][0]), headers=HTML, allow_redirects=False)
    assert r.status_code == 200, (path, r.status_code)
    assert not OFFICER.search(r.text) and "<script" not in r.text


def test_only_the_embed_page_may_be_framed_by_another_site(site):
    url, _, made = site
    c = made["communes"][0]
    embed = requests.get(f"{url}/cong-khai/{c}/nhung/", headers=HTML)
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"] and "X-Frame-Options" not in embed.headers
    assert "script-src 'self'" in embed.headers["Content-Security-Policy"]   # framable, still no foreign script
    for path in (f"/cong-khai/{c}/", f"/cong-khai/{c}/sanh-cho/", "/cong-khai/", "/login/"):
        r = requests.get(url + path, headers=HTML)
        assert r.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path


def test_the_lobby_reloads_itself_without_a_script(site):
    url, _, made = site
    page = requests.get(f"{url}/cong-khai/{made['communes'][0]}/sanh-cho/", headers=HTML).text
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', page) and "<script" not in page
    assert re.search(r"Tháng này: <strong>\d+,\d %</strong> <span class=\"words\">người dân hài lòng</span>", page)


@pytest.mark.parametrize("unit", ["nowhere", "hai-phong", "{k}"])
def test_a_unit_that_is_not_a_commune_or_a_centre_has_no_public_page(site, unit):
    url, _, made = site
    r = requests.get(f"{url}/cong-khai/{unit.format(k=made['kiosks'][0])}/", headers=HTML)
    assert r.status_code == 404


# --- verification codes -------------------------------------------------------------------------

def test_the_same_table_gets_the_same_code_and_another_period_another(site):
    url, _, made = site
    c = made["communes"][0]
    first = ii7(url, c, "json").json()["verification_code"]
    assert re.fullmatch(CODE, first)
    assert ii7(url, c, "json").json()["verification_code"] == first
    assert ii7(url, c, "json", d_to="2026-10-30").json()["verification_code"] != first
    assert ii7(url, made["communes"][1], "json").json()["verification_code"] != first


def test_the_pdfs_code_and_qr_lead_to_a_page_that_shows_the_same_totals(site, tmp_path):
    url, app, made = site
    c, kiosk = made["communes"][1], made["kiosks"][1]
    pdf = tmp_path / "ii7.pdf"
    pdf.write_bytes(ii7(url, c, "pdf").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    codes = re.findall(rf"Mã kiểm tra: ({CODE})", text)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1])
    assert len(set(codes)) == 1 and len(codes) >= pages, "one code, at the foot of every page (and under the period)"
    code = codes[0]
    subprocess.run(["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")], check=True)
    image = next(tmp_path.glob("page*.png"))
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(image, SCREENS / "ii7-verification-code.png")   # looked at: the code and its QR under the period
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True).stdout.strip()
    assert scanned == f"{url}/kiem-tra/{code}"
    page = requests.get(scanned, headers=HTML)
    assert page.status_code == 200
    sat, n = counted(app, kiosk, "2026-10-01", "2026-10-31")
    levels = dict(app.store.query("SELECT level, count(*) FROM votes WHERE kiosk_id = ? AND flag IS NULL "
                                  "AND local_date BETWEEN '2026-10-01' AND '2026-10-31' GROUP BY level", [kiosk]))
    shown = re.search(r'id="fact-counted">([\d.]+)<', page.text)[1]
    assert int(shown.replace(".", "")) == n
    assert [int(x.replace(".", "")) for x in re.findall(r'class="num level">([\d.]+)<', page.text)] == \
        [levels.get(code_, 0) for code_ in ("RHL", "HL", "BT", "KHL", "RKHL")]
    rate = f"{pct(sat, n):.1f}".replace(".", ",")
    assert f"{rate} %" in page.text and f"{rate}" in " ".join(text.split())
    head = app.store.query("SELECT seq, hash FROM votes WHERE kiosk_id = ? AND local_date <= '2026-10-31' "
                           "ORDER BY seq DESC LIMIT 1", [kiosk])[0]
    assert f"{kiosk}, {head[0]}, {head[1]}" in page.text, "the chain's head in the period"
    assert not OFFICER.search(page.text)


def test_the_workbook_carries_the_code_its_link_and_its_qr(site):
    openpyxl = pytest.importorskip("openpyxl")
    url, _, made = site
    c = made["communes"][0]
    code = ii7(url, c, "json").json()["verification_code"]
    data = ii7(url, c, "xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [str(v) for row in book["Tổng hợp"].iter_rows(values_only=True) for v in row if v]
    assert f"Mã kiểm tra: {code} — Kiểm tra tại: {url}/kiem-tra/{code}" in cells
    lines = {row[0]: row[1] for row in book["Kiểm chứng"].iter_rows(values_only=True) if row[0]}
    assert lines["Mã kiểm tra"] == code
    assert any(n.startswith("xl/media/") and n.endswith(".png") for n in zipfile.ZipFile(io.BytesIO(data)).namelist())


def test_a_code_never_issued_is_not_found(site):
    url, _, _ = site
    for headers in (HTML, {"Accept": "application/json"}):
        assert requests.get(f"{url}/kiem-tra/AAAAAAAAAA", headers=headers).status_code == 404
    assert requests.get(f"{url}/kiem-tra/not-a-code", headers=HTML).status_code == 404


def test_a_code_is_found_however_it_is_typed(site):
    url, _, made = site
    code = ii7(url, made["communes"][2], "json").json()["verification_code"]
    for typed in (code.lower(), f"{code[:5]}-{code[5:]}", f"{code}/"):
        r = requests.get(f"{url}/kiem-tra/{typed}", headers=HTML)
        assert r.status_code == 200 and f'id="code">{code}<' in r.text, typed

"""`GET /v1/reports/ii7?unit=ID&from=D&to=D&format=xlsx|pdf|json`: the II.7 report built by the kiosk's
report model over the service's database, for a commune, a centre or a kiosk — to an account allowed
that unit, or with the report token."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
import requests

from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_postgresql, fresh_sqlite, postgres_server  # noqa: F401

from central.demo import DEMO_PASSWORD, build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402


AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ii7")
    db = fresh_sqlite(folder) if request.param == "sqlite" else fresh_postgresql(request.getfixturevalue("postgres_server"))
    with central_service(folder, db=db) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=2, days=20, per_day=15)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app, made


def period():
    today = date.today()
    return (today - timedelta(days=25)).isoformat(), today.isoformat()


def login(url, name):
    s = requests.Session()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', s.get(url + "/login/").text).group(1)
    s.post(url + "/login/", data={"username": name, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
           headers={"Referer": url + "/login/"})
    return s


def test_the_json_model_counts_exactly_the_votes_the_service_holds(site):
    url, app, made = site
    d_from, d_to = period()
    commune = made["communes"][0]
    r = requests.get(f"{url}/v1/reports/ii7?unit={commune}&from={d_from}&to={d_to}&format=json", headers=AUTH)
    assert r.status_code == 200, r.text
    model = r.json()
    held = app.store.query("SELECT count(*) FROM votes WHERE kiosk_id = ? AND flag IS NULL AND local_date BETWEEN ? AND ?",
                           [f"{commune}-01", d_from, d_to])[0][0]
    assert held > 0 and str(held) in json.dumps(model)


def test_the_workbook_and_the_pdf_download_for_a_commune_a_centre_and_a_kiosk(site):
    openpyxl = pytest.importorskip("openpyxl")
    url, _, made = site
    d_from, d_to = period()
    for unit in (made["communes"][0], made["centres"][0], made["kiosks"][0]):
        r = requests.get(f"{url}/v1/reports/ii7?unit={unit}&from={d_from}&to={d_to}&format=xlsx", headers=AUTH)
        assert r.status_code == 200, (unit, r.text[:300])
        assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames
    pdf = requests.get(f"{url}/v1/reports/ii7?unit={made['communes'][0]}&from={d_from}&to={d_to}&format=pdf", headers=AUTH)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_commune_account_gets_its_own_workbook_and_never_another_communes(site):
    url, _, made = site
    d_from, d_to = period()
    own, other = made["communes"]
    s = login(url, "xa-" + own.removeprefix("xa-"))
    assert s.get(f"{url}/v1/reports/ii7?unit={own}&from={d_from}&to={d_to}&format=json").status_code == 200
    for unit in (other, f"tt-{other}", f"{other}-01"):
        r = s.get(f"{url}/v1/reports/ii7?unit={unit}&from={d_from}&to={d_to}&format=xlsx")
        assert r.status_code == 403 and r.json()["error"] == "forbidden"


@pytest.mark.parametrize("query,status", [("unit=nowhere&from=2026-01-01&to=2026-01-31", 404),
                                          ("unit=x&from=2026-02-30&to=2026-03-01", 400),
                                          ("unit=x&from=2026-03-01&to=2026-02-01", 400),
                                          ("from=2026-01-01&to=2026-01-31", 400),
                                          ("unit=x&from=2026-01-01&to=2026-01-31&format=docx", 400)])
def test_bad_requests_are_named(site, query, status):
    url, _, _ = site
    r = requests.get(f"{url}/v1/reports/ii7?{query}", headers=AUTH)
    assert r.status_code == status and r.json()["reason"]


def test_without_a_login_or_the_token_there_is_no_report(site):
    url, _, made = site
    d_from, d_to = period()
    r = requests.get(f"{url}/v1/reports/ii7?unit={made['communes'][0]}&from={d_from}&to={d_to}")
    assert r.status_code == 401


def test_the_services_pdf_dates_itself_in_hai_phong_time_at_the_communes_place_and_marks_demo_data(site, tmp_path):
    import subprocess
    url, app, made = site
    d_from, d_to = period()
    r = requests.get(f"{url}/v1/reports/ii7?unit={made['communes'][0]}&from={d_from}&to={d_to}&format=pdf", headers=AUTH)
    path = tmp_path / "ii7.pdf"
    path.write_bytes(r.content)
    flat = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert re.search(r"Ninh Giang, ngày \d{2} tháng \d{1,2} năm \d{4}", flat), "the date line names the place"
    assert re.search(r"Thời điểm lập tệp \d{2}:\d{2}:\d{2} ngày \d{2}/\d{2}/\d{4} \(UTC\+07:00\)", flat), \
        "the making time in Hải Phòng's time, as the header"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout)[1])
    assert flat.count("DỮ LIỆU THỬ NGHIỆM") == pages, "the demo city's report is test data on every page"
    from central.ii7 import place_name
    assert [place_name(n) for n in ("Xã Ninh Giang", "Phường Lê Chân", "Đặc khu Cát Hải", "Bạch Long Vĩ")] == \
        ["Ninh Giang", "Lê Chân", "Cát Hải", "Bạch Long Vĩ"]


def test_only_the_demo_citys_kiosks_make_a_report_marked_as_test_data(site):
    url, app, made = site
    from central import registry
    from central.ii7 import is_demo
    from central.models import Unit
    token = activate(app.runtime)
    try:
        registry.register("that-thuc-01", Unit.objects.get(id=made["centres"][0]))
        assert is_demo([made["kiosks"][0]]) and not is_demo(["that-thuc-01"]) and not is_demo([])
    finally:
        deactivate(token)
        from django.db import connections
        connections[app.runtime.alias].close()

"""Acting on low ratings (issue 18) on a real service over real HTTP, SQLite and PostgreSQL: the items of "Việc
cần khắc phục" built from the votes the test sent (every expected item computed here again from the raw rows,
:func:`expected_items`, never by the service's code), their due dates over weekends, the steps per role, the
overdue and deadline alerts, anonymity, the II.7 annex in the PDF (pdftotext) and the workbook, and the evidence
bundle's ZIP (zipfile, openpyxl, pdftotext)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import uuid as uuidlib
import zipfile
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_postgresql, fresh_sqlite, postgres_server  # noqa: F401
from tests.test_central_web import session
from tests.test_workdays_deadlines import count_by_hand

TZ = timezone(timedelta(hours=7))
NOW = datetime(2026, 12, 10, 10, tzinfo=TZ)   # the service's clock: a Thursday
AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}
LOW = ("KHL", "RKHL")

# (kiosk, day, time, counter, officer, level, flag, reasons): the raw rows, the only source of what is expected.
ROWS = [
    ("xa-an-01", "2026-11-02", "08:15", "Q1", "CB01", "HL", None, ()),
    ("xa-an-01", "2026-11-03", "09:10", "Q1", "CB01", "KHL", None, ("officer", "procedure")),
    ("xa-an-01", "2026-11-03", "09:40", "Q1", "CB01", "RKHL", None, ("officer",)),
    ("xa-an-01", "2026-11-03", "09:41", "Q1", "CB01", "RHL", None, ()),
    ("xa-an-01", "2026-11-05", "14:05", "Q1", "CB02", "KHL", None, ()),
    ("xa-an-01", "2026-11-05", "14:06", "Q1", "CB02", "RKHL", "repeat", ()),   # a repeat: never a low rating
    ("xa-an-01", "2026-11-07", "10:00", "Q2", "CB03", "KHL", None, ("access",)),  # a Saturday
    ("xa-an-01", "2026-11-09", "08:30", "Q1", "CB01", "BT", None, ()),          # neutral: not low
    ("xa-an-01", "2026-11-11", "16:20", "Q1", "CB01", "RKHL", None, ("result",)),
    ("xa-an-01", "2026-12-01", "11:00", "Q1", "CB01", "KHL", None, ()),          # due after NOW
    ("xa-an-01", "2026-12-01", "11:30", "Q2", "CB03", "HL", None, ()),
    ("xa-binh-01", "2026-11-02", "09:00", "Q1", "CB09", "KHL", None, ("feedback",)),
    ("xa-binh-01", "2026-11-02", "09:05", "Q1", "CB09", "RHL", None, ()),
]


def vote_uuid(kiosk: str, seq: int) -> str:
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"actions/{kiosk}/{seq}"))


def chained(kiosk: str) -> tuple[list[dict], list[dict]]:
    """The kiosk's votes of ROWS, chained and checked, and their reasons."""
    from rating.chain import GENESIS_HASH, VOTES as CHAIN
    from rating.wire import check_vote
    votes, reasons, prev = [], [], GENESIS_HASH
    for seq, (k, day, hm, counter, officer, level, flag, why) in enumerate([r for r in ROWS if r[0] == kiosk], 1):
        at = datetime.fromisoformat(f"{day}T{hm}:00").replace(tzinfo=TZ)
        v = {"seq": seq, "uuid": vote_uuid(kiosk, seq), "kiosk_id": kiosk, "counter_id": counter, "officer": officer,
             "level": level, "scale": "sipas5", "source": "touch", "local_time": at.isoformat(timespec="milliseconds"),
             "box_seq": None, "flag": flag, "prev_hash": prev}
        v["hash"] = prev = CHAIN.hash(v)
        votes.append(check_vote(v, kiosk, seq - 1))
        reasons += [{"vote_uuid": v["uuid"], "element": e, "recorded_at": v["local_time"]} for e in why]
    return votes, reasons


def monday(d: date) -> date:
    return d - timedelta(days=d.isoweekday() - 1)


def expected_items(kiosks, d_from: date | None = None, d_to: date | None = None) -> dict[str, dict]:
    """The items from ROWS: per kiosk, counter and ISO week, the counted KHL/RKHL (no repeat), their reasons,
    the first day, and the due day counted by hand (15 weekdays after it; no holiday in Nov–Dec 2026)."""
    out: dict[str, dict] = {}
    for k, day, hm, counter, officer, level, flag, why in ROWS:
        d = date.fromisoformat(day)
        if k not in kiosks or level not in LOW or flag:
            continue
        it = out.setdefault(f"{k}|{counter}|{monday(d).isoformat()}",
                            {"levels": defaultdict(int), "reasons": defaultdict(int), "first": d})
        it["levels"][level] += 1
        for e in why:
            it["reasons"][e] += 1
        it["first"] = min(it["first"], d)
    for it in out.values():
        it["due"] = count_by_hand(it["first"], 15, set())
        it["low"] = sum(it["levels"].values())
    if d_from is not None:   # the annex: items that arose in the period
        out = {key: it for key, it in out.items() if d_from <= it["first"] <= d_to}
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def city(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("actions")
    db = fresh_sqlite(folder) if request.param == "sqlite" else fresh_postgresql(request.getfixturevalue("postgres_server"))
    with central_service(folder, db=db, clock=lambda: NOW.timestamp()) as (url, app):
        from central import ingest
        from central.accounts import add_user
        from central.demo import DEMO_PASSWORD
        from central.models import Kiosk, Unit
        from central.runtime import activate, deactivate
        token = activate(app.runtime)
        try:
            top = Unit.objects.create(id="hai-phong", kind="city", name="Thành phố Hải Phòng")
            for cid, name in (("xa-an", "Xã An"), ("xa-binh", "Xã Bình")):
                commune = Unit.objects.create(id=cid, kind="commune", name=name, parent=top)
                centre = Unit.objects.create(id=f"tt-{cid}", kind="centre", name=f"Trung tâm {name}", parent=commune)
                kiosk = f"{cid}-01"
                Kiosk.objects.create(id=kiosk, centre=centre, secret=f"secret-{cid}-0123456789")
                votes, reasons = chained(kiosk)
                ingest.ingest(app.runtime.alias, kiosk, votes, reasons, [{"id": "Q1", "name": "Quầy một"},
                              {"id": "Q2", "name": "Quầy hai"}], None, NOW, int(NOW.timestamp()))
            add_user("so-noi-vu", "city", None, DEMO_PASSWORD)
            add_user("xa-an", "commune", "xa-an", DEMO_PASSWORD)
            add_user("xa-binh", "commune", "xa-binh", DEMO_PASSWORD)
            add_user("tt-xa-an", "centre", "tt-xa-an", DEMO_PASSWORD)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app


def clear_steps(app) -> None:
    from tests.sync_helpers import server_execute
    server_execute(app, "DELETE FROM action_items")


def in_service(app, fn):
    """Run ``fn()`` with the service's runtime current (its database, its clock)."""
    from central.runtime import activate, deactivate
    from django.db import connections
    token = activate(app.runtime)
    try:
        return fn()
    finally:
        deactivate(token)
        connections[app.runtime.alias].close()


def page_items(html: str) -> dict[str, dict]:
    """The items table of a unit's page: key -> its cells' text."""
    out = {}
    for key, body in re.findall(r'<tr class="item [^"]*" data-item="([^"]+)">(.*?)</tr>', html, re.S):
        cells = [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
        out[key] = {"cells": [" ".join(c.split()) for c in cells], "html": body}
    return out


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def act(s, url, unit, key, step, text="", back=None):
    page = s.get(f"{url}/unit/{unit}/?from=01/11/2026&to=30/11/2026").text
    return s.post(f"{url}/unit/{unit}/actions/", data={"csrfmiddlewaretoken": csrf(page), "item": key, "step": step,
                                                        "action": text, "back": back or f"/unit/{unit}/"},
                  headers={"Referer": f"{url}/unit/{unit}/"}, allow_redirects=False)


# --- the items ------------------------------------------------------------------------------------------------

def test_items_are_the_counted_low_ratings_per_counter_and_week_with_their_reasons_and_due_days(city):
    url, app = city
    clear_steps(app)
    from central.actions import items
    from central.source import Source
    got = in_service(app, lambda: items(Source(app.runtime.alias), ["xa-an-01", "xa-binh-01"],
                                        date(2026, 11, 1), date(2026, 12, 31)))
    want = expected_items({"xa-an-01", "xa-binh-01"})
    assert {i.key for i in got} == set(want)
    for i in got:
        w = want[i.key]
        assert {lv: n for lv, n in i.levels.items() if n} == dict(w["levels"])
        assert i.reasons == dict(w["reasons"]) and i.first_day == w["first"] and i.due == w["due"]
    # The Saturday's item is due as if it had come on the Monday after (15 weekdays: Friday 27/11).
    assert want["xa-an-01|Q2|2026-11-02"]["due"] == date(2026, 11, 27)
    assert want["xa-an-01|Q1|2026-11-02"]["due"] == date(2026, 11, 24)


def test_the_commune_page_lists_its_items_and_not_another_communes(city):
    url, app = city
    clear_steps(app)
    s, _ = session(url, "xa-an")
    html = s.get(url + "/unit/xa-an/?from=01/11/2026&to=30/11/2026").text
    shown = page_items(html)
    want = expected_items({"xa-an-01"})
    assert set(shown) == set(want)
    for key, it in shown.items():
        cells = it["cells"]
        assert f"{want[key]['due']:%d/%m/%Y}" == cells[6]
        assert cells[2].startswith(str(want[key]["low"]))
    # Overdue at NOW (10/12): the November items; the one of 01/12 is not due yet.
    assert "Quá hạn" in shown["xa-an-01|Q1|2026-11-02"]["cells"][7]
    assert "Quá hạn" not in shown["xa-an-01|Q1|2026-11-30"]["cells"][7]
    assert 'class="item moi overdue"' in html and "xa-binh-01" not in html


def test_an_item_never_identifies_a_citizen_no_uuid_no_minute_only_the_hour(city):
    url, app = city
    s, _ = session(url, "xa-an")
    html = s.get(url + "/unit/xa-an/?from=01/11/2026&to=30/11/2026").text
    items_html = html[html.index('id="actions"'):]
    uuids = [vote_uuid(k, n) for k in ("xa-an-01", "xa-binh-01") for n in range(1, 20)]
    assert not any(u in html for u in uuids)
    for _, day, hm, *_rest in ROWS:   # the minutes are never shown, the hour is
        assert hm not in items_html
    assert "03/11 9 h (2)" in items_html and "05/11 14 h" in items_html
    # The officer codes are the centre's (not a citizen's) and stay on its page; see the annex test for the PDF.
    assert "CB01" in items_html


# --- the steps, per role --------------------------------------------------------------------------------------

def test_the_commune_acknowledges_writes_an_action_and_closes_only_after_writing_one(city):
    url, app = city
    clear_steps(app)
    s, _ = session(url, "xa-an")
    key = "xa-an-01|Q1|2026-11-02"
    assert act(s, url, "xa-an", key, "acknowledge").status_code == 302
    assert "Đã tiếp nhận" in page_items(s.get(url + "/unit/xa-an/?from=01/11/2026&to=30/11/2026").text)[key]["cells"][7]
    early = act(s, url, "xa-an", key, "close")
    assert early.status_code == 400 and "write the action taken before closing" in early.text
    assert act(s, url, "xa-an", key, "action", "   ").status_code == 400
    r = act(s, url, "xa-an", key, "action", "Họp rút kinh nghiệm với công chức quầy 1 ngày 06/11")
    assert r.status_code == 302 and r.headers["Location"].endswith("/unit/xa-an/#actions")
    assert act(s, url, "xa-an", key, "close").status_code == 302
    row = page_items(s.get(url + "/unit/xa-an/?from=01/11/2026&to=30/11/2026").text)[key]
    assert row["cells"][7] == "Đã khắc phục 10/12/2026" and "Họp rút kinh nghiệm" in row["cells"][8]
    again = act(s, url, "xa-an", key, "action", "changed")
    assert again.status_code == 400 and "closed" in again.text


def test_a_step_on_nothing_or_on_another_units_item_is_refused_saying_why(city):
    url, app = city
    s, _ = session(url, "xa-an")
    for key, words in (("xa-binh-01|Q1|2026-11-02", "not an item of this unit"),
                       ("xa-an-01|Q1|2026-11-03", "not an item of this unit"),   # not a Monday
                       ("xa-an-01|Q9|2026-11-02", "no low rating at counter 'Q9'"),
                       ("nonsense", "is not an item")):
        r = act(s, url, "xa-an", key, "acknowledge")
        assert r.status_code == 400 and words in r.text, (key, r.text)
    assert act(s, url, "xa-an", "xa-an-01|Q1|2026-11-02", "delete").status_code == 400


def test_the_centre_acts_on_its_own_the_city_reads_and_another_commune_is_refused(city):
    url, app = city
    clear_steps(app)
    centre, _ = session(url, "tt-xa-an")
    assert act(centre, url, "tt-xa-an", "xa-an-01|Q2|2026-11-02", "acknowledge").status_code == 302
    city_s, _ = session(url, "so-noi-vu")
    html = city_s.get(url + "/unit/xa-an/?from=01/11/2026&to=30/11/2026").text
    assert "xa-an-01|Q2|2026-11-02" in page_items(html) and 'name="step"' not in html and "actions-read-only" in html
    assert act(city_s, url, "xa-an", "xa-an-01|Q1|2026-11-02", "acknowledge").status_code == 403
    other, _ = session(url, "xa-binh")
    assert other.get(url + "/unit/xa-an/").status_code == 403
    page = other.get(url + "/unit/xa-binh/").text
    r = other.post(url + "/unit/xa-an/actions/", data={"csrfmiddlewaretoken": csrf(page), "item": "xa-an-01|Q1|2026-11-02",
                                                       "step": "acknowledge"}, headers={"Referer": url + "/"},
                   allow_redirects=False)
    assert r.status_code == 403
    stranger = requests.post(url + "/unit/xa-an/actions/", data={"item": "x", "step": "acknowledge"}, allow_redirects=False)
    assert stranger.status_code in (302, 403)


# --- alerts ------------------------------------------------------------------------------------------------

def test_an_overdue_item_alerts_until_it_is_closed(city):
    url, app = city
    clear_steps(app)
    from central.dashboard import alerts
    from central.source import Source

    def overdue():
        found = in_service(app, lambda: alerts(Source(app.runtime.alias), ["xa-an-01", "xa-binh-01"], NOW, {}))
        return {a.subject: a.figures for a in found if a.kind == "actions_overdue"}
    got = overdue()
    late = lambda k: [i for key, i in expected_items({k}).items() if i["due"] < NOW.date()]  # noqa: E731
    assert got == {k: {"overdue": len(late(k)), "due": f"{min(i['due'] for i in late(k)):%d/%m/%Y}"}
                   for k in ("xa-an-01", "xa-binh-01")}
    s, _ = session(url, "so-noi-vu")
    assert "việc cần khắc phục quá hạn" in s.get(url + "/kiosks/").text
    commune, _ = session(url, "xa-binh")
    assert act(commune, url, "xa-binh", "xa-binh-01|Q1|2026-11-02", "action", "Gọi lại người dân qua đường dây nóng").status_code == 302
    assert act(commune, url, "xa-binh", "xa-binh-01|Q1|2026-11-02", "close").status_code == 302
    assert set(overdue()) == {"xa-an-01"}


def test_a_plans_deadline_alerts_from_30_days_before_and_the_page_shows_the_days_left(city):
    url, app = city
    from central.dashboard import alerts
    from central.source import Source
    before = datetime(2026, 11, 1, 9, tzinfo=TZ)   # 11 days before 12/11
    found = in_service(app, lambda: alerts(Source(app.runtime.alias), ["xa-an-01", "xa-binh-01"], before, {}))
    deadline = {(a.kind, a.subject): a.figures for a in found if a.kind.startswith("deadline_")}
    assert deadline == {("deadline_bao_cao_tu_danh_gia", "Xã An"): {"days": 11, "due": "12/11/2026"},
                        ("deadline_bao_cao_tu_danh_gia", "Xã Bình"): {"days": 11, "due": "12/11/2026"}}
    at_now = in_service(app, lambda: alerts(Source(app.runtime.alias), ["xa-an-01"], NOW, {}))
    assert not [a for a in at_now if a.kind.startswith("deadline_")]   # 15/02/2027 is 67 days away
    s, _ = session(url, "xa-an")
    html = s.get(url + "/unit/xa-an/").text
    assert re.search(r'data-key="dang_ky_muc">[^<]*15/02[^<]*: <strong>15/02/2027</strong> — <span class="left">còn 67 ngày', html)
    assert 'data-key="bao_cao_tu_danh_gia">' in html and "12/11/2027" in html


# --- the II.7 annex -------------------------------------------------------------------------------------------

def pdftotext(data: bytes, tmp_path, name="r.pdf") -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def ii7(url, unit, d_from, d_to, fmt):
    r = requests.get(f"{url}/v1/reports/ii7?unit={unit}&from={d_from}&to={d_to}&format={fmt}", headers=AUTH, timeout=60)
    assert r.status_code == 200, r.text
    return r


def test_the_ii7_pdf_and_workbook_carry_the_annex_of_the_periods_items_and_actions(city, tmp_path):
    url, app = city
    clear_steps(app)
    s, _ = session(url, "xa-an")
    act(s, url, "xa-an", "xa-an-01|Q2|2026-11-02", "action", "Bổ sung bảng hướng dẫn tại quầy 2")
    text = pdftotext(ii7(url, "xa-an", "2026-11-01", "2026-11-30", "pdf").content, tmp_path)
    annex = text[text.index("Phụ lục: Việc cần khắc phục"):]
    want = expected_items({"xa-an-01"}, date(2026, 11, 1), date(2026, 11, 30))
    assert len(want) == 3   # the week of 30/11 arose in December: not in November's annex
    for key, it in want.items():
        assert f"{it['due']:%d/%m/%Y}" in annex
    assert "Bổ sung bảng hướng dẫn" in annex and "Quá hạn" in annex and "01/12/2026" not in annex.split("Mỗi dòng")[0]
    assert "CB01" not in annex and not any(vote_uuid("xa-an-01", n) in text for n in range(1, 20))
    model = ii7(url, "xa-an", "2026-11-01", "2026-11-30", "json").json()
    assert [(a["low"], a["due"]) for a in model["actions"]] == [
        (it["low"], f"{it['due']:%d/%m/%Y}") for it in sorted(want.values(), key=lambda it: it["due"])]
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(ii7(url, "xa-an", "2026-11-01", "2026-11-30", "xlsx").content))
    sheet = wb["Phụ lục - Việc cần khắc phục"]
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Phụ lục: Việc cần khắc phục"
    assert sum(1 for row in values if isinstance(row[3], int)) == 3


def test_a_period_without_low_ratings_has_no_annex(city, tmp_path):
    url, app = city
    text = pdftotext(ii7(url, "xa-an", "2026-10-01", "2026-10-31", "pdf").content, tmp_path)
    assert "Phụ lục: Việc cần khắc phục" not in text
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(ii7(url, "xa-an", "2026-10-01", "2026-10-31", "xlsx").content))
    assert "Phụ lục - Việc cần khắc phục" not in wb.sheetnames
    assert ii7(url, "xa-an", "2026-10-01", "2026-10-31", "json").json()["actions"] == []


# --- the evidence bundle ---------------------------------------------------------------------------------------

def test_one_click_makes_the_evidence_bundle_with_every_table_code_vote_list_digest_and_the_annex(city, tmp_path):
    url, app = city
    s, _ = session(url, "xa-an")
    html = s.get(url + "/unit/xa-an/").text
    assert 'href="/unit/xa-an/minh-chung/2026.zip"' in html
    r = s.get(url + "/unit/xa-an/minh-chung/2026.zip")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    assert r.headers["Content-Disposition"] == 'attachment; filename="minh-chung-II7-xa-an-2026.zip"'
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert z.testzip() is None
    slugs = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026"]
    tables = {f"II7-xa-an-{p}.{f}" for p in slugs for f in ("xlsx", "pdf")}
    assert set(z.namelist()) == tables | {"ket-qua-phieu-khao-sat-xa-an-2026.json", "ma-kiem-tra-xa-an-2026.csv",
                                          "phieu-xa-an-2026.csv", "phieu-xa-an-2026.sha256.txt",
                                          "phu-luc-viec-can-khac-phuc-xa-an-2026.csv", "README.txt"}
    readme = z.read("README.txt").decode()
    codes = {row[0]: row[1] for row in csv.reader(io.StringIO(z.read("ma-kiem-tra-xa-an-2026.csv").decode("utf-8-sig")))}
    for name in sorted(tables - {"README.txt"}):
        assert f"- {name}:" in readme
    import openpyxl
    for p, label in zip(slugs, ["Quý I năm 2026", "Quý II năm 2026", "Quý III năm 2026", "Quý IV năm 2026", "Năm 2026"]):
        code = codes[label]
        assert re.fullmatch(r"[0-9A-Z-]{6,16}", code) and f"{label}: {code}" in readme
        assert f"Mã kiểm tra: {code}" in pdftotext(z.read(f"II7-xa-an-{p}.pdf"), tmp_path, f"{p}.pdf")
        wb = openpyxl.load_workbook(io.BytesIO(z.read(f"II7-xa-an-{p}.xlsx")))
        assert any(code in str(c) for row in wb.worksheets[0].iter_rows(values_only=True) for c in row if c)
    # The vote list: every vote of the commune's kiosk in 2026, its file digest, and the Kiểm chứng digest
    # (SHA-256 of the hash column, a line each, by kiosk then seq) recomputed here from the list itself.
    votes = list(csv.DictReader(io.StringIO(z.read("phieu-xa-an-2026.csv").decode("utf-8-sig"))))
    assert len(votes) == sum(1 for row in ROWS if row[0] == "xa-an-01")
    assert not any(row["kiosk_id"] != "xa-an-01" for row in votes)
    hashes = "".join(v["hash"] + "\n" for v in sorted(votes, key=lambda v: (v["kiosk_id"], int(v["seq"]))))
    digests = z.read("phieu-xa-an-2026.sha256.txt").decode()
    assert hashlib.sha256(hashes.encode()).hexdigest() in digests
    assert f"{hashlib.sha256(z.read('phieu-xa-an-2026.csv')).hexdigest()}  phieu-xa-an-2026.csv" in digests
    annex = list(csv.reader(io.StringIO(z.read("phu-luc-viec-can-khac-phuc-xa-an-2026.csv").decode("utf-8-sig"))))
    want = expected_items({"xa-an-01"}, date(2026, 1, 1), date(2026, 12, 31))
    assert annex[0][:4] == ["STT", "Quầy", "Tuần", "Số phiếu KHL + RKHL"] and len(annex) == 1 + len(want)
    assert sorted(int(row[3]) for row in annex[1:]) == sorted(it["low"] for it in want.values())
    assert json.loads(z.read("ket-qua-phieu-khao-sat-xa-an-2026.json")) == []


def test_the_bundle_is_the_communes_and_the_citys_and_only_for_a_year_that_has_begun(city):
    url, app = city
    city_s, _ = session(url, "so-noi-vu")
    assert city_s.get(url + "/unit/xa-an/minh-chung/2026.zip").status_code == 200
    other, _ = session(url, "xa-binh")
    assert other.get(url + "/unit/xa-an/minh-chung/2026.zip").status_code == 403
    s, _ = session(url, "xa-an")
    assert s.get(url + "/unit/xa-an/minh-chung/2027.zip").status_code == 404
    assert s.get(url + "/unit/xa-an/minh-chung/2019.zip").status_code == 404
    assert requests.get(url + "/unit/xa-an/minh-chung/2026.zip", allow_redirects=False).status_code in (302, 403)

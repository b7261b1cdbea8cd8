"""Sample size and margins on the central service (issue 18): GET /v1/reports/overview, the overview page and
the alerts, over real HTTP on SQLite and PostgreSQL. Every interval, rank and verdict expected here is computed
again from the raw levels stored (tests.helpers.intervals: the textbook formula), never by the service's code."""

from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from tests.helpers.intervals import shown_rate, straddles, textbook_verdict, textbook_wilson, vn
from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_postgresql, fresh_sqlite, postgres_server  # noqa: F401
from tests.test_central_web import session

TZ = timezone(timedelta(hours=7))
FIRST = date(2026, 11, 2)   # a Monday: the votes fall on 02..07/11/2026
SAT, LOW = ("RHL", "HL"), ("BT", "KHL", "RKHL")
# commune id -> (name, levels of its counted votes): the edges of issue 18
COMMUNES = {
    "xa-khong-phieu": ("Xã Không Phiếu", []),                               # 0 votes
    "xa-mot-phieu": ("Xã Một Phiếu", ["RHL"]),                              # 1 vote, 100 %
    "xa-hai-chin": ("Xã Hai Chín", ["HL"] * 29),                            # one below the minimum
    "xa-du-mau": ("Xã Đủ Mẫu", ["RHL"] * 30),                              # exactly the minimum, all satisfied
    "xa-chua-hai-long": ("Xã Chưa Hài Lòng", ["KHL"] * 30),                # none satisfied
    "xa-lon": ("Xã Lớn", ["HL"] * 412 + ["BT"] * 54),                     # 88,4 %: straddles 90
    "xa-vua": ("Xã Vừa", ["RHL"] * 95 + ["RKHL"] * 5),
    "xa-bang-vua": ("Xã Bằng Vừa", ["HL"] * 190 + ["KHL"] * 10),          # the same rate as Xã Vừa: by name
}
# The test registry's centre (tests.sync_helpers.write_registry), without a commune above it: a line of its own.
LISTED = {**COMMUNES, "trung-tam-xa-thu-nghiem": ("Trung tâm xã Thử nghiệm", [])}


def chained(kiosk: str, levels: list[str]) -> list[dict]:
    from rating.chain import GENESIS_HASH, VOTES
    from rating.wire import check_vote
    out, prev = [], GENESIS_HASH
    for i, level in enumerate(levels):
        day = FIRST + timedelta(days=i % 6)
        at = datetime(day.year, day.month, day.day, 8 + (i // 6) % 9, (i // 54) % 60, i % 60, tzinfo=TZ)
        v = {"seq": i + 1, "uuid": str(uuidlib.UUID(int=hash((kiosk, i)) % 2**128, version=4)), "kiosk_id": kiosk,
             "counter_id": "Q1", "officer": "CB01", "level": level, "scale": "sipas5", "source": "touch",
             "local_time": at.isoformat(timespec="milliseconds"), "box_seq": None, "flag": None, "prev_hash": prev}
        v["hash"] = prev = VOTES.hash(v)
        out.append(check_vote(v, kiosk, i))
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def city(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    db = fresh_sqlite(folder) if request.param == "sqlite" else fresh_postgresql(request.getfixturevalue("postgres_server"))
    with central_service(folder, db=db) as (url, app):
        from central import ingest
        from central.accounts import add_user
        from central.demo import DEMO_PASSWORD
        from central.models import Kiosk, Unit
        from central.runtime import activate, deactivate
        token = activate(app.runtime)
        try:
            top = Unit.objects.create(id="hai-phong", kind="city", name="Thành phố Hải Phòng")
            now = datetime(2026, 11, 8, 12, tzinfo=timezone.utc)
            for cid, (name, levels) in COMMUNES.items():
                commune = Unit.objects.create(id=cid, kind="commune", name=name, parent=top)
                centre = Unit.objects.create(id=f"tt-{cid}", kind="centre", name=f"Trung tâm {name}", parent=commune)
                Kiosk.objects.create(id=f"{cid}-01", centre=centre, secret=f"secret-{cid}-0123456789")
                if levels:
                    ingest.ingest(app.runtime.alias, f"{cid}-01", chained(f"{cid}-01", levels), [],
                                  [{"id": "Q1", "name": "Quầy 1"}], None, now, int(now.timestamp()))
            add_user("so-noi-vu", "city", None, DEMO_PASSWORD)
            add_user("xa-lon", "commune", "xa-lon", DEMO_PASSWORD)
            add_user("tt-xa-vua", "centre", "tt-xa-vua", DEMO_PASSWORD)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app


def expected_units(ids=LISTED) -> list[dict]:
    """The contract's units, from the raw levels alone: ranked by the printed rate (then name), then the
    ones below 30 by N (then name)."""
    rows = []
    for cid in ids:
        name, levels = LISTED[cid]
        n, x = len(levels), sum(1 for lv in levels if lv in SAT)
        lo, hi = textbook_wilson(x, n) or (None, None)
        rows.append({"unit": cid, "name": name, "n": n, "satisfied_pct": shown_rate(x, n), "ci_low": lo, "ci_high": hi,
                     "target_pct": 90.0, "verdict": textbook_verdict(x, n, 90), "uncertain": n >= 30 and straddles(x, n, 90),
                     "rank": None, "served": None, "response_pct": None})
    ranked = sorted((r for r in rows if r["n"] >= 30), key=lambda r: (-r["satisfied_pct"], r["name"]))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
    return ranked + sorted((r for r in rows if r["n"] < 30), key=lambda r: (-r["n"], r["name"]))


def test_the_overview_report_gives_every_unit_its_n_interval_verdict_and_rank(city):
    url, _ = city
    r = requests.get(url + "/v1/reports/overview?from=2026-11-01&to=2026-11-30",
                     headers={"Authorization": f"Bearer {REPORT_TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.json() == {"from": "2026-11-01", "to": "2026-11-30", "min_n": 30, "units": expected_units()}
    one = next(u for u in r.json()["units"] if u["unit"] == "xa-mot-phieu")
    assert (one["satisfied_pct"], one["rank"], one["verdict"]) == (100.0, None, "chua_du_mau")   # never first


def test_each_account_sees_its_own_units_in_the_overview_report(city):
    url, _ = city
    s, _ = session(url, "xa-lon")
    assert s.get(url + "/v1/reports/overview?from=2026-11-01&to=2026-11-30").json()["units"] == expected_units(["xa-lon"])
    s, _ = session(url, "tt-xa-vua")   # a centre account: its centre's own line
    units = s.get(url + "/v1/reports/overview?from=2026-11-01&to=2026-11-30").json()["units"]
    assert [(u["unit"], u["n"], u["rank"]) for u in units] == [("tt-xa-vua", 100, 1)]
    s, _ = session(url, "so-noi-vu")
    assert len(s.get(url + "/v1/reports/overview?from=2026-11-01&to=2026-11-30").json()["units"]) == len(LISTED)


@pytest.mark.parametrize("query,status,words", [
    ("from=2026-11-01&to=2026-11-30", 401, "Bearer"),
    ("to=2026-11-30", 400, "from=YYYY-MM-DD"),
    ("from=01/11/2026&to=2026-11-30", 400, "YYYY-MM-DD"),
    ("from=2026-11-30&to=2026-11-01", 400, "forwards"),
    ("from=2026-11-01&to=2026-11-30&unit=x", 400, "unknown parameter"),
])
def test_a_bad_overview_request_is_refused_with_a_reason(city, query, status, words):
    url, _ = city
    headers = {} if status == 401 else {"Authorization": f"Bearer {REPORT_TOKEN}"}
    r = requests.get(url + "/v1/reports/overview?" + query, headers=headers)
    assert r.status_code == status and words in r.text and "Traceback" not in r.text


def test_the_overview_page_shows_too_few_votes_unranked_and_the_interval_in_words(city):
    url, _ = city
    s, _ = session(url, "so-noi-vu")
    page = s.get(url + "/?from=01/11/2026&to=30/11/2026").text
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    by_name = {next(n for n, _ in LISTED.values() if f">{n}<" in row): row for row in rows}
    lo, hi = textbook_wilson(412, 466)
    assert f"88,4 % ({vn(lo)}–{vn(hi)})" in by_name["Xã Lớn"] and "Chưa đạt (chưa chắc chắn)" in by_name["Xã Lớn"]
    assert "Chưa đủ mẫu" in by_name["Xã Một Phiếu"] and "100,0" not in by_name["Xã Một Phiếu"]
    assert '<td class="num">—</td>' in by_name["Xã Một Phiếu"]   # no rank
    assert [LISTED[u["unit"]][0] for u in expected_units()] == \
        [next(n for n, _ in LISTED.values() if f">{n}<" in row) for row in rows]
    assert "Wilson" in page


def test_an_alert_never_fires_on_a_week_below_target_with_too_few_votes(city):
    from central.dashboard import alerts
    from central.source import Source
    from central.runtime import activate, deactivate
    url, app = city
    token = activate(app.runtime)
    try:
        now = datetime(2026, 11, 9, 3, tzinfo=timezone.utc)   # the week before: 02..08/11
        kiosks = [f"{cid}-01" for cid in COMMUNES]
        got = {a.subject: a for a in alerts(Source(app.runtime.alias), kiosks, now, {}, 30) if a.kind == "below_target"}
        # below 90 %: Xã Hai Chín? no (100 %); Xã Một Phiếu 100 %; Xã Chưa Hài Lòng 0 % of 30; Xã Lớn 88,4 % of 466
        assert set(got) == {"xa-chua-hai-long-01", "xa-lon-01"}
        assert "(chưa chắc chắn)" in got["xa-lon-01"].detail and "466" in got["xa-lon-01"].detail
        assert "chưa chắc chắn" not in got["xa-chua-hai-long-01"].detail
        # one vote fewer than the minimum: silent
        assert not [a for a in alerts(Source(app.runtime.alias), kiosks, now, {}, 31) if a.subject == "xa-chua-hai-long-01"
                    and a.kind == "below_target"]
    finally:
        deactivate(token)


def test_in_a_browser_the_overview_shows_too_few_votes_with_n_and_the_interval(city, tmp_path):
    from selenium.webdriver.common.by import By
    from tests.test_central_browser import log_in, open_browser, shot
    url, app = city
    for browser in open_browser(tmp_path, "vi"):
        log_in(browser, url, "so-noi-vu")
        browser.get(url + "/?from=01/11/2026&to=30/11/2026")
        rows = {r.find_element(By.TAG_NAME, "a").text: r for r in
                browser.find_element(By.ID, "overview").find_elements(By.CSS_SELECTOR, "tbody tr")}
        one = rows["Xã Một Phiếu"].find_elements(By.TAG_NAME, "td")
        assert (one[0].text, one[2].text, one[4].text) == ("—", "Chưa đủ mẫu", "1")   # unranked, its N shown
        big = rows["Xã Lớn"].find_elements(By.TAG_NAME, "td")
        lo, hi = textbook_wilson(412, 466)
        assert big[2].text == f"88,4 % ({vn(lo)}–{vn(hi)})" and big[4].text == "466"
        assert big[6].text == "Chưa đạt (chưa chắc chắn)"
        assert "Wilson" in browser.find_element(By.ID, "method").text
        shot(browser, "overview-margins")

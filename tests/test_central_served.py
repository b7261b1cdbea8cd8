"""Served transactions and the response rate (issue 18): the CSV contract read from bytes alone, the response
rate's edges, ``POST /v1/served`` over real HTTP on SQLite and PostgreSQL, the served page's grid and upload
(requests with the CSRF token), the commune's token from the page and the CLI, and the response rate on the
overview report, the pages and the II.7 model. Every expected response rate is computed here again from the
raw votes the test sent and the numbers it posted (:func:`expected_response`), never by the service's code."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid as uuidlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from rating.rate import ResponseFlag, response_flag, response_pct
from rating.served import parse
from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_postgresql, fresh_sqlite, postgres_server  # noqa: F401
from tests.test_central_web import session

ROOT = Path(__file__).resolve().parents[1]
TZ = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 10, 9, tzinfo=TZ)   # the service's clock: a Tuesday after the votes
FIRST = date(2026, 11, 2)                    # the votes fall on Monday 02 .. Saturday 07/11/2026
SAT = ("RHL", "HL")
AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}
# kiosk -> (counter -> levels per day, 6 days): the raw votes, the only source of the expected figures
VOTES = {
    "xa-an-01": {"Q1": ["RHL", "HL", "HL", "BT", "HL", "RHL", "KHL", "HL"], "Q2": ["HL", "RKHL", "RHL"]},
    "xa-binh-01": {"Q1": ["HL"] * 7},
}
REPEATS = {"xa-an-01": "Q1"}   # one flagged repeat a day at this counter: never counted, never a response


# --- the CSV contract, from bytes alone ------------------------------------------------------------------

def test_a_good_served_file_is_read_with_its_line_numbers():
    rows, problems = parse(b"\xef\xbb\xbfdate,kiosk,counter,served\r\n2026-11-02,xa-an-01,Q1,40\r\n\r\n"
                           b"03/11/2026,xa-an-01,Q2,0\n", today=date(2026, 11, 10))
    assert problems == []
    assert [(r.day, r.kiosk, r.counter, r.served, r.line) for r in rows] == [
        (date(2026, 11, 2), "xa-an-01", "Q1", 40, 2), (date(2026, 11, 3), "xa-an-01", "Q2", 0, 4)]


def test_every_bad_line_of_a_served_file_is_refused_with_its_number_and_why():
    body = "\n".join([
        "date,kiosk,counter,served",
        "2026-11-02,xa-an-01,Q1,40",     # 2: good
        "2026-02-30,xa-an-01,Q1,4",      # 3: no such day
        "2026-11-11,xa-an-01,Q1,4",      # 4: after today
        "2026-11-03,xa-an-01,Q1,-4",     # 5: negative
        "2026-11-03,xa-an-01,Q1,4.5",    # 6: not whole
        "2026-11-03,xa-an-01,Q1",        # 7: three fields
        "2026-11-02,xa-an-01,Q1,41",     # 8: the same cell as line 2
        "2026-11-03,xa an,Q1,4",         # 9: not an id
        "2026-11-03,xa-an-01,Q1,100001",  # 10: too many for a counter in a day
        "2019-12-31,xa-an-01,Q1,4",      # 11: before any kiosk
    ]).encode()
    rows, problems = parse(body, today=date(2026, 11, 10))
    assert [r.line for r in rows] == [2]
    got = {p.line: p.reason for p in problems}
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "2026-02-30" in got[3] and "after today" in got[4] and "whole number" in got[5] and "whole number" in got[6]
    assert "3 field(s)" in got[7] and "line 2" in got[8] and "kiosk" in got[9] and "100,000" in got[10]
    assert "before 2020" in got[11]


@pytest.mark.parametrize("body,line,words", [
    (b"", 1, "header"),
    (b"day,kiosk,counter,n\n2026-11-02,k,Q1,4\n", 1, "header date,kiosk,counter,served"),
    (b"date,kiosk,counter,served\n2026-11-02,k,Q1,4\n2026-11-03,k\xff,Q1,4\n", 3, "UTF-8"),
    (b"date,kiosk,counter,served\n2026-11-02,k,Q1,\"4\n", 2, "CSV"),
    (b"date,kiosk,counter,served\n2026-11-02,k\x00,Q1,4\n", 2, "not an id"),
])
def test_a_file_that_is_not_the_served_csv_is_refused_at_its_line(body, line, words):
    _, problems = parse(body, today=date(2026, 11, 10))
    assert problems and problems[0].line == line and words in problems[0].reason


# --- the response rate's one definition, at its edges -----------------------------------------------------

@pytest.mark.parametrize("votes,served,pct,flag", [
    (0, None, None, None),                       # no served number: no rate, nothing to say
    (5, 0, None, ResponseFlag.MORE_VOTES),       # votes against no transaction
    (0, 0, None, None),
    (0, 40, 0.0, ResponseFlag.NOT_REPRESENTATIVE),
    (1, 11, 9.1, ResponseFlag.NOT_REPRESENTATIVE),
    (199, 1999, 10.0, None),                     # 9,95 % is printed 10,0 %: as printed, not below
    (1, 10, 10.0, None),                         # exactly 10 %: representative
    (40, 40, 100.0, None),                       # exactly 100 %
    (2001, 2000, 100.1, ResponseFlag.MORE_VOTES),
    (3, 8, 37.5, None),
])
def test_the_response_rate_is_votes_per_served_transaction_flagged_in_words_below_10_and_above_100(votes, served, pct, flag):
    assert response_pct(votes, served) == pct and response_flag(votes, served) == flag


# --- the service ------------------------------------------------------------------------------------------

def chained(kiosk: str) -> list[dict]:
    """The kiosk's votes (VOTES, with a flagged repeat a day where REPEATS says), chained and checked."""
    from rating.chain import GENESIS_HASH, VOTES as CHAIN
    from rating.wire import check_vote
    out, prev, seq = [], GENESIS_HASH, 0
    for d in range(6):
        day = FIRST + timedelta(days=d)
        plan = [(c, lv, None) for c, levels in VOTES[kiosk].items() for lv in levels]
        if kiosk in REPEATS:
            plan.append((REPEATS[kiosk], "RHL", "repeat"))
        for i, (counter, level, flag) in enumerate(plan):
            seq += 1
            at = datetime(day.year, day.month, day.day, 8 + i // 6, i % 60, 0, tzinfo=TZ)
            v = {"seq": seq, "uuid": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"{kiosk}/{seq}")), "kiosk_id": kiosk,
                 "counter_id": counter, "officer": "CB01", "level": level, "scale": "sipas5", "source": "touch",
                 "local_time": at.isoformat(timespec="milliseconds"), "box_seq": None, "flag": flag, "prev_hash": prev}
            v["hash"] = prev = CHAIN.hash(v)
            out.append(check_vote(v, kiosk, seq - 1))
    return out


def expected_response(served: dict[tuple[str, str, str], int], kiosks=None, counter=None) -> tuple[int | None, float | None]:
    """(served, response_pct) from the raw votes and the numbers given: counted votes (no repeat) of the cells
    (kiosk, day, counter) that have a number, per transaction, rounded half up; (None, None) without numbers."""
    cells = {k: n for k, n in served.items() if (kiosks is None or k[0] in kiosks) and (counter is None or k[2] == counter)}
    if not cells:
        return None, None
    votes = sum(len(VOTES[k][c]) for (k, day, c) in cells if c in VOTES.get(k, {})
                and FIRST <= date.fromisoformat(day) < FIRST + timedelta(days=6))
    total = sum(cells.values())
    if not total:
        return 0, None
    tenths, rest = divmod(1000 * votes, total)
    return total, (tenths + (2 * rest >= total)) / 10


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def city(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    db = fresh_sqlite(folder) if request.param == "sqlite" else fresh_postgresql(request.getfixturevalue("postgres_server"))
    with central_service(folder, db=db, clock=lambda: NOW.timestamp()) as (url, app):
        from central import ingest
        from central.accounts import add_user
        from central.demo import DEMO_PASSWORD
        from central.models import Kiosk, Unit
        from central.runtime import activate, deactivate
        from central.served import new_token
        token = activate(app.runtime)
        try:
            top = Unit.objects.create(id="hai-phong", kind="city", name="Thành phố Hải Phòng")
            tokens = {}
            for cid, name in (("xa-an", "Xã An"), ("xa-binh", "Xã Bình")):
                commune = Unit.objects.create(id=cid, kind="commune", name=name, parent=top)
                centre = Unit.objects.create(id=f"tt-{cid}", kind="centre", name=f"Trung tâm {name}", parent=commune)
                kiosk = f"{cid}-01"
                Kiosk.objects.create(id=kiosk, centre=centre, secret=f"secret-{cid}-0123456789")
                ingest.ingest(app.runtime.alias, kiosk, chained(kiosk), [],
                              [{"id": c, "name": f"Quầy {c[1:]}"} for c in VOTES[kiosk]], None, NOW, int(NOW.timestamp()))
                tokens[cid] = new_token(commune, "test", NOW)
            add_user("so-noi-vu", "city", None, DEMO_PASSWORD)
            add_user("xa-an", "commune", "xa-an", DEMO_PASSWORD)
            add_user("tt-xa-an", "centre", "tt-xa-an", DEMO_PASSWORD)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app, tokens, db


def post(url, token, body: str):
    return requests.post(url + "/v1/served", data=body.encode(), timeout=30,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})


def held(app) -> dict[tuple[str, str, str], int]:
    """The served numbers the service holds, read from its table."""
    from django.db import connections
    with connections[app.runtime.alias].cursor() as cur:
        cur.execute("SELECT kiosk_id, local_date, counter_id, served FROM served_counts")
        rows = {(k, d, c): n for k, d, c, n in cur.fetchall()}
    connections[app.runtime.alias].close()
    return rows


def clear(app) -> None:
    from tests.sync_helpers import server_execute
    server_execute(app, "DELETE FROM served_counts")


def overview_units(url) -> dict[str, dict]:
    r = requests.get(url + "/v1/reports/overview?from=2026-11-01&to=2026-11-30", headers=AUTH, timeout=30)
    assert r.status_code == 200, r.text
    return {u["unit"]: u for u in r.json()["units"]}


def test_without_served_numbers_the_response_rate_is_null_and_a_dash(city):
    url, app, _, _ = city
    clear(app)
    assert {(u["served"], u["response_pct"]) for u in overview_units(url).values()} == {(None, None)}
    s, _ = session(url, "xa-an")
    page = s.get(url + "/unit/xa-an/?from=01/11/2026&to=30/11/2026").text
    assert re.search(r'id="unit-response">—<', page)


def test_a_communes_one_stop_system_posts_its_served_numbers_and_the_overview_gives_the_response_rate(city):
    url, app, tokens, _ = city
    clear(app)
    lines = ["date,kiosk,counter,served"]
    numbers = {}
    for d in range(5):   # Q1 on five of the six days, Q2 on two: the votes of the other cells are left out
        day = (FIRST + timedelta(days=d)).isoformat()
        numbers[("xa-an-01", day, "Q1")] = 20 + d
        if d < 2:
            numbers[("xa-an-01", day, "Q2")] = 4
    lines += [f"{d},{k},{c},{n}" for (k, d, c), n in numbers.items()]
    r = post(url, tokens["xa-an"], "\n".join(lines) + "\n")
    assert r.status_code == 200, r.text
    assert r.json() == {"unit": "xa-an", "lines": len(numbers), "stored": len(numbers), "replaced": 0}
    assert held(app) == numbers
    units = overview_units(url)
    assert (units["xa-an"]["served"], units["xa-an"]["response_pct"]) == expected_response(numbers) == (118, 39.0)
    assert (units["xa-binh"]["served"], units["xa-binh"]["response_pct"]) == (None, None)


def test_a_re_post_replaces_the_days_number_and_changes_nothing_else(city):
    url, app, tokens, _ = city
    clear(app)
    body = "date,kiosk,counter,served\n2026-11-02,xa-binh-01,Q1,70\n2026-11-03,xa-binh-01,Q1,70\n"
    assert post(url, tokens["xa-binh"], body).json()["stored"] == 2
    again = post(url, tokens["xa-binh"], body)   # the same file twice: nothing changes
    assert again.json() == {"unit": "xa-binh", "lines": 2, "stored": 0, "replaced": 2}
    r = post(url, tokens["xa-binh"], "date,kiosk,counter,served\n2026-11-03,xa-binh-01,Q1,5\n")
    assert r.json()["replaced"] == 1
    numbers = {("xa-binh-01", "2026-11-02", "Q1"): 70, ("xa-binh-01", "2026-11-03", "Q1"): 5}
    assert held(app) == numbers
    unit = overview_units(url)["xa-binh"]
    assert (unit["served"], unit["response_pct"]) == expected_response(numbers) == (75, 18.7)


def test_a_file_with_bad_lines_is_refused_line_by_line_and_nothing_is_stored(city):
    url, app, tokens, _ = city
    clear(app)
    body = ("date,kiosk,counter,served\n"
            "2026-11-02,xa-an-01,Q1,30\n"       # 2: good, yet not stored: the file is refused whole
            "2026-11-02,xa-an-01,Q9,30\n"       # 3: a counter the kiosk never sent
            "2026-11-31,xa-an-01,Q1,30\n"       # 4: no such day
            "2026-11-03,xa-binh-01,Q1,30\n"     # 5: another commune's kiosk
            "2026-11-03,xa-nowhere-01,Q1,30\n"  # 6: no such kiosk: worded as 5 (nothing learnt of others)
            "2026-11-04,xa-an-01,Q1,many\n")    # 7: not a number
    r = post(url, tokens["xa-an"], body)
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("application/json"), r.text
    answer = r.json()
    assert answer["error"] == "bad_served" and list(answer) == ["error", "reason", "lines"]
    got = {line["line"]: line["reason"] for line in answer["lines"]}
    assert sorted(got) == [3, 4, 5, 6, 7] and "6 line(s)" not in answer["reason"] and "5 line(s)" in answer["reason"]
    assert "'Q9'" in got[3] and "Q1, Q2" in got[3] and "2026-11-31" in got[4] and "whole number" in got[7]
    assert got[5] == "kiosk 'xa-binh-01' is not a kiosk of Xã An"
    assert got[6] == "kiosk 'xa-nowhere-01' is not a kiosk of Xã An"
    assert held(app) == {}


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Bearer {REPORT_TOKEN}", "Basic eGE6eWE=", "Bearer svd_"])
def test_without_a_valid_served_token_nothing_is_stored(city, authorization):
    url, app, _, _ = city
    clear(app)
    headers = {"Authorization": authorization} if authorization else {}
    r = requests.post(url + "/v1/served", data=b"date,kiosk,counter,served\n2026-11-02,xa-an-01,Q1,3\n",
                      headers=headers, timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "bad_token" and "served token" in r.json()["reason"]
    assert held(app) == {}
    assert requests.get(url + "/v1/served", timeout=30).status_code == 405


def test_a_revoked_token_posts_nothing(city):
    from central.models import ServedToken, Unit
    from central.runtime import activate, deactivate
    from central.served import new_token, revoke
    url, app, _, _ = city
    clear(app)
    token = activate(app.runtime)
    try:
        unit = Unit.objects.get(id="xa-an")
        made = new_token(unit, "test", NOW)
        kept = ServedToken.objects.order_by("-id").first()
        assert made not in kept.digest and len(kept.digest) == 64   # only the hash is kept
        assert revoke(unit, kept.id, NOW)
    finally:
        deactivate(token)
    r = post(url, made, "date,kiosk,counter,served\n2026-11-02,xa-an-01,Q1,3\n")
    assert r.status_code == 401 and held(app) == {}


def test_the_cli_makes_a_communes_token_shown_once_that_posts(city):
    url, app, _, db = city
    run = subprocess.run([sys.executable, str(ROOT / "main.py"), "central-served-token", "new", "--unit", "xa-binh",
                          "--db", db], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    token = run.stdout.strip()
    assert token.startswith("svd_") and "\n" not in token and "shown once" in run.stderr
    clear(app)
    assert post(url, token, "date,kiosk,counter,served\n2026-11-02,xa-binh-01,Q1,9\n").status_code == 200
    assert held(app) == {("xa-binh-01", "2026-11-02", "Q1"): 9}
    for unit, words in (("tt-xa-binh", "belongs to a commune"), ("nowhere", "no such commune")):
        run = subprocess.run([sys.executable, str(ROOT / "main.py"), "central-served-token", "new", "--unit", unit,
                              "--db", db], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert run.returncode == 2 and words in run.stderr and "Traceback" not in run.stderr


# --- the page: the week's grid, the upload, the tokens ---------------------------------------------------

def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_the_centre_types_a_week_of_numbers_in_the_grid_and_a_blank_cell_changes_nothing(city):
    url, app, _, _ = city
    clear(app)
    s, _ = session(url, "tt-xa-an")
    form = s.get(url + "/unit/tt-xa-an/served/?week=2026-11-04").text   # any day of the week: its Monday
    assert 'name="n:xa-an-01:Q1:2026-11-02"' in form and 'name="n:xa-an-01:Q2:2026-11-08"' in form
    assert 'name="n:xa-binh-01' not in form and "svd_" not in form and "served-new-token" not in form
    data = {"csrfmiddlewaretoken": csrf(form), "action": "grid", "week": "2026-11-02",
            "n:xa-an-01:Q1:2026-11-02": "30", "n:xa-an-01:Q1:2026-11-03": " 12 ", "n:xa-an-01:Q2:2026-11-02": "0"}
    page = s.post(url + "/unit/tt-xa-an/served/?week=2026-11-02", data=data, headers={"Referer": url + "/"}).text
    assert "Đã lưu: 3 số mới, 0 số thay thế." in page
    numbers = {("xa-an-01", "2026-11-02", "Q1"): 30, ("xa-an-01", "2026-11-03", "Q1"): 12,
               ("xa-an-01", "2026-11-02", "Q2"): 0}
    assert held(app) == numbers
    assert 'name="n:xa-an-01:Q1:2026-11-02" value="30"' in page   # shown back, prefilled
    # The next save leaves the blank cells as they are and replaces the one typed.
    data = {"csrfmiddlewaretoken": csrf(page), "action": "grid", "week": "2026-11-02", "n:xa-an-01:Q1:2026-11-03": "13"}
    assert "0 số mới, 1 số thay thế" in s.post(url + "/unit/tt-xa-an/served/", data=data,
                                                headers={"Referer": url + "/"}).text
    numbers[("xa-an-01", "2026-11-03", "Q1")] = 13
    assert held(app) == numbers
    # The commune's page says it, the counter's too: Q2 has 3 votes against 0 transactions on 02/11.
    unit = s.get(url + "/unit/tt-xa-an/?from=01/11/2026&to=30/11/2026").text
    total, pct = expected_response(numbers)
    assert f'id="unit-response">{str(pct).replace(".", ",")} %<' in unit
    q2 = unit.split('id="counters"')[1].split("</table>")[0].split("<tr>")[3]
    assert "Q2" in q2 and "— (nhiều phiếu hơn giao dịch)" in q2


def test_a_grid_cell_that_cannot_be_read_is_named_and_nothing_is_stored(city):
    url, app, _, _ = city
    clear(app)
    s, _ = session(url, "xa-an")
    form = s.get(url + "/unit/xa-an/served/?week=2026-11-02").text
    data = {"csrfmiddlewaretoken": csrf(form), "action": "grid", "week": "2026-11-02",
            "n:xa-an-01:Q1:2026-11-02": "30", "n:xa-an-01:Q2:2026-11-03": "ba mươi"}
    page = s.post(url + "/unit/xa-an/served/", data=data, headers={"Referer": url + "/"}).text
    assert "xa-an-01 / Q2, 03/11/2026: served &#x27;ba mươi&#x27; is not a whole number" in page
    assert 'value="ba mươi"' in page and held(app) == {}   # what was typed is kept on the page, not lost


def test_a_csv_uploaded_on_the_page_is_stored_or_refused_with_its_line_numbers(city):
    url, app, _, _ = city
    clear(app)
    s, _ = session(url, "xa-an")
    form = s.get(url + "/unit/xa-an/served/").text
    bad = "date,kiosk,counter,served\n02/11/2026,xa-an-01,Q1,30\n2026-11-03,xa-binh-01,Q1,4\n"
    page = s.post(url + "/unit/xa-an/served/", data={"csrfmiddlewaretoken": csrf(form), "action": "upload"},
                  files={"file": ("so-giao-dich.csv", bad.encode(), "text/csv")}, headers={"Referer": url + "/"}).text
    assert "Dòng 3: kiosk &#x27;xa-binh-01&#x27; is not a kiosk of Xã An" in page and held(app) == {}
    good = "\ufeffdate,kiosk,counter,served\n02/11/2026,xa-an-01,Q1,30\n2026-11-03,xa-an-01,Q2,4\n"
    page = s.post(url + "/unit/xa-an/served/", data={"csrfmiddlewaretoken": csrf(page), "action": "upload"},
                  files={"file": ("so-giao-dich.csv", good.encode(), "text/csv")}, headers={"Referer": url + "/"}).text
    assert "Đã lưu: 2 số mới" in page
    assert held(app) == {("xa-an-01", "2026-11-02", "Q1"): 30, ("xa-an-01", "2026-11-03", "Q2"): 4}


def test_a_commune_makes_a_token_on_its_page_shown_once_and_the_city_only_reads(city):
    url, app, _, _ = city
    clear(app)
    s, _ = session(url, "xa-an")
    form = s.get(url + "/unit/xa-an/served/").text
    page = s.post(url + "/unit/xa-an/served/", data={"csrfmiddlewaretoken": csrf(form), "action": "new_token",
                                                     "label": "Một cửa"}, headers={"Referer": url + "/"}).text
    token = re.search(r'id="served-token">(svd_[^<]+)<', page).group(1)
    assert token not in s.get(url + "/unit/xa-an/served/").text   # shown once
    assert post(url, token, "date,kiosk,counter,served\n2026-11-02,xa-an-01,Q1,3\n").status_code == 200
    city_account, _ = session(url, "so-noi-vu")
    read = city_account.get(url + "/unit/xa-an/served/?week=2026-11-02").text
    assert 'name="n:xa-an-01:Q1:2026-11-02" value="3" inputmode="numeric"' in read and "served-upload" not in read
    for action in ("grid", "upload", "new_token"):
        r = city_account.post(url + "/unit/xa-an/served/", data={"csrfmiddlewaretoken": csrf(read), "action": action,
                                                                 "n:xa-an-01:Q1:2026-11-02": "99"},
                              headers={"Referer": url + "/"})
        assert r.status_code == 403, action
    centre, _ = session(url, "tt-xa-an")
    assert centre.get(url + "/unit/xa-binh/served/").status_code == 403
    assert centre.get(url + "/unit/tt-xa-binh/served/").status_code == 403
    assert held(app) == {("xa-an-01", "2026-11-02", "Q1"): 3}


# --- the rate beside every satisfaction rate --------------------------------------------------------------

def test_the_overview_page_shows_the_response_rate_flagged_in_words(city):
    url, app, tokens, _ = city
    clear(app)
    post(url, tokens["xa-an"], "date,kiosk,counter,served\n" + "".join(
        f"{(FIRST + timedelta(days=d)).isoformat()},xa-an-01,Q1,200\n" for d in range(6)))   # 48 / 1200: 4,0 %
    post(url, tokens["xa-binh"], "date,kiosk,counter,served\n2026-11-02,xa-binh-01,Q1,5\n")  # 7 / 5: 140,0 %
    s, _ = session(url, "so-noi-vu")
    page = s.get(url + "/?from=01/11/2026&to=30/11/2026").text
    rows = {name: row for row in page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
            for name in ("Xã An", "Xã Bình") if f">{name}<" in row}
    assert expected_response({("xa-an-01", (FIRST + timedelta(days=d)).isoformat(), "Q1"): 200 for d in range(6)}) == \
        (1200, 4.0)
    assert "4,0 % (chưa đại diện)" in rows["Xã An"] and "140,0 % (nhiều phiếu hơn giao dịch)" in rows["Xã Bình"]
    assert "Tỷ lệ phản hồi" in page and "dưới 10 %" in page


def test_the_ii7_model_gives_the_response_rate_by_counter_day_and_for_the_period(city):
    url, app, tokens, _ = city
    clear(app)
    numbers = {("xa-an-01", "2026-11-02", "Q1"): 16, ("xa-an-01", "2026-11-02", "Q2"): 6,
               ("xa-an-01", "2026-11-03", "Q1"): 8}
    post(url, tokens["xa-an"], "date,kiosk,counter,served\n" + "".join(f"{d},{k},{c},{n}\n" for (k, d, c), n in numbers.items()))
    model = requests.get(url + "/v1/reports/ii7?unit=xa-an&from=2026-11-01&to=2026-11-30&format=json",
                         headers=AUTH, timeout=60).json()
    assert model["response_pct"] == expected_response(numbers)[1] == round(100 * (8 + 3 + 8) / 30, 1)
    by_counter = {r["key"]: r["response_pct"] for r in model["by_counter"]["rows"]}
    assert by_counter == {"Q1": expected_response(numbers, counter="Q1")[1], "Q2": expected_response(numbers, counter="Q2")[1]}
    by_day = {r["key"]: r["response_pct"] for r in model["by_day"]["rows"]}
    assert by_day["2026-11-02"] == 50.0 and by_day["2026-11-03"] == 100.0 and by_day["2026-11-04"] is None
    assert {r["response_pct"] for r in model["by_officer"]["rows"]} == {None}   # no served numbers per officer
    assert any(n.startswith("Tỷ lệ phản hồi") and "63,3 %" in n for n in model["notes"])
    other = requests.get(url + "/v1/reports/ii7?unit=xa-binh&from=2026-11-01&to=2026-11-30&format=json",
                         headers=AUTH, timeout=60).json()
    assert other["response_pct"] is None and not any(n.startswith("Tỷ lệ phản hồi") for n in other["notes"])

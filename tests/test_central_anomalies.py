"""The gaming checks on the real service (issue 18): two real kiosks' stores sync over HTTP — one with a
burst of 50 top ratings in a minute, one with an officer far from the centre's mean — and both findings
are listed with their votes (SQLite and PostgreSQL); who may read and explain them; the explanation in
the II.7 annex. Every expected finding is computed here from the kiosks' raw rows, not by the checks."""

from __future__ import annotations

import math
import re
import sqlite3
from datetime import date, datetime, timedelta

import pytest
import requests

from kiosk.store import VoteStore
from rating.hours import parse_hours
from sync.client import SyncClient
from tests.q_sync_helpers import TZ, kiosk_config
from tests.sync_helpers import REPORT_TOKEN, SECRET, backend_db, central_service, postgres_server  # noqa: F401

D_FROM, D_TO = date(2026, 11, 1), date(2026, 11, 30)
DAY = datetime(2026, 11, 17, 8, 0, tzinfo=TZ)   # a Tuesday
AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}
KIOSKS = (("kiosk-a", "Trung tâm xã An", SECRET), ("kiosk-b", "Trung tâm xã Bình", SECRET))
PASSWORD = "a-Strong-password-2026"


def burst_kiosk(store) -> None:
    """A day of ordinary votes a few minutes apart, then 50 'RHL' at counter Q1 in one minute."""
    levels = ("HL", "RHL", "BT", "HL", "KHL")
    for i in range(40):
        store.record_vote(("Q1", "Q2")[i % 2], levels[i % 5], officer="CB1", at=DAY + timedelta(minutes=4 * i))
    start = DAY.replace(hour=16, minute=55)
    for i in range(50):
        store.record_vote("Q1", "RHL", officer="CB1", at=start + timedelta(milliseconds=1200 * i))
    store.record_vote("Q1", "HL", officer="CB1", at=start + timedelta(minutes=3))


def officer_kiosk(store) -> None:
    """Six officers: five 90 % satisfied, CB6 40 %, 40 votes each."""
    at = DAY
    for i in range(240):
        officer = f"CB{i % 6 + 1}"
        good = (i // 6) % 10 < (9 if officer != "CB6" else 4)
        at += timedelta(minutes=2)
        store.record_vote(("Q1", "Q2")[i % 2], "HL" if good else "KHL", officer=officer, at=at)


def raw_votes(store) -> list[tuple]:
    """The kiosk's own rows: (seq, counter, officer, level, ts_ms, flag)."""
    db = sqlite3.connect(store.path)
    try:
        return db.execute("SELECT seq, counter_id, officer, level, ts_ms, flag FROM votes ORDER BY seq").fetchall()
    finally:
        db.close()


def expected_bursts(rows) -> list[list[int]]:
    """Bursts by brute force: a vote is in one when some 10 votes in a row at its counter, all of its level,
    span at most 60 s and include it; neighbours in a row at the counter join up."""
    out = []
    for counter in sorted({r[1] for r in rows}):
        at = [r for r in rows if r[1] == counter]
        marked = set()
        for i in range(len(at) - 9):
            window = at[i:i + 10]
            if len({r[3] for r in window}) == 1 and window[-1][4] - window[0][4] <= 60_000:
                marked |= {r[0] for r in window}
        run: list[int] = []
        for r in at + [(None,)]:
            if r[0] in marked:
                run.append(r[0])
            elif run:
                out.append(run)
                run = []
    return sorted(out)


def expected_officers(rows, z_at=3.29, least=30) -> dict[str, float]:
    """Officers whose satisfied share is far from the rest of the kiosk's counted votes, by hand."""
    counted = [r for r in rows if r[5] is None]
    out = {}
    for officer in sorted({r[2] for r in counted if r[2]}):
        mine = [r for r in counted if r[2] == officer]
        rest = [r for r in counted if r[2] != officer]
        x1, n1 = sum(r[3] in ("RHL", "HL") for r in mine), len(mine)
        x2, n2 = sum(r[3] in ("RHL", "HL") for r in rest), len(rest)
        p = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        if n1 >= least and n2 >= least and abs(z) >= z_at:
            out[officer] = round(z, 2)
    return out


def runs(seqs) -> list[list[int]]:
    out = []
    for s in sorted(seqs):
        if out and out[-1][1] == s - 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return out


def synced(tmp_path, url, kiosk_id, fill):
    config = kiosk_config(tmp_path / kiosk_id, url, kiosk_id=kiosk_id)
    with VoteStore.from_config(config) as store:
        fill(store)
        assert SyncClient(config, store).run().complete
        return raw_votes(store)


def organise(app, password: str = PASSWORD) -> None:
    """The two centres under two communes of the city, and an account for each role."""
    from central.accounts import add_user
    from central.models import Kiosk, Unit
    from central.runtime import activate, deactivate
    token = activate(app.runtime)
    try:
        city = Unit.objects.create(id="hp", kind="city", name="Hải Phòng")
        for kiosk, commune in (("kiosk-a", "xa-an"), ("kiosk-b", "xa-binh")):
            c = Unit.objects.create(id=commune, kind="commune", name=f"Xã {commune[3:].title()}", parent=city)
            Unit.objects.filter(id=Kiosk.objects.get(id=kiosk).centre_id).update(parent=c)
        add_user("thanh-pho", "city", None, password)
        add_user("xa-an", "commune", "xa-an", password)
        add_user("xa-binh", "commune", "xa-binh", password)
    finally:
        deactivate(token)


def session(url, username):
    s = requests.Session()
    form = s.get(url + "/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    r = s.post(url + "/login/", data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
               headers={"Referer": url + "/login/"}, allow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    return s


def csrf_of(s, url, path):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', s.get(url + path).text).group(1)


def test_a_burst_and_an_officer_far_from_the_centre_are_listed_with_their_votes(tmp_path, backend_db):
    with central_service(tmp_path, db=backend_db, kiosks=KIOSKS) as (url, app):
        rows_a = synced(tmp_path, url, "kiosk-a", burst_kiosk)
        rows_b = synced(tmp_path, url, "kiosk-b", officer_kiosk)
        organise(app)
        r = requests.get(f"{url}/v1/reports/anomalies?unit=hp&from={D_FROM}&to={D_TO}", headers=AUTH)
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["unit"], report["from"], report["to"]) == ("hp", "2026-11-01", "2026-11-30")

        bursts = [f for f in report["findings"] if f["check"] == "burst"]
        want = expected_bursts(rows_a)
        assert len(want) == 1 and len(want[0]) == 50          # the 50 top ratings, nothing else
        assert [(f["kiosk"], f["counter"], f["figures"]["level"], f["figures"]["n"]) for f in bursts] == \
            [("kiosk-a", "Q1", "RHL", 50)]
        assert bursts[0]["votes"] == [{"kiosk": "kiosk-a", "n": 50, "seqs": runs(want[0])}]
        assert bursts[0]["figures"]["flagged"] == sum(1 for r in rows_a if r[0] in want[0] and r[5])

        officers = [f for f in report["findings"] if f["check"] == "officer"]
        want_officers = expected_officers(rows_b)
        assert list(want_officers) == ["CB6"]
        assert {f["officer"]: f["figures"]["z"] for f in officers} == want_officers
        assert officers[0]["votes"] == [{"kiosk": "kiosk-b", "n": 40,
                                         "seqs": runs(r[0] for r in rows_b if r[2] == "CB6" and r[5] is None)}]
        assert {f["check"] for f in report["findings"]} == {"burst", "officer"}
        states = {c["check"]: c["state"] for c in report["checks"]}
        assert states["out_of_hours"] == "needs_opening_hours" and states["no_transaction"] == "needs_served_counts"
        assert states["burst"] == states["officer"] == "done"

        # A commune's own report holds its own findings only.
        mine = requests.get(f"{url}/v1/reports/anomalies?unit=xa-an&from={D_FROM}&to={D_TO}", headers=AUTH).json()
        assert [f["check"] for f in mine["findings"]] == ["burst"]


def test_who_may_read_the_report_and_who_may_explain_a_finding(tmp_path):
    with central_service(tmp_path, kiosks=KIOSKS) as (url, app):
        synced(tmp_path, url, "kiosk-a", burst_kiosk)
        organise(app)
        q = f"from={D_FROM}&to={D_TO}"
        assert requests.get(f"{url}/v1/reports/anomalies?unit=hp&{q}").status_code == 401
        assert requests.get(f"{url}/v1/reports/anomalies?unit=nowhere&{q}", headers=AUTH).status_code == 404
        bad = requests.get(f"{url}/v1/reports/anomalies?unit=hp&from=2026-13-01&to={D_TO}", headers=AUTH)
        assert bad.status_code == 400 and "from and to" in bad.json()["reason"]
        city, an, binh = session(url, "thanh-pho"), session(url, "xa-an"), session(url, "xa-binh")
        assert len(city.get(f"{url}/v1/reports/anomalies?{q}").json()["findings"]) == 1   # every unit
        assert binh.get(f"{url}/v1/reports/anomalies?unit=xa-an&{q}").status_code == 403
        assert binh.get(f"{url}/v1/reports/anomalies?unit=kiosk-a&{q}").status_code == 403
        assert binh.get(f"{url}/v1/reports/anomalies?{q}").json()["findings"] == []      # its own: nothing
        assert binh.get(f"{url}/anomalies/?unit=xa-an&{q}").status_code == 403
        finding = an.get(f"{url}/v1/reports/anomalies?{q}").json()["findings"][0]

        page = an.get(f"{url}/anomalies/?{q}").text
        assert f'id="f-{finding["id"]}"' in page and "50 phiếu «RHL» liên tiếp" in page and 'name="text"' in page
        assert 'name="text"' not in city.get(f"{url}/anomalies/?{q}").text   # the city reads, it does not explain
        form = {"finding": finding["id"], "unit": "xa-an", "from": str(D_FROM), "to": str(D_TO),
                "text": "Kiểm tra máy: nút bị kẹt lúc đóng cửa, đã thay hộp nút."}
        for who, status in ((city, 403), (binh, 403)):
            assert who.post(f"{url}/anomalies/note/", data={**form, "csrfmiddlewaretoken": csrf_of(who, url, "/kiosks/")},
                            headers={"Referer": url + "/"}, allow_redirects=False).status_code == status
        done = an.post(f"{url}/anomalies/note/", data={**form, "csrfmiddlewaretoken": csrf_of(an, url, "/kiosks/")},
                       headers={"Referer": url + "/"}, allow_redirects=False)
        assert done.status_code == 302
        bogus = an.post(f"{url}/anomalies/note/", data={**form, "finding": "burst:kiosk-a:999999",
                                                        "csrfmiddlewaretoken": csrf_of(an, url, "/kiosks/")},
                        headers={"Referer": url + "/"}, allow_redirects=False)
        assert bogus.status_code == 404   # only a finding the checks list may be explained

        notes = city.get(f"{url}/v1/reports/anomalies?{q}").json()["findings"][0]["notes"]
        assert [(n["text"], n["by"]) for n in notes] == [(form["text"], "xa-an")]
        assert form["text"] in city.get(f"{url}/anomalies/?{q}").text
        from central.models import AuditEntry, Kiosk
        audit = AuditEntry.objects.using(app.runtime.alias).filter(action="anomaly_note").get()
        assert audit.username == "xa-an" and finding["id"] in audit.detail

        # The II.7 annex of the period shows it; a period without the finding's day does not.
        centre = Kiosk.objects.using(app.runtime.alias).get(id="kiosk-a").centre_id
        model = city.get(f"{url}/v1/reports/ii7?unit={centre}&{q}&format=json").json()
        assert [line[1].split(" — ")[0] for line in model["anomaly_notes"]] == [form["text"]]
        pdf = city.get(f"{url}/v1/reports/ii7?unit={centre}&{q}&format=pdf").content
        (tmp_path / "ii7.pdf").write_bytes(pdf)
        import subprocess
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "ii7.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "Phụ lục: giải trình các dấu hiệu bất thường" in text and "nút bị kẹt" in text
        for before_or_after in ("from=2026-10-01&to=2026-10-31", "from=2026-12-01&to=2026-12-31"):
            other = city.get(f"{url}/v1/reports/ii7?unit={centre}&{before_or_after}&format=json").json()
            assert other["anomaly_notes"] == []


def test_votes_outside_the_opening_hours_are_listed_per_kiosk_and_day(tmp_path):
    hours = parse_hours(["Mon-Fri 07:30-11:30 13:30-17:00"])

    def evening(store):
        for i in range(12):   # Tuesday 08:00 onwards, every 25 minutes: 11:45, 12:10 and 12:35 are in the lunch break
            store.record_vote("Q1", "HL", at=DAY + timedelta(minutes=25 * i))
        store.record_vote("Q2", "RHL", at=DAY.replace(hour=16, minute=59, second=59))    # still open
        store.record_vote("Q2", "RHL", at=DAY.replace(hour=17, minute=0))                # closing time: closed
        store.record_vote("Q1", "RHL", at=DAY.replace(hour=19, minute=5))                # the evening
        store.record_vote("Q2", "RHL", at=DAY.replace(day=22, hour=9))                   # a Sunday

    with central_service(tmp_path, kiosks=KIOSKS, opening_hours=hours) as (url, app):
        rows = synced(tmp_path, url, "kiosk-a", evening)
        db_rows = {r[0]: r for r in rows}
        report = requests.get(f"{url}/v1/reports/anomalies?unit=kiosk-a&from={D_FROM}&to={D_TO}", headers=AUTH).json()
        assert {c["check"]: c["state"] for c in report["checks"]}["out_of_hours"] == "done"
        found = {f["first_day"]: f["votes"][0]["seqs"] for f in report["findings"] if f["check"] == "out_of_hours"}
        # By hand: the kiosk's own local times against the hours.
        config = kiosk_config(tmp_path / "kiosk-a", url, kiosk_id="kiosk-a")
        with VoteStore.from_config(config) as store:
            db = sqlite3.connect(store.path)
            times = dict(db.execute("SELECT seq, local_time FROM votes").fetchall())
            db.close()
        want = {}
        for seq, at in times.items():
            t = datetime.fromisoformat(at)
            minutes = t.hour * 60 + t.minute
            open_ = t.weekday() < 5 and (450 <= minutes < 690 or 810 <= minutes < 1020)
            if not open_:
                want.setdefault(at[:10], []).append(seq)
        assert found == {day: runs(seqs) for day, seqs in want.items()} and len(db_rows) == 16
        assert sum(len(s) for s in want.values()) == 6


def test_votes_beyond_the_transactions_served_that_day_are_listed_once_served_counts_exist(tmp_path):
    from django.db import connections
    with central_service(tmp_path, kiosks=KIOSKS) as (url, app):
        rows = synced(tmp_path, url, "kiosk-a", burst_kiosk)
        q = f"unit=kiosk-a&from={D_FROM}&to={D_TO}"
        before = requests.get(f"{url}/v1/reports/anomalies?{q}", headers=AUTH).json()
        assert {c["check"]: c["state"] for c in before["checks"]}["no_transaction"] == "needs_served_counts"
        with connections[app.runtime.alias].cursor() as cur:
            # The served counts' table as the served-transactions work makes it (created here if this tree lacks it).
            if "served_counts" not in connections[app.runtime.alias].introspection.table_names():
                cur.execute("CREATE TABLE served_counts (id integer PRIMARY KEY, kiosk_id varchar(64), local_date "
                            "varchar(10), counter_id varchar(64), served integer)")
                cur.execute("INSERT INTO served_counts (kiosk_id, local_date, counter_id, served) VALUES "
                            "('kiosk-a', '2026-11-17', 'Q1', 15), ('kiosk-a', '2026-11-17', 'Q2', 20)")
            else:
                cur.execute("INSERT INTO served_counts (kiosk_id, local_date, counter_id, served, via, updated_by, "
                            "updated_at) VALUES ('kiosk-a', '2026-11-17', 'Q1', 15, 'form', 't', CURRENT_TIMESTAMP), "
                            "('kiosk-a', '2026-11-17', 'Q2', 20, 'form', 't', CURRENT_TIMESTAMP)")
        connections[app.runtime.alias].close()
        after = requests.get(f"{url}/v1/reports/anomalies?{q}", headers=AUTH).json()
        counted = {c: sum(1 for r in rows if r[1] == c and r[5] is None) for c in ("Q1", "Q2")}
        assert counted["Q1"] > 15 and counted["Q2"] <= 20
        found = [f for f in after["findings"] if f["check"] == "no_transaction"]
        assert [(f["counter"], f["figures"]) for f in found] == \
            [("Q1", {"votes": counted["Q1"], "served": 15, "beyond": counted["Q1"] - 15})]
        assert found[0]["votes"][0]["seqs"] == runs(r[0] for r in rows if r[1] == "Q1" and r[5] is None)


def test_an_implausible_rate_needs_ninety_nine_percent_over_two_hundred_votes(tmp_path):
    def counters(store):
        at = DAY
        # Q1: 200 votes, 198 satisfied (99,0 %: a finding); Q2: 200 votes, 197 satisfied (98,5 %: not one).
        for i in range(200):
            for counter, bad in (("Q1", 2), ("Q2", 3)):
                at += timedelta(seconds=11)   # beyond the repeat window: every vote counted
                store.record_vote(counter, "KHL" if i < bad else ("HL", "RHL")[i % 2], at=at)

    with central_service(tmp_path, kiosks=KIOSKS) as (url, app):
        rows = synced(tmp_path, url, "kiosk-a", counters)
        report = requests.get(f"{url}/v1/reports/anomalies?unit=kiosk-a&from={D_FROM}&to={D_TO}", headers=AUTH).json()
        found = [(f["counter"], f["figures"]) for f in report["findings"] if f["check"] == "implausible"]
        by_hand = {c: (sum(r[3] in ("RHL", "HL") for r in rows if r[1] == c), sum(r[1] == c for r in rows))
                   for c in ("Q1", "Q2")}
        assert by_hand == {"Q1": (198, 200), "Q2": (197, 200)}
        assert found == [("Q1", {"n": 200, "satisfied_pct": 99.0})]


def test_a_large_gap_between_the_kiosk_and_phone_and_paper_answers_is_a_finding(tmp_path):
    from django.db import connections
    from central.models import Kiosk
    with central_service(tmp_path, kiosks=KIOSKS) as (url, app):
        synced(tmp_path, url, "kiosk-a", lambda store: store.record_vote("Q1", "HL", at=DAY))
        centres = dict(Kiosk.objects.using(app.runtime.alias).values_list("id", "centre_id"))
        rows = []
        # Centre A: kiosk 90 % of 60 satisfied, phone and paper 60 % of 60 (a gap of 30 points).
        # Centre B: kiosk 80 % of 50, phone 74 % of 50 (6 points: no finding).
        plan = [(centres["kiosk-a"], "kiosk", 60, 54), (centres["kiosk-a"], "phone", 30, 18),
                (centres["kiosk-a"], "paper", 30, 18), (centres["kiosk-b"], "kiosk", 50, 40),
                (centres["kiosk-b"], "phone", 50, 37)]
        n = 0
        for centre, channel, total, good in plan:
            for i in range(total):
                n += 1
                kiosk = "kiosk-a" if centre == centres["kiosk-a"] else "kiosk-b"
                rows.append((f"a{n}", n if channel == "kiosk" else None, f"r{n}", kiosk if channel == "kiosk" else "",
                             centre, channel, "HL" if i < good else "KHL"))
        with connections[app.runtime.alias].cursor() as cur:
            for uuid, seq, response, kiosk, centre, channel, choice in rows:
                cur.execute("INSERT INTO q_answers (uuid, seq, response_uuid, kiosk_id, centre_id, questionnaire_id, "
                            "version, definition_hash, channel, counter_id, question_id, choice, text, replaces, "
                            "local_time, local_date, prev_hash, hash, replaced, received_at) VALUES (%s, %s, %s, %s, %s, "
                            "'trung-tam', 1, 'x', %s, NULL, 'q1', %s, NULL, NULL, '2026-11-17T09:00:00+07:00', "
                            "'2026-11-17', '', '', 0, 'x')", [uuid, seq, response, kiosk, centre, channel, choice])
        connections[app.runtime.alias].close()
        report = requests.get(f"{url}/v1/reports/anomalies?from={D_FROM}&to={D_TO}", headers=AUTH).json()
        found = [f for f in report["findings"] if f["check"] == "channel_gap"]
        x1, n1, x2, n2 = 54, 60, 36, 60
        p = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        assert [(f["centre"], f["figures"]) for f in found] == [(centres["kiosk-a"], {
            "kiosk_n": 60, "kiosk_satisfied_pct": 90.0, "other_n": 60, "other_satisfied_pct": 60.0, "z": round(z, 2)})]
        assert found[0]["answers"] == [{"kiosk": "kiosk-a", "n": 60, "seqs": [[1, 60]]}]


def test_a_burst_across_the_turn_of_the_hour_is_found_though_neither_hour_holds_ten(tmp_path):
    def across(store):
        start = DAY.replace(hour=16, minute=59, second=40)
        for i in range(12):   # six before 17:00, six after
            store.record_vote("Q2", "HL", at=start + timedelta(seconds=3.5 * i))

    with central_service(tmp_path, kiosks=KIOSKS) as (url, app):
        rows = synced(tmp_path, url, "kiosk-a", across)
        report = requests.get(f"{url}/v1/reports/anomalies?unit=kiosk-a&from={D_FROM}&to={D_TO}", headers=AUTH).json()
        assert [f["votes"][0]["seqs"] for f in report["findings"] if f["check"] == "burst"] == \
            [runs(b) for b in expected_bursts(rows)] == [[[1, 12]]]

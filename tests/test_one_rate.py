"""One rate behind every figure a person reads: a kiosk's votes — flagged repeats, out-of-hours votes,
votes on another scale, questionnaire answers — and a demo kiosk's, synced to a real central service,
then read back through every door: the kiosk's totals (the ``totals`` command and the manager's tab),
its CSV exports, its II.7 model and renderings, the service's ``/v1/reports/totals`` and II.7 downloads,
the overview, a commune's page and the alerts. Each shows the same N, satisfied, rate and flagged
repeats, and these equal the ones counted by hand from the votes recorded (docs/report.md, "Numbers")."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from kiosk.store import VoteStore
from rating.export import report_csv_bytes
from rating.report import render, report_for_store
from rating.totals import period_report, period_totals
from sync.client import SyncClient
from tests.q_sync_helpers import TZ, answer_responses, kiosk_config
from tests.sync_helpers import REPORT_TOKEN, SECRET, backend_db, central_service, postgres_server  # noqa: F401

D_FROM, D_TO = date(2026, 11, 1), date(2026, 11, 30)
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=TZ)   # the last week of the month: the alerts' week on 1 December
WEEK = (date(2026, 11, 24), date(2026, 11, 30))
# Votes on another scale, cast before the alerts' week: the month's figures leave them apart everywhere
# (test_the_overview_leaves_votes_on_another_scale_apart holds the overview to it on its own).
OTHER_SCALE_DAY = datetime(2026, 11, 10, 9, 0, tzinfo=TZ)
KIOSKS = (("test-01", "Trung tâm xã Thử nghiệm", SECRET), ("demo-01", "Trung tâm xã Thử nghiệm", SECRET))
AUTH = {"Authorization": f"Bearer {REPORT_TOKEN}"}


def record(store) -> tuple[int, int, int]:
    """The real kiosk's votes; returns (counted, satisfied, flagged) on its scale, counted by hand."""
    levels = ("RHL", "HL", "BT", "KHL", "RKHL", "HL", "KHL")
    counted = satisfied = flagged = 0
    at = T0
    for i in range(42):   # counted votes on the kiosk's scale, a few minutes apart
        at += timedelta(minutes=3)
        store.record_vote(("Q1", "Q2")[i % 2], levels[i % 7], officer=("CB1", "CB2", None)[i % 3], at=at)
        counted += 1
        satisfied += levels[i % 7] in ("RHL", "HL")
    for i in range(6):   # out-of-hours votes (a button box at 19:00): counted
        store.record_vote("Q1", ("RHL", "KHL")[i % 2], at=T0.replace(hour=19) + timedelta(days=1, minutes=i * 5),
                          out_of_hours=True)
        counted += 1
        satisfied += i % 2 == 0
    for i in range(12):  # repeats: a second press at the same counter 2 s after the first is flagged
        first = T0 + timedelta(days=2, minutes=10 * i)
        store.record_vote("Q2", "KHL", at=first)
        again = store.record_vote("Q2", "RHL", at=first + timedelta(seconds=2))
        assert again.flag == "repeat"
        counted += 1
        flagged += 1
    for i in range(9):   # on another scale (before a change of scale): reported apart, never counted in the rate
        store.record_vote("Q1", ("RHL", "HL", "KHL")[i % 3], scale="onestop3", at=OTHER_SCALE_DAY + timedelta(minutes=5 * i))
    return counted, satisfied, flagged


def csv_all_row(data: bytes, when: str) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    return next(r for r in rows if r.get("counter") == "ALL" and r.get("date", r.get("period")) == when)


def test_every_figure_a_person_reads_is_the_one_rate_of_the_same_votes(tmp_path, backend_db):
    from central import dashboard
    from central.models import Kiosk
    from central.questionnaires.results import unit_analysis
    from central.runtime import activate, deactivate
    from central.source import Source
    from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue

    with central_service(tmp_path, db=backend_db, kiosks=KIOSKS) as (url, app):
        config = kiosk_config(tmp_path / "real", url)
        with VoteStore.from_config(config) as store:
            counted, satisfied, flagged = record(store)
            answer_responses(store, 40, start=T0 + timedelta(hours=1))
            assert SyncClient(config, store).run().complete
            kiosk_totals = period_totals(store, config.counters, config.scale, D_FROM, D_TO, "2026-11")["all"]
            kiosk_csv = csv_all_row(report_csv_bytes(period_report(store, config.counters, config.scale, D_FROM, D_TO),
                                                     config.scale), f"{D_FROM}..{D_TO}")
            model = report_for_store(store, config, D_FROM, D_TO)
            model_json = json.loads(render(model, "json"))
            model_csv = csv_all_row(render(model, "csv"), "2026-11")
        demo = kiosk_config(tmp_path / "demo", url, kiosk_id="demo-01")
        with VoteStore.from_config(demo) as store:   # a kiosk in demo mode: every vote demo, none counted centrally
            store.record_votes({"counter_id": "Q1", "level": "KHL", "source": "demo", "at": T0 + timedelta(minutes=i)}
                               for i in range(25))
            assert SyncClient(demo, store).run().complete
            assert report_for_store(store, demo, D_FROM, D_TO).demo

        tenths, rest = divmod(1000 * satisfied, counted)
        rate = (tenths + (2 * rest >= counted)) / 10   # rounded half up, by hand
        want = {"total": counted, "satisfied": satisfied, "flagged": flagged}
        assert {k: getattr(model.summary.total, k) for k in want} == want
        assert model.summary.total.satisfied_pct == rate and (model.verification.other_scales, model.verification.out_of_hours) == (9, 6)
        seen = {
            "kiosk totals (CLI, manager's tab)": (kiosk_totals["total"], kiosk_totals["satisfied"],
                                                  kiosk_totals["flagged"], kiosk_totals["satisfied_pct"]),
            "kiosk CSV export": (int(kiosk_csv["total"]), int(kiosk_csv["satisfied"]), int(kiosk_csv["flagged"]),
                                 float(kiosk_csv["satisfied_pct"])),
            "kiosk II.7 JSON": (model_json["summary"]["total"]["total"], model_json["summary"]["total"]["satisfied"],
                                model_json["summary"]["total"]["flagged"], model_json["summary"]["total"]["satisfied_pct"]),
            "kiosk II.7 CSV": (int(model_csv["total"]), int(model_csv["satisfied"]), int(model_csv["flagged"]),
                               float(model_csv["satisfied_pct"])),
        }
        api = requests.get(f"{url}/v1/reports/totals?month=2026-11&centre=Trung tâm xã Thử nghiệm", headers=AUTH).json()
        seen["/v1/reports/totals"] = (api["all"]["total"], api["all"]["satisfied"], api["all"]["flagged"],
                                      api["all"]["satisfied_pct"])
        ii7 = {}
        for unit in ("test-01", Kiosk.objects.using(app.runtime.alias).get(id="test-01").centre_id):
            r = requests.get(f"{url}/v1/reports/ii7?unit={unit}&from={D_FROM}&to={D_TO}&format=json", headers=AUTH)
            assert r.status_code == 200, r.text
            ii7[unit] = r.json()
            total = ii7[unit]["summary"]["total"]
            seen[f"central II.7 of {unit}"] = (total["total"], total["satisfied"], total["flagged"], total["satisfied_pct"])
        token = activate(app.runtime)
        try:
            source = Source(app.runtime.alias)
            row = next(r for r in dashboard.overview(source, *WEEK, None) if r.rate.total or r.rate.flagged)
            seen["overview (the alerts' week)"] = (row.rate.total, row.rate.satisfied, row.rate.flagged, row.rate.pct)
            page = dashboard.unit_page(source, ["test-01", "demo-01"], D_FROM, D_TO)
            seen["a commune's page"] = (page.rate.total, page.rate.satisfied, page.rate.flagged, page.rate.pct)
            now = datetime(2026, 12, 1, 9, 0, tzinfo=TZ).astimezone(timezone.utc)
            alerts = {a.subject: a for a in dashboard.alerts(source, ["test-01", "demo-01"], now, {"test-01": 99.0,
                                                                                                   "demo-01": 99.0})
                      if a.kind == "below_target"}
            assert set(alerts) == {"test-01"}   # the demo kiosk's 25 unsatisfied votes are never counted
            seen["the below-target alert"] = (counted, satisfied, flagged, alerts["test-01"].figures["pct"])
            q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
            from central.models import Unit
            centre = Unit.objects.using(app.runtime.alias).get(id=Kiosk.objects.using(app.runtime.alias)
                                                               .get(id="test-01").centre_id)
            central_q = unit_analysis(q, centre, D_FROM, D_TO, compare=False)
        finally:
            deactivate(token)
        expected = (counted, satisfied, flagged, rate)
        assert {name: expected for name in seen} == seen

        # The questionnaire: the kiosk's section, the service's II.7 section and its analysis page agree.
        kiosk_q = model.questionnaires[0]
        assert kiosk_q.responses == 40
        for figures in (ii7["test-01"]["questionnaires"][0], *(s for s in ii7.values() for s in s["questionnaires"])):
            assert (figures["responses"], figures["index"]) == (kiosk_q.responses, kiosk_q.index)
            assert [x["satisfied_pct"] for x in figures["questions"]] == [x.satisfied_pct for x in kiosk_q.questions]
        assert (central_q["responses"], central_q["index"]) == (kiosk_q.responses, kiosk_q.index)
        assert [x["satisfied_pct"] for x in central_q["questions"]] == [x.satisfied_pct for x in kiosk_q.questions]


def test_the_overview_leaves_votes_on_another_scale_apart(tmp_path):
    from central import dashboard
    from central.runtime import activate, deactivate
    from central.source import Source
    with central_service(tmp_path, kiosks=KIOSKS[:1]) as (url, app):
        config = kiosk_config(tmp_path / "real", url)
        with VoteStore.from_config(config) as store:
            store.record_vote("Q1", "RHL", at=T0)
            store.record_vote("Q1", "KHL", scale="onestop3", at=OTHER_SCALE_DAY)
            assert SyncClient(config, store).run().complete
        ii7 = requests.get(f"{url}/v1/reports/ii7?unit=test-01&from={D_FROM}&to={D_TO}&format=json", headers=AUTH).json()
        token = activate(app.runtime)
        try:
            row = next(r for r in dashboard.overview(Source(app.runtime.alias), D_FROM, D_TO, None) if r.rate.total)
        finally:
            deactivate(token)
        assert (row.rate.total, row.rate.pct) == (ii7["summary"]["total"]["total"], ii7["summary"]["total"]["satisfied_pct"])

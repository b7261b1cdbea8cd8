"""Campaigns (issue 17): a questionnaire started on the service reaches the kiosks in their check-in's
answer and is started there with the kiosk's own logic; the kiosk reports what became of it; the sample
the SIPAS method asks for; paper forms numbered across print runs and reconciled — with the real service
(SQLite and PostgreSQL), real HTTP and the real command line."""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from kiosk import campaigns as kiosk_campaigns
from kiosk import outbox
from kiosk.config import load_config
from kiosk.questionnaire.answers import active_list
from kiosk.store import VoteStore
from rating import campaign, checkin
from rating.wire import BadBatch
from sync.client import SyncClient
from tests.conftest import run_cli
from tests.sync_helpers import SECRET, backend_db, central_service, postgres_server, sync_config  # noqa: F401

from central.runtime import activate, deactivate  # noqa: E402

TRUNG_TAM_V1 = "trung-tam"


def local_today() -> date:
    """Today in Hải Phòng: the campaign's days are set around it, so the tests hold on any day."""
    return datetime.now(timezone(timedelta(hours=7))).date()


def db_rows(app, sql, params=()):
    from django.db import connections
    with connections[app.runtime.alias].cursor() as cur:
        cur.execute(sql, list(params))
        out = cur.fetchall()
    connections[app.runtime.alias].close()
    return out


def central_cli(db: str, *args: str):
    return run_cli(*args, "--db", db)


# --- the sample ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("population", [1, 2, 30, 399, 400, 1000, 5_000, 12_345, 1_000_000])
def test_the_sample_is_n_over_one_plus_n_e_squared_rounded_up(population):
    # Computed here from the formula with exact fractions, not with the code's arithmetic.
    from fractions import Fraction
    exact = Fraction(population) / (1 + Fraction(population) * Fraction(1, 400))
    assert campaign.sipas_sample(population) == math.ceil(exact)


def test_the_sample_of_no_transactions_is_none_and_never_passes_four_hundred():
    assert campaign.sipas_sample(0) == 0 and campaign.sipas_sample(-5) == 0
    assert campaign.sipas_sample(10 ** 9) == 400


# --- the wire ---------------------------------------------------------------------------------------

def wire(**over):
    item = {"id": 7, "questionnaire_id": "trung-tam", "version": 1, "definition_hash": "ab" * 32, "mode": "invite",
            "from": "2026-10-01", "until": "2026-12-31"}
    return {**item, **over}


@pytest.mark.parametrize("bad, named", [
    ({"mode": "sometimes"}, "'mode'"), ({"from": "01/10/2026"}, "'from'"), ({"until": "2026-02-30"}, "'until'"),
    ({"id": True}, "'id'"), ({"id": -1}, "'id'"), ({"version": "1"}, "'version'"), ({"questionnaire_id": ""}, "'questionnaire_id'"),
    ({"until": "2026-09-30"}, "before 'from'")])
def test_a_malformed_campaign_is_refused_naming_the_field(bad, named):
    with pytest.raises(campaign.BadCampaign, match=re.escape(named)):
        campaign.parse_campaigns([wire(**bad)])


def test_a_check_in_may_carry_the_kiosks_reports_and_a_bad_one_names_the_field():
    from rating.hours import parse_hours
    body = checkin.encode_checkin("k-1", {}, "0", parse_hours([]), "Asia/Ho_Chi_Minh",
                                  campaigns=[{"id": 3, "state": "refused", "reason": "no such questionnaire"}])
    assert checkin.parse_checkin(body, "k-1").campaigns == [{"id": 3, "state": "refused", "reason": "no such questionnaire"}]
    plain = checkin.encode_checkin("k-1", {}, "0", parse_hours([]), "Asia/Ho_Chi_Minh")
    assert b"campaigns" not in plain, "a kiosk says nothing of campaigns to a service that sent none (older than 1.5)"
    bad = checkin.encode_checkin("k-1", {}, "0", parse_hours([]), "Asia/Ho_Chi_Minh", campaigns=[{"id": 3, "state": "dancing"}])
    with pytest.raises(BadBatch, match=r"campaigns\[0\]: 'state'"):
        checkin.parse_checkin(bad, "k-1")


# --- the kiosk applies what it receives -----------------------------------------------------------------

def kiosk_store(tmp_path):
    from tests.conftest import write_config
    config = load_config(write_config(tmp_path))
    return config, VoteStore.from_config(config)


def shipped(qid="trung-tam"):
    from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
    return load_catalogue([SHIPPED_DIR]).get(qid)


def test_the_kiosk_starts_a_campaign_once_and_reports_it_running(tmp_path):
    config, store = kiosk_store(tmp_path)
    q, today = shipped(), store.today()
    with store:
        item = wire(version=q.version, definition_hash=q.definition_hash, **{"from": today.isoformat(),
                                                                              "until": (today + timedelta(days=9)).isoformat()})
        reports, changed = kiosk_campaigns.apply(config, store, [item])
        assert reports == [{"id": 7, "state": "running"}] and changed
        assert active_list(store) == [("*", q.id, q.version, "invite", (today + timedelta(days=9)).isoformat())]
        assert kiosk_campaigns.apply(config, store, [item]) == (reports, False), "applied once: nothing changes"


def test_a_campaign_the_manager_stopped_on_the_kiosk_stays_stopped_and_says_so(tmp_path):
    from kiosk.questionnaire.answers import stop_questionnaire
    config, store = kiosk_store(tmp_path)
    q, today = shipped(), store.today()
    with store:
        item = wire(version=q.version, definition_hash=q.definition_hash, **{"from": today.isoformat(),
                                                                              "until": today.isoformat()})
        kiosk_campaigns.apply(config, store, [item])
        stop_questionnaire(store)
        reports, changed = kiosk_campaigns.apply(config, store, [item])
        assert reports[0]["state"] == "stopped_here" and changed and active_list(store) == []


def test_a_campaign_not_begun_or_over_is_not_started_and_a_withdrawn_one_is_stopped(tmp_path):
    config, store = kiosk_store(tmp_path)
    q, today = shipped(), store.today()
    with store:
        later = wire(id=1, version=q.version, definition_hash=q.definition_hash,
                     **{"from": (today + timedelta(days=1)).isoformat(), "until": (today + timedelta(days=5)).isoformat()})
        over = wire(id=2, version=q.version, definition_hash=q.definition_hash,
                    **{"from": (today - timedelta(days=5)).isoformat(), "until": (today - timedelta(days=1)).isoformat()})
        now_on = wire(id=3, version=q.version, definition_hash=q.definition_hash,
                      **{"from": today.isoformat(), "until": today.isoformat()})
        reports, _ = kiosk_campaigns.apply(config, store, [later, over, now_on])
        assert [r["state"] for r in reports] == ["waiting", "ended", "running"]
        assert len(active_list(store)) == 1
        kiosk_campaigns.apply(config, store, [later])   # the service no longer lists campaign 3
        assert active_list(store) == []


def test_a_campaign_whose_questionnaire_the_kiosk_lacks_or_has_otherwise_is_refused_with_the_reason(tmp_path):
    config, store = kiosk_store(tmp_path)
    q, today = shipped(), store.today()
    days = {"from": today.isoformat(), "until": today.isoformat()}
    with store:
        reports, _ = kiosk_campaigns.apply(config, store, [
            wire(id=1, questionnaire_id="khong-co", **days),
            wire(id=2, version=q.version, definition_hash="0" * 64, **days)])
        assert [r["state"] for r in reports] == ["refused", "refused"]
        assert "khong-co" in reports[0]["reason"] and "differs" in reports[1]["reason"]
        assert active_list(store) == []
        with pytest.raises(campaign.BadCampaign):
            kiosk_campaigns.apply(config, store, [{"id": 1}])


# --- end to end: the service, the command line, the kiosk ------------------------------------------------

def test_a_campaign_started_on_the_command_line_reaches_the_kiosk_at_its_next_sync(tmp_path, backend_db):
    today = local_today()
    until = today + timedelta(days=30)
    with central_service(tmp_path, db=backend_db) as (url, app):
        path = sync_config(tmp_path, url)
        centre = db_rows(app, "SELECT centre_id FROM kiosks WHERE id = 'test-01'")[0][0]
        r = central_cli(backend_db, "central-campaign", "start", TRUNG_TAM_V1, "--unit", centre,
                        "--until", until.isoformat(), "--mode", "replace")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "campaign 1" in r.stdout
        r = run_cli("sync", config=path)
        assert r.returncode == 0, r.stdout + r.stderr
        listed = json.loads(run_cli("questionnaire", "list", "--json", config=path).stdout)
        on = {q["id"]: q["active"] for q in listed}
        assert on["trung-tam"] == [{"counter": "*", "mode": "replace", "until": until.isoformat()}]
        # The kiosk told the service at once (a second check-in when what it reports changed).
        assert db_rows(app, "SELECT kiosk_id, state FROM campaign_kiosks") == [("test-01", "running")]
        # Stopped on the service: the kiosk stops it at its next check-in.
        r = central_cli(backend_db, "central-campaign", "stop", "1")
        assert r.returncode == 0, r.stderr
        assert run_cli("sync", config=path).returncode == 0
        listed = json.loads(run_cli("questionnaire", "list", "--json", config=path).stdout)
        assert all(q["active"] == [] for q in listed)


def test_the_command_line_refuses_a_bad_campaign_with_one_line_naming_what(tmp_path):
    from tests.sync_helpers import fresh_sqlite
    db = fresh_sqlite(tmp_path)
    today = local_today()
    cases = [
        (("central-campaign", "start", "khong-co", "--until", (today + timedelta(days=3)).isoformat()), "questionnaire 'khong-co'"),
        (("central-campaign", "start", "trung-tam"), "--until YYYY-MM-DD is required"),
        (("central-campaign", "start", "trung-tam", "--until", "31/12/2026"), "--until '31/12/2026'"),
        (("central-campaign", "start", "trung-tam", "--until", (today - timedelta(days=1)).isoformat()), "already past"),
        (("central-campaign", "start", "trung-tam", "--unit", "xa-khong-co", "--until", today.isoformat()), "--unit 'xa-khong-co'"),
        (("central-campaign", "stop", "99"), "no campaign '99'"),
    ]
    for args, said in cases:
        r = central_cli(db, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert said in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_an_old_kiosk_checks_in_unchanged_and_gets_the_campaigns_it_may_ignore(tmp_path):
    from rating import signing
    from rating.hours import parse_hours
    import time
    with central_service(tmp_path) as (url, app):
        body = checkin.encode_checkin("test-01", {}, checkin.NO_SETTINGS, parse_hours([]), "Asia/Ho_Chi_Minh")
        headers = signing.signed_headers("test-01", SECRET.encode(), int(time.time()), "POST", checkin.CHECKIN_PATH, body)
        r = requests.post(url + checkin.CHECKIN_PATH, data=body, headers={**headers, "Content-Type": "application/json"},
                          timeout=30)
        assert r.status_code == 200 and r.json()["settings"] is None and r.json()["campaigns"] == []


# --- paper forms: numbered across print runs, reconciled ----------------------------------------------

def test_a_second_print_run_continues_the_numbers_and_its_forms_can_be_entered(tmp_path, backend_db):
    import subprocess
    from tests.test_central_q_web import _site, session
    cm, url, app, made = _site(tmp_path, backend_db)
    try:
        s = session(url, "xa-ninh-giang")
        centre = made["centres"][0]
        base = f"{url}/questionnaires/{centre}/trung-tam"
        first = s.get(f"{base}/paper.pdf", params={"count": "3"})
        second = s.get(f"{base}/paper.pdf", params={"count": "2"})
        assert first.status_code == second.status_code == 200
        assert first.headers["Content-Disposition"].endswith('-1-3.pdf"')
        assert second.headers["Content-Disposition"].endswith('-4-5.pdf"'), "the second run continues at 4"
        pdf = tmp_path / "second.pdf"
        pdf.write_bytes(second.content)
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
        assert "Phiếu số: 4" in text and "Phiếu số: 5" in text and "Phiếu số: 1 " not in text
        # A reprint of issued forms records nothing; a range overlapping one partly is refused, saying the next.
        assert s.get(f"{base}/paper.pdf", params={"first": "2", "count": "2"}).status_code == 200
        clash = s.get(f"{base}/paper.pdf", params={"first": "5", "count": "3"})
        assert clash.status_code == 409 and "6" in clash.text and "Traceback" not in clash.text
        runs = db_rows(app, "SELECT first, last FROM paper_runs WHERE centre_id = %s ORDER BY first", [centre])
        assert [tuple(r) for r in runs] == [(1, 3), (4, 5)]
        # Forms of both runs are entered, each once.
        from tests.test_central_q_web import csrf
        for no in ("2", "5"):
            page = s.get(f"{base}/entry/")
            digits = "1" * _paper_digits()
            r = s.post(f"{base}/entry/", data={"csrfmiddlewaretoken": csrf(page.text), "form_no": no, "digits": digits,
                                               "comment": ""}, headers={"Referer": f"{base}/entry/"})
            assert r.status_code == 200, r.text[:500]
        listing = s.get(f"{url}/questionnaires/").text
        assert 'placeholder="6"' in listing, "the print form shows the next number"
    finally:
        cm.__exit__(None, None, None)


def _paper_digits() -> int:
    from central.questionnaires.office import entry_questions
    from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
    return len(entry_questions(load_catalogue([SHIPPED_DIR]).get("trung-tam"))[0])

"""The questionnaire on the central service over real HTTP: the phone page's rules (one response per
device a quarter, rate limit, bursts flagged, 404/400 never 500, CSRF on), the paper forms read back
with poppler, paper entry with a duplicate form number, role boundaries on every new page, and the
combined analysis (kiosk + phone + paper) against an independent computation from the raw rows —
on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import random
import re
import subprocess
import tomllib
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from tests.sync_helpers import fresh_postgresql, fresh_sqlite, postgres_server  # noqa: F401

from central.demo import DEMO_PASSWORD, build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRUNG_TAM = tomllib.loads((ROOT / "assets" / "questionnaires" / "trung-tam.toml").read_text(encoding="utf-8"))
SCREENS = ROOT / "build" / "screens"
TZ = timezone(timedelta(hours=7))


@contextmanager
def behind_proxy(db):
    """A real service (waitress on 127.0.0.1) set up as behind nginx: it believes X-Forwarded-For from
    the local proxy, so each test request can come from an address of its own."""
    from central.app import make_app
    from central.server import serving
    alias = f"qweb{uuid.uuid4().hex[:12]}"   # unique even if this module is imported twice (its fixtures are shared)
    app = make_app(db, None, None, alias=alias, apply_migrations=False)
    try:
        with serving(app, trusted_proxy="127.0.0.1", trusted_proxy_headers={"x-forwarded-for"},
                     clear_untrusted_proxy_headers=True) as url:
            yield url, app
    finally:
        from django.db import connections
        connections[alias].close()


def _site(folder, db):
    """A service with two communes (a centre and a kiosk each), their accounts and a centre account."""
    cm = behind_proxy(db or fresh_sqlite(folder))
    url, app = cm.__enter__()
    token = activate(app.runtime)
    try:
        made = build(app.runtime.alias, communes=2, days=2, per_day=1)
        from central.accounts import add_user
        add_user("xa-vinh-bao", "commune", made["communes"][1], DEMO_PASSWORD)
        add_user("tt-ninh-giang", "centre", made["centres"][0], DEMO_PASSWORD)
    finally:
        deactivate(token)
        from django.db import connections
        connections[app.runtime.alias].close()
    return cm, url, app, made


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    cm, url, app, made = _site(tmp_path_factory.mktemp("qweb"), None)
    try:
        yield url, app, made
    finally:
        cm.__exit__(None, None, None)


def csrf(text: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


def session(url, username, password=DEMO_PASSWORD):
    s = requests.Session()
    form = s.get(url + "/login/")
    r = s.post(url + "/login/", data={"csrfmiddlewaretoken": csrf(form.text), "username": username,
                                     "password": password}, headers={"Referer": url + "/login/"})
    assert r.status_code == 200 and "/login/" not in r.url, r.text[:300]
    return s


def phone_answer(url, centre, answers, s=None, address=None, qid="trung-tam"):
    """Open the phone page and send ``answers`` ({question id: code or words}) as a phone would."""
    s = s or requests.Session()
    page = s.get(f"{url}/q/{centre}/{qid}/")
    assert page.status_code == 200, page.text[:300]
    headers = {"Referer": page.url, **({"X-Forwarded-For": address} if address else {})}
    data = {"csrfmiddlewaretoken": csrf(page.text), **{f"q-{k}": v for k, v in answers.items()}}
    return s, s.post(f"{url}/q/{centre}/{qid}/", data=data, headers=headers)


def rows(app, sql, params=()):
    out = app.store.query(sql, params)
    from django.db import connections
    connections[app.runtime.alias].close()
    return out


# --- the phone page -------------------------------------------------------------------------------

def test_a_phone_answers_once_and_a_second_attempt_gets_the_already_answered_page(site):
    url, app, made = site
    centre = made["centres"][0]
    s, r = phone_answer(url, centre, {"access-info": "RHL", "officer-polite": "HL", "gop-y": "Rất tốt, cảm ơn."},
                        address="10.1.0.1")
    assert r.status_code == 200 and "Cảm ơn" in r.text
    token = s.cookies.get("q_device")
    assert token and len(token) >= 40
    from central.questionnaires.store import device_hash
    stored = rows(app, "SELECT uuid, device, channel, flag FROM q_responses WHERE device = ?", [device_hash(token)])
    assert len(stored) == 1 and stored[0][2] == "phone"
    assert not rows(app, "SELECT uuid FROM q_responses WHERE device = ?", [token]), "only the token's hash is kept"
    answers = dict((q, (c, t)) for q, c, t in rows(
        app, "SELECT question_id, choice, text FROM q_answers WHERE response_uuid = ?", [stored[0][0]]))
    assert answers["access-info"] == ("RHL", None) and answers["gop-y"] == (None, "Rất tốt, cảm ơn.")
    assert answers["access-signs"] == (None, None), "a question left alone is stored as skipped"
    again = s.get(f"{url}/q/{centre}/trung-tam/")
    assert again.status_code == 200 and "đã trả lời" in again.text and "<form" not in again.text
    # Posting straight away (an old tab) is refused the same way, and nothing more is stored.
    s2 = requests.Session()
    s2.cookies.set("q_device", token)
    fresh = requests.get(f"{url}/q/{made['centres'][1]}/trung-tam/")
    s2.cookies.set("csrftoken", fresh.cookies["csrftoken"])   # not its new q_device: the old tab's token stays
    r2 = s2.post(f"{url}/q/{centre}/trung-tam/", data={"csrfmiddlewaretoken": csrf(fresh.text), "q-access-info": "KHL"},
                 headers={"Referer": url})
    assert "đã trả lời" in r2.text
    assert len(rows(app, "SELECT uuid FROM q_responses WHERE device = ?", [device_hash(token)])) == 1


def test_two_quick_taps_on_send_from_one_phone_store_one_response(site):
    """The token comes with the form, so both taps carry it; the rule is checked and written in one step."""
    import threading
    url, app, made = site
    centre = made["centres"][1]
    s = requests.Session()
    page = s.get(f"{url}/q/{centre}/trung-tam/")
    token = s.cookies.get("q_device")
    assert token, "the form gives the phone its token"
    data = {"csrfmiddlewaretoken": csrf(page.text), "q-officer-polite": "BT"}
    go, answers = threading.Barrier(4), []

    def tap():
        go.wait()
        answers.append(s.post(f"{url}/q/{centre}/trung-tam/", data=data, headers={"Referer": page.url,
                                                                                  "X-Forwarded-For": "10.9.9.9"}))
    taps = [threading.Thread(target=tap) for _ in range(4)]
    for t in taps:
        t.start()
    for t in taps:
        t.join()
    assert sorted(r.status_code for r in answers) == [200] * 4
    assert sum("Cảm ơn" in r.text and "đã trả lời" not in r.text for r in answers) == 1
    from central.questionnaires.store import device_hash
    assert len(rows(app, "SELECT uuid FROM q_responses WHERE device = ?", [device_hash(token)])) == 1


def test_the_phone_page_is_small_vietnamese_first_and_asks_every_phone_question(site):
    url, app, made = site
    page = requests.get(f"{url}/q/{made['centres'][0]}/trung-tam/")
    css = requests.get(f"{url}/static/central/q-phone.css")
    weight = len(page.content) + len(css.content)
    print(f"phone page weight: {len(page.content)} B HTML + {len(css.content)} B CSS = {weight} B, no script, no image")
    assert weight < 40_000 and "<script" not in page.text and "<img" not in page.text
    assert 'lang="vi"' in page.text and "Ý kiến của Ông/Bà về Trung tâm" in page.text
    for q in TRUNG_TAM["questions"]:
        assert f'name="q-{q["id"]}"' in page.text
    assert 'name="q-gop-y"' in page.text and 'maxlength="500"' in page.text
    english = requests.get(f"{url}/q/{made['centres'][0]}/trung-tam/", cookies={"lang": "en"})
    assert 'lang="en"' in english.text and "Your opinion of the Public Administrative Service Centre" in english.text


@pytest.mark.parametrize("typed, stored", [
    ("số điện thoại 0912345678, CCCD 031234567890", "số điện thoại [số đã ẩn], CCCD [số đã ẩn]"),
    ("gọi 0912 345 678 hoặc 091.234.5678 hay 0912-345-678", "gọi [số đã ẩn] hoặc [số đã ẩn] hay [số đã ẩn]"),
    ("Năm 2026, quầy 2, chờ 45 phút", "Năm 2026, quầy 2, chờ 45 phút"),
    ("mã 1234567", "mã 1234567"),
    # The spellings people use (issue 20): brackets, dots with spaces, doubled spaces, slashes, tabs,
    # line breaks, the country code; and e-mail addresses.
    ("gọi (0912) 345 678 nhé", "gọi [số đã ẩn] nhé"),
    ("số 0912. 345. 678", "số [số đã ẩn]"),
    ("số 0912  345   678", "số [số đã ẩn]"),
    ("số 0912/345/678", "số [số đã ẩn]"),
    ("số 0912\t345\t678", "số [số đã ẩn]"),
    ("số 0912\n345\n678", "số [số đã ẩn]"),
    ("số +84 912 345 678", "số [số đã ẩn]"),
    ("số (+84) 912-345-678", "số [số đã ẩn]"),
    ("tài khoản 1903 4567 8901 234", "tài khoản [số đã ẩn]"),
    ("thư cho an.nguyen+cv@gmail.com nhé", "thư cho [email đã ẩn] nhé"),
    ("hẹn ngày 12/11/2026 ở quầy 3", "hẹn ngày 12/11/2026 ở quầy 3"),
])
def test_long_numbers_in_free_text_are_masked_and_short_ones_kept(typed, stored):
    from central.questionnaires.privacy import mask_numbers
    assert mask_numbers(typed) == stored


def test_a_phone_number_written_in_a_comment_is_masked_before_it_is_stored_on_every_channel(site):
    url, app, made = site
    centre = made["centres"][0]   # (the burst test counts the other centre's phone answers)
    typed = "Gọi lại cho tôi: số điện thoại 0912345678, CCCD 031234567890. Quầy 2 chờ 45 phút."
    s, r = phone_answer(url, centre, {"access-info": "HL", "gop-y": typed}, address="10.7.0.1")
    assert r.status_code == 200
    clerk = session(url, "xa-ninh-giang")
    assert enter(clerk, url, centre, "8801", "1" * 23, typed).status_code == 200
    got = rows(app, "SELECT r.channel, a.text FROM q_answers a JOIN q_responses r ON r.uuid = a.response_uuid "
                    "WHERE a.question_id = 'gop-y' AND a.text LIKE 'Gọi lại%'")
    assert sorted(got) == [(ch, "Gọi lại cho tôi: số điện thoại [số đã ẩn], CCCD [số đã ẩn]. Quầy 2 chờ 45 phút.")
                           for ch in ("paper", "phone")]
    everything = " ".join(t for (t,) in rows(app, "SELECT text FROM q_answers WHERE text IS NOT NULL"))
    assert "0912345678" not in everything and "031234567890" not in everything


def test_the_phone_page_asks_for_no_personal_data_by_the_text_box_and_says_anonymity_once(site):
    url, app, made = site
    html = requests.get(f"{url}/q/{made['centres'][0]}/trung-tam/").text
    box = html.index('name="q-gop-y"')
    assert "Xin đừng ghi họ tên, số điện thoại hay số giấy tờ" in html[box - 300:box]
    before_questions = html[:html.index("<fieldset")]
    assert before_questions.count("hỏi tên") == 1, "the anonymity sentence once"
    assert before_questions.lower().count("bỏ qua") == 1
    english = requests.get(f"{url}/q/{made['centres'][0]}/trung-tam/", cookies={"lang": "en"}).text
    head = english[:english.index("<fieldset")]
    assert head.count("your name") == 1 and head.lower().count("skip") == 1


@pytest.mark.parametrize("path", ["/q/tt-nowhere/trung-tam/", "/q/{centre}/no-such-questionnaire/",
                                  "/q/{commune}/trung-tam/", "/q/" + "x" * 300 + "/trung-tam/"])
def test_an_unknown_centre_or_questionnaire_is_a_404_page_never_a_500(site, path):
    url, app, made = site
    r = requests.get(url + path.format(centre=made["centres"][0], commune=made["communes"][0]))
    assert r.status_code == 404 and "Không tìm thấy phiếu" in r.text


@pytest.mark.parametrize("answers, says", [
    ({"access-info": "XYZ"}, "không có trong câu này"),
    ({"access-info": "RHL' OR 1=1"}, "không có trong câu này"),
    ({"gop-y": "a" * 501}, "tối đa 500"),
    ({"age": "duoi-30 "}, "không có trong câu này"),
])
def test_bad_form_data_is_a_400_with_a_clear_message_and_nothing_is_stored(site, answers, says):
    url, app, made = site
    before = rows(app, "SELECT count(*) FROM q_responses")[0][0]
    _, r = phone_answer(url, made["centres"][1], answers, address="10.4.0.1")
    assert r.status_code == 400 and says in r.text
    assert rows(app, "SELECT count(*) FROM q_responses")[0][0] == before


@pytest.mark.parametrize("answers", [{}, {"access-info": "", "gop-y": "   "}, {"gop-y": "\u200b"}])
def test_a_response_with_no_answer_at_all_is_refused_kindly_and_nothing_is_stored(site, answers):
    url, app, made = site
    before = rows(app, "SELECT count(*) FROM q_responses")[0][0]
    s, r = phone_answer(url, made["centres"][1], answers, address="10.6.0.1")
    assert r.status_code == 400 and "Ông/Bà chưa trả lời câu nào" in r.text
    assert rows(app, "SELECT count(*) FROM q_responses")[0][0] == before
    again = s.get(f"{url}/q/{made['centres'][1]}/trung-tam/")
    assert "<form" in again.text and "đã trả lời" not in again.text, "not counted as this phone's response: it may still answer"


def test_a_control_character_in_a_comment_is_refused_at_the_edge_and_nothing_is_stored(site):
    url, app, made = site
    before = rows(app, "SELECT count(*) FROM q_responses")[0][0]
    _, r = phone_answer(url, made["centres"][1], {"gop-y": "\u0007"}, address="10.6.0.1")
    assert r.status_code == 400 and "U+0007" in r.text
    assert rows(app, "SELECT count(*) FROM q_responses")[0][0] == before


def test_an_unknown_question_or_choice_is_a_400_naming_the_question_not_a_silent_skip(site):
    url, app, made = site
    before = rows(app, "SELECT count(*) FROM q_responses")[0][0]
    _, r = phone_answer(url, made["centres"][1], {"access-info": "HL", "x": "XYZ"}, address="10.6.0.2")
    assert r.status_code == 400 and "“x”" in r.text
    _, r = phone_answer(url, made["centres"][1], {"access-info": "XYZ"}, address="10.6.0.2")
    first = TRUNG_TAM["questions"][0]
    assert first["id"] == "access-info"
    assert r.status_code == 400 and "Câu 1" in r.text and first["vi"] in r.text and "XYZ" in r.text
    assert rows(app, "SELECT count(*) FROM q_responses")[0][0] == before


@pytest.mark.parametrize("extra", [{"gop-y": "x" * 2_000_000}, {f"f{i}": "1" for i in range(1500)}])
def test_an_oversized_or_overlong_form_is_a_400_never_a_500(site, extra):
    url, app, made = site
    _, r = phone_answer(url, made["centres"][1], extra, address="10.5.0.1")
    assert r.status_code == 400


def test_csrf_protection_stays_on_for_the_phone_page(site):
    url, app, made = site
    before = rows(app, "SELECT count(*) FROM q_responses")[0][0]
    r = requests.post(f"{url}/q/{made['centres'][0]}/trung-tam/", data={"q-access-info": "RHL"})
    assert r.status_code == 403 and "Trang đã hết hạn" in r.text and "cookie" in r.text
    assert rows(app, "SELECT count(*) FROM q_responses")[0][0] == before


def test_a_burst_from_one_address_is_flagged_every_response_kept_and_other_addresses_untouched(site):
    url, app, made = site
    from central.questionnaires.phone import BURST_COUNT
    centre = made["centres"][1]
    for i in range(BURST_COUNT):
        _, r = phone_answer(url, centre, {"access-info": "RHL"}, address="203.0.113.7")
        assert r.status_code == 200 and "Cảm ơn" in r.text, "a flagged response is still thanked and kept"
    for i in range(BURST_COUNT - 1):
        phone_answer(url, centre, {"access-info": "HL"}, address=f"198.51.100.{i + 1}")
    got = rows(app, "SELECT r.flag, a.choice FROM q_responses r JOIN q_answers a ON a.response_uuid = r.uuid "
                    "WHERE r.centre_id = ? AND a.question_id = 'access-info' AND r.channel = 'phone'", [centre])
    assert sorted(f for f, c in got if c == "RHL") == ["burst"] * BURST_COUNT
    assert [f for f, c in got if c == "HL"] == [None] * (BURST_COUNT - 1)
    audit = rows(app, "SELECT remote FROM audit_log WHERE action = 'q_phone'")
    assert audit and not any("203.0.113.7" in a for (a,) in audit), "addresses are kept only as keyed hashes"


def test_more_than_the_hourly_limit_from_one_address_is_refused_with_429(site):
    url, app, made = site
    from central.questionnaires.phone import RATE_LIMIT
    for i in range(RATE_LIMIT):
        _, r = phone_answer(url, made["centres"][0], {"access-info": "HL"}, address="192.0.2.99")
        assert r.status_code == 200
    _, r = phone_answer(url, made["centres"][0], {"access-info": "HL"}, address="192.0.2.99")
    assert r.status_code == 429 and "Quá nhiều phiếu" in r.text
    _, other = phone_answer(url, made["centres"][0], {"access-info": "HL"}, address="192.0.2.100")
    assert other.status_code == 200


def test_a_forwarded_address_is_believed_only_from_the_local_proxy():
    from types import SimpleNamespace

    from central.remote import client_address
    local = SimpleNamespace(META={"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"})
    remote = SimpleNamespace(META={"REMOTE_ADDR": "5.6.7.8", "HTTP_X_FORWARDED_FOR": "1.2.3.4"})
    assert client_address(local) == "1.2.3.4" and client_address(remote) == "5.6.7.8"


# --- paper forms and entry --------------------------------------------------------------------------

def test_the_paper_forms_carry_their_numbers_and_every_paper_question(site, tmp_path):
    url, app, made = site
    s = session(url, "xa-ninh-giang")
    r = s.get(f"{url}/questionnaires/{made['centres'][0]}/trung-tam/paper.pdf?first=41&count=3")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    pdf = tmp_path / "forms.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for n in (41, 42, 43):
        assert f"Phiếu số: {n}" in flat
    assert "Phiếu số: 40" not in flat and "Phiếu số: 44" not in flat
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1])
    assert flat.count("Phiếu số:") == pages, "every sheet carries its form number"
    questions = [q["vi"] for q in TRUNG_TAM["questions"]] + [p["vi"] for p in TRUNG_TAM["profile"]] + \
        [TRUNG_TAM["closing"]["vi"]]
    for q in questions:
        assert flat.count(" ".join(q.split())) == 3, q
    assert flat.count("Xin đừng ghi họ tên, số điện thoại hay số giấy tờ.") == 3, "the comment box asks for no personal data"
    assert not re.search(r"</?[a-z]+>", flat), "no markup tag is printed as text (a raw <i> once showed on every form)"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "XÃ NINH GIANG" in flat and "TRUNG TÂM PHỤC VỤ HÀNH" in flat
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "LiberationSerif" in fonts and "Helvetica" not in fonts
    assert "LiberationSerif-Italic" in fonts, "the no-personal-data line is set in italics, not as a tag"
    SCREENS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(SCREENS / "paper-form")], check=True)
    from PIL import Image
    with Image.open(SCREENS / "paper-form.png") as image:
        assert image.width < image.height, "an A4 portrait sheet"
        assert len(image.convert("L").getcolors(256 * 256)) > 10, "the page is drawn, not blank"


@pytest.mark.parametrize("query, field", [
    ("count=0", "Số phiếu cần in «0»"), ("count=501", "Số phiếu cần in «501»"), ("first=-3", "Từ số «-3»"),
    ("first=abc", "Từ số «abc»"), ("count=1e9", "Số phiếu cần in «1e9»"), ("first=" + "9" * 5000, "Từ số «999"),
    ("first=999999999&count=2", "Số phiếu cần in «2»")])
def test_a_bad_print_run_is_a_400_page_in_vietnamese_with_the_limits(site, query, field):
    url, app, made = site
    s = session(url, "xa-ninh-giang")
    r = s.get(f"{url}/questionnaires/{made['centres'][0]}/trung-tam/paper.pdf?{query}")
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/html")
    assert field in r.text and "từ 1 đến 500" in r.text and "Không in được phiếu" in r.text


def test_the_questionnaires_page_has_a_print_form_that_opens_the_pdf(site):
    url, app, made = site
    s = session(url, "xa-ninh-giang")
    listing = s.get(f"{url}/questionnaires/").text
    centre = made["centres"][0]
    action = f"/questionnaires/{centre}/trung-tam/paper.pdf"
    form = re.search(rf'<form class="print-run" method="get" action="{re.escape(action)}"[^>]*>(.*?)</form>', listing, re.S)
    assert form and 'name="first"' in form[1] and 'name="count"' in form[1] and "In phiếu" in form[1]
    pdf = s.get(url + action, params={"first": "121", "count": "2"})
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert "phieu-trung-tam" in pdf.headers["Content-Disposition"] and "-121-122.pdf" in pdf.headers["Content-Disposition"]


def test_the_poster_links_to_the_public_address_when_set_and_warns_when_it_falls_back_to_the_request(site):
    from django.test import override_settings
    url, app, made = site
    s = session(url, "xa-ninh-giang")
    centre = made["centres"][0]
    poster = f"{url}/questionnaires/{centre}/trung-tam/poster/"
    fallback = s.get(poster).text
    assert f"{url}/q/{centre}/trung-tam/" in fallback
    assert 'id="poster-warning"' in fallback and "địa chỉ trang này đang được mở" in fallback
    assert "CENTRAL_PUBLIC_URL" in fallback
    with override_settings(CENTRAL_PUBLIC_URL="https://danhgia.haiphong.gov.vn"):
        public = s.get(poster).text
        listing = s.get(f"{url}/questionnaires/").text
    link = f"https://danhgia.haiphong.gov.vn/q/{centre}/trung-tam/"
    assert re.search(r'id="poster-url">([^<]*)<', public)[1] == link
    assert url not in public.split('id="poster-url"')[1] and 'id="poster-warning"' not in public
    from central.questionnaires.office import qr_svg
    assert qr_svg(link) in public, "the QR code carries the public link"
    assert f'href="{link}"' in listing


@pytest.mark.parametrize("value", ["danhgia.haiphong.gov.vn", "ftp://x.vn", "https://", "https://x.vn/?a=1"])
def test_a_wrong_public_address_is_refused_saying_what_to_write(value):
    from central.settings import public_url
    with pytest.raises(ValueError, match="CENTRAL_PUBLIC_URL.*https://danhgia"):
        public_url(value)
    assert public_url(" https://danhgia.haiphong.gov.vn/ ") == "https://danhgia.haiphong.gov.vn"


def enter(s, url, centre, form_no, digits, comment="", qid="trung-tam"):
    page = s.get(f"{url}/questionnaires/{centre}/{qid}/entry/")
    return s.post(f"{url}/questionnaires/{centre}/{qid}/entry/", data={
        "csrfmiddlewaretoken": csrf(page.text), "form_no": form_no, "digits": digits, "comment": comment},
        headers={"Referer": page.url})


def test_paper_entry_stores_digits_as_choices_and_catches_a_form_number_entered_twice(site):
    url, app, made = site
    s = session(url, "tt-ninh-giang")
    centre = made["centres"][0]
    digits = "12345" + "0" * 15 + "212"
    r = enter(s, url, centre, "0007", digits, "Cần thêm ghế chờ")
    assert r.status_code == 200 and "Đã lưu phiếu số 7" in r.text
    assert 'placeholder="8"' in r.text, "the next form number is suggested"
    stored = rows(app, "SELECT uuid, form_no, entered_by, channel FROM q_responses WHERE form_no = '7' AND centre_id = ?",
                  [centre])
    assert [x[1:] for x in stored] == [("7", "tt-ninh-giang", "paper")]
    got = dict((q, (c, t)) for q, c, t in rows(app, "SELECT question_id, choice, text FROM q_answers "
                                                    "WHERE response_uuid = ?", [stored[0][0]]))
    assert got["access-info"] == ("RHL", None) and got["access-signs"] == ("HL", None)
    assert got["procedure-public"] == ("RKHL", None) and got["procedure-documents"] == (None, None)
    profile = {p["id"]: [c["code"] for c in p["choices"]] for p in TRUNG_TAM["profile"]}
    assert got["age"][0] == profile["age"][1] and got["gender"][0] == profile["gender"][0]
    assert got["area"][0] == profile["area"][1]
    assert got["gop-y"] == (None, "Cần thêm ghế chờ")
    twice = enter(s, url, centre, "7", "1" * 23, "khác")
    assert twice.status_code == 409 and "Phiếu số 7 đã được nhập" in twice.text
    assert 'value="11111111111111111111111"' in twice.text and 'value="khác"' in twice.text, "what was typed is kept"
    assert len(rows(app, "SELECT uuid FROM q_responses WHERE form_no = '7' AND centre_id = ?", [centre])) == 1
    audit = rows(app, "SELECT username, detail FROM audit_log WHERE action = 'q_paper_entry'")
    assert ("tt-ninh-giang", f"{centre} trung-tam v1 form 7") in audit


@pytest.mark.parametrize("form_no, digits, says", [
    ("", "1" * 23, "số phiếu"), ("12a", "1" * 23, "số phiếu"), ("5", "1" * 22, "cần đúng 23 chữ số"),
    ("5", "1" * 22 + "x", "cần đúng 23 chữ số"), ("5", "6" + "1" * 22, "câu 1: chữ số 6"),
    ("5", "1" * 20 + "5" + "11", "câu 21: chữ số 5"),
])
def test_paper_entry_refuses_a_bad_line_with_a_clear_message_and_keeps_it(site, form_no, digits, says):
    url, app, made = site
    s = session(url, "xa-ninh-giang")
    r = enter(s, url, made["centres"][0], form_no, digits)
    assert r.status_code == 400 and says in r.text and f'value="{digits}"' in r.text
    assert not rows(app, "SELECT uuid FROM q_responses WHERE form_no = '5'")


# --- role boundaries --------------------------------------------------------------------------------

STAFF_PAGES = ["/questionnaires/{centre}/trung-tam/poster/", "/questionnaires/{centre}/trung-tam/paper.pdf",
               "/questionnaires/{centre}/trung-tam/entry/", "/questionnaires/analysis/{centre}/",
               "/questionnaires/analysis/{commune}/"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_commune_account_opens_its_own_pages_and_is_refused_another_communes(site, page):
    url, app, made = site
    s = session(url, "xa-ninh-giang")
    own = s.get(url + page.format(centre=made["centres"][0], commune=made["communes"][0]))
    other = s.get(url + page.format(centre=made["centres"][1], commune=made["communes"][1]))
    assert own.status_code == 200 and other.status_code == 403
    assert "Vĩnh Bảo" not in other.text
    posted = s.post(url + page.format(centre=made["centres"][1], commune=made["communes"][1]),
                    data={"csrfmiddlewaretoken": s.cookies.get("csrftoken"), "form_no": "1", "digits": "1" * 23},
                    headers={"Referer": url})
    assert posted.status_code in (403, 405)
    stranger = requests.get(url + page.format(centre=made["centres"][0], commune=made["communes"][0]),
                            allow_redirects=False)
    assert stranger.status_code == 302 and "/login/" in stranger.headers["Location"]


def test_the_analysis_period_is_typed_day_month_year_like_the_rest_of_the_service(site):
    url, app, made = site
    s = session(url, "xa-ninh-giang")
    page = s.get(f"{url}/questionnaires/analysis/{made['communes'][0]}/",
                 params={"q": "trung-tam", "from": "1/7/2026", "to": "30/09/2026"}).text
    assert 'type="date"' not in page
    assert re.search(r'<input type="text" name="from"[^>]*value="01/07/2026"', page)
    assert re.search(r'<input type="text" name="to"[^>]*value="30/09/2026"', page) and 'placeholder="dd/mm/yyyy"' in page
    assert "01/07/2026 – 30/09/2026" in page
    bad = s.get(f"{url}/questionnaires/analysis/{made['communes'][0]}/", params={"from": "31/02/2026"})
    assert bad.status_code == 200 and 'id="date-error"' in bad.text and "31/02/2026" in bad.text
    assert "ngày/tháng/năm" in bad.text and "quý hiện tại" in bad.text


def test_a_centre_account_sees_only_its_centre_and_only_the_city_sees_the_city(site):
    url, app, made = site
    centre = session(url, "tt-ninh-giang")
    assert centre.get(f"{url}/questionnaires/analysis/{made['centres'][0]}/").status_code == 200
    assert centre.get(f"{url}/questionnaires/analysis/{made['communes'][0]}/").status_code == 403
    commune = session(url, "xa-ninh-giang")
    assert commune.get(f"{url}/questionnaires/analysis/hai-phong/").status_code == 403
    listing = commune.get(f"{url}/questionnaires/").text
    assert made["centres"][0] in listing and made["centres"][1] not in listing and "Vĩnh Bảo" not in listing
    city = session(url, "so-noi-vu")
    assert city.get(f"{url}/questionnaires/analysis/hai-phong/").status_code == 200
    assert city.get(f"{url}/questionnaires/{made['centres'][1]}/trung-tam/poster/").status_code == 200


def test_the_city_account_reads_but_may_not_enter_paper_forms(site):
    url, app, made = site
    city = session(url, "so-noi-vu")
    centre = made["centres"][1]
    assert city.get(f"{url}/questionnaires/{centre}/trung-tam/entry/").status_code == 403
    listing = city.get(f"{url}/questionnaires/").text
    assert "entry-link" not in listing and "/entry/" not in listing, "no entry link is offered to the city"
    page = city.get(f"{url}/questionnaires/")
    posted = city.post(f"{url}/questionnaires/{centre}/trung-tam/entry/",
                       data={"csrfmiddlewaretoken": csrf(page.text) if "csrfmiddlewaretoken" in page.text
                             else city.cookies.get("csrftoken"), "form_no": "9101", "digits": "1" * 23},
                       headers={"Referer": url + "/questionnaires/"})
    assert posted.status_code == 403
    assert not rows(app, "SELECT uuid FROM q_responses WHERE form_no = '9101'"), "nothing stored"
    admin = session(url, "admin")
    assert admin.get(f"{url}/questionnaires/{centre}/trung-tam/entry/").status_code == 200
    assert "entry-link" in admin.get(f"{url}/questionnaires/").text


# --- the combined analysis, against an independent computation (SQLite and PostgreSQL) ---------------

def independent(answer_rows, questionnaire=TRUNG_TAM):
    """SIPAS figures from raw ``(question_id, choice, replaced, channel)`` rows, by the book: per
    question (RHL + HL) / answered; per element the mean of its questions; overall the mean of the
    elements in the index. Written apart from the service's code, from the questionnaire file."""
    element_of = {q["id"]: q["element"] for q in questionnaire["questions"]}
    in_index = {e["id"]: e.get("in_index", True) for e in questionnaire["elements"]}
    given: dict[str, list[bool]] = {}
    for question_id, choice, replaced, channel in answer_rows:
        if replaced == 0 and choice is not None and question_id in element_of:
            given.setdefault(question_id, []).append(choice in ("RHL", "HL"))
    share = {q: 100 * sum(v) / len(v) for q, v in given.items()}
    elements = {}
    for e in in_index:
        values = [share[q] for q in share if element_of[q] == e]
        elements[e] = sum(values) / len(values) if values else None
    indexed = [v for e, v in elements.items() if in_index[e] and v is not None]
    return {"questions": share, "answered": {q: len(v) for q, v in given.items()}, "elements": elements,
            "index": sum(indexed) / len(indexed) if indexed else None}


def vn_pct(x):
    return "—" if x is None else f"{x:.1f}".replace(".", ",") + " %"


def cell_texts(html, row_id):
    row = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def kiosk_rows(app, kiosk, centre, day, rng, n, replaced_one=True):
    """Kiosk answers as the sync would leave them in the tables (inserted directly here)."""
    from central.models import QAnswer, QResponse
    from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    token = activate(app.runtime)
    try:
        seq = (QAnswer.objects.filter(kiosk_id=kiosk).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
        for _ in range(n):
            rid = str(uuid.uuid4())
            common = dict(kiosk_id=kiosk, centre_id=centre, questionnaire_id=q.id, version=q.version,
                          definition_hash=q.definition_hash, channel="kiosk", counter_id="Q1")
            stamp = datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ).isoformat(timespec="milliseconds")
            QResponse.objects.create(uuid=rid, started_at=stamp, finished_at=stamp, local_date=day.isoformat(),
                                     received_at=stamp, **common)
            for question in q.for_channel("kiosk"):
                choice = rng.choice([*question.codes, None, *question.codes[:2]])
                first = str(uuid.uuid4())
                QAnswer.objects.create(uuid=first, seq=seq, response_uuid=rid, question_id=question.id, choice=choice,
                                       local_time=stamp, local_date=day.isoformat(), received_at=stamp,
                                       replaced=1 if replaced_one else 0, **common)
                seq += 1
                if replaced_one:   # the citizen went back and changed it: only the second counts
                    QAnswer.objects.create(uuid=str(uuid.uuid4()), seq=seq, response_uuid=rid, replaces=first,
                                           question_id=question.id, choice=rng.choice(question.codes), local_time=stamp,
                                           local_date=day.isoformat(), received_at=stamp, **common)
                    seq += 1
    finally:
        deactivate(token)
        from django.db import connections
        connections[app.runtime.alias].close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_combined_analysis_matches_an_independent_computation_from_the_raw_rows(backend, tmp_path, request):
    db = fresh_sqlite(tmp_path) if backend == "sqlite" else fresh_postgresql(request.getfixturevalue("postgres_server"))
    cm, url, app, made = _site(tmp_path, db)
    try:
        rng = random.Random(11)
        from central.questionnaires.catalogue import now, quarter
        today = now().date()
        q_first, _ = quarter(today)
        prev_day = q_first - timedelta(days=20)
        own, other = made["centres"]
        kiosk_rows(app, made["kiosks"][0], own, q_first, rng, 12)
        kiosk_rows(app, made["kiosks"][1], other, today, rng, 5, replaced_one=False)
        kiosk_rows(app, made["kiosks"][0], own, prev_day, rng, 6, replaced_one=False)   # the previous quarter
        codes = ["RHL", "HL", "BT", "KHL", "RKHL", ""]
        for i in range(7):
            phone_answer(url, own, {q["id"]: rng.choice(codes) for q in TRUNG_TAM["questions"]}, address=f"10.9.0.{i}")
        phone_answer(url, other, {q["id"]: "KHL" for q in TRUNG_TAM["questions"]}, address="10.9.1.1")
        clerk = session(url, "xa-ninh-giang")
        for n in range(1, 6):
            r = enter(clerk, url, own, str(n), "".join(rng.choice("0123451") for _ in range(20)) + "120")
            assert r.status_code == 200, r.text[:500]
        raw = rows(app, "SELECT question_id, choice, replaced, channel, centre_id, local_date FROM q_answers")
        in_quarter = [r for r in raw if q_first.isoformat() <= r[5] <= today.isoformat()]
        mine = [r[:4] for r in in_quarter if r[4] == own]
        expected = independent(mine)
        page = clerk.get(f"{url}/questionnaires/analysis/{made['communes'][0]}/?q=trung-tam")
        assert page.status_code == 200
        html = page.text
        assert re.search(r'id="q-index">([^<]*)<', html)[1] == vn_pct(expected["index"])
        responses = {r[0] for r in rows(app, "SELECT response_uuid, centre_id FROM q_answers") if r[1] == own}
        assert {"kiosk", "phone", "paper"} == {r[3] for r in mine}
        for q in TRUNG_TAM["questions"]:
            cells = cell_texts(html, f"question-{q['id']}")
            assert cells[2] == vn_pct(expected["questions"].get(q["id"])), q["id"]
            assert cells[3].rstrip(" *") == str(expected["answered"].get(q["id"], 0)), q["id"]
        for e, value in expected["elements"].items():
            assert cell_texts(html, f"element-{e}")[1] == vn_pct(value), e
        for channel in ("kiosk", "phone", "paper"):
            by_channel = independent([r for r in mine if r[3] == channel])
            assert cell_texts(html, f"channel-{channel}")[1] == vn_pct(by_channel["index"]), channel
        previous = independent([r[:4] for r in raw if r[4] == own and r[5] == prev_day.isoformat()])
        change = f"{expected['index'] - previous['index']:+.1f}".replace(".", ",")
        shown_previous = re.search(r'id="q-previous">([^<]*)<', html)[1]
        assert vn_pct(previous["index"]) in shown_previous and change in shown_previous
        assert "Theo phương pháp SIPAS" in html and "mẫu nhỏ" in html
        assert len(responses) == 12 + 6 + 7 + 5
        # The city sees every centre: the other commune's kiosk and phone answers too.
        city = session(url, "so-noi-vu").get(f"{url}/questionnaires/analysis/hai-phong/?q=trung-tam").text
        everyone = independent([r[:4] for r in in_quarter])
        assert re.search(r'id="q-index">([^<]*)<', city)[1] == vn_pct(everyone["index"])
        assert expected["index"] != everyone["index"], "the commune's figure leaves the other commune out"
        # The commune's II.7 report carries the same answers, every channel (phone and paper have no kiosk).
        ii7 = clerk.get(f"{url}/v1/reports/ii7", params={"unit": made["communes"][0], "from": q_first.isoformat(),
                                                          "to": today.isoformat(), "format": "json"})
        assert ii7.status_code == 200, ii7.text[:300]
        section = next(x for x in ii7.json()["questionnaires"] if x["id"] == "trung-tam")
        assert section["responses"] == 12 + 7 + 5
        assert {ch: part["responses"] for ch, part in section["by_channel"].items()} == \
            {"kiosk": 12, "phone": 7, "paper": 5}
    finally:
        cm.__exit__(None, None, None)


# --- the demo (make central) ---------------------------------------------------------------------------

def test_every_run_of_the_demo_prints_logins_that_work_and_gives_the_analysis_tagged_demo_answers(tmp_path):
    from django.contrib.auth import authenticate
    from central.app import make_app
    from central.democli import login_text
    from central.demo import DEMO_TAG, build_questionnaire_demo
    app = make_app(fresh_sqlite(tmp_path), None, None, alias="demo-logins", apply_migrations=False)
    token = activate(app.runtime)
    try:
        made = build("demo-logins", communes=5, days=1, per_day=1)
        assert sorted(made["communes"])[0] != made["communes"][0], "the first commune by id has no account"
        text = login_text(DEMO_PASSWORD)
        printed = re.findall(r"(\S+) / " + re.escape(DEMO_PASSWORD), text)
        assert {"admin", "so-noi-vu", "xa-ninh-giang", "tt-ninh-giang"} <= set(printed) and "xa-an-lao" not in printed
        assert re.search(r"centre \(Trung tâm [^)]*\):\s+tt-ninh-giang / ", text), "a centre-role login is printed"
        for username in printed:
            assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
        n = build_questionnaire_demo(per_channel={"kiosk": 4, "phone": 3, "paper": 2})
        from central.models import QResponse
        from central.questionnaires.catalogue import offered
        assert n == 5 * len(offered()) * (4 + 3 + 2)
        demo = QResponse.objects.filter(entered_by=DEMO_TAG)
        assert demo.count() == n and not QResponse.objects.exclude(entered_by=DEMO_TAG).exists()
        assert {c: demo.filter(channel=c).count() for c in ("kiosk", "phone", "paper")} == \
            {"kiosk": 4 * 5 * len(offered()), "phone": 3 * 5 * len(offered()), "paper": 2 * 5 * len(offered())}
        assert not demo.filter(flag__isnull=False).exists(), "demo rows are not shown as flagged"
        from central.questionnaires.catalogue import find, now
        from central.questionnaires.results import unit_analysis
        from central.models import Unit
        result = unit_analysis(find("trung-tam"), Unit.objects.get(id=made["communes"][0]), now().date(), now().date())
        assert result["responses"] == 9 and result["index"] is not None, "the analysis page is not empty"
    finally:
        deactivate(token)
        from django.db import connections
        connections["demo-logins"].close()

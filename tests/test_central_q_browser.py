"""The questionnaire in a real browser (Debian's chromium, headless, through Selenium): a citizen answers
the whole questionnaire on a phone-sized screen (360 × 640, touch emulation) and cannot answer twice, a
burst is flagged and shown to the commune, the office enters paper forms by keyboard alone and a
duplicate form number is caught, the poster's QR code decodes to the phone link, and the analysis
page. Screenshots go to build/screens/ (copied into docs/screens/ for the docs)."""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.test_central_browser import CHROMIUM, DRIVER, follow, log_in
from tests.test_central_q_web import TRUNG_TAM, _site, kiosk_rows, rows
from tests.sync_helpers import fresh_sqlite

SCREENS = Path(__file__).resolve().parent.parent / "build" / "screens"
PHONE = {"width": 360, "height": 640, "pixelRatio": 2}
ANDROID_UA = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Mobile Safari/537.36")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qbrowser")
    cm, url, app, made = _site(folder, fresh_sqlite(folder))
    try:
        yield url, app, made
    finally:
        cm.__exit__(None, None, None)


def _driver(tmp_path, mobile: bool):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=vi",
                 "--window-size=1280,900", f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}"):
        options.add_argument(flag)
    if mobile:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE, "userAgent": ANDROID_UA})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def phone(tmp_path):
    driver = _driver(tmp_path, mobile=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def desk(tmp_path):
    driver = _driver(tmp_path, mobile=False)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver, name, size=None):
    SCREENS.mkdir(parents=True, exist_ok=True)
    if size:
        driver.set_window_size(*size)
    driver.save_screenshot(str(SCREENS / f"{name}.png"))
    return SCREENS / f"{name}.png"


def answer_all(driver, rng):
    """Tap one choice on every question (some on 'Bỏ qua'), write the comment; return what was chosen."""
    from selenium.webdriver.common.by import By
    chosen = {}
    for fieldset in driver.find_elements(By.CSS_SELECTOR, "#q-form fieldset"):
        qid = fieldset.get_attribute("id").removeprefix("f-")
        area = fieldset.find_elements(By.TAG_NAME, "textarea")
        if area:
            area[0].send_keys("Nên có thêm chỗ để xe. " * 30)   # more than 500 characters: the page caps it
            chosen[qid] = None
            continue
        labels = fieldset.find_elements(By.TAG_NAME, "label")
        pick = rng.randrange(len(labels))
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", labels[pick])
        labels[pick].click()
        value = labels[pick].find_element(By.TAG_NAME, "input").get_attribute("value")
        chosen[qid] = value or None
    return chosen


def test_a_citizen_answers_the_whole_questionnaire_on_a_phone_and_cannot_answer_twice(site, phone):
    from selenium.webdriver.common.by import By
    url, app, made = site
    centre = made["centres"][0]
    phone.get(f"{url}/q/{centre}/trung-tam/")
    assert phone.execute_script("return window.innerWidth") == 360
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    labels = phone.find_elements(By.CSS_SELECTOR, "#q-form label")
    assert labels and min(label.size["height"] for label in labels) >= 44, "tap targets at least 44 px high"
    shot(phone, "central-q-phone")
    chosen = answer_all(phone, random.Random(3))
    phone.execute_script("document.getElementById('f-access-signs').scrollIntoView()")
    shot(phone, "central-q-phone-answering")
    assert set(chosen) == {q["id"] for q in TRUNG_TAM["questions"]} | {p["id"] for p in TRUNG_TAM["profile"]} | {"gop-y"}
    follow(phone, phone.find_element(By.ID, "send"))
    assert "Cảm ơn" in phone.find_element(By.ID, "msg-title").text
    shot(phone, "central-q-phone-thanks")
    uuid = rows(app, "SELECT uuid FROM q_responses WHERE channel = 'phone' AND centre_id = ? ORDER BY received_at DESC",
                [centre])[0][0]
    stored = {q: (c, t) for q, c, t in rows(app, "SELECT question_id, choice, text FROM q_answers WHERE response_uuid = ?",
                                            [uuid])}
    assert {q: c for q, (c, t) in stored.items() if q != "gop-y"} == {q: c for q, c in chosen.items() if q != "gop-y"}
    assert stored["gop-y"][1].startswith("Nên có thêm chỗ để xe.") and len(stored["gop-y"][1]) <= 500
    phone.get(f"{url}/q/{centre}/trung-tam/")
    assert "đã trả lời" in phone.find_element(By.ID, "msg-title").text
    assert not phone.find_elements(By.ID, "q-form")


def test_a_burst_of_phone_responses_is_flagged_and_shown_to_the_commune(site, phone, desk):
    from selenium.webdriver.common.by import By
    from central.questionnaires.phone import BURST_COUNT
    url, app, made = site
    centre = made["centres"][0]
    for i in range(BURST_COUNT):
        phone.delete_all_cookies()   # a new "device" each time, from the same network
        phone.get(f"{url}/q/{centre}/trung-tam/")
        phone.find_element(By.CSS_SELECTOR, "#f-access-info label").click()
        follow(phone, phone.find_element(By.ID, "send"))
        assert "Cảm ơn" in phone.find_element(By.ID, "msg-title").text
    flagged = rows(app, "SELECT count(*) FROM q_responses WHERE flag = 'burst' AND centre_id = ?", [centre])[0][0]
    assert flagged >= BURST_COUNT
    log_in(desk, url, "xa-ninh-giang")
    desk.get(f"{url}/questionnaires/analysis/{made['communes'][0]}/")
    assert f"{flagged} phiếu điện thoại bị gắn cờ" in desk.find_element(By.ID, "q-flagged").text


def type_and_enter(driver, element, text):
    """Type into a field and press Enter, waiting for the page Enter loads."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.webdriver.common.by import By
    old = driver.find_element(By.TAG_NAME, "html")
    element.send_keys(text + Keys.ENTER)
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_paper_forms_are_entered_by_keyboard_and_a_number_entered_twice_is_caught(site, desk):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    url, app, made = site
    centre = made["centres"][0]
    log_in(desk, url, "xa-ninh-giang")
    follow(desk, desk.find_element(By.ID, "nav-questionnaires"))
    follow(desk, desk.find_element(By.CSS_SELECTOR, f"a.entry-link[href*='{centre}/trung-tam']"))
    lines = ["12112" + "2" * 15 + "111", "0" * 20 + "000", "54321" * 4 + "422"]
    for n, digits in enumerate(lines, start=101):
        active = desk.switch_to.active_element
        assert active.get_attribute("id") == "form_no", "each form starts in the form number field"
        active.send_keys(str(n) + Keys.TAB)
        desk.switch_to.active_element.send_keys(digits + Keys.TAB)
        type_and_enter(desk, desk.switch_to.active_element, f"góp ý {n}" if n != 102 else "")
        assert desk.find_element(By.ID, "entry-saved").text == f"Đã lưu phiếu số {n}."
    got = rows(app, "SELECT form_no, entered_by FROM q_responses WHERE channel = 'paper' AND centre_id = ? "
                    "ORDER BY form_no", [centre])
    assert got == [("101", "xa-ninh-giang"), ("102", "xa-ninh-giang"), ("103", "xa-ninh-giang")]
    answers = dict(rows(app, "SELECT a.question_id, a.choice FROM q_answers a JOIN q_responses r ON r.uuid = a.response_uuid "
                             "WHERE r.form_no = '103' AND r.centre_id = ?", [centre]))
    assert answers["access-info"] == "RKHL" and answers["access-signs"] == "KHL" and answers["access-equipment"] == "HL"
    shot(desk, "central-q-entry", (1280, 1300))
    desk.switch_to.active_element.send_keys("0102" + Keys.TAB)
    desk.switch_to.active_element.send_keys("1" * 23 + Keys.TAB)
    type_and_enter(desk, desk.switch_to.active_element, "lần hai")
    error = desk.find_element(By.ID, "entry-error").text
    assert "Phiếu số 102 đã được nhập" in error and "xa-ninh-giang" in error
    assert desk.find_element(By.ID, "digits").get_attribute("value") == "1" * 23
    assert desk.find_element(By.ID, "comment").get_attribute("value") == "lần hai"
    assert rows(app, "SELECT count(*) FROM q_responses WHERE form_no = '102' AND centre_id = ?", [centre])[0][0] == 1
    desk.get(f"{url}/questionnaires/{made['centres'][1]}/trung-tam/entry/")
    assert "403" in desk.page_source + desk.title and "Vĩnh Bảo" not in desk.page_source


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools is not installed (make system-packages)")
def test_the_posters_qr_code_decodes_to_the_phone_link(site, desk):
    from selenium.webdriver.common.by import By
    url, app, made = site
    centre = made["centres"][0]
    log_in(desk, url, "xa-ninh-giang")
    desk.get(f"{url}/questionnaires/{centre}/trung-tam/poster/")
    link = f"{url}/q/{centre}/trung-tam/"
    assert desk.find_element(By.ID, "poster-url").text == link
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ NINH GIANG" in desk.find_element(By.ID, "poster").text
    png = shot(desk, "central-q-poster", (900, 1300))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert decoded.returncode == 0 and decoded.stdout.strip() == link
    pdf = desk.print_page()   # and as printed: Chromium's own A4 print, rendered by poppler, decoded again
    import base64
    printed = png.parent / "poster-print.pdf"
    printed.write_bytes(base64.b64decode(pdf))
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(printed), str(png.parent / "poster-print")],
                   check=True)
    again = subprocess.run(["zbarimg", "--quiet", "--raw", str(png.parent / "poster-print.png")],
                           capture_output=True, text=True)
    assert again.stdout.strip() == link


def test_the_analysis_page_shows_every_channel_to_the_commune_and_never_another_communes(site, desk):
    from selenium.webdriver.common.by import By
    url, app, made = site
    rng = random.Random(5)
    from central.questionnaires.catalogue import now
    kiosk_rows(app, made["kiosks"][0], made["centres"][0], now().date(), rng, 40, replaced_one=False)
    kiosk_rows(app, made["kiosks"][1], made["centres"][1], now().date(), rng, 9, replaced_one=False)
    log_in(desk, url, "xa-ninh-giang")
    follow(desk, desk.find_element(By.ID, "nav-questionnaires"))
    follow(desk, desk.find_element(By.CSS_SELECTOR, f"#q-analysis-links a[href*='{made['communes'][0]}']"))
    assert desk.find_element(By.ID, "q-index").text.endswith("%")
    assert desk.find_element(By.ID, "q-formula").text.startswith("Theo phương pháp SIPAS:")
    kiosk = desk.find_element(By.ID, "channel-kiosk").text
    assert "40" in kiosk
    shot(desk, "central-q-analysis", (1280, min(desk.execute_script("return document.body.scrollHeight") + 40, 2600)))
    desk.get(f"{url}/questionnaires/analysis/{made['communes'][1]}/")
    assert "403" in desk.page_source + desk.title and "Vĩnh Bảo" not in desk.page_source
    desk.get(f"{url}/questionnaires/analysis/hai-phong/")
    assert "403" in desk.page_source + desk.title


def test_after_a_refusal_or_a_save_the_clerks_next_keystrokes_replace_the_field_instead_of_joining_it(site, desk):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    url, app, made = site
    centre = made["centres"][0]
    log_in(desk, url, "tt-ninh-giang")
    desk.get(f"{url}/questionnaires/{centre}/trung-tam/entry/")
    good = "1" * 23
    desk.switch_to.active_element.send_keys("301" + Keys.TAB)
    type_and_enter(desk, desk.switch_to.active_element, good)
    assert desk.find_element(By.ID, "entry-saved").text == "Đã lưu phiếu số 301."
    # The suggested next number is selected: typing another number replaces it.
    assert desk.switch_to.active_element.get_attribute("id") == "form_no"
    desk.switch_to.active_element.send_keys("305" + Keys.TAB)
    type_and_enter(desk, desk.switch_to.active_element, good)
    assert desk.find_element(By.ID, "entry-saved").text == "Đã lưu phiếu số 305."
    # A number entered twice: the number field is focused with its text selected; the next number replaces it.
    desk.switch_to.active_element.send_keys("301" + Keys.TAB)
    type_and_enter(desk, desk.switch_to.active_element, good)
    assert "Phiếu số 301 đã được nhập" in desk.find_element(By.ID, "entry-error").text
    assert desk.switch_to.active_element.get_attribute("id") == "form_no"
    type_and_enter(desk, desk.switch_to.active_element, "302")
    assert desk.find_element(By.ID, "entry-saved").text == "Đã lưu phiếu số 302."
    # A wrong digit count: the answers field is focused with its text selected; retyping replaces it.
    desk.switch_to.active_element.send_keys(Keys.TAB)
    type_and_enter(desk, desk.switch_to.active_element, "1" * 22)
    assert "cần đúng 23 chữ số" in desk.find_element(By.ID, "entry-error").text
    assert desk.switch_to.active_element.get_attribute("id") == "digits"
    type_and_enter(desk, desk.switch_to.active_element, "2" * 23)
    assert desk.find_element(By.ID, "entry-saved").text == "Đã lưu phiếu số 303."
    got = rows(app, "SELECT form_no FROM q_responses WHERE channel = 'paper' AND centre_id = ? AND form_no >= '300' "
                    "AND form_no < '400' ORDER BY form_no", [centre])
    assert [n for (n,) in got] == ["301", "302", "303", "305"], "no joined numbers such as 302301"
    answers = dict(rows(app, "SELECT a.question_id, a.choice FROM q_answers a JOIN q_responses r ON r.uuid = a.response_uuid "
                             "WHERE r.form_no = '303' AND r.centre_id = ?", [centre]))
    assert answers["access-info"] == "HL", "the retyped answers replaced the refused ones"


def test_more_paper_forms_are_printed_from_the_questionnaires_page_and_a_bad_count_is_told_in_vietnamese(site, desk):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    url, app, made = site
    log_in(desk, url, "xa-ninh-giang")
    follow(desk, desk.find_element(By.ID, "nav-questionnaires"))
    form = desk.find_element(By.CSS_SELECTOR, f"form.print-run[action*='{made['centres'][0]}/trung-tam']")
    shot(desk, "central-q-list", (1280, 700))
    count = form.find_element(By.NAME, "count")
    count.send_keys(Keys.CONTROL, "a")
    count.send_keys("600")
    follow(desk, form.find_element(By.CSS_SELECTOR, "button"))
    message = desk.find_element(By.ID, "print-error").text
    assert "Số phiếu cần in «600»" in message and "từ 1 đến 500" in message

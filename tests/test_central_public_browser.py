"""The public pages in a real browser (Debian's chromium, headless, through Selenium), without a login
(issue 18): the city's and a commune's pages, the embed card inside another site's iframe (and the other
pages refused there), the waiting room's screen at 1920×1080 and 1080×1920, and an inspector's check of
an issued II.7 table at ``/kiem-tra/<code>``. No officer's code or name on any of them. Screenshots go to
build/screens/ (copied into docs/screens/ for the README)."""

from __future__ import annotations

import http.server
import re
import threading
from datetime import date, datetime

import pytest
import requests

from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_sqlite
from tests.test_central_browser import SCREENS, open_browser

from central.demo import build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402
from rating.period import LOCAL_TZ

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=LOCAL_TZ).timestamp()
OFFICER = re.compile(r"CB0\d")   # the demo's officer codes
SENTENCE = re.compile(r"Tháng này: \d{1,3},\d % người dân hài lòng")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public-browser")
    with central_service(folder, db=fresh_sqlite(folder), clock=lambda: NOW) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=4, days=40, per_day=20, today=TODAY, accounts=False)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, made


@pytest.fixture
def browser(tmp_path):
    yield from open_browser(tmp_path, "vi")


def wait_for(driver, condition, timeout=30):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(condition)


def viewport(driver, width, height):
    """The page's own viewport exactly ``width`` × ``height`` CSS pixels (a window's size includes its frame)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def shot(driver, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENS / f"{name}.png"))


def assert_no_officer(driver):
    assert not OFFICER.search(driver.page_source), driver.current_url
    assert "/login/" not in driver.current_url


def test_the_city_and_a_commune_are_public_and_name_no_officer(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    viewport(browser, 1280, 1400)
    browser.get(url + "/cong-khai/")
    assert_no_officer(browser)
    table = browser.find_element(By.ID, "public-units").text
    assert all(f"Xã {n}" in table for n in ("Ninh Giang", "Vĩnh Bảo", "Tiên Lãng", "Kiến Thụy"))
    assert re.search(r"\d+,\d % \(\d+,\d–\d+,\d\)", table), "rates with their interval"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#months tbody tr")) == 12
    shot(browser, "public-city")
    browser.find_element(By.LINK_TEXT, "Xã Ninh Giang").click()
    wait_for(browser, lambda d: d.current_url.endswith(f"/cong-khai/{made['communes'][0]}/"))
    assert_no_officer(browser)
    assert "Quầy 1" in browser.find_element(By.ID, "public-counters").text
    assert re.search(r"Tháng này \(11/2026\): \d+,\d % người dân hài lòng", browser.find_element(By.ID, "headline").text)
    assert f"/cong-khai/{made['communes'][0]}/nhung/" in browser.find_element(By.ID, "embed-snippet").text
    shot(browser, "public-commune")


class _Portal(http.server.BaseHTTPRequestHandler):
    """Another site — the commune's web portal — on its own port: another origin."""
    page = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def test_the_embed_card_shows_inside_a_portals_iframe_and_the_other_pages_refuse_to(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    c = made["communes"][1]
    _Portal.page = (f'<!doctype html><meta charset="utf-8"><h1>Cổng thông tin xã</h1>'
                    f'<iframe id="card" src="{url}/cong-khai/{c}/nhung/" width="360" height="560"></iframe>'
                    f'<iframe id="page" src="{url}/cong-khai/{c}/" width="360" height="200"></iframe>').encode()
    portal = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    threading.Thread(target=portal.serve_forever, daemon=True).start()
    try:
        viewport(browser, 900, 700)
        browser.get(f"http://127.0.0.1:{portal.server_address[1]}/")
        browser.switch_to.frame(browser.find_element(By.ID, "card"))
        card = wait_for(browser, lambda d: d.find_element(By.ID, "embed")).text
        assert re.search(r"Tháng này \(11/2026\):\s*\d+,\d % người dân hài lòng", card) and "Xã Vĩnh Bảo" in card
        assert_no_officer(browser)
        browser.switch_to.default_content()
        shot(browser, "public-embed")
        # The commune's full page refuses to be framed: the frame holds the browser's refusal, not the page.
        browser.switch_to.frame(browser.find_element(By.ID, "page"))
        wait_for(browser, lambda d: d.execute_script("return document.readyState") == "complete")
        assert not browser.find_elements(By.ID, "headline")
        browser.switch_to.default_content()
    finally:
        portal.shutdown()
        portal.server_close()


@pytest.mark.parametrize("width,height", [(1920, 1080), (1080, 1920)])
def test_the_lobby_fills_the_waiting_rooms_screen_in_large_type(site, browser, width, height):
    from selenium.webdriver.common.by import By
    url, made = site
    viewport(browser, width, height)
    browser.get(f"{url}/cong-khai/{made['centres'][0]}/sanh-cho/")
    assert_no_officer(browser)
    sentence = browser.find_element(By.ID, "lobby-sentence")
    assert SENTENCE.fullmatch(" ".join(sentence.text.split())), sentence.text
    figure = sentence.find_element(By.TAG_NAME, "strong")
    size = float(browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", figure))
    assert size >= min(width, height) * 0.15, "the rate readable across the room"
    fits = browser.execute_script(
        "const d = document.documentElement; return [d.scrollWidth <= innerWidth, d.scrollHeight <= innerHeight,"
        " [...document.querySelectorAll('main.lobby p')].every(p => { const r = p.getBoundingClientRect();"
        " return r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight; })]")
    assert fits == [True, True, True], "everything on the screen, nothing to scroll"
    assert browser.find_elements(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')
    shot(browser, f"public-lobby-{width}x{height}")


def test_an_inspector_checks_an_issued_table_without_a_login(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    model = requests.get(f"{url}/v1/reports/ii7?unit={made['communes'][2]}&from=2026-10-01&to=2026-10-31&format=json",
                         headers={"Authorization": f"Bearer {REPORT_TOKEN}"}).json()
    code, total = model["verification_code"], model["summary"]["total"]
    viewport(browser, 1280, 1000)
    browser.get(f"{url}/kiem-tra/{code}")
    assert browser.find_element(By.ID, "code").text == code
    assert browser.find_element(By.ID, "fact-counted").text.replace(".", "") == str(total["total"])
    levels = [e.text.replace(".", "") for e in browser.find_elements(By.CSS_SELECTOR, "#facts td.level")]
    assert levels == [str(total["levels"][c]) for c in model["codes"]]
    assert browser.find_element(By.ID, "fact-digest").text == model["verification"]["votes_sha256"]
    assert_no_officer(browser)
    shot(browser, "public-verify")
    browser.get(f"{url}/kiem-tra/AAAAAAAAAA")
    assert browser.find_element(By.ID, "problem").get_attribute("data-status") == "404"

"""The central service in a real browser (Debian's chromium, headless, through Selenium): logging in,
the overview, a commune's page, kiosk health, the registry — and a commune account kept to its own.
Screenshots go to build/screens/ (copied into docs/screens/ for the README)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.sync_helpers import central_service, fresh_sqlite

from central.demo import DEMO_PASSWORD, build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402

SCREENS = Path(__file__).resolve().parent.parent / "build" / "screens"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    with central_service(folder, db=fresh_sqlite(folder)) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=8, days=45, per_day=25)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, made


def open_browser(tmp_path, lang: str):
    """Headless chromium with ``lang`` as its locale; quit when the generator closes."""
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
                 f"--lang={lang}", f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(tmp_path):
    yield from open_browser(tmp_path, "vi")


@pytest.fixture
def us_browser(tmp_path):
    """A browser set to US English: the locale whose date fields read mm/dd/yyyy."""
    yield from open_browser(tmp_path, "en-US")


def log_in(driver, url, name):
    from selenium.webdriver.common.by import By
    driver.get(url + "/")
    assert "/login/" in driver.current_url
    driver.find_element(By.NAME, "username").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    follow(driver, driver.find_element(By.ID, "submit"))
    assert "/login/" not in driver.current_url, "the log-in was refused"


def follow(driver, element):
    """Click something that loads a new page, and wait until that page has replaced the old one.

    A click returns as soon as the browser has the event, before the next page loads; reading the
    page straight after races the navigation (a flake seen on CI). The old page is marked in its
    ``window``; a new page has a new window object without the mark. (Waiting for the old <html>
    element to go stale raced too: Chromium may answer "node does not belong to the document".)
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    driver.execute_script("window.__beforeClick = true")
    element.click()
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(lambda d: d.execute_script(
        "return window.__beforeClick === undefined && document.readyState === 'complete'"))


def download(driver, href, content_type):
    """Fetch a link as the logged-in browser would (its session cookie), and check what comes back."""
    import requests
    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    r = requests.get(href, cookies=cookies)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(content_type), (href, r.status_code, r.text[:200])
    return r


def shot(driver, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(max(height + 40, 700), 2400))
    driver.save_screenshot(str(SCREENS / f"central-{name}.png"))


def test_an_admin_logs_in_and_walks_the_overview_a_commune_kiosk_health_and_the_registry(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    log_in(browser, url, "admin")
    table = browser.find_element(By.ID, "overview")
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    names = table.text
    assert all(f"Xã {n}" in names for n in ("Ninh Giang", "Vĩnh Bảo", "Bạch Long Vĩ"))
    assert "%" in rows[0].text and "," in rows[0].text
    shot(browser, "overview")
    follow(browser, rows[0].find_element(By.TAG_NAME, "a"))
    assert re.fullmatch(r"\d+,\d % \(\d+,\d–\d+,\d\)", browser.find_element(By.ID, "unit-rate").text)   # with its interval
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart polyline")
    assert "Quầy 1" in browser.find_element(By.ID, "counters").text
    shot(browser, "commune")
    workbook = browser.find_element(By.ID, "dl-xlsx").get_attribute("href")
    download(browser, workbook, "application/vnd.openxmlformats")
    follow(browser, browser.find_element(By.ID, "nav-kiosks"))
    assert made["kiosks"][0] in browser.find_element(By.ID, "health").text
    shot(browser, "kiosks")
    follow(browser, browser.find_element(By.ID, "nav-registry"))
    form = browser.find_element(By.ID, "register")
    form.find_element(By.NAME, "kiosk_id").send_keys("demo-moi-01")
    follow(browser, form.find_element(By.TAG_NAME, "button"))
    secret = browser.find_element(By.ID, "secret")
    assert len(secret.text) >= 32
    shot(browser, "registry")


def test_a_commune_account_lands_on_its_commune_and_is_refused_another(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    own, other = made["communes"][0], made["communes"][1]
    log_in(browser, url, "xa-" + own.removeprefix("xa-"))
    assert browser.current_url.endswith(f"/unit/{own}/")
    assert not browser.find_elements(By.ID, "nav-registry")
    browser.get(url + f"/unit/{other}/")
    assert "Vĩnh Bảo" not in browser.page_source and "403" in browser.page_source + browser.title
    browser.get(url + "/kiosks/")
    text = browser.find_element(By.ID, "health").text
    assert made["kiosks"][0] in text and made["kiosks"][1] not in text
    browser.get(url + f"/unit/{own}/")
    own_book = browser.find_element(By.ID, "dl-xlsx").get_attribute("href")
    download(browser, own_book, "application/vnd.openxmlformats")
    import requests
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    assert requests.get(own_book.replace(f"unit={own}", f"unit={other}"), cookies=cookies).status_code == 403



def test_the_period_is_typed_and_shown_day_month_year_whatever_the_browsers_locale(site, us_browser):
    """A date field (type=date) shows the browser's locale — mm/dd/yyyy in a US browser; the period
    fields are text in dd/mm/yyyy, read by the server, with a clear error for a day that does not exist."""
    from selenium.webdriver.common.by import By
    url, made = site
    driver = us_browser
    log_in(driver, url, "admin")
    start, end = driver.find_element(By.ID, "period-from"), driver.find_element(By.ID, "period-to")
    assert start.get_attribute("type") == "text" and start.get_attribute("placeholder") == "dd/mm/yyyy"
    assert re.fullmatch(r"\d\d/\d\d/20\d\d", start.get_attribute("value")), start.get_attribute("value")
    for field, value in ((start, "01/11/2026"), (end, "22/11/2026")):
        field.clear()
        field.send_keys(value)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form.period button"))
    assert "from=01%2F11%2F2026" in driver.current_url
    assert driver.find_element(By.ID, "period-from").get_attribute("value") == "01/11/2026"
    assert driver.find_element(By.ID, "period-to").get_attribute("value") == "22/11/2026"
    assert "01/11/2026 – 22/11/2026" in driver.find_element(By.CSS_SELECTOR, "form.period").text
    assert not driver.find_elements(By.ID, "date-error")
    shot(driver, "period")
    # The right shape but no such day: the server says which field and what to type.
    start = driver.find_element(By.ID, "period-from")
    start.clear()
    start.send_keys("31/02/2026")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form.period button"))
    error = driver.find_element(By.ID, "date-error").text
    assert "31/02/2026" in error and "Từ ngày" in error and "22/11/2026" in error
    # The wrong shape never leaves the browser: the field's pattern refuses it (the server would too).
    start = driver.find_element(By.ID, "period-from")
    start.clear()
    start.send_keys("11-01-2026")
    assert driver.execute_script("return arguments[0].checkValidity()", start) is False


def test_on_a_phone_no_page_scrolls_sideways_and_no_percentage_breaks_from_its_sign(site, browser):
    """390 px, a common phone: the overview, a commune's page and kiosk health fit the width (a wide
    table scrolls inside its own box), and "89,4 %" never wraps between the number and the sign."""
    url, made = site
    log_in(browser, url, "admin")
    browser.set_window_size(390, 844)
    for path in ("/", f"/unit/{made['communes'][0]}/", "/kiosks/", "/registry/"):
        browser.get(url + path)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px on a phone"
        broken = browser.execute_script("""
            const out = [];
            for (const el of document.querySelectorAll('td, p, span, strong')) {
              if (el.children.length) continue;
              const t = el.textContent;
              if (!/\\d %/.test(t)) continue;
              const r = document.createRange(); r.selectNodeContents(el);
              const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
              if (lines.size > 1 && /^\\s*[\\d.,]+ %\\s*$/.test(t)) out.push(t);
            }
            return out;""")
        assert not broken, f"{path}: a percentage wraps: {broken[:3]}"
    browser.get(url + f"/unit/{made['communes'][0]}/")
    browser.set_window_size(390, 2400)
    browser.save_screenshot(str(SCREENS / "central-commune-phone.png"))


def test_a_commune_writes_an_action_on_a_low_rating_item_and_the_city_only_reads_it(site, browser):
    """Issue 18: "Việc cần khắc phục" on the commune's page — an action typed and saved in the browser, the
    plans' deadlines and the evidence bundle's link beside it; the city's account sees the same item, read-only."""
    from selenium.webdriver.common.by import By
    url, made = site
    commune = made["communes"][0]
    log_in(browser, url, commune)   # the demo's commune account is named as its commune
    assert f"/unit/{commune}/" in browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, "#action-items tr.item")
    assert rows, "the demo's low ratings make items"
    key = rows[0].get_attribute("data-item")
    rows[0].find_element(By.NAME, "action").send_keys("Họp rút kinh nghiệm với công chức quầy")
    follow(browser, rows[0].find_element(By.CSS_SELECTOR, "button.save"))
    row = browser.find_element(By.CSS_SELECTOR, f'#action-items tr[data-item="{key}"]')
    assert "Đã có biện pháp" in row.find_element(By.CSS_SELECTOR, "td.status").text
    assert row.find_elements(By.CSS_SELECTOR, "button.close")
    deadlines = browser.find_element(By.ID, "deadlines").text
    assert "15/02" in deadlines and "12/11" in deadlines and "còn" in deadlines
    assert browser.find_element(By.CSS_SELECTOR, "#bundle a.bundle").get_attribute("href").endswith(".zip")
    browser.execute_script("document.getElementById('actions').scrollIntoView()")
    shot(browser, "actions")
    follow(browser, browser.find_element(By.ID, "logout"))
    log_in(browser, url, "so-noi-vu")
    browser.get(f"{url}/unit/{commune}/")
    row = browser.find_element(By.CSS_SELECTOR, f'#action-items tr[data-item="{key}"]')
    assert "Họp rút kinh nghiệm" in row.text and not row.find_elements(By.TAG_NAME, "textarea")
    assert browser.find_element(By.ID, "actions-read-only").is_displayed()

"""The gaming checks' page in a real browser (headless chromium): a commune finds its burst with the votes
behind it and explains it; the city reads the explanation and cannot write one; another commune sees none
of it. Screenshots go to build/screens/."""

from __future__ import annotations

import pytest

from tests.sync_helpers import central_service, fresh_sqlite

from central.demo import DEMO_PASSWORD  # noqa: E402  (after Django is set up)
from tests.test_central_anomalies import KIOSKS, burst_kiosk, organise, synced
from tests.test_central_browser import follow, log_in, open_browser, shot

PERIOD = "from=01/11/2026&to=30/11/2026"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anomalies-browser")
    with central_service(folder, db=fresh_sqlite(folder), kiosks=KIOSKS) as (url, app):
        synced(folder, url, "kiosk-a", burst_kiosk)
        organise(app, DEMO_PASSWORD)
        yield url


@pytest.fixture
def browser(tmp_path):
    yield from open_browser(tmp_path, "vi")


def test_a_commune_explains_its_burst_and_the_city_reads_it(site, browser):
    from selenium.webdriver.common.by import By
    url = site
    log_in(browser, url, "xa-an")
    follow(browser, browser.find_element(By.ID, "nav-anomalies"))
    browser.get(f"{url}/anomalies/?{PERIOD}")
    finding = browser.find_element(By.CSS_SELECTOR, '.finding[data-check="burst"]')
    assert "50 phiếu «RHL» liên tiếp" in finding.text and "kiosk-a:" in finding.text
    assert browser.find_element(By.ID, "state-no_transaction").is_displayed()   # says what it needs, not "nothing"
    finding.find_element(By.NAME, "text").send_keys("Hộp nút bị kẹt lúc đóng cửa; đã thay.")
    follow(browser, finding.find_element(By.TAG_NAME, "button"))
    assert "Hộp nút bị kẹt lúc đóng cửa; đã thay." in browser.find_element(By.CSS_SELECTOR, ".finding .explanation").text
    shot(browser, "anomalies-commune")
    follow(browser, browser.find_element(By.ID, "logout"))

    log_in(browser, url, "thanh-pho")
    browser.get(f"{url}/anomalies/?{PERIOD}")
    finding = browser.find_element(By.CSS_SELECTOR, '.finding[data-check="burst"]')
    assert "Hộp nút bị kẹt" in finding.text and "xa-an" in finding.text
    assert finding.find_elements(By.NAME, "text") == []   # the city reads, it does not explain
    shot(browser, "anomalies-city")


def test_another_commune_sees_none_of_it(site, browser):
    from selenium.webdriver.common.by import By
    url = site
    log_in(browser, url, "xa-binh")
    browser.get(f"{url}/anomalies/?{PERIOD}")
    assert browser.find_elements(By.CSS_SELECTOR, ".finding") == []
    browser.get(f"{url}/anomalies/?unit=xa-an&{PERIOD}")
    assert "kiosk-a" not in browser.page_source

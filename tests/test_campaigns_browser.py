"""The campaign pages in a real browser (Debian's chromium, headless, through Selenium), for each role: the
city starts a campaign for the commune it ticks, a commune's office sees and may stop its own, a centre
reads without a start form or stop button. Screenshots go to build/screens/."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.test_central_browser import follow, log_in
from tests.test_central_q_browser import _driver, shot
from tests.test_central_q_web import _site
from tests.sync_helpers import fresh_sqlite


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign-browser")
    cm, url, app, made = _site(folder, fresh_sqlite(folder))
    try:
        yield url, app, made
    finally:
        cm.__exit__(None, None, None)


@pytest.fixture
def desk(tmp_path):
    driver = _driver(tmp_path, mobile=False)
    try:
        yield driver
    finally:
        driver.quit()


def until_text() -> str:
    return (datetime.now(timezone(timedelta(hours=7))).date() + timedelta(days=30)).strftime("%d/%m/%Y")


def test_the_city_starts_a_campaign_for_the_commune_it_ticks_and_each_role_sees_what_it_may(site, desk):
    from selenium.webdriver.common.by import By
    url, app, made = site
    ninh_giang, vinh_bao = made["communes"]
    log_in(desk, url, "so-noi-vu")
    follow(desk, desk.find_element(By.ID, "nav-campaigns"))
    desk.find_element(By.CSS_SELECTOR, f"input[name='unit'][value='{ninh_giang}']").click()
    desk.find_element(By.CSS_SELECTOR, "input[name='mode'][value='invite']").click()
    desk.find_element(By.ID, "until").send_keys(until_text())
    shot(desk, "central-campaign-start", (1280, 800))
    follow(desk, desk.find_element(By.ID, "start"))
    assert "Đã bắt đầu chiến dịch" in desk.find_element(By.ID, "campaign-message").text
    follow(desk, desk.find_element(By.CSS_SELECTOR, "a.campaign-link"))
    assert desk.find_element(By.ID, f"unit-{ninh_giang}") and not desk.find_elements(By.ID, f"unit-{vinh_bao}")
    assert desk.find_elements(By.ID, "stop"), "the city may stop its campaign"
    shot(desk, "central-campaign", (1280, 800))
    campaign_url = desk.current_url
    follow(desk, desk.find_element(By.ID, "logout"))

    log_in(desk, url, "xa-ninh-giang")   # the commune: reads the city's campaign, may not stop it, starts its own
    desk.get(campaign_url)
    assert desk.find_element(By.ID, f"unit-{ninh_giang}") and not desk.find_elements(By.ID, "stop")
    assert desk.find_elements(By.CSS_SELECTOR, "form.mark-forms"), "the office marks its paper forms"
    desk.get(url + "/campaigns/")
    assert desk.find_element(By.ID, "start-campaign") and not desk.find_elements(By.CSS_SELECTOR, "input[name='unit']")
    follow(desk, desk.find_element(By.ID, "logout"))

    log_in(desk, url, "xa-vinh-bao")   # the other commune: not its campaign
    desk.get(url + "/campaigns/")
    assert not desk.find_elements(By.CSS_SELECTOR, "a.campaign-link")
    desk.get(campaign_url)
    assert "/campaigns/" in desk.current_url and not desk.find_elements(By.ID, "progress")
    desk.get(url + "/campaigns/")
    desk.find_element(By.ID, "until").send_keys(until_text())
    follow(desk, desk.find_element(By.ID, "start"))
    assert "Đã bắt đầu chiến dịch" in desk.find_element(By.ID, "campaign-message").text
    follow(desk, desk.find_element(By.CSS_SELECTOR, "a.campaign-link"))
    assert desk.find_elements(By.ID, "stop"), "a commune stops its own campaign"
    follow(desk, desk.find_element(By.ID, "stop"))
    assert "đã dừng" in desk.find_element(By.ID, "campaign-summary").text
    follow(desk, desk.find_element(By.ID, "logout"))

    log_in(desk, url, "tt-ninh-giang")   # the centre: reads
    desk.get(url + "/campaigns/")
    assert not desk.find_elements(By.ID, "start-campaign")
    desk.get(campaign_url)
    assert desk.find_element(By.ID, "progress") and not desk.find_elements(By.ID, "stop")
    shot(desk, "central-campaign-centre", (1280, 800))

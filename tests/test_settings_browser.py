"""The managed-settings pages in a real browser (Chromium), per role (issue 17): the admin edits a
commune's defaults and reads their history; a commune account edits its own and is refused another's;
a centre account only reads; a fragment a kiosk could not apply is refused on the page with its key
named, the text typed kept in the box."""

from __future__ import annotations

import pytest

from tests.sync_helpers import central_service, fresh_sqlite
from tests.test_central_browser import follow, log_in, open_browser, shot

from central.demo import build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402

COUNTERS = '[[counters]]\nid = "Q1"\nname = "Quầy 1 — Tư pháp"\n'
MORE = COUNTERS + '\n[[counters]]\nid = "Q2"\nname = "Quầy 2 — Đất đai"\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("settings-browser")
    with central_service(folder, db=fresh_sqlite(folder)) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=2, days=3, per_day=5)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, made


@pytest.fixture
def browser(tmp_path):
    yield from open_browser(tmp_path, "vi")


def save(driver, text: str) -> None:
    """Type ``text`` into the settings box (replacing what is there) and save."""
    from selenium.webdriver.common.by import By
    box = driver.find_element(By.ID, "settings-text")
    box.clear()
    box.send_keys(text)
    follow(driver, driver.find_element(By.ID, "settings-save"))


def by_id(driver, name: str):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.ID, name)


def test_the_admin_edits_a_communes_defaults_and_reads_their_history(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    commune = made["communes"][1]
    log_in(browser, url, "admin")
    browser.get(url + "/settings/")
    follow(browser, browser.find_element(By.CSS_SELECTOR, f'#settings-units a[href="/settings/unit/{commune}/"]'))
    save(browser, COUNTERS)
    assert by_id(browser, "settings-saved").is_displayed()
    save(browser, MORE)
    history = by_id(browser, "settings-history").find_elements(By.CSS_SELECTOR, "tr")[1:]
    assert len(history) == 2 and all("admin" in row.text for row in history)
    assert "Quầy 2 — Đất đai" in history[0].text and "Quầy 2" not in history[1].text   # newest first
    assert "Quầy 1 — Tư pháp" in history[1].text
    shot(browser, "settings-history")


def test_a_commune_account_edits_its_own_defaults_and_is_refused_another_communes(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    own, other = made["communes"]
    log_in(browser, url, "xa-" + own.removeprefix("xa-"))
    browser.get(url + "/settings/")
    listed = by_id(browser, "settings-units").text
    assert own in listed and other not in listed
    browser.get(url + f"/settings/unit/{own}/")
    save(browser, COUNTERS)
    assert by_id(browser, "settings-saved").is_displayed()
    assert "xa-" + own.removeprefix("xa-") in by_id(browser, "settings-history").text
    browser.get(url + f"/settings/unit/{other}/")
    assert by_id(browser, "problem").get_attribute("data-status") == "403"   # the refusal page, in words
    assert not browser.find_elements(By.ID, "settings-form")
    shot(browser, "settings-403")


def test_a_centre_account_reads_its_settings_and_has_no_form(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    centre, kiosk = made["centres"][0], made["kiosks"][0]
    log_in(browser, url, "tt-" + made["communes"][0].removeprefix("xa-"))
    for path in (f"/settings/unit/{centre}/", f"/settings/kiosk/{kiosk}/"):
        browser.get(url + path)
        assert by_id(browser, "settings-text").tag_name == "pre", path
        assert not browser.find_elements(By.ID, "settings-form") and not browser.find_elements(By.ID, "settings-save")
    shot(browser, "settings-read-only")


def test_a_fragment_a_kiosk_could_not_apply_is_refused_on_the_page_with_the_key_named(site, browser):
    url, made = site
    commune = made["communes"][0]
    log_in(browser, url, "admin")
    browser.get(url + f"/settings/unit/{commune}/")
    bad = '[kiosk]\nlanguage = "fr"\n\n[sync]\nurl = "http://x"\n'
    save(browser, bad)
    problems = by_id(browser, "settings-problems").text
    assert "[kiosk] language" in problems and "[sync]: set on the device only" in problems
    assert by_id(browser, "settings-text").get_attribute("value") == bad   # nothing typed is lost
    assert not browser.find_elements("id", "settings-saved")
    shot(browser, "settings-refused")

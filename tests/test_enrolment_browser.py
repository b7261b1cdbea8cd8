"""The registry page's enrolment code in a real browser (chromium): an administrator makes a code, sees it
once with its QR, how long it works and the device's command; the code waits in the list until used,
and the kiosk-health page then shows the kiosk's check-in."""

from __future__ import annotations

import pytest

from rating import enrolment
from tests.conftest import run_cli
from tests.sync_helpers import central_service, fresh_sqlite
from tests.test_central_browser import follow, log_in, open_browser, shot

from central.demo import build  # noqa: E402
from central.runtime import activate, deactivate  # noqa: E402


@pytest.fixture
def browser(tmp_path):
    yield from open_browser(tmp_path, "vi")


def test_an_admin_makes_an_enrolment_code_and_the_kiosk_enrolled_with_it_checks_in(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    with central_service(tmp_path, db=fresh_sqlite(tmp_path)) as (url, app):
        token = activate(app.runtime)
        try:
            build(app.runtime.alias, communes=2, days=2, per_day=2)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        log_in(browser, url, "admin")
        browser.get(url + "/registry/")
        form = browser.find_element(By.ID, "enrol")
        assert "24 giờ" in browser.find_element(By.TAG_NAME, "main").text   # how long a code works, said
        form.find_element(By.NAME, "kiosk_id").send_keys("moi-web-01")
        Select(form.find_element(By.NAME, "centre")).select_by_index(0)
        follow(browser, form.find_element(By.TAG_NAME, "button"))
        code = browser.find_element(By.ID, "code").text
        assert enrolment.normalise(code) == code
        assert browser.find_element(By.CSS_SELECTOR, "#code-qr svg").size["width"] > 100
        command = browser.find_element(By.ID, "code-command").text
        assert command == f"python main.py enrol {url} {code}"
        assert "moi-web-01" in browser.find_element(By.ID, "pending-codes").text
        shot(browser, "registry-enrolment")
        # The device runs the command shown; the code leaves the list and the kiosk shows on the health page.
        device = tmp_path / "device"
        device.mkdir()
        r = run_cli("enrol", url, code, config=device / "kiosk.toml")
        assert r.returncode == 0, r.stderr
        browser.get(url + "/registry/")
        assert not browser.find_elements(By.ID, "pending-codes")
        assert "moi-web-01" in browser.find_element(By.ID, "registry").text
        assert code not in browser.page_source   # shown once, never again
        browser.get(url + "/kiosks/")
        row = next(tr for tr in browser.find_elements(By.CSS_SELECTOR, "#health tr") if "moi-web-01" in tr.text)
        cells = row.find_elements(By.TAG_NAME, "td")
        assert cells[2].text != "—" and cells[3].text != "—"   # last sync (enrol synced) and last check-in

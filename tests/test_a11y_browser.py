"""Accessibility in the real browser (issue 19): the phone questionnaire and every central page, for each
role that can see it, pass axe-core's WCAG 2.1 A/AA audit with no serious or critical violation, at the
desktop and the phone (390 px) width (tests/a11y.py); and an officer works with the keyboard alone,
seeing where the focus is.

A new page is one line in ``PAGES``: (name, path, who may see it, what it answers)."""

from __future__ import annotations

import pytest

from tests.a11y import audit, audit_widths, focus_ring
from tests.sync_helpers import REPORT_TOKEN, central_service, fresh_sqlite   # sets Django up: before central's models
from tests.test_central_browser import follow, open_browser

from central.demo import DEMO_PASSWORD, build, build_questionnaire_demo  # noqa: E402, I001
from central.runtime import activate, deactivate  # noqa: E402

# The demo's accounts (central/demo.py), one per role.
ACCOUNTS = {"admin": "admin", "city": "so-noi-vu", "commune": "xa-ninh-giang", "centre": "tt-ninh-giang"}
EVERYONE = tuple(ACCOUNTS)
ANONYMOUS = "anonymous"   # not logged in: the public pages and the log-in
ABOVE_CENTRE = ("admin", "city", "commune")   # who sees a whole commune
OFFICE = ("admin", "commune", "centre")   # who enters paper forms (central.questionnaires.office.may_enter)
PAGE, FORBIDDEN, NOT_FOUND = "page", 403, 404

# (name, path, roles, expected): {commune}, {other} (another commune), {centre} and {q} (the centre's
# questionnaire pages) are filled in from the demo. Every page of the service is here, with each role
# that can open it; a refusal is a page too, audited like the others.
PAGES = [
    ("overview", "/", ("admin", "city"), PAGE),
    ("commune page", "/unit/{commune}/", ABOVE_CENTRE, PAGE),
    ("centre page", "/unit/{centre}/", EVERYONE, PAGE),
    ("commune page, a day that does not exist", "/unit/{commune}/?from=31/02/2026", ("admin",), PAGE),
    ("kiosk health", "/kiosks/", EVERYONE, PAGE),
    ("registry", "/registry/", ("admin",), PAGE),
    ("questionnaires", "/questionnaires/", EVERYONE, PAGE),
    ("analysis, city-wide", "/questionnaires/analysis/hai-phong/", ("admin", "city"), PAGE),
    ("analysis, a commune", "/questionnaires/analysis/{commune}/", ABOVE_CENTRE, PAGE),
    ("analysis, a centre", "/questionnaires/analysis/{centre}/", EVERYONE, PAGE),
    ("paper entry", "{q}/entry/", OFFICE, PAGE),
    ("poster", "{q}/poster/", EVERYONE, PAGE),
    ("paper forms, a bad count", "{q}/paper.pdf?first=1&count=600", EVERYONE, PAGE),
    ("another commune (403)", "/unit/{other}/", ("commune", "centre"), FORBIDDEN),
    ("the registry (403)", "/registry/", ("city", "commune", "centre"), FORBIDDEN),
    ("no such page (404)", "/khong-co-trang-nay/", EVERYONE, NOT_FOUND),
    ("served transactions", "/unit/{commune}/served/", ABOVE_CENTRE, PAGE),
    ("served transactions, a centre", "/unit/{centre}/served/", OFFICE, PAGE),
    # The public pages (no login), and the check of an issued II.7 table.
    ("gaming checks, a commune", "/anomalies/?unit={commune}", ABOVE_CENTRE, PAGE),
    ("managed settings", "/settings/", EVERYONE, PAGE),
    ("campaigns", "/campaigns/", EVERYONE, PAGE),
    ("a campaign", "/campaigns/{campaign}/", EVERYONE, PAGE),
    ("managed settings, a commune", "/settings/unit/{commune}/", ABOVE_CENTRE, PAGE),
    ("public, the city", "/cong-khai/", (ANONYMOUS,), PAGE),
    ("public, a commune", "/cong-khai/{commune}/", (ANONYMOUS,), PAGE),
    ("public, the commune's card to embed", "/cong-khai/{commune}/nhung/", (ANONYMOUS,), PAGE),
    ("public, the lobby screen", "/cong-khai/{commune}/sanh-cho/", (ANONYMOUS,), PAGE),   # see ALLOWED
    ("public, an issued II.7 checked", "/kiem-tra/{code}", (ANONYMOUS,), PAGE),
    ("public, a code never issued (404)", "/kiem-tra/AAAAAAAAAA", (ANONYMOUS,), NOT_FOUND),
]

# Findings accepted on one page, each with its reason (the audit still fails on any other).
ALLOWED = {
    "public, the lobby screen": {
        "meta-refresh": "a wall screen in the centre's hall that nobody operates: it reloads itself every few "
                        "minutes to show the day's figures (WCAG 2.2.1's real-time exception)"},
}

# Routes that are no page to audit (the API, files, redirects, POST-only actions), and pages audited by a
# test of their own below. Every other route of central.urls must have a line in PAGES.
NOT_PAGES = {"logout/", "lang/<str:code>/", "kiosks/<str:kiosk_id>/release-held-back/", "export/votes.csv",
             "healthz", "openapi.json", "^static/(?P<path>.*)$", "cong-khai/du-lieu.json",
             "cong-khai/<str:unit_id>/du-lieu.json", "kiem-tra/<str:code>/", "anomalies/note/",
             "campaigns/<str:campaign_id>/households/", "campaigns/<str:campaign_id>/paper/",
             "campaigns/<str:campaign_id>/stop/", "unit/<str:unit_id>/actions/",
             "unit/<str:unit_id>/minh-chung/<int:year>.zip"}
AUDITED_BELOW = {"login/", "q/<str:centre_id>/<str:questionnaire_id>/"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("a11y")
    with central_service(folder, db=fresh_sqlite(folder)) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=3, days=20, per_day=12)
            build_questionnaire_demo(per_channel={"kiosk": 6, "phone": 3, "paper": 2})
            from datetime import date as _date, datetime as _dt, timedelta as _td, timezone as _tz
            from central import campaigns
            from central.models import Unit
            today = _date.today()
            campaign = campaigns.start("trung-tam", list(Unit.objects.filter(id__in=made["communes"])), today,
                                       today + _td(days=30), "invite", "admin", _dt.now(_tz.utc), today)
            made = {**made, "campaign": campaign.id}
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        import requests   # an issued II.7 table, for its public check
        from datetime import date, timedelta
        end = date.today()   # any period works; this one has the demo's votes
        r = requests.get(f"{url}/v1/reports/ii7?unit={made['communes'][0]}&from={end - timedelta(days=14)}&to={end}"
                         "&format=json", headers={"Authorization": f"Bearer {REPORT_TOKEN}"})
        assert r.status_code == 200, r.text[:300]
        model = r.json()
        yield url, {**made, "code": model["verification_code"]}


@pytest.fixture
def browser(tmp_path):
    yield from open_browser(tmp_path, "vi")


def fill(path: str, made: dict) -> str:
    centre = made["centres"][0]
    return path.format(commune=made["communes"][0], other=made["communes"][1], centre=centre, code=made["code"],
                       campaign=made["campaign"],
                       q=f"/questionnaires/{centre}/trung-tam")


def log_in(driver, url: str, username: str) -> None:
    from selenium.webdriver.common.by import By
    driver.delete_all_cookies()
    driver.get(url + "/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    follow(driver, driver.find_element(By.ID, "submit"))
    assert "/login/" not in driver.current_url, f"{username} was refused"


def status_of(driver) -> int | str:
    """What the page answered, as the refusal page marks it (``data-status``), else a page."""
    from selenium.webdriver.common.by import By
    problem = driver.find_elements(By.ID, "problem")
    return int(problem[0].get_attribute("data-status")) if problem else PAGE


def test_the_log_in_page_and_a_refusal_pass_the_audit_before_logging_in(site, browser):
    from selenium.webdriver.common.by import By
    url, _ = site
    browser.get(url + "/login/")
    audit_widths(browser, "login")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys("not-the-password")
    follow(browser, browser.find_element(By.ID, "submit"))
    assert browser.find_elements(By.CSS_SELECTOR, "p.error")
    audit_widths(browser, "login, a wrong password")
    browser.get(url + "/khong-co-trang-nay/")
    assert status_of(browser) == NOT_FOUND
    audit_widths(browser, "404, not logged in")
    browser.get(url + "/q/khong-co/trung-tam/")
    assert browser.find_element(By.ID, "msg-title").text
    audit_widths(browser, "phone questionnaire, a link that leads nowhere")


def test_every_page_of_the_service_has_its_line_in_the_audit(site):
    """A page added to central.urls without a line in PAGES fails here, naming its route."""
    from django.urls import get_resolver, resolve
    _, made = site
    reached = {resolve(fill(path, made).split("?")[0]).route for _, path, _, expected in PAGES if expected != NOT_FOUND}
    routes = set(flat_routes(get_resolver().url_patterns))
    missing = {r for r in routes - reached - NOT_PAGES - AUDITED_BELOW if not r.startswith("v1/")}
    assert not missing, f"add a line to PAGES in tests/test_a11y_browser.py for: {sorted(missing)}"


def flat_routes(patterns, prefix: str = ""):
    """Every route of a URL list, an include()'s own routes under its prefix (as resolve() names them)."""
    for p in patterns:
        if hasattr(p, "url_patterns"):
            yield from flat_routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


@pytest.mark.parametrize("role", (ANONYMOUS, *EVERYONE))
def test_every_page_a_role_can_open_passes_the_audit_at_desktop_and_phone_widths(site, browser, role):
    url, made = site
    if role != ANONYMOUS:
        log_in(browser, url, ACCOUNTS[role])
    seen = []
    for name, path, roles, expected in PAGES:
        if role not in roles:
            continue
        browser.get(url + fill(path, made))
        assert status_of(browser) == expected, f"{name} ({role}): expected {expected}, got {status_of(browser)}"
        audit_widths(browser, f"{name} ({role})", allow=ALLOWED.get(name, {}))
        seen.append(name)
    assert seen


def test_the_phone_questionnaire_passes_the_audit_from_start_to_thanks(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    centre = made["centres"][0]
    browser.get(f"{url}/q/{centre}/trung-tam/")
    audit_widths(browser, "phone questionnaire, start")
    for fieldset in browser.find_elements(By.CSS_SELECTOR, "#q-form fieldset")[:4]:
        label = fieldset.find_elements(By.TAG_NAME, "label")[0]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
        label.click()
    audit_widths(browser, "phone questionnaire, answering")
    follow(browser, browser.find_element(By.ID, "send"))
    assert "Cảm ơn" in browser.find_element(By.ID, "msg-title").text
    audit_widths(browser, "phone questionnaire, thanks")
    browser.get(f"{url}/q/{centre}/trung-tam/")
    assert "đã trả lời" in browser.find_element(By.ID, "msg-title").text
    audit_widths(browser, "phone questionnaire, answered already")
    # In English (the page's own switch): marked lang="en", the switch back marked as Vietnamese.
    browser.get(f"{url}/q/{made['centres'][2]}/trung-tam/")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "a.lang"))
    assert browser.find_element(By.CSS_SELECTOR, "a.lang").get_attribute("lang") == "vi"
    audit_widths(browser, "phone questionnaire in English", lang="en")


def test_the_english_pages_are_marked_english_and_pass_the_audit(site, browser):
    from selenium.webdriver.common.by import By
    url, made = site
    log_in(browser, url, ACCOUNTS["commune"])
    follow(browser, browser.find_element(By.CSS_SELECTOR, "header a[href^='/lang/en/']"))
    assert browser.find_element(By.CSS_SELECTOR, "header a[href^='/lang/vi/']").get_attribute("lang") == "vi"
    for name, path in (("commune page", "/unit/{commune}/"), ("questionnaires", "/questionnaires/"),
                       ("another commune (403)", "/unit/{other}/")):
        browser.get(url + fill(path, made))
        audit_widths(browser, f"{name} in English (commune)", lang="en")


# --- The keyboard alone -------------------------------------------------------------------------------

def press(driver, *keys) -> None:
    """Press keys as a person does, on whatever has the focus (no element is clicked)."""
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(driver).send_keys(*keys).perform()


def press_and_follow(driver, key) -> None:
    """Press a key that loads a new page (Enter on a link or in a form) and wait for that page."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    driver.execute_script("window.__beforeKey = true")
    press(driver, key)
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(lambda d: d.execute_script(
        "return window.__beforeKey === undefined && document.readyState === 'complete'"))


def focused(driver) -> dict:
    """The focused element, as a test names it: its id, tag, text and link."""
    return driver.execute_script("""const el = document.activeElement;
        return {id: el.id, tag: el.tagName.toLowerCase(), name: el.name || '', href: el.getAttribute('href') || '',
                text: (el.innerText || el.value || '').trim().slice(0, 60), cls: el.className || ''};""")


def tab_to(driver, wanted, limit: int = 60, back: bool = False) -> list[dict]:
    """Press Tab (Shift+Tab with ``back``) until the focused element is the one ``wanted`` picks, checking
    at every stop that the focus is visible; return the stops passed (the focus order)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    stops = []
    for _ in range(limit):
        if back:
            ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        else:
            press(driver, Keys.TAB)
        now = focused(driver)
        assert now["tag"] != "body", (f"the focus left the page before reaching what was wanted; the stops were "
                                      f"{[el['id'] or el['href'] or el['text'] for el in stops]}")
        ring = focus_ring(driver)
        assert ring["visible"], f"the focus is not visible on {now} ({ring['outline']}; shadow {ring['shadow']})"
        stops.append(now)
        if wanted(now):
            return stops
    raise AssertionError(f"not reached in {limit} Tabs; the stops were {[s['id'] or s['text'] for s in stops]}")


def by_id(name):
    return lambda el: el["id"] == name


def test_an_officer_logs_in_and_reaches_the_main_actions_with_tab_and_enter_alone_seeing_the_focus(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    url, made = site
    browser.get(url + "/login/")
    # The page opens with the focus in the first field; before it, the menu and the skip link.
    assert focused(browser)["id"] == "username"
    back = tab_to(browser, lambda el: el["cls"] == "skip-link", back=True)
    assert [el["href"].split("?")[0] for el in back] == ["/lang/en/", "#main"], back
    # Focus order: the skip link, the menu, then the form's fields in reading order.
    order = [el["id"] or el["href"].split("?")[0] for el in tab_to(browser, by_id("submit"))]
    assert order == ["/lang/en/", "username", "password", "submit"], order
    tab_to(browser, by_id("username"), back=True)
    press(browser, "admin", Keys.TAB, DEMO_PASSWORD)
    press_and_follow(browser, Keys.ENTER)
    assert browser.find_element(By.ID, "overview")
    # The skip link moves the keyboard past the menu, into the page's main content.
    tab_to(browser, lambda el: el["cls"] == "skip-link", limit=1)
    press(browser, Keys.ENTER)
    assert browser.execute_script("return document.activeElement.id") == "main"
    # A commune's page from the overview's first row.
    tab_to(browser, lambda el: el["href"].startswith(f"/unit/{made['communes'][0]}/"))
    press_and_follow(browser, Keys.ENTER)
    assert f"/unit/{made['communes'][0]}/" in browser.current_url
    tab_to(browser, by_id("dl-xlsx"))   # the II.7 download is reachable (Enter would download it)
    # Kiosk health, the registry, registering a kiosk: Tab, type, Enter.
    tab_to(browser, by_id("nav-kiosks"), back=True)
    press_and_follow(browser, Keys.ENTER)
    assert made["kiosks"][0] in browser.find_element(By.ID, "health").text
    tab_to(browser, by_id("nav-registry"))
    press_and_follow(browser, Keys.ENTER)
    tab_to(browser, lambda el: el["name"] == "kiosk_id")   # the first form: a new kiosk's enrolment code
    press(browser, "ban-phim-01")
    press_and_follow(browser, Keys.ENTER)
    assert browser.find_element(By.ID, "code").text
    audit(browser, "registry, an enrolment code shown (admin)")
    # The questionnaires: a centre's paper entry, by keyboard as the clerks work.
    tab_to(browser, by_id("nav-questionnaires"), back=True)
    press_and_follow(browser, Keys.ENTER)
    tab_to(browser, lambda el: "entry-link" in el["cls"])
    press_and_follow(browser, Keys.ENTER)
    assert "/entry/" in browser.current_url
    # And out: the log-out button.
    tab_to(browser, by_id("logout"), back=True)
    press_and_follow(browser, Keys.ENTER)
    assert "/login/" in browser.current_url


def test_a_citizen_answers_the_phone_questionnaire_with_the_keyboard_alone_seeing_the_focus(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    url, made = site
    browser.delete_all_cookies()
    browser.get(f"{url}/q/{made['centres'][1]}/trung-tam/")
    groups = browser.find_elements(By.CSS_SELECTOR, "#q-form fieldset")
    answered = 0
    for _ in groups:
        # One Tab per question (a radio group is one stop), Space picks the first answer, an arrow the next.
        stop = tab_to(browser, lambda el: el["tag"] in ("input", "textarea"))[-1]
        if stop["tag"] == "textarea":
            press(browser, "Góp ý gõ bằng bàn phím")
        else:
            press(browser, Keys.SPACE, Keys.ARROW_DOWN)
            answered += 1
    tab_to(browser, by_id("send"))
    checked = browser.execute_script("return document.querySelectorAll('#q-form input:checked').length")
    assert checked == answered and answered == len(groups) - 1
    press_and_follow(browser, Keys.ENTER)
    assert "Cảm ơn" in browser.find_element(By.ID, "msg-title").text


def test_a_table_wider_than_a_phone_is_a_tab_stop_scrolled_by_the_arrows_and_on_a_desktop_is_not(site, browser):
    from selenium.webdriver.common.keys import Keys

    from tests.a11y import DESKTOP, PHONE, resize
    url, _ = site
    log_in(browser, url, ACCOUNTS["admin"])
    browser.get(url + "/kiosks/")
    stops = lambda: browser.execute_script(
        "return [...document.querySelectorAll('main table[tabindex]')].map(t => t.id)")
    assert stops() == [], "on a desktop the table fits: no extra stop in the tab order"
    resize(browser, *PHONE)
    assert stops() == ["health"]
    tab_to(browser, by_id("health"))
    press(browser, *[Keys.ARROW_RIGHT] * 6)
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 10).until(   # the browser scrolls smoothly: wait for it to move
        lambda d: d.execute_script("return document.getElementById('health').scrollLeft") > 0)
    resize(browser, *DESKTOP)
    assert stops() == [], "back at the desktop width the stop goes again"

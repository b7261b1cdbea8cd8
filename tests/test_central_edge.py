"""What the service still let through (issue 20), each seen failing before its fix, on SQLite and
PostgreSQL: unstorable text in any URL, open redirects, a lock-out anyone could trigger, blank
passwords, missing security headers, a database fault answered 500, a start that needs the database.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
import requests

from tests.sync_helpers import central_service, fresh_postgresql, fresh_sqlite, postgres_server  # noqa: F401

from central.demo import DEMO_PASSWORD, build  # noqa: E402  (Django is set up by sync_helpers)
from central.runtime import activate, deactivate  # noqa: E402


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    """A demo city per database, shared by the module's tests (they add only their own rows)."""
    folder = tmp_path_factory.mktemp("edge")
    db = fresh_sqlite(folder) if request.param == "sqlite" else fresh_postgresql(request.getfixturevalue("postgres_server"))
    with central_service(folder, db=db) as (url, app):
        token = activate(app.runtime)
        try:
            made = build(app.runtime.alias, communes=2, days=3, per_day=4)
        finally:
            deactivate(token)
            from django.db import connections
            connections[app.runtime.alias].close()
        yield url, app, made


def login(url, username="admin", password=DEMO_PASSWORD, address=None, next_=None):
    """A session after one login attempt, and the attempt's answer (no redirect followed)."""
    s = requests.Session()
    headers = {"X-Forwarded-For": address} if address else {}
    form = s.get(url + "/login/", headers=headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    target = "/login/" + (f"?next={quote(next_, safe='')}" if next_ is not None else "")
    r = s.post(url + target, data={"username": username, "password": password, "csrfmiddlewaretoken": token},
               headers={"Referer": url + "/login/", **headers}, allow_redirects=False)
    return s, r


def every_page(made) -> list[str]:
    """One URL pattern for each of the service's pages, ``{commune}`` and ``{centre}`` to be filled with
    ``made``'s first commune and centre (or with an id spoiled on purpose)."""
    return ["/", "/unit/{commune}/", "/kiosks/", "/registry/", "/export/votes.csv?unit={commune}",
            "/questionnaires/", "/questionnaires/analysis/{commune}/", "/q/{centre}/trung-tam/",
            "/questionnaires/{centre}/trung-tam/poster/", "/questionnaires/{centre}/trung-tam/paper.pdf",
            "/questionnaires/{centre}/trung-tam/entry/", "/v1/reports/totals?unit={commune}",
            "/v1/reports/ii7?unit={commune}&from=2026-01-01&to=2026-01-31",
            "/v1/reports/overview?from=2026-01-01&to=2026-01-31", "/lang/en/?back=/",
            "/login/?next=/", "/logout/", "/kiosks/test-01/release-held-back/", "/v1/kiosks/{commune}/chain?part=votes",
            "/v1/checkins", "/v1/enrol", "/v1/served", "/unit/{commune}/served/",
            "/v1/reports/anomalies?unit={commune}&from=2026-01-01&to=2026-01-31", "/anomalies/?unit={commune}",
            "/anomalies/note/", "/unit/{commune}/actions/", "/unit/{commune}/minh-chung/2026.zip",
            "/settings/", "/settings/unit/{commune}/"] + PUBLIC_PAGES + CAMPAIGN_PAGES



# The campaign pages (issue 17).
CAMPAIGN_PAGES = ["/campaigns/", "/campaigns/1/", "/campaigns/1/stop/", "/campaigns/1/households/", "/campaigns/1/paper/",
                  "/kiosks/?unit={commune}&version=behind"]


# The public pages and the check of an issued II.7 table (issue 18).
PUBLIC_PAGES = ["/cong-khai/", "/cong-khai/du-lieu.json", "/cong-khai/{commune}/", "/cong-khai/{commune}/du-lieu.json",
                "/cong-khai/{commune}/nhung/", "/cong-khai/{centre}/sanh-cho/", "/kiem-tra/{commune}",
                "/kiem-tra/{commune}/"]


# --- unstorable text in a URL ---------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["%00", "%01", "%ED%A0%80", "%0A"])
def test_unstorable_text_in_any_id_or_query_parameter_is_a_400_never_a_500(site, bad):
    url, app, made = site
    s, r = login(url)
    assert r.status_code == 302
    commune, centre = made["communes"][0], made["centres"][0]
    answers = {}
    for pattern in every_page(made):
        path = pattern.format(commune=commune + bad, centre=centre + bad)
        answers[path] = s.get(url + path, allow_redirects=False).status_code
        with_query = pattern.format(commune=commune, centre=centre)
        sep = "&" if "?" in with_query else "?"
        for name in ("unit", "from", "to", "by", "q", "back", "next"):
            answers[f"{with_query}{sep}{name}=x{bad}"] = s.get(url + f"{with_query}{sep}{name}=x{bad}",
                                                               allow_redirects=False).status_code
    server_errors = {path: code for path, code in answers.items() if code >= 500}
    assert server_errors == {}
    # A NUL in a path id is refused at the edge, with the reason, wherever it is.
    r = s.get(url + f"/unit/{commune}%00/")
    assert r.status_code == 400 and "control character U+0000" in r.text


def test_a_nul_in_a_form_field_is_refused_with_where_it_was(site):
    url, app, made = site
    s = requests.Session()
    form = s.get(url + "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    r = s.post(url + "/login/", data={"username": "admin\x00", "password": "x", "csrfmiddlewaretoken": token},
               headers={"Referer": url + "/login/"})
    assert r.status_code == 400 and "form field" in r.text and "username" in r.text and "U+0000" in r.text


# --- redirects --------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["//evil.example/", "///evil.example", "/\\evil.example", "https://evil.example/",
                                    "/%2F%2Fevil.example", "http:evil.example"])
def test_the_language_switch_never_sends_anyone_to_another_site(site, target):
    url, _, _ = site
    r = requests.get(url + f"/lang/en/?back={quote(target, safe='')}", allow_redirects=False)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith(("//", "/\\")))


def test_the_language_switch_returns_to_the_page_it_came_from(site):
    url, _, made = site
    r = requests.get(url + f"/lang/en/?back=/unit/{made['communes'][0]}/", allow_redirects=False)
    assert r.headers["Location"] == f"/unit/{made['communes'][0]}/"


@pytest.mark.parametrize("target", ["//evil.example/", "///evil.example", "/\\evil.example", "https://evil.example/"])
def test_logging_in_never_sends_anyone_to_another_site(site, target):
    url, _, _ = site
    _, r = login(url, next_=target)
    assert r.status_code == 302 and r.headers["Location"] == "/"


# --- the lock-out -------------------------------------------------------------------------------------

def test_a_stranger_guessing_the_administrators_password_does_not_lock_the_administrator_out(site):
    url, app, _ = site
    for _ in range(8):
        _, r = login(url, "so-noi-vu", "wrong-password-x", address="203.0.113.9")
    assert "Quá nhiều lần" in r.text, "the stranger is slowed down"
    assert re.search(r"thử lại sau \d+ giây", r.text), "the message says the real wait (30 s after 5 failures)"
    _, r = login(url, "so-noi-vu", DEMO_PASSWORD, address="198.51.100.7")
    assert r.status_code == 302, "the account's owner, at another address, logs in"
    _, r = login(url, "so-noi-vu", DEMO_PASSWORD, address="203.0.113.9")
    assert r.status_code == 200 and "Quá nhiều lần" in r.text, "the stranger's address still waits"
    actions = [a for (a,) in app.store.query(
        "SELECT action FROM audit_log WHERE username = 'so-noi-vu' ORDER BY id")]
    assert actions.count("login_failed") == 5 and actions.count("login_throttled") == 4 and "login" in actions


def test_the_wait_after_wrong_passwords_grows_with_each_failure_up_to_the_window():
    from central.views import FIRST_WAIT, FREE_TRIES, LOGIN_WINDOW, login_wait
    now = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
    fails = lambda n: [now - timedelta(seconds=n - i) for i in range(n)]  # noqa: E731 — one a second, the last 1 s ago
    assert login_wait(fails(FREE_TRIES - 1), now) == timedelta(0)
    waits = [login_wait(fails(n), now) + timedelta(seconds=1) for n in range(FREE_TRIES, FREE_TRIES + 8)]
    assert waits[0] == FIRST_WAIT and waits[1] == 2 * FIRST_WAIT and waits[2] == 4 * FIRST_WAIT
    assert waits == sorted(waits) and waits[-1] == LOGIN_WINDOW
    assert login_wait(fails(FREE_TRIES), now + FIRST_WAIT) == timedelta(0), "the wait ends"


# --- passwords ------------------------------------------------------------------------------------

@pytest.mark.parametrize("blank", [" " * 12, "\t" * 12, "\u3000" * 12, "\u200b" * 12, " \t " * 5])
def test_a_password_of_only_blank_characters_is_refused(site, blank):
    from central.accounts import AccountError, add_user
    _, app, _ = site
    token = activate(app.runtime)
    try:
        with pytest.raises(AccountError, match="blank"):
            add_user("blank-pw", "city", None, blank)
    finally:
        deactivate(token)


# --- headers ----------------------------------------------------------------------------------------

def test_every_answer_carries_a_content_security_policy_and_the_headers_a_scan_expects(site):
    url, _, made = site
    s, _ = login(url)
    for pattern in [*every_page(made), "/healthz", "/openapi.json", "/no-such-page", "/static/central/style.css"]:
        path = pattern.format(commune=made["communes"][0], centre=made["centres"][0])
        r = s.get(url + path, allow_redirects=False)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        # Only the public embed card may be framed (by the commune's portal): issue 18.
        assert ("frame-ancestors *" if "/nhung/" in path else "frame-ancestors 'none'") in csp, path
        assert r.headers.get("X-Content-Type-Options") == "nosniff", path
        assert r.headers.get("Referrer-Policy") == "same-origin", path
        assert "camera=()" in r.headers.get("Permissions-Policy", ""), path


def test_no_page_holds_an_inline_script_style_or_handler_the_policy_would_block(site):
    url, _, made = site
    s, _ = login(url)
    for pattern in every_page(made):
        path = pattern.format(commune=made["communes"][0], centre=made["centres"][0])
        r = s.get(url + path)
        if "text/html" not in r.headers.get("Content-Type", ""):
            continue
        html = r.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"{path}: an inline script"
        assert "<style" not in html and ' style="' not in html, f"{path}: an inline style"
        assert not re.search(r"\son[a-z]+=", html) and "javascript:" not in html, f"{path}: an inline handler"


def test_the_nginx_configuration_sends_hsts_behind_tls():
    from pathlib import Path
    conf = (Path(__file__).resolve().parent.parent / "central" / "deploy" / "nginx-central.conf").read_text()
    assert re.search(r"add_header\s+Strict-Transport-Security\s+\$hsts\s+always;", conf)
    assert re.search(r'map \$https \$hsts \{\s*on\s+"max-age=\d{7,}', conf), "sent only over TLS"


# --- faults of the server's own ---------------------------------------------------------------------

@pytest.fixture
def own_postgres():
    """A PostgreSQL server of the test's own, to crash and restart."""
    from tests.pg_server import PostgresServer
    server = PostgresServer(durable=True)
    try:
        yield server
    finally:
        server.stop()


def test_a_start_without_the_database_answers_503_until_it_is_back_then_serves(tmp_path, own_postgres):
    """PostgreSQL down when the service starts: it starts, answers 503 with Retry-After and says which part
    is down; once the database is back it sets itself up (migrations, registry) and serves."""
    from central.app import make_app
    from central.server import serving
    from tests.sync_helpers import REPORT_TOKEN, write_registry
    db = own_postgres.new_database()
    own_postgres.crash()
    app = make_app(db, write_registry(tmp_path), REPORT_TOKEN, alias="edge-dead-start")
    assert not app.ready
    with serving(app) as url:
        for path in ("/healthz", "/login/", "/v1/batches"):
            r = requests.get(url + path)
            assert r.status_code == 503 and r.headers["Retry-After"].isdigit(), path
            assert r.json()["error"] == "unavailable"
        own_postgres.restart()
        r = requests.get(url + "/healthz")
        assert r.status_code == 200 and r.json() == {"ok": True, "database": "up"}
        assert app.ready and requests.get(url + "/login/").status_code == 200
        assert app.store.query("SELECT count(*) FROM kiosks")[0][0] == 1, "the registry was imported once back"


def test_a_database_restart_under_load_is_a_503_with_retry_after_and_a_retried_batch_lands_once(tmp_path, own_postgres):
    from kiosk import outbox
    from kiosk.config import load_config
    from kiosk.store import VoteStore
    from rating.wire import encode_batch
    from tests.sync_helpers import sync_config
    from tests.test_central_security import post
    config = load_config(sync_config(tmp_path, "http://unused"))
    with VoteStore.from_config(config) as store:
        for level in ("RHL", "HL", "KHL"):
            store.record_vote("Q1", level)
        body = encode_batch("test-01", [{"id": "Q1", "name": "Quầy 1"}], outbox.waiting(store, outbox.VOTES, 10), [])
    from central.app import make_app
    from central.server import serving
    from tests.sync_helpers import REPORT_TOKEN, write_registry
    app = make_app(own_postgres.new_database(), write_registry(tmp_path), REPORT_TOKEN, alias="edge-restart")
    with serving(app) as url:
        assert requests.get(url + "/healthz").status_code == 200
        own_postgres.crash()
        r = post(url, body)
        assert r.status_code == 503 and r.headers["Retry-After"].isdigit() and r.json()["error"] == "unavailable"
        health = requests.get(url + "/healthz")
        assert health.status_code == 503 and health.json()["database"] == "down"
        own_postgres.restart()
        r = post(url, body)
        if r.status_code == 503:   # the first request after a restart may meet the cut connection
            r = post(url, body)
        assert r.status_code == 200 and len(r.json()["accepted"]) == 3, r.text
        from django.db import connections
        connections[app.runtime.alias].close()   # this thread's connection died with the server
        assert app.store.query("SELECT count(*) FROM votes")[0][0] == 3


def test_a_full_disk_under_sqlite_is_a_503_and_nothing_is_lost_when_space_returns(tmp_path):
    from tests.helpers.mounts import tmpfs
    from kiosk import outbox
    from kiosk.config import load_config
    from kiosk.store import VoteStore
    from rating.wire import encode_batch
    from tests.sync_helpers import sync_config
    from tests.test_central_security import post
    config = load_config(sync_config(tmp_path, "http://unused"))
    with VoteStore.from_config(config) as store:
        for i in range(300):
            store.record_vote("Q1", ("RHL", "HL", "BT", "KHL", "RKHL")[i % 5])
        body = encode_batch("test-01", [{"id": "Q1", "name": "Quầy 1"}], outbox.waiting(store, outbox.VOTES, 300), [])
    with tmpfs(tmp_path / "small", "size=16m") as small:
        import shutil
        db = small / "central.db"
        shutil.copyfile(fresh_sqlite(tmp_path), db)
        with central_service(tmp_path, db=str(db)) as (url, app):
            filler = small / "filler"
            with open(filler, "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                except OSError:
                    pass
            r = post(url, body)
            assert r.status_code == 503 and r.headers["Retry-After"].isdigit(), r.text
            assert r.json()["error"] == "unavailable"
            filler.unlink()
            r = post(url, body)
            assert r.status_code == 200 and len(r.json()["accepted"]) == 300
            assert app.store.query("SELECT count(*) FROM votes")[0][0] == 300


# --- account names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, why", [
    ("ADMIN", "looks like the existing account 'admin'"),
    ("Admin", "looks like the existing account 'admin'"),
    ("ａｄｍｉｎ", "looks like the existing account 'admin'"),   # full-width letters
    ("ad\u200bmin", "U+200B"),
    ("<b>boss</b>", "'<'"),
    ("two words", "U+0020"),
    ("", "1-64 characters"),
])
def test_an_account_name_that_looks_like_another_or_holds_markup_or_invisible_characters_is_refused(site, name, why):
    from central.accounts import AccountError, add_user
    _, app, _ = site
    token = activate(app.runtime)
    try:
        with pytest.raises(AccountError) as refused:
            add_user(name, "city", None, "a-Strong-password-2026")
    finally:
        deactivate(token)
    assert why in str(refused.value)


def test_a_vietnamese_account_name_is_welcome(site):
    from central.accounts import add_user
    _, app, _ = site
    token = activate(app.runtime)
    try:
        assert add_user("nguyễn.văn.an", "city", None, "a-Strong-password-2026").username == "nguyễn.văn.an"
    finally:
        deactivate(token)


def test_the_scan_covers_every_url_pattern_of_the_service(site):
    """A new page must join the scan above: every pattern of central.urls is reached by one of its URLs."""
    from django.urls import get_resolver, resolve
    _, _, made = site
    reached = set()
    for pattern in every_page(made):
        path = pattern.format(commune=made["communes"][0], centre=made["centres"][0]).split("?")[0]
        reached.add(resolve(path).route)
    routes = {str(p.pattern) for p in get_resolver().url_patterns}
    unscanned = routes - reached - {"healthz", "openapi.json", "v1/batches", "v1/reports/chain", "^static/(?P<path>.*)$"}
    assert unscanned == set(), "add a URL of each to every_page()"


@pytest.mark.parametrize("size", [8_000, 200_000])
def test_an_oversized_query_or_path_is_refused_never_a_500(site, size):
    url, _, made = site
    s, _ = login(url)
    for path in (f"/unit/{'x' * size}/", f"/export/votes.csv?unit={'x' * size}", f"/?from={'1' * size}",
                 f"/q/{'x' * size}/trung-tam/"):
        try:
            r = s.get(url + path, allow_redirects=False, timeout=30)
        except requests.ConnectionError:
            continue   # the server may close a connection whose head is too large: that is a refusal too
        assert r.status_code < 500, (path[:40], r.status_code)


# --- ids with a trailing newline --------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [("counter_id", "Q1\n"), ("source", "touch\n"), ("kiosk_id", "test-01\n"),
                                          ("prev_hash", "0" * 64 + "\n"), ("officer", "CB07\n")])
def test_an_id_or_source_with_a_trailing_newline_is_refused_by_the_wire(field, value):
    from rating.wire import BadBatch, check_vote
    vote = {"seq": 1, "uuid": "6f1c2a4e-8d1b-4c5e-9a7f-1b2c3d4e5f60", "kiosk_id": "test-01", "counter_id": "Q1",
            "officer": None, "level": "HL", "scale": "sipas5", "source": "touch",
            "local_time": "2026-11-21T09:15:02.123+07:00", "box_seq": None, "flag": None,
            "prev_hash": "0" * 64, "hash": "1" * 64}
    check_vote(vote, "test-01", 0)   # as it is, it passes the field checks
    with pytest.raises(BadBatch, match=field):
        check_vote({**vote, field: value}, "test-01", 0)


# --- several workers starting at once ----------------------------------------------------------------

def test_four_workers_starting_together_on_a_fresh_postgresql_database_all_start_and_import_the_registry_once(
        tmp_path, postgres_server):
    """gunicorn's workers each import the registry at start; on a fresh database four raced to an
    IntegrityError that stopped the master (7 of 27 tries). Five fresh databases, four processes each."""
    import subprocess
    import sys
    from pathlib import Path
    from tests.sync_helpers import write_registry
    root = Path(__file__).resolve().parent.parent
    registry = write_registry(tmp_path, kiosks=[(f"k-{i:02}", "Trung tâm Thử", "s" * 20 + f"{i:06}") for i in range(30)])
    code = ("import sys\nfrom central.app import make_app\n"
            "app = make_app(sys.argv[1], sys.argv[2])\nprint('ready' if app.ready else 'waiting')\n")
    for attempt in range(5):
        db = postgres_server.new_database()
        workers = [subprocess.Popen([sys.executable, "-c", code, db, str(registry)], cwd=tmp_path, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env={**__import__("os").environ, "PYTHONPATH": str(root)}) for _ in range(4)]
        results = [(w.wait(timeout=120), *w.communicate()) for w in workers]
        assert all(rc == 0 and out.strip() == "ready" for rc, out, _ in results), [e[-800:] for _, _, e in results]
        import psycopg
        with psycopg.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM kiosks").fetchone()[0] == 30

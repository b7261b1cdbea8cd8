"""Enrolment from the manager's status tab (issue 17), in a real Kivy window against the real service: a USB
scanner's keystrokes of the QR code's line enrol the kiosk on a worker thread, the configuration file then
holds the service's answer, and a refused code says why in one line."""

from __future__ import annotations

import tomllib

from kiosk.config import load_config
from sync.enrol import for_screen
from tests.conftest import run_cli, write_config
from tests.sync_helpers import central_service
from tests.test_enrolment import app_db, new_code
from tests.ui.conftest import pump, tap, wait_until
from tests.ui.test_manager import open_manager
from tests.ui.test_ticket_ui import scan


def _enrol_panel(kiosk_factory, tmp_path):
    """A kiosk (configured as test-01, no [sync] yet) with its manager's enrolment panel open."""
    device = tmp_path / "device"
    device.mkdir()
    path = write_config(device)
    config = load_config(path)
    app = kiosk_factory(config=config, enrol=for_screen(config))
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(2)
    tap(manager.status.ids.enrol)
    pump(2)
    panel = manager.status.enrol
    assert panel.shown and panel.url == ""   # no [sync] url to prefill
    return app, panel, path


def test_a_scanned_enrolment_qr_enrols_the_kiosk_and_the_configuration_then_holds_its_id(kiosk_factory, tmp_path):
    with central_service(tmp_path) as (url, service):
        code = new_code(app_db(service), "test-01")
        app, panel, path = _enrol_panel(kiosk_factory, tmp_path)
        scan(f"KIOSK-ENROL {url} {code}")
        wait_until(lambda: not panel.busy and panel.message, timeout=60, what="the enrolment's outcome")
        assert panel.message == "Đã đăng ký: máy test-01; khởi động lại để dùng", panel.message
        assert not panel.error
        written = tomllib.loads(path.read_text(encoding="utf-8"))
        assert written["kiosk"]["id"] == "test-01" and written["sync"]["url"] == url
        assert load_config(path).sync.secret   # the secret, in its own file, readable through the configuration
        assert code not in path.read_text(encoding="utf-8")
        assert app.sm.current == "manager"     # the kiosk keeps running; a restart uses the new configuration


def test_a_used_code_shows_the_reason_in_one_line_and_the_configuration_is_unchanged(kiosk_factory, tmp_path):
    with central_service(tmp_path) as (url, service):
        code = new_code(app_db(service), "test-01")
        other = tmp_path / "other"
        other.mkdir()
        assert run_cli("enrol", url, code, config=other / "kiosk.toml").returncode == 0   # used up elsewhere
        app, panel, path = _enrol_panel(kiosk_factory, tmp_path)
        before = path.read_text(encoding="utf-8")
        scan(f"KIOSK-ENROL {url} {code.lower()}")   # the scanner's Caps Lock the other way: the same code
        wait_until(lambda: not panel.busy and panel.message, timeout=60, what="the refusal")
        assert panel.error
        assert panel.message.startswith("Không đăng ký được: ") and "was used already" in panel.message
        assert "\n" not in panel.message and "Traceback" not in panel.message
        assert path.read_text(encoding="utf-8") == before


def test_a_code_typed_on_the_pad_without_an_address_is_refused_before_anything_is_sent(kiosk_factory, tmp_path):
    app, panel, path = _enrol_panel(kiosk_factory, tmp_path)
    for key in "KX7M4PQR9TWC":
        tap(panel.ids.codepad.keys[key])
    assert panel.code == "KX7M4PQR9TWC"
    tap(panel.ids.go)
    assert not panel.busy and panel.error and "địa chỉ máy chủ" in panel.message
    scan("not a code")
    assert panel.error and "không phải mã đăng ký" in panel.message

"""The manager's screens in a real window: long press, PIN pad, totals that match the store, roster, export."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk import totals
from kiosk.pin import SETTING, hash_pin
from tests.ui.conftest import pump, screenshot, tap, wait_until

PIN = "2468"


def open_pin(app):
    tap(app.hotspot, hold=app.timings.long_press_s + 0.2)
    wait_until(lambda: app.sm.current == "pin", what="the PIN pad after a long press")


def open_manager(app):
    app.open_manager()
    pump(6)  # let the layout settle before tapping


def enter(app, digits):
    pin = app.screens["pin"]
    for d in digits:
        tap(pin.keys[d])
    tap(pin.keys["ok"])


def test_a_short_press_in_the_corner_does_nothing(kiosk_factory):
    app = kiosk_factory()
    tap(app.hotspot)
    pump(10)
    assert app.sm.current == "pick"


def test_without_a_pin_the_pad_says_how_to_set_one(kiosk_factory):
    app = kiosk_factory()
    open_pin(app)
    assert "python main.py set-pin" in app.screens["pin"].message.text
    enter(app, "0000")
    assert app.sm.current == "pin"  # no default PIN opens anything
    screenshot("pin-unset")


def test_the_right_pin_opens_the_manager_and_a_wrong_one_does_not(kiosk_factory):
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    open_pin(app)
    enter(app, "1111")
    assert app.sm.current == "pin" and app.screens["pin"].message.text == "Mã PIN không đúng"
    enter(app, PIN)
    assert app.sm.current == "manager"


def test_five_wrong_pins_lock_the_pad(kiosk_factory):
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    open_pin(app)
    for _ in range(5):
        enter(app, "9999")
    enter(app, PIN)
    assert app.sm.current == "pin"
    assert "Thử lại sau 5:00" in app.screens["pin"].message.text or "Thử lại sau 4:59" in app.screens["pin"].message.text
    screenshot("pin-locked")


def test_the_dashboard_shows_the_store_s_numbers(kiosk_factory):
    app = kiosk_factory()
    now = datetime.now(app.cfg.tz).replace(hour=9, minute=0)
    app.store.set_roster(now.date(), {"Q1": "CB07"})
    for i, (counter, level) in enumerate([("Q1", "RHL"), ("Q1", "HL"), ("Q2", "KHL"), ("Q3", "RHL"), ("Q1", "BT")]):
        app.store.record_vote(counter, level, at=now + timedelta(minutes=i))
    app.store.record_vote("Q1", "RHL", at=now + timedelta(minutes=4, seconds=3))  # a flagged repeat
    open_manager(app)
    shown = app.screens["manager"].shown
    expected = totals.day_totals(app.store, app.cfg.counters, app.cfg.scale, now.date())
    assert shown["counters"] == expected["counters"] and shown["all"] == expected["all"]
    texts = [w.text for w in app.screens["manager"].counter_table.children]
    assert "60.0%" in texts and "1" in texts  # 3 of 5 satisfied overall; one flagged at Q1
    officer_texts = [w.text for w in app.screens["manager"].officer_table.children]
    assert "CB07" in officer_texts
    screenshot("manager-totals")


def test_the_date_picker_moves_between_days_and_the_month(kiosk_factory):
    app = kiosk_factory()
    today = app.store.today()
    app.store.record_vote("Q1", "HL", at=datetime.combine(today - timedelta(days=1), datetime.min.time(),
                                                          app.cfg.tz).replace(hour=10))
    open_manager(app)
    manager = app.screens["manager"]
    assert manager.shown["all"]["total"] == 0
    tap(manager.pick["yesterday"])
    assert manager.shown["all"]["total"] == 1
    tap(manager.pick["today"])
    tap(manager.pick["prev_day"])
    assert manager.period() == (today - timedelta(days=1), today - timedelta(days=1))
    tap(manager.pick["this_month"])
    assert manager.period() == (today.replace(day=1), today)


def test_the_roster_assigns_officers_for_today(kiosk_factory):
    app = kiosk_factory()
    open_manager(app)
    manager = app.screens["manager"]
    manager.tabs.switch_to(manager.tab_roster)
    pump(4)
    manager.roster_inputs["Q2"].text = "CB12"
    tap(manager.roster_save)
    assert app.store.roster(app.store.today()) == {"Q2": "CB12"}
    screenshot("manager-roster")
    app.go_home()
    pump(3)
    tap(app.screens["pick"].buttons[1])
    assert "CB12" in app.screens["rating"].counter_line.text


def test_export_writes_the_table_to_the_chosen_folder_with_progress(kiosk_factory, tmp_path):
    app = kiosk_factory()
    app.store.record_vote("Q1", "RHL")
    open_manager(app)
    manager = app.screens["manager"]
    manager.tabs.switch_to(manager.tab_export)
    pump(4)
    manager.export_dir.text = str(tmp_path / "usb")
    tap(manager.export_btn)
    wait_until(lambda: manager.progress.value == 100, what="the export to finish")
    files = list((tmp_path / "usb").glob("*.csv"))
    assert len(files) == 1 and files[0].read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Đã xuất" in manager.export_msg.text
    screenshot("manager-export")


def test_status_shows_sync_boxes_disk_and_clock(kiosk_factory):
    app = kiosk_factory()
    app.store.record_vote("Q1", "RHL")
    open_manager(app)
    manager = app.screens["manager"]
    manager.tabs.switch_to(manager.tab_status)
    pump(3)
    text = manager.status_text.text
    assert "Chờ gửi: 1 phiếu" in text and "Dung lượng trống" in text and "Đồng hồ:" in text
    screenshot("manager-status")


def test_refused_votes_can_be_put_back_in_the_outbox_by_the_manager(kiosk_factory):
    from kiosk import outbox
    app = kiosk_factory()
    vote = app.store.record_vote("Q1", "RHL")
    outbox.quarantine(app.store, [vote.uuid], "400: bad_batch: test", datetime.now(app.cfg.tz))
    open_manager(app)
    manager = app.screens["manager"]
    manager.tabs.switch_to(manager.tab_status)
    pump(4)
    assert "Bị từ chối (cách ly): 1" in manager.status_text.text
    tap(manager.release_btn)
    assert outbox.count_pending(app.store) == {"votes": 1, "reasons": 0, "quarantined": 0}
    assert "Bị từ chối (cách ly): 0" in manager.status_text.text


def test_the_manager_screen_closes_itself_when_left_idle(kiosk_factory):
    app = kiosk_factory()
    open_manager(app)
    wait_until(lambda: app.sm.current == "pick", timeout=10, what="the manager screen to close")


def test_back_to_the_citizen_screen(kiosk_factory):
    app = kiosk_factory()
    open_manager(app)
    tap(app.screens["manager"].home_btn)
    assert app.sm.current == "pick"

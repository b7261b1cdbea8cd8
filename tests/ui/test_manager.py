"""The manager's screens in a real window: long press, PIN pad, totals that match the store (10 counters,
20 officers), the code pad, export to a real mount and refusal of the internal disk, leaving kiosk mode."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
from dataclasses import replace
from collections import Counter as Tally
from datetime import datetime, timedelta

from kivy.metrics import dp
from kivy.tests.common import UnitTestTouch
from kivy.uix.button import Button

from kiosk import outbox, removable

from rating import totals
from tests.helpers.intervals import MIN_N, shown_rate, textbook_wilson, vn
from tests.helpers.intervals import textbook_wilson, vn
from kiosk.pin import SETTING, hash_pin
from rating.scales import SATISFIED_CODES
from tests.helpers.mounts import tmpfs, tmpfs_counts_as_a_drive
from tests.ui.conftest import SCREENS, _guarded, pump, screenshot, tap, wait_out_guard, wait_until

PIN = "2468"
ALL_SIZES = ((800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920))
TEN = tuple((f"Q{i}", f"Quầy {i} — {name}") for i, name in enumerate(
    ["Tư pháp, hộ tịch", "Đất đai, xây dựng", "Lao động, thương binh", "Kinh doanh", "Chứng thực",
     "Tài nguyên, môi trường", "Văn hoá, thông tin", "Y tế, bảo hiểm", "Giáo dục", "Nông nghiệp"], start=1))


def open_pin(app):
    """Hold the corner until the PIN pad appears (however long a loaded machine takes to show it), then let go.

    Neither the pad nor the manager screen after it gives up by itself while the test looks at them."""
    app.timings = replace(app.timings, idle_s=600, manager_idle_s=600)
    wait_out_guard()
    touch = UnitTestTouch(*app.hotspot.to_window(*app.hotspot.center))
    _guarded(touch.touch_down)
    wait_until(lambda: app.sm.current == "pin", what="the PIN pad after a long press")
    _guarded(touch.touch_up)
    pump(2)


def open_manager(app):
    app.timings = replace(app.timings, manager_idle_s=600)  # no closing by itself while a test looks at it
    app.open_manager()
    pump(6)  # let the layout settle before tapping
    return app.screens["manager"]


def enter(app, digits):
    pin = app.screens["pin"]
    for d in digits:
        tap(pin.keys[d])
    tap(pin.keys["ok"])


def views(recycleview):
    """The widgets a RecycleView shows now."""
    return list(recycleview.layout_manager.children)


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
    pump(2)
    assert app.sm.current == "pin" and app.screens["pin"].message.text.startswith("Mã PIN không đúng")
    enter(app, PIN)
    assert app.sm.current == "manager"


def test_five_wrong_pins_lock_the_pad(kiosk_factory):
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    app.pinpad.clock = lambda: 1000.0  # the countdown stands still, however long the taps take
    open_pin(app)
    for _ in range(5):
        enter(app, "9999")
    enter(app, PIN)
    pump(2)
    assert app.sm.current == "pin"
    assert "Thử lại sau 5:00" in app.screens["pin"].message.text
    screenshot("pin-locked")


def test_the_lock_out_counts_down_greys_the_digits_and_says_when_the_pad_works_again(kiosk_factory):
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    now = [1000.0]
    app.pinpad.clock = lambda: now[0]
    app.timings = replace(app.timings, idle_s=600)  # the PIN pad gives up after idle_s: the screenshots take longer
    open_pin(app)
    pin = app.screens["pin"]
    for _ in range(5):
        enter(app, "9999")
    assert pin.locked and pin.keys["5"].disabled and pin.keys["ok"].disabled and not pin.back.disabled
    now[0] += 100
    wait_until(lambda: "Thử lại sau 3:20" in pin.message.text, what="the countdown to move on by itself")
    screenshot("pin-locked", ((800, 480), (1080, 1920)))
    now[0] += 200
    wait_until(lambda: not pin.locked, what="the lock-out to end")
    assert pin.message.text == "Đã hết thời gian khoá. Có thể nhập lại mã PIN."  # not "Thử lại sau 0:01"
    assert not pin.keys["5"].disabled
    enter(app, PIN)
    assert app.sm.current == "manager"


def test_the_manager_s_screens_open_in_the_centre_s_language_not_the_citizen_s(kiosk_factory):
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    app.toggle_language()  # a citizen chose English, then walked away
    assert app.lang == "en"
    open_pin(app)
    assert app.screens["pin"].title.text == "Nhập mã PIN quản lý"
    enter(app, PIN)
    pump(2)
    assert app.sm.current == "manager" and app.lang == "vi"
    assert app.screens["manager"].labels["tab_status"] == "Trạng thái"
    tap(app.screens["manager"].home_btn)
    assert app.sm.current == "pick" and app.lang == "vi"  # the citizen's English did not survive


def test_five_wrong_pins_still_lock_the_pad_after_a_restart_until_the_lock_out_ends(kiosk_factory):
    from kiosk.pin import LOCKED_UNTIL_SETTING
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    open_pin(app)
    for _ in range(5):
        enter(app, "9999")
    assert app.screens["pin"].locked
    restarted = kiosk_factory(config=app.cfg)  # a new app on the same store file
    open_pin(restarted)
    pin = restarted.screens["pin"]
    assert pin.locked and "Thử lại sau" in pin.message.text
    enter(restarted, PIN)
    assert restarted.sm.current == "pin"
    end = float(restarted.store.get_setting(LOCKED_UNTIL_SETTING))
    restarted.store.set_setting(LOCKED_UNTIL_SETTING, repr(end - 301))  # the five minutes have passed
    tap(pin.back)
    open_pin(restarted)
    assert not pin.locked
    enter(restarted, PIN)
    assert restarted.sm.current == "manager"


def test_opening_the_manager_wrong_pins_and_the_lock_out_are_logged_without_the_digits(kiosk_factory, caplog):
    caplog.set_level(logging.INFO, logger="kiosk")
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    now = [1000.0]
    app.pinpad.clock = lambda: now[0]
    open_pin(app)
    for _ in range(5):
        enter(app, "9753")
    now[0] += 301
    wait_until(lambda: not app.screens["pin"].locked, what="the lock-out to end")
    enter(app, PIN)
    assert app.sm.current == "manager"
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("kiosk")]
    assert sum("wrong PIN" in m for m in messages) == 4
    assert any("locked for 300 s" in m for m in messages)
    assert any("lock-out has ended" in m for m in messages)
    assert any("manager screen opened" in m for m in messages)
    assert not any("9753" in m or PIN in m for m in caplog.text.splitlines())


def test_on_a_portrait_stand_the_pin_pad_s_words_are_sized_from_its_keys(kiosk_factory):
    from kivy.core.window import Window
    app = kiosk_factory()
    Window.size = (1080, 1920)
    try:
        open_pin(app)
        pump(8)
        pin = app.screens["pin"]
        key = pin.keys["5"]
        side = min(key.width, key.height)
        assert side > 200  # a floor stand's keys are large
        assert pin.title.font_size >= 0.25 * side and pin.message.font_size >= 0.18 * side
        for name in ("del", "ok"):
            label = pin.keys[name]
            assert label.font_size >= 0.2 * side, name
            assert label.texture_size[0] <= label.width and label.texture_size[1] < 0.6 * label.height, name  # one line
        assert pin.back.font_size >= 0.2 * side
    finally:
        Window.size = (1280, 800)
        pump(3)


def test_the_dashboard_shows_the_store_s_numbers_in_vietnamese_formats(kiosk_factory):
    app = kiosk_factory()
    now = datetime.now(app.cfg.tz).replace(hour=9, minute=0)
    app.store.set_roster(now.date(), {"Q1": "CB07"})
    for i, (counter, level) in enumerate([("Q1", "RHL"), ("Q1", "HL"), ("Q2", "KHL"), ("Q3", "RHL"), ("Q1", "BT")]):
        app.store.record_vote(counter, level, at=now + timedelta(minutes=i))
    app.store.record_vote("Q1", "RHL", at=now + timedelta(minutes=4, seconds=3))  # a flagged repeat
    manager = open_manager(app)
    expected = totals.day_totals(app.store, app.cfg.counters, app.cfg.scale, now.date())
    assert manager.totals.shown["counters"] == expected["counters"] and manager.totals.shown["all"] == expected["all"]
    rows = manager.totals.table.texts()
    # fewer than the minimum sample (30): no rate to read, "Chưa đủ mẫu" beside its N (issue 18)
    assert rows[0] == ["Quầy 1 — Tư pháp, hộ tịch", "1", "1", "1", "0", "0", "3", "Chưa đủ mẫu", "1"]
    assert rows[-1] == ["Tất cả", "2", "1", "1", "1", "0", "5", "Chưa đủ mẫu", "1"]
    assert manager.totals.period_text == f"Ngày {now:%d/%m/%Y}"
    tap(manager.totals.view_buttons["officer"])
    assert ["CB07", "1", "1", "1", "0", "0", "3", "Chưa đủ mẫu", "1"] in manager.totals.table.texts()


def test_the_totals_tab_shows_a_rate_with_its_95_percent_interval_from_the_minimum_sample_on(kiosk_factory):
    app = kiosk_factory(extra="[report]\nmin_n = 4\n")
    now = datetime.now(app.cfg.tz).replace(hour=9, minute=0)
    for i, level in enumerate(["RHL", "HL", "BT", "HL"]):
        app.store.record_vote("Q1", level, at=now + timedelta(minutes=i))
    app.store.record_vote("Q2", "HL", at=now + timedelta(minutes=9))
    manager = open_manager(app)
    rows = manager.totals.table.texts()
    lo, hi = textbook_wilson(3, 4)   # recomputed from the textbook
    assert rows[0][-2] == f"75,0 % ({vn(lo)}–{vn(hi)})" and rows[1][-2] == "Chưa đủ mẫu"


def test_the_date_picker_moves_between_days_and_the_month(kiosk_factory):
    app = kiosk_factory()
    today = app.store.today()
    app.store.record_vote("Q1", "HL", at=datetime.combine(today - timedelta(days=1), datetime.min.time(),
                                                          app.cfg.tz).replace(hour=10))
    manager = open_manager(app)
    assert manager.totals.shown["all"]["total"] == 0
    assert manager.totals.period_text == f"Ngày {today:%d/%m/%Y} · chưa có phiếu nào"  # not just a table of zeros
    tap(manager.totals.pick["yesterday"])
    assert manager.totals.shown["all"]["total"] == 1 and "chưa có phiếu" not in manager.totals.period_text
    tap(manager.totals.pick["today"])
    tap(manager.totals.pick["prev_day"])
    assert manager.totals.period() == (today - timedelta(days=1), today - timedelta(days=1))
    tap(manager.totals.pick["this_month"])
    assert manager.totals.period() == (today.replace(day=1), today)


def test_next_day_is_greyed_on_today_and_live_on_an_earlier_day(kiosk_factory):
    app = kiosk_factory()
    today = app.store.today()
    manager = open_manager(app)
    assert manager.totals.pick["next_day"].disabled
    tap(manager.totals.pick["prev_day"])
    assert not manager.totals.pick["next_day"].disabled
    tap(manager.totals.pick["next_day"])
    assert manager.totals.period() == (today, today) and manager.totals.pick["next_day"].disabled


def test_the_chart_is_reachable_on_a_small_landscape_panel(kiosk_factory):
    from kivy.core.window import Window
    app = kiosk_factory()
    app.store.record_vote("Q1", "HL")
    Window.size = (800, 480)
    try:
        manager = open_manager(app)
        pump(6)
        panel, ids = manager.totals, manager.totals.ids
        chart_box = ids.chart.parent
        assert chart_box.opacity == 0 and ids.chart_toggle.opacity == 1 and ids.chart_toggle.text == "Biểu đồ"
        tap(ids.chart_toggle)
        pump(6)
        assert chart_box.opacity == 1 and chart_box.width > 0.9 * panel.width and _inside(chart_box, (800, 480))
        assert ids.table.opacity == 0 and ids.chart_toggle.text == "Bảng số"
        assert len(views(ids.chart)) == len(app.cfg.scale.levels)  # every level's bar drawn
        screenshot("manager-totals-chart", ((800, 480),))
        tap(ids.chart_toggle)
        pump(4)
        assert ids.table.opacity == 1 and chart_box.opacity == 0
    finally:
        Window.size = (1280, 800)
        pump(3)


def _busy_month(app):
    """A month of votes at 10 counters from 20 officers; returns the votes as (counter, officer, level)."""
    today = app.store.today()
    codes = app.cfg.scale.codes
    cast = []
    votes = []
    for i in range(700):
        counter, officer = TEN[i % 10][0], f"CB{(i * 7) % 20 + 1:02d}"
        level = codes[(i * i + i // 3) % len(codes)]
        day = today.replace(day=1 + i % today.day)
        at = datetime.combine(day, datetime.min.time(), app.cfg.tz).replace(hour=8) + timedelta(seconds=40 * i)
        votes.append({"counter_id": counter, "level": level, "at": at, "officer": officer})
        cast.append((counter, officer, level))
    app.store.record_votes(votes)
    return cast


def _expected_rows(cast, key_index, keys, codes):
    """The table's rows worked out from the votes themselves (not from the report code)."""
    rows = []
    for key in keys:
        n = Tally(v[2] for v in cast if v[key_index] == key)
        total = sum(n.values())
        satisfied = sum(n[c] for c in SATISFIED_CODES)
        # The rate and its 95 % Wilson interval worked out again (tests/helpers/intervals.py), or Chưa đủ mẫu.
        if total < MIN_N:
            shown = "Chưa đủ mẫu"
        else:
            lo, hi = textbook_wilson(satisfied, total)
            shown = f"{vn(shown_rate(satisfied, total))} % ({vn(lo)}–{vn(hi)})"
        rows.append([*(str(n[c]) for c in codes), str(total), shown, "0"])
    return rows


def test_ten_counters_and_twenty_officers_for_a_month_are_shown_whole_and_match_the_votes(kiosk_factory):
    app = kiosk_factory(counters=TEN)
    cast = _busy_month(app)
    manager = open_manager(app)
    tap(manager.totals.pick["this_month"])
    codes = app.cfg.scale.codes
    shown = manager.totals.table.texts()
    assert [r[1:] for r in shown[:10]] == _expected_rows(cast, 0, [c for c, _ in TEN], codes)
    assert shown[0][0] == "Quầy 1 — Tư pháp, hộ tịch" and shown[-1][0] == "Tất cả"
    assert shown[-1][len(codes) + 1] == "700"
    tap(manager.totals.view_buttons["officer"])
    officers = [f"CB{i:02d}" for i in range(1, 21)]
    shown = {r[0]: r[1:] for r in manager.totals.table.texts()}
    assert [shown[o] for o in officers] == _expected_rows(cast, 1, officers, codes)


def test_the_roster_is_typed_on_the_code_pad_and_saved(kiosk_factory):
    app = kiosk_factory()
    manager = open_manager(app)
    tap(manager.tab_buttons["roster"])
    pump(4)
    assert manager.roster.ids.save.text == "Lưu phân công"
    q2 = next(v for v in views(manager.roster.children[1].children[1]) if v.counter_id == "Q2")
    tap(q2.children[0])
    for key in "CB12":
        tap(manager.roster.codepad.keys[key])
    tap(manager.roster.codepad.keys["9"])
    tap(manager.roster.codepad.keys["del"])
    tap(manager.roster.ids.save)
    assert app.store.roster(app.store.today()) == {"Q2": "CB12"}
    assert manager.roster.message.startswith("Đã lưu phân công ngày")
    app.go_home()
    pump(3)
    tap(app.screens["pick"].buttons[1])
    assert "CB12" in app.screens["rating"].counter_line.text


def _export_tab(app):
    manager = open_manager(app)
    tap(manager.tab_buttons["export"])
    pump(4)
    return manager


def test_export_to_a_folder_on_the_internal_disk_is_refused_and_creates_nothing(kiosk_factory, tmp_path):
    usb = tmp_path / "media" / "usb"  # configured like /media/usb, with no stick in
    app = kiosk_factory(extra=f'\n[manager]\nexport_dir = "{usb}"\n')
    app.store.record_vote("Q1", "RHL")
    manager = _export_tab(app)
    choice = views(manager.export.ids.targets)
    assert [v.value for v in choice] == [str(usb)]
    tap(choice[0])
    tap(manager.export.ids.go)
    wait_until(lambda: not manager.export.busy, what="the export to be refused")
    assert "Không xuất được" in manager.export.message and "không phải USB" in manager.export.message
    assert "Đã xuất" not in manager.export.message
    assert not (tmp_path / "media").exists()
    screenshot("manager-export-refused", ((800, 480),))
    tap(manager.export.ids.period_year)  # a new choice: the old outcome no longer applies
    assert manager.export.message == "" and not manager.export.failed


def test_export_to_a_mounted_drive_is_complete_and_synced_before_it_says_done(kiosk_factory, tmp_path, monkeypatch):
    with tmpfs(tmp_path / "stick") as stick:
        app = kiosk_factory(extra=f'\n[manager]\nexport_dir = "{stick}"\n')
        for i, level in enumerate(["RHL", "HL", "KHL"]):
            app.store.record_vote(f"Q{i + 1}", level)
        manager = _export_tab(app)
        manager.actions.policy = tmpfs_counts_as_a_drive(system_paths=(app.cfg.data_dir,))
        synced = []
        real_fsync = os.fsync

        def spy(fd):
            synced.append(os.readlink(f"/proc/self/fd/{fd}"))
            real_fsync(fd)
        monkeypatch.setattr(removable.os, "fsync", spy)
        assert manager.export.period_text.endswith(app.store.today().strftime("%d/%m/%Y"))
        assert manager.export.go_text.startswith("Xuất Bảng số liệu CSV\n")
        tap(views(manager.export.ids.targets)[0])
        tap(manager.export.ids.go)
        wait_until(lambda: "Đã xuất" in manager.export.message, what="the export to finish")
        assert manager.export.progress == 100 and not manager.export.failed
        files = list(stick.glob("*.csv"))
        assert len(files) == 1 and [p.name for p in stick.iterdir()] == [files[0].name]  # nothing half-written
        text = files[0].read_bytes().decode("utf-8-sig")
        d_from, d_to = manager.export.d_from, manager.export.d_to
        assert text.splitlines()[-1].startswith(f"{d_from.isoformat()}..{d_to.isoformat()},ALL,,1,1,0,1,0,3,2,66.7")
        # the file synced under its temporary name on the stick, then renamed, then the folder synced
        assert len(synced) == 2 and synced[0].startswith(f"{stick}/.dang-xuat-") and synced[1] == str(stick)


def test_a_write_protected_stick_is_listed_as_such_and_a_writable_one_is_chosen_first(kiosk_factory, tmp_path):
    from kiosk.ui.manager_actions import ManagerActions
    from tests.test_removable import SAMPLE, fake_sys
    info = tmp_path / "mountinfo"
    info.write_text(SAMPLE, encoding="utf-8")
    app = kiosk_factory()
    manager = _export_tab(app)
    manager.actions = ManagerActions(app, mountinfo=info, sys_root=fake_sys(tmp_path / "sys"))
    tap(manager.export.ids.rescan)
    shown = {v.value: v.text for v in views(manager.export.ids.targets)}
    assert shown == {"/media/usb": "USB /media/usb (vfat)",
                     "/media/ảnh cũ": "USB /media/ảnh cũ (exfat) — chỉ đọc: gạt khoá chống ghi trên USB rồi cắm lại"}
    assert manager.export.target == "/media/usb" and not manager.export.no_drive


def test_a_full_stick_is_reported_in_vietnamese_and_keeps_no_half_written_file(kiosk_factory, tmp_path):
    with tmpfs(tmp_path / "stick", options="size=4k") as stick:
        app = kiosk_factory(counters=TEN, extra=f'\n[manager]\nexport_dir = "{stick}"\n')
        _busy_month(app)  # a month's CSV is larger than the stick's 4 kB
        manager = _export_tab(app)
        manager.actions.policy = tmpfs_counts_as_a_drive(system_paths=(app.cfg.data_dir,))
        tap(views(manager.export.ids.targets)[0])
        tap(manager.export.ids.go)
        wait_until(lambda: not manager.export.busy, what="the export to fail")
        assert manager.export.message.startswith("Không xuất được") and "USB đã đầy" in manager.export.message
        assert manager.export.failed and manager.export.ids.message.color[0] > 0.5  # said in red
        assert list(stick.iterdir()) == []
        screenshot("manager-export-full", ((800, 480),))


def test_a_stick_pulled_during_the_export_leaves_nothing_on_the_internal_disk(kiosk_factory, tmp_path):
    point = tmp_path / "stick"
    with tmpfs(point):
        app = kiosk_factory(extra=f'\n[manager]\nexport_dir = "{point}"\n')
        app.store.record_vote("Q1", "RHL")
        manager = _export_tab(app)
        policy = tmpfs_counts_as_a_drive(system_paths=(app.cfg.data_dir,))
        checked = policy.claim

        def checked_then_pulled(folder):
            ready = checked(folder)
            subprocess.run(["umount", "-l", str(point)], check=True)  # the stick comes out right after the check
            return ready
        policy.claim = checked_then_pulled
        manager.actions.policy = policy
        tap(views(manager.export.ids.targets)[0])
        tap(manager.export.ids.go)
        wait_until(lambda: not manager.export.busy, what="the export to stop")
    assert "vừa bị rút ra" in manager.export.message and "Đã xuất" not in manager.export.message
    assert list(point.iterdir()) == []  # the mount point, on the kiosk's own disk again, is still empty


def test_the_export_writes_the_real_ii7_workbook_and_pdf_to_the_stick(kiosk_factory, tmp_path):
    import openpyxl
    with tmpfs(tmp_path / "stick") as stick:
        app = kiosk_factory(extra=f'\n[manager]\nexport_dir = "{stick}"\n')
        for counter, level in (("Q1", "RHL"), ("Q2", "HL"), ("Q3", "KHL")):  # apart: no repeat flags
            app.store.record_vote(counter, level, source="keypad")
        manager = _export_tab(app)
        manager.actions.policy = tmpfs_counts_as_a_drive()
        tap(manager.export.ids.rescan)
        assert [f["value"] for f in manager.export.formats] == ["csv", "xlsx", "pdf", "votes"]
        tap(views(manager.export.ids.targets)[0])
        tap(next(v for v in views(manager.export.ids.formats) if v.value == "xlsx"))
        tap(manager.export.ids.period_year)
        assert manager.export.d_from == app.store.today().replace(month=1, day=1)
        assert manager.export.go_text.startswith("Xuất Bảng tổng hợp II.7")
        tap(manager.export.ids.go)
        wait_until(lambda: "Đã xuất" in manager.export.message, timeout=60, what="the workbook export")
        made = [p for p in stick.iterdir()]
        assert len(made) == 1 and made[0].suffix == ".xlsx"  # the staging folder is gone
        sheet = openpyxl.load_workbook(made[0], data_only=True).worksheets[0]
        total_row = next(row for row in sheet.iter_rows(values_only=True) if "Tổng cộng" in row)
        assert total_row[total_row.index("Tổng cộng") + 1] == 3  # Tổng số phiếu: three votes, from the real model
        tap(next(v for v in views(manager.export.ids.formats) if v.value == "pdf"))
        tap(manager.export.ids.go)
        wait_until(lambda: "Đã xuất" in manager.export.message and len(list(stick.iterdir())) == 2,
                   timeout=60, what="the PDF export")
        pdf = next(p for p in stick.iterdir() if p.suffix == ".pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        # the vote list: every vote of the year, whose hashes give the workbook's Kiểm chứng digest
        tap(next(v for v in views(manager.export.ids.formats) if v.value == "votes"))
        assert manager.export.go_text.startswith("Xuất Danh sách phiếu (CSV)\n")
        tap(manager.export.ids.go)
        wait_until(lambda: "Đã xuất" in manager.export.message and len(list(stick.iterdir())) == 3,
                   timeout=60, what="the vote list export")
        votes = next(p for p in stick.iterdir() if p.name.startswith("danh-sach-phieu_"))
        lines = votes.read_bytes().decode("utf-8-sig").splitlines()
        assert lines[0].split(",")[-2:] == ["hash", "local_date"] and len(lines) == 4
        digest = hashlib.sha256("".join(line.split(",")[-2] + "\n" for line in lines[1:]).encode()).hexdigest()
        check = openpyxl.load_workbook(made[0], data_only=True)["Kiểm chứng"]
        assert digest in [r[1] for r in check.iter_rows(values_only=True)]
        assert sorted(p.suffix for p in stick.iterdir()) == [".csv", ".pdf", ".xlsx"]  # no staging folder left


def test_the_export_shows_its_percentage_while_it_runs_and_no_progress_bar_otherwise(kiosk_factory):
    app = kiosk_factory()
    manager = _export_tab(app)
    bar = manager.export.ids.bar
    assert bar.opacity == 0 and bar.width == 0  # no stray empty line beside the button
    manager.export.busy = True
    manager.export.show_progress(0.6)
    pump(2)
    assert manager.export.message == "Đang xuất… 60 %" and manager.export.busy
    assert bar.opacity == 1 and bar.width > 0 and bar.value == 60


def test_with_no_stick_plugged_in_the_export_says_so_and_what_to_do(kiosk_factory):
    app = kiosk_factory()
    manager = _export_tab(app)
    assert manager.export.targets == []  # no stick, no folder configured
    tap(manager.export.ids.go)
    message = manager.export.message
    assert message == "Chưa cắm USB nào. Hãy cắm USB vào máy rồi bấm “Tìm lại USB”." and manager.export.failed
    assert "Tìm lại USB" == manager.export.ids.rescan.text and "danh sách" not in message
    app.lang = "en"
    manager.refresh()
    tap(manager.export.ids.go)
    assert "plugged in" in manager.export.message and manager.export.ids.rescan.text in manager.export.message


def test_the_date_steppers_are_live_only_for_chosen_dates(kiosk_factory):
    app = kiosk_factory()
    manager = _export_tab(app)
    ids = manager.export.ids
    steppers = (ids.from_stepper, ids.to_stepper)
    for kind in ("period_month", "period_quarter", "period_year"):
        tap(ids[kind])
        assert all(b.disabled for s in steppers for b in s.children if isinstance(b, Button)), kind
    before = manager.export.d_from
    tap(next(b for b in ids.from_stepper.children if getattr(b, "key", "") == "day_back"))
    assert manager.export.d_from == before and manager.export.period_kind == "year"  # a greyed key does nothing
    tap(ids.period_custom)
    assert not any(b.disabled for s in steppers for b in s.children if isinstance(b, Button))


def test_a_long_export_keeps_the_manager_screen_open_until_its_outcome_has_been_seen(kiosk_factory):
    app = kiosk_factory()
    manager = _export_tab(app)
    limit = app.timings.manager_idle_s

    def time_passes(seconds):  # no one touches the screen: the idle clock's start moves back
        app.last_touch -= seconds
    app.touched()
    manager.export.busy = True
    for step in range(1, 7):  # six steps 0.4 × the limit apart: 2.4 × the limit in all, untouched
        time_passes(limit * 0.4)
        app._on_tick(0)  # the clock tick's own idle check
        assert app.sm.current == "manager", f"closed mid-export before step {step}"
        manager.export.show_progress(step / 10)
    time_passes(limit * 0.4)
    manager.export.show_progress(1.0, "Đã xuất: II7.xlsx")
    time_passes(limit * 0.9)
    app._on_tick(0)
    assert app.sm.current == "manager" and manager.export.message == "Đã xuất: II7.xlsx"
    time_passes(limit * 0.2)  # the outcome seen for the whole limit, the manager gone: the screen closes
    app._on_tick(0)
    assert app.sm.current != "manager"


def test_chosen_dates_are_stepped_by_touch(kiosk_factory):
    app = kiosk_factory()
    manager = _export_tab(app)
    today = app.store.today()
    tap(manager.export.ids.period_custom)
    stepper = manager.export.ids.from_stepper
    back30 = next(b for b in stepper.children if getattr(b, "key", "") == "month_back")
    tap(back30)
    assert manager.export.d_from == today.replace(day=1) - timedelta(days=30)
    assert manager.export.period_kind == "custom"
    assert manager.export.period_text.startswith((today.replace(day=1) - timedelta(days=30)).strftime("%d/%m/%Y"))


def test_leaving_kiosk_mode_asks_first_and_is_logged(kiosk_factory, caplog, monkeypatch):
    app = kiosk_factory()
    stopped = []
    monkeypatch.setattr(app, "stop", lambda *a: stopped.append(True))
    manager = open_manager(app)
    caplog.set_level(logging.INFO, logger="kiosk.manager")
    tap(manager.leave_btn)
    assert manager.confirming and not stopped
    tap(manager.confirm_no)
    assert not manager.confirming and not stopped
    tap(manager.leave_btn)
    tap(manager.confirm_yes)
    assert stopped == [True]
    assert any("left kiosk mode" in r.getMessage() for r in caplog.records)


def test_sync_now_without_a_sync_section_says_why_it_cannot_in_words_that_fit(kiosk_factory):
    from kivy.core.window import Window
    app = kiosk_factory()
    manager = open_manager(app)
    try:
        for size in ((800, 480), (1080, 1920)):
            Window.size = size
            pump(6)
            tap(manager.sync_btn)
            pump(3)
            notice = manager.ids.notice
            assert "chưa được nối với máy chủ trung tâm" in manager.notice and "[sync]" not in manager.notice
            assert notice.text == manager.notice and notice.opacity == 1
            # the whole reason in sight: its lines inside the box, the box inside the screen
            assert notice.texture_size[1] <= notice.height and _inside(notice, size), (size, notice.height)
            _snap(app, "manager-sync-unset")
    finally:
        Window.size = (1280, 800)
        pump(3)


def test_status_shows_sync_boxes_disk_and_clock_and_no_resend_button_without_refused_votes(kiosk_factory):
    app = kiosk_factory()
    app.store.record_vote("Q1", "RHL")
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(3)
    text = manager.status.text
    assert "Chờ gửi: 1 phiếu" in text and "Bộ nhớ còn trống" in text and " GB trên " in text
    assert f"Đồng hồ: {datetime.now(app.cfg.tz):%d/%m/%Y}" in text
    assert not manager.status.show_release and manager.status.ids.release.height == 0


def test_status_tells_of_clock_suspect_votes_and_of_a_renamed_vote_file(kiosk_factory):
    app = kiosk_factory()
    app.store.time_source = lambda: False   # no time source has answered yet
    app.store.record_vote("Q1", "RHL")
    app.store.time_source = None
    moved = app.store.path.with_name("renamed.db")
    app.store.path.rename(moved)
    app.store.record_vote("Q1", "HL")   # followed into the renamed file
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(3)
    text = manager.status.text
    assert "1 phiếu ghi khi đồng hồ không đáng tin cậy" in text
    assert f"đổi tên thành {moved}" in text
    moved.rename(app.store.path)


def test_a_manager_screen_in_english_writes_numbers_the_english_way(kiosk_factory):
    app = kiosk_factory(kiosk_extra='language = "en"\n')
    now = datetime.now(app.cfg.tz)
    app.store.record_votes([{"counter_id": f"Q{1 + i % 3}", "level": "RHL", "at": now - timedelta(seconds=5 * i)}
                            for i in range(1234)])  # the last 103 minutes, 15 s apart at each counter
    manager = open_manager(app)
    assert app.lang == "en"
    tap(manager.tab_buttons["status"])
    pump(3)
    text = manager.status.text
    assert "Waiting: 1,234 vote(s)" in text and "1.234" not in text
    assert re.search(r"Free storage: \d+\.\d GB of \d+\.\d GB", text)
    tap(manager.tab_buttons["totals"])
    pump(3)
    last_row = [cell["text"] for cell in manager.totals.table.rows[-manager.totals.table.cols:]]  # all counters
    total = manager.totals.shown["all"]["total"]  # today's: all 1,234 but just after midnight
    lo, hi = textbook_wilson(total, total)
    assert last_row[-3:] == [f"{total:,}", f"100.0% ({lo:.1f}–{hi:.1f})", "0"] and last_row[1] == f"{total:,}"  # RHL, total, %, repeats


def test_the_status_tab_s_clock_and_counts_keep_moving_while_it_is_shown(kiosk_factory):
    app = kiosk_factory()
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(2)
    assert "Chờ gửi: 0 phiếu" in manager.status.text
    app.store.record_vote("Q1", "RHL")  # a button-box vote while the manager looks
    wait_until(lambda: "Chờ gửi: 1 phiếu" in manager.status.text, what="the status to follow by itself")


def test_status_tells_the_manager_when_the_central_service_refuses_the_kiosks_key(kiosk_factory):
    app = kiosk_factory()
    app.store.record_vote("Q1", "RHL")
    outbox.set_meta(app.store, {"auth_error": "401: bad_signature"})
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(3)
    text = manager.status.text
    assert "không nhận khoá của kiosk này (401: bad_signature)" in text and "Chờ gửi: 1 phiếu" in text
    assert not manager.status.show_release  # the votes are waiting, not refused


def test_refused_votes_can_be_put_back_in_the_outbox_by_the_manager(kiosk_factory):
    app = kiosk_factory()
    vote = app.store.record_vote("Q1", "RHL")
    outbox.quarantine(app.store, {outbox.VOTES: [vote.uuid]}, "400: bad_batch: test", datetime.now(app.cfg.tz))
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(4)
    assert "Máy chủ không nhận, đang giữ riêng: 1" in manager.status.text and manager.status.show_release
    scroll = manager.status.ids.text.parent
    assert manager.status.ids.release.top >= scroll.y - manager.fs  # right under the counts it acts on
    tap(manager.status.ids.release)
    assert outbox.count_pending(app.store) == {"votes": 1, "reasons": 0, "quarantined": 0}
    assert "Máy chủ không nhận, đang giữ riêng: 0" in manager.status.text and not manager.status.show_release


def test_the_manager_screen_closes_itself_when_left_idle(kiosk_factory):
    app = kiosk_factory()
    app.open_manager()
    wait_until(lambda: app.sm.current == "pick", timeout=10, what="the manager screen to close")


def test_back_to_the_citizen_screen(kiosk_factory):
    app = kiosk_factory()
    manager = open_manager(app)
    tap(manager.home_btn)
    assert app.sm.current == "pick"


def _snap(app, name: str) -> None:
    """Save the window as it is now (no resize) as build/screens/<name>-<w>x<h>.png."""
    from kivy.core.window import Window
    from kivy.graphics import Color, Rectangle
    SCREENS.mkdir(parents=True, exist_ok=True)
    root = app.root_layout
    with root.canvas.before:
        paint = Color(*Window.clearcolor)
        fill = Rectangle(pos=root.pos, size=root.size)
    root.export_to_png(str(SCREENS / f"{name}-{Window.width}x{Window.height}.png"))
    root.canvas.before.remove(paint)
    root.canvas.before.remove(fill)


def _inside(widget, size) -> bool:
    x, y = widget.to_window(widget.x, widget.y)
    return 0 <= x and x + widget.width <= size[0] + 1 and 0 <= y and y + widget.height <= size[1] + 1


LONG_NAME = "Quầy 1 — Tư pháp, hộ tịch, chứng thực bản sao, chữ ký, hợp đồng"  # 63 characters
LONG_CENTRE = "Trung tâm Phục vụ hành chính công xã Ninh Giang, thành phố Hải Phòng (cơ sở 2)"
OFFICER_NAMES = ["Nguyễn Thị Phương Thảo", "Trần Văn Bình", "Lê Hoàng Nam", "Phạm Thị Hồng Nhung", "Vũ Đức Thắng",
                 "Đỗ Thị Lan", "Hoàng Minh Tuấn", "Bùi Thị Mai", "Ngô Văn Hùng", "Đặng Thu Trang",
                 "Dương Quốc Khánh", "Lý Thị Ngọc Ánh", "Trịnh Văn Long", "Mai Thị Hương", "Phan Thanh Sơn",
                 "Tạ Thị Yến", "Lương Văn Đức", "Cao Thị Thu Hà", "Hà Văn Quyết", "Chu Thị Kim Oanh"]
OFFICERS_TOML = "\n[report]\nofficers = { " + ", ".join(
    f'CB{i:02d} = "{name}"' for i, name in enumerate(OFFICER_NAMES, start=1)) + " }\n"


def _whole(text: str, width: float, height: float, font_size: float, bold: bool) -> bool:
    """Whether ``text`` wrapped into ``width`` fits ``height`` (no line dropped by max_lines)."""
    from kivy.core.text import Label as CoreLabel
    label = CoreLabel(text=text, font_size=font_size, bold=bold, font_name="Roboto", text_size=(width, None))
    label.refresh()
    return label.texture.height <= height + 1


def test_the_tabs_follow_a_window_that_changes_size_while_the_manager_screen_is_open(kiosk_factory):
    """No reopening: the new size reaches each tab through its properties and the tab redraws itself."""
    from kivy.core.window import Window
    app = kiosk_factory()
    app.store.record_vote("Q1", "RHL")
    manager = open_manager(app)
    try:
        for size in ((1920, 1080), (800, 480)):
            Window.size = size
            pump(6)
            cells = manager.totals.table.rows
            assert cells and all(c["font_size"] == manager.fs for c in cells), size
            assert all(r["fs"] == manager.fs for r in manager.totals.chart), size
            assert all(r["fs"] == manager.fs for r in manager.roster.rows), size
    finally:
        Window.size = (1280, 800)
        pump(3)


def test_the_officers_view_names_officers_from_the_report_section_in_counting_order(kiosk_factory):
    app = kiosk_factory(counters=TEN, extra=OFFICERS_TOML)
    _busy_month(app)
    manager = open_manager(app)
    tap(manager.totals.pick["this_month"])
    tap(manager.totals.view_buttons["officer"])
    first = [r[0] for r in manager.totals.table.texts()]
    assert first[:3] == ["CB01 · Nguyễn Thị Phương Thảo", "CB02 · Trần Văn Bình", "CB03 · Lê Hoàng Nam"]
    assert first[-1] == "Tất cả" and len(first) == 21
    tap(manager.tab_buttons["roster"])
    pump(3)
    for key in "CB02":  # typed into Quầy 1's code: its officer's name shows beside it
        tap(manager.roster.codepad.keys[key])
    row = next(r for r in manager.roster.rows if r["counter_id"] == "Q1")
    assert row["code"] == "CB02" and row["officer"] == "Trần Văn Bình"
    codes = ["CB2", "CB10", "Q10-CB1", "Q2-CB1", None, "cb3"]
    from kiosk.ui.screens.manager_totals import natural_key
    assert sorted(codes, key=natural_key) == ["CB2", "cb3", "CB10", "Q2-CB1", "Q10-CB1", None]


def test_every_manager_screen_fits_every_panel_and_is_photographed(kiosk_factory, tmp_path):
    """At 800x480, 1024x600, 1280x800, 1920x1080 and 1080x1920: every button inside the screen with its words
    fitting, the header's long centre name and every table cell whole, the export form in sight without
    scrolling, code-pad keys with letters sized to the keys, and a picture of each screen in build/screens/."""
    from kivy.core.window import Window
    app = kiosk_factory(counters=((TEN[0][0], LONG_NAME), *TEN[1:]),
                        extra=f'\n[manager]\nexport_dir = "{tmp_path / "usb"}"\n' + OFFICERS_TOML)
    app.cfg = replace(app.cfg, centre=LONG_CENTRE)
    _busy_month(app)
    vote = app.store.record_vote("Q1", "RHL")
    outbox.quarantine(app.store, {outbox.VOTES: [vote.uuid]}, "400: bad_batch: test", datetime.now(app.cfg.tz))
    app.store.set_roster(app.store.today(), {"Q1": "CB07", "Q2": "CB12"})
    pin = app.screens["pin"]
    try:
        for size in ALL_SIZES:
            Window.size = size
            app.open_pin()
            pump(8)
            for key in pin.keys.values():
                assert _inside(key, size) and key.texture_size[1] <= key.height + 1, (size, key.text)
            _snap(app, "pin")
            manager = open_manager(app)
            manager.totals.set_month()
            pump(6)
            buttons = [manager.sync_btn, manager.home_btn, manager.leave_btn, *manager.tab_buttons.values(),
                       *manager.totals.pick.values(), *manager.totals.view_buttons.values()]
            for b in buttons:
                assert _inside(b, size) and b.texture_size[1] <= b.height + 1, (size, b.text)
            title = manager.ids.title
            assert _whole(title.text, title.width, title.height, title.font_size, True), (size, title.font_size)
            assert title.font_size >= manager.fs * 0.7
            if size[1] > size[0]:  # a floor stand is read from further away: text grows with the panel
                assert manager.fs >= size[0] / 40, manager.fs
            heads = views(manager.totals.table.ids.head)
            assert len(heads) == manager.totals.table.cols
            for cell in heads:  # every header drawn whole inside its cell
                assert cell.texture_size[0] <= cell.width + 1 and cell.texture_size[1] <= cell.height + 1, (size, cell.text)
            _snap(app, "manager-totals")
            tap(manager.totals.view_buttons["officer"])
            pump(3)
            _snap(app, "manager-officers")
            for view in ("officer", "counter"):  # every name whole: the 60-character counter, the officers' names
                tap(manager.totals.view_buttons[view])
                for cell in manager.totals.table.rows[::manager.totals.table.cols]:
                    assert _whole(cell["text"], cell["width"] - dp(12), cell["height"], cell["font_size"],
                                  cell["bold"]), (size, cell["text"])
            for tab in ("status", "roster", "export", "questionnaire"):
                tap(manager.tab_buttons[tab])
                pump(4)
                _snap(app, f"manager-{tab}")
                if tab == "roster":
                    keys = manager.roster.codepad.keys
                    for key in keys.values():
                        assert _inside(key, size) and key.texture_size[1] <= key.height + 1, (size, key.key)
                    assert keys["Q"].font_size >= 0.3 * keys["Q"].height, (size, keys["Q"].height)  # not huge keys, tiny letters
                    rows = manager.roster.ids.rows
                    if size[1] > size[0]:  # in portrait every counter is in sight above the pad
                        assert rows.height >= sum(r["height"] for r in manager.roster.rows), size
                if tab == "export":
                    panel = manager.export
                    if size not in ((800, 480), (1024, 600)):  # a 7" panel's legible text scrolls (issue 19)
                        assert panel.ids.form.height <= panel.ids.scroll.height + 1, size  # nothing under the button
                    assert panel.ids.go_bar.top >= panel.ids.scroll.y - 1, size  # the button right under the form
                    kinds = views(panel.ids.formats)  # the four file types in one row, each label whole
                    assert sorted(v.value for v in kinds) == ["csv", "pdf", "votes", "xlsx"], size
                    for v in kinds:
                        assert _inside(v, size) and v.texture_size[0] <= v.width + 1, (size, v.text)
                        assert v.texture_size[1] <= v.height + 1, (size, v.text)
                    for v in views(panel.ids.targets):  # a long folder name wraps, whole
                        assert _whole(v.text, v.width - dp(10), v.height, v.font_size, False), (size, v.text)
                    panel.ids.scroll.scroll_y = 0  # scrolled to the end: the steppers in sight (a 7" panel scrolls)
                    pump(3)
                    steppers = (panel.ids.from_stepper, panel.ids.to_stepper)
                    for b in [w for s in steppers for w in s.children if isinstance(w, Button)]:
                        assert b.fs == manager.fs and _inside(b, size), (size, b.text)
            assert manager.status.show_release
            tap(manager.leave_btn)
            pump(3)
            for b in (manager.confirm_yes, manager.confirm_no):
                assert _inside(b, size), size
            _snap(app, "manager-leave")
            tap(manager.confirm_no)
            tap(manager.tab_buttons["totals"])
    finally:
        Window.size = (1280, 800)
        pump(3)


def test_the_questionnaire_s_end_row_names_its_button_apart_from_the_value_it_shows(kiosk_factory):
    app = kiosk_factory()
    manager = open_manager(app)
    tap(manager.tab_buttons["questionnaire"])
    pump(3)
    ids = manager.questionnaire.ids
    assert ids.until.text == "Không hạn" and ids.no_end.text == "Bỏ hạn"  # was "Không hạn" twice in one row
    assert ids.no_end.disabled and ids.no_end.opacity == 0  # nothing to clear: "Không hạn" once is enough
    tap(ids.until_next)
    assert ids.until.text != "Không hạn" and not ids.no_end.disabled and ids.no_end.opacity == 1
    tap(ids.no_end)
    assert ids.until.text == "Không hạn" and ids.no_end.disabled


def test_stop_here_is_greyed_while_no_questionnaire_is_on(kiosk_factory):
    app = kiosk_factory()
    manager = open_manager(app)
    tap(manager.tab_buttons["questionnaire"])
    pump(3)
    panel = manager.questionnaire
    assert panel.ids.stop.disabled
    tap(panel.ids.start)
    assert not panel.ids.stop.disabled
    tap(panel.ids.stop)
    assert panel.ids.stop.disabled and panel.message == "Đã tắt phiếu khảo sát"


def test_status_shows_the_health_signals_and_what_to_do_for_a_missing_backup(kiosk_factory):
    app = kiosk_factory()
    app.store.record_vote("Q1", "RHL")   # a vote and no verified backup: a person is needed
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(3)
    text = manager.status.text
    assert "Sức khoẻ của máy" in text and "phiếu gần nhất:" in text and "phiên bản phần mềm" in text
    assert "chưa có bản sao lưu đã kiểm chứng — chạy `python main.py backup`" in text
    assert "đồng hồ" in text and "tin cậy" in text   # the store's own verdict: no time source here, after the newest vote

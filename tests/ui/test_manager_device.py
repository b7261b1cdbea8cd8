"""The manager on the device, as a newcomer meets it (issue 19): the periods reports are filed for in one tap,
every level of the chart whole at every panel size, text legible at arm's length on the 7" panels, and what
the PIN pad, the tabs and the dialogs say. A real window under Xvfb, tapped through X."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from kivy.core.window import Window
from kivy.graphics import Rectangle
from kivy.uix.label import Label

from tests.ui.conftest import pump, tap
from tests.ui.panels import LEGIBLE_MM, SEVEN_INCH, text_mm
from tests.ui.test_manager import ALL_SIZES, _inside, _snap, open_manager, views

TZ_NOON = "2026-12-15T10:00:00+07:00"  # mid-December: the quarter to file is Q3, the month November


def fixed_today(app, moment: str = TZ_NOON) -> datetime:
    """The store's clock stands at ``moment`` (the real date never matters)."""
    now = datetime.fromisoformat(moment)
    app.store._clock = lambda: now
    return now


def vote_on(app, day: date, level: str, n: int = 1, counter: str = "Q1") -> None:
    """``n`` votes cast at ``counter`` from eight in the morning of ``day``, 20 s apart (none a repeat)."""
    at = datetime.combine(day, datetime.min.time(), app.cfg.tz).replace(hour=8)
    app.store.record_votes([{"counter_id": counter, "level": level, "at": at + timedelta(seconds=20 * i),
                             "officer": None} for i in range(n)])


def total_shown(manager) -> str:
    """The "Tất cả" row's vote count as the totals table shows it."""
    return manager.totals.table.texts()[-1][6]


@pytest.fixture
def sized():
    """Put the window back to the size every other test expects, whatever the test did to it."""
    yield
    Window.size = (1280, 800)
    pump(3)


# --- last month and last quarter, one tap each ----------------------------------------------------

def test_last_month_and_last_quarter_are_one_tap_each_in_the_totals(kiosk_factory):
    app = kiosk_factory()
    fixed_today(app)
    vote_on(app, date(2026, 8, 20), "HL", 2)   # Q3
    vote_on(app, date(2026, 9, 30), "RHL", 1)  # Q3, its last day
    vote_on(app, date(2026, 11, 1), "BT", 3)   # last month, its first day
    vote_on(app, date(2026, 11, 30), "HL", 1)  # last month, its last day
    vote_on(app, date(2026, 12, 1), "KHL", 5)  # this month
    manager = open_manager(app)
    panel = manager.totals
    tap(panel.pick["last_month"])
    assert panel.period() == (date(2026, 11, 1), date(2026, 11, 30))
    assert total_shown(manager) == "4" and "01/11/2026" in panel.period_text and "30/11/2026" in panel.period_text
    assert panel.pick["last_month"].selected and not panel.pick["this_month"].selected
    tap(panel.pick["last_quarter"])
    assert panel.period() == (date(2026, 7, 1), date(2026, 9, 30))
    assert total_shown(manager) == "3" and panel.period_text.startswith("Quý III/2026")
    assert not panel.pick["next_day"].disabled  # the quarter ended long ago: the day after it can be shown
    tap(panel.pick["next_day"])
    assert panel.period() == (date(2026, 10, 1), date(2026, 10, 1))
    tap(panel.pick["this_month"])
    assert panel.period() == (date(2026, 12, 1), date(2026, 12, 15)) and total_shown(manager) == "5"


def test_last_month_and_last_quarter_are_one_tap_each_in_the_export(kiosk_factory):
    app = kiosk_factory()
    fixed_today(app)
    manager = open_manager(app)
    tap(manager.tab_buttons["export"])
    pump(3)
    panel = manager.export
    tap(panel.ids.period_last_quarter)
    assert (panel.d_from, panel.d_to) == (date(2026, 7, 1), date(2026, 9, 30))
    assert "Quý III/2026: 01/07/2026 – 30/09/2026" in panel.go_text
    tap(panel.ids.period_last_month)
    assert (panel.d_from, panel.d_to) == (date(2026, 11, 1), date(2026, 11, 30))
    assert panel.ids.period_last_month.selected and panel.ids.from_stepper.disabled
    assert "01/11/2026 – 30/11/2026" in panel.go_text  # what "Xuất" writes: the dates the button names


# --- the chart: every level whole -----------------------------------------------------------------

def show_chart(manager) -> None:
    """Bring the chart in sight (on a small landscape panel it takes the table's place at a touch)."""
    ids = manager.totals.ids
    if ids.chart_toggle.opacity and not manager.totals.chart_on:
        tap(ids.chart_toggle)
        pump(6)


def test_the_chart_shows_every_level_s_bar_and_count_at_every_panel_size(kiosk_factory, sized):
    app = kiosk_factory()
    fixed_today(app)
    today = date(2026, 12, 15)
    vote_on(app, today, "HL", 300)
    vote_on(app, today, "RHL", 40)
    vote_on(app, today, "RKHL", 1)  # one vote among hundreds: the level the 7" panels lost
    expected = {"Rất hài lòng": "40", "Hài lòng": "300", "Bình thường": "0", "Không hài lòng": "0",
                "Rất không hài lòng": "1"}
    for size in ALL_SIZES:
        Window.size = size
        manager = open_manager(app)
        pump(6)
        show_chart(manager)
        chart = manager.totals.ids.chart
        rows = sorted(views(chart), key=lambda r: -r.y)
        shown = {r.label.replace("\u00a0", " "): r.count for r in rows}
        assert shown == expected, (size, shown)
        top, bottom = chart.to_window(0, chart.top)[1], chart.to_window(0, chart.y)[1]
        for row in rows:
            y0, y1 = row.to_window(0, row.y)[1], row.to_window(0, row.top)[1]
            assert bottom - 1 <= y0 and y1 <= top + 1, (size, row.label, "the row is cut off")
            count = row.ids.count
            count.texture_update()
            assert _inside(count, size) and count.texture_size[0] <= count.width + 1, (size, row.label)
            assert count.texture_size[1] <= row.height + 1, (size, row.label, "the number is cut")
            lane = row.ids.lane
            bar = next(i for i in lane.canvas.children if isinstance(i, Rectangle))
            if row.count != "0":
                assert bar.size[0] >= row.fs * 0.3 - 0.01 and bar.size[1] >= row.fs * 0.5, (size, row.label, bar.size)
            assert bar.pos[0] + bar.size[0] <= count.x, (size, row.label, "the count overlaps its bar")
        _snap(app, "manager-chart")
        app.go_home()
        pump(3)


# --- legible at arm's length ----------------------------------------------------------------------

def drawn_labels(widget, size):
    """Every label with words drawn under ``widget`` inside the window (not hidden, not parked off-screen)."""
    if widget.opacity == 0:
        return []
    found = []
    if isinstance(widget, Label) and widget.text.strip():
        x, y = widget.to_window(widget.x, widget.y)
        if x < size[0] and y < size[1] and x + widget.width > 0 and y + widget.height > 0 and widget.height > 1:
            found.append(widget)
    for child in widget.children:
        found += drawn_labels(child, size)
    return found


def too_small(widget, size) -> list[tuple[str, float]]:
    """The labels under ``widget`` whose digits are under 2.5 mm tall on the panel ``size``."""
    return [(label.text[:30], round(text_mm(label.font_size, size, label.bold), 2))
            for label in drawn_labels(widget, size) if text_mm(label.font_size, size, label.bold) < LEGIBLE_MM]


def test_manager_text_is_legible_at_arm_s_length_on_the_7_inch_panels(kiosk_factory, sized, tmp_path):
    app = kiosk_factory(extra=f'\n[manager]\nexport_dir = "{tmp_path / "usb"}"\n')
    fixed_today(app)
    vote_on(app, date(2026, 12, 15), "HL", 12)
    for size in SEVEN_INCH:
        Window.size = size
        app.open_pin()
        pump(6)
        assert not too_small(app.screens["pin"], size), (size, too_small(app.screens["pin"], size))
        manager = open_manager(app)
        pump(4)
        for tab in ("totals", "status", "roster", "export", "questionnaire"):
            tap(manager.tab_buttons[tab])
            pump(4)
            assert not too_small(manager, size), (size, tab, too_small(manager, size))
        tap(manager.tab_buttons["totals"])
        show_chart(manager)
        assert not too_small(manager, size), (size, "chart", too_small(manager, size))
        tap(manager.leave_btn)
        pump(3)
        assert not too_small(manager, size), (size, "leave", too_small(manager, size))
        tap(manager.confirm_no)
        app.go_home()
        pump(3)


# --- the PIN pad says what it does ------------------------------------------------------------------

def test_the_right_pin_says_opening_at_once_and_a_wrong_one_how_many_tries_remain(kiosk_factory):
    from kiosk.pin import MAX_TRIES, SETTING, hash_pin
    from kivy.tests.common import UnitTestTouch
    from tests.ui.conftest import _guarded, wait_out_guard, wait_until
    from tests.ui.test_manager import PIN, enter, open_pin
    app = kiosk_factory()
    app.store.set_setting(SETTING, hash_pin(PIN))
    open_pin(app)
    pin = app.screens["pin"]
    enter(app, "1111")
    assert pin.message.text == f"Mã PIN không đúng. Còn {MAX_TRIES - 1} lần thử, sau đó bàn phím khoá 5 phút."
    enter(app, "2222")
    assert f"Còn {MAX_TRIES - 2} lần thử" in pin.message.text
    for d in PIN:
        tap(pin.keys[d])
    wait_out_guard()
    touch = UnitTestTouch(*pin.keys["ok"].to_window(*pin.keys["ok"].center))
    _guarded(touch.touch_down)
    _guarded(touch.touch_up)
    # the words are there before the manager's screen is built, and the pad takes no second OK meanwhile
    assert app.sm.current == "pin" and pin.message_text == "Đang mở…" and pin.keys["ok"].disabled
    wait_until(lambda: app.sm.current == "manager", what="the manager's screen")
    app.go_home()
    open_pin(app)
    assert pin.message_text == "" and not pin.keys["ok"].disabled  # the next opening starts clean


# --- the questionnaire tab opens on the one running ---------------------------------------------------

def test_the_questionnaire_tab_opens_on_the_questionnaire_that_is_running(kiosk_factory):
    from kiosk.questionnaire.answers import start_questionnaire
    from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
    app = kiosk_factory()
    fixed_today(app)
    found = load_catalogue(questionnaire_dirs(app.cfg)).questionnaires
    running = found[-1]
    assert running is not found[0]  # not the one the tab shows first anyway
    start_questionnaire(app.store, running, counter_id="Q2", until=date(2026, 12, 31), mode="replace")
    manager = open_manager(app)
    tap(manager.tab_buttons["questionnaire"])
    pump(3)
    panel = manager.questionnaire
    assert (panel.chosen().id, panel.counter_id(), panel.mode, panel.until) == (running.id, "Q2", "replace",
                                                                                 date(2026, 12, 31))
    assert running.id in panel.which_text and panel.where_text == "Quầy 2 — Đất đai"
    assert not panel.ids.stop.disabled
    tap(panel.ids.stop)
    assert panel.message == "Đã tắt phiếu khảo sát"


# --- the notice, the leave dialog, the status tab's words ---------------------------------------------

def overlaps(a, b) -> bool:
    (ax, ay), (bx, by) = a.to_window(a.x, a.y), b.to_window(b.x, b.y)
    return ax < bx + b.width and bx < ax + a.width and ay < by + b.height and by < ay + a.height


def test_the_sync_message_never_covers_the_roster_s_save_button(kiosk_factory, sized):
    for size in ALL_SIZES:
        Window.size = size
        app = kiosk_factory()
        manager = open_manager(app)
        tap(manager.tab_buttons["roster"])
        tap(manager.sync_btn)
        pump(4)
        notice, save = manager.ids.notice, manager.roster.ids.save
        assert notice.opacity == 1 and "chưa được nối với máy chủ trung tâm" in manager.notice
        assert not overlaps(notice, save) and _inside(save, size) and _inside(notice, size), size
        tap(manager.roster.codepad.keys["7"])
        tap(save)
        assert manager.roster.message.startswith("Đã lưu phân công"), size


def test_the_exit_dialog_says_whether_the_kiosk_comes_back_by_itself(kiosk_factory, monkeypatch, tmp_path):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    app = kiosk_factory()
    manager = open_manager(app)
    tap(manager.leave_btn)
    assert "không tự mở lại" in manager.labels["m_leave_body"] and "python main.py run" in manager.labels["m_leave_body"]
    tap(manager.confirm_no)
    app.go_home()
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))  # what systemd gives the kiosk's service
    manager = open_manager(app)
    tap(manager.leave_btn)
    assert "tự mở lại sau vài giây" in manager.labels["m_leave_body"]


def test_the_status_tab_says_things_in_plain_words(kiosk_factory):
    app = kiosk_factory()
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(3)
    text = manager.status.text
    for jargon in ("[sync]", "tệp cấu hình", "cách ly", "GiB"):
        assert jargon not in text, jargon
    assert "chưa nối với máy chủ trung tâm" in text and "Bộ nhớ còn trống" in text and " GB trên " in text

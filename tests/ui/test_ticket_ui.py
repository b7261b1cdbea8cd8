"""The number screen before the rating ([kiosk] ticket, issue 18), in a real Kivy window: the keypad's taps,
a USB scanner's keystrokes, Bỏ qua, one rating per number, and no number anywhere but on the screen."""

from __future__ import annotations

from dataclasses import replace

from kivy.core.window import Window

from tests.ui.conftest import FAST, _guarded, pump, screenshot, tap, wait_until
from tests.ui.test_questionnaire_ui import to_docs

ONE_COUNTER = (("Q1", "Quầy 1 — Tư pháp, hộ tịch"),)
DOC_SIZES = ((800, 480), (1080, 1920))
DOSSIER = "000.00.12.H37-240115-0001"   # a one-stop system's dossier code, as printed on the receipt's barcode
SHIFTED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def scan(text: str, enter: int = 13) -> None:
    """A USB barcode scanner: it types the code like a keyboard, key after key with no pause (Shift for
    capitals), then Enter — through the window's real key path, as the scanner's keystrokes arrive."""
    for ch in text:
        modifiers = ["shift"] if ch in SHIFTED else []
        _guarded(lambda ch=ch, m=modifiers: Window.dispatch("on_key_down", ord(ch.lower()), 0, ch, m))
        _guarded(lambda ch=ch: Window.dispatch("on_key_up", ord(ch.lower()), 0))
    _guarded(lambda: Window.dispatch("on_key_down", enter, 0, None, []))
    _guarded(lambda: Window.dispatch("on_key_up", enter, 0))
    pump(1)


def keypad(app, digits: str) -> None:
    """Digits tapped on the screen's keypad, then Tiếp tục."""
    screen = app.screens["ticket"]
    for d in digits:
        tap(screen.keys[d])
    tap(screen.ids.next)


def stored(app) -> list[tuple]:
    return app.store.query("SELECT level, flag, ticket_hash FROM votes ORDER BY seq")


def test_with_ticket_required_the_number_screen_comes_first_and_its_keypad_ties_the_rating(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "require"\n')
    assert app.sm.current == "ticket"
    screen = app.screens["ticket"]
    assert screen.ids.skip.disabled and screen.ids.skip.opacity == 0   # required: no way round it
    keypad(app, "1234")
    assert app.sm.current == "rating" and screen.number == ""   # the digits are forgotten at once
    tap(app.screens["rating"].level_buttons[0])
    [(level, flag, ticket)] = stored(app)
    assert (level, flag) == ("RHL", None) and len(ticket) == 64


def test_a_scanner_typing_the_dossier_code_and_enter_gives_the_number(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "require"\n')
    scan(DOSSIER)
    assert app.sm.current == "rating"
    tap(app.screens["rating"].level_buttons[1])
    assert [(lv, f) for lv, f, _ in stored(app)] == [("HL", None)]
    assert stored(app)[0][2] is not None


def test_the_keypad_enter_of_a_scanner_and_a_usb_keypad_gives_the_number_too(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "ask"\n')
    scan("0042", enter=271)
    assert app.sm.current == "rating"


def test_a_second_rating_with_the_same_number_is_kept_and_flagged_and_not_counted(kiosk_factory):
    from rating import totals
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "require"\n',
                        timings=replace(FAST, thanks_s=0.2))
    for level in (0, 1):
        wait_until(lambda: app.sm.current == "ticket", what="the number screen")
        scan(DOSSIER.lower())   # the same code, the scanner's Caps Lock the other way
        tap(app.screens["rating"].level_buttons[level])
    (first, f1, h1), (second, f2, h2) = stored(app)
    assert (first, f1) == ("RHL", None) and (second, f2) == ("HL", "same_ticket") and h1 == h2
    day = totals.day_totals(app.store, app.cfg.counters, app.cfg.scale, app.store.today())
    assert day["all"]["total"] == 1 and day["all"]["flagged"] == 1 and day["all"]["tied"] == 1


def test_skip_rates_without_a_number_when_the_centre_only_asks(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "ask"\n')
    screen = app.screens["ticket"]
    assert not screen.ids.skip.disabled
    tap(screen.ids.skip)
    assert app.sm.current == "rating"
    tap(app.screens["rating"].level_buttons[0])
    assert stored(app) == [("RHL", None, None)]


def test_an_empty_or_unreadable_number_is_refused_with_its_reason_and_nothing_is_stored(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "require"\n')
    screen = app.screens["ticket"]
    tap(screen.ids.next)
    assert app.sm.current == "ticket" and "nhập số" in screen.problem.replace("\u00a0", " ")
    screen.type("12#4")   # not a key a scanner types into the number: refused at Tiếp tục
    tap(screen.ids.next)
    assert app.sm.current == "ticket" and screen.problem and stored(app) == []


def test_backspace_and_clear_correct_the_number(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "require"\n')
    screen = app.screens["ticket"]
    for key in ("1", "2", "3", "del"):
        tap(screen.keys[key])
    assert screen.number == "12"
    tap(screen.keys["clear"])
    assert screen.number == ""


def test_digits_left_on_the_number_screen_are_gone_for_the_next_citizen(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "require"\n')
    screen = app.screens["ticket"]
    tap(screen.keys["7"])
    assert screen.number == "7"
    app.clock.advance(FAST.idle_s + 1)
    wait_until(lambda: screen.number == "", what="the walked-away digits to be cleared")
    assert app.sm.current == "ticket"


def test_with_a_picker_the_number_screen_follows_the_counter_and_goes_back_to_it(kiosk_factory):
    app = kiosk_factory(kiosk_extra='ticket = "ask"\n')
    assert app.sm.current == "pick"
    tap(app.screens["pick"].buttons[1])
    assert app.sm.current == "ticket" and app.counter_id == "Q2"
    tap(app.screens["ticket"].topbar.back)
    assert app.sm.current == "pick"


def test_without_the_key_ticket_the_kiosk_rates_at_once_as_before(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER)
    assert app.sm.current == "rating" and "ticket" not in app.screens


def test_the_number_screen_at_800x480_and_1080x1920(kiosk_factory):
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra='ticket = "ask"\n')
    screen = app.screens["ticket"]
    for d in "2401":
        tap(screen.keys[d])
    shots = screenshot("kiosk-ticket", DOC_SIZES)
    for path in shots:
        assert path.stat().st_size > 10_000
        to_docs(path, path.stem)
    # every key at least 9 mm on a 7" 800x480 panel (about 5.6 px a mm): 50 px each way
    Window.size = (800, 480)
    pump(8)
    assert all(b.width >= 50 and b.height >= 50 for b in screen.keys.values())
    Window.size = (1280, 800)
    pump(3)

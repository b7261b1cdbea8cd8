"""What a newcomer meets outside the manager's tabs (issue 19): the closed screen, the counter picker with
long names, and the window's size on a small screen. A real window under Xvfb."""

from __future__ import annotations

from datetime import datetime

import pytest
from kivy.core.window import Window

from rating.hours import parse_hours
from tests.ui.conftest import pump, screenshot
from tests.ui.test_manager import _inside

LONG_CENTRE = "Trung tâm Phục vụ hành chính công xã Ninh Giang, thành phố Hải Phòng"
SHOTS = ((800, 480), (1024, 600), (1080, 1920))


@pytest.fixture
def sized():
    """Put the window back to the size every other test expects."""
    yield
    Window.size = (1280, 800)
    pump(3)


def plain(text: str) -> str:
    import re
    return re.sub(r"\[/?[a-z]+(=[^\]]*)?\]", "", text).replace("\u00a0", " ")


@pytest.mark.parametrize("now, again", [
    ("2026-12-14T12:05:00+07:00", ("Mở cửa lại: hôm nay, 13:30", "Opens again: today, 13:30")),
    ("2026-12-19T12:00:00+07:00", ("Mở cửa lại: Thứ Hai 21/12, 07:30", "Opens again: Monday 21/12, 07:30")),
])
def test_the_closed_screen_names_the_centre_in_both_languages_and_when_it_opens_again(kiosk_factory, now, again,
                                                                                      monkeypatch):
    app = kiosk_factory()
    monkeypatch.setattr(app, "is_open", lambda: False)  # closed at the moment the test names, whatever the real time
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "centre": LONG_CENTRE,
                               "hours": parse_hours(["Mon-Fri 07:30-11:30 13:30-17:00", "Sat 07:30-11:30"])})
    closed = app.screens["closed"]
    closed.refresh(now=datetime.fromisoformat(now))
    app.sm.current = "closed"
    pump(4)
    assert plain(closed.centre.text) == LONG_CENTRE
    assert plain(closed.title.text) == "Trung tâm đang ngoài giờ làm việc\nThe centre is closed now"
    assert plain(closed.body.text).endswith("Please come back during opening hours.")
    assert plain(closed.again.text).split("\n") == list(again)
    for label in (closed.centre, closed.title, closed.body, closed.again, closed.hours):
        label.texture_update()
        assert label.texture_size[1] <= label.height + 1 and _inside(label, Window.size), plain(label.text)
    if now.startswith("2026-12-19"):
        screenshot("closed-screen", SHOTS)
        assert app.sm.current == "closed" and plain(closed.again.text).split("\n") == list(again)


# --- make run on a small screen -----------------------------------------------------------------------

def test_a_windowed_kiosk_on_a_screen_smaller_than_its_window_fits_the_screen_and_is_tapped_where_drawn(tmp_path):
    """``make run`` (``run --windowed``) on an 800x480 panel with no window manager: the window is the screen
    (it was 1280x800, cut off), and a real X click on a drawn counter lands on it."""
    import json
    import shutil
    import sqlite3
    import subprocess
    import sys
    import time
    from tests.conftest import write_config
    from tests.ui.test_fullscreen import DRIVER, ROOT, XScreen, wait_for
    if not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("xwininfo")):
        pytest.skip("needs Xvfb, xdotool and xwininfo (make system-packages)")
    from kiosk.ui.setup import window_size
    assert window_size((1280, 800), (800, 480)) == (800, 480)
    assert window_size((1280, 800), (1920, 1080)) == (1280, 800)
    assert window_size((1280, 800), None) == (1280, 800)
    config, targets = write_config(tmp_path), tmp_path / "targets.json"
    screen = XScreen(800, 480)
    app = subprocess.Popen([sys.executable, str(DRIVER), "run", "--windowed", "--config", str(config)],
                           env={**screen.env, "KIOSK_TARGETS": str(targets), "PYTHONPATH": str(ROOT)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def shown(name):
            try:
                data = json.loads(targets.read_text())
            except (FileNotFoundError, ValueError):
                return None
            laid_out = len({tuple(t) for t in data["targets"]}) == len(data["targets"])
            return data if data["screen"] == name and laid_out else None

        pick = wait_for(lambda: shown("pick"), 60, "the counter picker")
        assert pick["window"] == [800, 480]
        windows = wait_for(screen.windows, 10, "the app's X window")
        assert all(w == (800, 480, 0, 0) for w in windows), windows
        time.sleep(0.7)  # the touch guard is over and the layout has settled, as a person reads first
        screen.click(*shown("pick")["targets"][2])  # "Quầy 3", the lowest: where a 1280x800 window was cut off
        wait_for(lambda: shown("rating"), 10, "the rating screen after a click on Quầy 3")
        time.sleep(0.7)
        screen.click(*shown("rating")["targets"][0])
        wait_for(lambda: shown("thanks"), 10, "the thank-you")
        db = sqlite3.connect(f"file:{tmp_path / 'data' / 'votes.db'}?mode=ro", uri=True)
        assert db.execute("SELECT counter_id, level FROM votes").fetchall() == [("Q3", "RHL")]
        db.close()
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        screen.stop()


# --- the counter picker with long names -----------------------------------------------------------------

LONG_COUNTERS = (("Q1", "Quầy 1 — Tư pháp, hộ tịch, chứng thực"),
                 ("Q2", "Quầy 2 — Đất đai, xây dựng, tài nguyên và môi trường"),
                 ("Q3", "Quầy 3 — Tiếp nhận hồ sơ liên thông, lao động, thương binh và xã hội"),
                 ("Q4", "Quầy 4 — Kinh doanh, đầu tư, giấy phép liên thông"))
# Vietnamese words of two syllables that the names above hold (the test's own list): a line break between
# their syllables ("liên / thông") reads as two other words
WORDS = ("Tư pháp", "hộ tịch", "chứng thực", "Đất đai", "xây dựng", "tài nguyên", "môi trường", "Tiếp nhận",
         "hồ sơ", "liên thông", "lao động", "thương binh", "xã hội", "Kinh doanh", "đầu tư", "giấy phép")


def drawn_lines(label) -> list[str]:
    label.texture_update()
    return ["".join(w.text for w in line.words).replace("\u00a0", " ").strip() for line in label._label._cached_lines]


@pytest.mark.parametrize("size", [(800, 480), (1024, 600), (1280, 800), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_long_counter_names_never_break_a_word_and_fill_their_cards(kiosk_factory, sized, size):
    app = kiosk_factory(counters=LONG_COUNTERS)
    Window.size = size
    pump(8)
    pick = app.screens["pick"]
    app.sm.current = "pick"
    pump(4)
    for b in pick.buttons:
        lines = drawn_lines(b)
        for a, z in zip(lines, lines[1:]):
            for word in WORDS:
                first, second = word.split(" ")
                assert not (a.endswith(first) and z.startswith(second)), (size, a, z)
        drawn = b._label._cached_lines
        text_h, text_w = sum(line.h for line in drawn), max(line.w for line in drawn)
        # padded: the words keep off the card's edges, above and below as at the sides
        assert text_h <= b.height * 0.86 and text_w <= b.width * 0.94, (size, lines, text_h, b.height)
        # the space used: the name takes a good part of its card, not a small line in its middle
        assert text_h >= b.height * 0.4 or text_w >= b.width * 0.75, (size, lines, text_h, b.height, text_w, b.width)
    if size in ((800, 480), (1080, 1920)):
        from tests.ui.test_manager import _snap
        _snap(app, "citizen-pick-long")


# --- profile questions: the answer's words dominate, the key digit is small ---------------------------------

@pytest.mark.parametrize("keypad", [False, True], ids=["touch only", "with a keypad"])
@pytest.mark.parametrize("size", [(800, 480), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_profile_question_s_words_dominate_and_the_key_digit_is_small_and_only_with_a_keypad(
        kiosk_factory, sized, size, keypad):
    from tests.ui.conftest import press_key
    from tests.ui.test_questionnaire_ui import KIOSK_QUESTIONS, ONE_COUNTER, SLOW, accept, invited
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW, kiosk_extra="keypad = true\n" if keypad else "")
    Window.size = size
    pump(6)
    invited(app)
    question = accept(app)
    first_profile = next(i for i, q in enumerate(KIOSK_QUESTIONS) if q.kind == "profile")
    for _ in range(first_profile):
        press_key("0") if keypad else tap_skip(question)
    pump(6)
    q = KIOSK_QUESTIONS[first_profile]
    assert question.question_text == q.vi
    for n, card in enumerate(question.cards, start=1):
        words, hint = card.ids.words, card.children[0]
        assert card.icon == "" and card.key_hint == (str(n) if keypad else "")
        # the words take most of the card; the digit, when there is one, is a small mark beside them
        assert words.width * words.height >= 0.5 * card.width * card.height, (size, n)
        if card.row:  # no big number at the left of a row: the words start near the card's edge
            assert words.x - card.x <= 0.1 * card.width, (size, n, words.x - card.x)
        if keypad:
            assert hint.text == str(n) and hint.font_size <= 0.6 * words.font_size, (size, hint.font_size, words.font_size)
    if size == (800, 480):
        from tests.ui.test_manager import _snap
        _snap(app, f"question-profile-{'keypad' if keypad else 'touch'}")


def tap_skip(question) -> None:
    from tests.ui.conftest import tap
    tap(question.skip)

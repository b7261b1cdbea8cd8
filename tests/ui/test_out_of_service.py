"""A vote store damaged at start, on a kiosk with a screen (issue 9): `python main.py run`, full-screen on an
Xvfb screen with no window manager, shows an out-of-service notice in Vietnamese and stays up — no dark
panel, no exit for systemd to restart into the same file — until SIGTERM, then exits with the status the
README documents; the damaged file's bytes are never changed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.runtime import EXIT_OUT_OF_SERVICE
from tests.conftest import synthetic_votes, write_config
from tests.ui.test_fullscreen import DRIVER, ROOT, XScreen, wait_for

pytestmark = pytest.mark.skipif(not __import__("shutil").which("Xvfb"), reason="needs Xvfb")

SHOT = ROOT / "build" / "screens" / "out-of-service-800x480.png"


def damage_the_middle(db: Path) -> None:
    """Garbage over every page between the schema and the last, as a failing SD card leaves a file:
    the file opens (its first page is whole), its votes cannot be read."""
    data = bytearray(db.read_bytes())
    garbage = random.Random(9).randbytes(len(data))
    data[2 * 4096: len(data) - 4096] = garbage[2 * 4096: len(data) - 4096]
    db.write_bytes(bytes(data))


@pytest.fixture
def damaged_centre(tmp_path):
    config = write_config(tmp_path)
    assert synthetic_votes(config, 14, 80, 1) > 0
    db = tmp_path / "data" / "votes.db"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    damage_the_middle(db)
    return config, db


def test_a_damaged_store_shows_out_of_service_full_screen_and_stays_up_until_sigterm(tmp_path, damaged_centre):
    from PIL import ImageGrab
    config, db = damaged_centre
    before = db.read_bytes()
    targets = tmp_path / "targets.json"
    screen = XScreen(800, 480)
    app = subprocess.Popen([sys.executable, str(DRIVER), "run", "--config", str(config)],
                           env={**screen.env, "KIOSK_TARGETS": str(targets), "PYTHONPATH": str(ROOT)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log_file = tmp_path / "data" / "logs" / "kiosk.log"
    try:
        def shown():
            try:
                data = json.loads(targets.read_text())
            except (FileNotFoundError, ValueError):
                data = None
            if app.poll() is not None:
                raise AssertionError(f"the kiosk exited ({app.returncode}): {app.communicate()[0]}")
            return data if data and data["screen"] == "out-of-service" and data["fits"] else None

        notice = wait_for(shown, 60, "the out-of-service screen")
        wait_for(lambda: log_file.exists() and "the out-of-service screen is shown" in log_file.read_text(), 20,
                 "the screen's first frame")
        assert notice["window"] == [800, 480]
        windows = wait_for(screen.windows, 10, "the app's X window")
        assert all(w == (800, 480, 0, 0) for w in windows), windows  # it covers the screen
        texts = "\n".join(notice["texts"])
        assert "Máy tạm ngừng nhận đánh giá" in texts and "Xin báo cán bộ trung tâm" in texts
        assert str(db) in texts and "giữ nguyên" in texts and "kept untouched" in texts
        assert f"python main.py verify --config {config}" in texts
        assert texts.index("Máy tạm ngừng") < texts.index("Out of service")  # Vietnamese first

        SHOT.parent.mkdir(parents=True, exist_ok=True)
        image = ImageGrab.grab(xdisplay=screen.display).convert("RGB")  # what the X server shows
        image.save(SHOT)
        colours = image.getcolors(800 * 480)
        amber = sum(n for n, (r, g, b) in colours if r > 200 and 140 < g < 210 and b < 80)  # the icon, the request
        white = sum(n for n, (r, g, b) in colours if r > 230 and g > 230 and b > 230)       # the title
        assert amber > 1000 and white > 1000, (amber, white)  # not a dark panel

        assert app.poll() is None  # still up: nothing for systemd to restart
        app.send_signal(signal.SIGTERM)
        out, _ = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        screen.stop()
    assert app.returncode == EXIT_OUT_OF_SERVICE == 3, out  # the status the README documents
    assert "Traceback" not in out
    log = log_file.read_text(encoding="utf-8")
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "out of service" in errors[0] and str(db) in errors[0], errors  # once
    assert "SIGTERM received" in log
    assert db.read_bytes() == before  # nothing written to the damaged file
    assert not Path(f"{db}-wal").exists() or os.path.getsize(f"{db}-wal") == 0


def test_every_character_of_the_out_of_service_notice_is_in_the_font_that_draws_it(tmp_path):
    from fontTools.ttLib import TTFont
    from kiosk.runtime import OutOfService
    from kiosk.ui.fonts import BOLD, REGULAR, SYMBOLS_FILE
    from kiosk.ui.out_of_service import texts
    notice = OutOfService(path=tmp_path / "votes.db", what="damaged", verify_command="python main.py verify")
    drawn = texts(notice)
    symbols = set(TTFont(SYMBOLS_FILE).getBestCmap())
    assert all(ord(c) in symbols for c in drawn.pop("icon"))
    for font in (REGULAR, BOLD):
        have = set(TTFont(font).getBestCmap())
        assert not {c for text in drawn.values() for c in text if ord(c) not in have and c != "\n"}


def test_an_empty_store_whose_chain_the_service_holds_shows_out_of_service_and_offers_the_restore(tmp_path):
    """Issue 16: a lost store on a kiosk that synced before takes no vote (it would restart the chain at 1)."""
    from kiosk.config import load_config
    from kiosk.store import VoteStore
    from sync.client import SyncClient
    from tests.sync_helpers import central_service, sync_config
    with central_service(tmp_path) as (url, _):
        config = sync_config(tmp_path, url)
        with VoteStore.from_config(load_config(config)) as store:
            store.record_vote("Q1", "HL")
            assert SyncClient(load_config(config), store).run().complete
        db = tmp_path / "data" / "votes.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        targets = tmp_path / "targets.json"
        screen = XScreen(800, 480)
        app = subprocess.Popen([sys.executable, str(DRIVER), "run", "--config", str(config)],
                               env={**screen.env, "KIOSK_TARGETS": str(targets), "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            def shown():
                try:
                    data = json.loads(targets.read_text())
                except (FileNotFoundError, ValueError):
                    data = None
                if app.poll() is not None:
                    raise AssertionError(f"the kiosk exited ({app.returncode}): {app.communicate()[0]}")
                return data if data and data["screen"] == "out-of-service" and data["fits"] else None

            texts = "\n".join(wait_for(shown, 60, "the out-of-service screen")["texts"])
            assert "Máy tạm ngừng nhận đánh giá" in texts
            assert f"python main.py restore --from-central --config {config}" in texts
            assert "holds 1 vote(s) of this kiosk" in texts and "máy chủ trung tâm đang giữ 1 phiếu" in texts
            app.send_signal(signal.SIGTERM)
            out, _ = app.communicate(timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
            screen.stop()
    assert app.returncode == EXIT_OUT_OF_SERVICE and "Traceback" not in out, out
    with VoteStore.from_config(load_config(config)) as store:
        assert store.count() == 0   # no vote taken on a restarted chain
    log = (tmp_path / "data" / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "the central service holds this kiosk's chain" in log and "restore --from-central" in log


def test_every_character_of_the_empty_store_notice_is_in_the_font_that_draws_it(tmp_path):
    from fontTools.ttLib import TTFont
    from kiosk.runtime import ChainHeldElsewhere
    from kiosk.ui.fonts import BOLD, REGULAR
    from kiosk.ui.out_of_service import texts
    from sync.startup import staff_text
    staff = staff_text(tmp_path / "votes.db", 123456, "python main.py restore --from-central --config /etc/kiosk/k.toml")
    notice = ChainHeldElsewhere(path=tmp_path / "votes.db", what="empty", verify_command="x", staff=staff)
    drawn = texts(notice)
    drawn.pop("icon")
    for font in (REGULAR, BOLD):
        have = set(TTFont(font).getBestCmap())
        assert not {c for text in drawn.values() for c in text if ord(c) not in have and c != "\n"}

"""A crash loop ends on the out-of-service notice, never as a dark panel (kiosk.crashloop): the kiosk
counts its own starts; a start that served long enough, or ended as asked, is not part of a loop."""

from __future__ import annotations

import json
import signal

from hardware.simulator import VirtualBox
from kiosk.config import load_config
from kiosk.crashloop import LIMIT, STARTS_FILE, WINDOW_S, crash_loop_check, mark_stable, record_start
from kiosk.store import VoteStore
from tests.conftest import write_config
from tests.test_headless import _box_config, _start, _wait_listening


def test_the_fifth_unstable_start_in_ten_minutes_takes_no_vote_and_says_why(tmp_path):
    config = load_config(write_config(tmp_path))
    config.data_dir.mkdir(parents=True, exist_ok=True)
    with VoteStore.from_config(config) as store:
        t = 1_000_000.0
        for i in range(LIMIT):
            assert crash_loop_check(config, store, now=lambda: t + 60 * i) is None
        notice = crash_loop_check(config, store, now=lambda: t + 60 * LIMIT)
        assert notice is not None and "restarted 5 times in 10 minutes" in notice.what
        assert "khởi động lại 5 lần trong 10 phút" in notice.staff and "For staff" in notice.staff
        assert "journalctl -u rating-kiosk" in notice.staff, "where the error that ends each start is"
        # The notice was the stop: the next start, by a person after a fix, tries again normally.
        assert crash_loop_check(config, store, now=lambda: t + 60 * (LIMIT + 1)) is None


def test_starts_older_than_the_window_or_before_a_steady_run_do_not_count(tmp_path):
    config = load_config(write_config(tmp_path))
    config.data_dir.mkdir(parents=True, exist_ok=True)
    t = 2_000_000.0
    for i in range(LIMIT):
        record_start(config, t + i)
    assert record_start(config, t + WINDOW_S + LIMIT + 1) == 0, "starts more than ten minutes ago are forgotten"
    for i in range(LIMIT - 1):
        record_start(config, t + 2 * WINDOW_S + i)
    mark_stable(config)
    assert record_start(config, t + 2 * WINDOW_S + LIMIT) == 0, "a steady run clears the count"
    (config.data_dir / STARTS_FILE).write_text("{not json")
    assert record_start(config, t) == 0, "an unreadable count never keeps the kiosk from voting"
    assert json.loads((config.data_dir / STARTS_FILE).read_text())["starts"] == [t]


def test_a_kiosk_killed_again_and_again_stops_on_the_notice_but_one_stopped_as_asked_never_does(tmp_path):
    link = tmp_path / "box"
    config_path = _box_config(tmp_path, link)
    with VirtualBox(link, heartbeat_s=None) as box:
        for _ in range(LIMIT + 2):   # stopped as asked (SIGTERM, Ctrl-C): more starts than the limit, no loop
            proc = _start(config_path)
            _wait_listening(proc, box)
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=20)
            assert proc.returncode == 0
        for _ in range(LIMIT):       # crashes (the watchdog's SIGABRT, an OOM kill): each start counted
            proc = _start(config_path)
            _wait_listening(proc, box)
            proc.kill()
            proc.communicate(timeout=20)
        proc = _start(config_path)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    assert "restarted 5 times in 10 minutes" in out and "crash loop" in out
    with VoteStore.from_config(load_config(config_path)) as store:
        assert store.count() == LIMIT + 2 + LIMIT, "every vote acknowledged before each kill was kept"

"""The sync schedule: a random moment in the nightly window, a day retry after a failed night, sync now."""

from __future__ import annotations

import random
import threading
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sync.schedule import SyncScheduler, next_run, window_around

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT = (time(22, 0), time(5, 0))


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def test_the_window_that_wraps_midnight_is_found_from_either_side():
    assert window_around(at(21, 23), NIGHT) == (at(21, 22), at(22, 5))
    assert window_around(at(22, 3), NIGHT) == (at(21, 22), at(22, 5))
    assert window_around(at(22, 12), NIGHT) == (at(22, 22), at(23, 5))


def test_runs_are_spread_over_the_whole_window_not_bunched_at_its_start():
    rng = random.Random(1)
    runs = [next_run(at(21, 12), NIGHT, None, False, rng) for _ in range(500)]
    assert all(at(21, 22) <= r <= at(22, 5) for r in runs)
    hours = {r.hour for r in runs}
    assert hours == {22, 23, 0, 1, 2, 3, 4}  # every hour of the window gets kiosks


def test_after_tonight_s_success_the_next_run_is_tomorrow_night():
    r = next_run(at(22, 1), NIGHT, last_success=at(21, 23), last_failed=False, rng=random.Random(2))
    assert at(22, 22) <= r <= at(23, 5)


def test_inside_the_window_before_any_success_the_run_is_still_tonight():
    r = next_run(at(22, 4, 30), NIGHT, last_success=at(20, 23), last_failed=False, rng=random.Random(3))
    assert at(22, 4, 30) <= r <= at(22, 5)


def test_after_a_failed_night_it_retries_during_the_day():
    r = next_run(at(22, 9), NIGHT, last_success=at(20, 23), last_failed=True, rng=random.Random(4))
    assert at(22, 10) <= r <= at(22, 11)


def test_sync_now_runs_at_once_and_the_scheduler_stops_cleanly():
    ran = threading.Event()

    def sync_once():
        ran.set()
        return True
    scheduler = SyncScheduler(sync_once, NIGHT, now=lambda: at(22, 12)).start()
    assert not ran.wait(0.2)  # noon: nothing planned before tonight
    scheduler.sync_now()
    assert ran.wait(5)
    scheduler.stop()
    assert scheduler.last_success == at(22, 12)

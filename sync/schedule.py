"""When to sync: a random moment in the nightly window, so a hundred kiosks do not arrive together;
a retry during the day after a failed night; and "sync now" on demand.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, time, timedelta
from typing import Callable

log = logging.getLogger("kiosk.sync")

DAY_RETRY_S = (3600.0, 7200.0)  # after a failed run, try again within one to two hours


def window_around(now: datetime, window: tuple[time, time]) -> tuple[datetime, datetime]:
    """The window occurrence that contains ``now``, or else the next one to start."""
    start_t, end_t = window
    for day_offset in (-1, 0, 1):
        day = (now + timedelta(days=day_offset)).date()
        start = datetime.combine(day, start_t, now.tzinfo)
        end = datetime.combine(day + timedelta(days=1) if end_t <= start_t else day, end_t, now.tzinfo)
        if now < end:
            return start, end
    raise AssertionError("unreachable: some window ends after now")


def next_run(now: datetime, window: tuple[time, time], last_success: datetime | None, last_failed: bool,
             rng: random.Random) -> datetime:
    """The moment of the next automatic sync."""
    start, end = window_around(now, window)
    if last_success is not None and last_success >= start:  # this window's work is done: the next one
        start, end = window_around(end + timedelta(seconds=1), window)
    begin = max(start, now)
    planned = begin + timedelta(seconds=rng.uniform(0, max(0.0, (end - begin).total_seconds())))
    if last_failed:
        planned = min(planned, now + timedelta(seconds=rng.uniform(*DAY_RETRY_S)))
    return planned


class SyncScheduler:
    """A background thread that runs ``sync_once`` on schedule, or at once when :meth:`sync_now` is called.

    ``sync_once`` returns True when the run succeeded.
    """

    def __init__(self, sync_once: Callable[[], bool], window: tuple[time, time], now: Callable[[], datetime],
                 last_success: datetime | None = None, rng: random.Random | None = None):
        self.sync_once, self.window, self.now = sync_once, window, now
        self.last_success, self.last_failed = last_success, False
        self.rng = rng or random.Random()
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sync-scheduler", daemon=True)
        self.planned: datetime | None = None

    def start(self) -> "SyncScheduler":
        """Start the thread."""
        self._thread.start()
        return self

    def sync_now(self) -> None:
        """Run a sync as soon as possible (the manager's button)."""
        self._wake.set()

    def stop(self, timeout: float = 30) -> None:
        """Stop after the run in progress, if any."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.planned = next_run(self.now(), self.window, self.last_success, self.last_failed, self.rng)
            wait = max(0.0, (self.planned - self.now()).total_seconds())
            self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                ok = self.sync_once()
            except Exception:  # a failed run is retried on schedule; it must not kill the thread
                log.exception("sync run failed")
                ok = False
            self.last_failed = not ok
            if ok:
                self.last_success = self.now()

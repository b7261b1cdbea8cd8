"""Check-ins while the centre is open: every ``[sync] checkin_every_s`` (five minutes by default) the
kiosk tells the service it is alive and how it is (rating.checkin), so a dead kiosk is noticed in half
an hour rather than after two silent nights.

Beside the nightly schedule (:mod:`sync.schedule`), never instead of it: a check-in carries no votes,
touches none, and a kiosk that cannot reach the service keeps working exactly as it did — the next
check-in simply tries again. Outside opening hours the loop only looks at the clock.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime
from typing import Callable

from rating.hours import OpeningHours

log = logging.getLogger("kiosk.sync")

JITTER = 0.1   # each wait is ±10 %: a hundred kiosks powered on together drift apart instead of arriving together


class CheckinLoop:
    """A thread that calls ``checkin_once`` every ``every_s`` seconds while ``hours`` say the centre is open.

    ``checkin_once`` returns True when the service answered; a failure is logged once, until one passes.
    """

    def __init__(self, checkin_once: Callable[[], bool], hours: OpeningHours, every_s: float,
                 now: Callable[[], datetime], rng: random.Random | None = None):
        self.checkin_once, self.hours, self.every_s, self.now = checkin_once, hours, every_s, now
        self.rng = rng or random.Random()
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="checkins", daemon=True)
        self.done = 0          # check-ins the service answered (for tests and the bench)
        self.looked = 0        # times the loop woke and looked at the clock
        self.failing = False

    def start(self) -> "CheckinLoop":
        """Start the thread."""
        self._thread.start()
        return self

    def check_in_now(self) -> None:
        """Check in as soon as possible (e.g. after a sync, or a setting changed on the manager screen)."""
        self._wake.set()

    def stop(self, timeout: float = 30) -> None:
        """Stop after the check-in in progress, if any."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        # The first check-in comes soon after start (a restarted kiosk says so at once), spread a little.
        wait = self.rng.uniform(0, min(30.0, self.every_s * JITTER))
        while not self._stop.is_set():
            self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            if self.hours.is_open(self.now()):
                self._once()
            self.looked += 1
            wait = self.every_s * self.rng.uniform(1 - JITTER, 1 + JITTER)

    def _once(self) -> None:
        try:
            ok = self.checkin_once()
        except Exception:  # a fault in one check-in must not end the loop (nor the kiosk)
            log.exception("check-in failed")
            ok = False
        if ok:
            self.done += 1
            if self.failing:
                log.info("check-ins pass again")
        self.failing = not ok

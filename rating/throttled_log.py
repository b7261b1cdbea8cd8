"""One log line per period for a condition that repeats (bad bytes from a button box, a database that
is down under a hundred kiosks): the lines held back are counted into the next one, so the log says
how often without saying it thousands of times. Shared by the kiosk's reader and the service's edge."""

from __future__ import annotations

import time
from typing import Callable


class ThrottledLog:
    """Calls ``emit(msg, *args)`` at most once per ``every_s``; the calls held back are counted and
    added to the next line as `` (+N more since the last line)``."""

    def __init__(self, emit: Callable[..., None], every_s: float, clock: Callable[[], float] = time.monotonic):
        self.emit, self.every_s, self.clock = emit, every_s, clock
        self.last, self.held = -1e9, 0

    def __call__(self, msg: str, *args) -> None:
        """Log ``msg % args`` now, or count it for the next line."""
        now = self.clock()
        if now - self.last < self.every_s:
            self.held += 1
            return
        suffix = f" (+{self.held} more since the last line)" if self.held else ""
        self.emit(msg + suffix, *args)
        self.last, self.held = now, 0

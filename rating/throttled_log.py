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


class ConditionLog:
    """One line when a condition begins (a full disk, a store file that is gone), none while it lasts,
    one when it clears, saying how often it was met meanwhile: a condition is told once, plainly, and
    its end is told too, instead of a line (or a traceback) for every vote it refused.

    ``begin(text)`` and ``end(text)`` write the lines; several conditions are kept apart by their key."""

    def __init__(self, begin: Callable[[str], None], end: Callable[[str], None]):
        self.begin, self.end = begin, end
        self.met_times: dict[str, int] = {}

    def met(self, key: str, text: str) -> bool:
        """The condition ``key`` was met again: ``text`` is written only if it had not been met since it
        last cleared. Returns True when this was its first time."""
        first = key not in self.met_times
        self.met_times[key] = self.met_times.get(key, 0) + 1
        if first:
            self.begin(text)
        return first

    def active(self, key: str) -> bool:
        """True while ``key`` has been met and not cleared."""
        return key in self.met_times

    def clear(self, key: str, text: str) -> None:
        """The condition ``key`` is over: write ``text`` if it was on (``{times}`` in it: how often it was met)."""
        times = self.met_times.pop(key, None)
        if times is not None:
            self.end(text.replace("{times}", str(times)))

"""Opening hours: when the touch screen invites ratings, and which button-box votes are out of hours.

Written in the configuration as a list of lines, one per group of days::

    opening_hours = ["Mon-Fri 07:30-11:30 13:30-17:00", "Sat 07:30-11:30"]

Days are Mon Tue Wed Thu Fri Sat Sun, singly or as a range; times are HH:MM-HH:MM in the centre's
time zone. No opening hours means always open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LINE = re.compile(r"^\s*(\w{3})(?:-(\w{3}))?((?:\s+\d{2}:\d{2}-\d{2}:\d{2})+)\s*$")
_SPAN = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


class HoursError(ValueError):
    """An opening-hours line that cannot be read."""


@dataclass(frozen=True)
class OpeningHours:
    """For each weekday (0 = Monday), the spans the centre is open."""
    spans: tuple[tuple[tuple[time, time], ...], ...] | None  # None: always open

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` (local time) falls in an opening span."""
        if self.spans is None:
            return True
        t = at.timetz().replace(tzinfo=None)
        return any(start <= t < end for start, end in self.spans[at.weekday()])

    def next_opening(self, at: datetime) -> datetime | None:
        """When the centre opens next after ``at`` (local time, ``at``'s zone): the start of the next span
        later than ``at`` within a week. None when it is always open or never opens."""
        if self.spans is None:
            return None
        for ahead in range(8):
            day = (at + timedelta(days=ahead)).date()
            for start, _end in self.spans[day.weekday()]:
                moment = datetime.combine(day, start, at.tzinfo)
                if moment > at:
                    return moment
        return None

    def lines(self) -> list[str]:
        """These hours written as the configuration writes them (consecutive days with the same spans on
        one line), so that they can travel (a kiosk's check-in) and be read back with :func:`parse_hours`.
        Always open is the empty list."""
        if self.spans is None:
            return []
        out, day = [], 0
        while day < len(DAYS):
            last = day
            while last + 1 < len(DAYS) and self.spans[last + 1] == self.spans[day]:
                last += 1
            if self.spans[day]:
                days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
                out.append(days + "".join(f" {a:%H:%M}-{b:%H:%M}" for a, b in self.spans[day]))
            day = last + 1
        return out

    def open_seconds(self, start: datetime, end: datetime) -> float:
        """How many seconds between ``start`` and ``end`` (aware, in the centre's time zone) fall in the
        opening hours: a kiosk silent overnight has been silent for none of the centre's time."""
        if end <= start:
            return 0.0
        if self.spans is None:
            return (end - start).total_seconds()
        total, day = 0.0, start.date()
        while day <= end.date():
            for a, b in self.spans[day.weekday()]:
                lo = max(start, datetime.combine(day, a, start.tzinfo))
                hi = min(end, datetime.combine(day, b, start.tzinfo))
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total


ALWAYS_OPEN = OpeningHours(None)


def parse_hours(lines: list[str] | None) -> OpeningHours:
    """Read opening-hours lines; raise :class:`HoursError` naming the line that is wrong."""
    if not lines:
        return ALWAYS_OPEN
    days: list[list[tuple[time, time]]] = [[] for _ in DAYS]
    for line in lines:
        m = _LINE.match(line) if isinstance(line, str) else None
        if not m or m.group(1) not in DAYS or (m.group(2) and m.group(2) not in DAYS):
            raise HoursError(f"{line!r}: expected e.g. \"Mon-Fri 07:30-11:30 13:30-17:00\" (days Mon..Sun)")
        first = DAYS.index(m.group(1))
        last = DAYS.index(m.group(2)) if m.group(2) else first
        if last < first:
            raise HoursError(f"{line!r}: the day range runs backwards")
        for sh, sm, eh, em in _SPAN.findall(m.group(3)):
            try:
                start, end = time(int(sh), int(sm)), time(int(eh), int(em))
            except ValueError:
                raise HoursError(f"{line!r}: {sh}:{sm}-{eh}:{em} is not a time span") from None
            if end <= start:
                raise HoursError(f"{line!r}: {sh}:{sm}-{eh}:{em} ends before it starts")
            for d in range(first, last + 1):
                days[d].append((start, end))
    return OpeningHours(tuple(tuple(sorted(d)) for d in days))

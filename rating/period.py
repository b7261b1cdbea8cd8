"""Report periods — a month, a quarter, a year or two dates — and how Vietnamese documents name them.

One small parser serves the command line (``--month 2026-11``, ``--quarter 2026-Q4``, ``--year 2026``,
``--from/--to``), the manager screen and the central service, so that "Quý IV năm 2026" is spelt once.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rating import vnformat

# Hải Phòng's time (all of Việt Nam's, UTC+7, no daylight saving): the local dates every report counts in.
# The central service reads its days in it; a kiosk's ``timezone`` setting defaults to it.
TIME_ZONE = "Asia/Ho_Chi_Minh"
LOCAL_TZ = ZoneInfo(TIME_ZONE)

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


class PeriodError(ValueError):
    """A period that cannot be read; the message says what was expected and what was given."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates with its Vietnamese label and a short slug for file names."""

    d_from: date
    d_to: date
    kind: str    # "month" | "quarter" | "year" | "range"
    label: str   # "Quý IV năm 2026", "Tháng 11 năm 2026", "Từ ngày 01/11/2026 đến ngày 22/11/2026"
    slug: str    # "2026-Q4", "2026-11", "2026", "2026-11-01_2026-11-22"

    @property
    def days(self) -> int:
        """How many calendar days the period covers."""
        return (self.d_to - self.d_from).days + 1


def date_vi(d: date) -> str:
    """A date as Vietnamese documents write it in tables: 05/12/2026."""
    return vnformat.day(d)


def date_line(place: str, d: date) -> str:
    """The place-and-date line of Nghị định 30/2020 (leading zeros for days under 10 and months 1–2):
    "Ninh Giang, ngày 05 tháng 12 năm 2026". Without a place, only the date part."""
    # The decree pads months 1 and 2 only ("tháng 01", "tháng 02"), so that nobody can add a digit.
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    text = f"ngày {d.day:02d} tháng {month} năm {d.year}"
    return f"{place}, {text}" if place else text[0].upper() + text[1:]


def month(year: int, m: int) -> Period:
    """The calendar month ``m`` of ``year``."""
    if not 1 <= m <= 12:
        raise PeriodError(f"expected a month 01-12, got {m}")
    last = calendar.monthrange(year, m)[1]
    return Period(date(year, m, 1), date(year, m, last), "month", f"Tháng {m} năm {year}", f"{year:04d}-{m:02d}")


def quarter(year: int, q: int) -> Period:
    """Quarter ``q`` (1-4) of ``year``."""
    if not 1 <= q <= 4:
        raise PeriodError(f"expected a quarter Q1-Q4, got Q{q}")
    last_month = 3 * q
    return Period(date(year, last_month - 2, 1), date(year, last_month, calendar.monthrange(year, last_month)[1]),
                  "quarter", f"Quý {ROMAN[q]} năm {year}", f"{year:04d}-Q{q}")


def year(y: int) -> Period:
    """The calendar year ``y``."""
    return Period(date(y, 1, 1), date(y, 12, 31), "year", f"Năm {y}", f"{y:04d}")


def between(d_from: date, d_to: date) -> Period:
    """The dates from ``d_from`` to ``d_to`` inclusive; a whole month, quarter or year is named as such."""
    if d_to < d_from:
        raise PeriodError(f"the period ends ({d_to.isoformat()}) before it starts ({d_from.isoformat()})")
    for candidate in (year(d_from.year), quarter(d_from.year, (d_from.month - 1) // 3 + 1),
                      month(d_from.year, d_from.month)):
        if (candidate.d_from, candidate.d_to) == (d_from, d_to):
            return candidate
    if d_from == d_to:
        return Period(d_from, d_to, "range", f"Ngày {date_vi(d_from)}", d_from.isoformat())
    return Period(d_from, d_to, "range", f"Từ ngày {date_vi(d_from)} đến ngày {date_vi(d_to)}",
                  f"{d_from.isoformat()}_{d_to.isoformat()}")


_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})\Z")
_QUARTER_RE = re.compile(r"^([0-9]{4})-[Qq]([0-9])\Z")
_YEAR_RE = re.compile(r"^([0-9]{4})\Z")


def parse_period(*, month_text: str | None = None, quarter_text: str | None = None, year_text: str | None = None,
                 d_from: date | None = None, d_to: date | None = None) -> Period:
    """The one period given: ``month_text`` "2026-11", ``quarter_text`` "2026-Q4", ``year_text`` "2026",
    or both dates. Raises :class:`PeriodError` when none, several, or a malformed one is given."""
    given = [name for name, v in (("--month", month_text), ("--quarter", quarter_text), ("--year", year_text))
             if v is not None]
    dates = d_from is not None or d_to is not None
    if len(given) + dates != 1:
        raise PeriodError("give exactly one period: --month YYYY-MM, --quarter YYYY-Qn, --year YYYY, "
                          "or --from YYYY-MM-DD --to YYYY-MM-DD"
                          + (f" (got {', '.join(given + (['--from/--to'] if dates else []))})" if given else ""))
    if month_text is not None:
        m = _MONTH_RE.match(month_text.strip())
        if not m:
            raise PeriodError(f"--month: expected YYYY-MM such as 2026-11, got {month_text!r}")
        return _named("--month", month, int(m.group(1)), int(m.group(2)))
    if quarter_text is not None:
        m = _QUARTER_RE.match(quarter_text.strip())
        if not m:
            raise PeriodError(f"--quarter: expected YYYY-Qn such as 2026-Q4, got {quarter_text!r}")
        return _named("--quarter", quarter, int(m.group(1)), int(m.group(2)))
    if year_text is not None:
        m = _YEAR_RE.match(year_text.strip())
        if not m:
            raise PeriodError(f"--year: expected YYYY such as 2026, got {year_text!r}")
        return _named("--year", year, int(m.group(1)))
    if d_from is None or d_to is None:
        raise PeriodError("--from and --to go together: give both dates")
    return _named("--from/--to", between, d_from, d_to)


# The years a report may cover: a kiosk has no votes outside them, and the previous period a report
# compares with must stay a valid date (year 9999's next day does not exist).
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _named(flag: str, make, *args) -> Period:
    """``make(*args)``, its error prefixed with the flag that gave the bad value (what and where), and
    refused when it leaves the years FIRST_YEAR..LAST_YEAR."""
    try:
        period = make(*args)
    except (PeriodError, ValueError) as e:  # ValueError: date() refused year 0
        raise PeriodError(f"{flag}: {e}") from None
    if period.d_from.year < FIRST_YEAR or period.d_to.year > LAST_YEAR:
        raise PeriodError(f"{flag}: expected dates in the years {FIRST_YEAR}–{LAST_YEAR}, got "
                          f"{period.d_from.isoformat()} to {period.d_to.isoformat()}")
    return period


# --- the manager's export periods: this month, this quarter, this year (to today), the last whole month or
# quarter, or chosen dates. Each ends today at the latest: a report never claims days that have not happened.


def this_month(today: date) -> tuple[date, date]:
    """From the first of this month to today."""
    return today.replace(day=1), today


def this_quarter(today: date) -> tuple[date, date]:
    """From the first day of this calendar quarter to today."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    return date(today.year, first_month, 1), today


def this_year(today: date) -> tuple[date, date]:
    """From 1 January to today."""
    return date(today.year, 1, 1), today


def last_month(today: date) -> tuple[date, date]:
    """The whole calendar month before today's: reports are filed after the period ends."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def last_quarter(today: date) -> tuple[date, date]:
    """The whole calendar quarter before today's (Q3 in October, November or December)."""
    end = this_quarter(today)[0] - timedelta(days=1)
    return this_quarter(end)[0], end


NAMED = {"month": this_month, "last_month": last_month, "quarter": this_quarter, "last_quarter": last_quarter,
         "year": this_year}


def named(kind: str, today: date) -> tuple[date, date]:
    """The period ``kind`` (one of :data:`NAMED`: month, last_month, quarter, last_quarter, year) as of ``today``."""
    return NAMED[kind](today)


def quarter_label(d: date) -> str:
    """The quarter a date falls in, in Roman numerals as Vietnamese documents write it: "Quý IV/2026"."""
    return f"Quý {ROMAN[(d.month - 1) // 3 + 1]}/{d.year}"


def step(d_from: date, d_to: date, which: str, days: int, today: date) -> tuple[date, date]:
    """Move one end (``which`` = "from" or "to") of a chosen period by ``days``, keeping from ≤ to ≤ today."""
    if which == "from":
        d_from = min(d_from + timedelta(days=days), d_to)
    elif which == "to":
        d_to = min(max(d_to + timedelta(days=days), d_from), today)
    else:
        raise ValueError(f"which must be 'from' or 'to', not {which!r}")
    return d_from, d_to

"""Report periods — a month, a quarter, a year or two dates — and how Vietnamese documents name them.

One small parser serves the command line (``--month 2026-11``, ``--quarter 2026-Q4``, ``--year 2026``,
``--from/--to``), the manager screen and the central service, so that "Quý IV năm 2026" is spelt once.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

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
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


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


_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_QUARTER_RE = re.compile(r"^([0-9]{4})-[Qq]([0-9])$")
_YEAR_RE = re.compile(r"^([0-9]{4})$")


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
        return month(int(m.group(1)), int(m.group(2)))
    if quarter_text is not None:
        m = _QUARTER_RE.match(quarter_text.strip())
        if not m:
            raise PeriodError(f"--quarter: expected YYYY-Qn such as 2026-Q4, got {quarter_text!r}")
        return quarter(int(m.group(1)), int(m.group(2)))
    if year_text is not None:
        m = _YEAR_RE.match(year_text.strip())
        if not m:
            raise PeriodError(f"--year: expected YYYY such as 2026, got {year_text!r}")
        return year(int(m.group(1)))
    if d_from is None or d_to is None:
        raise PeriodError("--from and --to go together: give both dates")
    return between(d_from, d_to)

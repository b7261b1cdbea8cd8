"""Working days in Việt Nam: what "within 15 working days" means for an item of "Việc cần khắc phục".

A working day is Monday to Friday, and not a public holiday of the Labour Code 2019 (art. 112) as this
list knows it: New Year's Day (1/1), Tết (the last day of the lunar year and the first four of the new
one), the Hùng Kings' day (10/3 lunar), 30/4, 1/5 and National Day (2/9). The lunar days are written out
for the years the service will run (2025–2030: the new year's day from the lunar calendar, as the
government announces it); a year not listed has its solar holidays only. The government moves days off
each year (a Saturday worked to bridge a holiday); those decisions are not known here: a due date may fall
a day early or late around a holiday, never by more.
"""

from __future__ import annotations

from datetime import date, timedelta

DUE_WORKING_DAYS = 15   # an item of "Việc cần khắc phục" is due this many working days after it arose

# The lunar new year's day (mùng 1 Tết) and the Hùng Kings' day (10/3 lunar), by solar year.
_TET = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
        2029: date(2029, 2, 13), 2030: date(2030, 2, 3)}
_HUNG_KINGS = {2025: date(2025, 4, 7), 2026: date(2026, 4, 26), 2027: date(2027, 4, 16), 2028: date(2028, 4, 4),
               2029: date(2029, 4, 23), 2030: date(2030, 4, 12)}


def holidays(year: int) -> frozenset[date]:
    """The public holidays of ``year`` this module knows (see the module's text)."""
    days = {date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)}
    for tet_year in (year, year + 1):   # the eve of a new year in late January belongs to the year before
        tet = _TET.get(tet_year)
        if tet is not None:
            days |= {tet + timedelta(days=i) for i in range(-1, 4) if (tet + timedelta(days=i)).year == year}
    if year in _HUNG_KINGS:
        days.add(_HUNG_KINGS[year])
    return frozenset(days)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return d.weekday() < 5 and d not in holidays(d.year)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself never counts): 15 working days after a
    Friday is the Friday three weeks on, when no holiday falls between."""
    if n < 0:
        raise ValueError(f"cannot count {n} working days")
    d = start
    while n:
        d += timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d

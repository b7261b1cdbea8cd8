"""The manager's export periods: this month, this quarter, this year (to today), or chosen dates.

Each period ends today at the latest: a report never claims days that have not happened. No Kivy.
"""

from __future__ import annotations

from datetime import date, timedelta

KINDS = ("month", "quarter", "year", "custom")


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


def named(kind: str, today: date) -> tuple[date, date]:
    """The period ``kind`` (month, quarter, year) as of ``today``."""
    return {"month": this_month, "quarter": this_quarter, "year": this_year}[kind](today)


def quarter_label(d: date) -> str:
    """The quarter a date falls in, in Roman numerals as Vietnamese documents write it: "Quý IV/2026"."""
    return f"Quý {('I', 'II', 'III', 'IV')[(d.month - 1) // 3]}/{d.year}"


def step(d_from: date, d_to: date, which: str, days: int, today: date) -> tuple[date, date]:
    """Move one end (``which`` = "from" or "to") of a chosen period by ``days``, keeping from ≤ to ≤ today."""
    if which == "from":
        d_from = min(d_from + timedelta(days=days), d_to)
    elif which == "to":
        d_to = min(max(d_to + timedelta(days=days), d_from), today)
    else:
        raise ValueError(f"which must be 'from' or 'to', not {which!r}")
    return d_from, d_to

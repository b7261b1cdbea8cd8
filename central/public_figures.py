"""What the public pages show (issue 18), and nothing more: each commune's (or centre's) and the city's
rate, N, 95 % interval, response rate and verdict, this month and for the last 12 months, and per counter
at most — never an officer's code or name. The figures are the overview's (``GET /v1/reports/overview``,
:func:`central.reports.overview`) so a public page and the city's own overview never disagree; the
city's total adds up the same roll-ups (:data:`central.rates.RATES`)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from rating.rate import Rate

from central import dashboard, reports
from central.access import kiosks_under
from central.models import Unit
from central.rates import RATES
from central.source import Source

MONTHS = 12
# The keys of one public entry: the overview's unit entry without its id, name and rank (said beside it).
ENTRY_KEYS = ("n", "satisfied_pct", "ci_low", "ci_high", "target_pct", "verdict", "uncertain", "served",
              "response_pct")
CITY_TARGET_PCT = 90.0   # the city's line when the city has no unit of its own to say otherwise


def last_months(today: date, count: int = MONTHS) -> list[tuple[str, date, date]]:
    """The last ``count`` months to ``today``, oldest first, as ("YYYY-MM", first day, last day) — the
    current month up to ``today`` only."""
    out = []
    y, m = today.year, today.month
    for _ in range(count):
        last = min(today, date(y, m, calendar.monthrange(y, m)[1]))
        out.append((f"{y:04d}-{m:02d}", date(y, m, 1), last))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def public_unit(unit_id: str) -> Unit | None:
    """A commune or a centre the public pages show (never the city's own row, never a kiosk)."""
    return Unit.objects.filter(id=unit_id, kind__in=("commune", "centre")).first()


def _entry(overview_entry: dict[str, Any]) -> dict[str, Any]:
    return {k: overview_entry.get(k) for k in ENTRY_KEYS}


def unit_entry(alias: str, unit: Unit, d_from: date, d_to: date, min_n: int) -> dict[str, Any]:
    """The unit's overview entry for the period (its N, rate, interval, verdict, response rate)."""
    for e in reports.overview(alias, d_from, d_to, {unit.id}, min_n)["units"]:
        if e["unit"] == unit.id:
            return _entry(e)
    return rate_entry(Rate(), float(unit.target_pct), min_n)   # no kiosk yet: nothing counted


def rate_entry(rate: Rate, target: float, min_n: int) -> dict[str, Any]:
    """One entry from a rate, in the overview entry's shape (the city's line: the overview has no such row).
    The response rate is unknown (null) until served counts exist for every unit it covers."""
    low, high = rate.ci or (None, None)
    return {"n": rate.total, "satisfied_pct": rate.pct, "ci_low": low, "ci_high": high, "target_pct": target,
            "verdict": str(rate.verdict(target, min_n)), "uncertain": rate.uncertain(target) and not rate.small(min_n),
            "served": None, "response_pct": None}


def counters(alias: str, unit: Unit, d_from: date, d_to: date, min_n: int) -> list[dict[str, Any]]:
    """Each counter's figures for the period (its name as the kiosk calls it) — the finest grain the public
    sees: the commune page's officer lines are never read into it."""
    page = dashboard.unit_page(Source(alias), kiosks_under(unit), d_from, d_to)
    return [{"counter": c, "name": name, **rate_entry(r, float(unit.target_pct), min_n)} for c, name, r in page.counters]


def unit_figures(alias: str, unit: Unit, today: date, min_n: int) -> dict[str, Any]:
    """Everything a unit's public page, embed, lobby and feed show."""
    months = last_months(today)
    _, first, last = months[-1]
    return {
        "unit": unit.id, "name": unit.name, "as_of": today.isoformat(), "min_n": min_n,
        "month": {"month": months[-1][0], "from": first.isoformat(), "to": last.isoformat(),
                  **unit_entry(alias, unit, first, last, min_n)},
        "months": [{"month": label, **unit_entry(alias, unit, a, b, min_n)} for label, a, b in months],
        "counters": counters(alias, unit, first, last, min_n),
    }


def city_rate(alias: str, d_from: date, d_to: date) -> Rate:
    """Every commune's kiosks added up for the period (the overview's roll-ups)."""
    of_kiosk = dashboard.commune_of_kiosk()
    total = Rate()
    for k, r in RATES.rates(Source(alias), d_from, d_to).items():
        if k in of_kiosk:
            total += r
    return total


def city_figures(alias: str, today: date, min_n: int) -> dict[str, Any]:
    """The city's public page and feed: its own line this month and for 12 months, and every commune's
    line this month as the overview ranks them (units below the minimum sample listed, not ranked)."""
    city = Unit.objects.filter(kind="city").first()
    target = float(city.target_pct) if city is not None else CITY_TARGET_PCT
    months = last_months(today)
    _, first, last = months[-1]
    overview = reports.overview(alias, first, last, None, min_n)
    return {
        "name": city.name if city is not None else "Hải Phòng", "as_of": today.isoformat(), "min_n": min_n,
        "month": {"month": months[-1][0], "from": first.isoformat(), "to": last.isoformat(),
                  **rate_entry(city_rate(alias, first, last), target, min_n)},
        "months": [{"month": label, **rate_entry(city_rate(alias, a, b), target, min_n)} for label, a, b in months],
        "units": [{"unit": e["unit"], "name": e["name"], "rank": e["rank"], **_entry(e)} for e in overview["units"]],
    }

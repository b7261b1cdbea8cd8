"""Totals: counts per level, satisfied (RHL + HL) and the satisfaction rate, per counter and day.

Which votes count is :class:`rating.rate.Rule` (the one rule, as in the II.7 model): flagged votes
(misuse: a repeat within the window) are left out of the counts and reported beside them; only votes
cast on the requested scale are counted — scales are never converted — and votes on any other scale
are reported as ``other_scales`` so that nothing disappears silently; demo votes count only where the
source counts them (:func:`rating.rate.count_filter`). The JSON shape of :func:`day_totals` is a
contract (README, ``totals --json``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Iterable, Protocol, Sequence

from rating.rate import MIN_N, Kind, Rule, count_filter, pct, satisfied, small_sample, tied_sql, wilson
from rating.units import Counter
from rating.scales import Scale


class VoteSource(Protocol):
    """Anything holding a ``votes`` table with the store's columns: the kiosk's store, the central service's."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...


def summarise(levels: dict[str, int], flagged: int, scale: Scale, min_n: int = MIN_N) -> dict[str, Any]:
    """The contract's summary fields for one group of votes.

    ``satisfied_pct`` is rounded half up to one decimal (:func:`rating.rate.pct`, as the II.7 report
    and the central pages round it), and is ``null`` when no vote was counted: "no votes" and "nobody
    satisfied" are different findings. ``ci_low``/``ci_high`` are its 95 % Wilson interval (null with
    it); ``small_sample`` is true for a group with votes, but fewer than ``min_n`` (as the II.7 rows).
    """
    counts = {code: levels.get(code, 0) for code in scale.codes}
    total = sum(counts.values())
    low, high = wilson(satisfied(counts), total) or (None, None)
    return {
        "levels": counts,
        "total": total,
        "satisfied": satisfied(counts),
        "satisfied_pct": pct(satisfied(counts), total),
        "flagged": flagged,
        "ci_low": low,
        "ci_high": high,
        "small_sample": 0 < total and small_sample(total, min_n),
    }


def fold_levels(rows: Iterable[tuple[str, Any, int]]) -> dict[str, Any]:
    """``(level, flagged, count)`` rows folded into ``{"levels": {...}, "flagged": n}`` — the totals a sync
    receipt carries for one day, counter and scale (the kiosk and the service compare them)."""
    levels: dict[str, int] = {}
    flagged = 0
    for level, is_flagged, n in rows:
        if is_flagged:
            flagged += n
        else:
            levels[level] = levels.get(level, 0) + n
    return {"levels": levels, "flagged": flagged}


class _Tally:
    """Accumulates (counter, level, flagged, n) rows into per-counter level counts."""

    def __init__(self) -> None:
        self.levels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.flagged: dict[str, int] = defaultdict(int)

    def add(self, counter: str, level: str, flagged: bool, n: int) -> None:
        if flagged:
            self.flagged[counter] += n
        else:
            self.levels[counter][level] += n

    def counters(self, configured: Sequence[Counter]) -> list[tuple[str, str | None]]:
        """Configured counters first (all of them), then any others that have votes."""
        ids = [(c.id, c.name) for c in configured]
        known = {c.id for c in configured}
        extra = sorted((set(self.levels) | set(self.flagged)) - known)
        return ids + [(cid, None) for cid in extra]


# Columns a report may be filtered or grouped by (the kiosk's and the central service's votes tables
# share them). Anything else is refused rather than spliced into SQL.
FILTER_COLUMNS = ("kiosk_id", "counter_id", "officer")
GROUP_COLUMNS = {"counter": "counter_id", "officer": "officer"}


def _group(source: VoteSource, scale: Scale, d_from: date, d_to: date, filters: dict[str, Any] | None = None,
           by: str = "counter") -> tuple[dict[str, _Tally], dict[str, int]]:
    column = GROUP_COLUMNS[by]
    where, params = "local_date BETWEEN ? AND ?", [d_from.isoformat(), d_to.isoformat()]
    for name, value in (filters or {}).items():
        if name not in FILTER_COLUMNS:
            raise ValueError(f"cannot filter by {name!r} (only {', '.join(FILTER_COLUMNS)})")
        if isinstance(value, (tuple, list)):  # one of several (the kiosks of a centre)
            where += f" AND {name} IN ({', '.join('?' * len(value))})"
            params.extend(value)
        else:
            where += f" AND {name} = ?"
            params.append(value)
    rows = source.query(
        f"SELECT local_date, scale, coalesce({column}, ''), level, flag IS NOT NULL, count(*) FROM votes "
        f"WHERE {where}{count_filter(source)} GROUP BY 1, 2, 3, 4, 5", params)
    by_day: dict[str, _Tally] = defaultdict(_Tally)
    other: dict[str, int] = defaultdict(int)
    rule = Rule(scale.id)
    for day, scale_id, counter, level, flagged, n in rows:
        kind = rule.kind(scale_id, flagged)
        if kind is Kind.OTHER_SCALE:
            other[scale_id] += n   # every vote on another scale, flagged or not: nothing disappears
        else:
            by_day[day].add(counter, level, kind is Kind.FLAGGED, n)
    return by_day, dict(other)


def _table(tallies: Iterable[_Tally], counters: Sequence[Counter], scale: Scale, by: str = "counter",
           min_n: int = MIN_N) -> dict[str, Any]:
    merged = _Tally()
    for t in tallies:
        for counter, levels in t.levels.items():
            for level, n in levels.items():
                merged.add(counter, level, False, n)
        for counter, n in t.flagged.items():
            merged.add(counter, "", True, n)
    rows = []
    all_levels: dict[str, int] = defaultdict(int)
    for cid, name in merged.counters(counters):
        levels = merged.levels.get(cid, {})
        head = {"counter": cid, "name": name} if by == "counter" else {"officer": cid or None}
        rows.append({**head, **summarise(levels, merged.flagged.get(cid, 0), scale, min_n)})
        for level, n in levels.items():
            all_levels[level] += n
    return {"counters": rows, "all": summarise(all_levels, sum(merged.flagged.values()), scale, min_n)}


def day_totals(source: VoteSource, counters: Sequence[Counter], scale: Scale, day: date,
               filters: dict[str, Any] | None = None, by: str = "counter", min_n: int = MIN_N) -> dict[str, Any]:
    """One local day's totals per counter — the ``totals --json`` contract shape.

    ``by="officer"`` groups by officer code instead (rows carry ``officer`` in place of
    ``counter``/``name``); ``filters`` narrows to one kiosk, counter or officer.
    """
    by_day, other = _group(source, scale, day, day, filters, by)
    out = {"date": day.isoformat(), "scale": scale.id,
           **_table(by_day.values(), counters if by == "counter" else (), scale, by, min_n)}
    if other:
        out["all"]["other_scales"] = other
    out["all"]["tied"] = tied(source, scale, day, day, filters)
    return out


def tied(source: VoteSource, scale: Scale, d_from: date, d_to: date, filters: dict[str, Any] | None = None) -> int:
    """How many of the counted votes from ``d_from`` to ``d_to`` are tied to a transaction (issue 18: they came
    with a ticket or dossier number, kept as its keyed hash): ``all.tied`` of ``totals --json``."""
    where, params = "local_date BETWEEN ? AND ?", [d_from.isoformat(), d_to.isoformat()]
    for name, value in (filters or {}).items():
        if name not in FILTER_COLUMNS:
            raise ValueError(f"cannot filter by {name!r} (only {', '.join(FILTER_COLUMNS)})")
        values = list(value) if isinstance(value, (tuple, list)) else [value]
        where += f" AND {name} IN ({', '.join('?' * len(values))})" if values else " AND 1 = 0"
        params.extend(values)
    condition, more = tied_sql(Rule(scale.id), source)
    return int(source.query(f"SELECT count(*) FROM votes WHERE {where} AND {condition}", [*params, *more])[0][0])


def period_totals(source: VoteSource, counters: Sequence[Counter], scale: Scale, d_from: date, d_to: date,
                  label: str, filters: dict[str, Any] | None = None, by: str = "counter",
                  min_n: int = MIN_N) -> dict[str, Any]:
    """A whole period's totals in the ``totals --json`` shape, its ``date`` being ``label`` (a month, a quarter)."""
    by_day, other = _group(source, scale, d_from, d_to, filters, by)
    out = {"date": label, "scale": scale.id,
           **_table(by_day.values(), counters if by == "counter" else (), scale, by, min_n)}
    if other:
        out["all"]["other_scales"] = other
    out["all"]["tied"] = tied(source, scale, d_from, d_to, filters)
    return out


def period_report(source: VoteSource, counters: Sequence[Counter], scale: Scale, d_from: date,
                  d_to: date, min_n: int = MIN_N) -> dict[str, Any]:
    """Totals per counter for every day from ``d_from`` to ``d_to`` inclusive, and for the period."""
    if d_to < d_from:
        raise ValueError(f"the period ends ({d_to}) before it starts ({d_from})")
    by_day, other = _group(source, scale, d_from, d_to)
    days = []
    d = d_from
    while d <= d_to:
        key = d.isoformat()
        days.append({"date": key, **_table([by_day[key]] if key in by_day else [], counters, scale, min_n=min_n)})
        d += timedelta(days=1)
    period = _table(by_day.values(), counters, scale, min_n=min_n)
    if other:
        period["all"]["other_scales"] = other
    return {"from": d_from.isoformat(), "to": d_to.isoformat(), "scale": scale.id, "days": days, "period": period}

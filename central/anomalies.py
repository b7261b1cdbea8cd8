"""The gaming checks over the service's database (issue 18): ``GET /v1/reports/anomalies`` and the page.

The rules and their thresholds are :mod:`rating.anomalies`'; this module finds the rows they read, and
lists each finding with the votes behind it (kiosk id and sequence numbers on its chain, as runs
``[first, last]``). Nothing here changes a count: a finding is evidence for a person to look at, and a
commune may attach an explanation (:class:`central.models.AnomalyNote`), which the II.7 annex shows.

Which votes each check reads: every vote the roll-ups hold (demo votes and votes held back for their
kiosk's clock are already apart), on the city's scale (``sipas5``) for the rates; bursts and
out-of-hours votes include flagged repeats (they were pressed). What the service cannot know yet is a
state of the check, never a silent "nothing found":

- opening hours: a vote the kiosk itself marked out of hours (``votes.out_of_hours = 1``) is always a
  finding; a vote whose local time falls outside the service's ``CENTRAL_OPENING_HOURS`` is one too;
  without that setting the check is ``needs_opening_hours`` (the kiosk's own marks still listed);
- served transactions: the ``served_counts`` table (a count a day, kiosk and counter); without it, or
  without a single count for the unit in the period, the check is ``needs_served_counts``.

Speed: a city-year is millions of votes, so the checks read the roll-ups first and only the votes of
the days that could hold a finding (a burst of ten identical votes in a minute spans at most two clock
hours, so one of them holds five of that level: only kiosk-days with an hour of five or more are read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable

from django.db import connections

from rating import anomalies as rules
from rating.hours import ALWAYS_OPEN, OpeningHours
from rating.rate import MIN_N, is_satisfied, pct
from rating.scales import SATISFIED_CODES, SCALES
from rating.bilingual import Texts
from rating.vote import DEMO_SOURCE

from central.models import AnomalyNote, Kiosk, Unit
from central.source import Source
from central.texts import local_time

SCALE = "sipas5"   # the city's scale: rates on another scale are reported apart, never mixed in
_VOTES_COUNTED = f"source <> '{DEMO_SOURCE}' AND held_back IS NULL"   # the roll-ups' votes (central.rollups)
OTHER_CHANNELS = ("phone", "paper")

CHECK_TITLES = Texts({
    "check_burst": ("Bấm dồn dập cùng một mức tại một quầy", "Bursts of identical ratings at one counter"),
    "check_out_of_hours": ("Phiếu ngoài giờ làm việc", "Votes outside opening hours"),
    "check_officer": ("Công chức có tỷ lệ khác xa trung tâm", "An officer far from the centre"),
    "check_implausible": ("Tỷ lệ cao khó tin", "Implausible rates"),
    "check_no_transaction": ("Phiếu nhiều hơn giao dịch trong ngày", "Votes with no transaction that day"),
    "check_channel_gap": ("Chênh lệch giữa kiosk và điện thoại, phiếu giấy", "Kiosk against phone and paper"),
})


@dataclass
class Scope:
    """What a report covers: its unit (None: every unit), the kiosks and each kiosk's centre."""

    unit: Unit | None
    kiosks: list[str]
    centre_of: dict[str, str]

    def centres(self) -> list[str]:
        """The centres of the kiosks in scope."""
        return sorted(set(self.centre_of.values()))


def scope_of(unit_id: str | None, visible: set[str] | None) -> Scope | None:
    """The scope of a unit id (the city, a commune, a centre or a kiosk id; None: everything ``visible``,
    None meaning every unit); None when there is no such unit or kiosk."""
    rows = Kiosk.objects.filter(centre__isnull=False).values_list("id", "centre_id", "centre__parent_id")
    if unit_id is None:
        chosen = [(k, c) for k, c, p in rows if visible is None or c in visible or p in visible]
        return Scope(None, sorted(k for k, _ in chosen), dict(chosen))
    unit = Unit.objects.filter(id=unit_id).first()
    if unit is not None:
        chosen = [(k, c) for k, c, p in rows if unit.kind == "city" or unit.id in (c, p)]
        return Scope(unit, sorted(k for k, _ in chosen), dict(chosen))
    kiosk = [(k, c) for k, c, _ in rows if k == unit_id]
    return Scope(None, [kiosk[0][0]], dict(kiosk)) if kiosk else None


def visible_to(scope: Scope, unit_ids: set[str] | None) -> bool:
    """Whether an account seeing ``unit_ids`` (None: all) may read the whole scope."""
    if unit_ids is None:
        return True
    if scope.unit is not None:
        return scope.unit.id in unit_ids
    return all(c in unit_ids for c in scope.centre_of.values())


def _in(column: str, values: list[str] | None) -> tuple[str, list[Any]]:
    """`` AND column IN (…)`` (nothing when ``values`` is None: every row)."""
    if values is None:
        return "", []
    if not values:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('?' * len(values))})", list(values)


class Report:
    """One run of every check for a scope and period (see :func:`report`)."""

    def __init__(self, alias: str, scope: Scope, d_from: date, d_to: date, hours: OpeningHours,
                 everything: bool = False):
        self.source = Source(alias)
        self.alias = alias
        self.scope = scope
        self.d_from, self.d_to = d_from, d_to
        self.hours = hours
        # Every kiosk of the city: no IN list (the planner reads the period's rows straight).
        self.kiosk_filter = None if everything else scope.kiosks
        self.findings: list[dict[str, Any]] = []
        self.states: dict[str, str] = {}

    def q(self, sql: str, params: list[Any]) -> list[tuple]:
        return self.source.query(sql, params)

    @property
    def period(self) -> list[str]:
        return [self.d_from.isoformat(), self.d_to.isoformat()]

    def add(self, check: str, key: str, kiosk: str | None, first_day: str, last_day: str,
            figures: dict[str, Any], votes: dict[str, Iterable[int]], **where: Any) -> None:
        """One finding: its stable id (``check:key``), where, what, and the votes behind it."""
        centre = self.scope.centre_of.get(kiosk) if kiosk else where.pop("centre", None)
        evidence = [{"kiosk": k, "n": len(set(s)), "seqs": rules.seq_ranges(s)} for k, s in sorted(votes.items()) if s]
        self.findings.append({"id": f"{check}:{key}", "check": check, "centre": centre, "kiosk": kiosk,
                              **where, "first_day": first_day, "last_day": last_day, "figures": figures,
                              "votes": evidence, "notes": []})

    # --- the checks ---------------------------------------------------------------------------------

    def bursts(self) -> None:
        """Bursts of identical votes at one counter (:func:`rating.anomalies.bursts`)."""
        where, params = _in("kiosk_id", self.kiosk_filter)
        half = (rules.BURST_MIN + 1) // 2
        days: dict[str, set[str]] = {}
        # A burst spans at most two neighbouring clock hours: one holds half of it, and the two together all of
        # it (a pair across midnight is kept whenever hour 0 or 23 holds half).
        near_sql = ("LEFT JOIN hour_totals {b} ON {b}.kiosk_id = a.kiosk_id AND {b}.local_date = a.local_date AND "
                    "{b}.scale = a.scale AND {b}.level = a.level AND {b}.hour = a.hour {sign} 1")
        for kiosk, day, hour in self.q(
                f"SELECT DISTINCT a.kiosk_id, a.local_date, a.hour FROM hour_totals a {near_sql.format(b='b', sign='+')} "
                f"{near_sql.format(b='c', sign='-')} WHERE a.local_date BETWEEN ? AND ? AND a.n >= ? AND "
                "(a.hour IN (0, 23) OR a.n + coalesce(b.n, 0) >= ? OR a.n + coalesce(c.n, 0) >= ?)"
                f"{where.replace('kiosk_id', 'a.kiosk_id')}",
                [*self.period, half, rules.BURST_MIN, rules.BURST_MIN, *params]):
            d = date.fromisoformat(day)
            near = [d] + ([d - timedelta(days=1)] if hour == 0 else []) + ([d + timedelta(days=1)] if hour == 23 else [])
            days.setdefault(kiosk, set()).update(x.isoformat() for x in near if self.d_from <= x <= self.d_to)
        for kiosk in sorted(days):
            dates = sorted(days[kiosk])
            rows = self.q("SELECT seq, counter_id, scale, level, ts_ms, local_time, flag FROM votes WHERE kiosk_id = ? "
                          f"AND local_date IN ({', '.join('?' * len(dates))}) AND {_VOTES_COUNTED}", [kiosk, *dates])
            when, flagged = {r[0]: r[5] for r in rows}, {r[0] for r in rows if r[6] is not None}
            for burst in rules.bursts(rules.Press(*r[:5]) for r in rows):
                first, last = burst[0], burst[-1]
                self.add("burst", f"{kiosk}:{first.seq}", kiosk, when[first.seq][:10], when[last.seq][:10],
                         {"n": len(burst), "flagged": sum(1 for v in burst if v.seq in flagged),
                          "level": first.level, "scale": first.scale,
                          "seconds": round(abs(last.ts_ms - first.ts_ms) / 1000, 1),
                          "first_time": when[first.seq], "last_time": when[last.seq]},
                         {kiosk: [v.seq for v in burst]}, counter=first.counter)
        self.states["burst"] = "done"

    def out_of_hours(self) -> None:
        """Votes the kiosk marked out of hours, and votes outside ``CENTRAL_OPENING_HOURS``."""
        where, params = _in("kiosk_id", self.kiosk_filter)
        found: dict[tuple[str, str], dict[int, str]] = {}
        # (local_date || '': SQLite would read the period by its day index rather than the few marked votes' own.)
        for kiosk, seq, day, at in self.q("SELECT kiosk_id, seq, local_date, local_time FROM votes WHERE out_of_hours = 1 "
                                          f"AND local_date || '' BETWEEN ? AND ? AND {_VOTES_COUNTED}{where}",
                                          [*self.period, *params]):
            found.setdefault((kiosk, day), {})[seq] = at
        if self.hours is ALWAYS_OPEN or self.hours.spans is None:
            self.states["out_of_hours"] = "needs_opening_hours"
        else:
            candidates: dict[str, set[str]] = {}
            for kiosk, day in self._hours_outside(where, params):
                candidates.setdefault(kiosk, set()).add(day)
            for kiosk in sorted(candidates):
                dates = sorted(candidates[kiosk])
                for seq, day, at in self.q("SELECT seq, local_date, local_time FROM votes WHERE kiosk_id = ? AND "
                                           f"local_date IN ({', '.join('?' * len(dates))}) AND {_VOTES_COUNTED}",
                                           [kiosk, *dates]):
                    if not self.hours.is_open(datetime.fromisoformat(at)):
                        found.setdefault((kiosk, day), {})[seq] = at
            self.states["out_of_hours"] = "done"
        for (kiosk, day), votes in sorted(found.items()):
            times = sorted(votes.values())
            self.add("out_of_hours", f"{kiosk}:{day}", kiosk, day, day,
                     {"n": len(votes), "first_time": times[0], "last_time": times[-1]}, {kiosk: list(votes)})

    def _hours_outside(self, where: str, params: list[Any]) -> set[tuple[str, str]]:
        """(kiosk, day) pairs with a vote in an hour not wholly inside the opening hours of its weekday."""
        groups: dict[tuple[int, ...], list[str]] = {}   # the hours wholly open on a weekday -> its dates
        d = self.d_from
        while d <= self.d_to:
            open_hours = wholly_open_hours(self.hours.spans[d.weekday()])
            groups.setdefault(open_hours, []).append(d.isoformat())
            d += timedelta(days=1)
        clauses, values = [], []
        for open_hours, dates in groups.items():
            clause = f"local_date IN ({', '.join('?' * len(dates))})"
            if open_hours:
                clause += f" AND hour NOT IN ({', '.join('?' * len(open_hours))})"
            clauses.append(f"({clause})")
            values += [*dates, *open_hours]
        return set(self.q(f"SELECT DISTINCT kiosk_id, local_date FROM hour_totals WHERE ({' OR '.join(clauses)})"
                          f"{where}", [*values, *params]))

    def _counted(self) -> list[tuple[str, str, str, str, int]]:
        """Counted votes on the city's scale per kiosk, counter, officer ('' for none) and level."""
        where, params = _in("kiosk_id", self.kiosk_filter)
        return self.q("SELECT kiosk_id, counter_id, officer, level, sum(n) FROM daily_totals WHERE local_date BETWEEN "
                      f"? AND ? AND scale = ? AND flagged = 0{where} GROUP BY kiosk_id, counter_id, officer, level",
                      [*self.period, SCALE, *params])

    def _votes_of(self, kiosks: list[str], column: str, value: str) -> dict[str, list[int]]:
        """The counted votes on the city's scale of ``kiosks`` with ``column = value``, as {kiosk: [seq]}."""
        out: dict[str, list[int]] = {}
        for kiosk, seq in self.q(f"SELECT kiosk_id, seq FROM votes WHERE kiosk_id IN ({', '.join('?' * len(kiosks))}) "
                                 f"AND local_date BETWEEN ? AND ? AND scale = ? AND flag IS NULL AND "
                                 f"coalesce({column}, '') = ? AND {_VOTES_COUNTED}",
                                 [*kiosks, *self.period, SCALE, value]):
            out.setdefault(kiosk, []).append(seq)
        return out

    def rates(self) -> None:
        """Officers far from their centre, and implausible rates of counters and officers."""
        per_officer: dict[str, dict[str, list[int]]] = {}   # centre -> officer -> [satisfied, n]
        per_counter: dict[tuple[str, str], list[int]] = {}
        kiosks_of: dict[str, set[str]] = {}
        for kiosk, counter, officer, level, n in self._counted():
            centre, n = self.scope.centre_of.get(kiosk), int(n)   # PostgreSQL's sum() is a Decimal
            if centre is None:
                continue
            kiosks_of.setdefault(centre, set()).add(kiosk)
            sat = n if is_satisfied(level) else 0
            o = per_officer.setdefault(centre, {}).setdefault(officer, [0, 0])
            o[0] += sat
            o[1] += n
            c = per_counter.setdefault((kiosk, counter), [0, 0])
            c[0] += sat
            c[1] += n
        first, last = self.period
        for centre in sorted(per_officer):
            kiosks = sorted(kiosks_of[centre])
            counts = {o: (x, n) for o, (x, n) in per_officer[centre].items()}
            for out in rules.officer_outliers(counts):
                self.add("officer", f"{centre}:{out.officer}:{first}:{last}", None, first, last,
                         {"n": out.n, "satisfied_pct": pct(out.satisfied, out.n), "rest_n": out.rest_n,
                          "rest_satisfied_pct": pct(out.rest_satisfied, out.rest_n), "z": round(out.z, 2)},
                         self._votes_of(kiosks, "officer", out.officer), centre=centre, officer=out.officer)
            for officer, (x, n) in sorted(counts.items()):
                if officer and rules.implausible(x, n):
                    self.add("implausible", f"{centre}:officer:{officer}:{first}:{last}", None, first, last,
                             {"n": n, "satisfied_pct": pct(x, n)}, self._votes_of(kiosks, "officer", officer),
                             centre=centre, officer=officer)
        for (kiosk, counter), (x, n) in sorted(per_counter.items()):
            if rules.implausible(x, n):
                self.add("implausible", f"{kiosk}:counter:{counter}:{first}:{last}", kiosk, first, last,
                         {"n": n, "satisfied_pct": pct(x, n)}, self._votes_of([kiosk], "counter_id", counter),
                         counter=counter)
        self.states["officer"] = self.states["implausible"] = "done"

    def no_transaction(self) -> None:
        """Counted votes beyond the transactions served that day at that counter (``served_counts``)."""
        if "served_counts" not in connections[self.alias].introspection.table_names():
            self.states["no_transaction"] = "needs_served_counts"
            return
        where, params = _in("kiosk_id", self.kiosk_filter)
        served = {(k, d, c): s for k, d, c, s in self.q(
            "SELECT kiosk_id, local_date, counter_id, served FROM served_counts WHERE local_date BETWEEN ? AND ?"
            f"{where}", [*self.period, *params]) if k in self.scope.centre_of}
        if not served:
            self.states["no_transaction"] = "needs_served_counts"
            return
        voted: dict[tuple[str, str, str], int] = {}
        for k, d, c, n in self.q("SELECT kiosk_id, local_date, counter_id, sum(n) FROM daily_totals WHERE local_date "
                                 f"BETWEEN ? AND ? AND flagged = 0{where} GROUP BY kiosk_id, local_date, counter_id",
                                 [*self.period, *params]):
            voted[(k, d, c)] = int(n)
        for (kiosk, day, counter), n in sorted(voted.items()):
            s = served.get((kiosk, day, counter))
            if s is None or n <= s:
                continue
            seqs = [r[0] for r in self.q(f"SELECT seq FROM votes WHERE kiosk_id = ? AND local_date = ? AND counter_id = ? "
                                         f"AND flag IS NULL AND {_VOTES_COUNTED}", [kiosk, day, counter])]
            self.add("no_transaction", f"{kiosk}:{counter}:{day}", kiosk, day, day,
                     {"votes": n, "served": s, "beyond": n - s}, {kiosk: seqs}, counter=counter)
        self.states["no_transaction"] = "done"

    def channel_gap(self) -> None:
        """Each centre's scale answers at the kiosk against phone and paper (:func:`rating.anomalies.channel_gap`)."""
        centres = self.scope.centres()
        codes = sorted({c for s in SCALES.values() for c in s.codes})
        where, params = _in("centre_id", None if self.kiosk_filter is None else centres)
        shares: dict[str, dict[str, list[int]]] = {}
        for centre, channel, choice, n in self.q(
                "SELECT centre_id, channel, choice, count(*) FROM q_answers WHERE replaced = 0 AND local_date BETWEEN ? "
                f"AND ? AND choice IN ({', '.join('?' * len(codes))}){where} GROUP BY centre_id, channel, choice",
                [*self.period, *codes, *params]):
            side = "kiosk" if channel == "kiosk" else "other" if channel in OTHER_CHANNELS else None
            if side is None or (self.kiosk_filter is not None and centre not in centres):
                continue
            s = shares.setdefault(centre, {"kiosk": [0, 0], "other": [0, 0]})[side]
            s[0] += int(n) if choice in SATISFIED_CODES else 0
            s[1] += int(n)
        first, last = self.period
        for centre in sorted(shares):
            kiosk, other = (tuple(shares[centre][side]) for side in ("kiosk", "other"))
            z = rules.channel_gap(kiosk, other)
            if z is None:
                continue
            answers: dict[str, list[int]] = {}
            for k, seq in self.q("SELECT kiosk_id, seq FROM q_answers WHERE centre_id = ? AND channel = 'kiosk' AND "
                                 f"replaced = 0 AND local_date BETWEEN ? AND ? AND choice IN ({', '.join('?' * len(codes))})",
                                 [centre, *self.period, *codes]):
                if seq is not None:
                    answers.setdefault(k, []).append(seq)
            self.add("channel_gap", f"{centre}:{first}:{last}", None, first, last,
                     {"kiosk_n": kiosk[1], "kiosk_satisfied_pct": pct(*kiosk), "other_n": other[1],
                      "other_satisfied_pct": pct(*other), "z": round(z, 2)}, {}, centre=centre)
            # The kiosk's answers sit on its answer chain, not its vote chain: listed apart.
            self.findings[-1]["answers"] = [{"kiosk": k, "n": len(s), "seqs": rules.seq_ranges(s)}
                                            for k, s in sorted(answers.items())]
        self.states["channel_gap"] = "done"


def wholly_open_hours(spans) -> tuple[int, ...]:
    """The clock hours (0-23) wholly inside one of a day's opening spans: no vote in them is out of hours."""
    return tuple(h for h in range(23) if any(s <= time(h) and time(h + 1) <= e for s, e in spans))


def report(alias: str, scope: Scope, d_from: date, d_to: date, hours: OpeningHours = ALWAYS_OPEN,
           unit_id: str | None = None) -> dict[str, Any]:
    """Every check over ``scope`` for ``d_from``..``d_to``: the JSON of ``/v1/reports/anomalies`` (docs/central.md)."""
    everything = scope.unit is not None and scope.unit.kind == "city"
    r = Report(alias, scope, d_from, d_to, hours, everything)
    if scope.kiosks:
        r.bursts()
        r.out_of_hours()
        r.rates()
        r.no_transaction()
        r.channel_gap()
    else:
        r.states = {c: "done" for c in rules.CHECKS}
    attach_notes(r.findings)
    return {"unit": unit_id,
            "from": d_from.isoformat(), "to": d_to.isoformat(), "rules": RULES,
            "checks": [{"check": c, "state": r.states.get(c, "done"),
                        "findings": sum(1 for f in r.findings if f["check"] == c)} for c in rules.CHECKS],
            "findings": r.findings}


def attach_notes(findings: list[dict[str, Any]]) -> None:
    """Each finding's explanations, oldest first."""
    by_id = {f["id"]: f for f in findings}
    for note in AnomalyNote.objects.filter(finding__in=list(by_id)).order_by("written_at", "id"):
        by_id[note.finding]["notes"].append({"text": note.text, "by": note.written_by,
                                             "at": note.written_at.isoformat()})


RULES = {
    "burst": {"min_votes": rules.BURST_MIN, "window_s": rules.BURST_WINDOW_MS // 1000},
    "out_of_hours": {"hours": "CENTRAL_OPENING_HOURS", "kiosk_mark": "out_of_hours"},
    "officer": {"test": "two-proportion z, pooled", "abs_z_at_least": rules.OFFICER_Z, "min_n": MIN_N},
    "implausible": {"satisfied_pct_at_least": rules.IMPLAUSIBLE_PCT, "min_n": rules.IMPLAUSIBLE_MIN_N},
    "no_transaction": {"table": "served_counts", "rule": "counted votes > served"},
    "channel_gap": {"test": "two-proportion z, pooled", "abs_z_at_least": rules.GAP_Z,
                    "min_points": rules.GAP_MIN_POINTS, "min_n": MIN_N, "kiosk": ["kiosk"],
                    "other": list(OTHER_CHANNELS)},
}


def annex(centres: list[str], d_from: date, d_to: date) -> list[tuple[str, str]]:
    """The explanations of findings at ``centres`` whose days meet the period, as the II.7 annex's
    (label, text) lines: what, when and who."""
    out = []
    for n in AnomalyNote.objects.filter(centre_id__in=centres, first_day__lte=d_to.isoformat(),
                                        last_day__gte=d_from.isoformat()).order_by("first_day", "finding", "written_at"):
        when = n.first_day if n.first_day == n.last_day else f"{n.first_day} … {n.last_day}"
        out.append((f"{CHECK_TITLES.text('check_' + n.check, 'vi')} ({n.finding}; {when})",
                    f"{n.text} — {n.written_by}, {local_time(n.written_at.isoformat())}"))
    return out

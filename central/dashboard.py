"""What the pages show, read from the roll-ups (``daily_totals``, ``hour_totals``) — never by
scanning votes, so a city of 114 communes over a year answers quickly."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from zoneinfo import ZoneInfo

from rating.checkin import SILENT_AFTER
from rating.hours import HoursError, parse_hours
from rating.period import LOCAL_TZ
from rating.rate import MIN_N, Rate, ResponseRate, Rule, rank
from rating.sipas import ELEMENTS

from central import counter_names, served
from central.models import Kiosk, KioskCheckin, KioskStatus, Unit
from central.rates import RATES, SCALE, rates_by_kiosk
from central.source import Source


def _in(ids: list[str]) -> str:
    return ", ".join("?" * len(ids))


@dataclass
class CommuneRow:
    """One line of the overview."""
    unit: Unit
    rate: Rate
    previous: Rate
    rank: int | None = None   # None: fewer counted votes than the minimum sample (Chưa đủ mẫu), listed unranked
    response: ResponseRate = field(default_factory=ResponseRate)   # votes per served transaction (issue 18)

    @property
    def trend(self) -> float | None:
        """Change in points against the previous period of the same length."""
        if self.rate.pct is None or self.previous.pct is None:
            return None
        return self.rate.pct - self.previous.pct


def commune_of_kiosk() -> dict[str, Unit]:
    """Each kiosk's commune (the parent of its centre; the centre itself when it has no parent)."""
    out = {}
    for k in Kiosk.objects.select_related("centre__parent"):
        if k.centre is not None:
            out[k.id] = k.centre.parent or k.centre
    return out


def overview(source: Source, d_from: date, d_to: date, unit_ids: set[str] | None,
             min_n: int = MIN_N) -> list[CommuneRow]:
    """Every (visible) commune's rate and N for the period, with the change against the period before:
    those with at least ``min_n`` counted votes ranked by rate, then the others (Chưa đủ mẫu), unranked
    (:func:`rating.rate.rank`). An account that sees a centre but not its commune gets the centre's line."""
    length = (d_to - d_from).days + 1
    now, before = RATES.rates(source, d_from, d_to), \
        RATES.rates(source, d_from - timedelta(days=length), d_from - timedelta(days=1))
    responses = served.response_rates(source, None, d_from, d_to)   # kiosks with served numbers only
    communes = {u.id: u for u in Unit.objects.filter(kind="commune")}
    of_kiosk = commune_of_kiosk()   # once per request: 114 kiosks with their centre and commune
    for k, u in of_kiosk.items():
        communes.setdefault(u.id, u)
    rows = {cid: CommuneRow(u, Rate(), Rate()) for cid, u in communes.items()
            if unit_ids is None or cid in unit_ids}
    centre_of: dict[str, Unit] = {}
    if unit_ids is not None:   # a centre account: its centre's own line (never its commune's other centres)
        centre_of = {k.id: k.centre for k in Kiosk.objects.select_related("centre")
                     if k.centre is not None and k.centre_id in unit_ids and k.id in of_kiosk
                     and of_kiosk[k.id].id not in rows}
        for centre in centre_of.values():
            rows.setdefault(centre.id, CommuneRow(centre, Rate(), Rate()))
    for k, u in of_kiosk.items():
        row = rows.get(u.id) or (rows.get(centre_of[k].id) if k in centre_of else None)
        if row is None:
            continue
        for rates, target in ((now, row.rate), (before, row.previous)):
            r = rates.get(k)
            if r:
                target += r
        if k in responses:
            row.response += responses[k]
    out = []
    for row, place in rank(list(rows.values()), lambda r: r.rate, lambda r: r.unit.name, min_n):
        row.rank = place
        out.append(row)
    return out


@dataclass
class UnitPage:
    """What a commune's (or centre's) page shows."""
    rate: Rate = field(default_factory=Rate)
    counters: list[tuple[str, str, Rate]] = field(default_factory=list)
    officers: list[tuple[str, Rate]] = field(default_factory=list)
    daily: list[tuple[str, Rate]] = field(default_factory=list)
    heat: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])
    reasons: list[tuple[str, str, int]] = field(default_factory=list)
    response: ResponseRate = field(default_factory=ResponseRate)   # votes per served transaction (issue 18)
    counter_responses: list[ResponseRate] = field(default_factory=list)   # one per line of ``counters``


def unit_page(source: Source, kiosks: list[str], d_from: date, d_to: date, lang: str = "vi") -> UnitPage:
    """Per counter and officer, the daily trend, the hour × weekday heat map and the reasons."""
    page = UnitPage()
    if not kiosks:
        return page
    where = f"kiosk_id IN ({_in(kiosks)}) AND local_date BETWEEN ? AND ?"
    params = [*kiosks, d_from.isoformat(), d_to.isoformat()]
    # Three small grouped queries rather than one fine-grained one: the database does the adding, and
    # rating.rate.Rule says which votes count (votes on another scale than the service's are not).
    rule = Rule(SCALE)
    counters: dict[tuple[str, str], Rate] = defaultdict(Rate)
    for k, counter, scale, level, flagged, n in source.query(
            f"SELECT kiosk_id, counter_id, scale, level, flagged, sum(n) FROM daily_totals WHERE {where} "
            "GROUP BY kiosk_id, counter_id, scale, level, flagged", params):
        kind = rule.kind(scale, flagged)
        page.rate.add(kind, level, int(n))
        counters[(k, counter)].add(kind, level, int(n))
    officers: dict[str, Rate] = defaultdict(Rate)
    for officer, scale, level, flagged, n in source.query(
            f"SELECT officer, scale, level, flagged, sum(n) FROM daily_totals WHERE {where} AND officer != '' "
            "GROUP BY officer, scale, level, flagged", params):
        officers[officer].add(rule.kind(scale, flagged), level, int(n))
    daily: dict[str, Rate] = defaultdict(Rate)
    for day, scale, level, flagged, n in source.query(
            f"SELECT local_date, scale, level, flagged, sum(n) FROM daily_totals WHERE {where} "
            "GROUP BY local_date, scale, level, flagged", params):
        daily[day].add(rule.kind(scale, flagged), level, int(n))
    names = counter_names.names_in_force(source, kiosks, d_from, d_to)   # the period's, not today's (issue 17)
    page.counters = [(c, names.get((k, c), ""), r) for (k, c), r in sorted(counters.items())]
    responses = served.response_rates(source, kiosks, d_from, d_to, by_counter=True)
    page.counter_responses = [responses.get(key, ResponseRate()) for key in sorted(counters)]
    for r in responses.values():
        page.response += r
    page.officers = sorted(officers.items())
    page.daily = sorted(daily.items())
    for day, hour, n in source.query(f"SELECT local_date, hour, sum(n) FROM hour_totals WHERE {where} "
                                     "GROUP BY local_date, hour", params):
        page.heat[date.fromisoformat(day).weekday()][int(hour)] += int(n)
    reasons = {e: int(n) for e, n in source.query(
        f"SELECT element, sum(n) FROM reason_days WHERE {where} GROUP BY element", params)}
    page.reasons = [(code, ELEMENTS.text(code, lang), int(reasons.get(code, 0))) for code in ELEMENTS]
    return page


@dataclass
class KioskHealth:
    """One kiosk's line on the health page."""
    id: str
    centre: str
    retired: bool
    last_sync: str | None
    chain_ok: bool
    issues: int
    status: dict
    held_back: dict = field(default_factory=dict)   # why -> how many of its votes are held back (clock)
    last_checkin: str | None = None                 # its latest check-in (rating.checkin), ISO UTC
    checkin: KioskCheckin | None = None             # with its opening hours and settings version


def health(source: Source, kiosks: list[str]) -> list[KioskHealth]:
    """Last sync, chain state and the status each kiosk last sent."""
    if not kiosks:
        return []
    issues: dict[str, int] = defaultdict(int)
    for table in ("chain_issues", "chain_gaps"):
        for k, n in source.query(f"SELECT kiosk_id, count(*) FROM {table} WHERE kiosk_id IN ({_in(kiosks)}) "
                                 "GROUP BY kiosk_id", kiosks):
            issues[k] += int(n)
    held: dict[str, dict[str, int]] = defaultdict(dict)
    for k, why, n in source.query(f"SELECT kiosk_id, held_back, count(*) FROM votes WHERE held_back IS NOT NULL "
                                  f"AND kiosk_id IN ({_in(kiosks)}) GROUP BY kiosk_id, held_back", kiosks):
        held[k][why] = int(n)
    statuses = {s.kiosk_id: s for s in KioskStatus.objects.filter(kiosk_id__in=kiosks)}
    checkins = {c.kiosk_id: c for c in KioskCheckin.objects.filter(kiosk_id__in=kiosks)}
    out = []
    for k in Kiosk.objects.filter(id__in=kiosks).select_related("centre").order_by("id"):
        s, c = statuses.get(k.id), checkins.get(k.id)
        status = _json(s.status) if s else {}
        if c is not None:   # the newer of the two reports wins, field by field (the same status fields)
            newer_checkin = s is None or c.at >= s.last_sync_at
            status = {**status, **_json(c.status)} if newer_checkin else {**_json(c.status), **status}
        out.append(KioskHealth(k.id, k.centre.name if k.centre else "", k.retired_at is not None,
                               s.last_sync_at if s else None, issues[k.id] == 0, issues[k.id], status,
                               held.get(k.id, {}), c.at if c else None, c))
    return out


def _json(value) -> dict:
    """A JSON column as a dict (SQLite may hand back its text)."""
    value = json.loads(value) if isinstance(value, str) else value
    return value if isinstance(value, dict) else {}


def _version_key(text: object):
    """A software version made comparable (``0.10.0`` after ``0.9.2``), or None when it cannot be read."""
    from packaging.version import InvalidVersion, Version
    try:
        return Version(text) if isinstance(text, str) else None
    except InvalidVersion:
        return None


def newest_version(rows: list[KioskHealth]):
    """The newest software version any kiosk in use reports (the ones behind it are to be updated), or None."""
    return max((v for h in rows if not h.retired and (v := _version_key(h.status.get("software_version")))),
               default=None)


def is_behind(h: KioskHealth, newest) -> bool:
    """True when ``h`` reports a version older than ``newest``."""
    return version_behind(h.status.get("software_version"), newest)


def version_behind(version: object, newest) -> bool:
    """True when ``version`` (as a kiosk reports it) is older than ``newest``."""
    mine = _version_key(version)
    return newest is not None and mine is not None and mine < newest


def version_counts(rows: list[KioskHealth]) -> list[tuple[str, int]]:
    """How many kiosks in use report each version, newest first ("" for those that report none)."""
    counts: dict[str, int] = defaultdict(int)
    for h in rows:
        if not h.retired:
            counts[str(h.status.get("software_version") or "")] += 1
    return sorted(counts.items(), key=lambda kv: (_version_key(kv[0]) is not None, _version_key(kv[0]) or 0, kv[0]),
                  reverse=True)


def silent_while_open(c: KioskCheckin, now: datetime) -> bool:
    """True when the kiosk has not checked in for :data:`rating.checkin.SILENT_AFTER` of its opening hours
    (nights, weekends and holidays closed do not count: a kiosk switched off at closing is not silent)."""
    try:
        tz, hours = ZoneInfo(c.timezone), parse_hours(c.opening_hours or [])
    except (HoursError, ValueError, KeyError):
        return False
    last = datetime.fromisoformat(c.at).astimezone(tz)
    return hours.open_seconds(last, now.astimezone(tz)) >= SILENT_AFTER.total_seconds()


def _problems(status: dict) -> set[str]:
    return {p.strip() for p in (status.get("problems") or "").split(",") if p.strip()}


def fleet_alerts(h: KioskHealth, now: datetime, newest) -> list[Alert]:
    """The alerts of a kiosk's latest health (its check-ins and batches): silent while open, button boxes
    missing, backup too old, clock suspect, settings rejected, software behind the newest the fleet reports."""
    out: list[Alert] = []
    s = h.status
    if h.checkin is not None and silent_while_open(h.checkin, now):
        from central.texts import local_time
        out.append(Alert("silent_open", h.id, {"since": local_time(h.last_checkin)}))
    heard, configured = s.get("boxes_heard"), s.get("button_boxes")
    if isinstance(heard, int) and isinstance(configured, int) and heard < configured or "button_boxes" in _problems(s):
        out.append(Alert("boxes_missing", h.id, {"heard": heard if heard is not None else "?",
                                                 "configured": configured if configured is not None else "?"}))
    if "backup" in _problems(s):
        from central.texts import local_time
        at = s.get("last_backup_at")
        try:
            shown = local_time(at) if isinstance(at, str) else None
        except ValueError:
            shown = None
        out.append(Alert("backup_old", h.id, {"at": shown or "—"}))
    if s.get("clock") == "suspect":
        out.append(Alert("clock_suspect", h.id, {}))
    rejected = h.checkin.settings_rejected if h.checkin is not None else None
    if isinstance(rejected, str):   # SQLite may hand back the JSON text
        rejected = json.loads(rejected)
    if isinstance(rejected, dict):   # until the kiosk runs a version again (its next check-in clears it)
        out.append(Alert("settings_rejected", h.id, {"version": rejected.get("version", "?"),
                                                     "reason": rejected.get("reason", "?")}))
    if is_behind(h, newest):
        out.append(Alert("version_behind", h.id, {"version": s["software_version"], "newest": str(newest)}))
    return out


@dataclass
class Alert:
    """Something a person should look at: its kind (silent, chain, clock, below_target, repeats), the kiosk,
    and the figures its sentence needs (see :func:`central.texts.alert_text`)."""
    kind: str
    subject: str
    figures: dict

    @property
    def detail(self) -> str:
        """The sentence in Vietnamese and English (for e-mail, read by either)."""
        from central.texts import alert_text
        return f"{alert_text(self, 'vi')} / {alert_text(self, 'en')}"


def alerts(source: Source, kiosks: list[str], now: datetime, target_by_kiosk: dict[str, float],
           min_n: int = MIN_N, newest=None) -> list[Alert]:
    """Silent two nights (or half an hour of opening hours: :func:`fleet_alerts`), the kiosks' own health
    (boxes, backup, clock, version), chain issues, a week below target, a sudden rise of flagged repeats.
    A week below target alerts only with at least ``min_n`` counted votes (fewer cannot tell); its sentence
    gives N and the 95 % interval, and says "chưa chắc chắn" when the interval reaches the target."""
    out: list[Alert] = []
    rows = health(source, kiosks)
    # The newest version any kiosk in use reports (the fleet's, when given): the ones behind it are to be updated.
    newest = newest or newest_version(rows)
    for h in rows:
        if h.retired:
            continue
        if h.last_sync is None or datetime.fromisoformat(h.last_sync) < now - timedelta(hours=48):
            # A kiosk that checks in but has not synced (enrolled today, its nightly window not come) is not silent.
            if h.last_checkin is None or datetime.fromisoformat(h.last_checkin) < now - timedelta(hours=48):
                out.append(Alert("silent", h.id, {}))
        out.extend(fleet_alerts(h, now, newest))
        if not h.chain_ok:
            out.append(Alert("chain", h.id, {"issues": h.issues}))
        if h.held_back:
            out.append(Alert("clock", h.id, {"held": sum(h.held_back.values())}))
    today = now.astimezone(LOCAL_TZ).date()
    week = rates_by_kiosk(source, kiosks, today - timedelta(days=7), today - timedelta(days=1))
    month = rates_by_kiosk(source, kiosks, today - timedelta(days=35), today - timedelta(days=8))
    for k, r in sorted(week.items()):
        target = target_by_kiosk.get(k, 90.0)
        if r.verdict(target, min_n) == "chua_dat":
            out.append(Alert("below_target", k, {"pct": r.pct, "target": target, "n": r.total, "ci": r.ci,
                                                 "uncertain": r.uncertain(target)}))
        base = month.get(k)
        share = r.flagged / (r.total + r.flagged) if r.total + r.flagged else 0
        base_share = base.flagged / (base.total + base.flagged) if base and base.total + base.flagged else 0
        if r.flagged >= 10 and share > 2 * base_share + 0.02:
            out.append(Alert("repeats", k, {"flagged": r.flagged}))
    from central import actions   # issue 18: items of "Việc cần khắc phục" overdue, the plans' deadlines near
    out.extend(Alert(kind, subject, figures) for kind, subject, figures in actions.alerts(source, kiosks, now))
    return out

"""Campaigns (issue 17): the city starts a questionnaire on every kiosk of the communes it picks (all by
default), or a commune's office within its own commune; each kiosk receives it in its check-in's answer
(rating.campaign, protocol 1.5) and reports what became of it. :func:`progress` measures each commune's
responses, per channel, against the sample the SIPAS method asks for.

Who may start what is :func:`scope_for` (central.access's roles): admin and city any unit, a commune
account its own commune, a centre account nothing (it reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum

from rating.campaign import CHANNELS, MODES, sipas_sample
from rating.questionnaire.model import Questionnaire

from central import access
from central.models import Campaign, CampaignKiosk, CampaignUnit, Kiosk, QResponse, ServedCount, Unit
from central.questionnaires import catalogue
from central.runtime import current

MAX_HOUSEHOLDS = 10_000_000
SERVED_YEAR = 365   # N from the served transactions of the year before the campaign's first day


class CampaignRefusal(ValueError):
    """A campaign that cannot be started as asked, and why (one line, naming the field)."""


def top_units() -> list[Unit]:
    """The units a city-wide campaign runs in: every commune, and every centre that has no commune above
    it (as the overview counts them), by name."""
    return list(Unit.objects.filter(Q(kind="commune") | Q(kind="centre", parent__isnull=True)).order_by("name"))


def may_start(user) -> bool:
    """True for the accounts that start campaigns: admin, city, and a commune's office (within its commune)."""
    return access.role(user) in ("admin", "city", "commune")


def scope_for(user, unit_ids: Iterable[str]) -> list[Unit]:
    """The units a campaign of ``user`` runs in: ``unit_ids`` (each must be a commune or a centre the account
    may see), or by default every commune for the city and its own commune for a commune's office."""
    if not may_start(user):
        raise CampaignRefusal("this account reads campaigns; a commune's office or the city starts them")
    visible = access.visible_unit_ids(user)
    ids = [u for u in dict.fromkeys(unit_ids) if u]
    if not ids:
        return top_units() if visible is None else [user.central.unit]
    units = {u.id: u for u in Unit.objects.filter(id__in=ids)}
    for uid in ids:
        unit = units.get(uid)
        if unit is None or unit.kind not in ("commune", "centre") or (visible is not None and uid not in visible):
            raise CampaignRefusal(f"unit {uid[:64]!r}: no commune or centre of that id that this account may choose")
    return [units[u] for u in ids]


def _kiosks(units: Iterable[Unit]) -> set[str]:
    return {k for u in units for k in access.kiosks_under(u)}


def start(qid: str, units: list[Unit], first: date | None, until: date, mode: str, by: str, now: datetime,
          today: date, owner: Unit | None = None, households: dict[str, int] | None = None) -> Campaign:
    """Start a campaign of questionnaire ``qid`` (its highest version) in ``units``; refuse, naming the field,
    an unknown questionnaire or mode, days in the past or out of order, and units whose kiosks already run
    another campaign on some of the same days (a kiosk runs one questionnaire at a time)."""
    q = catalogue.find(qid)
    if q is None:
        known = ", ".join(x.id for x in catalogue.offered()) or "none"
        raise CampaignRefusal(f"questionnaire {qid[:64]!r}: no such questionnaire (known: {known})")
    if mode not in MODES:
        raise CampaignRefusal(f"mode {mode[:20]!r}: must be one of {', '.join(MODES)}")
    first = first or today
    if until < today:
        raise CampaignRefusal(f"until {until:%d/%m/%Y}: already past (today is {today:%d/%m/%Y})")
    if first > until:
        raise CampaignRefusal(f"from {first:%d/%m/%Y}: after until {until:%d/%m/%Y}")
    if not units:
        raise CampaignRefusal("unit: no commune to run the campaign in")
    for uid, n in (households or {}).items():
        if not 0 < n <= MAX_HOUSEHOLDS:
            raise CampaignRefusal(f"households of {uid}: a whole number from 1 to {MAX_HOUSEHOLDS:,}")
    ours = _kiosks(units)
    for other in active(first, until):
        clash = sorted(ours & _kiosks(u.unit for u in other.units.select_related("unit")))
        if clash:
            raise CampaignRefusal(f"unit: kiosk {clash[0]} already runs campaign {other.id} ({other.questionnaire_id}, "
                                  f"{_d(other.d_from):%d/%m/%Y}–{_d(other.d_until):%d/%m/%Y}); stop it first")
    with transaction.atomic(using=current().alias):
        c = Campaign.objects.create(questionnaire_id=q.id, version=q.version, definition_hash=q.definition_hash,
                                    mode=mode, d_from=first.isoformat(), d_until=until.isoformat(), owner=owner,
                                    created_by=by[:150], created_at=now)
        CampaignUnit.objects.bulk_create([CampaignUnit(campaign=c, unit=u, households=(households or {}).get(u.id))
                                          for u in units])
    catalogue.register(q)
    return c


def _d(text: str) -> date:
    return date.fromisoformat(text)


def active(first: date, until: date) -> list[Campaign]:
    """The campaigns not stopped whose days meet ``first``–``until``."""
    return list(Campaign.objects.filter(stopped_at__isnull=True, d_from__lte=until.isoformat(),
                                        d_until__gte=first.isoformat()).order_by("id"))


def stop(campaign: Campaign, now: datetime) -> None:
    """End a campaign now: the kiosks stop it at their next check-in."""
    Campaign.objects.filter(id=campaign.id, stopped_at__isnull=True).update(stopped_at=now)


def may_manage(user, campaign: Campaign) -> bool:
    """True when ``user`` may stop ``campaign``: admin and city any, a commune's office its own."""
    r = access.role(user)
    return r in ("admin", "city") or (r == "commune" and campaign.owner_id is not None
                                      and campaign.owner_id == user.central.unit_id)


def visible(user) -> list[Campaign]:
    """The campaigns an account may see: all for admin and city, else those running in its units."""
    ids = access.visible_unit_ids(user)
    qs = Campaign.objects.order_by("-id")
    if ids is None:
        return list(qs)
    parents = set(Unit.objects.filter(id__in=ids).exclude(parent__isnull=True).values_list("parent_id", flat=True))
    return list(qs.filter(units__unit_id__in=ids | parents).distinct())


# --- the check-in's side ------------------------------------------------------------------------------

def for_kiosk(kiosk: Kiosk, today: date) -> list[dict]:
    """The campaigns for ``kiosk`` in a check-in's answer (:meth:`rating.campaign.Campaign.as_wire`): not
    stopped, not over, in a unit above it."""
    if kiosk.centre_id is None:
        return []
    above = [kiosk.centre_id]
    parent = Unit.objects.filter(id=kiosk.centre_id).values_list("parent_id", flat=True).first()
    if parent:
        above.append(parent)
    rows = Campaign.objects.filter(stopped_at__isnull=True, d_until__gte=today.isoformat(),
                                   units__unit_id__in=above).distinct().order_by("id")
    return [{"id": c.id, "questionnaire_id": c.questionnaire_id, "version": c.version,
             "definition_hash": c.definition_hash, "mode": c.mode, "from": c.d_from, "until": c.d_until} for c in rows]


def record_reports(kiosk_id: str, reports: list[dict], at: str) -> None:
    """Keep what ``kiosk_id`` reported of each campaign (ids the service does not hold are ignored)."""
    known = set(Campaign.objects.filter(id__in=[r["id"] for r in reports]).values_list("id", flat=True))
    for r in reports:
        if r["id"] in known:
            CampaignKiosk.objects.update_or_create(campaign_id=r["id"], kiosk_id=kiosk_id, defaults={
                "state": r["state"], "reason": (r.get("reason") or "")[:200], "at": at})


# --- the page's figures -----------------------------------------------------------------------------------

@dataclass
class UnitProgress:
    """A commune's (or lone centre's) line on the campaign page."""
    unit: Unit
    population: int | None           # N: households typed, or served transactions of the year before
    from_households: bool
    sample: int | None               # n = N / (1 + N·e²), rounded up; None without N
    by_channel: dict[str, int] = field(default_factory=dict)
    kiosks: list[tuple[str, str, str]] = field(default_factory=list)   # (kiosk, state, reason)
    centres: list[Unit] = field(default_factory=list)

    @property
    def responses(self) -> int:
        """Responses on every channel."""
        return sum(self.by_channel.values())

    @property
    def reached_pct(self) -> float | None:
        """Responses as a percentage of the sample (may pass 100)."""
        return None if not self.sample else 100.0 * self.responses / self.sample


def _centres(unit: Unit) -> list[Unit]:
    return [unit] if unit.kind == "centre" else list(Unit.objects.filter(parent=unit, kind="centre").order_by("name"))


def progress(campaign: Campaign, unit_ids: set[str] | None = None) -> list[UnitProgress]:
    """Each unit of ``campaign`` (those in ``unit_ids`` when given: an account's own): N, the sample, the
    responses per channel from the campaign's first day to its last, and each kiosk's report."""
    first = _d(campaign.d_from)
    out = []
    reports = {k.kiosk_id: (k.state, k.reason) for k in campaign.kiosks.all()}
    for cu in campaign.units.select_related("unit").order_by("unit__name"):
        unit = cu.unit
        centres = _centres(unit)
        if unit_ids is not None and unit.id not in unit_ids and not any(c.id in unit_ids for c in centres):
            continue
        if unit_ids is not None and unit.id not in unit_ids:
            centres = [c for c in centres if c.id in unit_ids]   # a centre account: its own centre only
        kiosks = sorted(Kiosk.objects.filter(centre__in=centres).values_list("id", flat=True))
        if cu.households:
            n, typed = cu.households, True
        else:
            served = ServedCount.objects.filter(kiosk_id__in=kiosks, local_date__gte=(first - timedelta(days=SERVED_YEAR))
                                                .isoformat(), local_date__lt=first.isoformat()).aggregate(s=Sum("served"))
            n, typed = served["s"], False
        row = UnitProgress(unit, n, typed, sipas_sample(n) if n else None, {ch: 0 for ch in CHANNELS},
                           [(k, *reports.get(k, ("", ""))) for k in kiosks], centres)
        counts = QResponse.objects.filter(questionnaire_id=campaign.questionnaire_id, version=campaign.version,
                                          centre_id__in=[c.id for c in centres], local_date__gte=campaign.d_from,
                                          local_date__lte=campaign.d_until).values("channel").annotate(n=Count("uuid"))
        by = {r["channel"]: r["n"] for r in counts}
        row.by_channel.update({ch: by.get(ch, 0) for ch in CHANNELS})
        out.append(row)
    return out


def questionnaire_of(campaign: Campaign) -> Questionnaire | None:
    """The campaign's questionnaire version, from the catalogue (None when its file has gone)."""
    try:
        return catalogue.catalogue().get(campaign.questionnaire_id, campaign.version)
    except KeyError:
        return None

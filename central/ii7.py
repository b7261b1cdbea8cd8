"""The II.7 report from the service's database: the shared report model (``rating.report``) over
:class:`central.source.Source` (its vote source contract: ``query()`` with ``?`` placeholders over
``votes`` and ``vote_reasons``, which the service's tables satisfy column for column)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rating.period import LOCAL_TZ
from rating.units import Counter

from central import access, counter_names, served
from central.models import Kiosk, Unit
from central.registry import DEMO_SECRET_PREFIX
from central.runtime import current
from central.source import Source


@dataclass
class Target:
    """What a report is for: a commune or a centre (a unit), or one kiosk."""
    unit: Unit | None
    kiosk: Kiosk | None

    @property
    def centre(self) -> Unit | None:
        """The centre the report is about (None for a commune with several)."""
        if self.kiosk is not None:
            return self.kiosk.centre
        return self.unit if self.unit.kind == "centre" else None

    @property
    def visible_as(self) -> Unit | None:
        """The unit whose visibility decides who may read it."""
        return self.kiosk.centre if self.kiosk is not None else self.unit


def resolve(unit_id: str) -> Target | None:
    """A commune or centre id, or a kiosk id."""
    unit = Unit.objects.filter(id=unit_id).exclude(kind="city").select_related("parent").first()
    if unit is not None:
        return Target(unit, None)
    kiosk = Kiosk.objects.filter(id=unit_id).select_related("centre__parent").first()
    return Target(None, kiosk) if kiosk is not None and kiosk.centre is not None else None


def allowed(user, target: Target) -> bool:
    """True when the account may see the target's unit."""
    ids = access.visible_unit_ids(user)
    return ids is None or (target.visible_as is not None and target.visible_as.id in ids)


_UNIT_WORDS = ("xã ", "phường ", "thị trấn ", "đặc khu ")


def place_name(unit_name: str) -> str:
    """The địa danh of a commune's date line: its name without the word for its kind ("Xã Ninh Giang" →
    "Ninh Giang"), as Vietnamese documents write "Ninh Giang, ngày … tháng … năm …"."""
    for word in _UNIT_WORDS:
        if unit_name.lower().startswith(word):
            return unit_name[len(word):].strip()
    return unit_name.strip()


def is_demo(kiosk_ids: list[str]) -> bool:
    """Whether these are the demo city's kiosks (``make central``): its reports are marked as test data
    on every page, as the kiosk's demo reports are."""
    return bool(kiosk_ids) and Kiosk.objects.filter(id__in=kiosk_ids, secret__startswith=DEMO_SECRET_PREFIX).exists()


def render_for(alias: str, target: Target, d_from: date, d_to: date, fmt: str, base_url: str = "") -> bytes:
    """Build the model for the target and period, issue it (its verification code, checked at
    ``base_url``/kiem-tra/<code>: :mod:`central.issued`), and render it."""
    from rating.report import render
    return render(build_for(alias, target, d_from, d_to, base_url), fmt)


def build_for(alias: str, target: Target, d_from: date, d_to: date, base_url: str = ""):
    """The issued model for the target and period (:func:`render_for` renders it; the evidence bundle
    renders one model twice), with the annex of "Việc cần khắc phục" of the period (issue 18)."""
    from rating.report import ReportSettings, ReportUnit, build_report
    kiosks = [target.kiosk.id] if target.kiosk is not None else access.kiosks_under(target.unit)
    source = Source(alias)
    counters = []
    if kiosks:
        # The names in force in the period, not today's (issue 17); a counter id shared by kiosks: the first's.
        seen = {}
        for (_, cid), name in sorted(counter_names.names_in_force(source, kiosks, d_from, d_to).items()):
            seen.setdefault(cid, name)
        counters = [Counter(c, n) for c, n in sorted(seen.items())]
    centre = target.centre
    commune = centre.parent if centre is not None else target.unit
    unit = ReportUnit(parent_unit=f"UBND {commune.name}".upper() if commune is not None else "",
                      unit=(centre.name if centre is not None else "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG").upper(),
                      centre=centre.name if centre is not None else (commune.name if commune else ""),
                      place=place_name(commune.name) if commune is not None else "")
    target_pct = (commune.target_pct if commune is not None else 90.0)
    if target.kiosk is not None:
        answers_of = {"kiosk_id": [target.kiosk.id]}   # one kiosk: its own answers only
    else:
        # A commune's or centre's questionnaire section takes every channel: the kiosks' answers and
        # the phone and paper responses filed under its centres (they have no kiosk).
        centres = [target.unit.id] if target.unit.kind == "centre" else \
            list(target.unit.children.values_list("id", flat=True))
        answers_of = {"centre_id": centres or [""]}
    model = build_report(source, unit=unit, d_from=d_from, d_to=d_to, scale="sipas5", counters=counters,
                         target_pct=target_pct, kiosk_ids=kiosks,
                         settings=ReportSettings(generated_at=datetime.fromtimestamp(current().clock(), LOCAL_TZ),
                                                 demo=is_demo(kiosks)),
                         questionnaire_filters=answers_of,
                         served=served.cells(source, kiosks, d_from, d_to))   # the response rate (issue 18)
    from central.anomalies import annex   # the commune's explanations of the period's findings (issue 18)
    model.anomaly_notes = annex(sorted({c for c in Kiosk.objects.filter(id__in=kiosks).values_list("centre_id", flat=True)
                                        if c}), d_from, d_to)
    from central.issued import issue
    issue(model, target.kiosk.id if target.kiosk is not None else target.unit.id, alias, base_url)
    from central.actions import annex as action_annex   # the items of "Việc cần khắc phục" and their actions
    model.actions = action_annex(source, kiosks, d_from, d_to, datetime.fromtimestamp(current().clock(), LOCAL_TZ).date())
    return model

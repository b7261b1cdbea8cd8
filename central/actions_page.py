"""What a commune's or centre's page shows of acting on low ratings (issue 18): the items of "Việc cần khắc
phục" with their steps, the plans' deadlines with the days left, and the evidence bundle's link. A commune
or centre account acts on its own; the city (and an administrator) reads."""

from __future__ import annotations

from datetime import date, datetime

from rating import vnformat
from rating.deadlines import reminders
from rating.period import LOCAL_TZ
from rating.workdays import DUE_WORKING_DAYS

from central import access, actions, texts
from central.models import Unit
from central.runtime import current
from central.source import Source


def may_act(user, unit: Unit) -> bool:
    """A commune or centre account, on a unit it may see (its own, or a centre of its commune)."""
    if access.role(user) not in ("commune", "centre"):
        return False
    ids = access.visible_unit_ids(user)
    return ids is not None and unit.id in ids


def today() -> date:
    """The service's day, in Hải Phòng's time."""
    return datetime.fromtimestamp(current().clock(), LOCAL_TZ).date()


def unit_context(user, unit: Unit, kiosks: list[str], d_from: date, d_to: date, lang: str) -> dict:
    """The template's ``actions`` block: the items (newest week first), whether this account may act,
    the deadlines and the bundle's years."""
    day = today()
    shown = []
    for it in actions.open_items(Source(current().alias), kiosks, d_from, d_to, day):
        shown.append({
            "key": it.key, "counter": it.counter_id, "counter_name": it.counter_name, "kiosk": it.kiosk_id,
            "week": actions.week_words(it), "low": vnformat.integer(it.low), "levels": actions.levels_words(it),
            "reasons": actions.reasons_words(it, lang), "when": actions.hours_words(it),
            "officers": ", ".join(f"{o} ({n})" if n > 1 else o for o, n in sorted(it.officers.items()) if o),
            "due": vnformat.day(it.due), "status": actions.status_words(it, day, lang), "overdue": it.overdue(day),
            "state": it.status, "action": it.state.action if it.state else ""})
    deadlines = [{"key": r.deadline.key, "what": r.deadline.vi if lang != "en" else r.deadline.en,
                  "due": vnformat.day(r.due), "soon": r.remind,
                  "left": texts.t("deadline_today", lang) if r.days_left == 0 else
                  texts.t("deadline_days_left", lang, days=r.days_left)} for r in reminders(day)]
    years = [y for y in (day.year, day.year - 1)]
    return {"action_items": shown, "may_act": may_act(user, unit),
            "actions_help": texts.t("actions_help", lang, days=DUE_WORKING_DAYS),
            "deadlines": deadlines if unit.kind in ("commune", "centre") else [],
            "bundle_years": [{"year": y, "words": texts.t("bundle_download", lang, year=y)} for y in years]
            if unit.kind in ("commune", "centre") else []}

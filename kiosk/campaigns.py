"""Campaigns on the kiosk (rating.campaign, protocol 1.5): the service's check-in answer lists the
campaigns for this kiosk; each is started with the kiosk's own ``questionnaire start`` logic
(:func:`kiosk.questionnaire.answers.start_questionnaire`, for every counter) and what became of it is
reported in the next check-ins.

A campaign is applied once: a manager who stops it on the kiosk has the last word there (it is reported
``stopped_here``, so the city sees it), and a campaign that changes on the service (a new last day, another
mode) is applied again only while the kiosk still runs it. A campaign the service no longer lists is
stopped when the kiosk still runs it as started for that campaign. What the kiosk applied is kept in the
store's sync bookkeeping (``sync_meta``), beside the rest of the sync state.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rating.campaign import BadCampaign, Campaign, parse_campaigns
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs

from . import outbox
from .config import Config
from .questionnaire.answers import DefinitionChanged, running_since, start_questionnaire, stop_if_started_at
from .store import VoteStore

log = logging.getLogger("kiosk.sync")

APPLIED_KEY = "campaigns_applied"   # {id: {"rev": [...], "started_at": ...}}: what this kiosk started
REPORTS_KEY = "campaigns_reports"   # the reports the next check-in carries; absent: the service sent none yet


def reports(store: VoteStore) -> list[dict[str, Any]] | None:
    """The campaign reports for the next check-in, or None when the service never sent campaigns (a
    service older than protocol 1.5 refuses a field it does not know)."""
    raw = outbox.get_meta(store, REPORTS_KEY)
    return json.loads(raw) if raw else None


def _rev(c: Campaign) -> list:
    return [c.questionnaire_id, c.version, c.mode, c.until.isoformat()]


def _running_as(store: VoteStore, started_at: str) -> bool:
    """True while the kiosk-wide questionnaire is still the one started at ``started_at``."""
    return running_since(store, started_at)


def apply(config: Config, store: VoteStore, delivered: Any) -> tuple[list[dict[str, Any]], bool]:
    """Apply the ``campaigns`` of a check-in's answer; return the reports and whether they changed since
    the last check-in (then the kiosk checks in again at once, so the service learns it now).

    A malformed list changes nothing on the kiosk and is reported as :class:`rating.campaign.BadCampaign`."""
    campaigns = parse_campaigns(delivered)
    today = store.today()
    applied: dict[str, dict] = json.loads(outbox.get_meta(store, APPLIED_KEY) or "{}")
    catalogue = None
    out: list[dict[str, Any]] = []
    for c in sorted(campaigns, key=lambda c: c.id):
        key, state = str(c.id), c.state_on(today)
        mine = applied.get(key)
        if state != "running":
            out.append({"id": c.id, "state": state})
            continue
        if mine is not None:
            still = _running_as(store, mine["started_at"])
            if still and mine["rev"] == _rev(c):
                out.append({"id": c.id, "state": "running"})
                continue
            if not still:
                out.append({"id": c.id, "state": "stopped_here",
                            "reason": "stopped or replaced on the kiosk since it was started"})
                continue
        if catalogue is None:
            catalogue = load_catalogue(questionnaire_dirs(config))
        try:
            q = catalogue.get(c.questionnaire_id, c.version)
            if q.definition_hash != c.definition_hash:
                raise ValueError(f"this kiosk's {q.id} v{q.version} differs from the service's (another file "
                                 "under the same version)")
            active = start_questionnaire(store, q, None, c.until, c.mode)
        except (KeyError, ValueError, DefinitionChanged) as e:
            reason = str(e.args[0] if isinstance(e, KeyError) else e)[:200]
            log.warning("campaign %s (%s v%s) not started: %s", c.id, c.questionnaire_id, c.version, reason)
            out.append({"id": c.id, "state": "refused", "reason": reason})
            continue
        applied[key] = {"rev": _rev(c), "started_at": active.started_at}
        log.info("campaign %s: %s v%s on every counter until %s (%s)", c.id, q.id, q.version, c.until, c.mode)
        out.append({"id": c.id, "state": "running"})
    listed = {str(c.id) for c in campaigns}
    for key in [k for k in applied if k not in listed]:
        # Withdrawn on the service: stop it, unless the kiosk has since started something else.
        started = applied.pop(key)["started_at"]
        stop_if_started_at(store, started)
        log.info("campaign %s withdrawn by the service", key)
    before = reports(store)
    outbox.set_meta(store, {APPLIED_KEY: json.dumps(applied), REPORTS_KEY: json.dumps(out)})
    return out, out != before


__all__ = ["BadCampaign", "apply", "reports"]

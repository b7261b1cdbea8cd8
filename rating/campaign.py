"""Campaigns (issue 17): a questionnaire the city (or a commune's office) starts on every kiosk of the
units it picks, with a mode and dates — the shape both ends read, and the SIPAS sample it is measured by.

The check-in's answer (protocol 1.5) carries the campaigns that concern the kiosk::

    "campaigns": [{"id": 7, "questionnaire_id": "trung-tam", "version": 1, "definition_hash": "…",
                   "mode": "invite", "from": "2026-10-01", "until": "2026-12-31"}]

(a service older than 1.5 sends no ``campaigns`` key; an empty list means none). The kiosk starts each
with its own ``questionnaire start`` logic and reports, in its next check-ins, what became of each::

    "campaigns": [{"id": 7, "state": "running"}, {"id": 8, "state": "refused", "reason": "…"}]

The sample the SIPAS method asks for is Yamane's ``n = N / (1 + N·e²)`` with ``e`` = 5 %, rounded up,
``N`` the centre's transactions (or households) over the year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from rating.questionnaire.model import CHANNELS  # noqa: F401  (kiosk, phone, paper: the campaign page's columns)

MODES = ("invite", "replace")        # invite after the rating, or replace the single rating (the kiosk's own)
MARGIN = 0.05                        # e: the SIPAS method's margin of error
STATES = ("running", "waiting", "ended", "stopped_here", "refused")
MAX_CAMPAIGNS = 20                   # in one answer or one check-in: a kiosk runs one at a time
MAX_REASON = 200


class BadCampaign(ValueError):
    """A campaign (or a kiosk's report of one) that does not have the documented shape; names the field."""


def sipas_sample(population: int, margin: float = MARGIN) -> int:
    """The responses the SIPAS method asks for from a population of ``population`` transactions or
    households: ``N / (1 + N·e²)``, rounded up (a part of a citizen is a whole one); 0 for none."""
    if population <= 0:
        return 0
    return math.ceil(population / (1 + population * margin * margin) - 1e-9)


@dataclass(frozen=True)
class Campaign:
    """A campaign as a kiosk receives it."""
    id: int
    questionnaire_id: str
    version: int
    definition_hash: str
    mode: str
    first: date
    until: date

    def as_wire(self) -> dict[str, Any]:
        """The campaign in a check-in's answer."""
        return {"id": self.id, "questionnaire_id": self.questionnaire_id, "version": self.version,
                "definition_hash": self.definition_hash, "mode": self.mode, "from": self.first.isoformat(),
                "until": self.until.isoformat()}

    def state_on(self, today: date) -> str:
        """``waiting`` before its first day, ``ended`` after its last, else ``running`` (if the kiosk runs it)."""
        return "waiting" if today < self.first else "ended" if today > self.until else "running"


def _day(item: dict, key: str, where: str) -> date:
    value = item.get(key)
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadCampaign(f"{where}: {key!r} must be a day as YYYY-MM-DD, got {str(value)[:20]!r}")


def _int(item: dict, key: str, where: str) -> int:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2 ** 31:
        raise BadCampaign(f"{where}: {key!r} must be a whole number above 0")
    return value


def _text(item: dict, key: str, where: str, limit: int = 64) -> str:
    value = item.get(key)
    if not (isinstance(value, str) and 0 < len(value) <= limit and value.isprintable()):
        raise BadCampaign(f"{where}: {key!r} must be text of 1 to {limit} characters")
    return value


def parse_campaigns(value: Any) -> list[Campaign]:
    """The ``campaigns`` of a check-in's answer; raise :class:`BadCampaign` naming the field."""
    if not isinstance(value, list) or len(value) > MAX_CAMPAIGNS:
        raise BadCampaign(f"'campaigns' must be a list of at most {MAX_CAMPAIGNS}")
    out = []
    for i, item in enumerate(value):
        where = f"campaigns[{i}]"
        if not isinstance(item, dict):
            raise BadCampaign(f"{where} must be an object")
        mode = item.get("mode")
        if mode not in MODES:
            raise BadCampaign(f"{where}: 'mode' must be one of {', '.join(MODES)}")
        c = Campaign(_int(item, "id", where), _text(item, "questionnaire_id", where), _int(item, "version", where),
                     _text(item, "definition_hash", where), mode, _day(item, "from", where), _day(item, "until", where))
        if c.until < c.first:
            raise BadCampaign(f"{where}: 'until' {c.until} is before 'from' {c.first}")
        out.append(c)
    return out


def parse_reports(value: Any) -> list[dict[str, Any]]:
    """The ``campaigns`` a kiosk reports in a check-in: ``[{"id", "state", "reason"?}]``; raise
    :class:`BadCampaign` naming the field."""
    if not isinstance(value, list) or len(value) > MAX_CAMPAIGNS:
        raise BadCampaign(f"'campaigns' must be a list of at most {MAX_CAMPAIGNS}")
    out = []
    for i, item in enumerate(value):
        where = f"campaigns[{i}]"
        if not isinstance(item, dict) or set(item) - {"id", "state", "reason"}:
            raise BadCampaign(f"{where} must be an object of 'id', 'state' and 'reason'")
        if item.get("state") not in STATES:
            raise BadCampaign(f"{where}: 'state' must be one of {', '.join(STATES)}")
        report = {"id": _int(item, "id", where), "state": item["state"]}
        if item.get("reason") is not None:
            reason = item["reason"]
            if not isinstance(reason, str) or len(reason) > MAX_REASON:
                raise BadCampaign(f"{where}: 'reason' must be text of at most {MAX_REASON} characters")
            report["reason"] = reason
        out.append(report)
    return out

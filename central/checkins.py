"""Check-ins (rating.checkin): keep each kiosk's latest, and say whether newer settings wait for it.

One row per kiosk, replaced by each check-in (an upsert: a hundred kiosks every five minutes is a few
small writes a second). The kiosk-health page and the alerts read it (:mod:`central.dashboard`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connections

from rating import checkin
from rating.period import LOCAL_TZ
from central import campaigns
from central.models import Kiosk


def settings_waiting(kiosk: Kiosk, running: str) -> dict[str, Any] | None:
    """The managed settings that wait for ``kiosk`` when it runs ``running``: the effective fragment and
    its version (:func:`central.managed_settings.waiting`), or None."""
    from central.managed_settings import waiting
    return waiting(kiosk, running)


def record(alias: str, kiosk: Kiosk, c: checkin.Checkin, now: datetime) -> dict[str, Any]:
    """Store ``kiosk``'s check-in as its latest; return the answer."""
    received = now.isoformat(timespec="seconds")
    with connections[alias].cursor() as cur:
        cur.execute("INSERT INTO kiosk_checkins (kiosk_id, at, status, settings_version, opening_hours, timezone, "
                    "settings_rejected) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (kiosk_id) DO UPDATE SET "
                    "at = excluded.at, status = excluded.status, settings_version = excluded.settings_version, "
                    "opening_hours = excluded.opening_hours, timezone = excluded.timezone, "
                    "settings_rejected = excluded.settings_rejected",
                    [kiosk.id, received, json.dumps(c.status, ensure_ascii=False), c.settings_version,
                     json.dumps(c.opening_hours, ensure_ascii=False), c.timezone,
                     json.dumps(c.settings_rejected, ensure_ascii=False) if c.settings_rejected else None])
    # Campaigns (protocol 1.5): what the kiosk reports of them, and those for it in the answer.
    if c.campaigns:
        campaigns.record_reports(kiosk.id, c.campaigns, received)
    return checkin.answer(kiosk.id, received, settings_waiting(kiosk, c.settings_version),
                          campaigns.for_kiosk(kiosk, now.astimezone(LOCAL_TZ).date()))

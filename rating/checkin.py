"""Check-ins: beside the nightly batch, a kiosk says every few minutes, while its centre is open, that it
is alive and how it is — so the city learns of a dead kiosk in half an hour, not after two nights.

``POST /v1/checkins``, signed exactly as a batch (:mod:`rating.signing`), small::

    {"kiosk_id": "ninh-giang-01",
     "status": {...},                      # the batch's status, the same fields (rating.wire.STATUS_FIELDS)
     "settings_version": "0",              # the version of the managed settings the kiosk runs ("0": none)
     "opening_hours": ["Mon-Fri 07:30-11:30 13:30-17:00"],   # its [kiosk] opening_hours ([]: always open)
     "timezone": "Asia/Ho_Chi_Minh",
     "campaigns": [{"id": 7, "state": "running"}]}   # protocol 1.5, optional: what became of each campaign

The answer (``200``)::

    {"kiosk_id": "ninh-giang-01", "received_at": "2026-11-23T02:15:00+00:00",
     "settings": null,                     # null: nothing newer waits; else {"version": "7", "settings": {…}}
     "campaigns": [...]}                   # protocol 1.5: the campaigns for this kiosk (rating.campaign)

Both ends read this module; the status is the batch's own (one definition: :func:`rating.wire.check_status`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rating.campaign import BadCampaign, parse_reports
from rating.hours import HoursError, OpeningHours, parse_hours
from rating.wire import BadBatch, KIOSK_ID_RE, check_status, decode_json

CHECKIN_PATH = "/v1/checkins"
CHECKIN_EVERY_S = 300                   # the default of [sync] checkin_every_s: every five minutes while open
SILENT_AFTER = timedelta(minutes=30)    # of opening hours without a check-in: the service alerts
MAX_CHECKIN_BYTES = 16 * 1024           # a check-in is ~1 kB; nothing rides along (votes go in batches)
NO_SETTINGS = "0"                       # the settings version of a kiosk that runs no managed settings
# settings_rejected: sent only while the kiosk refuses a version (so a service that predates it never sees it);
# campaigns (protocol 1.5): sent only to a service that has sent the kiosk campaigns (an older one refuses it).
FIELDS = ("kiosk_id", "status", "settings_version", "opening_hours", "timezone", "settings_rejected", "campaigns")
MAX_REASON = 500


def encode_checkin(kiosk_id: str, status: dict[str, Any], settings_version: str, hours: OpeningHours,
                   timezone: str, rejected: dict[str, str] | None = None,
                   campaigns: list[dict[str, Any]] | None = None) -> bytes:
    """The body of a check-in; ``rejected`` (``{"version", "reason"}``) is a version of the managed
    settings this kiosk could not apply, and why; ``campaigns`` the kiosk's reports of its campaigns
    (protocol 1.5), only when given."""
    body = {"kiosk_id": kiosk_id, "status": status, "settings_version": settings_version,
            "opening_hours": hours.lines(), "timezone": timezone}
    if rejected:
        body["settings_rejected"] = {"version": rejected["version"], "reason": rejected["reason"][:MAX_REASON]}
    if campaigns is not None:
        body["campaigns"] = campaigns
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Checkin:
    """A checked check-in."""
    status: dict[str, Any]
    settings_version: str
    opening_hours: list[str]
    timezone: str
    settings_rejected: dict[str, str] | None = None   # {"version", "reason"}: a version the kiosk refused
    campaigns: list[dict[str, Any]] | None = None   # the kiosk's reports (protocol 1.5); None: it sent none

    @property
    def hours(self) -> OpeningHours:
        """The kiosk's opening hours."""
        return parse_hours(self.opening_hours)


def parse_checkin(body: bytes, kiosk_id: str) -> Checkin:
    """Decode and check a check-in from ``kiosk_id``; raise :class:`rating.wire.BadBatch` naming the field."""
    data = decode_json(body)
    if not isinstance(data, dict):
        raise BadBatch("a check-in must be a JSON object")
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise BadBatch(f"unknown field(s) {', '.join(repr(k)[:40] for k in unknown[:5])} (known: {', '.join(FIELDS)})")
    if data.get("kiosk_id") != kiosk_id:
        raise BadBatch(f"'kiosk_id' must be the signing kiosk {kiosk_id!r}")
    status = check_status(data.get("status")) or {}
    version = data.get("settings_version", NO_SETTINGS)
    if not _version_ok(version):
        raise BadBatch("'settings_version' must be a version of 1 to 64 characters (\"0\": none)")
    lines = data.get("opening_hours") or []
    if not (isinstance(lines, list) and len(lines) <= 14 and all(isinstance(x, str) and len(x) <= 120 for x in lines)):
        raise BadBatch("'opening_hours' must be a list of at most 14 lines such as \"Mon-Fri 07:30-17:00\"")
    try:
        parse_hours(lines)
    except HoursError as e:
        raise BadBatch(f"'opening_hours': {e}") from None
    tz = data.get("timezone")
    if not isinstance(tz, str) or not _zone_ok(tz):
        raise BadBatch("'timezone' must be an IANA time zone name such as \"Asia/Ho_Chi_Minh\"")
    rejected = data.get("settings_rejected")
    if rejected is not None and not (isinstance(rejected, dict) and set(rejected) == {"version", "reason"}
                                     and _version_ok(rejected["version"]) and isinstance(rejected["reason"], str)
                                     and 0 < len(rejected["reason"]) <= MAX_REASON):
        raise BadBatch("'settings_rejected' must be null or {\"version\": …, \"reason\": at most "
                       f"{MAX_REASON} characters}}")
    reports = None
    if data.get("campaigns") is not None:
        try:
            reports = parse_reports(data["campaigns"])
        except BadCampaign as e:
            raise BadBatch(str(e)) from None
    return Checkin(status, version, lines, tz, rejected, reports)


def _version_ok(version: object) -> bool:
    return isinstance(version, str) and 0 < len(version) <= 64 and version.isprintable()


def _zone_ok(name: str) -> bool:
    # A plain name first: ZoneInfo reads a file named by it, so no '..' or odd characters reach it.
    if not (0 < len(name) <= 64 and KIOSK_ID_RE.match(name.replace("/", "-").replace("+", "-"))):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def answer(kiosk_id: str, received_at: str, settings: dict[str, Any] | None = None,
           campaigns: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The answer to a check-in: ``settings`` is None when no newer managed settings wait for the kiosk,
    else :func:`offer`'s ``{"version": …, "settings": {…}}``; ``campaigns`` (protocol 1.5) the campaigns for
    it, as :meth:`rating.campaign.Campaign.as_wire` (left out when None, as a service before 1.5 answered)."""
    out = {"kiosk_id": kiosk_id, "received_at": received_at, "settings": settings}
    if campaigns is not None:
        out["campaigns"] = campaigns
    return out


def offer(version: str, fragment: dict[str, Any]) -> dict[str, Any]:
    """The check-in answer's ``settings``: the version and the whole effective fragment (the kiosk TOML's
    own sections and keys; rating.managed)."""
    return {"version": version, "settings": fragment}


def parse_offer(value: Any) -> tuple[str, dict[str, Any]] | None:
    """``(version, fragment)`` from an answer's ``settings``, or None (nothing waits, or not readable)."""
    if not isinstance(value, dict) or not _version_ok(value.get("version")) or not isinstance(value.get("settings"), dict):
        return None
    return value["version"], value["settings"]

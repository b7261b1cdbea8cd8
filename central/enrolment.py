"""Enrolment codes: issue one for a kiosk, redeem it once for the kiosk's id and secret (rating.enrolment).

Only the code's hash is stored; a code is valid :data:`rating.enrolment.CODE_VALID` and used once.
Redeeming registers the kiosk under the code's centre (or, for a kiosk registered already — a device
replaced — gives it a new secret as a rotation does, the old one kept for the overlap). Wrong codes are
throttled per client address as logins are, and every attempt is an audit line (never the code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from rating import enrolment
from rating.problems import Problem, Refused
from rating.wire import KIOSK_ID_RE
from central import registry
from central.models import AuditEntry, EnrolmentCode, Kiosk, Unit
from central.runtime import current
from central.throttle import login_wait

THROTTLE_WINDOW = timedelta(minutes=15)
FREE_WRONG_CODES = 5             # wrong codes from one address before any wait
MAX_WRONG_CODES_ALL = 200        # across every address in the window: many addresses guessing together


class EnrolmentRefusal(ValueError):
    """A code that cannot be issued, and why (for the page and the command line)."""


def centre_for_unit(unit_id: str) -> Unit:
    """The centre a new kiosk goes under: a centre by its id, or a commune that has exactly one centre."""
    unit = Unit.objects.filter(id=unit_id).first()
    if unit is None:
        raise EnrolmentRefusal(f"no commune or centre {unit_id!r} (the ids are on the registry page)")
    if unit.kind == "centre":
        return unit
    centres = list(Unit.objects.filter(parent=unit, kind="centre").order_by("id"))
    if unit.kind == "commune" and len(centres) == 1:
        return centres[0]
    named = ", ".join(c.id for c in centres) or "none yet"
    raise EnrolmentRefusal(f"{unit_id!r} is a {unit.kind}: give the centre the kiosk stands in (its centres: {named})")


def issue(kiosk_id: str, centre: Unit, now: datetime, by: str = "") -> str:
    """A new code for ``kiosk_id`` under ``centre``, valid from ``now``; returned once, stored hashed.
    Earlier unused codes for the same kiosk stop working (one code in circulation per kiosk)."""
    if not KIOSK_ID_RE.match(kiosk_id or ""):
        raise EnrolmentRefusal(f"kiosk id {kiosk_id!r} must be ASCII letters, digits, '.', '_' or '-' "
                               "(it travels in an HTTP header)")
    held = Kiosk.objects.filter(id=kiosk_id).first()
    if held is not None and held.retired_at is not None:
        raise EnrolmentRefusal(f"kiosk {kiosk_id!r} is retired; enrol the new device under a new id")
    if held is not None and held.centre_id not in (None, centre.id):
        raise EnrolmentRefusal(f"kiosk {kiosk_id!r} is registered under {held.centre_id!r}, not {centre.id!r}")
    code = enrolment.new_code()
    with transaction.atomic(using=current().alias):
        EnrolmentCode.objects.filter(kiosk_id=kiosk_id, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        EnrolmentCode.objects.create(code_hash=enrolment.code_hash(code), kiosk_id=kiosk_id, centre=centre,
                                     created_at=now, expires_at=now + enrolment.CODE_VALID, created_by=by[:150])
    return code


def pending(now: datetime) -> list[EnrolmentCode]:
    """The codes that still work (for the registry page)."""
    return list(EnrolmentCode.objects.filter(used_at__isnull=True, expires_at__gt=now)
                .select_related("centre").order_by("expires_at"))


@dataclass(frozen=True)
class Enrolled:
    """A redeemed code: the kiosk, its centre's name and its secret (shown to the device once)."""
    kiosk: Kiosk
    centre: str
    secret: str

    def __repr__(self) -> str:
        return f"Enrolled(kiosk={self.kiosk.id!r}, secret='***')"


def throttle_wait(address: str, now: datetime) -> timedelta:
    """How long ``address`` must wait before trying another code (nothing for the first few wrong ones;
    then the wait doubles, as logins do, up to the window)."""
    since = now - THROTTLE_WINDOW
    failed = AuditEntry.objects.filter(action="enrol_failed", at__gte=since)
    mine = list(failed.filter(remote=address).order_by("at").values_list("at", flat=True))
    wait = login_wait(mine, now) if len(mine) >= FREE_WRONG_CODES else timedelta(0)
    if failed.count() >= MAX_WRONG_CODES_ALL:
        wait = max(wait, timedelta(minutes=1))
    return wait


def redeem(request: enrolment.Request, address: str, now: datetime, wall: datetime) -> Enrolled:
    """Use a code once; raise :class:`Refused` with the catalogue's entry for a wrong, used or expired code.
    ``now`` is the service's clock (expiry); ``wall`` the audit log's (the throttle counts its lines)."""
    wait = throttle_wait(address, wall)
    if wait > timedelta(0):
        _audit("enrol_throttled", "", address)
        seconds = max(1, int(wait.total_seconds() + 0.999))
        raise Refused(Problem.ENROLMENT_THROTTLED, {"Retry-After": str(seconds)}, wait_s=seconds)
    try:
        with transaction.atomic(using=current().alias):
            kiosk, row, secret = _use(request, address, now)
    except _Refusal as r:   # audited after the rollback, so that the line stays (the throttle counts it)
        _audit(r.action, r.detail, address)
        raise r.refused from None
    _audit("enrol", f"{kiosk.id} ({row.centre.name}) software {request.software_version or '?'}", address)
    return Enrolled(kiosk, row.centre.name, secret)


class _Refusal(Exception):
    """A refused code inside the transaction: its audit line and the answer."""

    def __init__(self, action: str, detail: str, refused: Refused):
        super().__init__(detail)
        self.action, self.detail, self.refused = action, detail, refused


def _use(request: enrolment.Request, address: str, now: datetime) -> tuple[Kiosk, EnrolmentCode, str]:
    """Inside one transaction: find the code (locked), check it, register or rotate its kiosk, mark it used."""
    hours = int(enrolment.CODE_VALID.total_seconds() // 3600)
    row = EnrolmentCode.objects.select_for_update().filter(code_hash=enrolment.code_hash(request.code)).first()
    if row is None:
        raise _Refusal("enrol_failed", "unknown code", Refused(Problem.ENROLMENT_CODE_UNKNOWN))
    if row.used_at is not None:
        raise _Refusal("enrol_failed", f"{row.kiosk_id}: code used already",
                       Refused(Problem.ENROLMENT_CODE_USED, used_at=_shown(row.used_at)))
    if row.expires_at <= now:
        raise _Refusal("enrol_failed", f"{row.kiosk_id}: code expired",
                       Refused(Problem.ENROLMENT_CODE_EXPIRED, expired_at=_shown(row.expires_at), hours=hours))
    if request.kiosk_id is not None and request.kiosk_id != row.kiosk_id:
        # The device already runs as another kiosk: say so and keep the code (enrol --force replaces it).
        raise _Refusal("enrol_refused", f"{row.kiosk_id}: device configured as {request.kiosk_id}",
                       Refused(Problem.ENROLMENT_OTHER_KIOSK, kiosk_id=row.kiosk_id, configured=request.kiosk_id))
    kiosk = Kiosk.objects.select_for_update().filter(id=row.kiosk_id).first()
    if kiosk is not None and kiosk.retired_at is not None:   # retired after the code was made
        raise _Refusal("enrol_failed", f"{row.kiosk_id}: retired",
                       Refused(Problem.ENROLMENT_CODE_EXPIRED, expired_at=_shown(kiosk.retired_at), hours=hours))
    if kiosk is None:
        secret = registry.register(row.kiosk_id, row.centre)
        kiosk = Kiosk.objects.get(id=row.kiosk_id)
    else:
        secret = registry.rotate(kiosk, now)
    row.used_at, row.used_from = now, address[:64]
    row.save(update_fields=["used_at", "used_from"])
    return kiosk, row, secret


def _audit(action: str, detail: str, address: str) -> None:
    AuditEntry.objects.create(username="", action=action, detail=detail[:500], remote=address[:64])


def _shown(at: datetime) -> str:
    """A moment as the centre reads it (Hải Phòng's time)."""
    from central.texts import local_time
    return local_time(at.isoformat()) or at.isoformat()

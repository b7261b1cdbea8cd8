"""Who may see what: admin and city see every unit; a commune account sees its commune, its centres
and their kiosks; a centre account sees its centre and its kiosks. Every page and download asks here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from central.models import Kiosk, Unit


def role(user) -> str | None:
    """The account's role (None for a user without a profile: no access)."""
    profile = getattr(user, "central", None) if user.is_authenticated else None
    return profile.role if profile else None


def visible_unit_ids(user) -> set[str] | None:
    """Unit ids the user may see; None means every unit."""
    r = role(user)
    if r in ("admin", "city"):
        return None
    if r is None:
        return set()
    unit = user.central.unit
    if unit is None:
        return set()
    ids = {unit.id}
    if unit.kind == "commune":
        ids |= set(Unit.objects.filter(parent=unit).values_list("id", flat=True))
    return ids


def check_unit(user, unit: Unit) -> None:
    """Raise PermissionDenied unless the user may see ``unit``."""
    ids = visible_unit_ids(user)
    if ids is not None and unit.id not in ids:
        raise PermissionDenied


def visible_kiosks(user) -> list[str]:
    """Kiosk ids the user may see."""
    ids = visible_unit_ids(user)
    qs = Kiosk.objects.all() if ids is None else Kiosk.objects.filter(centre_id__in=ids)
    return sorted(qs.values_list("id", flat=True))


def kiosks_under(unit: Unit) -> list[str]:
    """Kiosk ids below a unit (a kiosk id given as the unit: itself)."""
    if unit.kind == "city":
        return sorted(Kiosk.objects.values_list("id", flat=True))
    centres = [unit.id] if unit.kind == "centre" else list(unit.children.values_list("id", flat=True))
    return sorted(Kiosk.objects.filter(centre_id__in=centres).values_list("id", flat=True))


def is_admin(user) -> bool:
    """True for an admin account."""
    return role(user) == "admin"

"""Managed settings on the service (issue 17): per commune or centre (defaults) and per kiosk (overrides).

Every change is a new :class:`central.models.SettingsChange` row (the newest of a level is in force, the
rest is its history) and an audit line saying who changed which keys. A fragment is checked with the
kiosk's own rules (:func:`rating.managed.check_fragment`) before it is kept.

A kiosk's effective settings are its commune's, then its centre's, then its own, key by key (the later
wins; ``[[counters]]`` as a whole), and its version is the newest change among those three levels: it
changes whenever one of them does, and only then. The check-in's answer offers it (:func:`waiting`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from rating import checkin
from rating.managed import MAX_FRAGMENT_BYTES, check_fragment, effective, managed_keys
from central.models import AuditEntry, Kiosk, SettingsChange, Unit
from central.runtime import current

UNIT, KIOSK = "unit", "kiosk"


class SettingsRefusal(ValueError):
    """A fragment or a target that cannot be kept; the message names the key (or the id) and why."""


@dataclass(frozen=True)
class Target:
    """What a fragment is for: a commune or a centre (``unit``), or a kiosk."""
    level: str
    id: str
    name: str
    commune_id: str | None   # whose commune account may edit it

    @property
    def label(self) -> str:
        """How the pages and the audit log name it."""
        return f"{self.level} {self.id}"


def target_for_unit(unit_id: str) -> Target:
    """A commune or a centre by its id; :class:`SettingsRefusal` otherwise."""
    unit = Unit.objects.filter(id=unit_id).select_related("parent").first()
    if unit is None:
        raise SettingsRefusal(f"no commune or centre {unit_id!r} (the ids are on the service's pages)")
    if unit.kind not in ("commune", "centre"):
        raise SettingsRefusal(f"{unit_id!r} is a {unit.kind}: settings are kept per commune, centre or kiosk")
    commune = unit.id if unit.kind == "commune" else unit.parent_id
    return Target(UNIT, unit.id, unit.name, commune)


def target_for_kiosk(kiosk_id: str) -> Target:
    """A kiosk by its id; :class:`SettingsRefusal` otherwise."""
    kiosk = Kiosk.objects.filter(id=kiosk_id).select_related("centre").first()
    if kiosk is None:
        raise SettingsRefusal(f"no kiosk {kiosk_id!r} (the ids are on the registry page)")
    commune = kiosk.centre.parent_id if kiosk.centre else None
    return Target(KIOSK, kiosk.id, kiosk.id, commune)


def parse_toml(text: str, where: str = "the settings") -> dict[str, Any]:
    """A fragment written as TOML; :class:`SettingsRefusal` naming what is wrong."""
    if len(text.encode("utf-8")) > MAX_FRAGMENT_BYTES:
        raise SettingsRefusal(f"{where}: more than {MAX_FRAGMENT_BYTES // 1024} kB")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SettingsRefusal(f"{where}: not valid TOML: {e}") from None
    except RecursionError:
        raise SettingsRefusal(f"{where}: nested too deeply") from None


def in_force(target: Target) -> tuple[dict[str, Any], SettingsChange | None]:
    """The fragment in force for ``target`` and the change that set it (``({}, None)``: none yet)."""
    row = SettingsChange.objects.filter(level=target.level, target=target.id).order_by("-id").first()
    return (dict(row.fragment or {}), row) if row else ({}, None)


def history(target: Target, limit: int = 50) -> list[SettingsChange]:
    """The changes of ``target``, newest first."""
    return list(SettingsChange.objects.filter(level=target.level, target=target.id).order_by("-id")[:limit])


def save(target: Target, fragment: Any, by: str, remote: str, now: datetime) -> SettingsChange:
    """Keep ``fragment`` as ``target``'s settings (a new version) and write who changed which keys in the
    audit log; :class:`SettingsRefusal` with every problem, one per key, when the kiosk could not apply it."""
    if problems := check_fragment(fragment):
        raise SettingsRefusal("; ".join(problems))
    with transaction.atomic(using=current().alias):
        before, _row = in_force(target)
        row = SettingsChange.objects.create(level=target.level, target=target.id, fragment=fragment, at=now,
                                            by=by[:150])
        AuditEntry.objects.create(username=by[:150], action="settings_set", remote=remote[:64],
                                  detail=f"{target.label} version {row.id}: {describe_change(before, fragment)}"[:500])
    return row


def describe_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Which keys a change added, changed and removed (``counters changed; kiosk.question added``)."""
    old, new = _flat(before), _flat(after)
    parts = [f"{k} added" for k in sorted(new.keys() - old.keys())]
    parts += [f"{k} changed" for k in sorted(new.keys() & old.keys()) if new[k] != old[k]]
    parts += [f"{k} removed" for k in sorted(old.keys() - new.keys())]
    return "; ".join(parts) or "no change"


def _flat(fragment: dict[str, Any]) -> dict[str, Any]:
    return {k: (fragment[k.split(".")[0]][k.split(".", 1)[1]] if "." in k else fragment[k])
            for k in managed_keys(fragment)}


@dataclass(frozen=True)
class Effective:
    """A kiosk's effective settings and their version."""
    version: str
    fragment: dict[str, Any]


def effective_for(kiosk: Kiosk) -> Effective | None:
    """Commune defaults, then centre, then the kiosk's overrides (key by key); None when none of the
    three has ever had settings."""
    levels = []
    centre = kiosk.centre
    if centre is not None and centre.parent_id:
        levels.append((UNIT, centre.parent_id))
    if centre is not None:
        levels.append((UNIT, centre.id))
    levels.append((KIOSK, kiosk.id))
    rows = []
    for level, target in levels:
        row = SettingsChange.objects.filter(level=level, target=target).order_by("-id").first()
        if row is not None:
            rows.append(row)
    if not rows:
        return None
    return Effective(str(max(r.id for r in rows)), effective(*(r.fragment for r in rows)))


def waiting(kiosk: Kiosk, running: str) -> dict[str, Any] | None:
    """The check-in answer's ``settings``: the effective fragment and its version when it is not the one
    the kiosk runs, else None."""
    eff = effective_for(kiosk)
    if eff is None or eff.version == running:
        return None
    return checkin.offer(eff.version, eff.fragment)


def newest_version() -> int:
    """The newest change's number (0: none): for a quick look on the health page."""
    return SettingsChange.objects.aggregate(n=Max("id"))["n"] or 0

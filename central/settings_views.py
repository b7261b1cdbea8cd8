"""The managed settings' pages (issue 17): ``/settings/`` lists what the account may see, and
``/settings/unit/ID/`` or ``/settings/kiosk/ID/`` shows one level's settings (the kiosk TOML's own sections
and keys, edited as TOML), checked with the kiosk's own rules before they are kept, with the history and,
for a kiosk, its effective settings, the version it runs and any version it refused.

Who may change what: admin and city accounts every level; a commune account its commune, its centres and
their kiosks; a centre account only reads its own.
"""

from __future__ import annotations

from datetime import datetime, timezone

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect

from central import access, managed_settings as ms
from central.models import Kiosk, KioskCheckin, Unit
from central.remote import client_address
from central.runtime import current
from central.texts import local_time
from central.views import page
from rating.toml_text import to_toml


def can_edit(user, target: ms.Target) -> bool:
    """Admin and city: everything; a commune account: its commune's levels; nobody else."""
    r = access.role(user)
    if r in ("admin", "city"):
        return True
    return r == "commune" and target.commune_id is not None and target.commune_id == user.central.unit_id


def can_see(user, target: ms.Target) -> bool:
    """What :mod:`central.access` lets the account see."""
    ids = access.visible_unit_ids(user)
    if ids is None:
        return True
    if target.level == ms.UNIT:
        return target.id in ids
    return target.id in access.visible_kiosks(user)


@login_required
def settings_list(request):
    """The communes, centres and kiosks whose settings the account may see."""
    if access.role(request.user) is None:
        raise PermissionDenied
    ids = access.visible_unit_ids(request.user)
    units = Unit.objects.filter(kind__in=("commune", "centre")).order_by("kind", "name")
    if ids is not None:
        units = units.filter(id__in=ids)
    kiosks = Kiosk.objects.filter(id__in=access.visible_kiosks(request.user), retired_at__isnull=True).order_by("id")
    return page(request, "central/settings_list.html", units=units, kiosks=kiosks)


@login_required
def settings_page(request, level: str, target_id: str):
    """One level's settings: shown, and (POST, for an account that may) replaced by the TOML typed."""
    try:
        target = ms.target_for_unit(target_id) if level == ms.UNIT else \
            ms.target_for_kiosk(target_id) if level == ms.KIOSK else None
    except ms.SettingsRefusal:
        target = None
    if target is None:
        raise Http404
    if not can_see(request.user, target):
        raise PermissionDenied
    editable = can_edit(request.user, target)
    fragment, _row = ms.in_force(target)
    text, problems, saved = to_toml(fragment), [], None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        text = (request.POST.get("settings") or "").replace("\r\n", "\n")
        now = datetime.fromtimestamp(current().clock(), timezone.utc)
        try:
            saved = ms.save(target, ms.parse_toml(text), request.user.username, client_address(request), now)
        except ms.SettingsRefusal as e:
            problems = str(e).split("; ")
        else:
            return HttpResponseRedirect(f"/settings/{level}/{target.id}/?saved={saved.id}")
    context = {"target": target, "text": text, "problems": problems, "editable": editable,
               "saved": request.GET.get("saved"),
               "history": [{"id": h.id, "at": local_time(h.at.isoformat()), "by": h.by or "—",
                            "text": to_toml(h.fragment)} for h in ms.history(target)]}
    if level == ms.KIOSK:
        kiosk = Kiosk.objects.select_related("centre").get(id=target.id)
        eff = ms.effective_for(kiosk)
        c = KioskCheckin.objects.filter(kiosk_id=kiosk.id).first()
        rejected = c.settings_rejected if c is not None else None
        context.update(effective=to_toml(eff.fragment) if eff else "", version=eff.version if eff else "0",
                       running=c.settings_version if c else None,
                       rejected=rejected if isinstance(rejected, dict) else None)
    return page(request, "central/settings.html", **context)

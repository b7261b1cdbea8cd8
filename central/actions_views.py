"""The steps on an item of "Việc cần khắc phục" (a form on the unit's page, POST) and the evidence bundle's
download (issue 18). Every view asks :mod:`central.access`: a commune or centre account acts on its own
units, the city reads (and downloads)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from central import access, actions, bundle, ii7
from central.actions_page import may_act, today
from central.api import public_base
from central.models import Unit
from central.runtime import current
from central.views import _stream_rows, audit, same_site_path

YEAR_FIRST = 2020   # no kiosk votes before (rating.served refuses days before 2020 too)


@login_required
@require_POST
def step_view(request, unit_id: str):
    """``POST /unit/<id>/actions/`` with ``item`` (its key), ``step`` (acknowledge, action, close) and, for an
    action, ``action`` (the words); back to the page (``back``, a path on this site), or a 400 saying why."""
    unit = get_object_or_404(Unit, id=unit_id)
    access.check_unit(request.user, unit)
    if not may_act(request.user, unit):
        raise PermissionDenied
    now = datetime.fromtimestamp(current().clock(), timezone.utc)
    what, key = request.POST.get("step") or "", request.POST.get("item") or ""
    try:
        actions.step(current().alias, access.kiosks_under(unit), key, what, request.POST.get("action") or "",
                     request.user.username, now)
    except actions.ActionRefusal as e:
        from django.http import HttpResponse
        return HttpResponse(f"{e}\n", status=400, content_type="text/plain; charset=utf-8")
    audit(request, f"action_{what}", key)
    back = same_site_path(request, request.POST.get("back"))
    return HttpResponseRedirect((back if back != "/" else f"/unit/{quote(unit.id)}/") + "#actions")


@login_required
def bundle_view(request, unit_id: str, year: int):
    """``/unit/<id>/minh-chung/<year>.zip``: the evidence bundle of a commune or centre, streamed."""
    unit = get_object_or_404(Unit, id=unit_id)
    access.check_unit(request.user, unit)
    if unit.kind not in ("commune", "centre") or not YEAR_FIRST <= year <= today().year:
        raise Http404
    audit(request, "export_bundle", f"{unit.id} {year}")
    response = StreamingHttpResponse(bundle.stream(ii7.Target(unit, None), year, _stream_rows, public_base(request)),
                                     content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.file_name(unit.id, year)}"'
    return response

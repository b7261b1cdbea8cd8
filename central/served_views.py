"""The served-transactions page of a commune or centre (issue 18), ``/unit/<id>/served/``: a week's grid
(one number a day a counter), a CSV upload (the same file ``POST /v1/served`` takes) and, for a commune, the
tokens of its one-stop system. Commune, centre and admin accounts enter numbers for the units they see; the
city reads. Every change is an audit line."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from rating import served as served_csv
from rating import vnformat
from rating.period import LOCAL_TZ

from central import access, served
from central.models import ServedToken, Unit
from central.runtime import current
from central.source import Source
from central.texts import t
from central.views import audit, lang_of, page

UPLOAD_LIMIT = 2 * 1024 * 1024   # a year of a centre's counters is a few hundred kilobytes
FIELD = "n:{kiosk}:{counter}:{day}"   # a grid cell's field name (ids are [A-Za-z0-9._-]: no colon)


def may_enter(user, unit: Unit) -> bool:
    """Whether the account enters numbers for ``unit`` (which it may see): admin, commune and centre do;
    the city reads."""
    return access.role(user) in ("admin", "commune", "centre")


def may_hold_tokens(user, unit: Unit) -> bool:
    """Whether the account makes and revokes ``unit``'s served tokens: a commune's, by an admin or the commune."""
    return unit.kind == "commune" and access.role(user) in ("admin", "commune")


def week_of(text: str | None, today: date) -> date:
    """The Monday of the week the page shows: of ``week`` (YYYY-MM-DD or dd/mm/yyyy), else of today."""
    try:
        day = served_csv.read_day(text.strip()) if text else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def _grid_rows(request, scope: dict[str, list[str]], days: list[date], today: date):
    """The grid's typed numbers as rows (a blank cell changes nothing), and a line for each cell that cannot be
    read, naming its counter and day."""
    rows, errors = [], []
    for kiosk, counters in scope.items():
        for counter in counters:
            for day in days:
                text = (request.POST.get(FIELD.format(kiosk=kiosk, counter=counter, day=day.isoformat())) or "").strip()
                if not text:
                    continue
                try:
                    rows.append(served_csv.read_row([day.isoformat(), kiosk, counter, text], today=today))
                except ValueError as e:
                    errors.append(f"{kiosk} / {counter}, {day.strftime('%d/%m/%Y')}: {e}")
    return rows, errors


@login_required
def served_page(request, unit_id: str):
    """The week's grid, the CSV upload and (a commune's) tokens; POST ``action`` = grid, upload, new_token or
    revoke (with the CSRF token)."""
    unit = get_object_or_404(Unit, id=unit_id)
    if unit.kind == "city":
        raise PermissionDenied
    access.check_unit(request.user, unit)
    rt = current()
    now = datetime.fromtimestamp(rt.clock(), timezone.utc)
    today = now.astimezone(LOCAL_TZ).date()
    lang = lang_of(request)
    source = Source(rt.alias)
    scope = served.scope_of(source, unit)
    monday = week_of(request.GET.get("week") or request.POST.get("week"), today)
    days = [monday + timedelta(days=i) for i in range(7)]
    errors: list[str] = []
    saved = token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("grid", "upload") and not may_enter(request.user, unit):
            raise PermissionDenied
        if action in ("new_token", "revoke") and not may_hold_tokens(request.user, unit):
            raise PermissionDenied
        who = request.user.username
        if action == "grid":
            rows, errors = _grid_rows(request, scope, days, today)
            if not errors:
                done = served.store(rt.alias, rows, "form", who, now)
                audit(request, "served_form", f"{unit.id} {monday}: {done.stored} new, {done.replaced} replaced")
                saved = t("served_saved", lang, stored=done.stored, replaced=done.replaced)
        elif action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                errors = [t("served_no_file", lang)]
            elif upload.size > UPLOAD_LIMIT:
                errors = [t("served_too_big", lang, limit=UPLOAD_LIMIT // 1024)]
            else:
                rows, problems = served_csv.parse(upload.read(), today)
                problems += served.out_of_scope(rows, scope, unit)
                errors = [t("served_line", lang, line=p.line, reason=p.reason)
                          for p in sorted(problems, key=lambda p: p.line)]
                if not errors:
                    done = served.store(rt.alias, rows, "csv", who, now)
                    audit(request, "served_upload", f"{unit.id}: {done.stored} new, {done.replaced} replaced")
                    saved = t("served_saved", lang, stored=done.stored, replaced=done.replaced)
        elif action == "new_token":
            token = served.new_token(unit, who, now, (request.POST.get("label") or "").strip())
            audit(request, "served_token_new", unit.id)   # never the token itself
        elif action == "revoke":
            try:
                token_id = int(request.POST.get("token") or "")
            except ValueError:
                token_id = -1
            if served.revoke(unit, token_id, now):
                audit(request, "served_token_revoke", f"{unit.id} #{token_id}")
        else:
            errors = [t("served_unknown_action", lang)]
    held = served.cells(source, list(scope), days[0], days[-1])
    grid = [{"kiosk": k, "counter": c, "cells": [
        {"name": FIELD.format(kiosk=k, counter=c, day=d.isoformat()), "future": d > today, "day": d.strftime("%d/%m/%Y"),
         "value": request.POST.get(FIELD.format(kiosk=k, counter=c, day=d.isoformat()), "") if errors and
         request.POST.get("action") == "grid" else held.get((k, d.isoformat(), c), "")} for d in days]}
            for k, counters in scope.items() for c in counters]
    tokens = ServedToken.objects.filter(unit=unit).order_by("-created_at") if may_hold_tokens(request.user, unit) else []
    return page(request, "central/served.html", unit=unit, grid=grid, days=[
        {"iso": d.isoformat(), "shown": d.strftime("%d/%m"), "weekday": t("weekday_names", lang).split(",")[d.weekday()]}
        for d in days], week=monday.isoformat(), previous=(monday - timedelta(days=7)).isoformat(),
        next=(monday + timedelta(days=7)).isoformat(), week_shown=vnformat.period(days[0], days[-1]),
        errors=errors, saved=saved, token=token, tokens=tokens, enter=may_enter(request.user, unit),
        hold_tokens=may_hold_tokens(request.user, unit))

"""The pages people open: log in, the overview, a commune's page, kiosk health and alerts, the kiosk
registry, and the raw votes download. Every view checks the account's role and unit (central.access)."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta, timezone

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone as dj_tz
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from central import access, actions_page, dashboard, enrolment, held_back, registry, svg, texts
from central.models import AuditEntry, Kiosk, Unit
from central.remote import client_address
from central.source import Source
from central.runtime import current
from rating import vnformat
from rating.export import safe_cell
from rating.wire import KIOSK_ID_RE, WIRE_FIELDS

from central.throttle import FIRST_WAIT, FREE_TRIES, LOGIN_WINDOW, login_wait  # noqa: E402,F401
MAX_FAILED_PER_ADDRESS = 20    # one address guessing across many accounts


def lang_of(request) -> str:
    """``en`` when the person chose English, else ``vi``."""
    return "en" if request.COOKIES.get("lang") == "en" else "vi"


def audit(request, action: str, detail: str = "", username: str | None = None) -> None:
    """Write one audit line (logins, exports, registry changes)."""
    AuditEntry.objects.create(username=(username or getattr(request.user, "username", "") or "")[:150],
                              action=action, detail=detail[:500], remote=client_address(request))


def page(request, template: str, **context) -> HttpResponse:
    """Render with the words of the chosen language and the account's role."""
    lang = lang_of(request)
    words = texts.TEXTS.in_language(lang)
    return render(request, template, {"w": words, "lang": lang, "role": access.role(request.user), **context})


DAY_FORMAT_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_day(text: str) -> date:
    """A day typed as Vietnamese write it, ``22/11/2026`` (day/month/year), or as ISO ``2026-11-22`` (the
    links the pages make, and scripts). Raises ValueError saying what was wrong."""
    m = DAY_FORMAT_RE.match(text)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(text.strip())
    except ValueError:
        if m:   # the shape was right: the day does not exist (31/02, 13th month)
            raise ValueError(f"{text.strip()!r} is not a day of the calendar") from None
    raise ValueError(f"{text.strip()!r} is not a date written dd/mm/yyyy")


def _period(request, max_days: int | None = 800) -> tuple[date, date, tuple[str, str | None] | None]:
    """The period the page asks for (``from``, ``to``: dd/mm/yyyy or ISO), the last 30 days by default;
    with what the person is told: the field and value that could not be read (the default period is shown
    instead), or ``("swapped", None)`` for a period typed backwards (shown forwards), ``("too_long", None)``."""
    today = datetime.fromtimestamp(current().clock(), timezone(timedelta(hours=7))).date()
    error = None
    try:
        d_to = parse_day(request.GET["to"]) if request.GET.get("to") else today
    except ValueError:
        error, d_to = ("to", request.GET["to"]), today
    try:
        d_from = parse_day(request.GET["from"]) if request.GET.get("from") else d_to - timedelta(days=29)
    except ValueError:   # named first: the form's first field
        error, d_from = ("from", request.GET["from"]), d_to - timedelta(days=29)
    if error:
        d_from, d_to = today - timedelta(days=29), today
    if not (date(2000, 1, 1) <= d_from <= date(2200, 1, 1) and date(2000, 1, 1) <= d_to <= date(2200, 1, 1)):
        d_from, d_to = today - timedelta(days=29), today   # far dates would overflow the comparisons
    if d_from > d_to:   # typed the wrong way round: the person meant the days between, and is told
        d_from, d_to, error = d_to, d_from, error or ("swapped", None)
    if max_days is not None and (d_to - d_from).days > max_days:
        d_from, error = d_to - timedelta(days=max_days), error or ("too_long", None)
    return d_from, d_to, error


def _date_error(request, error) -> str | None:
    """The sentence shown above a page whose period could not be read."""
    if error is None:
        return None
    field, value = error
    lang = lang_of(request)
    if value is None:   # read, but not usable as typed: says what is shown instead
        return texts.t(f"period_{field}", lang)
    return texts.t("bad_date", lang, field=texts.t(field, lang), value=value[:40])


# --- logging in ---------------------------------------------------------------------------------

def login_view(request):
    """The login form (fields ``username`` and ``password``), throttled per account AND client address
    together (:func:`central.remote.client_address`: behind nginx the citizen's, not the proxy's
    127.0.0.1), with growing waits: a stranger guessing the administrator's password slows down only
    themselves, never the administrator at another address. One address guessing across many
    accounts is throttled too. Every failure and refusal is an audit line."""
    error = None
    if request.method == "POST":
        name = (request.POST.get("username") or "")[:150]
        address = client_address(request)
        now = dj_tz.now()
        failed = AuditEntry.objects.filter(action="login_failed", at__gte=now - LOGIN_WINDOW, remote=address)
        mine = list(failed.filter(username=name).order_by("at").values_list("at", flat=True))
        everyone = list(failed.order_by("at").values_list("at", flat=True))
        # One address across many accounts: until enough of its failures have left the window.
        wait = max(login_wait(mine, now), (everyone[-MAX_FAILED_PER_ADDRESS] + LOGIN_WINDOW - now)
                   if len(everyone) >= MAX_FAILED_PER_ADDRESS else timedelta(0))
        if wait > timedelta(0):
            audit(request, "login_throttled", username=name)
            error = "throttled"
            lang = lang_of(request)
            seconds = max(1, int(wait.total_seconds() + 0.999))
            shown = (texts.t("wait_seconds", lang, n=seconds) if seconds < 60 else
                     texts.t("wait_minutes", lang, n=(seconds + 59) // 60))
            return page(request, "central/login.html", error=error,
                        throttled=texts.t("throttled", lang, wait=shown))
        else:
            user = authenticate(request, username=name, password=request.POST.get("password") or "")
            if user is not None and access.role(user):
                login(request, user)
                audit(request, "login")
                return HttpResponseRedirect(same_site_path(request, request.GET.get("next")))
            audit(request, "login_failed", username=name)
            error = "bad_login"
    return page(request, "central/login.html", error=error)


def same_site_path(request, target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/``: never a redirect to another site
    (``//evil.example/``, ``///evil.example``, ``/\\evil.example``, ``https://…``)."""
    if target and target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()) \
            and not target.startswith(("//", "/\\")):
        return target
    return "/"


@require_POST
def logout_view(request):
    """Log out (POST, with the CSRF token)."""
    if request.user.is_authenticated:
        audit(request, "logout")
    logout(request)
    return HttpResponseRedirect("/login/")


def set_language(request, code: str):
    """Switch between Vietnamese and English (a cookie)."""
    response = HttpResponseRedirect(same_site_path(request, request.GET.get("back")))
    response.set_cookie("lang", "en" if code == "en" else "vi", max_age=365 * 86400, samesite="Lax")
    return response


# --- pages ----------------------------------------------------------------------------------------

@login_required
def overview(request):
    """Every commune's rate with N against its target, ranked, with the trend (commune and centre
    accounts go straight to their own page)."""
    r = access.role(request.user)
    if r is None:
        raise PermissionDenied
    if r in ("commune", "centre"):
        return HttpResponseRedirect(f"/unit/{request.user.central.unit_id}/")
    d_from, d_to, error = _period(request)
    min_n, lang = current().min_n, lang_of(request)
    rows = dashboard.overview(Source(current().alias), d_from, d_to, None, min_n)
    lines = []
    for row in rows:
        r, target = row.rate, row.unit.target_pct
        verdict = r.verdict(target, min_n)
        small = verdict == "chua_du_mau"
        lines.append({"row": row, "pct": rate_words(r, min_n, lang), "n": vnformat.integer(r.total),
                      "trend": None if row.trend is None or small else vnformat.signed(row.trend),
                      "verdict": verdict_words(r, target, min_n, lang), "small": small,
                      "bar": "" if small else svg.bar(r.pct, target), "below": verdict == "chua_dat",
                      "response": response_words(row.response, lang), "response_flag": str(row.response.flag or "")})
    return page(request, "central/overview.html", lines=lines, d_from=d_from, d_to=d_to,
                method=texts.t("method", lang, min_n=min_n),
                date_error=_date_error(request, error), period=vnformat.period(d_from, d_to),
                period_query=f"from={d_from.isoformat()}&to={d_to.isoformat()}",
                response_method=texts.t("response_method", lang))


def rate_words(r, min_n: int, lang: str, with_n: bool = False) -> str:
    """A rate as the pages write it: "88,4 % (84,9–91,2)", or "Chưa đủ mẫu" (with its N when asked). Numbers
    stay Vietnamese on an English page, as every number of these pages does; the words follow the language."""
    small = r.small(min_n)
    return vnformat.rate_figure(r.pct, r.ci, small, lang if small else "vi", r.total if with_n else None)


def response_words(r, lang: str) -> str:
    """A response rate as the pages write it (issue 18): "45,2 %", flagged in words — "8,1 % (chưa đại diện)",
    "112,0 % (nhiều phiếu hơn giao dịch)" — or "—" without served numbers."""
    shown = "—" if r.pct is None else vnformat.percent(r.pct)
    return f"{shown} ({texts.t(str(r.flag), lang)})" if r.flag else shown


def verdict_words(r, target: float, min_n: int, lang: str) -> str:
    """Đạt / Chưa đạt (with "chưa chắc chắn" when the interval holds the target), or Chưa đủ mẫu."""
    verdict = str(r.verdict(target, min_n))
    words = texts.t(verdict, lang)
    if verdict != "chua_du_mau" and r.uncertain(target):
        words += f" ({texts.t('uncertain', lang)})"
    return words


@login_required
def unit_view(request, unit_id: str):
    """A commune's (or centre's) page."""
    unit = get_object_or_404(Unit, id=unit_id)
    access.check_unit(request.user, unit)
    d_from, d_to, error = _period(request)
    lang = lang_of(request)
    kiosks = access.kiosks_under(unit)
    data = dashboard.unit_page(Source(current().alias), kiosks, d_from, d_to, lang)
    most = max((max(row) for row in data.heat), default=0)
    days = texts.t("weekday_names", lang).split(",")
    heat = [{"day": days[i], "cells": [{"n": n, "level": svg.heat_level(n, most)} for n in row]}
            for i, row in enumerate(data.heat)]
    chart = svg.trend([(d, r.pct) for d, r in data.daily], unit.target_pct,
                      (texts.t("daily_rate", lang), texts.t("target", lang)))
    heat_scale = [{"level": level, "n": round(most * level / svg.HEAT_LEVELS)} for level in (0, 1, 4, 7, 10)] if most else []
    min_n = current().min_n
    fmt = lambda r: {"pct": rate_words(r, min_n, lang), "n": vnformat.integer(r.total),  # noqa: E731
                     "flagged": vnformat.integer(r.flagged), "verdict": verdict_words(r, unit.target_pct, min_n, lang)}
    query = f"unit={unit.id}&from={d_from.isoformat()}&to={d_to.isoformat()}"
    return page(request, "central/unit.html", unit=unit, rate=fmt(data.rate), chart=chart, heat=heat,
                heat_scale=heat_scale,
                counters=[(c, name, {**fmt(r), "response": response_words(data.counter_responses[i], lang)})
                          for i, (c, name, r) in enumerate(data.counters)],
                response=response_words(data.response, lang), response_method=texts.t("response_method", lang),
                officers=[(o, fmt(r)) for o, r in data.officers], reasons=data.reasons, hours=range(24),
                d_from=d_from, d_to=d_to, query=query, has_votes=data.rate.total + data.rate.flagged > 0,
                date_error=_date_error(request, error), method=texts.t("method", lang, min_n=min_n),
                period=vnformat.period(d_from, d_to),
                **actions_page.unit_context(request.user, unit, kiosks, d_from, d_to, lang))   # issue 18


@login_required
def kiosks_view(request):
    """Kiosk health (last sync, chain, status) and the alerts, for the kiosks the account may see."""
    if access.role(request.user) is None:
        raise PermissionDenied
    kiosks = access.visible_kiosks(request.user)
    source = Source(current().alias)
    now = datetime.fromtimestamp(current().clock(), timezone.utc)
    targets = {k.id: (k.centre.parent.target_pct if k.centre and k.centre.parent else 90.0)
               for k in Kiosk.objects.filter(id__in=kiosks).select_related("centre__parent")}
    rows = dashboard.health(source, kiosks)
    # Versions (issue 17): behind the newest the whole fleet reports; filtered by commune and version.
    fleet = rows if access.visible_unit_ids(request.user) is None else \
        dashboard.health(source, sorted(Kiosk.objects.values_list("id", flat=True)))
    newest = dashboard.newest_version(fleet)
    rows, versions, chosen = _version_filter(request, rows, newest)
    kiosks = [h.id for h in rows]
    for h in rows:
        h.behind = dashboard.is_behind(h, newest)
        h.shown_sync = texts.local_time(h.last_sync)
        h.shown_checkin = texts.local_time(h.last_checkin)
        skew = h.status.get("clock_skew_s")
        h.shown_skew = None if skew is None else f"{vnformat.decimal(skew, 1)} s"
        disk = h.status.get("free_disk_mb")
        h.shown_disk = None if disk is None else f"{vnformat.decimal(disk, 0)} MB"
        h.shown_waiting = vnformat.decimal(h.status.get("waiting_votes"), 0)
        h.shown_boxes = vnformat.decimal(h.status.get("button_boxes"), 0)
        h.shown_held = vnformat.integer(sum(h.held_back.values())) if h.held_back else None
        # The kiosk's health signals (protocol 1.3); a kiosk of an earlier release sends none: "—".
        heard = h.status.get("boxes_heard")
        if heard is not None:
            h.shown_boxes = f"{vnformat.decimal(heard, 0)}/{h.shown_boxes}"
        h.shown_last_vote = _shown_time(h.status.get("last_vote_at"))
        h.shown_backup = _shown_time(h.status.get("last_backup_at"))
        h.shown_clock = h.status.get("clock")
        up = h.status.get("uptime_s")
        h.shown_uptime = None if up is None else f"{vnformat.decimal(up / 3600, 1)} h"
        h.shown_needs = h.status.get("problems")
    lang = lang_of(request)
    alerts = [{"subject": a.subject, "text": texts.alert_text(a, lang)}
              for a in dashboard.alerts(source, kiosks, now, targets, current().min_n, newest)]
    return page(request, "central/kiosks.html", rows=rows, alerts=alerts, admin=access.is_admin(request.user),
                versions=versions, newest=str(newest or ""), chosen=chosen)


def _version_filter(request, rows: list, newest) -> tuple[list, list[dict], dict]:
    """The health rows a page asks for (``?unit=`` a commune or centre the account sees, ``?version=`` one
    version, ``behind`` for every kiosk behind the newest, or ``none`` for those that report none), the
    versions of the unit with how many kiosks run each, and what was chosen (for the filter form)."""
    unit_id = (request.GET.get("unit") or "")[:64]
    version = (request.GET.get("version") or "")[:40]
    if unit_id:
        unit = Unit.objects.filter(id=unit_id).first()
        if unit is None:
            raise Http404
        access.check_unit(request.user, unit)
        under = set(access.kiosks_under(unit))
        rows = [h for h in rows if h.id in under]
    versions = [{"version": v or "none", "n": n, "behind": dashboard.version_behind(v, newest)}
                for v, n in dashboard.version_counts(rows)]
    if version == "behind":
        rows = [h for h in rows if dashboard.is_behind(h, newest)]
    elif version == "none":
        rows = [h for h in rows if not h.status.get("software_version")]
    elif version:
        rows = [h for h in rows if str(h.status.get("software_version") or "") == version]
    ids = access.visible_unit_ids(request.user)
    units = Unit.objects.filter(kind__in=("commune", "centre")).order_by("kind", "name")
    units = list(units if ids is None else units.filter(id__in=ids))
    return rows, versions, {"unit": unit_id, "version": version, "units": units}


def _shown_time(stamp) -> str | None:
    """A time a kiosk sent (ISO 8601 with its offset), as the centre reads it; what cannot be read, as sent."""
    try:
        return texts.local_time(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return stamp


@login_required
@require_POST
def release_held_back(request, kiosk_id: str):
    """An administrator has looked at a kiosk's held-back votes and counts them from now on (an audit line)."""
    if not access.is_admin(request.user):
        raise PermissionDenied
    kiosk = get_object_or_404(Kiosk, id=kiosk_id)
    released = held_back.release(current().alias, kiosk.id)
    audit(request, "release_held_back", f"{kiosk.id}: {released}")
    return HttpResponseRedirect("/kiosks/")


# --- the registry (admin) ---------------------------------------------------------------------------

@login_required
def registry_view(request):
    """List, register, rotate and retire kiosks; a new secret is shown once."""
    if not access.is_admin(request.user):
        raise PermissionDenied
    secret = error = code = None
    now = datetime.fromtimestamp(current().clock(), timezone.utc)
    if request.method == "POST":
        action, kiosk_id = request.POST.get("action"), (request.POST.get("kiosk_id") or "").strip()
        try:
            if action == "enrolment_code":   # issue 17: the device fetches its id and secret with this code
                centre = Unit.objects.filter(id=request.POST.get("centre"), kind="centre").first()
                if centre is None:
                    raise registry.RegistryRefusal("choose a centre")
                try:
                    code = enrolment.issue(kiosk_id, centre, now, by=request.user.username)
                except enrolment.EnrolmentRefusal as e:
                    raise registry.RegistryRefusal(str(e)) from None
            elif action == "register":
                centre = Unit.objects.filter(id=request.POST.get("centre"), kind="centre").first()
                if centre is None:
                    raise registry.RegistryRefusal("choose a centre")
                secret = registry.register(kiosk_id, centre)
            elif action in ("rotate", "retire"):
                kiosk = get_object_or_404(Kiosk, id=kiosk_id)
                if action == "rotate":
                    secret = registry.rotate(kiosk)
                else:
                    registry.retire(kiosk)
            else:
                raise registry.RegistryRefusal("unknown action")
            audit(request, f"registry_{action}", kiosk_id)
        except registry.RegistryRefusal as e:
            error = str(e)
    kiosks = Kiosk.objects.select_related("centre").order_by("id")
    return page(request, "central/registry.html", kiosks=kiosks, secret=secret, error=error,
                secret_for=request.POST.get("kiosk_id") if secret or code else None,
                centres=Unit.objects.filter(kind="centre").order_by("name"), **_enrolment_context(request, code, now))


def _enrolment_context(request, code: str | None, now: datetime) -> dict:
    """What the registry page shows of enrolment: a code just made (with its QR and the device's command,
    shown once: only its hash is kept) and the codes still waiting to be used."""
    from rating.enrolment import CODE_VALID, qr_text
    base = request.build_absolute_uri("/").rstrip("/")
    waiting = [{"kiosk": c.kiosk_id, "centre": c.centre.name, "until": texts.local_time(c.expires_at.isoformat())}
               for c in enrolment.pending(now)]
    hours = int(CODE_VALID.total_seconds() // 3600)
    out = {"pending_codes": waiting, "code_valid": texts.t("code_valid", lang_of(request), hours=hours)}
    if code:
        out.update(code=code, code_qr=svg.qr(qr_text(base, code)), code_command=f"python main.py enrol {base} {code}",
                   code_until=texts.local_time((now + CODE_VALID).isoformat()))
    return out


# --- raw votes --------------------------------------------------------------------------------------

RAW_COLUMNS = (*WIRE_FIELDS, "local_date", "received_at")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _stream_rows(alias: str, kiosks: list[str], d_from: date, d_to: date):
    """CSV lines of the votes, read through a server-side cursor on PostgreSQL (memory stays flat)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(RAW_COLUMNS)
    conn = connections[alias]
    marks = ", ".join(["%s"] * len(kiosks))
    sql = (f"SELECT {', '.join(RAW_COLUMNS)} FROM votes WHERE kiosk_id IN ({marks}) AND local_date BETWEEN %s AND %s "
           "ORDER BY kiosk_id, seq")
    # Inside a transaction: Django declares a PostgreSQL cursor WITH HOLD under autocommit, and the server
    # then materialises every row before sending the first; in a transaction rows flow as they are read.
    # (A client that goes away closes this generator: the transaction is rolled back, nothing was written.)
    with transaction.atomic(using=alias), conn.chunked_cursor() as cur:
        cur.execute(sql, [*kiosks, d_from.isoformat(), d_to.isoformat()])
        while rows := cur.fetchmany(5000):
            yield "".join(writer.writerow([safe_cell(c) for c in row]) for row in rows)


@login_required
def raw_votes(request):
    """``/export/votes.csv?unit=ID&from=D&to=D``: every vote of a unit (or a kiosk) and period, streamed."""
    unit_id = request.GET.get("unit") or ""
    kiosk = Kiosk.objects.filter(id=unit_id).select_related("centre").first() if KIOSK_ID_RE.match(unit_id) else None
    if kiosk is not None:
        if kiosk.centre is None:
            raise Http404
        access.check_unit(request.user, kiosk.centre)
        kiosks = [kiosk.id]
    else:
        unit = get_object_or_404(Unit, id=unit_id)
        access.check_unit(request.user, unit)
        kiosks = access.kiosks_under(unit)
    if not kiosks:
        raise Http404
    d_from, d_to, error = _period(request, max_days=None)   # any period: the download streams
    if error:   # a download of the wrong period would be worse than none
        return HttpResponse(_date_error(request, error), status=400, content_type="text/plain; charset=utf-8")
    audit(request, "export_votes", f"{unit_id} {d_from}..{d_to}")
    response = StreamingHttpResponse(_stream_rows(current().alias, kiosks, d_from, d_to),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="votes-{unit_id}-{d_from}-{d_to}.csv"'
    return response


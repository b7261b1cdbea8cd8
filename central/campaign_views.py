"""The campaign pages (issue 17): the list with the start form (the city for the communes it ticks — all by
default —, a commune's office for its own), and each campaign's page: per commune and channel the responses
against the SIPAS sample, what each kiosk reported, and the paper forms reconciled (with marking forms
returned or void). The figures are read on every load (reload for the newest: a page a person types in never reloads itself, WCAG 2.2.1)."""

from __future__ import annotations

from datetime import datetime, timezone

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from rating import vnformat
from rating.campaign import MODES
from rating.period import LOCAL_TZ

from central import access, campaigns
from central.campaign_words import word, words
from central.models import Campaign, CampaignUnit, Unit
from central.questionnaires import catalogue, paper_runs
from central.questionnaires.office import may_enter
from central.runtime import current
from central.views import audit, lang_of, parse_day



def _now() -> datetime:
    return datetime.fromtimestamp(current().clock(), timezone.utc)


def _page(request, template: str, status: int = 200, **context):
    lang = lang_of(request)
    return render(request, template, {"w": words(lang), "lang": lang, "role": access.role(request.user), **context},
                  status=status)


def _choosable(user) -> list[Unit]:
    """The units the start form offers: every commune for the city, the account's own for a commune."""
    if access.visible_unit_ids(user) is None:
        return campaigns.top_units()
    return [user.central.unit] if access.role(user) == "commune" else []


@login_required
def index(request):
    """The campaigns the account may see; the start form for those who may start one (POST starts it)."""
    if access.role(request.user) is None:
        raise PermissionDenied
    lang, status, message, error = lang_of(request), 200, None, None
    typed = {"questionnaire": "", "from": "", "until": "", "mode": MODES[0], "units": []}
    if request.method == "POST":
        if not campaigns.may_start(request.user):
            raise PermissionDenied
        typed = {k: (request.POST.get(k) or "").strip()[:64] for k in ("questionnaire", "from", "until", "mode")}
        typed["units"] = [u[:64] for u in request.POST.getlist("unit")][:500]
        now = _now()
        today = now.astimezone(LOCAL_TZ).date()
        try:
            try:
                first = parse_day(typed["from"]) if typed["from"] else None
            except ValueError as e:
                raise campaigns.CampaignRefusal(f"{words(lang)['from']}: {e}") from None
            try:
                until = parse_day(typed["until"])
            except ValueError as e:
                raise campaigns.CampaignRefusal(f"{word('until', lang)}: {e}") from None
            units = campaigns.scope_for(request.user, typed["units"])
            owner = request.user.central.unit if access.role(request.user) == "commune" else None
            c = campaigns.start(typed["questionnaire"], units, first, until, typed["mode"], request.user.username,
                                now, today, owner=owner)
        except campaigns.CampaignRefusal as e:
            error, status = word("refused", lang, why=str(e)), 400
        else:
            audit(request, "campaign_start", f"{c.id}: {c.questionnaire_id} v{c.version} {c.mode} {c.d_from}..{c.d_until} "
                                             f"in {', '.join(u.id for u in units)}")
            message = word("started", lang, n=c.id)
            typed = {"questionnaire": "", "from": "", "until": "", "mode": MODES[0], "units": []}
    rows = [{"c": c, "units": ", ".join(u.unit.name for u in c.units.select_related("unit"))}
            for c in campaigns.visible(request.user)]
    return _page(request, "central/campaigns.html", status=status, rows=rows, message=message, error=error,
                 typed=typed, can_start=campaigns.may_start(request.user), offered=catalogue.offered(),
                 choosable=_choosable(request.user), modes=MODES,
                 city=access.visible_unit_ids(request.user) is None)


def _campaign(request, campaign_id: str) -> Campaign:
    """The campaign of a page: 404 unknown, 403 when it runs in none of the account's units."""
    if access.role(request.user) is None:
        raise PermissionDenied
    c = Campaign.objects.filter(id=int(campaign_id)).first() if campaign_id.isdigit() and len(campaign_id) < 10 else None
    if c is None:
        raise Http404
    if c not in campaigns.visible(request.user):
        raise PermissionDenied
    return c


def _shown_pct(value: float | None) -> str:
    return "—" if value is None else vnformat.percent(value)


@login_required
def detail(request, campaign_id: str):
    """A campaign: per commune N, the sample, responses per channel and each kiosk's report; the paper forms."""
    c = _campaign(request, campaign_id)
    lang = lang_of(request)
    ids = access.visible_unit_ids(request.user)
    lines = campaigns.progress(c, ids)
    for line in lines:
        line.shown_reached = _shown_pct(line.reached_pct)
        line.shown_kiosks = [(k, word(f"state_{state}", lang), reason) for k, state, reason in line.kiosks]
    q = campaigns.questionnaire_of(c)
    centres = [centre for line in lines for centre in line.centres]
    paper = []
    if q is not None:
        reconciled = paper_runs.reconcile([x.id for x in centres], q)
        paper = [{"centre": x, "r": reconciled[x.id], "runs": ", ".join(f"{a}–{b}" for a, b in reconciled[x.id].runs),
                  "unissued": reconciled[x.id].entered_unissued and word("unissued", lang, n=reconciled[x.id].entered_unissued)}
                 for x in centres]
    return _page(request, "central/campaign.html", c=c, lines=lines, paper=paper, q=q,
                 message=request.GET.get("marked") and word("marked", lang, n=request.GET["marked"][:6]),
                 error=request.session.pop("campaign_error", None),
                 can_manage=campaigns.may_manage(request.user, c), can_mark=may_enter(request.user) and q is not None)


@login_required
@require_POST
def stop(request, campaign_id: str):
    """End a campaign now (its owner commune, or the city); the kiosks stop it at their next check-in."""
    c = _campaign(request, campaign_id)
    if not campaigns.may_manage(request.user, c):
        raise PermissionDenied
    campaigns.stop(c, _now())
    audit(request, "campaign_stop", str(c.id))
    return HttpResponseRedirect(f"/campaigns/{c.id}/")


@login_required
@require_POST
def households(request, campaign_id: str):
    """Type a commune's households as N for its sample (empty: back to the served transactions)."""
    c = _campaign(request, campaign_id)
    if not campaigns.may_manage(request.user, c):
        raise PermissionDenied
    cu = CampaignUnit.objects.filter(campaign=c, unit_id=(request.POST.get("unit") or "")[:64]).first()
    if cu is None:
        raise Http404
    raw = (request.POST.get("households") or "").strip().replace(".", "").replace(",", "")[:12]
    if raw and not (raw.isdigit() and 0 < int(raw) <= campaigns.MAX_HOUSEHOLDS):
        request.session["campaign_error"] = f"{word('households', lang_of(request))}: {raw[:12]!r} — 1 … " \
                                            f"{vnformat.integer(campaigns.MAX_HOUSEHOLDS)}"
        return HttpResponseRedirect(f"/campaigns/{c.id}/")
    cu.households = int(raw) if raw else None
    cu.save(update_fields=["households"])
    audit(request, "campaign_households", f"{c.id} {cu.unit_id}: {raw or '-'}")
    return HttpResponseRedirect(f"/campaigns/{c.id}/")


@login_required
@require_POST
def mark_forms(request, campaign_id: str):
    """Mark paper forms of one of the campaign's centres returned or void (or clear the mark)."""
    c = _campaign(request, campaign_id)
    q = campaigns.questionnaire_of(c)
    centre = catalogue.centre((request.POST.get("centre") or "")[:64])
    if not may_enter(request.user) or q is None or centre is None:
        raise PermissionDenied
    access.check_unit(request.user, centre)
    try:
        numbers = paper_runs.parse_numbers((request.POST.get("numbers") or "")[:2000])
        n = paper_runs.mark(centre.id, q, numbers, (request.POST.get("state") or "")[:10], request.user.username, _now())
    except paper_runs.PaperRefusal as e:
        request.session["campaign_error"] = f"{centre.name}: {e}"
        return HttpResponseRedirect(f"/campaigns/{c.id}/#paper")
    audit(request, "paper_mark", f"{centre.id} {q.id} v{q.version} {request.POST.get('state')}: {len(numbers)}")
    return HttpResponseRedirect(f"/campaigns/{c.id}/?marked={n}#paper")

"""The public pages (issue 18), no login: under ``/cong-khai/`` the city's page and each commune's (or
centre's), an embeddable card for the commune's web portal, a full-screen view for the centre's
waiting room, the JSON feeds; and ``/kiem-tra/<code>``, which shows what an issued II.7 table must say.

They show what :mod:`central.public_figures` gives them — never an officer's code or name."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, JsonResponse
from django.shortcuts import render

from rating import vnformat
from rating.period import LOCAL_TZ

from central import issued
from central.edge import embeddable
from central.public_figures import city_figures, public_unit, unit_figures
from central.public_words import WORDS
from central.runtime import current
from central.views import lang_of

LOBBY_REFRESH_S = 300   # the waiting-room screen reloads itself (a meta refresh: the CSP allows no inline script)
FRESH_S = 60            # how long a browser or a proxy may keep a public answer


def _today():
    return datetime.fromtimestamp(current().clock(), LOCAL_TZ).date()


def shown(entry: dict, lang: str) -> dict:
    """One entry's figures as the pages write them."""
    small = entry["verdict"] == "chua_du_mau"
    n = entry["n"]
    ci = None if entry["ci_low"] is None else (entry["ci_low"], entry["ci_high"])
    verdict = WORDS.text(entry["verdict"], lang)
    if entry.get("uncertain"):
        verdict += WORDS.text("uncertain_tail", lang)
    if not n:
        lead = WORDS.text("no_votes_yet", lang)
    elif small:
        lead = WORDS.text("small_votes", lang, n=vnformat.integer(n))
    else:
        lead = vnformat.percent(entry["satisfied_pct"])
    if not n:   # nothing to be unsure about: no rating at all, said plainly (the feed keeps chua_du_mau)
        verdict = WORDS.text("no_votes", lang)
    return {"rate": vnformat.rate_figure(entry["satisfied_pct"], ci, small and bool(n), lang), "lead": lead,
            "counted": bool(n) and not small, "n": vnformat.integer(n), "interval": vnformat.interval(ci),
            "verdict": verdict, "response": vnformat.percent(entry.get("response_pct")),
            "below": entry["verdict"] == "chua_dat",
            "from_votes": WORDS.text("from_votes", lang, n=vnformat.integer(n))}


def month_label(month: str) -> str:
    """"2026-11" as "11/2026"."""
    return f"{month[5:7]}/{month[:4]}"


def _page(request, template: str, **context):
    lang = lang_of(request)
    response = render(request, template, {"w": WORDS.in_language(lang), "lang": lang, **context})
    response["Cache-Control"] = f"public, max-age={FRESH_S}"
    return response


def _context(figures: dict, lang: str) -> dict:
    return {"f": figures, "month": shown(figures["month"], lang), "month_label": month_label(figures["month"]["month"]),
            "as_of": WORDS.text("as_of", lang, day=vnformat.day(_today())),
            "months": [{"label": month_label(m["month"]), **shown(m, lang)} for m in figures["months"]],
            "method": WORDS.text("method", lang, min_n=figures["min_n"])}


def _unit(unit_id: str):
    unit = public_unit(unit_id)
    if unit is None:
        raise Http404
    return unit


def city(request):
    """``/cong-khai/``: the city's line, this month and for 12 months, and every commune's this month."""
    lang = lang_of(request)
    figures = city_figures(current().alias, _today(), current().min_n)
    units = [{"e": e, **shown(e, lang)} for e in figures["units"]]
    return _page(request, "central/public/city.html", units=units, **_context(figures, lang))


def unit(request, unit_id: str):
    """``/cong-khai/<unit>/``: a commune's (or centre's) page, with how to embed it."""
    lang = lang_of(request)
    u = _unit(unit_id)
    figures = unit_figures(current().alias, u, _today(), current().min_n)
    counters = [{"c": c, **shown(c, lang)} for c in figures["counters"]]
    base = request.build_absolute_uri("/").rstrip("/")
    return _page(request, "central/public/unit.html", unit=u, counters=counters, base=base,
                 **_context(figures, lang))


@embeddable
def embed(request, unit_id: str):
    """``/cong-khai/<unit>/nhung/``: a small card for the commune's web portal, in an iframe (the only pages
    the service lets another site frame)."""
    lang = lang_of(request)
    u = _unit(unit_id)
    figures = unit_figures(current().alias, u, _today(), current().min_n)
    return _page(request, "central/public/embed.html", unit=u, **_context(figures, lang))


def lobby(request, unit_id: str):
    """``/cong-khai/<unit>/sanh-cho/``: the waiting room's screen, full screen, large type, reloading itself."""
    lang = lang_of(request)
    u = _unit(unit_id)
    figures = unit_figures(current().alias, u, _today(), current().min_n)
    return _page(request, "central/public/lobby.html", unit=u, refresh=LOBBY_REFRESH_S, **_context(figures, lang))


def _feed(data: dict) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"   # a portal's own script may read it
    response["Cache-Control"] = f"public, max-age={FRESH_S}"
    return response


def city_feed(request):
    """``/cong-khai/du-lieu.json``: the city's page as data."""
    return _feed(city_figures(current().alias, _today(), current().min_n))


def unit_feed(request, unit_id: str):
    """``/cong-khai/<unit>/du-lieu.json``: a unit's page as data."""
    return _feed(unit_figures(current().alias, _unit(unit_id), _today(), current().min_n))


def verify(request, code: str):
    """``/kiem-tra/<code>``: what the II.7 table issued with this code says — unit, period, totals per level,
    rate, the chains' heads; 404 for a code never issued."""
    found = issued.lookup(code, current().alias)
    if found is None:
        raise Http404
    code, facts, issued_at = found
    lang = lang_of(request)
    ci = None if facts["ci_low"] is None else (facts["ci_low"], facts["ci_high"])
    levels = [(lv["label"], vnformat.integer(lv["n"])) for lv in facts["levels"]]
    when = vnformat.moment(datetime.fromisoformat(issued_at).astimezone(LOCAL_TZ))
    return _page(request, "central/public/verify.html", code=code, facts=facts, levels=levels,
                 counted=vnformat.integer(facts["counted"]), flagged=vnformat.integer(facts["flagged"]),
                 rate=vnformat.percent(facts["satisfied_pct"]), interval=vnformat.interval(ci),
                 target=vnformat.percent(facts["target_pct"]), issued_at=when,
                 period=vnformat.period(*(datetime.fromisoformat(facts[k]).date() for k in ("from", "to"))))

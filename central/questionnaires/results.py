"""The analysis pages: ``/questionnaires/analysis/<unit_id>/?q=ID&from=D&to=D``.

A commune (its centres), a centre, or the city (every centre; city and admin accounts only). The
figures are :func:`rating.questionnaire.analysis.analyse` over the service's tables — the kiosk's own
SQL, every channel together and each channel — so a commune reads the same numbers its kiosk prints.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from rating import vnformat
from rating.questionnaire.analysis import analyse
from rating.questionnaire.model import CHANNELS, Questionnaire

from central import access, texts
from central.models import QResponse, Unit
from central.questionnaires import catalogue
from central.questionnaires.office import render_page
from central.questionnaires.words import word
from central.source import Source
from central.runtime import current
from central.views import lang_of, parse_day


def centres_of(unit: Unit) -> list[str] | None:
    """The centre ids whose responses a unit's analysis counts (None: every centre, for the city)."""
    if unit.kind == "city":
        return None
    if unit.kind == "centre":
        return [unit.id]
    return sorted(unit.children.filter(kind="centre").values_list("id", flat=True))


def period(request) -> tuple[date, date, str | None]:
    """``from``/``to`` from the query (dd/mm/yyyy as Vietnamese write it, or ISO from the page's own
    links), else the current calendar quarter (the questionnaire period); with the sentence saying which
    field could not be read (the quarter is shown instead), or None."""
    first, last = catalogue.quarter(catalogue.now().date())
    lang = lang_of(request)
    got = {}
    for field, default in (("from", first), ("to", last)):
        value = request.GET.get(field) or ""
        if not value.strip():
            got[field] = default
            continue
        try:
            got[field] = parse_day(value)
        except ValueError:
            return first, last, texts.t("bad_date_quarter", lang, field=texts.t(field, lang), value=value[:40])
    d_from, d_to = got["from"], got["to"]
    if not (date(2000, 1, 1) <= d_from <= d_to <= date(2200, 1, 1)) or (d_to - d_from).days > 800:
        return first, last, None
    return d_from, d_to, None


def unit_analysis(q: Questionnaire, unit: Unit, d_from: date, d_to: date, compare: bool = True) -> dict:
    """The analysis of ``q`` for a unit's centres over the period (with the previous one when ``compare``)."""
    centres = centres_of(unit)
    if centres == []:
        centres = ["(none)"]   # a commune without a centre: nothing matches (no unit id has brackets)
    filters = None if centres is None else {"centre_id": centres}
    return analyse(Source(current().alias), q, d_from, d_to, filters, compare=compare)[0]


def _level_labels(q: Questionnaire, lang: str) -> dict[str, str]:
    first = q.scale_questions()[0] if q.scale_questions() else None
    return {c.code: (c.en if lang == "en" else c.vi) for c in (first.choices if first else ())}


def shape(q: Questionnaire, result: dict, lang: str) -> dict:
    """The analysis as the template shows it: numbers in the Vietnamese format, words for small samples."""
    by_q = {x.id: x for x in q.scale_questions()}
    per_channel = {ch: {x["id"]: x for x in result["by_channel"][ch]["questions"]} for ch in CHANNELS}
    labels = _level_labels(q, lang)
    questions = []
    for n, row in enumerate(result["questions"], 1):
        question = by_q[row["id"]]
        questions.append({
            "n": n, "id": row["id"], "text": question.text(lang), "element": row["element"],
            "pct": vnformat.percent(row["satisfied_pct"]), "answered": vnformat.integer(row["answered"]),
            "skipped": vnformat.integer(row["skipped"]), "small": row["small_sample"],
            "levels": [(labels.get(code, code), vnformat.integer(v)) for code, v in row["levels"].items()],
            "channels": [(vnformat.percent(per_channel[ch][row["id"]]["satisfied_pct"]),
                          vnformat.integer(per_channel[ch][row["id"]]["answered"])) for ch in CHANNELS]})
    prev = {e["id"]: e for e in (result.get("previous") or {}).get("elements", [])}
    elements = []
    for e in result["elements"]:
        element = q.element(e["id"])
        before = prev.get(e["id"], {}).get("index")
        elements.append({
            "id": e["id"], "name": element.en if lang == "en" else element.vi, "in_index": e["in_index"],
            "index": vnformat.percent(e["index"]), "answered": vnformat.integer(e["answered"]), "small": e["small_sample"],
            "channels": [vnformat.percent(next(x["index"] for x in result["by_channel"][ch]["elements"] if x["id"] == e["id"]))
                         for ch in CHANNELS],
            "previous": vnformat.percent(before),
            "change": vnformat.signed(e["index"] - before) if e["index"] is not None and before is not None else "—"})
    left_out = [x["name"] for x in elements if not x["in_index"]]
    previous = result.get("previous")
    return {
        "index": vnformat.percent(result["index"]), "responses": vnformat.integer(result["responses"]),
        "small": result["small_sample"], "questions": questions, "elements": elements,
        "formula": word("formula", lang, left_out=word("left_out", lang, names=", ".join(left_out)) if left_out else ""),
        "channels": [{"id": ch, "name": word(f"channel_{ch}", lang),
                      "index": vnformat.percent(result["by_channel"][ch]["index"]),
                      "responses": vnformat.integer(result["by_channel"][ch]["responses"]),
                      "small": result["by_channel"][ch]["small_sample"]} for ch in CHANNELS],
        "previous": None if previous is None else {
            "label": word("previous", lang, period=vnformat.period(date.fromisoformat(previous["from"]), date.fromisoformat(previous["to"]))),
            "index": vnformat.percent(previous["index"]), "responses": vnformat.integer(previous["responses"]),
            "change": vnformat.signed(previous["change"]) if previous["change"] is not None else None},
    }


@login_required
def analysis_page(request, unit_id: str):
    """A unit's questionnaire results: every channel together and each channel, per question and element,
    the overall index with its formula, small samples in words, the previous quarter beside."""
    if access.role(request.user) is None:
        raise PermissionDenied
    unit = get_object_or_404(Unit, id=unit_id[:64])
    access.check_unit(request.user, unit)
    offered = catalogue.offered()
    default = "trung-tam" if any(x.id == "trung-tam" for x in offered) else (offered[0].id if offered else "")
    q = catalogue.find(request.GET.get("q") or default)
    if q is None:
        raise Http404
    lang = lang_of(request)
    d_from, d_to, date_error = period(request)
    result = unit_analysis(q, unit, d_from, d_to)
    centres = centres_of(unit)
    flagged = QResponse.objects.filter(questionnaire_id=q.id, version=q.version, flag__isnull=False,
                                       local_date__gte=d_from.isoformat(), local_date__lte=d_to.isoformat())
    if centres is not None:
        flagged = flagged.filter(centre_id__in=centres)
    n_flagged = flagged.count()
    communes = []
    if unit.kind == "city":
        for commune in Unit.objects.filter(kind="commune").order_by("name"):
            r = unit_analysis(q, commune, d_from, d_to, compare=False)
            communes.append({"unit": commune, "index": vnformat.percent(r["index"]), "responses": vnformat.integer(r["responses"]),
                             "small": r["small_sample"]})
    flagged_text = word("flagged", lang, n=vnformat.integer(n_flagged)) if n_flagged else word("no_flagged", lang)
    return render_page(request, "central/q/analysis.html", unit=unit, q=q, title=q.title(lang), offered=offered,
                       a=shape(q, result, lang), flagged=n_flagged, flagged_text=flagged_text, communes=communes,
                       d_from=d_from, d_to=d_to, date_error=date_error, period=vnformat.period(d_from, d_to),
                       channel_names=[word(f"channel_{c}", lang) for c in CHANNELS])

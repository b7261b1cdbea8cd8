"""The office's pages for a centre's questionnaires (logged in; a commune or centre account only for
its own unit): the list with each phone link, the QR poster, the printed paper forms and the paper
data-entry page."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from rating.questionnaire.model import Question, Questionnaire

from central import access
from central.svg import qr
from central.models import QResponse, Unit
from central.questionnaires import catalogue, paper, paper_runs
from central.questionnaires.store import DuplicateForm, Given, save_response
from central.questionnaires.words import word, words
from central.runtime import current
from central.texts import local_time
from central.views import audit, lang_of

FORM_NO_RE = re.compile(r"^0*([1-9][0-9]{0,8})\Z")


def phone_path(centre_id: str, questionnaire_id: str) -> str:
    """The phone page's path (a contract, printed on the posters): ``/q/<centre_id>/<questionnaire_id>/``."""
    return f"/q/{centre_id}/{questionnaire_id}/"


def public_link(request, path: str) -> tuple[str, bool]:
    """The full link to ``path`` as citizens reach it: from ``CENTRAL_PUBLIC_URL`` when it is set
    (True), else from the address this request came to (False — perhaps an internal one)."""
    base = getattr(settings, "CENTRAL_PUBLIC_URL", "")
    if base:
        return base + path, True
    return request.build_absolute_uri(path), False


def render_page(request, template: str, status: int = 200, **context) -> HttpResponse:
    """Render a staff page with the words of the chosen language and the account's role."""
    lang = lang_of(request)
    return render(request, template, {"w": words(lang), "lang": lang, "role": access.role(request.user), **context},
                  status=status)


def _centre_and_questionnaire(request, centre_id: str, questionnaire_id: str) -> tuple[Unit, Questionnaire]:
    """The centre and questionnaire of a staff page: 404 for unknown ones, 403 outside the account's units."""
    if access.role(request.user) is None:
        raise PermissionDenied
    centre, q = catalogue.centre(centre_id), catalogue.find(questionnaire_id)
    if centre is None or q is None:
        raise Http404
    access.check_unit(request.user, centre)
    return centre, q


ENTRY_ROLES = ("admin", "commune", "centre")   # the city account reads; it does not enter forms


def may_enter(user) -> bool:
    """True when the account may enter paper forms: admin, or a commune or centre account (its own
    units are checked per page). The city's account (Sở Nội vụ) only reads."""
    return access.role(user) in ENTRY_ROLES


def visible_centres(user) -> list[Unit]:
    """The centres an account may see, by name."""
    ids = access.visible_unit_ids(user)
    qs = Unit.objects.filter(kind="centre").select_related("parent").order_by("name")
    return list(qs if ids is None else qs.filter(id__in=ids))


@login_required
def index(request):
    """Every centre the account may see, with each questionnaire's phone link, poster, paper form, entry."""
    if access.role(request.user) is None:
        raise PermissionDenied
    rows = [{"centre": c, "links": [{"q": q, "phone": public_link(request, phone_path(c.id, q.id))[0],
                                     "next": paper_runs.next_number(c.id, q)}
                                    for q in catalogue.offered()]} for c in visible_centres(request.user)]
    ids = access.visible_unit_ids(request.user)
    communes = Unit.objects.filter(kind="commune").order_by("name")
    if ids is not None:
        communes = communes.filter(id__in=ids)
    return render_page(request, "central/q/index.html", rows=rows, communes=list(communes), city=ids is None,
                       can_enter=may_enter(request.user))


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline SVG (:func:`central.svg.qr`)."""
    return qr(url)


@login_required
def poster(request, centre_id: str, questionnaire_id: str):
    """A printable A4 poster: the centre's name, the title, one line of instructions, the QR code and
    the link in text."""
    centre, q = _centre_and_questionnaire(request, centre_id, questionnaire_id)
    url, public = public_link(request, phone_path(centre.id, q.id))
    warning = None if public else word("poster_from_request", lang_of(request), url=request.build_absolute_uri("/"))
    return render_page(request, "central/q/poster.html", centre=centre, title=q.title_vi, url=url, qr=qr_svg(url),
                       warning=warning)


@login_required
def paper_pdf(request, centre_id: str, questionnaire_id: str):
    """``?count=M``: the next M numbered paper forms as one PDF, continuing after the highest number issued
    (issue 17: each run is recorded, :mod:`central.questionnaires.paper_runs`); ``&first=N`` prints from N —
    again a range issued before (a reprint), or a new one that overlaps none. A bad value is a 400 page in
    the person's language."""
    centre, q = _centre_and_questionnaire(request, centre_id, questionnaire_id)
    lang = lang_of(request)
    raw = {"first": (request.GET.get("first") or "").strip(), "count": (request.GET.get("count") or "20").strip()}
    bad = None
    try:
        first = int(raw["first"]) if raw["first"].isdigit() else None
        count = int(raw["count"]) if raw["count"].isdigit() else None
    except ValueError:   # more digits than int() takes
        first = count = None
    if raw["first"] and (first is None or not 1 <= first <= paper_runs.MAX_FORM_NO):
        bad = "first"
    elif count is None or not 1 <= count <= paper.MAX_FORMS or (first or 1) + count - 1 > paper_runs.MAX_FORM_NO:
        bad = "count"
    if bad:
        text = word("print_bad", lang, field=word(f"print_{bad}", lang), value=raw[bad][:20], max=paper.MAX_FORMS)
        return render_page(request, "central/q/print_error.html", status=400, text=text)
    try:
        first, last, reprint = paper_runs.record_run(centre.id, q, first, count, request.user.username,
                                                      datetime.fromtimestamp(current().clock(), timezone.utc))
    except paper_runs.PaperRefusal as e:
        return render_page(request, "central/q/print_error.html", status=409, text=word("print_taken", lang, why=str(e)))
    body = paper.render_forms(q, centre.name, centre.parent.name if centre.parent else "",
                              paper.form_numbers(first, count))
    audit(request, "q_paper_reprint" if reprint else "q_paper_print", f"{centre.id} {q.id} v{q.version} {first}-{last}")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-{q.id}-{centre.id}-{first}-{last}.pdf"'
    return response


class EntryError(ValueError):
    """A refused entry line, with the field that was wrong (``form_no``, ``digits`` or ``comment``):
    the page selects that field's text so the clerk's next keystrokes replace it."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def entry_questions(q: Questionnaire) -> tuple[list[Question], Question | None]:
    """The paper questions answered by a digit (in the order printed), and the free-text one."""
    paper_qs = q.for_channel("paper")
    return [x for x in paper_qs if x.kind != "text"], next((x for x in paper_qs if x.kind == "text"), None)


def parse_entry(q: Questionnaire, form_no: str, digits: str, comment: str) -> tuple[str, Given]:
    """Read the entry form: the form number (leading zeros dropped) and one digit per question
    (N = the N-th choice, 0 = left blank). :class:`EntryError` with a clear message and the field otherwise."""
    m = FORM_NO_RE.match(form_no.strip())
    if not m:
        raise EntryError(f"số phiếu {form_no.strip()[:20]!r} không hợp lệ: gõ số in ở góc phải phiếu (1, 2, 3…)",
                         "form_no")
    asked, text_q = entry_questions(q)
    digits = re.sub(r"\s+", "", digits)
    if not digits.isdigit() or len(digits) != len(asked):
        raise EntryError(f"cần đúng {len(asked)} chữ số (mỗi câu một số, 0 = để trống); đã gõ {len(digits)} ký tự",
                         "digits")
    choices: dict[str, str | None] = {}
    for n, (question, d) in enumerate(zip(asked, digits), 1):
        try:
            choices[question.id] = question.choice_for_key(int(d))
        except KeyError:
            raise EntryError(f"câu {n}: chữ số {d} không có lựa chọn (1–{len(question.choices)}, 0 = để trống)",
                             "digits") from None
    texts = {}
    if text_q is not None:
        text = comment.strip()
        if len(text) > (text_q.max_length or 500):
            raise EntryError(f"góp ý dài {len(text)} ký tự, tối đa {text_q.max_length or 500}", "comment")
        texts[text_q.id] = text
    return m.group(1), Given(choices, texts)


@login_required
def entry(request, centre_id: str, questionnaire_id: str):
    """Paper data entry, keyboard first: the form number, then one digit per answer; Enter saves and
    the next form starts (its number suggested). A number already entered is refused, input kept."""
    centre, q = _centre_and_questionnaire(request, centre_id, questionnaire_id)
    if not may_enter(request.user):
        raise PermissionDenied   # page and POST alike: a read-only account never stores a form
    asked, text_q = entry_questions(q)
    lang = lang_of(request)
    error = saved = None
    status, focus = 200, "form_no"
    typed = {"form_no": "", "digits": "", "comment": ""}
    if request.method == "POST":
        typed = {k: (request.POST.get(k) or "")[:2000] for k in typed}
        try:
            form_no, given = parse_entry(q, typed["form_no"], typed["digits"], typed["comment"])
            save_response(q, centre, "paper", given, form_no=form_no, entered_by=request.user.username)
            audit(request, "q_paper_entry", f"{centre.id} {q.id} v{q.version} form {form_no}")
            saved = word("saved", lang, no=form_no)
            typed = {"form_no": str(int(form_no) + 1), "digits": "", "comment": ""}
        except EntryError as e:
            error, status, focus = str(e), 400, e.field
        except DuplicateForm as e:
            error, status = word("duplicate", lang, no=e.form_no, at=local_time(e.existing.received_at) or "",
                                 by=e.existing.entered_by or "?"), 409
    recent = QResponse.objects.filter(centre_id=centre.id, questionnaire_id=q.id, version=q.version,
                                      channel="paper").order_by("-received_at", "-form_no")[:10]
    guide = [{"n": n, "q": x, "choices": [f"{i} {c.vi}" for i, c in enumerate(x.choices, 1)]}
             for n, x in enumerate(asked, 1)]
    return render_page(request, "central/q/entry.html", status=status, centre=centre, q=q, guide=guide,
                       text_q=text_q, typed=typed, error=error, saved=saved, recent=recent, count=len(asked),
                       focus=focus if focus != "comment" or text_q is not None else "form_no")

"""The phone page, ``/q/<centre_id>/<questionnaire_id>/`` (a contract: the QR posters print it).

No login and no personal data. One response per device per questionnaire period (the calendar
quarter): the phone keeps a random cookie token, the service keeps only its hash. Per client address
(hashed too) at most :data:`RATE_LIMIT` responses an hour are taken; :data:`BURST_COUNT` or more
within :data:`BURST_MINUTES` minutes are all flagged ``burst`` — kept and counted, never deleted,
and shown to the commune. CSRF protection stays on (the form carries Django's token).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone as dj_tz

from rating.questionnaire.model import Questionnaire

from central.models import AuditEntry, QResponse, Unit
from central.remote import client_address   # the one client-address rule, shared with the login throttle
from central.runtime import current
from central.questionnaires import catalogue
from central.questionnaires.store import Given, device_hash, save_response
from central.questionnaires.words import word, words
from central.views import lang_of

COOKIE = "q_device"
COOKIE_AGE = 400 * 86400            # longer than a quarter: the period decides, not the cookie's age
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{40,64}\Z")
RATE_LIMIT = 20                     # responses per client address per hour; more are refused (429)
BURST_COUNT = 5                     # this many from one address within BURST_MINUTES: flagged
BURST_MINUTES = 10
ACTION = "q_phone"                  # the audit action that remembers a phone response's (hashed) address


class BadAnswers(ValueError):
    """The form data cannot be a response (an unknown choice, words too long): a 400 with this message."""

    title_key = "bad_title"


class NoAnswers(BadAnswers):
    """Not one question answered: nothing to thank for or count (a 400 that asks the citizen to answer)."""

    title_key = "empty_title"


def address_key(address: str) -> str:
    """What is kept of an address: a keyed hash, enough to count responses per address, not to find a
    person (keyed with the service's secret: IPv4 addresses are too few for a plain hash to hide them;
    a new secret only restarts the counts)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"q-address:{address}".encode(), hashlib.sha256)
    return "h:" + digest.hexdigest()[:40]


def parse_answers(q: Questionnaire, data, lang: str) -> Given:
    """Read the form fields ``q-<question id>``: a choice code, empty or absent (skipped), or the words
    of a free-text question (at most its ``max_length`` characters). :class:`BadAnswers` otherwise — a
    field for a question this channel does not ask included — and :class:`NoAnswers` when nothing at all
    was answered (an all-blank response would be thanked and counted as a response)."""
    choices: dict[str, str | None] = {}
    texts: dict[str, str] = {}
    asked = q.for_channel("phone")
    known = {f"q-{x.id}" for x in asked}
    unknown = sorted(k for k in data.keys() if k.startswith("q-") and k not in known)
    if unknown:
        raise BadAnswers(word("bad_question", lang, value=unknown[0][2:42]))
    for n, question in enumerate(asked, 1):
        raw = data.get(f"q-{question.id}", "")
        if question.kind == "text":
            # Control characters are dropped (a phone keyboard never types them); line breaks stay.
            text = unicodedata.normalize("NFC", "".join(c for c in raw if c.isprintable() or c in "\n\t")).strip()
            limit = question.max_length or 500
            if len(text) > limit:
                raise BadAnswers(word("too_long", lang, n=n, length=len(text), limit=limit))
            texts[question.id] = text
        elif raw == "":
            choices[question.id] = None
        elif raw in question.codes:
            choices[question.id] = raw
        else:
            raise BadAnswers(word("bad_choice", lang, n=n, text=question.text(lang), value=raw[:20]))
    if not any(choices.values()) and not any(texts.values()):
        raise NoAnswers(word("empty", lang))
    return Given(choices, texts)


def _message(request, lang: str, title: str, text: str, status: int, back: str | None = None) -> HttpResponse:
    return render(request, "central/q/message.html", {"w": words(lang), "lang": lang, "title": title, "text": text,
                                                       "back": back}, status=status)


def _already(centre: Unit, q: Questionnaire, token: str | None) -> bool:
    if not token or not TOKEN_RE.match(token):
        return False
    first, last = catalogue.quarter(catalogue.now().date())
    return QResponse.objects.filter(centre_id=centre.id, questionnaire_id=q.id, version=q.version, channel="phone",
                                    device=device_hash(token), local_date__gte=first.isoformat(),
                                    local_date__lte=last.isoformat()).exists()


# Words by which an introduction already says that skipping is fine and that no name is asked.
SAYS_OPTIONAL = ("bỏ qua", "skip")
SAYS_ANONYMOUS = ("không hỏi tên", "not ask your name", "never ask for your name")


def intro_notes(intro: str, lang: str) -> list[str]:
    """The page's own reassurances, each only when the questionnaire's introduction does not already
    say it (the shipped introductions do: saying it twice reads as padding)."""
    low = intro.lower()
    notes = []
    if not any(w in low for w in SAYS_OPTIONAL):
        notes.append(word("optional", lang))
    if not any(w in low for w in SAYS_ANONYMOUS):
        notes.append(word("no_personal", lang))
    return notes


def phone_page(request, centre_id: str, questionnaire_id: str):
    """GET: the questionnaire's phone questions on one page; POST: store the response."""
    lang = lang_of(request)
    centre, q = catalogue.centre(centre_id), catalogue.find(questionnaire_id)
    if centre is None or q is None or not q.for_channel("phone"):
        return _message(request, lang, word("not_found_title", lang), word("not_found", lang), 404)
    if request.method not in ("GET", "HEAD", "POST"):
        response = _message(request, lang, word("bad_title", lang), "GET, POST", 405)
        response["Allow"] = "GET, POST"
        return response
    token = request.COOKIES.get(COOKIE)
    if _already(centre, q, token):
        return _message(request, lang, word("already_title", lang), word("already", lang), 200)
    if request.method == "POST":
        return _submit(request, lang, centre, q, token)
    questions = q.for_channel("phone")
    shown = [{"q": x, "n": i, "text": x.text(lang), "limit": word("chars_max", lang, n=x.max_length or 500),
              "choices": [(c.code, c.en if lang == "en" else c.vi) for c in x.choices]}
             for i, x in enumerate(questions, 1)]
    intro = q.intro_en if lang == "en" else q.intro_vi
    response = render(request, "central/q/phone.html", {
        "w": words(lang), "lang": lang, "centre": centre, "title": q.title(lang), "intro": intro,
        "notes": intro_notes(intro, lang), "questions": shown, "total": len(questions), "path": request.path})
    if not token or not TOKEN_RE.match(token):
        # The phone's token is given with the form, not with the first answer: two quick taps on Send
        # then carry the same token, and the second finds the first (one response per phone).
        _set_token(response, secrets.token_urlsafe(32))
    return response


def _set_token(response: HttpResponse, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


def _submit(request, lang: str, centre: Unit, q: Questionnaire, token: str | None) -> HttpResponse:
    try:
        given = parse_answers(q, request.POST, lang)
    except BadAnswers as e:
        return _message(request, lang, word(e.title_key, lang), str(e), 400, back=request.path)
    key = address_key(client_address(request))
    recent = AuditEntry.objects.filter(action=ACTION, remote=key)
    if recent.filter(at__gte=dj_tz.now() - timedelta(hours=1)).count() >= RATE_LIMIT:
        return _message(request, lang, word("too_many_title", lang), word("too_many", lang), 429)
    burst = list(recent.filter(at__gte=dj_tz.now() - timedelta(minutes=BURST_MINUTES)).values_list("detail", flat=True))
    flag = "burst" if len(burst) + 1 >= BURST_COUNT else None
    if not token or not TOKEN_RE.match(token):
        token = secrets.token_urlsafe(32)
    device = device_hash(token)
    with transaction.atomic(using=current().alias):
        # The one-per-phone rule checked and written in one step: one writer at a time per phone
        # (an advisory lock on PostgreSQL; SQLite's transactions take the write lock at BEGIN).
        _lock_device(device)
        if _already(centre, q, token):
            return _message(request, lang, word("already_title", lang), word("already", lang), 200)
        response_row = save_response(q, centre, "phone", given, device=device, flag=flag)
        if flag:
            # The earlier responses of the burst are flagged too: none of them is deleted or hidden.
            QResponse.objects.filter(uuid__in=burst, flag__isnull=True).update(flag="burst")
        AuditEntry.objects.create(username="", action=ACTION, detail=response_row.uuid, remote=key)
    response = _message(request, lang, word("thanks_title", lang), word("thanks", lang), 200)
    _set_token(response, token)
    return response


def _lock_device(device: str) -> None:
    """Hold, until the transaction ends, the lock of one phone's responses (PostgreSQL; on SQLite the
    transaction itself is the lock)."""
    conn = connections[current().alias]
    if conn.vendor == "postgresql":
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [int(device[:15], 16)])


def csrf_failure(request, reason: str = ""):
    """Django's CSRF refusal (``CSRF_FAILURE_VIEW``) as a page a citizen understands: a phone that
    blocks cookies, or a page left open for days, gets a 403 saying what to do, not a technical page."""
    lang = lang_of(request)
    return _message(request, lang, word("csrf_title", lang), word("csrf", lang), 403, back=request.path)

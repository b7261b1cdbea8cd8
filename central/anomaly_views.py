"""The gaming checks' page (``/anomalies/``), a commune's explanation of a finding (``/anomalies/note/``)
and the JSON report ``GET /v1/reports/anomalies?unit=ID&from=D&to=D`` (central.anomalies does the work).

Who sees what (central.access): the city and the administrator every unit, a commune its commune and
its centres, a centre itself. Only a commune or centre account explains a finding, and only its own:
the city reads the explanation, it does not write it."""

from __future__ import annotations

import hmac
from datetime import date, datetime, timezone
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.views.decorators.http import require_POST

from rating import anomalies as rules, vnformat
from rating.bilingual import Texts
from rating.problems import Problem, Refused

from central import access, anomalies, texts
from central.api import dates, endpoint, query_params
from central.models import AnomalyNote
from central.runtime import current

MAX_NOTE = 2000      # characters in one explanation
SHOWN_RUNS = 12      # runs of sequence numbers a finding shows on the page (the JSON has them all)

WORDS = Texts({
    "title": ("Dấu hiệu bất thường", "Gaming checks"),
    "intro": ("Các dấu hiệu dưới đây là căn cứ để xem xét, không phải kết luận: không phiếu nào bị xóa hay loại khỏi "
              "kết quả vì chúng. Xã / phường có thể ghi giải trình cho từng dấu hiệu; giải trình được in trong phụ lục "
              "của biểu II.7.",
              "These findings are evidence to look at, not verdicts: no vote is deleted or left out of any result "
              "because of them. A commune may explain each finding; the explanation is printed in the II.7 annex."),
    "unit": ("Đơn vị", "Unit"),
    "everything": ("Toàn thành phố", "The whole city"),
    "none_found": ("Không có dấu hiệu nào.", "Nothing found."),
    "needs_opening_hours": ("Chưa có giờ làm việc (CENTRAL_OPENING_HOURS): chỉ liệt kê phiếu do kiosk tự đánh dấu "
                            "ngoài giờ.", "No opening hours (CENTRAL_OPENING_HOURS): only votes the kiosk itself marked "
                            "out of hours are listed."),
    "needs_served_counts": ("Cần số giao dịch đã phục vụ theo ngày và quầy để kiểm tra.",
                            "Needs the served transactions per day and counter to check."),
    "rule_burst": ("Từ {min} phiếu cùng mức liên tiếp tại một quầy trong {window} giây (khác với phiếu bấm lặp "
                   "bị loại).", "{min} or more identical votes in a row at one counter within {window} s (not the "
                   "kiosk's repeat flag)."),
    "rule_out_of_hours": ("Phiếu ghi nhận ngoài giờ làm việc của trung tâm.", "Votes taken outside the centre's hours."),
    "rule_officer": ("Kiểm định z hai tỷ lệ (tỷ lệ gộp) giữa công chức và phần còn lại của trung tâm: |z| ≥ {z} "
                     "(p < 0,001), mỗi bên từ {n} phiếu.", "Two-proportion z-test (pooled) of the officer against "
                     "the rest of the centre: |z| ≥ {z} (p < 0.001), at least {n} votes each."),
    "rule_implausible": ("Từ {pct} % hài lòng trên ít nhất {n} phiếu của một quầy hay một công chức.",
                         "{pct} % satisfied or more over at least {n} votes of a counter or an officer."),
    "rule_no_transaction": ("Số phiếu được tính của một quầy trong ngày lớn hơn số giao dịch đã phục vụ.",
                            "A counter's counted votes on a day exceed the transactions it served."),
    "rule_channel_gap": ("Câu hỏi theo thang của phiếu khảo sát: tỷ lệ hài lòng tại kiosk so với điện thoại và phiếu "
                         "giấy, chênh từ {points} điểm %, |z| ≥ {z}, mỗi bên từ {n} câu trả lời.",
                         "Scale questions of the questionnaire: the satisfied share at the kiosk against phone and "
                         "paper, a gap of {points} points or more, |z| ≥ {z}, at least {n} answers each."),
    "burst": ("{n} phiếu «{level}» liên tiếp trong {seconds} giây tại quầy {counter}, máy {kiosk}, lúc {first}.",
              "{n} votes “{level}” in a row within {seconds} s at counter {counter}, kiosk {kiosk}, at {first}."),
    "out_of_hours": ("{n} phiếu ngoài giờ ngày {day}, máy {kiosk} (từ {first} đến {last}).",
                     "{n} votes out of hours on {day}, kiosk {kiosk} (from {first} to {last})."),
    "officer": ("Công chức {officer} ({centre}): {pct} hài lòng trên {n} phiếu; phần còn lại của trung tâm {rest_pct} "
                "trên {rest_n} phiếu (z = {z}).", "Officer {officer} ({centre}): {pct} satisfied from {n} votes; "
                "the rest of the centre {rest_pct} from {rest_n} votes (z = {z})."),
    "implausible_officer": ("Công chức {officer} ({centre}): {pct} hài lòng trên {n} phiếu.",
                            "Officer {officer} ({centre}): {pct} satisfied from {n} votes."),
    "implausible_counter": ("Quầy {counter}, máy {kiosk}: {pct} hài lòng trên {n} phiếu.",
                            "Counter {counter}, kiosk {kiosk}: {pct} satisfied from {n} votes."),
    "no_transaction": ("Quầy {counter}, máy {kiosk}, ngày {day}: {votes} phiếu nhưng {served} giao dịch.",
                       "Counter {counter}, kiosk {kiosk}, {day}: {votes} votes but {served} transactions."),
    "channel_gap": ("{centre}: tại kiosk {kiosk_pct} hài lòng ({kiosk_n} câu trả lời); qua điện thoại và phiếu giấy "
                    "{other_pct} ({other_n}) (z = {z}).", "{centre}: at the kiosk {kiosk_pct} satisfied ({kiosk_n} "
                    "answers); by phone and paper {other_pct} ({other_n}) (z = {z})."),
    "votes_behind": ("Phiếu (số thứ tự trên chuỗi)", "Votes (sequence numbers on the chain)"),
    "answers_behind": ("Câu trả lời tại kiosk (số thứ tự trên chuỗi câu trả lời)",
                       "Kiosk answers (sequence numbers on the answer chain)"),
    "more": ("… và {n} đoạn nữa (xem JSON)", "… and {n} more runs (see the JSON)"),
    "explanation": ("Giải trình", "Explanation"),
    "explain": ("Ghi giải trình", "Add the explanation"),
    "written": ("{by}, {at}", "{by}, {at}"),
    "json": ("Báo cáo JSON", "JSON report"),
    "bad_note": ("Giải trình cần có nội dung, tối đa {n} ký tự.", "An explanation needs some text, at most {n} characters."),
}).joined(anomalies.CHECK_TITLES)


def words(lang: str) -> dict[str, str]:
    """This page's words in ``lang``."""
    return WORDS.in_language(lang)


# --- the JSON report ----------------------------------------------------------------------------------

def _reader(request) -> set[str] | None:
    """The units the asker may see: a logged-in account's own (central.access), the report token's every
    unit; anyone else is refused (before anything is said about the unit asked for)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and access.role(user) is not None:
        return access.visible_unit_ids(user)
    token = current().report_token
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if not (token and given.startswith("Bearer ")
            and hmac.compare_digest(given[7:].encode("utf-8", "replace"), token.encode())):
        raise Refused(Problem.BAD_TOKEN, detail="log in, or give 'Authorization: Bearer <report token>'")
    return None


def _scope(unit_id: str | None, visible: set[str] | None) -> anomalies.Scope:
    """The scope asked for, or the refusal: an unknown unit is a 404, another's a 403."""
    scope = anomalies.scope_of(unit_id, visible)
    if scope is None:
        raise Refused(Problem.UNKNOWN_UNIT, unit=(unit_id or "")[:64])
    if not anomalies.visible_to(scope, visible):
        raise Refused(Problem.FORBIDDEN)
    return scope


@endpoint("GET")
def report_anomalies(request):
    """``/v1/reports/anomalies?unit=ID&from=D&to=D``: every gaming check's findings with the votes behind
    them (central.anomalies). ``unit`` is the city, a commune, a centre or a kiosk; without it, every unit
    the asker may see."""
    visible = _reader(request)
    q = query_params(request, {"unit": None, "from": None, "to": None})
    d_from, d_to = dates(q)
    scope = _scope(q.get("unit"), visible)
    return anomalies.report(current().alias, scope, d_from, d_to, current().opening_hours, q.get("unit"))


# --- the page -----------------------------------------------------------------------------------------

def _time(stamp: str) -> str:
    """A vote's local time as the centre reads it: 13:07:05 22/11/2026."""
    try:
        return vnformat.moment(datetime.fromisoformat(stamp), seconds=True)
    except (TypeError, ValueError):
        return stamp


def _day(iso: str) -> str:
    """A day as Vietnamese write it: 22/11/2026."""
    return vnformat.day(date.fromisoformat(iso))


def sentence(f: dict, lang: str, names: dict[str, str]) -> str:
    """A finding in one sentence, numbers in the Vietnamese format."""
    g, check = f["figures"], f["check"]
    centre = names.get(f.get("centre") or "", f.get("centre") or "")
    common = {"kiosk": f.get("kiosk") or "", "counter": f.get("counter") or "", "officer": f.get("officer") or "",
              "centre": centre}
    if check == "burst":
        return WORDS.text("burst", lang, n=g["n"], level=g["level"], seconds=vnformat.decimal(g["seconds"], 0),
                          first=_time(g["first_time"]), **common)
    if check == "out_of_hours":
        return WORDS.text("out_of_hours", lang, n=vnformat.integer(g["n"]), day=_day(f["first_day"]),
                          first=_time(g["first_time"]), last=_time(g["last_time"]), **common)
    if check == "officer":
        return WORDS.text("officer", lang, pct=vnformat.percent(g["satisfied_pct"]), n=vnformat.integer(g["n"]),
                          rest_pct=vnformat.percent(g["rest_satisfied_pct"]), rest_n=vnformat.integer(g["rest_n"]),
                          z=vnformat.decimal(g["z"], 2), **common)
    if check == "implausible":
        key = "implausible_officer" if f.get("officer") else "implausible_counter"
        return WORDS.text(key, lang, pct=vnformat.percent(g["satisfied_pct"]), n=vnformat.integer(g["n"]), **common)
    if check == "no_transaction":
        return WORDS.text("no_transaction", lang, day=_day(f["first_day"]), votes=vnformat.integer(g["votes"]),
                          served=vnformat.integer(g["served"]), **common)
    return WORDS.text("channel_gap", lang, kiosk_pct=vnformat.percent(g["kiosk_satisfied_pct"]),
                      kiosk_n=vnformat.integer(g["kiosk_n"]), other_pct=vnformat.percent(g["other_satisfied_pct"]),
                      other_n=vnformat.integer(g["other_n"]), z=vnformat.decimal(g["z"], 2), **common)


def runs(evidence: list[dict], lang: str) -> list[str]:
    """Each kiosk's runs of sequence numbers as a line: "k1: 101–150 (50)" (the first :data:`SHOWN_RUNS`)."""
    lines = []
    for e in evidence:
        shown = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in e["seqs"][:SHOWN_RUNS])
        more = len(e["seqs"]) - SHOWN_RUNS
        if more > 0:
            shown += " " + WORDS.text("more", lang, n=more)
        lines.append(f"{e['kiosk']}: {shown} ({vnformat.integer(e['n'])})")
    return lines


def rule_lines(lang: str) -> list[tuple[str, str]]:
    """Each check's heading and its stated rule."""
    from rating.rate import MIN_N
    values = {"burst": {"min": rules.BURST_MIN, "window": rules.BURST_WINDOW_MS // 1000},
              "officer": {"z": vnformat.decimal(rules.OFFICER_Z, 2), "n": MIN_N},
              "implausible": {"pct": vnformat.decimal(rules.IMPLAUSIBLE_PCT, 0), "n": rules.IMPLAUSIBLE_MIN_N},
              "channel_gap": {"points": vnformat.decimal(rules.GAP_MIN_POINTS, 0), "z": vnformat.decimal(rules.GAP_Z, 2),
                              "n": MIN_N}}
    return [(c, WORDS.text(f"rule_{c}", lang, **values.get(c, {}))) for c in rules.CHECKS]


def _page_unit(request) -> str | None:
    """The unit the page is for: as asked, else the account's own (the city's: everything)."""
    asked = (request.GET.get("unit") or "").strip()
    if asked:
        return asked
    r = access.role(request.user)
    return None if r in ("admin", "city") else request.user.central.unit_id


@login_required
def anomalies_page(request):
    """The findings of every check for a unit and period, each with its votes and explanations; a commune
    or centre account may explain its own."""
    from central.models import Unit
    from central.views import _date_error, _period, lang_of, page
    r = access.role(request.user)
    if r is None:
        raise PermissionDenied
    visible = access.visible_unit_ids(request.user)
    unit_id = _page_unit(request)
    scope = anomalies.scope_of(unit_id, visible)
    if scope is None:
        raise Http404
    if not anomalies.visible_to(scope, visible):
        raise PermissionDenied
    d_from, d_to, error = _period(request)
    lang = lang_of(request)
    data = anomalies.report(current().alias, scope, d_from, d_to, current().opening_hours, unit_id)
    names = dict(Unit.objects.values_list("id", "name"))
    may_explain = r in ("commune", "centre")
    checks = []
    for (check, rule), state in zip(rule_lines(lang), data["checks"]):
        found = [{"f": f, "text": sentence(f, lang, names), "votes": runs(f["votes"], lang),
                  "answers": runs(f.get("answers", []), lang),
                  "notes": [{"text": n["text"], "by": WORDS.text("written", lang, by=n["by"],
                                                                     at=texts.local_time(n["at"]))} for n in f["notes"]]}
                 for f in data["findings"] if f["check"] == check]
        checks.append({"check": check, "title": WORDS.text(f"check_{check}", lang), "rule": rule, "findings": found,
                       "state": None if state["state"] == "done" else WORDS.text(state["state"], lang)})
    query = urlencode({**({"unit": unit_id} if unit_id else {}), "from": d_from.isoformat(), "to": d_to.isoformat()})
    return page(request, "central/anomalies.html", a=words(lang), checks=checks, may_explain=may_explain,
                unit_name=names.get(unit_id or "", unit_id) if unit_id else WORDS.text("everything", lang),
                unit_id=unit_id or "", d_from=d_from, d_to=d_to, query=query,
                date_error=_date_error(request, error), period=vnformat.period(d_from, d_to),
                bad_note=WORDS.text("bad_note", lang, n=MAX_NOTE) if request.GET.get("bad_note") else None)


@login_required
@require_POST
def add_note(request):
    """A commune's (or centre's) explanation of one of its findings: stored with who and when, and an
    audit line. The finding must be one the page showed for that unit and period (it is found again)."""
    from central.views import audit
    if access.role(request.user) not in ("commune", "centre"):
        raise PermissionDenied
    visible = access.visible_unit_ids(request.user)
    unit_id = (request.POST.get("unit") or "").strip() or request.user.central.unit_id
    scope = anomalies.scope_of(unit_id, visible)
    if scope is None:
        raise Http404
    if not anomalies.visible_to(scope, visible):
        raise PermissionDenied
    try:
        d_from, d_to = date.fromisoformat(request.POST.get("from") or ""), date.fromisoformat(request.POST.get("to") or "")
    except ValueError:
        raise Http404 from None
    back = "/anomalies/?" + urlencode({"unit": unit_id, "from": d_from.isoformat(), "to": d_to.isoformat()})
    text = (request.POST.get("text") or "").strip()
    if not text or len(text) > MAX_NOTE:
        return HttpResponseRedirect(back + "&bad_note=1")
    finding_id = request.POST.get("finding") or ""
    data = anomalies.report(current().alias, scope, d_from, d_to, current().opening_hours, unit_id)
    finding = next((f for f in data["findings"] if f["id"] == finding_id), None)
    if finding is None or (visible is not None and finding["centre"] not in visible):
        raise Http404
    AnomalyNote.objects.create(finding=finding_id, centre_id=finding["centre"], check=finding["check"],
                               first_day=finding["first_day"], last_day=finding["last_day"], text=text,
                               written_by=request.user.username,
                               written_at=datetime.fromtimestamp(current().clock(), timezone.utc))
    audit(request, "anomaly_note", f"{finding_id}: {text[:300]}")
    return HttpResponseRedirect(back + f"#f-{finding_id}")

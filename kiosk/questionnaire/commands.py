"""``python main.py questionnaire list|show|start|stop``: a thin shell over the questionnaire API."""

from __future__ import annotations

import argparse
import functools
import sys
from datetime import date, timedelta

from ..config import load_config
from rating import vnformat
from rating.export import to_json
from ..soundness import refuse_if_damaged
from ..backup import open_store
from ..store import VoteStore
from rating.questionnaire.analysis import analyse
from .answers import MODES, DefinitionChanged, active_list, check_definition, start_questionnaire, stop_questionnaire
from rating.questionnaire.loader import Catalogue, load_catalogue, questionnaire_dirs
from rating.questionnaire.model import Questionnaire
from .schema import ALL_COUNTERS

EXIT_OK, EXIT_FAILED = 0, 1
SHORT_TEXT = 46  # characters of a question's words in analyse's lines


class Refused(Exception):
    """A questionnaire command refused, with its reason in Vietnamese (printed after "lỗi: ")."""


def vietnamese_errors(command):
    """Wrap a command so that its refusals (:class:`Refused`, :class:`DefinitionChanged`) print one
    ``lỗi: …`` line (Vietnamese first, the technical detail after it) and exit 1."""
    @functools.wraps(command)
    def run(args) -> int:
        try:
            return command(args)
        except Refused as e:
            print(f"lỗi: {e}", file=sys.stderr)
        except DefinitionChanged as e:
            print(f"lỗi: tệp phiếu khảo sát đã sửa sau khi có người trả lời; hãy tạo phiên bản mới — {e}",
                  file=sys.stderr)
        # Anything else (a configuration error, a damaged store) goes on to the command line's own handler,
        # which logs it and keeps its exit code.
        return EXIT_FAILED
    return run


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _catalogue(config) -> Catalogue:
    catalogue = load_catalogue(questionnaire_dirs(config))
    for error in catalogue.errors:
        print(f"lỗi: tệp phiếu khảo sát không dùng được — {error}", file=sys.stderr)
    return catalogue


def _get(catalogue: Catalogue, qid: str) -> Questionnaire:
    try:
        return catalogue.get(qid)
    except KeyError:
        known = ", ".join(sorted({q.id for q in catalogue.questionnaires})) or "không có"
        raise Refused(f"không có phiếu khảo sát {qid!r} (các phiếu có: {known})") from None


def _check_counter(store: VoteStore, counter: str | None) -> None:
    """Refuse a ``--counter`` that the configuration does not list (start and stop alike)."""
    if counter is not None and store.counters is not None and counter not in store.counters:
        raise Refused(f"không có quầy {counter!r} trong cấu hình (các quầy: {', '.join(sorted(store.counters))})")


def _short(text: str, limit: int = SHORT_TEXT) -> str:
    """``text`` cut to ``limit`` characters at a word, with "…" when cut."""
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _existing_store(config) -> VoteStore | None:
    """The store when the kiosk has one; listing and showing never create it."""
    return open_store(config, create=False) if config.db_path.exists() else None


def _when(counter: str) -> str:
    return "mọi quầy" if counter == ALL_COUNTERS else f"quầy {counter}"


CHANNEL_VI = {"kiosk": "kiosk", "phone": "điện thoại", "paper": "giấy"}


def _elsewhere(asked: dict[str, int]) -> str:
    """"(điện thoại, giấy: 22 câu)": the channels that ask another number than the kiosk (the list's count,
    and the invitation's), e.g. the free-text question a citizen can only write on a phone or on paper."""
    others: dict[int, list[str]] = {}
    for channel, n in asked.items():
        if n != asked["kiosk"]:
            others.setdefault(n, []).append(CHANNEL_VI[channel])
    return "".join(f"  ({', '.join(names)}: {n} câu)" for n, names in others.items())


@vietnamese_errors
def cmd_list(args) -> int:
    """List the questionnaires (shipped and the centre's own) and which are on, each with the number of
    questions a citizen is asked at the kiosk (what the invitation says), and elsewhere when that differs."""
    config = load_config(args.config)
    catalogue = _catalogue(config)
    store = _existing_store(config)
    active = active_list(store) if store else []
    rows, refused = [], 0
    for q in catalogue.questionnaires:
        try:
            if store:
                check_definition(store, q)
        except DefinitionChanged as e:
            print(f"lỗi: tệp phiếu khảo sát đã sửa sau khi có người trả lời; hãy tạo phiên bản mới — {e}",
                  file=sys.stderr)
            refused += 1
            continue
        on = [{"counter": c, "mode": m, "until": u} for c, qid, v, m, u in active if (qid, v) == q.key]
        rows.append({"id": q.id, "version": q.version, "title": q.title_vi, "title_en": q.title_en,
                     # "questions" keeps its meaning (every question in the file: the list's JSON is a
                     # contract); "asked" says how many a citizen is asked on each channel.
                     "questions": len(q.questions), "asked": q.asked_by_channel(), "source": q.source,
                     "active": on})
    if store:
        store.close()
    if args.json:
        print(to_json(rows))
    else:
        for r in rows:
            on = "; ".join(f"đang bật ở {_when(a['counter'])}" + (f" đến {date.fromisoformat(a['until']):%d/%m/%Y}"
                                                                     if a["until"] else "") for a in r["active"])
            print(f"{r['id']:<26} v{r['version']:<3} {r['asked']['kiosk']:>3} câu  {r['title']}" + _elsewhere(r["asked"])
                  + (f"  [{on}]" if on else ""))
    return EXIT_OK if not catalogue.errors and not refused else EXIT_FAILED


@vietnamese_errors
def cmd_show(args) -> int:
    """Print one questionnaire: its questions in the order asked, each with its choices in key order."""
    config = load_config(args.config)
    q = _get(_catalogue(config), args.id)
    store = _existing_store(config)
    if store:
        with store:
            check_definition(store, q)
    if args.json:
        print(to_json(q.as_contract()))
        return EXIT_OK
    print(f"{q.title_vi} — {q.id} v{q.version}")
    print(f"{q.asked('kiosk')} câu ở kiosk{_elsewhere(q.asked_by_channel())}")
    print(q.intro_vi)
    for n, question in enumerate(q.questions, start=1):
        where = "" if len(question.channels) == 3 else f"  (chỉ: {', '.join(question.channels)})"
        group = question.element or question.kind
        print(f"\nCâu {n}/{len(q.questions)} [{group}] {question.vi}{where}")
        for k, choice in enumerate(question.choices, start=1):
            print(f"   {k}. {choice.vi} ({choice.code})")
        if question.kind == "text":
            print(f"   (trả lời bằng chữ, tối đa {question.max_length} ký tự)")
    return EXIT_OK


@vietnamese_errors
def cmd_start(args) -> int:
    """Turn a questionnaire on, for the whole kiosk or one counter, optionally until a day."""
    config = load_config(args.config)
    q = _get(_catalogue(config), args.id)
    with open_store(config) as store:
        refuse_if_damaged(store)  # nothing is written into a damaged file
        _check_counter(store, args.counter)
        if args.until is not None and args.until < store.today():
            raise Refused(f"--until {args.until:%d/%m/%Y} đã qua (hôm nay là {store.today():%d/%m/%Y})")
        active = start_questionnaire(store, q, counter_id=args.counter, until=args.until, mode=args.mode)
    until = f" đến hết {active.until:%d/%m/%Y}" if active.until else ""
    how = "mời trả lời sau khi đánh giá" if args.mode == "invite" else "thay cho màn hình đánh giá"
    print(f"đã bật phiếu khảo sát {q.id} v{q.version} ở {_when(active.counter_id)}{until} ({how})")
    return EXIT_OK


@vietnamese_errors
def cmd_stop(args) -> int:
    """Turn questionnaires off: everywhere, or at one counter."""
    config = load_config(args.config)
    with open_store(config) as store:
        _check_counter(store, args.counter)
        on = [row[0] for row in active_list(store)]
        if args.counter is not None and args.counter not in on and ALL_COUNTERS in on:
            raise Refused(f"phiếu khảo sát đang bật ở mọi quầy, không riêng quầy {args.counter}: hãy tắt ở mọi quầy "
                          "(không có --counter), rồi bật lại cho những quầy còn hỏi")
        stopped = stop_questionnaire(store, args.counter)
    if not stopped:
        print("không có phiếu khảo sát nào đang bật" + (f" ở quầy {args.counter}" if args.counter else ""))
    for counter in stopped:
        print(f"đã tắt phiếu khảo sát ở {_when(counter)}")
    return EXIT_OK


def _quarter(day: date) -> tuple[date, date]:
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1) - timedelta(days=1)
    return start, end


FORMULA = ("Tỷ lệ hài lòng của câu hỏi = (Rất hài lòng + Hài lòng) / số trả lời × 100; chỉ số yếu tố = trung bình "
           "các câu hỏi của yếu tố; chỉ số chung = trung bình các yếu tố (theo cách tính SIPAS). "
           "Dưới 30 trả lời: mẫu nhỏ.")


@vietnamese_errors
def cmd_analyse(args) -> int:
    """Print the analysis of one questionnaire's answers in this kiosk's store for a period (default: this quarter)."""
    config = load_config(args.config)
    q = _get(_catalogue(config), args.id)
    with open_store(config) as store:
        check_definition(store, q)
        d_from, d_to = _quarter(store.today())
        d_from, d_to = args.date_from or d_from, args.date_to or d_to
        result = analyse(store, q, d_from, d_to)[0]
    if args.json:
        print(to_json(result))
        return EXIT_OK
    small = " (mẫu nhỏ)"
    numbers = {x.id: n for n, x in enumerate(q.questions, start=1)}
    print(f"{q.title_vi} — {q.id} v{q.version}")
    print(f"Từ {d_from:%d/%m/%Y} đến {d_to:%d/%m/%Y}: {result['responses']} phiếu trả lời"
          + (small if result["small_sample"] else ""))
    prev = result["previous"]
    change = "" if prev["change"] is None else f", {vnformat.signed(prev['change'])} điểm"
    print(f"Chỉ số chung: {vnformat.percent(result['index'])} (kỳ trước {vnformat.percent(prev['index'])}{change})")
    for element in result["elements"]:
        label = q.element(element["id"]).vi + ("" if element["in_index"] else " *")
        print(f"  {label:<58} {vnformat.percent(element['index']):>9}  {element['answered']:>7} trả lời"
              + (small if element["small_sample"] else ""))
        for question in (x for x in result["questions"] if x["element"] == element["id"]):
            words = f"Câu {numbers[question['id']]}. " + _short(q.question(question['id']).vi)
            print(f"    {words:<56} {vnformat.percent(question['satisfied_pct']):>9}  {question['answered']:>7} trả lời, "
                  f"{question['skipped']} bỏ qua" + (small if question["small_sample"] else ""))
    channels = {"kiosk": "Ki-ốt", "phone": "Điện thoại", "paper": "Phiếu giấy"}
    print("Theo kênh: " + "; ".join(f"{channels[ch]} {vnformat.percent(part['index'])} ({part['responses']} phiếu)"
                                     for ch, part in result["by_channel"].items()))
    print("* không tính vào chỉ số chung. " + FORMULA)
    return EXIT_OK


def register(add) -> None:
    """Add ``questionnaire`` with its actions (list, show, start, stop, analyse) to the command line."""
    p = add("questionnaire", lambda args: (p.print_help(), 2)[1],
            "questionnaires: list, show, start and stop (shipped ones and the centre's own folder)")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    # Each action repeats --config so that it may come after the action too, as with other subcommands.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="the kiosk's TOML configuration")

    def action(name, func, help):
        a = sub.add_parser(name, parents=[common], help=help, description=help)
        a.set_defaults(func=func)
        return a

    a = action("list", cmd_list, "list the questionnaires and which are on")
    a.add_argument("--json", action="store_true", help="print JSON")
    a = action("show", cmd_show, "print a questionnaire's questions in the order asked")
    a.add_argument("id", help="the questionnaire's id, such as trung-tam")
    a.add_argument("--json", action="store_true", help='print {"id", "version", "title", "questions": [...]}')
    a = action("start", cmd_start, "turn a questionnaire on (the whole kiosk, or one counter)")
    a.add_argument("id", help="the questionnaire's id, such as trung-tam")
    a.add_argument("--counter", metavar="Q1", help="only at this counter (default: every counter)")
    a.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="the last day it is on (default: until stopped)")
    a.add_argument("--mode", choices=MODES, default="invite",
                   help="invite: ask after the rating (default); replace: the questionnaire instead of the rating")
    a = action("analyse", cmd_analyse, "the analysis of this kiosk's answers to a questionnaire for a period")
    a.add_argument("id", help="the questionnaire's id, such as trung-tam")
    a.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="default: this quarter's first day")
    a.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="default: this quarter's last day")
    a.add_argument("--json", action="store_true", help="print the report's \"questionnaires\" item")
    a = action("stop", cmd_stop, "turn questionnaires off (everywhere, or at one counter)")
    a.add_argument("--counter", metavar="Q1", help="only at this counter")

"""The II.7 report's questionnaire section: each questionnaire answered in the period, as its own table.

The counts come from :func:`rating.questionnaire.analysis.analyse` (the one analysis, read through the
report's ``source`` with ``?`` placeholders and SQL that runs on SQLite and PostgreSQL). The report
only rounds: every percentage here is rounded **half up** from the exact counts, as the rest of the
report and a spreadsheet's ``ROUND`` do, so the workbook's formulas give the same digits.

- a question's satisfied share: (Rất hài lòng + Hài lòng) / answered × 100 (a skip is not an answer);
- an element's index: the mean of its questions' unrounded shares (questions with no answer left out);
- the overall index: the mean of the unrounded indexes of the elements marked ``in_index``
  (SIPAS practice; an overall question is reported beside them, not averaged in);
- fewer than :data:`SMALL_SAMPLE` answers (responses, for the questionnaire) is a small sample;
- the previous period (the previous quarter for a calendar quarter) is analysed alike, and the change
  is the difference of the two rounded indexes, in percentage points.

The source needs ``q_responses`` and ``q_answers`` (the kiosk store's columns; the central service
adds a ``centre_id``) and, for the questions' wording, ``q_definitions`` — or the questionnaire files
(:func:`rating.questionnaire.loader.questionnaire_dirs`). A source without ``q_answers`` simply has no
questionnaire section. A source inside a PostgreSQL transaction should offer ``has_table(name)``,
since probing a missing table there aborts the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Sequence

from rating.period import between
from rating.rate import MIN_N, change, satisfied

SMALL_SAMPLE = MIN_N  # the one minimum sample (rating.rate)
CHANNEL_LABELS = {"kiosk": "Tại kiosk", "phone": "Trên điện thoại (mã QR)", "paper": "Phiếu giấy"}
METHOD_NOTE = "theo phương pháp SIPAS (Chỉ số hài lòng về sự phục vụ hành chính)"
SHARE_FORMULA = ("Tỷ lệ hài lòng của một câu hỏi = (số câu trả lời Rất hài lòng + Hài lòng) / số câu trả lời × 100; "
                 "câu bị bỏ qua không tính là câu trả lời.")
ELEMENT_FORMULA = ("Chỉ số của một yếu tố = trung bình cộng tỷ lệ hài lòng (chưa làm tròn) của các câu hỏi "
                   "thuộc yếu tố đó (câu chưa có câu trả lời không tính).")
# A small sample is said in words (never by colour alone), the same in the workbook and the PDF.
SMALL_QUESTION = f"(*) mẫu nhỏ: dưới {SMALL_SAMPLE} câu trả lời"
SMALL_ELEMENT = f"(*) có câu hỏi dưới {SMALL_SAMPLE} câu trả lời"
SMALL_RESPONSES = f"(*) mẫu nhỏ: dưới {SMALL_SAMPLE} phiếu"
NO_ANSWER = "chưa có câu trả lời"
NO_RESPONSE = "không có phiếu"


@dataclass
class QuestionLine:
    """One satisfaction question: its distribution, answered and skipped, and satisfied share."""

    number: int
    id: str
    text: str
    element: str
    element_label: str
    levels: dict[str, int]
    answered: int
    skipped: int
    satisfied: int
    satisfied_pct: float | None
    small_sample: bool


@dataclass
class ElementLine:
    """One element: the mean of its questions' shares, and the previous period's for comparison."""

    id: str
    label: str
    in_index: bool
    questions: list[str]          # question ids, in the order asked
    answered: int
    index: float | None
    small_sample: bool
    previous_index: float | None
    change: float | None          # percentage points, index − previous_index


@dataclass
class ChannelLine:
    """One channel's responses and overall index (the combined line has channel "")."""

    channel: str
    label: str
    responses: int
    answers: int
    index: float | None
    small_sample: bool


@dataclass
class QuestionnaireSection:
    """Everything the workbook's sheet and the PDF's section show for one questionnaire version."""

    id: str
    version: int
    title: str
    codes: tuple[str, ...]
    level_labels: dict[str, str]
    responses: int
    small_sample: bool
    questions: list[QuestionLine]
    elements: list[ElementLine]
    index: float | None
    channels: list[ChannelLine]
    previous_label: str
    previous_from: str
    previous_to: str
    previous_responses: int
    previous_index: float | None
    change: float | None
    formula: str                  # the overall index's formula, in words
    notes: list[str] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------

def _has_table(source, name: str) -> bool:
    probe = getattr(source, "has_table", None)
    if probe is not None:
        return bool(probe(name))
    try:
        source.query(f"SELECT 1 FROM {name} WHERE 1 = 0")
    except Exception:  # any driver's "no such table": the source simply has no questionnaires
        return False
    return True


def _filter_sql(filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    sql, params = "", []
    for column, values in (filters or {}).items():
        values = list(values) if isinstance(values, (list, tuple, set, frozenset)) else [values]
        if not values:
            sql += " AND 1 = 0"
            continue
        sql += f" AND {column} IN ({', '.join('?' * len(values))})"
        params.extend(values)
    return sql, params


def _definitions(source, keys: list[tuple[str, int]], dirs) -> tuple[list, list[str]]:
    """The questionnaires for ``(id, version)`` keys: from ``q_definitions`` when the source has it,
    else from the questionnaire files; and a note for each that neither has."""
    from rating.questionnaire.loader import QuestionnaireError, from_definition, load_catalogue, questionnaire_dirs
    stored = _has_table(source, "q_definitions")
    catalogue = None
    found, missing = [], []
    for qid, version in keys:
        q = None
        if stored:
            rows = source.query("SELECT definition FROM q_definitions WHERE questionnaire_id = ? AND version = ?",
                                [qid, version])
            if rows:
                try:
                    q = from_definition(rows[0][0], source=f"q_definitions: {qid} v{version}")
                except QuestionnaireError:
                    q = None
        if q is None:
            catalogue = catalogue or load_catalogue(dirs if dirs is not None else questionnaire_dirs())
            try:
                q = catalogue.get(qid, version)
            except KeyError:
                missing.append(f"Phiếu khảo sát {qid} phiên bản {version} có câu trả lời trong kỳ nhưng không tìm "
                               "thấy nội dung phiếu: chưa phân tích được.")
                continue
        found.append(q)
    return found, missing


def answered_keys(source, d_from: date, d_to: date, filters: Mapping[str, Any] | None = None) -> list[tuple[str, int]]:
    """``(questionnaire_id, version)`` of every questionnaire with a response in ``d_from..d_to``."""
    extra, params = _filter_sql(filters)
    rows = source.query("SELECT DISTINCT questionnaire_id, version FROM q_responses WHERE local_date BETWEEN ? AND ?"
                        f"{extra} ORDER BY 1, 2", [d_from.isoformat(), d_to.isoformat(), *params])
    return [(qid, int(version)) for qid, version in rows]


def questionnaire_sections(source, d_from: date, d_to: date, filters: Mapping[str, Any] | None = None,
                           dirs: Sequence | None = None) -> tuple[list[QuestionnaireSection], list[str]]:
    """The section of every questionnaire answered in ``d_from..d_to`` (none when the source has no
    ``q_answers`` table or nothing was answered), and notes about versions that could not be read.
    ``filters`` narrows the answers (``{"kiosk_id": [...]}``; see :func:`rating.questionnaire.analysis.analyse`)."""
    if not (_has_table(source, "q_answers") and _has_table(source, "q_responses")):
        return [], []
    from rating.questionnaire.analysis import analyse, previous_period
    keys = answered_keys(source, d_from, d_to, filters)
    if not keys:
        return [], []
    found, missing = _definitions(source, keys, dirs)
    p_from, p_to = previous_period(d_from, d_to)
    sections = []
    for q in found:
        now = analyse(source, q, d_from, d_to, filters=dict(filters) if filters else None, compare=False)[0]
        before = analyse(source, q, p_from, p_to, filters=dict(filters) if filters else None, compare=False)[0]
        sections.append(_section(q, now, before, between(p_from, p_to).label))
    return sections, missing


def _section(q, now: dict[str, Any], before: dict[str, Any], previous_label: str) -> QuestionnaireSection:
    codes: list[str] = []
    labels: dict[str, str] = {}
    for x in q.scale_questions():
        for c in x.choices:
            if c.code not in labels:
                codes.append(c.code)
                labels[c.code] = c.vi
    element_label = {e.id: e.vi for e in q.elements}
    lines = []
    # Every share and index is the analysis's (rating.questionnaire.analysis, over rating.rate): this
    # section only lays them out.
    counted = {x["id"]: x for x in now["questions"]}
    for i, x in enumerate(q.scale_questions(), start=1):
        got = counted.get(x.id, {"levels": {}, "skipped": 0, "satisfied_pct": None})
        levels = {c: int(got["levels"].get(c, 0)) for c in codes}
        answered = sum(levels.values())
        lines.append(QuestionLine(i, x.id, x.vi, x.element or "", element_label.get(x.element, x.element or ""),
                                  levels, answered, int(got["skipped"]), satisfied(levels),
                                  got["satisfied_pct"], answered < SMALL_SAMPLE))
    e_now = {e["id"]: e["index"] for e in now["elements"]}
    e_before = {e["id"]: e["index"] for e in before["elements"]}
    elements = []
    for e in q.elements:
        members = [x for x in lines if x.element == e.id]
        index, prev = e_now.get(e.id), e_before.get(e.id)
        elements.append(ElementLine(e.id, e.vi, e.in_index, [x.id for x in members], sum(x.answered for x in members),
                                    index, any(x.small_sample for x in members), prev, change(index, prev)))
    index, prev_index = now["index"], before["index"]
    channels = []
    for ch, label in CHANNEL_LABELS.items():
        part = now["by_channel"].get(ch, {"questions": [], "responses": 0, "index": None})
        channels.append(ChannelLine(ch, label, int(part["responses"]), sum(x["answered"] for x in part["questions"]),
                                    part["index"], int(part["responses"]) < SMALL_SAMPLE))
    channels.append(ChannelLine("", "Tổng hợp các kênh", int(now["responses"]), sum(x.answered for x in lines), index,
                                int(now["responses"]) < SMALL_SAMPLE))
    in_index = [e.vi for e in q.elements if e.in_index]
    formula = (f"Chỉ số hài lòng chung = ({' + '.join(in_index)}) / {len(in_index)}, tức trung bình cộng chỉ số "
               f"của {len(in_index)} yếu tố, {METHOD_NOTE}.")
    notes = [SHARE_FORMULA, ELEMENT_FORMULA, formula]
    outside = [e.vi for e in q.elements if not e.in_index]
    if outside:
        notes.append(f"Yếu tố {', '.join(outside)} được báo cáo riêng, không tính vào chỉ số chung.")
    notes.append(f"(*) Mẫu nhỏ: dưới {SMALL_SAMPLE} câu trả lời (với cả phiếu: dưới {SMALL_SAMPLE} phiếu), "
                 "cần thận trọng khi so sánh.")
    notes.append("Các tỷ lệ và chỉ số được làm tròn đến một chữ số thập phân; chênh lệch so với kỳ trước tính "
                 "bằng điểm phần trăm.")
    return QuestionnaireSection(
        id=q.id, version=q.version, title=q.title_vi, codes=tuple(codes), level_labels=labels,
        responses=int(now["responses"]), small_sample=int(now["responses"]) < SMALL_SAMPLE, questions=lines,
        elements=elements, index=index, channels=channels, previous_label=previous_label,
        previous_from=before["from"], previous_to=before["to"], previous_responses=int(before["responses"]),
        previous_index=prev_index, change=change(index, prev_index), formula=formula, notes=notes)

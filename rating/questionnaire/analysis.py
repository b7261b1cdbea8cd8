"""The questionnaire analysis: satisfied shares per question, element indexes, the overall index.

Following SIPAS practice (the national satisfaction index of public administrative services):

- a question's **satisfied share** is (Rất hài lòng + Hài lòng) / answered × 100, over the answers
  given in the period (a skip is not an answer; a changed answer counts once, as last given);
- an **element's index** is the mean of its questions' satisfied shares;
- the **overall index** is the mean of the element indexes (the elements marked ``in_index``; an
  overall question is reported beside them, not averaged in).

Questions with no answers are left out of the means; an index with nothing to average is ``null``.
Fewer than 30 answers is a **small sample** (flagged, never hidden). The previous period (the
previous quarter when the period is a calendar quarter) is analysed alike for comparison.

The SQL reads two tables (``q_answers`` and ``q_responses``, with the kiosk store's column names)
through ``source.query(sql, params)`` with ``?`` placeholders only, as :mod:`rating.totals` does, so
the central service can run the same analysis on PostgreSQL over every channel. No Kivy here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable, Protocol, Sequence

from rating.rate import MIN_N, change as points, mean, round_half_up, satisfied, share
from rating.questionnaire.model import CHANNELS, Questionnaire

SMALL_SAMPLE = 30  # fewer answers than this: a small sample
FILTER_COLUMNS = ("kiosk_id", "counter_id", "centre_id")  # centre_id: the central service's tables only


class AnswerSource(Protocol):
    """Anything holding ``q_answers`` and ``q_responses`` tables with the store's columns."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...


def previous_period(d_from: date, d_to: date) -> tuple[date, date]:
    """The period to compare with: the previous calendar quarter when ``d_from..d_to`` is one,
    else as many days ending the day before ``d_from``."""
    q_start = date(d_from.year, 3 * ((d_from.month - 1) // 3) + 1, 1)
    q_end = (date(q_start.year + (q_start.month == 10), (q_start.month + 2) % 12 + 1, 1) - timedelta(days=1))
    if d_from == q_start and d_to == q_end:
        prev_end = q_start - timedelta(days=1)
        return date(prev_end.year, prev_end.month - 2, 1), prev_end
    length = (d_to - d_from).days + 1
    return d_from - timedelta(days=length), d_from - timedelta(days=1)


def _where(q: Questionnaire, d_from: date, d_to: date, filters: dict[str, Any] | None,
           prefix: str = "") -> tuple[str, list[Any]]:
    where = f"{prefix}questionnaire_id = ? AND {prefix}version = ? AND {prefix}local_date BETWEEN ? AND ?"
    params: list[Any] = [q.id, q.version, d_from.isoformat(), d_to.isoformat()]
    for name, value in (filters or {}).items():
        if name not in FILTER_COLUMNS:
            raise ValueError(f"cannot filter answers by {name!r} (only {', '.join(FILTER_COLUMNS)})")
        values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
        where += f" AND {prefix}{name} IN ({', '.join('?' * len(values))})"
        params.extend(values)
    return where, params


def _counts(source: AnswerSource, q: Questionnaire, d_from: date, d_to: date,
            filters: dict[str, Any] | None) -> tuple[dict, dict]:
    """``{channel: {question: {choice_or_None: n}}}`` for the current answers, and responses per channel."""
    where, params = _where(q, d_from, d_to, filters)
    counts: dict[str, dict[str, dict[str | None, int]]] = {}
    for channel, question_id, choice, n in source.query(
            f"SELECT channel, question_id, choice, count(*) FROM q_answers WHERE {where} AND replaced = 0 "
            "GROUP BY channel, question_id, choice", params):
        counts.setdefault(channel, {}).setdefault(question_id, {})[choice] = n
    rwhere, rparams = _where(q, d_from, d_to, filters, prefix="r.")
    responses = dict(source.query(
        f"SELECT r.channel, count(*) FROM q_responses r WHERE {rwhere} AND EXISTS "
        "(SELECT 1 FROM q_answers a WHERE a.response_uuid = r.uuid) GROUP BY r.channel", rparams))
    return counts, responses


def summarise(q: Questionnaire, counts: dict[str, dict[str | None, int]], responses: int) -> dict[str, Any]:
    """Questions, elements and the overall index from ``{question: {choice_or_None: n}}`` counts."""
    questions, shares = [], {}
    for question in q.scale_questions():
        got = counts.get(question.id, {})
        levels = {code: got.get(code, 0) for code in question.codes}
        answered = sum(levels.values())
        exact = share(satisfied(levels), answered)
        shares[question.id] = (exact, answered)
        questions.append({"id": question.id, "element": question.element, "levels": levels, "answered": answered,
                          "skipped": got.get(None, 0), "satisfied_pct": round_half_up(exact),
                          "small_sample": answered < SMALL_SAMPLE})
    elements, indexes = [], []
    for element in q.elements:
        members = [shares[x.id] for x in q.scale_questions() if x.element == element.id]
        index = mean(s for s, _ in members)
        answered = sum(n for _, n in members)
        elements.append({"id": element.id, "index": round_half_up(index), "answered": answered,
                         "in_index": element.in_index,
                         "small_sample": min((n for _, n in members), default=0) < SMALL_SAMPLE})
        if element.in_index:
            indexes.append(index)
    return {"responses": responses, "questions": questions, "elements": elements, "index": round_half_up(mean(indexes)),
            "small_sample": responses < SMALL_SAMPLE}


def _analyse_one(source: AnswerSource, q: Questionnaire, d_from: date, d_to: date,
                 filters: dict[str, Any] | None) -> dict[str, Any]:
    counts, responses = _counts(source, q, d_from, d_to, filters)
    combined: dict[str, dict[str | None, int]] = {}
    for per_channel in counts.values():
        for qid, choices in per_channel.items():
            into = combined.setdefault(qid, {})
            for choice, n in choices.items():
                into[choice] = into.get(choice, 0) + n
    out = {"id": q.id, "version": q.version, "title": q.title_vi, "from": d_from.isoformat(), "to": d_to.isoformat(),
           **summarise(q, combined, sum(responses.values()))}
    out["by_channel"] = {ch: summarise(q, counts.get(ch, {}), responses.get(ch, 0)) for ch in CHANNELS}
    return out


def analyse(source: AnswerSource, questionnaires: Questionnaire | Iterable[Questionnaire], d_from: date, d_to: date,
            filters: dict[str, Any] | None = None, compare: bool = True) -> list[dict[str, Any]]:
    """The analysis of each questionnaire over ``d_from..d_to`` (local dates, inclusive): the
    ``"questionnaires"`` list of ``report --format json`` (a contract, see ``docs/questionnaire.md``).

    Each item has the contract's keys (``id``, ``version``, ``responses``, ``questions``,
    ``elements``, ``index``, ``by_channel``) and, beside them, ``title``, ``from``, ``to``,
    ``small_sample`` flags and ``previous``: the previous period's ``responses``, ``index`` and element
    indexes, with ``change`` in percentage points (``null`` when either side has no index).
    ``filters`` narrows to some ``kiosk_id`` or ``counter_id`` values (the central service's centres).
    """
    if d_to < d_from:
        raise ValueError(f"the period ends ({d_to}) before it starts ({d_from})")
    if isinstance(questionnaires, Questionnaire):
        questionnaires = [questionnaires]
    results = []
    for q in questionnaires:
        out = _analyse_one(source, q, d_from, d_to, filters)
        if compare:
            p_from, p_to = previous_period(d_from, d_to)
            prev = _analyse_one(source, q, p_from, p_to, filters)
            change = points(out["index"], prev["index"])
            out["previous"] = {"from": prev["from"], "to": prev["to"], "responses": prev["responses"],
                               "index": prev["index"], "change": change,
                               "elements": [{"id": e["id"], "index": e["index"], "answered": e["answered"]}
                                            for e in prev["elements"]]}
        results.append(out)
    return results

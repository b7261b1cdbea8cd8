"""The questionnaire analysis, checked against an independent computation from the raw answers generated here."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rating.questionnaire.analysis import analyse, previous_period
from kiosk.questionnaire.answers import AnswerStore
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
CHOICES = ("RHL", "HL", "BT", "KHL", "RKHL")


@pytest.fixture(scope="module")
def centre():
    return load_catalogue([SHIPPED_DIR]).get("trung-tam")


def generate(store, q, n: int, period: tuple[date, date], seed: int, changed: int = 0) -> list[dict]:
    """Store ``n`` random responses in ``period`` (``changed`` of them with answers given twice) and return,
    for each, what a reader of the raw answers would take: channel, counter and the final choice per question."""
    rnd = random.Random(seed)
    answers = AnswerStore(store)
    days = (period[1] - period[0]).days
    raw, bulk = [], []
    for i in range(n):
        channel = rnd.choice(("kiosk", "kiosk", "phone", "paper"))
        counter = rnd.choice(("Q1", "Q2")) if channel == "kiosk" else None
        at = datetime.combine(period[0] + timedelta(days=rnd.randint(0, days)), datetime.min.time(), TZ) + timedelta(hours=10)
        given = {}
        for question in q.scale_questions():
            r = rnd.random()
            if r < 0.1:
                continue  # never reached: neither answered nor skipped
            given[question.id] = None if r < 0.2 else rnd.choice(CHOICES)
        raw.append({"channel": channel, "counter": counter, "final": given})
        if i < changed:
            rid = answers.start_response(q, channel, counter, at=at)
            for qid, choice in given.items():
                answers.record_answer(rid, qid, rnd.choice(CHOICES), at=at)  # a first thought...
                answers.record_answer(rid, qid, choice, at=at + timedelta(seconds=5))  # ...then going back
        else:
            bulk.append({"channel": channel, "counter_id": counter, "at": at, "answers": given})
    answers.record_responses(q, bulk)
    return raw


def tenths(value) -> float | None:
    """An exact value rounded half up to one decimal, by decimal arithmetic (the rule the report uses)."""
    if value is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def independent(q, raw: list[dict]) -> dict:
    """Satisfied shares, element means and the mean of element means, computed from the raw answers alone."""
    element_of = {x.id: x.element for x in q.scale_questions()}
    out = {"responses": sum(1 for r in raw if r["final"]), "questions": {}, "elements": {}}
    for qid in element_of:
        finals = [r["final"][qid] for r in raw if qid in r["final"]]
        picked = [c for c in finals if c is not None]
        out["questions"][qid] = {
            "levels": {c: picked.count(c) for c in CHOICES}, "answered": len(picked),
            "skipped": finals.count(None),
            "share": Fraction(100 * sum(c in ("RHL", "HL") for c in picked), len(picked)) if picked else None}
    for element in {e for e in element_of.values()}:
        shares = [out["questions"][qid]["share"] for qid, e in element_of.items()
                  if e == element and out["questions"][qid]["share"] is not None]
        out["elements"][element] = sum(shares) / len(shares) if shares else None
    indexed = [out["elements"][e] for e in ("access", "procedure", "officer", "result", "feedback")
               if out["elements"][e] is not None]
    out["index"] = sum(indexed) / len(indexed) if indexed else None
    return out


def assert_matches(got: dict, expected: dict) -> None:
    assert got["responses"] == expected["responses"]
    for question in got["questions"]:
        exp = expected["questions"][question["id"]]
        assert question["levels"] == exp["levels"], question["id"]
        assert (question["answered"], question["skipped"]) == (exp["answered"], exp["skipped"]), question["id"]
        assert question["satisfied_pct"] == (None if exp["share"] is None else tenths(exp["share"]))
    for element in got["elements"]:
        exp = expected["elements"][element["id"]]
        assert element["index"] == (None if exp is None else tenths(exp)), element["id"]
    assert got["index"] == tenths(expected["index"])


def test_the_combined_and_per_channel_analysis_equal_an_independent_computation(store, centre):
    raw = generate(store, centre, 240, Q4, seed=7, changed=12)
    result = analyse(store, [centre], *Q4)
    assert len(result) == 1
    got = result[0]
    assert (got["id"], got["version"]) == ("trung-tam", 1)
    assert_matches(got, independent(centre, raw))
    assert set(got["by_channel"]) == {"kiosk", "phone", "paper"}
    for channel, part in got["by_channel"].items():
        assert_matches(part, independent(centre, [r for r in raw if r["channel"] == channel]))


def test_the_json_has_the_contract_keys_in_the_order_asked(store, centre):
    generate(store, centre, 5, Q4, seed=1)
    got = analyse(store, centre, *Q4)[0]
    assert {"id", "version", "responses", "questions", "elements", "index", "by_channel"} <= set(got)
    assert [x["id"] for x in got["questions"]] == [x.id for x in centre.scale_questions()]
    assert set(got["questions"][0]) >= {"id", "element", "levels", "answered", "skipped", "satisfied_pct"}
    assert list(got["questions"][0]["levels"]) == ["RHL", "HL", "BT", "KHL", "RKHL"]
    assert set(got["elements"][0]) >= {"id", "index", "answered"}
    assert [e["id"] for e in got["elements"]] == ["access", "procedure", "officer", "result", "feedback", "overall"]


def test_the_overall_question_is_reported_but_not_averaged_into_the_index(store, centre):
    answers = AnswerStore(store)
    at = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
    answers.record_responses(centre, [{"channel": "kiosk", "at": at, "answers": {
        "access-info": "RHL", "procedure-fees": "KHL", "officer-polite": "HL", "result-fair": "BT",
        "feedback-easy": "RKHL", "overall": "RHL"}}])
    got = analyse(store, centre, *Q4)[0]
    assert {e["id"]: e["index"] for e in got["elements"]} == {
        "access": 100.0, "procedure": 0.0, "officer": 100.0, "result": 0.0, "feedback": 0.0, "overall": 100.0}
    assert got["index"] == 40.0  # (100 + 0 + 100 + 0 + 0) / 5, without the overall question's 100


def test_fewer_than_thirty_answers_is_flagged_a_small_sample(store, centre):
    generate(store, centre, 29, Q4, seed=3)
    got = analyse(store, centre, *Q4)[0]
    assert got["small_sample"] and all(q["small_sample"] for q in got["questions"])
    AnswerStore(store).record_responses(centre, [
        {"channel": "phone", "at": datetime(2026, 12, 1, 9, tzinfo=TZ), "answers": {"overall": "HL"}}] * 40)
    got = analyse(store, centre, *Q4)[0]
    overall = next(q for q in got["questions"] if q["id"] == "overall")
    assert overall["answered"] >= 40 and not overall["small_sample"] and not got["small_sample"]


def test_the_previous_quarter_is_analysed_beside_for_comparison(store, centre):
    raw_q3 = generate(store, centre, 60, Q3, seed=11)
    raw_q4 = generate(store, centre, 60, Q4, seed=12)
    got = analyse(store, centre, *Q4)[0]
    prev = got["previous"]
    assert (prev["from"], prev["to"]) == ("2026-07-01", "2026-09-30")
    assert prev["index"] == tenths(independent(centre, raw_q3)["index"])
    assert got["index"] == tenths(independent(centre, raw_q4)["index"])
    assert prev["change"] == round(got["index"] - prev["index"], 1)


def test_an_empty_period_has_no_index_rather_than_zero(store, centre):
    got = analyse(store, centre, *Q4)[0]
    assert got["responses"] == 0 and got["index"] is None and got["previous"]["change"] is None
    assert all(q["satisfied_pct"] is None and q["answered"] == 0 for q in got["questions"])


def test_answers_can_be_narrowed_to_one_counter(store, centre):
    raw = generate(store, centre, 80, Q4, seed=5)
    got = analyse(store, centre, *Q4, filters={"counter_id": "Q1"})[0]
    assert_matches(got, independent(centre, [r for r in raw if r["counter"] == "Q1"]))
    with pytest.raises(ValueError, match="cannot filter answers by 'channel; DROP'"):
        analyse(store, centre, *Q4, filters={"channel; DROP": "x"})


def test_the_previous_period_is_the_previous_quarter_or_as_many_days_before():
    assert previous_period(*Q4) == Q3
    assert previous_period(date(2026, 1, 1), date(2026, 3, 31)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert previous_period(date(2026, 11, 10), date(2026, 11, 19)) == (date(2026, 10, 31), date(2026, 11, 9))

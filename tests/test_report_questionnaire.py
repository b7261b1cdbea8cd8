"""The II.7 report's questionnaire section, read back as a user's tools read it (openpyxl, LibreOffice
recalculating every formula, pdftotext) and checked against numbers computed here from the raw rows of
the SQLite file (plain sqlite3, the questionnaire TOML files read with tomllib, Fractions and Decimal:
none of rating.questionnaire.analysis nor rating.report)."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
import subprocess
import tomllib
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from kiosk.config import load_config
from kiosk.questionnaire.answers import AnswerStore
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
from rating.report import ReportSettings, ReportUnit, build_report, render, report_for_store
from rating.report.questionnaires import questionnaire_sections
from kiosk.store import VoteStore
from tests.conftest import write_config
from tests.helpers.report_data import REPORT_CONFIG
try:  # the PostgreSQL server fixture; without psycopg only that test is skipped, not this module
    from tests.test_questionnaire_postgres import PG_TABLES, PgSource, pg  # noqa: F401 (pg: a fixture)
except pytest.skip.Exception:
    PG_TABLES = None
from tests.test_report_xlsx import RECALC_ALWAYS

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
IN_Q4 = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)  # the store's clock: the votes timed "now" fall in Q4, any real day
CODES = ("RHL", "HL", "BT", "KHL", "RKHL")
SHEET_TT = "Phiếu KS trung-tam"
SHEET_CQ = "Phiếu KS chinh-quyen-than-thien"


# --- the data, recorded through the real store -------------------------------------------------

def _at(period: tuple[date, date], rnd: random.Random) -> datetime:
    day = period[0] + timedelta(days=rnd.randint(0, (period[1] - period[0]).days))
    return datetime(day.year, day.month, day.day, 8 + rnd.randint(0, 8), rnd.randint(0, 59), tzinfo=TZ)


def _random_answers(q, rnd: random.Random, channel: str) -> dict:
    out = {}
    for x in q.scale_questions():
        if channel not in x.channels:
            continue
        r = rnd.random()
        if r < 0.08:
            continue                       # walked away before it
        out[x.id] = None if r < 0.16 else rnd.choices(CODES, weights=(5, 6, 2, 1, 1))[0]
    return out


def fill(store) -> None:
    """trung-tam: 150 responses in Q4 over the three channels (10 with answers changed by going back),
    45 in Q3. chinh-quyen-than-thien: 80 kiosk responses in Q4 where every one answers the first
    question (61 satisfied of 80: 76.25 %, a tie that half-up rounding makes 76.3) and only 12 answer
    the others (small samples)."""
    catalogue = load_catalogue([SHIPPED_DIR])
    tt, cq = catalogue.get("trung-tam"), catalogue.get("chinh-quyen-than-thien")
    answers = AnswerStore(store)
    rnd = random.Random(20261122)
    for period, n, changed in ((Q4, 150, 10), (Q3, 45, 0)):
        bulk = []
        for i in range(n):
            channel = rnd.choices(("kiosk", "phone", "paper"), weights=(5, 3, 2))[0]
            counter = "Q1" if channel == "kiosk" else None
            given, at = _random_answers(tt, rnd, channel), _at(period, rnd)
            if i < changed:
                rid = answers.start_response(tt, channel, counter, at=at)
                for qid, choice in given.items():
                    answers.record_answer(rid, qid, rnd.choice(CODES), at=at)            # a first thought…
                    answers.record_answer(rid, qid, choice, at=at + timedelta(seconds=4))  # …changed
            else:
                bulk.append({"channel": channel, "counter_id": counter, "at": at, "answers": given})
        answers.record_responses(tt, bulk)
    bulk = []
    first = cq.scale_questions()[0].id
    for i in range(80):
        given = {first: ("RHL", "HL")[i % 2] if i < 61 else ("BT", "KHL", "RKHL")[i % 3]}
        if i < 12:
            given.update({x.id: rnd.choice(CODES) for x in cq.scale_questions()[1:]})
        bulk.append({"channel": "kiosk", "counter_id": "Q2", "at": _at(Q4, rnd), "answers": given})
    answers.record_responses(cq, bulk)
    for level in ("RHL", "HL", "BT"):
        store.record_vote("Q1", level)


# --- the independent computation ------------------------------------------------------------------

def half_up(value: Fraction | None) -> float | None:
    if value is None:
        return None
    return float((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _mean(values) -> Fraction | None:
    got = [v for v in values if v is not None]
    return sum(got, Fraction(0)) / len(got) if got else None


def expected(db_path: Path, qid: str, period: tuple[date, date], channel: str | None = None) -> dict:
    """Every number of a questionnaire's section, from the raw rows: the last answer given to a question in
    a response counts (seq order); a NULL choice is a skip; elements and their in_index from the TOML file."""
    definition = tomllib.loads((SHIPPED_DIR / f"{qid}.toml").read_text(encoding="utf-8"))
    questions = [x for x in definition["questions"] if x.get("kind", "scale") == "scale" and "element" in x]
    con = sqlite3.connect(db_path)
    rows = con.execute("SELECT a.response_uuid, a.question_id, a.choice, r.channel FROM q_answers a "
                       "JOIN q_responses r ON r.uuid = a.response_uuid WHERE r.questionnaire_id = ? "
                       "AND a.local_date BETWEEN ? AND ? ORDER BY a.seq",
                       (qid, period[0].isoformat(), period[1].isoformat())).fetchall()
    con.close()
    final, channel_of = {}, {}
    for rid, question, choice, ch in rows:
        final[(rid, question)] = choice
        channel_of[rid] = ch
    if channel is not None:
        final = {k: v for k, v in final.items() if channel_of[k[0]] == channel}
    out = {"responses": len({rid for rid, _ in final}), "questions": {}, "elements": {}}
    share = {}
    for x in questions:
        given = [c for (rid, question), c in final.items() if question == x["id"]]
        picked = [c for c in given if c is not None]
        levels = {c: picked.count(c) for c in CODES}
        share[x["id"]] = Fraction(100 * (levels["RHL"] + levels["HL"]), len(picked)) if picked else None
        out["questions"][x["id"]] = {"levels": levels, "answered": len(picked), "skipped": given.count(None),
                                     "pct": half_up(share[x["id"]])}
    element_exact = {}
    for e in definition["elements"]:
        element_exact[e["id"]] = _mean(share[x["id"]] for x in questions if x["element"] == e["id"])
        out["elements"][e["id"]] = half_up(element_exact[e["id"]])
    out["index"] = half_up(_mean(element_exact[e["id"]] for e in definition["elements"] if e.get("in_index", True)))
    out["in_index"] = [e["vi"] for e in definition["elements"] if e.get("in_index", True)]
    out["texts"] = {x["id"]: x["vi"] for x in questions}
    return out


# --- fixtures: the files, written once, and LibreOffice's recalculation -------------------------

@pytest.fixture(scope="module")
def made(tmp_path_factory):
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is not installed: run `make test`, which installs it")
    root = tmp_path_factory.mktemp("qreport")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    with VoteStore.from_config(config, clock=lambda: IN_Q4) as store:
        fill(store)
        model = report_for_store(store, config, *Q4)
        empty = report_for_store(store, config, date(2026, 1, 1), date(2026, 3, 31))
    src = root / "src"
    src.mkdir()
    for name, m in (("q4", model), ("empty", empty)):
        (src / f"{name}.xlsx").write_bytes(render(m, "xlsx"))
        (src / f"{name}.pdf").write_bytes(render(m, "pdf"))
    profile = root / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    out = root / "recalc"
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
                           "--convert-to", "xlsx", "--outdir", str(out), str(src / "q4.xlsx")],
                          capture_output=True, text=True, timeout=180)
    assert (out / "q4.xlsx").exists(), done.stderr
    return {"root": root, "src": src, "recalc": out / "q4.xlsx", "config": config, "model": model, "empty": empty,
            "tt": expected(config.db_path, "trung-tam", Q4), "tt_prev": expected(config.db_path, "trung-tam", Q3),
            "cq": expected(config.db_path, "chinh-quyen-than-thien", Q4)}


def _sheet(path: Path, name: str, formulas: bool = False):
    return openpyxl.load_workbook(path, data_only=not formulas)[name]


def _tables(ws) -> dict:
    """The sheet's three tables, found by their headings: questions by text, elements by label, channels by label."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    part, out = None, {"questions": {}, "elements": {}, "channels": {}, "text": []}
    for r in rows:
        first = next((c for c in r if isinstance(c, str)), "")
        out["text"].append(" ".join(str(c) for c in r if c is not None))
        if first.startswith("1. Kết quả theo từng câu hỏi"):
            part = "questions"
        elif first.startswith("2. Chỉ số hài lòng"):
            part = "elements"
        elif first.startswith("3. Số phiếu theo kênh"):
            part = "channels"
        elif part and isinstance(r[1], str) and r[1] not in ("Câu hỏi", "Yếu tố", "Kênh") and (
                isinstance(r[0], int) or r[1].startswith(("Chỉ số hài lòng chung", "Tổng hợp"))):
            out[part][r[1]] = r
    return out


# --- the workbook ---------------------------------------------------------------------------------

def test_each_questionnaire_answered_gets_its_own_sheet_before_kiem_chung(made):
    names = openpyxl.load_workbook(made["src"] / "q4.xlsx").sheetnames
    assert names == ["Tổng hợp", "Theo công chức", "Theo ngày", "Theo giờ", "Lý do", SHEET_CQ, SHEET_TT,
                     "Kiểm chứng"]
    ws = _sheet(made["src"] / "q4.xlsx", SHEET_TT)
    assert ws["A1"].font.name == "Times New Roman"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"


@pytest.mark.parametrize("which", ["written", "recalculated"])
@pytest.mark.parametrize("qid,sheet", [("tt", SHEET_TT), ("cq", SHEET_CQ)])
def test_every_question_row_matches_the_raw_answers_before_and_after_recalculation(made, which, qid, sheet):
    path = made["src"] / "q4.xlsx" if which == "written" else made["recalc"]
    t, exp = _tables(_sheet(path, sheet)), made[qid]
    assert len(t["questions"]) == len(exp["questions"])
    for question_id, e in exp["questions"].items():
        row = t["questions"][exp["texts"][question_id]]
        assert list(row[3:8]) == [e["levels"][c] for c in CODES], question_id
        assert (row[8], row[9]) == (e["answered"], e["skipped"]), question_id
        assert row[10] == ("—" if e["pct"] is None else e["pct"]), question_id


def test_a_tie_is_rounded_half_up_as_the_spreadsheet_does(made):
    """61 satisfied of 80 is 76.25 %: Python's round() would print 76.2, ROUND() and the report 76.3."""
    for path in (made["src"] / "q4.xlsx", made["recalc"]):
        row = _tables(_sheet(path, SHEET_CQ))["questions"][made["cq"]["texts"]["listen-officials"]]
        assert (row[8], row[10]) == (80, 76.3)


@pytest.mark.parametrize("which", ["written", "recalculated"])
def test_element_indexes_the_overall_index_and_the_previous_quarter_match_the_raw_answers(made, which):
    path = made["src"] / "q4.xlsx" if which == "written" else made["recalc"]
    t, exp, prev = _tables(_sheet(path, SHEET_TT)), made["tt"], made["tt_prev"]
    labels = {e.id: e.label for e in made["model"].questionnaires[1].elements}
    for element_id, index in exp["elements"].items():
        row = t["elements"][labels[element_id]]
        assert row[4] == index, element_id
        assert row[5] == prev["elements"][element_id], element_id
        assert row[6] == round(index - prev["elements"][element_id], 1), element_id
    overall = t["elements"]["Chỉ số hài lòng chung (SIPAS)"]
    assert (overall[4], overall[5]) == (exp["index"], prev["index"])
    assert overall[6] == round(exp["index"] - prev["index"], 1)
    assert exp["index"] is not None and prev["index"] is not None


@pytest.mark.parametrize("which", ["written", "recalculated"])
def test_responses_per_channel_and_combined_match_the_raw_rows(made, which):
    path = made["src"] / "q4.xlsx" if which == "written" else made["recalc"]
    t = _tables(_sheet(path, SHEET_TT))
    db = made["config"].db_path
    for label, channel in (("Tại kiosk", "kiosk"), ("Trên điện thoại (mã QR)", "phone"), ("Phiếu giấy", "paper")):
        exp = expected(db, "trung-tam", Q4, channel)
        row = t["channels"][label]
        assert (row[2], row[3], row[4]) == (exp["responses"], sum(q["answered"] for q in exp["questions"].values()),
                                            exp["index"]), channel
    combined = t["channels"]["Tổng hợp các kênh"]
    assert (combined[2], combined[4]) == (made["tt"]["responses"], made["tt"]["index"])


def test_totals_shares_indexes_and_changes_are_formulas(made):
    t = _tables(_sheet(made["src"] / "q4.xlsx", SHEET_TT, formulas=True))
    row = next(iter(t["questions"].values()))
    assert str(row[8]).startswith("=SUM(") and "ROUND(" in str(row[10]) and "*100" in str(row[10])
    element = t["elements"]["Tiếp cận dịch vụ"]
    assert "AVERAGE(" in str(element[4]) and "ROUND(" in str(element[6])
    assert "AVERAGE(" in str(t["elements"]["Chỉ số hài lòng chung (SIPAS)"][4])
    assert str(t["channels"]["Tổng hợp các kênh"][2]).startswith("=SUM(")


def test_the_formula_is_printed_in_words_and_names_sipas(made):
    text = "\n".join(_tables(_sheet(made["src"] / "q4.xlsx", SHEET_TT))["text"])
    assert "Chỉ số hài lòng chung = (" + " + ".join(made["tt"]["in_index"]) + ") / 5" in text
    assert "theo phương pháp SIPAS" in text
    assert "(số câu trả lời Rất hài lòng + Hài lòng) / số câu trả lời × 100" in text
    assert "So sánh với kỳ trước: Quý III năm 2026" in text


def test_small_samples_are_marked_in_words(made):
    t = _tables(_sheet(made["src"] / "q4.xlsx", SHEET_CQ))
    exp = made["cq"]
    for question_id, e in exp["questions"].items():
        note = t["questions"][exp["texts"][question_id]][11] or ""
        assert ("mẫu nhỏ: dưới 30 câu trả lời" in note) == (0 < e["answered"] < 30), question_id
    text = "\n".join(t["text"])
    assert "Số phiếu trả lời trong kỳ: 80" in text and "dưới 30 phiếu" not in text.split("\n")[4]
    assert "có câu hỏi dưới 30 câu trả lời" in t["elements"]["Nghe dân nói"][7]
    assert "không tính vào chỉ số chung" in t["elements"]["Đánh giá chung"][7]


@pytest.fixture(scope="module")
def printed(made):
    """The workbook printed to PDF by LibreOffice, as a user prints it: {sheet: [page's words (x0, y0, x1, y1, text)]}."""
    out = made["root"] / "printed"
    subprocess.run(["soffice", f"-env:UserInstallation={(made['root'] / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(made["src"] / "q4.xlsx")],
                   capture_output=True, text=True, timeout=180)
    html = subprocess.run(["pdftotext", "-bbox", str(out / "q4.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = [[(float(m[0]), float(m[1]), float(m[2]), float(m[3]), unescape(m[4])) for m in
              re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
             for page in html.split("<page ")[1:]]
    sheets, current = {}, None
    for words in pages:
        text = " ".join(w[4] for w in words)
        if "Phiếu khảo sát:" in text:
            current = SHEET_TT if "(mã trung-tam," in text else SHEET_CQ
        elif current and "Kết quả theo từng câu hỏi" not in text and "Chỉ số hài lòng" not in text:
            current = None   # the next sheet
        if current:
            sheets.setdefault(current, []).append(words)
    return sheets


def test_the_printed_questionnaire_sheets_keep_each_table_whole_on_two_a4_pages(printed):
    for sheet in (SHEET_TT, SHEET_CQ):
        pages = printed[sheet]
        assert len(pages) == 2, sheet
        first = " ".join(w[4] for w in pages[0])
        assert "3. Số phiếu theo kênh" in " ".join(w[4] for w in pages[1])
        assert "chưa làm tròn" not in first     # the hidden column of unrounded shares stays hidden
    numbers = {w[4] for w in printed[SHEET_TT][0] if w[0] < 110}   # the STT column
    assert {str(i) for i in range(1, 21)} <= numbers, "the 20 questions of trung-tam print on one page"
    heading = "2. Chỉ số hài lòng theo yếu tố"
    assert heading not in " ".join(w[4] for w in printed[SHEET_TT][0])   # not left alone at the foot of page 1
    assert heading in " ".join(w[4] for w in printed[SHEET_TT][1])


def test_the_printed_small_sample_notes_fit_whole_in_their_column(made, printed):
    """LibreOffice clips a cell's text at the cell's border: a note that did not wrap printed as
    "mẫu nhỏ: dưới 30 câu trả" although its glyphs (and pdftotext's words) reach beyond the border."""
    w_pct, w_note = 10 + 0.71, 20 + 0.71        # the % and Ghi chú columns' widths, as XlsxWriter stores them
    vocabulary = {"(*)", "mẫu", "nhỏ:", "dưới", "30", "câu", "trả", "lời"}
    first = printed[SHEET_CQ][0]
    pct = next(w for w in first if w[4] == "(%)")
    ghi = next(w for w in first if w[4] == "Ghi")
    chu = next(w for w in first if w[4] == "chú" and abs(w[1] - ghi[1]) < 1)
    centre_pct, centre_note = (pct[0] + pct[2]) / 2, (ghi[0] + chu[2]) / 2   # both heads are centred
    pt_per_unit = (centre_note - centre_pct) / ((w_pct + w_note) / 2)
    left, right = centre_note - pt_per_unit * w_note / 2, centre_note + pt_per_unit * w_note / 2
    seen = 0
    for page in printed[SHEET_CQ]:     # every page prints at the same scale, the question table continued
        top = pct[3] if page is first else 0
        end = next((w[1] for w in page if w[4] == "2."), 1e9)     # the element table's heading
        notes = [w for w in page if w[4] in vocabulary and top < w[1] < end and (w[0] + w[2]) / 2 > centre_pct + 5]
        for w in notes:
            assert left - 2 <= w[0] and w[2] <= right + 2, (w, left, right)
        seen += sum(1 for w in notes if w[4] == "lời")
    small = [q for q in made["cq"]["questions"].values() if 0 < q["answered"] < 30]
    assert seen == len(small) > 0   # every small-sample question's note, to its last word


def test_libreoffice_found_no_formula_error_on_the_questionnaire_sheets(made):
    for sheet in (SHEET_TT, SHEET_CQ):
        values = [c for r in _sheet(made["recalc"], sheet).iter_rows(values_only=True) for c in r]
        assert not [v for v in values if isinstance(v, str) and v.startswith(("#", "Err:"))]


def test_a_period_with_no_answers_says_so_in_the_questionnaire_sections_place(made):
    """II.7's Quý IV line expects the questionnaire: a period with none answered says so, in the section's
    place and numbering (the PDF's 6., before 7. Kiểm chứng; the workbook's sheet before Kiểm chứng)."""
    assert made["empty"].questionnaires == []
    wb = openpyxl.load_workbook(made["src"] / "empty.xlsx")
    assert wb.sheetnames == ["Tổng hợp", "Theo công chức", "Theo ngày", "Theo giờ", "Lý do", "Phiếu KS", "Kiểm chứng"]
    cells = [c for row in wb["Phiếu KS"].iter_rows(values_only=True) for c in row if c]
    assert "KẾT QUẢ PHIẾU KHẢO SÁT" in cells and "Chưa có phiếu khảo sát nào được trả lời trong kỳ." in cells
    text = subprocess.run(["pdftotext", "-layout", str(made["src"] / "empty.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    i = lines.index("6. KẾT QUẢ PHIẾU KHẢO SÁT")
    assert lines[i + 1] == "Chưa có phiếu khảo sát nào được trả lời trong kỳ." and lines[i + 2] == "7. KIỂM CHỨNG"


# --- the PDF ------------------------------------------------------------------------------------

def _vn(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def test_the_pdf_has_the_section_with_the_same_numbers(made):
    text = subprocess.run(["pdftotext", "-layout", str(made["src"] / "q4.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "6. KẾT QUẢ PHIẾU KHẢO SÁT" in text and "7. KIỂM CHỨNG" in text
    section = text[text.index("6. KẾT QUẢ PHIẾU KHẢO SÁT"):text.index("7. KIỂM CHỨNG")]
    tt = section[section.index("(mã trung-tam"):]
    exp, prev = made["tt"], made["tt_prev"]
    lines = [" ".join(line.split()) for line in tt.splitlines()]
    overall = next(line for line in lines if line.startswith("Chỉ số hài lòng chung (SIPAS)"))
    assert f"{_vn(exp['index'])} {_vn(prev['index'])}" in overall
    assert f"Số phiếu trả lời trong kỳ: {exp['responses']}" in tt
    assert "theo phương pháp SIPAS" in " ".join(lines)
    for e in exp["questions"].values():   # each question's counts, answered, skipped and share, in order
        cells = " ".join(str(e["levels"][c]) for c in CODES) + f" {e['answered']} {e['skipped']} "
        assert cells + ("—" if e["pct"] is None else _vn(e["pct"])) in " ".join(lines)
    cq = section[section.index("(mã chinh-quyen-than-thien"):section.index("(mã trung-tam")]
    assert "76,3" in cq and "(*) mẫu nhỏ" in cq  # the rest of the note wraps in its cell


# --- other sources ------------------------------------------------------------------------------

class SqliteSource:
    """A bare source over a SQLite file (what the central service looks like to the model)."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path)

    def query(self, sql, params=()):
        return self.conn.execute(sql, list(params)).fetchall()


def _copy_without(made, name: str, *tables: str) -> Path:
    copy = made["root"] / name
    if not copy.exists():
        src = sqlite3.connect(made["config"].db_path)
        src.execute("VACUUM INTO ?", [str(copy)])
        src.close()
        con = sqlite3.connect(copy)
        for table in tables:
            con.execute(f"DROP TABLE {table}")
        con.commit()
        con.close()
    return copy


def test_a_source_without_answer_tables_has_no_section_and_does_not_fail(made):
    copy = _copy_without(made, "no-answers.db", "q_answers", "q_responses", "q_definitions", "q_active")
    m = build_report(SqliteSource(copy), unit=ReportUnit(), d_from=Q4[0], d_to=Q4[1], scale="sipas5",
                     counters=made["config"].counters, settings=ReportSettings())
    assert m.questionnaires == [] and m.verification.votes_in_period == 3
    assert "PHIẾU KHẢO SÁT" not in render(m, "pdf").decode("latin-1")  # renders; no section


def test_without_stored_definitions_the_questionnaire_files_give_the_wording(made):
    copy = _copy_without(made, "no-definitions.db", "q_definitions")
    sections, notes = questionnaire_sections(SqliteSource(copy), *Q4, {"kiosk_id": ["test-01"]})
    assert notes == [] and [s.id for s in sections] == ["chinh-quyen-than-thien", "trung-tam"]
    assert sections[1] == made["model"].questionnaires[1]


def test_the_filters_narrow_the_answers_to_a_centres_kiosks(made):
    assert questionnaire_sections(SqliteSource(made["config"].db_path), *Q4, {"kiosk_id": ["other-kiosk"]}) == ([], [])


@pytest.mark.skipif(PG_TABLES is None, reason="psycopg is not installed")
def test_the_section_reads_the_same_on_postgresql_as_on_the_kiosk(made, pg):
    """The central service's tables (the kiosk store's columns, here without q_definitions: the wording then
    comes from the questionnaire files) on a real PostgreSQL server give the same section."""
    pg.execute(PG_TABLES)
    raw = SqliteSource(made["config"].db_path)
    with pg.cursor() as cur:
        cur.executemany("INSERT INTO q_responses VALUES (%s, %s, %s, %s, %s, %s, %s)", raw.query(
            "SELECT uuid, kiosk_id, questionnaire_id, version, channel, counter_id, local_date FROM q_responses"))
        cur.executemany("INSERT INTO q_answers VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", raw.query(
            "SELECT uuid, response_uuid, kiosk_id, questionnaire_id, version, channel, counter_id, question_id, "
            "choice, local_date, replaced FROM q_answers"))
    sections, notes = questionnaire_sections(PgSource(pg), *Q4, {"kiosk_id": ["test-01"]})
    assert notes == [] and sections == made["model"].questionnaires


def test_the_models_json_carries_each_section_with_the_contracts_keys(made):
    import json
    data = json.loads(render(made["model"], "json"))
    tt = next(q for q in data["questionnaires"] if q["id"] == "trung-tam")
    assert {"id", "version", "responses", "questions", "elements", "index", "by_channel"} <= set(tt)
    assert {"id", "element", "levels", "answered", "skipped", "satisfied_pct"} <= set(tt["questions"][0])
    assert {"id", "index", "answered"} <= set(tt["elements"][0])
    assert (tt["responses"], tt["index"]) == (made["tt"]["responses"], made["tt"]["index"])
    assert set(tt["by_channel"]) == {"kiosk", "phone", "paper"}
    assert sum(c["responses"] for c in tt["by_channel"].values()) == tt["responses"]
    assert json.loads(render(made["empty"], "json"))["questionnaires"] == []

"""What a commune's culture-society officer found reading the II.7 files as filed (issue 8): a period not
yet over says what its numbers cover; a demo report can never pass for evidence; the notes under the
Tổng hợp table are not split across pages; Kiểm chứng speaks to the officer who signs it first, and to
the technical inspector apart; a narrow sheet's title breaks between phrases. Read back from the PDF
with poppler and from the workbook with openpyxl."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest

from kiosk import demo
from kiosk.config import ReportConfig, load_config
from rating.period import between, quarter
from rating.report import ReportSettings, build_report, render, report_for_store, unit_from_config
from rating.report.model import DEMO_MARK, DIGEST_RECIPE, TITLE, coverage_line
from rating.report.text import TECHNICAL_HEADING, title_lines, verification_sections
from kiosk.store import VoteStore
from tests.conftest import write_config
from tests.helpers.report_data import REPORT_CONFIG, fill_rich

Q4 = quarter(2026, 4)
MADE_ON = date(2026, 11, 22)


def _pages(pdf: bytes) -> list[str]:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8").split("\f")[:-1]


def _model(store, config, period, made_on=MADE_ON, **settings):
    return build_report(store, unit=unit_from_config(config), d_from=period.d_from, d_to=period.d_to,
                        scale=config.scale, counters=config.counters, kiosk_ids=[config.kiosk_id], period=period,
                        settings=ReportSettings(issued_on=made_on, **settings))


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A real centre's store (no demo vote) with a week of November's votes."""
    root = tmp_path_factory.mktemp("real")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        q4 = _model(store, config, Q4)
        done = _model(store, config, Q4, made_on=date(2027, 1, 5))
        dates = _model(store, config, between(date(2026, 11, 2), date(2026, 11, 30)))
    return {"q4": q4, "done": done, "dates": dates, "q4_pdf": render(q4, "pdf"), "q4_xlsx": render(q4, "xlsx")}


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    """The embedded demo centre's quarter, as the README's pictures have it (an appendix, three counters)."""
    root = tmp_path_factory.mktemp("demo")
    config = replace(load_config(), data_dir=root / "data", centre="Trung tâm Phục vụ hành chính công xã Ninh Giang",
                     report=ReportConfig(parent_unit="UBND xã Ninh Giang", place="Ninh Giang",
                                         preparer="Nguyễn Văn A", head="Trần Thị B"))
    assert config.is_demo
    with VoteStore.from_config(config) as store:
        empty = report_for_store(store, config, Q4.d_from, Q4.d_to, period=Q4)   # no vote yet: still the demo centre
        demo.generate(store, config.counters, config.scale, 52, 120, 4, end=datetime(2026, 11, 21, 17, tzinfo=config.tz))
        model = report_for_store(store, config, Q4.d_from, Q4.d_to, period=Q4, appendix="Phụ lục I")
        by_votes = _model(store, config, Q4)   # the portable reader (the central service's), told nothing
    return {"model": model, "empty": empty, "by_votes": by_votes, "pdf": render(model, "pdf"), "xlsx": render(model, "xlsx")}


# --- 1. a period not yet over --------------------------------------------------------------------

def test_a_quarter_not_over_on_the_making_day_says_what_its_numbers_cover(real):
    assert real["q4"].coverage == "(số liệu từ 01/10/2026 đến 22/11/2026)"
    assert real["done"].coverage == ""                          # over: the label says it all
    assert real["dates"].coverage == "(số liệu từ 02/11/2026 đến 22/11/2026)"
    assert coverage_line(Q4, date(2026, 9, 30)).startswith("(kỳ bắt đầu từ 01/10/2026")


def test_the_pdf_and_the_workbook_print_the_coverage_under_the_period(real):
    lines = [ln.strip() for ln in _pages(real["q4_pdf"])[0].splitlines() if ln.strip()]
    i = lines.index("Quý IV năm 2026")
    assert lines[i + 1] == "(số liệu từ 01/10/2026 đến 22/11/2026)"
    wb = openpyxl.load_workbook(io.BytesIO(real["q4_xlsx"]))
    for ws in wb:
        cells = [c for row in ws.iter_rows(max_row=14, values_only=True) for c in row if c]
        assert "(số liệu từ 01/10/2026 đến 22/11/2026)" in cells, ws.title
        assert cells.index("(số liệu từ 01/10/2026 đến 22/11/2026)") == cells.index("Quý IV năm 2026") + 1


# --- 5. demo reports are marked ----------------------------------------------------------------

def test_a_report_of_the_demo_centre_is_marked_on_every_pdf_page_and_every_sheet(demo_files):
    assert demo_files["model"].demo and demo_files["empty"].demo and demo_files["by_votes"].demo
    pages = _pages(demo_files["pdf"])
    assert len(pages) >= 3 and all(DEMO_MARK in p for p in pages)
    wb = openpyxl.load_workbook(io.BytesIO(demo_files["xlsx"]))
    for ws in wb:
        assert ws.cell(1, 1).value == DEMO_MARK, ws.title
        assert DEMO_MARK in (ws.oddHeader.center.text or ""), ws.title     # every printed page


def test_a_real_centres_report_carries_no_demo_mark(real):
    assert not real["q4"].demo
    assert all(DEMO_MARK not in p for p in _pages(real["q4_pdf"]))
    wb = openpyxl.load_workbook(io.BytesIO(real["q4_xlsx"]))
    assert all(DEMO_MARK not in str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c)


# --- 3. the notes stay together ---------------------------------------------------------------

def test_the_notes_under_the_summary_table_are_printed_whole_on_one_page(demo_files):
    pages = [re.sub(r"\s+", " ", p) for p in _pages(demo_files["pdf"])]
    where = {note: [i for i, p in enumerate(pages) if note in p] for note in demo_files["model"].notes}
    assert all(len(found) == 1 for found in where.values()), where
    assert len({found[0] for found in where.values()}) == 1, where


def test_a_narrow_title_breaks_between_phrases_never_inside_one():
    for width in (45, 60):
        lines = title_lines(TITLE, width)
        assert " ".join(lines) == TITLE and all(len(ln) <= 45 or ln.startswith("ĐỐI VỚI") for ln in lines)
        assert lines[-1].endswith("HÀNH CHÍNH CÔNG") and "SỰ HÀI LÒNG CỦA NGƯỜI DÂN" in lines
    assert title_lines(TITLE) == title_lines(TITLE, 200)      # a wide page: broken before ĐỐI VỚI only


# --- 6. Kiểm chứng in plain words, the recipe apart -------------------------------------------

JARGON = ("local_date", "kiosk_id", "\\n", "docs/report.md", "prev_hash", "seq", "hash ")


def test_the_verification_leads_with_plain_vietnamese_and_keeps_the_recipe_in_a_labelled_part(real):
    (plain_heading, plain), (tech_heading, technical) = verification_sections(real["q4"])
    assert plain_heading == "" and tech_heading == TECHNICAL_HEADING == "Dành cho người kiểm tra kỹ thuật"
    for label, value in plain:
        assert not [j for j in JARGON if j in label + " " + value], (label, value)
    said = dict(plain)
    assert said["Tính toàn vẹn dữ liệu (kiosk test-01)"].startswith("Hợp lệ")
    assert real["q4"].verification.votes_sha256 in said["Mã kiểm chứng số liệu (SHA-256)"]
    tech = dict(technical)
    assert tech["Cách tính SHA-256"] == DIGEST_RECIPE                 # the recipe and digest unchanged
    assert tech["SHA-256 các phiếu trong kỳ"] == real["q4"].verification.votes_sha256
    assert tech["Kỳ báo cáo (local_date)"] == "2026-10-01 … 2026-12-31"
    assert tech["Chuỗi băm kiosk test-01"].startswith("HỢP LỆ")


def test_the_pdf_and_the_workbook_print_the_technical_part_after_the_plain_one(real):
    text = re.sub(r"\s+", " ", "".join(_pages(real["q4_pdf"])))
    start = text.index("KIỂM CHỨNG")
    assert start < text.index("Nguồn số liệu", start) < text.index(TECHNICAL_HEADING, start) \
        < text.index("Cách tính SHA-256", start)
    ws = openpyxl.load_workbook(io.BytesIO(real["q4_xlsx"]))["Kiểm chứng"]
    first = [r[0] for r in ws.iter_rows(values_only=True) if r[0]]
    assert first.index("Nguồn số liệu") < first.index(TECHNICAL_HEADING) < first.index("Cách tính SHA-256")

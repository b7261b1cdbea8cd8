"""The II.7 workbook as a commune prints it: LibreOffice turns it into a PDF, and the pages are read
back with poppler (fonts, page numbers, repeated header rows, text that does not overlap), as an
inspector holding the paper would see them. A quarter of demo votes, so that the daily table runs over
several pages."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from kiosk import demo
from kiosk.config import load_config
from rating.period import quarter
from rating.report import render, report_for_store
from rating.report.model import DEMO_MARK
from kiosk.store import VoteStore
from rating import vnformat
from tests.conftest import write_config
from tests.helpers.report_data import REPORT_CONFIG

PERIOD = quarter(2026, 4)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """A quarter's workbook (about 50 days with votes) and its pages as LibreOffice prints them."""
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is not installed: run `make test`, which installs it")
    root = tmp_path_factory.mktemp("xlsx-print")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        end = datetime(2026, 11, 20, 17, tzinfo=config.tz)
        store.record_votes(demo.demo_votes(config.counters, config.scale, config.tz, 50, 60, 5, end))
        model = report_for_store(store, config, PERIOD.d_from, PERIOD.d_to, period=PERIOD)
    book = root / "quy-iv.xlsx"
    book.write_bytes(render(model, "xlsx"))
    big = _scaled(model, 31_337)   # a commune's year over several kiosks: seven-digit counts
    (root / "big.xlsx").write_bytes(render(big, "xlsx"))
    # 30 days: one row more than LibreOffice's first page of Theo ngày holds, which left a lone day and
    # the total on a page of their own.
    short = copy.deepcopy(model)
    short.by_day.rows = short.by_day.rows[:30]
    (root / "days30.xlsx").write_bytes(render(short, "xlsx"))
    profile = root / "lo-profile"
    # An English locale, as most offices' LibreOffice: the workbook's numbers must still print as Vietnamese.
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
                           "--convert-to", "pdf", "--outdir", str(root), str(book), str(root / "big.xlsx"),
                           str(root / "days30.xlsx")],
                          capture_output=True, text=True, timeout=180, env=env)
    pdf = root / "quy-iv.pdf"
    assert pdf.exists(), done.stderr
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                          text=True).stdout).group(1))
    pages = [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                            capture_output=True, text=True).stdout for i in range(1, n + 1)]
    big_text = subprocess.run(["pdftotext", "-layout", str(root / "big.pdf"), "-"], capture_output=True,
                              text=True).stdout
    days30 = subprocess.run(["pdftotext", "-layout", str(root / "days30.pdf"), "-"], capture_output=True,
                            text=True).stdout.split("\f")
    return {"book": book, "pdf": pdf, "pages": pages, "model": model, "big": big, "big_text": big_text,
            "days30": days30}


def _scaled(model, k: int):
    """A copy of ``model`` with every count of the Tổng hợp, officer and day tables multiplied by ``k``."""
    import copy
    big = copy.deepcopy(model)
    for table in (big.summary, big.by_officer, big.by_day):
        for r in [*table.rows, table.total]:
            r.levels = {c: v * k for c, v in r.levels.items()}
            r.total, r.satisfied, r.flagged = r.total * k, r.satisfied * k, r.flagged * k
    return big


def test_the_printed_workbook_uses_only_the_times_metric_font_even_in_the_chart(printed):
    out = subprocess.run(["pdffonts", str(printed["pdf"])], capture_output=True, text=True).stdout
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    assert names and all("LiberationSerif" in n for n in names), names  # Times New Roman, as LibreOffice maps it


def _lines(page: str) -> list[str]:
    """A page's lines, without the demo mark (these are demo votes: checked by its own test)."""
    return [ln.strip() for ln in page.splitlines() if ln.strip() and ln.strip() != DEMO_MARK]


def test_the_first_printed_page_has_no_number_and_every_other_page_has_its_own(printed):
    pages = printed["pages"]
    assert len(pages) >= 5
    first_lines = [next(iter(_lines(p)), "") for p in pages]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first_lines[0] and not re.fullmatch(r"\d+", first_lines[0])
    for i, line in enumerate(first_lines[1:], start=2):
        assert line == str(i), (i, line)


def test_a_workbook_of_demo_votes_carries_the_demo_mark_on_every_printed_page(printed):
    assert printed["model"].demo
    for i, page in enumerate(printed["pages"], start=1):
        assert DEMO_MARK in page, i
    wb = openpyxl.load_workbook(printed["book"])
    for ws in wb:   # and atop every sheet, for whoever reads it on screen
        assert ws.cell(1, 1).value == DEMO_MARK, ws.title


@pytest.mark.parametrize("which,days", [("pages", None), ("days30", 30)])
def test_the_days_table_never_leaves_a_lone_day_and_the_total_on_its_last_page(printed, which, days):
    counts = [n for n in (len(re.findall(r"\d\d/1[01]/2026\s+Thứ", p)) for p in printed[which]) if n]
    assert len(counts) >= 2 and sum(counts) == (days or len(printed["model"].by_day.rows))
    assert counts[-1] >= 5, counts   # five days and the total at least


def test_the_portrait_reasons_sheet_breaks_its_title_between_phrases(printed):
    page = next(p for p in printed["pages"] if "Yếu tố (SIPAS)" in p)
    lines = _lines(page)
    assert "CÔNG" not in lines and not any(ln.endswith("HÀNH CHÍNH") for ln in lines), lines[:8]
    assert "CỦA TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in lines and "SỰ HÀI LÒNG CỦA NGƯỜI DÂN" in lines, lines[:8]


def test_the_printed_numbers_are_vietnamese_in_an_english_locale(printed):
    """2.575 and 85,4 (as the PDF prints them), not 2,575 and 85.4 beside "85,4 %" in the verdict."""
    page = printed["pages"][0]
    total = printed["model"].summary.total
    assert re.search(rf"Tổng cộng\s+{re.escape(f'{total.total:,}'.replace(',', '.'))}\s", page), page[-1500:]
    assert re.search(rf"\s{re.escape(vnformat.decimal(total.satisfied_pct))}\s", page.split("Tổng cộng")[1])
    assert not re.search(r"\d,\d\d\d\b", page) and not re.search(r"\b\d+\.\d\b", page)


def test_the_days_table_header_is_printed_atop_every_page_it_runs_over(printed):
    day_pages = [p for p in printed["pages"] if re.search(r"\d\d/1[01]/2026\s+Thứ", p)]
    assert len(day_pages) >= 2, "the quarter's days should run over more than one page"
    for page in day_pages:
        assert "STT" in page and "Ngày" in page and "Tổng số" in page, page[:300]
    wb = openpyxl.load_workbook(printed["book"])
    for name in ("Tổng hợp", "Theo công chức", "Theo ngày"):
        assert wb[name].print_title_rows, f"{name}: no header rows repeated on each printed page"


def test_the_daily_chart_plots_the_rate_not_only_the_target(printed):
    """A chart skips hidden cells unless it is told to show them: the rate sits in a hidden column."""
    with zipfile.ZipFile(printed["book"]) as z:
        chart = z.read("xl/charts/chart1.xml").decode("utf-8")
    refs = re.findall(r"<c:val><c:numRef><c:f>'?[^'!]*'?!\$([A-Z]+)\$\d+:\$[A-Z]+\$\d+</c:f>", chart)
    assert len(refs) == 2, chart[:500]   # the rate and the target line
    ws = openpyxl.load_workbook(printed["book"])["Theo ngày"]
    hidden = {col for col in refs if ws.column_dimensions[col].hidden}
    # OOXML: plotVisOnly="1" (what XlsxWriter writes by default) plots visible cells only; absent or "0": all.
    shows_hidden = '<c:plotVisOnly val="1"/>' not in chart
    assert not hidden or shows_hidden, f"series in hidden columns {hidden} are not plotted"


def _words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml)]


def test_no_printed_word_lies_over_another_on_any_page(printed):
    """Wrapped text in a row too short for it is printed over the next row (it was, on Kiểm chứng)."""
    for page in range(1, len(printed["pages"]) + 1):
        words = _words(printed["pdf"], page)
        for i, (x0, y0, x1, y1, w) in enumerate(words):
            for (a0, b0, a1, b1, v) in words[i + 1:]:
                dx, dy = min(x1, a1) - max(x0, a0), min(y1, b1) - max(y0, b0)
                # Glyph boxes of neighbouring lines touch; a word printed over another overlaps by far more.
                assert not (dx > 2 and dy > 0.4 * min(y1 - y0, b1 - b0)), (page, w, v)


def test_every_verification_label_and_value_is_printed_in_full(printed):
    """Every word of every Kiểm chứng line is on the printed page (a cell too narrow or too short cuts words off)."""
    from collections import Counter
    from rating.report.text import verification_lines
    n = len(printed["pages"])
    printed_words = Counter(w for page in (n - 1, n) for *_box, w in _words(printed["pdf"], page))
    text = re.sub(r"\s+", " ", printed["pages"][-1])
    for label, value in verification_lines(printed["model"]):
        if label == "Thời điểm lập tệp":
            continue  # made again when rendered: checked by its shape below
        wanted = Counter((label + " " + value).split())
        missing = wanted - printed_words
        assert not missing, (label, value, missing)
    assert re.search(r"Thời điểm lập tệp \d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4} \(UTC\+07:00\)", text), text[-400:]


def test_the_making_time_is_the_kiosks_local_time_in_vietnamese_form(printed):
    made = printed["model"].verification.generated_at
    assert made.endswith("+07:00")
    assert date.fromisoformat(made[:10]) == datetime.fromisoformat(made).date()


def test_the_daily_chart_is_printed_whole_on_a_page_of_its_own(printed):
    """Not cut by a page break, not drawn over the end of the table (LibreOffice draws an object anchored on
    the break's row on both pages)."""
    with_chart = [i for i, p in enumerate(printed["pages"]) if "Tỷ lệ hài lòng theo ngày" in p]
    assert len(with_chart) == 1, with_chart
    page = printed["pages"][with_chart[0]]
    assert "Chỉ tiêu 90,0 %" in page                       # the legend: the chart's bottom is on the page too
    assert "Tổng cộng" not in page and not re.search(r"\d\d/1[01]/2026\s+Thứ", page)


def test_the_printed_title_breaks_before_doi_voi(printed):
    lines = [ln.strip() for ln in printed["pages"][0].splitlines() if ln.strip()]
    i = next(i for i, ln in enumerate(lines) if ln.startswith("BẢNG TỔNG HỢP"))
    assert lines[i].endswith("CỦA NGƯỜI DÂN") and lines[i + 1].startswith("ĐỐI VỚI SỰ PHỤC VỤ")


def test_seven_digit_counts_print_as_numbers_not_hashes(printed):
    """A spreadsheet prints "###" for a number wider than its column."""
    text = printed["big_text"]
    assert "###" not in text
    total = printed["big"].summary.total
    for n in (total.total, *total.levels.values()):
        assert f"{n:,}".replace(",", ".") in text, n   # grouped with dots, as Vietnamese documents write them

"""The II.7 report's layout facts from Nghị định 30/2020/NĐ-CP (Phụ lục I), measured on what is written:
the PDF's words as poppler places them, the workbook's cells and page set-up as openpyxl reads them;
and the small-sample mark at its boundary (29 votes marked, 30 not), in the model, the PDF and the workbook."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, datetime

import openpyxl
import pytest

from kiosk.config import load_config
from rating.report import render, report_for_store
from rating.report.text import MOTTO, MOTTO_SUB
from kiosk.store import VoteStore
from tests.conftest import write_config
from tests.helpers.report_data import D_FROM, D_TO, REPORT_CONFIG, TZ, fill_rich

MM = 72 / 25.4   # points in a millimetre
# Liberation Serif's ascent + descent, as poppler's word boxes span them: box height / size.
BOX_PER_POINT = 0.9
ISSUED = datetime(2027, 3, 5, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    # Issued on a fixed day (the store's clock dates the report), not on whatever day the suite runs.
    with VoteStore.from_config(config, clock=lambda: ISSUED) as store:
        fill_rich(store)
        model = report_for_store(store, config, D_FROM, D_TO, appendix="Phụ lục I")
        empty = report_for_store(store, config, date(2026, 1, 1), date(2026, 3, 31))
    pdf, empty_pdf = root / "r.pdf", root / "empty.pdf"
    pdf.write_bytes(render(model, "pdf"))
    empty_pdf.write_bytes(render(empty, "pdf"))
    return {"pdf": pdf, "xlsx": render(model, "xlsx"), "model": model, "empty_pdf": empty_pdf}


def _pages(pdf) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    out = []
    for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                            page[2])]
        out.append((float(page[0]), float(page[1]), words))
    return out


def test_the_pdf_keeps_the_decree_margins_on_every_page(files):
    """Left 30–35 mm, right at least 15 mm, top and bottom at least 20 mm (the page number sits in the top margin)."""
    pages = _pages(files["pdf"])
    lefts = []
    for i, (w, h, words) in enumerate(pages, start=1):
        body = [wd for wd in words if not (i > 1 and wd[4] == str(i) and wd[3] < 20 * MM)]
        assert body, f"page {i} is empty"
        lefts.append(min(wd[0] for wd in body))
        assert min(wd[0] for wd in body) >= 30 * MM - 0.5, (i, min(body))
        assert max(wd[2] for wd in body) <= w - 15 * MM + 0.5, (i, max(body, key=lambda wd: wd[2]))
        assert min(wd[1] for wd in body) >= 20 * MM - 0.5, (i, min(body, key=lambda wd: wd[1]))
        assert max(wd[3] for wd in body) <= h - 20 * MM + 0.5, (i, max(body, key=lambda wd: wd[3]))
    assert min(lefts) <= 35 * MM, "the text should start at the left margin, not beyond 35 mm"
    assert all((w, h) == (pytest.approx(841.9, abs=1), pytest.approx(595.3, abs=1)) for w, h, _ in pages)  # A4 landscape


def test_the_page_number_is_at_the_top_centre_from_page_two(files):
    """Centred over the text, between the margins, as a word processor's header centres it."""
    pages = _pages(files["pdf"])
    assert len(pages) >= 2
    for i, (w, _h, words) in enumerate(pages, start=1):
        numbers = [wd for wd in words if wd[4] == str(i) and wd[3] < 20 * MM]
        centre = (30 * MM + w - 15 * MM) / 2
        if i == 1:
            assert not numbers
        else:
            assert len(numbers) == 1 and abs((numbers[0][0] + numbers[0][2]) / 2 - centre) < 2 * MM, (i, numbers)


def _size(words, text: str) -> float:
    word = next(wd for wd in words if wd[4] == text)
    return (word[3] - word[1]) / BOX_PER_POINT


def test_the_pdf_header_blocks_have_the_decree_sizes(files):
    words = _pages(files["pdf"])[0][2]
    assert 12 - 0.3 <= _size(words, "UBND") <= 13 + 0.3          # the parent body
    assert 12 - 0.3 <= _size(words, "CỘNG") <= 13 + 0.3          # the motto
    assert 13 - 0.3 <= _size(words, "Độc") <= 14 + 0.3           # Độc lập - Tự do - Hạnh phúc
    assert 13 - 0.3 <= _size(words, "Ninh") <= 14 + 0.3          # the place and date line


def _cell(ws, value):
    return next(c for row in ws.iter_rows() for c in row if c.value == value)


def test_the_workbook_header_blocks_have_the_decree_sizes_and_faces(files):
    ws = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))["Tổng hợp"]
    model = files["model"]
    parent, unit = _cell(ws, model.unit.parent_unit.upper()), _cell(ws, model.unit.unit.upper())
    motto, sub, when = _cell(ws, MOTTO), _cell(ws, MOTTO_SUB), _cell(ws, model.date_line)
    assert 12 <= parent.font.sz <= 13 and not parent.font.b
    assert 12 <= unit.font.sz <= 13 and unit.font.b
    assert 12 <= motto.font.sz <= 13 and motto.font.b
    assert 13 <= sub.font.sz <= 14 and sub.font.b
    assert when.font.i and when.value == "Ninh Giang, ngày 05 tháng 3 năm 2027"  # the decree pads months 1-2 only
    assert parent.column < motto.column and unit.row == parent.row + 1 and sub.row == motto.row + 1


def test_every_sheet_is_a4_with_the_decree_margins_and_the_tables_landscape(files):
    wb = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    for ws in wb.worksheets:
        m = ws.page_margins
        assert int(ws.page_setup.paperSize) == 9, ws.title                  # A4
        assert 30 <= round(m.left * 25.4, 1) <= 35, ws.title
        assert 15 <= round(m.right * 25.4, 1) <= 20, ws.title
        assert 20 <= round(m.top * 25.4, 1) <= 25 and 20 <= round(m.bottom * 25.4, 1) <= 25, ws.title
    for name in ("Tổng hợp", "Theo công chức", "Theo ngày", "Theo giờ"):
        assert wb[name].page_setup.orientation == "landscape", name


@pytest.fixture(scope="module")
def boundary(tmp_path_factory):
    """Q1 with 29 counted votes, Q2 with exactly 30, Q3 with none, on one day."""
    root = tmp_path_factory.mktemp("boundary")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    day = date(2026, 11, 3)
    with VoteStore.from_config(config) as store:
        for counter, n in (("Q1", 29), ("Q2", 30)):
            for i in range(n):
                store.record_vote(counter, "RHL" if i % 5 else "KHL",
                                  at=datetime(2026, 11, 3, 8 + i // 10, (i % 10) * 5, tzinfo=TZ))
        model = report_for_store(store, config, day, day)
    return model


def test_a_row_of_29_votes_is_a_small_sample_and_one_of_30_is_not(boundary):
    rows = {r.key: r for r in boundary.summary.rows}
    assert (rows["Q1"].total, rows["Q1"].small_sample) == (29, True)
    assert (rows["Q2"].total, rows["Q2"].small_sample) == (30, False)
    assert (rows["Q3"].total, rows["Q3"].small_sample) == (0, False)   # no votes: no rate, nothing to caution


def test_the_small_sample_mark_is_printed_beside_the_29_and_not_the_30(boundary, tmp_path):
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(render(boundary, "pdf"))
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    lines = text.splitlines()
    # The note cell wraps "(*) mẫu / nhỏ" around its row's line: look at the line before and after too.
    q1, q2 = (next(i for i, ln in enumerate(lines) if name in ln) for name in ("Quầy 1", "Quầy 2"))
    assert "(*)" in " ".join(lines[q1 - 1:q1 + 2]) and "(*)" not in " ".join(lines[q2 - 1:q2 + 2])
    ws = openpyxl.load_workbook(io.BytesIO(render(boundary, "xlsx")))["Tổng hợp"]
    by_label = {row[1]: row for row in ws.iter_rows(values_only=True) if isinstance(row[1], str)}
    q1_row = next(v for k, v in by_label.items() if k.startswith("Quầy 1"))
    q2_row = next(v for k, v in by_label.items() if k.startswith("Quầy 2"))
    assert "(*) chưa đủ mẫu" in q1_row and "(*) chưa đủ mẫu" not in q2_row


def test_the_verification_names_the_period_in_vietnamese_dates_and_the_bounds_to_query(files):
    from rating.report.text import verification_lines
    lines = dict(verification_lines(files["model"]))
    assert lines["Kỳ báo cáo"] == "Từ ngày 02/11/2026 đến ngày 08/11/2026."          # for the officer
    assert lines["Kỳ báo cáo (local_date)"] == "2026-11-02 … 2026-11-08"            # for the inspector's query
    assert re.fullmatch(r"\d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4} \(UTC\+07:00\)", lines["Thời điểm lập tệp"])


@pytest.mark.parametrize("which", ["pdf", "empty_pdf"])
def test_each_hour_grid_is_printed_on_the_page_of_its_caption(files, which):
    """A caption left alone at a page's foot, its grid on the next page, reads as a missing table (it did,
    for a period with no votes)."""
    n = len(_pages(files[which]))
    for i in range(1, n + 1):
        lines = subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(files[which]), "-"],
                               capture_output=True, text=True).stdout.rstrip().splitlines()
        for k, line in enumerate(lines):
            if line.strip() in ("Số phiếu được tính", "Tỷ lệ hài lòng (%)"):
                following = [ln for ln in lines[k + 1:] if ln.strip()]
                assert following and following[0].split()[0] == "Giờ", (which, i, line)


def test_a_broken_chain_is_told_in_vietnamese_in_the_printed_verification(tmp_path):
    import sqlite3
    config = load_config(write_config(tmp_path, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        raw = sqlite3.connect(config.db_path)
        raw.execute("UPDATE votes SET officer = 'CB99' WHERE seq = 40")
        raw.commit()
        raw.close()
        model = report_for_store(store, config, D_FROM, D_TO)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render(model, "pdf"))
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert "HỎNG: tại phiếu số 40: mã băm không khớp (phiếu đã bị sửa)" in text   # verify's own words
    assert "vote seq" not in text and "does not match" not in text


def test_the_title_breaks_before_doi_voi_never_inside_a_phrase(files):
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(files["pdf"]), "-"],
                          capture_output=True, text=True).stdout
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    i = next(i for i, ln in enumerate(lines) if ln.startswith("BẢNG TỔNG HỢP"))
    assert lines[i] == "BẢNG TỔNG HỢP KẾT QUẢ KHẢO SÁT, ĐÁNH GIÁ SỰ HÀI LÒNG CỦA NGƯỜI DÂN"
    assert lines[i + 1] == "ĐỐI VỚI SỰ PHỤC VỤ CỦA TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"


def _rules(png, x0: float, x1: float, scale: float) -> list[float]:
    """The y (in points) of each horizontal line at least 40 pt long between x0 and x1 (points) on a page image."""
    from PIL import Image
    im = Image.open(png).convert("L")
    px = im.load()
    ys = []
    for y in range(im.size[1]):
        run = best = 0
        for x in range(int(x0 * scale), min(im.size[0], int(x1 * scale))):
            run = run + 1 if px[x, y] < 128 else 0
            best = max(best, run)
        if best >= 40 * scale:
            ys.append(y / scale)
    return ys


def test_the_rules_under_the_issuer_and_the_motto_stand_clear_of_their_text(files, tmp_path):
    """A rule drawn against the dots under Ụ and Ọ reads as an underline of the words, not a rule under the block."""
    subprocess.run(["pdftoppm", "-r", "144", "-png", "-f", "1", "-l", "1", "-singlefile", str(files["pdf"]),
                    str(tmp_path / "p1")], check=True)
    _w, _h, words = _pages(files["pdf"])[0]
    words = [wd for wd in words if wd[3] < 40 * MM]   # the header blocks (the title repeats "TRUNG TÂM PHỤC VỤ")
    issuer = [wd for wd in words if wd[4] in ("TRUNG", "TÂM", "PHỤC", "VỤ")]
    motto = [wd for wd in words if wd[4] in ("Độc", "lập", "Tự", "Hạnh", "phúc")]
    for block in (issuer, motto):
        x0, x1 = min(wd[0] for wd in block), max(wd[2] for wd in block)
        bottom = max(wd[3] for wd in block)
        below = [y for y in _rules(tmp_path / "p1.png", x0, x1, 2.0) if bottom - 6 < y < bottom + 15]
        assert below, f"no rule under {block[0][4]}…"
        assert min(below) - bottom >= 1.5, (block[0][4], bottom, below)


def test_the_csv_by_officer_has_the_code_and_the_configured_name_apart(tmp_path):
    import csv
    from rating.report.files import report_for_store as for_store
    config = load_config(write_config(tmp_path, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        model = for_store(store, config, D_FROM, D_TO, by="officer")
    rows = list(csv.reader(io.StringIO(render(model, "csv").decode("utf-8-sig"))))
    by_code = {r[1]: r[2] for r in rows[1:] if r}
    assert by_code["CB07"] == "Lê Văn C" and by_code["CB01"] == "" and by_code["ALL"] == ""


def test_the_printed_digest_recipe_names_every_choice_an_inspector_must_repeat(files):
    from rating.report.text import verification_lines
    recipe = dict(verification_lines(files["model"]))["Cách tính SHA-256"]
    for part in ("cột hash", "local_date trong kỳ", "phiếu bị loại", "thang khác", "\\n", "kiosk_id rồi seq tăng dần",
                 "chữ thường", "docs/report.md", "--format votes"):
        assert part in recipe, part
    from rating.report.votes import HASH_COLUMN
    assert f"cột hash là cột {HASH_COLUMN})" in recipe  # the column the raw export really has it in


def test_seven_digit_counts_stay_inside_their_cells(files, tmp_path):
    """A commune's year over several kiosks runs to millions of votes: a count wider than its column spilled
    over the grid into the number beside it. The counts are scaled up in a copy of the model."""
    import copy
    model = copy.deepcopy(files["model"])
    for r in [*model.summary.rows, model.summary.total]:
        r.levels = {c: v * 31_337 for c, v in r.levels.items()}
        r.total, r.satisfied, r.flagged = r.total * 31_337, r.satisfied * 31_337, r.flagged * 31_337
    assert model.summary.total.total >= 1_000_000
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(render(model, "pdf"))
    words = _pages(pdf)[0][2]
    cong = next(wd for wd in words if wd[4] == "cộng")
    line = sorted((wd for wd in words if abs(wd[1] - cong[1]) < 1 and wd[0] > cong[2]), key=lambda wd: wd[0])
    assert len(line) >= 12, line
    t = model.summary.total
    counts = [t.total, *t.levels.values(), t.flagged]
    texts = [wd[4] for wd in line]
    for n in counts:   # each its own word: numbers that ran together came out as one ("4.857.2352.193.590")
        assert f"{n:,}".replace(",", ".") in texts, (n, texts)
    note = t.note.split()   # the Ghi chú cell's words: "95 %: 84,9–91,2"
    for (a0, _b0, a1, _b1, a), (c0, _d0, _c1, _d1, c) in zip(line, line[1:]):
        if (a, c) == ("Chưa", "đạt") or (a in note and c in note):
            continue   # one cell's words
        assert c0 - a1 >= 3, f"{a!r} and {c!r} run into each other ({c0 - a1:.1f} pt apart)"

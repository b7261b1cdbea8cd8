"""The II.7 workbook read back with openpyxl, and recalculated by LibreOffice headless, against numbers
counted independently from the raw rows."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from kiosk.config import load_config
from rating.report import render, report_for_store
from kiosk.store import VoteStore
from tests.conftest import write_config
from tests.helpers.report_data import D_FROM, D_TO, REPORT_CONFIG, expected, fill_rich, half_up, satisfied, summed

# No questionnaire answered in the week: its place ("Phiếu KS") says so, before Kiểm chứng.
SHEETS = ["Tổng hợp", "Theo công chức", "Theo ngày", "Theo giờ", "Lý do", "Phiếu KS", "Kiểm chứng"]
CODES = ("RHL", "HL", "BT", "KHL", "RKHL")
# LibreOffice keeps cached values of OOXML files unless told to recalculate on load.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The rich week's workbook and an empty quarter's, written, then recalculated by LibreOffice in
    one invocation (with a sentinel whose cached value is wrong, to prove it recalculated)."""
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is not installed: run `make test`, which installs it")
    root = tmp_path_factory.mktemp("xlsx")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        rich = report_for_store(store, config, D_FROM, D_TO, appendix="Phụ lục I")
        empty = report_for_store(store, config, date(2026, 1, 1), date(2026, 3, 31))
    src = root / "src"
    src.mkdir()
    (src / "rich.xlsx").write_bytes(render(rich, "xlsx"))
    (src / "empty.xlsx").write_bytes(render(empty, "xlsx"))
    wb = xlsxwriter.Workbook(str(src / "sentinel.xlsx"))
    wb.add_worksheet().write_formula(0, 0, "=1+1", None, 0)
    wb.close()
    profile = root / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    out = root / "recalc"
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
                           "--convert-to", "xlsx", "--outdir", str(out),
                           *(str(src / n) for n in ("rich.xlsx", "empty.xlsx", "sentinel.xlsx"))],
                          capture_output=True, text=True, timeout=180)
    assert (out / "sentinel.xlsx").exists(), done.stderr
    return {"src": src, "out": out, "config": config, "expected": expected(config.db_path, D_FROM, D_TO),
            "rich": rich, "empty": empty}


def _rows(ws) -> dict[str, tuple]:
    """The table rows of a summary-shaped sheet, keyed by the label in column B."""
    out = {}
    started = False
    for row in ws.iter_rows(values_only=True):
        if row[0] == "STT":
            started = True
            continue
        if started and isinstance(row[1], str) and row[1]:
            out[row[1]] = row
            if row[1] == "Tổng cộng":
                break
    return out


def _check_summary(ws, levels_by_key: dict[str, dict[str, int]], flagged: dict[str, int], labels: dict[str, str]):
    rows = _rows(ws)
    for key, label in labels.items():
        levels = levels_by_key.get(key, {})
        n = sum(levels.values())
        r = rows[label]
        assert r[2] == n, (label, r)
        for i, code in enumerate(CODES):
            assert r[3 + 2 * i] == levels.get(code, 0)
            want = half_up(levels.get(code, 0), n)
            assert r[4 + 2 * i] == ("—" if want is None else want), (label, code, r)
        rate = half_up(satisfied(levels), n)
        assert r[13] == ("—" if rate is None else rate)
        assert r[14] == ("—" if rate is None else ("Đạt" if rate >= 90 else "Chưa đạt"))
        assert r[15] == flagged.get(key, 0)
    everything = summed(levels_by_key)
    total = rows["Tổng cộng"]
    n = sum(everything.values())
    assert total[2] == n and total[15] == sum(flagged.values())
    assert total[13] == ("—" if n == 0 else half_up(satisfied(everything), n))


def _errors(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "e" or (isinstance(c.value, str) and c.value.startswith("#"))]


@pytest.mark.parametrize("which", ["src", "out"])
def test_the_workbook_has_its_sheets_in_times_new_roman_with_the_title_and_header(books, which):
    wb = openpyxl.load_workbook(books[which] / "rich.xlsx", data_only=True)
    assert wb.sheetnames == SHEETS
    ws = wb["Tổng hợp"]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND XÃ THỬ NGHIỆM" in text and "Phụ lục I" in text
    assert any(t.startswith("BẢNG TỔNG HỢP KẾT QUẢ KHẢO SÁT, ĐÁNH GIÁ SỰ HÀI LÒNG") for t in text)
    assert "Từ ngày 02/11/2026 đến ngày 08/11/2026" in text
    assert any(t.startswith("Ninh Giang, ngày ") for t in text)
    assert "NGƯỜI LẬP BẢNG" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text and "Nguyễn Văn A" in text
    assert "Các tỷ lệ được làm tròn đến một chữ số thập phân." in text
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {"Times New Roman"}


@pytest.mark.parametrize("which", ["src", "out"])
def test_every_counter_total_and_percentage_is_right_before_and_after_recalculation(books, which):
    e, config = books["expected"], books["config"]
    ws = openpyxl.load_workbook(books[which] / "rich.xlsx", data_only=True)["Tổng hợp"]
    _check_summary(ws, e.levels, e.flagged, {c.id: c.name for c in config.counters})


@pytest.mark.parametrize("which", ["src", "out"])
def test_every_officer_row_is_right_before_and_after_recalculation(books, which):
    e = books["expected"]
    ws = openpyxl.load_workbook(books[which] / "rich.xlsx", data_only=True)["Theo công chức"]
    labels = {k: (f"{k} — Lê Văn C" if k == "CB07" else k) for k in e.officers}
    assert len(labels) == 20
    _check_summary(ws, e.officers, e.officer_flagged, labels)


@pytest.mark.parametrize("which", ["src", "out"])
def test_the_days_sheet_has_every_day_with_votes_and_its_verdict_before_and_after_recalculation(books, which):
    e = books["expected"]
    ws = openpyxl.load_workbook(books[which] / "rich.xlsx", data_only=True)["Theo ngày"]
    head = next(r for r in ws.iter_rows(values_only=True) if r[0] == "STT")
    assert head[9:14] == ("Tỷ lệ hài lòng (%)", "Chỉ tiêu (%)", "Kết quả", "Phiếu bị loại", "Ghi chú (KTC 95 %)")
    rows = {r[1]: r for r in ws.iter_rows(values_only=True) if isinstance(r[1], str) and r[1][:2].isdigit()}
    for day, levels in e.days.items():
        label = date.fromisoformat(day).strftime("%d/%m/%Y")
        rate = half_up(satisfied(levels), sum(levels.values()))
        assert rows[label][3] == sum(levels.values())
        assert rows[label][9] == rate
        assert rows[label][11] == ("Đạt" if rate >= 90 else "Chưa đạt"), label
    friday = rows["06/11/2026"]
    assert (friday[3], friday[9], friday[11], friday[12], friday[13]) == (0, "—", "—", 1, "chỉ có phiếu bị loại")
    everything = summed(e.days)
    total = next(r for r in ws.iter_rows(values_only=True) if r[1] == "Tổng cộng")
    assert total[11] == ("Đạt" if half_up(satisfied(everything), sum(everything.values())) >= 90 else "Chưa đạt")
    assert total[12] == sum(e.flagged.values())


def test_the_days_sheet_has_a_line_chart_with_the_target(books):
    for which in ("src", "out"):  # written natively, and kept by LibreOffice
        charts = openpyxl.load_workbook(books[which] / "rich.xlsx")["Theo ngày"]._charts
        assert [type(c).__name__ for c in charts] == ["LineChart"] and len(charts[0].series) == 2


def test_the_hour_sheet_is_a_heat_map_of_the_raw_counts(books):
    e = books["expected"]
    ws = openpyxl.load_workbook(books["src"] / "rich.xlsx")["Theo giờ"]
    assert len(ws.conditional_formatting) == 2
    grid = {}
    for row in ws.iter_rows(values_only=True):
        if isinstance(row[0], str) and row[0][:2].isdigit() and ":00–" in row[0]:
            grid.setdefault(int(row[0][:2]), row)  # the first grid: counts
    for (hour, wd), (n, _sat) in e.hours.items():
        assert grid[hour][1 + wd] == n


def test_the_reasons_and_verification_sheets_carry_the_counts_and_the_digest(books):
    e = books["expected"]
    wb = openpyxl.load_workbook(books["out"] / "rich.xlsx", data_only=True)
    reasons = {r[1]: r for r in wb["Lý do"].iter_rows(values_only=True) if isinstance(r[0], (int, float))}
    assert reasons["Công chức giải quyết"][2] == e.reasons.get("officer", 0)
    check = {r[0]: r[1] for r in wb["Kiểm chứng"].iter_rows(values_only=True) if r[0]}
    assert check["SHA-256 các phiếu trong kỳ"] == e.digest
    assert check["Mã kiosk (kiosk_id)"] == "test-01"
    assert check["Chuỗi băm kiosk test-01"].startswith("HỢP LỆ")


def test_libreoffice_really_recalculated_and_found_no_formula_error(books):
    assert openpyxl.load_workbook(books["out"] / "sentinel.xlsx", data_only=True).active["A1"].value == 2
    for name in ("rich.xlsx", "empty.xlsx"):
        assert _errors(books["src"] / name) == []
        assert _errors(books["out"] / name) == []


def test_every_recalculated_number_equals_the_written_one(books):
    for name in ("rich.xlsx", "empty.xlsx"):
        mine = openpyxl.load_workbook(books["src"] / name, data_only=True)
        theirs = openpyxl.load_workbook(books["out"] / name, data_only=True)
        compared = 0
        for ws in mine:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, (int, float)):
                        assert theirs[ws.title][c.coordinate].value == pytest.approx(c.value), (name, ws.title, c.coordinate)
                        compared += 1
        assert compared > (200 if name == "rich.xlsx" else 10)


def test_a_period_with_no_votes_renders_zeros_and_dashes(books):
    ws = openpyxl.load_workbook(books["out"] / "empty.xlsx", data_only=True)["Tổng hợp"]
    rows = _rows(ws)
    assert rows["Tổng cộng"][2] == 0 and rows["Tổng cộng"][13] == "—"
    assert [rows[name][2] for name in ("Quầy 1 — Tư pháp, hộ tịch", "Quầy 2 — Đất đai", "Quầy 3 — Lao động")] == [0, 0, 0]

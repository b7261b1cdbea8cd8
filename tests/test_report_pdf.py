"""The II.7 PDF read with poppler (pdftotext, pdffonts, pdfinfo, pdftoppm), against numbers counted
independently from the raw rows. Page images go to build/screens/ to be looked at."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from kiosk.config import load_config
from tests.helpers.intervals import textbook_wilson
from rating.period import quarter
from rating.report import render, report_for_store
from kiosk.store import VoteStore
from tests.conftest import ROOT, write_config
from tests.helpers.report_data import D_FROM, D_TO, REPORT_CONFIG, expected, fill_rich, half_up, satisfied, summed

SCREENS = ROOT / "build" / "screens"


def _run(*cmd: str) -> str:
    if shutil.which(cmd[0]) is None:
        pytest.fail(f"{cmd[0]} (poppler-utils) is not installed: run `make test`, which installs it")
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout


def _vn(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    root = tmp_path_factory.mktemp("pdf")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        rich = report_for_store(store, config, D_FROM, D_TO, appendix="Phụ lục I")
        empty = report_for_store(store, config, date(2026, 7, 1), date(2026, 9, 30), period=quarter(2026, 3))
    paths = {}
    for name, model in (("rich", rich), ("empty", empty)):
        paths[name] = root / f"{name}.pdf"
        paths[name].write_bytes(render(model, "pdf"))
    return {"paths": paths, "expected": expected(config.db_path, D_FROM, D_TO), "config": config}


def _text(path: Path) -> str:
    return _run("pdftotext", "-layout", str(path), "-")


def test_the_pdf_shows_the_header_blocks_title_period_and_signature(pdfs):
    text = _text(pdfs["paths"]["rich"])
    flat = re.sub(r"\s+", " ", text)
    for words in ("UBND XÃ THỬ NGHIỆM", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Độc lập - Tự do - Hạnh phúc", "Phụ lục I", "BẢNG TỔNG HỢP KẾT QUẢ KHẢO SÁT, ĐÁNH GIÁ SỰ HÀI LÒNG",
                  "Từ ngày 02/11/2026 đến ngày 08/11/2026", "NGƯỜI LẬP BẢNG", "THỦ TRƯỞNG ĐƠN VỊ", "Nguyễn Văn A",
                  "Trần Thị B", "Các tỷ lệ được làm tròn đến một chữ số thập phân.", "Tổng cộng", "KIỂM CHỨNG",
                  "Đơn vị khảo sát: Trung tâm Phục vụ hành chính công xã Thử nghiệm"):
        assert words in flat, words
    assert re.search(r"Ninh Giang, ngày \d\d tháng (0[12]|[3-9]|1[0-2]) năm \d{4}", flat)


def test_the_pdf_totals_and_rate_match_the_raw_rows(pdfs):
    e = pdfs["expected"]
    text = _text(pdfs["paths"]["rich"])
    everything = summed(e.levels)
    n = sum(everything.values())
    rate = half_up(satisfied(everything), n)
    total_line = next(line for line in text.splitlines() if line.strip().startswith("Tổng cộng"))
    numbers = total_line.split()[2:]
    want = [str(n)]
    for code in ("RHL", "HL", "BT", "KHL", "RKHL"):
        want += [str(everything.get(code, 0)), _vn(half_up(everything.get(code, 0), n))]
    want += [_vn(rate), *(["Đạt"] if rate >= 90 else ["Chưa", "đạt"]), str(sum(e.flagged.values()))]
    lo, hi = textbook_wilson(satisfied(everything), n)   # the Ghi chú: the 95 % interval (issue 18)
    want += [f"{_vn(lo)}–{_vn(hi)}"] + (["chưa", "chắc", "chắn"] if lo < 90 <= hi else [])
    assert numbers[:len(want)] == want
    assert f"tỷ lệ hài lòng chung {_vn(rate)} % trên {n} phiếu" in re.sub(r"\s+", " ", text)
    for i, counter in enumerate(pdfs["config"].counters, start=1):
        levels = e.levels.get(counter.id, {})
        line = next(line for line in text.splitlines() if re.match(rf"\s*{i}\s+Quầy {i}", line))
        assert line.split(counter.name)[1].split()[0] == str(sum(levels.values())), line
    assert e.digest in text


def test_every_font_in_the_pdf_is_embedded_liberation_serif(pdfs):
    for path in pdfs["paths"].values():
        lines = _run("pdffonts", str(path)).splitlines()[2:]
        assert lines
        for line in lines:
            assert "LiberationSerif" in line and line.split()[-5] == "yes", line


def test_page_count_and_page_images_for_people_to_look_at(pdfs):
    SCREENS.mkdir(parents=True, exist_ok=True)
    for name, path in pdfs["paths"].items():
        pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))
        assert 3 <= pages <= 12
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", _run("pdfinfo", str(path)))
        assert (round(float(size.group(1))), round(float(size.group(2)))) == (842, 595)  # A4 landscape
        _run("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(path), str(SCREENS / f"report-{name}"))
    assert any(SCREENS.glob("report-rich-*1.png"))


def test_page_numbers_start_on_page_two_at_the_top(pdfs):
    path = pdfs["paths"]["rich"]
    first = _run("pdftotext", "-layout", "-f", "1", "-l", "1", str(path), "-").strip().splitlines()[0]
    second = _run("pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-").strip().splitlines()[0]
    assert first.strip() != "1" and second.strip() == "2"


def test_a_quarter_with_no_votes_prints_its_name_zeros_and_no_rate(pdfs):
    flat = re.sub(r"\s+", " ", _text(pdfs["paths"]["empty"]))
    assert "Quý III năm 2026" in flat and "chưa có phiếu được tính trong kỳ" in flat
    total_line = next(line for line in _text(pdfs["paths"]["empty"]).splitlines() if line.strip().startswith("Tổng cộng"))
    assert total_line.split()[2] == "0" and "—" in total_line


def test_the_signature_never_stands_alone_on_the_last_page(pdfs, tmp_path):
    """Whatever the report's length, the last page holds the end of the Kiểm chứng table with the
    signatures (the central service's PDF once had the signature block alone on its last page)."""
    import dataclasses
    config = pdfs["config"]
    with VoteStore.from_config(config) as store:
        model = report_for_store(store, config, D_FROM, D_TO)
    for extra in range(0, 100, 4):   # a longer software line pushes the end down, across a whole page
        version = " ".join(["phiên bản thử ngắt trang"] * (1 + extra))
        padded = dataclasses.replace(model, verification=dataclasses.replace(model.verification,
                                                                             software_version=version))
        path = tmp_path / f"padded-{extra}.pdf"
        path.write_bytes(render(padded, "pdf"))
        pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path)))[1])
        last = re.sub(r"\s+", " ", _run("pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-"))
        assert "NGƯỜI LẬP BẢNG" in last and "Cách tính SHA-256" in last, (extra, last[:300])

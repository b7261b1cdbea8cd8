"""Regenerate the README's pictures of the II.7 report: the workbook's Tổng hợp sheet (printed through
LibreOffice), its Theo ngày chart page, and the PDF's first page, from 52 days of demo votes. Needs soffice and pdftoppm.

    python scripts/report_screens.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import demo  # noqa: E402
from kiosk.config import ReportConfig, load_config  # noqa: E402
from rating.period import quarter  # noqa: E402
from rating.report import render, report_for_store  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402


def main() -> None:
    out = ROOT / "docs" / "screens"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = replace(load_config(), data_dir=work / "data", centre="Trung tâm Phục vụ hành chính công xã Ninh Giang",
                         report=ReportConfig(parent_unit="UBND xã Ninh Giang", place="Ninh Giang",
                                             preparer="Nguyễn Văn A", head="Trần Thị B"))
        with VoteStore.from_config(config) as store:
            demo.generate(store, config.counters, config.scale, 52, 120, 4, end=datetime(2026, 11, 21, 17, tzinfo=config.tz))
            model = report_for_store(store, config, date(2026, 10, 1), date(2026, 12, 31), period=quarter(2026, 4),
                                     appendix="Phụ lục I")
        (work / "bao-cao.pdf").write_bytes(render(model, "pdf"))
        (work / "bao-cao.xlsx").write_bytes(render(model, "xlsx"))
        subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(work / "wb"), str(work / "bao-cao.xlsx")],
                       check=True, capture_output=True)
        printed = work / "wb" / "bao-cao.pdf"
        chart_page = _page_with(printed, "Tỷ lệ hài lòng theo ngày")
        for pdf, page, name in ((work / "bao-cao.pdf", 1, "report-pdf-page1"), (printed, 1, "report-workbook"),
                                (printed, chart_page, "report-workbook-chart")):
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                            str(out / name)], check=True)
    print(f"wrote {out / 'report-pdf-page1.png'}, {out / 'report-workbook.png'} and {out / 'report-workbook-chart.png'}")


def _page_with(pdf: Path, text: str) -> int:
    """The first page of ``pdf`` whose text holds ``text`` (the printed workbook's daily chart)."""
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")
    return next(i for i, page in enumerate(pages, start=1) if text in page)


if __name__ == "__main__":
    main()

"""Regenerate the README's pictures of the II.7 report's questionnaire section: the workbook's
"Phiếu KS trung-tam" sheet (printed through LibreOffice, its two pages stacked) and the PDF section's
page with the element indexes, from the questionnaire tests' data (150 responses in 2026-Q4, 45 in Q3).
Needs soffice, pdftoppm and Pillow.

    python scripts/report_questionnaire_screens.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from rating.report import render, report_for_store  # noqa: E402
from kiosk.store import VoteStore  # noqa: E402
from tests.conftest import write_config  # noqa: E402
from tests.helpers.report_data import REPORT_CONFIG  # noqa: E402
from tests.test_report_questionnaire import Q4, fill  # noqa: E402

OUT = ROOT / "docs" / "screens"


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages")).split()[1])


def _page_with(pdf: Path, needle: str, start: int = 1) -> int:
    for page in range(start, _pages(pdf) + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        if needle in text:
            return page
    raise LookupError(f"{needle!r} is on no page of {pdf}")


def _stacked(pdf: Path, first: int, last: int, work: Path, name: str) -> None:
    """Pages ``first..last`` at 100 dpi, trimmed to their content and stacked (each keeps its number and
    the title that repeats on every printed page)."""
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", str(first), "-l", str(last), str(pdf), str(work / name)],
                   check=True)
    images = []
    for path in sorted(work.glob(f"{name}-*.png")):
        im = Image.open(path).convert("RGB")
        box = ImageChops.difference(im, Image.new("RGB", im.size, "white")).getbbox()
        images.append(im.crop((box[0] - 10, box[1] - 10, box[2] + 10, box[3] + 10)))
    sheet = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images)), "white")
    y = 0
    for im in images:
        sheet.paste(im, (0, y))
        y += im.height
    sheet.save(OUT / f"{name}.png", optimize=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = load_config(write_config(work, extra=REPORT_CONFIG))
        with VoteStore.from_config(config) as store:
            fill(store)
            model = report_for_store(store, config, *Q4)
        (work / "q4.xlsx").write_bytes(render(model, "xlsx"))
        (work / "q4.pdf").write_bytes(render(model, "pdf"))
        subprocess.run(["soffice", f"-env:UserInstallation={(work / 'lo').as_uri()}", "--headless", "--convert-to",
                        "pdf", "--outdir", str(work / "printed"), str(work / "q4.xlsx")], capture_output=True,
                       timeout=180, check=True)
        printed = work / "printed" / "q4.pdf"
        first = _page_with(printed, "mã trung-tam")
        _stacked(printed, first, _page_with(printed, "3. Số phiếu theo kênh", first), work, "report-questionnaire")
        page = _page_with(work / "q4.pdf", "Chỉ số hài lòng chung (SIPAS)", _page_with(work / "q4.pdf", "mã trung-tam"))
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", "-f", str(page), "-l", str(page),
                        str(work / "q4.pdf"), str(OUT / "report-questionnaire-pdf")], check=True)
    print(f"wrote {OUT / 'report-questionnaire.png'} and {OUT / 'report-questionnaire-pdf.png'}")


if __name__ == "__main__":
    main()

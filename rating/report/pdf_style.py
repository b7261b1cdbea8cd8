"""The look every document the centre prints shares: Liberation Serif embedded (metric-compatible with
Times New Roman, covers Vietnamese), the margins Nghị định 30/2020/NĐ-CP asks for, the paragraph styles,
the short centred rule under the header blocks and the table header's shade.

Used by the II.7 PDF (:mod:`rating.report.pdf` and its questionnaire section
:mod:`rating.report.pdf_questionnaire`) and the central service's paper forms, so the three cannot drift
apart and none reaches into another's private names.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FAMILY = "LiberationSerif"
MARGINS = {"leftMargin": 30 * mm, "rightMargin": 15 * mm, "topMargin": 20 * mm, "bottomMargin": 20 * mm}
HEAD_BG = colors.HexColor("#E7EEF7")
# Every table cell names the embedded font, so that no unembedded Helvetica is ever pulled in.
BASE_FONT = ("FONTNAME", (0, 0), (-1, -1), f"{FAMILY}-Regular")


def register_fonts() -> None:
    """Register the four Liberation Serif faces and their family with ReportLab (once per process)."""
    if f"{FAMILY}-Regular" in pdfmetrics.getRegisteredFontNames():
        return
    for suffix in ("Regular", "Bold", "Italic", "BoldItalic"):
        pdfmetrics.registerFont(TTFont(f"{FAMILY}-{suffix}", str(FONT_DIR / f"LiberationSerif-{suffix}.ttf")))
    pdfmetrics.registerFontFamily(FAMILY, normal=f"{FAMILY}-Regular", bold=f"{FAMILY}-Bold",
                                  italic=f"{FAMILY}-Italic", boldItalic=f"{FAMILY}-BoldItalic")


def style(name: str, size: float = 12, bold: bool = False, italic: bool = False, align=TA_LEFT,
           leading: float | None = None) -> ParagraphStyle:
    """A paragraph style in the embedded family; ``leading`` defaults to 1.25 times the size."""
    face = f"{FAMILY}-" + {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic",
                           (True, True): "BoldItalic"}[(bold, italic)]
    return ParagraphStyle(name, fontName=face, fontSize=size, leading=leading or size * 1.25, alignment=align)


class Styles:
    """The paragraph styles of the II.7 report, by role (the paper forms use the same)."""

    def __init__(self):
        self.parent = style("parent", 12.5, align=TA_CENTER)
        self.unit = style("unit", 12.5, bold=True, align=TA_CENTER)
        self.motto = style("motto", 12.5, bold=True, align=TA_CENTER)
        self.motto_sub = style("motto_sub", 13.5, bold=True, align=TA_CENTER)
        self.date_line = style("date", 13.5, italic=True, align=TA_CENTER)
        self.appendix = style("appendix", 13.5, bold=True, align=TA_CENTER)
        self.title = style("title", 14, bold=True, align=TA_CENTER, leading=18)
        self.period = style("period", 13, bold=True, italic=True, align=TA_CENTER)
        self.coverage = style("coverage", 12, italic=True, align=TA_CENTER)
        self.section = style("section", 13, bold=True, leading=18)
        self.body = style("body", 12)
        self.note = style("note", 11, italic=True)
        self.cell = style("cell", 9.5, leading=11)
        self.cell_c = style("cell_c", 9.5, align=TA_CENTER, leading=11)
        self.head = style("head", 9.5, bold=True, align=TA_CENTER, leading=11)
        self.total = style("total", 9.5, bold=True, leading=11)
        self.sign = style("sign", 13, bold=True, align=TA_CENTER)
        self.sign_note = style("sign_note", 12, italic=True, align=TA_CENTER)
        self.mono = style("mono", 8.5, leading=10)
        self.verdict = style("verdict", 12.5, bold=True)


class Rule(Flowable):
    """A short centred horizontal rule (the line under the issuing body and under the motto)."""

    def __init__(self, width: float):
        super().__init__()
        self.rule_width = width
        self.width, self.height = width, 6

    def wrap(self, avail_w, avail_h):
        self.avail = avail_w
        return avail_w, 6

    def draw(self):
        # 5 pt below the line above: clear of the dots under Ụ, Ọ, Ị, which touched a rule drawn closer and
        # made it read as an underline of the words rather than a rule under the block.
        x = (self.avail - self.rule_width) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(x, 1, x + self.rule_width, 1)


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """``text`` as a paragraph, escaped: names and reasons from outside are text, never markup."""
    return Paragraph(escape(text), style)

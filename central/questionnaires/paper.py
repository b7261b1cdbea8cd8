"""The paper form: an A4 PDF of a questionnaire's paper questions, ``count`` numbered forms for one
centre, laid out as the II.7 report is (Nghị định 30/2020: the header blocks, Liberation Serif
embedded, the same margins) with :mod:`rating.report.pdf_style`'s fonts, styles and rule.

Each question has a tick box per choice, numbered as the keypad and the data-entry page count them
(1 = the first choice, the best on a scale); the free-text question has lines to write on. The form
number is printed at the top of every sheet of the form, so a loose second sheet still says which
form it belongs to.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, PageBreak,
                                PageTemplate, Spacer, Table, TableStyle)

# The typography and blocks of the II.7 PDF, shared (not copied): one look for every document the centre prints.
from rating.report.pdf_style import BASE_FONT, FAMILY, MARGINS, Rule, Styles, para, register_fonts, style
from rating.report.text import MOTTO, MOTTO_SUB
from rating.questionnaire.model import Question, Questionnaire

from .words import WORDS

PAGE = A4                       # portrait: a form is read and ticked like a letter
MAX_FORMS = 500                 # one print run; more is a second download
BOX = 3.6 * mm


class _Box(Flowable):
    """An empty square to tick."""

    def wrap(self, avail_w, avail_h):
        return BOX, BOX

    def draw(self):
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, BOX, BOX)


class _Lines(Flowable):
    """Ruled lines to write on."""

    def __init__(self, count: int, gap: float = 8 * mm):
        super().__init__()
        self.count, self.gap = count, gap

    def wrap(self, avail_w, avail_h):
        self.avail = avail_w
        return avail_w, self.count * self.gap

    def draw(self):
        self.canv.setLineWidth(0.4)
        self.canv.setDash(1, 2)
        for i in range(self.count):
            self.canv.line(0, i * self.gap, self.avail, i * self.gap)


class _FormStart(Flowable):
    """Zero-size marker: from here on, the sheets belong to form ``number`` (read when a page ends)."""

    def __init__(self, number: str):
        super().__init__()
        self.number = number

    def wrap(self, avail_w, avail_h):
        return 0, 0

    def draw(self):
        self.canv._doctemplate.form_no = self.number


def _form_mark(canvas, doc) -> None:
    """``Phiếu số …`` top right and the sheet number top centre, on every sheet."""
    no = getattr(doc, "form_no", "")
    doc.sheet = doc.sheet + 1 if getattr(doc, "sheet_of", None) == no else 1
    doc.sheet_of = no
    canvas.saveState()
    canvas.setFont(f"{FAMILY}-Bold", 12)
    canvas.drawRightString(PAGE[0] - MARGINS["rightMargin"], PAGE[1] - 12 * mm, f"Phiếu số: {no}")
    canvas.setFont(f"{FAMILY}-Regular", 11)
    if doc.sheet > 1:
        canvas.drawCentredString(PAGE[0] / 2, PAGE[1] - 12 * mm, f"(tờ {doc.sheet})")
    canvas.restoreState()


class _Form:
    def __init__(self, q: Questionnaire, centre_name: str, commune_name: str):
        register_fonts()
        self.q, self.centre, self.commune, self.s = q, centre_name, commune_name, Styles()
        self.width = PAGE[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]
        self.small = style("small", 10.5, leading=12.5)
        self.small_i = style("small_i", 10.5, italic=True, leading=12.5)
        self.small_c = style("small_c", 8.5, align=1, leading=9.5)
        self.qtext = style("qtext", 11.5, leading=14)

    def header(self) -> list:
        s = self.s
        left_w, right_w = self.width * 0.42, self.width * 0.58
        left = [para(self.commune.upper(), s.parent) if self.commune else Spacer(1, 0), para(self.centre.upper(), s.unit),
                Rule(min(50 * mm, left_w * 0.5))]
        right = [para(MOTTO, s.motto), para(MOTTO_SUB, s.motto_sub),
                 Rule(pdfmetrics.stringWidth(MOTTO_SUB, f"{FAMILY}-Bold", 13.5))]
        t = Table([[left, right]], colWidths=[left_w, right_w])
        t.setStyle(TableStyle([BASE_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        return [t, Spacer(1, 6 * mm), para("PHIẾU KHẢO SÁT", s.title), para(self.q.title_vi, s.title),
                Spacer(1, 3 * mm), para(self.q.intro_vi, s.note),
                para("Đánh dấu X vào một ô cho mỗi câu; câu nào không muốn trả lời, Ông/Bà để trống.", s.note),
                Spacer(1, 3 * mm)]

    def scale_block(self, run: list[tuple[int, Question]]) -> Table:
        """Consecutive questions on one scale as one table: STT | question | a numbered box per choice."""
        choices = run[0][1].choices
        box_w = 15.5 * mm
        text_w = self.width - 9 * mm - box_w * len(choices)
        head = [para("TT", self.s.head), para("Nội dung", self.s.head)] + \
            [para(f"{c.vi} ({i})", self.small_c) for i, c in enumerate(choices, 1)]
        rows = [head] + [[para(str(n), self.s.cell_c), para(q.vi, self.qtext)] + [_Box() for _ in choices] for n, q in run]
        t = Table(rows, colWidths=[9 * mm, text_w] + [box_w] * len(choices), repeatRows=1)
        t.setStyle(TableStyle([BASE_FONT, ("GRID", (0, 0), (-1, -1), 0.5, "#555555"),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (2, 1), (-1, -1), "CENTER"),
                               ("BACKGROUND", (0, 0), (-1, 0), "#E7EEF7")]))
        return t

    def choice_block(self, n: int, q: Question) -> KeepTogether:
        """A profile question: its text, then each choice with a numbered box."""
        cells = []
        for i, c in enumerate(q.choices, 1):
            cells += [_Box(), para(f"({i}) {c.vi}", self.small)]
        widths = [6 * mm, self.width / max(len(q.choices), 1) - 6 * mm] * len(q.choices)
        t = Table([cells], colWidths=widths)
        t.setStyle(TableStyle([BASE_FONT, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 1)]))
        return KeepTogether([para(f"{n}. {q.vi}", self.qtext), Spacer(1, 1.5 * mm), t, Spacer(1, 2.5 * mm)])

    def text_block(self, n: int, q: Question) -> KeepTogether:
        """The free-text question with lines to write on."""
        return KeepTogether([para(f"{n}. {q.vi}", self.qtext), Spacer(1, 1.5 * mm),
                             para(WORDS.text('no_personal_text', 'vi'), self.small_i), Spacer(1, 5 * mm), _Lines(5)])

    def story(self, numbers: list[str]) -> list:
        questions = self.q.for_channel("paper")
        out: list = []
        for i, number in enumerate(numbers):
            if i:
                out.append(PageBreak())
            out += [_FormStart(number), *self.header()]
            run: list[tuple[int, Question]] = []
            for n, question in enumerate(questions, 1):
                if question.kind == "scale" and (not run or run[0][1].codes == question.codes):
                    run.append((n, question))
                    continue
                if run:
                    out += [self.scale_block(run), Spacer(1, 4 * mm)]
                    run = []
                if question.kind == "scale":
                    run.append((n, question))
                elif question.kind == "text":
                    out += [CondPageBreak(50 * mm), self.text_block(n, question)]
                else:
                    out.append(self.choice_block(n, question))
            if run:
                out += [self.scale_block(run), Spacer(1, 4 * mm)]
            out += [Spacer(1, 5 * mm), para("Xin trân trọng cảm ơn Ông/Bà!", self.s.date_line)]
        return out


def form_numbers(first: int, count: int) -> list[str]:
    """The numbers printed on ``count`` forms from ``first``: plain whole numbers, as typed at entry."""
    return [str(n) for n in range(first, first + count)]


def render_forms(q: Questionnaire, centre_name: str, commune_name: str, numbers: list[str]) -> bytes:
    """The PDF of one form per number in ``numbers``."""
    if not 1 <= len(numbers) <= MAX_FORMS:
        raise ValueError(f"print 1 to {MAX_FORMS} forms at a time (asked for {len(numbers)})")
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=PAGE, title=f"Phiếu khảo sát — {q.title_vi}", author=centre_name,
                          subject=f"{q.id} phiên bản {q.version}", initialFontName=f"{FAMILY}-Regular", **MARGINS)
    frame = Frame(MARGINS["leftMargin"], MARGINS["bottomMargin"], PAGE[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"],
                  PAGE[1] - MARGINS["topMargin"] - MARGINS["bottomMargin"], id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=_form_mark)])
    doc.build(_Form(q, centre_name, commune_name).story(numbers))
    return buf.getvalue()

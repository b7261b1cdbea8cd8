"""The II.7 report as a PDF (ReportLab), laid out as Nghị định 30/2020/NĐ-CP asks.

A4 landscape (the tables are wide); margins 20 mm top and bottom, 30 mm left, 15 mm right; Liberation
Serif (metric-compatible with Times New Roman, covers Vietnamese) embedded from ``assets/fonts``;
the header blocks with their short rules, the italic place-and-date line, an optional "Phụ lục"
heading, page numbers top centre from page 2, and the signature block at the end.
"""

from __future__ import annotations

import io

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (CondPageBreak, KeepTogether, LongTable, Paragraph, SimpleDocTemplate,
                                Spacer, Table, TableStyle)
from xml.sax.saxutils import escape

from rating import vnformat
from rating.report.issued import CHECK_AT, CODE_WORDS
from rating.report.pdf_questionnaire import story as questionnaire_story
from rating.report.pdf_style import BASE_FONT, FAMILY, HEAD_BG, MARGINS, Rule, Styles, para, register_fonts
from rating.report.model import DEMO_MARK, NO_QUESTIONNAIRE, NOTE_HEAD, ReportModel, Row, Table as ModelTable, verdict_tail
from rating.report.text import (MOTTO, MOTTO_SUB, QUESTIONNAIRE_SECTION, SHEETS, SIGN_HEAD, SIGN_HEAD_NOTE, SIGN_PREPARER, SIGN_PREPARER_NOTE,
                   title_lines, verification_sections)

PAGE = landscape(A4)


class _Builder:
    def __init__(self, model: ReportModel):
        register_fonts()
        self.m, self.s = model, Styles()
        self.width = PAGE[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]

    # --- head and foot ------------------------------------------------------------------------

    def header(self) -> list:
        m, s = self.m, self.s
        left_w, right_w = self.width * 0.42, self.width * 0.58
        left = [para(m.unit.parent_unit.upper(), s.parent) if m.unit.parent_unit else Spacer(1, 0),
                para(m.unit.unit.upper(), s.unit), Rule(min(60 * mm, left_w * 0.5))]
        right = [para(MOTTO, s.motto), para(MOTTO_SUB, s.motto_sub), Rule(pdfmetrics.stringWidth(
            MOTTO_SUB, f"{FAMILY}-Bold", 13.5)), Spacer(1, 4), para(m.date_line, s.date_line)]
        t = Table([[left, right]], colWidths=[left_w, right_w])
        t.setStyle(TableStyle([BASE_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        out = [t, Spacer(1, 8 * mm)]
        if m.appendix:
            out += [para(m.appendix, s.appendix), Spacer(1, 2 * mm)]
        title = Paragraph("<br/>".join(escape(line) for line in title_lines(m.title)), s.title)
        out += [title, Spacer(1, 1.5 * mm), para(m.period.label, s.period)]
        if m.coverage:  # a period not over yet: what the numbers cover
            out.append(para(m.coverage, s.coverage))
        return out + self.code_block() + [Spacer(1, 4 * mm)]

    def code_block(self) -> list:
        """An issued table's verification code and its QR, right under the period (issue 18); nothing on
        the kiosk's own table (its Kiểm chứng section says it has none)."""
        m, s = self.m, self.s
        if not m.verification_code:
            return []
        words = f"{CODE_WORDS}: <b>{escape(m.verification_code)}</b>"
        if m.verification_url:
            words += f"<br/>{CHECK_AT}: {escape(m.verification_url)}"
        qr = qr_drawing(m.verification_qr, 24 * mm) if m.verification_qr else Spacer(1, 1)
        right = ParagraphStyle("code", parent=s.body, alignment=TA_RIGHT)
        t = Table([[Paragraph(words, right), qr]], colWidths=[self.width - 26 * mm, 26 * mm])
        t.setStyle(TableStyle([BASE_FONT, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (0, 0), 3 * mm)]))
        return [Spacer(1, 2 * mm), t]

    def signature(self, keep_with: list | None = None) -> list:
        """The two signatories' block, kept on one page with ``keep_with`` (the report's last rows)."""
        m, s = self.m, self.s
        rows = [[para(SIGN_PREPARER, s.sign), para(SIGN_HEAD, s.sign)],
                [para(SIGN_PREPARER_NOTE, s.sign_note), para(SIGN_HEAD_NOTE, s.sign_note)],
                [Spacer(1, 22 * mm), Spacer(1, 22 * mm)],
                [para(m.unit.preparer, s.sign), para(m.unit.head, s.sign)]]
        t = Table(rows, colWidths=[self.width / 2] * 2)
        t.setStyle(TableStyle([BASE_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [KeepTogether([*(keep_with or []), Spacer(1, 6 * mm), t])]

    # --- tables ------------------------------------------------------------------------------

    def summary_table(self, table: ModelTable, codes, key_title: str) -> LongTable:
        """STT | key | Tổng số phiếu | per level: Số phiếu, Tỷ lệ (%) | Tỷ lệ hài lòng | Kết quả | Bị loại | Ghi chú."""
        m, s = self.m, self.s
        labels = m.level_labels
        top = [para("STT", s.head), para(key_title, s.head), para("Tổng số phiếu", s.head)]
        sub = ["", "", ""]
        for code in codes:
            top += [para(labels.get(code, code), s.head), ""]
            sub += [para("Số phiếu", s.head), para("Tỷ lệ (%)", s.head)]
        top += [para("Tỷ lệ hài lòng (RHL+HL) (%)", s.head), para("Kết quả", s.head), para("Phiếu bị loại", s.head),
                para(NOTE_HEAD, s.head)]
        sub += ["", "", "", ""]
        data = [top, sub]
        for i, r in enumerate(table.rows):
            data.append(self._line(str(i + 1), r, codes, s.cell))
        data.append(self._line("", table.total, codes, s.total))
        n = len(codes)
        # Ghi chú as wide as its widest first line — "84,9–91,2" or "(*) chưa đủ mẫu" (a "; chưa chắc chắn" wraps
        # under it) — 15 to 20 mm: a wider one took the names' room and wrapped them.
        firsts = [r.note.split(";")[0] for r in (*table.rows, table.total) if r.note]
        note_w = max((pdfmetrics.stringWidth(t, f"{FAMILY}-Regular", 9.5) for t in firsts), default=0) + 8
        widths = [9 * mm, 0, 14 * mm, *([12.5 * mm] * (2 * n)), 18 * mm, 16 * mm, 12.5 * mm, min(20 * mm, max(15 * mm, note_w))]
        # A column of counts is as wide as its widest number (bold in Tổng cộng, which is widest): a commune's
        # year of several kiosks runs to seven digits, which overflowed a fixed 12.5 mm cell into its neighbour.
        for c in (2, *(3 + 2 * i for i in range(n)), 5 + 2 * n):
            texts = [row[c] for row in data[2:] if isinstance(row[c], str)]
            need = max((pdfmetrics.stringWidth(t, f"{FAMILY}-Bold", 9.5) for t in texts), default=0) + 7
            widths[c] = max(widths[c], need)
        widths[1] = max(30 * mm, self.width - sum(widths))  # the names take what is left
        scale = min(1.0, self.width / sum(widths))
        widths = [w * scale for w in widths]
        t = LongTable(data, colWidths=widths, repeatRows=2)
        style = [BASE_FONT, ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("BACKGROUND", (0, 0), (-1, 1), HEAD_BG), ("FONTNAME", (0, 0), (-1, -1), f"{FAMILY}-Regular"),
                 ("FONTSIZE", (0, 0), (-1, -1), 9.5), ("ALIGN", (2, 2), (-1, -1), "RIGHT"),
                 ("ALIGN", (0, 2), (0, -1), "CENTER"), ("FONTNAME", (0, -1), (-1, -1), f"{FAMILY}-Bold"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
        for c in (0, 1, 2, 3 + 2 * n, 4 + 2 * n, 5 + 2 * n, 6 + 2 * n):
            style.append(("SPAN", (c, 0), (c, 1)))
        for i in range(n):
            style.append(("SPAN", (3 + 2 * i, 0), (4 + 2 * i, 0)))
        style.append(("ALIGN", (4 + 2 * n, 2), (4 + 2 * n, -1), "CENTER"))
        style.append(("ALIGN", (6 + 2 * n, 2), (6 + 2 * n, -1), "CENTER"))
        t.setStyle(TableStyle(style))
        return t

    def _line(self, stt: str, r: Row, codes, style) -> list:
        verdict = "—" if r.target_met is None else ("Đạt" if r.target_met else "Chưa đạt")
        cells = [stt, para(r.label, style), vnformat.integer(r.total)]
        for code in codes:
            cells += [vnformat.integer(r.levels[code]), vnformat.decimal(r.level_pct[code])]
        cells += [vnformat.decimal(r.satisfied_pct), verdict, vnformat.integer(r.flagged),
                  para(r.note, self.s.cell_c) if r.note else ""]
        return cells

    def verdict(self) -> list:
        m, s = self.m, self.s
        t = m.summary.total
        if t.target_met is None:
            text = "Kết quả: chưa có phiếu được tính trong kỳ."
        else:
            text = (f"Kết quả: tỷ lệ hài lòng chung {vnformat.decimal(t.satisfied_pct)} % trên {vnformat.integer(t.total)} phiếu, "
                    f"so với chỉ tiêu {vnformat.decimal(m.target_pct)} %: " + ("ĐẠT" if t.target_met else "CHƯA ĐẠT")
                    + verdict_tail(t) + ".")
        return [Spacer(1, 3 * mm), para(text, s.verdict)]

    def notes(self) -> list:
        """The notes under the Tổng hợp table, kept together: moved whole to the next page rather than split."""
        return [Spacer(1, 2 * mm), KeepTogether([para(n, self.s.note) for n in self.m.notes])]

    def section(self, number: int, title: str, room: float = 60 * mm) -> list:
        """A numbered heading, on a new page unless ``room`` is left for it and what follows."""
        return [CondPageBreak(room), Spacer(1, 5 * mm), para(f"{number}. {title.upper()}", self.s.section),
                Spacer(1, 2 * mm)]

    def days(self) -> list:
        m, s = self.m, self.s
        head = ["STT", "Ngày", "Thứ", "Tổng số phiếu", *(m.level_labels[c] for c in m.codes), "Tỷ lệ hài lòng (%)",
                "Kết quả", "Phiếu bị loại", NOTE_HEAD]
        data = [[para(h, s.head) for h in head]]
        for i, r in enumerate(m.by_day.rows):
            verdict = "—" if r.target_met is None else ("Đạt" if r.target_met else "Chưa đạt")
            note = "chỉ có phiếu bị loại" if r.total == 0 and r.flagged else r.note
            note = para(note, s.cell_c) if note else ""
            data.append([str(i + 1), r.label, r.extra.get("weekday", ""), vnformat.integer(r.total),
                         *(vnformat.integer(r.levels[c]) for c in m.codes), vnformat.decimal(r.satisfied_pct), verdict,
                         vnformat.integer(r.flagged), note])
        t = m.by_day.total
        data.append(["", "Tổng cộng", "", vnformat.integer(t.total), *(vnformat.integer(t.levels[c]) for c in m.codes),
                     vnformat.decimal(t.satisfied_pct), "—" if t.target_met is None else ("Đạt" if t.target_met else "Chưa đạt"),
                     vnformat.integer(t.flagged), para(t.note, s.cell_c) if t.note else ""])
        n = len(m.codes)
        widths = [12 * mm, 24 * mm, 20 * mm, 18 * mm, *([20 * mm] * n), 22 * mm, 18 * mm, 16 * mm, 32 * mm]
        scale = min(1.0, self.width / sum(widths))
        table = LongTable(data, colWidths=[w * scale for w in widths], repeatRows=1)
        table.setStyle(TableStyle([BASE_FONT, 
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("FONTNAME", (0, 1), (-1, -1), f"{FAMILY}-Regular"), ("FONTSIZE", (0, 1), (-1, -1), 9.5),
            ("FONTNAME", (0, -1), (-1, -1), f"{FAMILY}-Bold"), ("ALIGN", (3, 1), (-2, -1), "RIGHT"),
            ("ALIGN", (0, 1), (1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)]))
        out = [self.day_chart()] if m.by_day.rows else []
        return out + [Spacer(1, 3 * mm), table]

    def day_chart(self) -> Drawing:
        """The daily satisfaction rate with the target line (days with nothing counted left out)."""
        m = self.m
        w, h = self.width, 62 * mm
        d = Drawing(w, h)
        d.initialFontName = f"{FAMILY}-Regular"  # else the drawing starts in Helvetica, not embedded
        plot = LinePlot()
        plot.x, plot.y, plot.width, plot.height = 12 * mm, 10 * mm, w - 20 * mm, h - 18 * mm
        points = [(i, r.satisfied_pct) for i, r in enumerate(m.by_day.rows) if r.satisfied_pct is not None]
        last = max(1, len(m.by_day.rows) - 1)
        plot.data = [points or [(0, 0)], [(0, m.target_pct), (last, m.target_pct)]]
        plot.lines[0].strokeColor = colors.HexColor("#1565C0")
        plot.lines[0].strokeWidth = 1.4
        plot.lines[1].strokeColor = colors.HexColor("#C62828")
        plot.lines[1].strokeDashArray = (4, 3)
        plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, 100, 20
        plot.yValueAxis.labels.fontName = f"{FAMILY}-Regular"
        plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, last
        step = max(1, len(m.by_day.rows) // 12)
        plot.xValueAxis.valueSteps = list(range(0, len(m.by_day.rows), step))
        plot.xValueAxis.labelTextFormat = lambda i: m.by_day.rows[int(i)].label[:5] if 0 <= int(i) < len(m.by_day.rows) else ""
        plot.xValueAxis.labels.fontName = f"{FAMILY}-Regular"
        plot.xValueAxis.labels.fontSize = 8
        d.add(plot)
        d.add(String(12 * mm, h - 5 * mm, f"Tỷ lệ hài lòng theo ngày (%) — đường đứt: chỉ tiêu {vnformat.decimal(m.target_pct)} %",
                     fontName=f"{FAMILY}-Bold", fontSize=10))
        return d

    def hours(self) -> list:
        m, s = self.m, self.s
        g = m.by_hour
        out = []
        for title, grid, text in (("Số phiếu được tính", g.votes, vnformat.integer), ("Tỷ lệ hài lòng (%)", g.pct, vnformat.decimal)):
            data = [[para("Giờ", s.head), *(para(d, s.head) for d in g.weekdays)]]
            style = [BASE_FONT, ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                     ("FONTNAME", (0, 1), (-1, -1), f"{FAMILY}-Regular"), ("FONTSIZE", (0, 1), (-1, -1), 9),
                     ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("TOPPADDING", (0, 1), (-1, -1), 1),
                     ("BOTTOMPADDING", (0, 1), (-1, -1), 2)]
            peak = max((v for line in g.votes for v in line), default=0) or 1
            for i, hour in enumerate(g.hours):
                line = [f"{hour:02d}:00–{hour:02d}:59"]
                for d in range(7):
                    v = grid[i][d]
                    line.append("" if v is None or (grid is g.votes and v == 0) else text(v))
                    if v is not None and g.votes[i][d]:
                        colour = _blue(v / peak) if grid is g.votes else _red_green(v, m.target_pct)
                        style.append(("BACKGROUND", (1 + d, 1 + i), (1 + d, 1 + i), colour))
                data.append(line)
            t = Table(data, colWidths=[26 * mm] + [24 * mm] * 7, repeatRows=1)
            t.setStyle(TableStyle(style))
            # A grid (at most 24 hours) is kept whole with its caption: a caption alone at a page's foot
            # with its grid on the next page read as a missing table.
            out += [KeepTogether([para(title, s.body), Spacer(1, 1.5 * mm), t]), Spacer(1, 4 * mm)]
        out.append(para("Ô trống: không có phiếu. Màu càng đậm: càng nhiều phiếu; đỏ → xanh: tỷ lệ hài lòng thấp → cao.",
                      s.note))
        return out

    def reasons(self) -> list:
        m, s = self.m, self.s
        data = [[para(h, s.head) for h in ("STT", "Yếu tố (SIPAS)", "Số lượt nêu", "Tỷ lệ (% số phiếu chưa hài lòng)")]]
        for i, r in enumerate(m.reasons):
            data.append([str(i + 1), r.label, vnformat.integer(r.count), vnformat.decimal(r.share_pct)])
        t = Table(data, colWidths=[12 * mm, 90 * mm, 30 * mm, 50 * mm])
        t.setStyle(TableStyle([BASE_FONT, ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                               ("FONTNAME", (0, 1), (-1, -1), f"{FAMILY}-Regular"), ("FONTSIZE", (0, 1), (-1, -1), 10),
                               ("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("ALIGN", (0, 1), (0, -1), "CENTER")]))
        return [para(f"Số phiếu chưa hài lòng (Bình thường trở xuống): {vnformat.integer(m.low_ratings)}", s.body),
                Spacer(1, 2 * mm), t, Spacer(1, 1.5 * mm),
                para("Một phiếu có thể nêu nhiều yếu tố, nên tổng các tỷ lệ có thể vượt 100 %.", s.note)]

    def verification(self) -> tuple[list, list]:
        """The plain part for the officer who signs, then the technical part under its own heading; as
        (what may break across pages, the last rows), so that the signature never stands alone on the
        last page: the last rows are kept with it (they continue the table without a gap)."""
        s, out, tail = self.s, [], []
        sections = verification_sections(self.m)
        for i, (heading, lines) in enumerate(sections):
            data = []
            for label, value in lines:
                style = s.mono if len(value) >= 64 and " " not in value else s.cell
                data.append([para(label, s.total), para(value, style)])
            if heading:
                out += [Spacer(1, 4 * mm), para(heading, s.verdict), Spacer(1, 1.5 * mm)]
            if i == len(sections) - 1 and len(data) > 2:
                out.append(self._facts(data[:-2]))
                tail = [self._facts(data[-2:])]
            else:
                out.append(self._facts(data))
        return out, tail

    def _facts(self, data: list) -> Table:
        """Label and value rows in the Kiểm chứng section's grid."""
        t = Table(data, colWidths=[75 * mm, self.width - 75 * mm])
        t.setStyle(TableStyle([BASE_FONT, ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def story(self) -> list:
        m = self.m
        story = self.header()
        story += [para(f"Đơn vị khảo sát: {m.unit.centre or m.unit.unit}", self.s.body),
                  para(f"Câu hỏi khảo sát: {m.question}", self.s.body),
                  para(f"Thang đánh giá: {m.scale_name}. Chỉ tiêu tỷ lệ hài lòng: {vnformat.decimal(m.target_pct)} %.", self.s.body),
                  Spacer(1, 3 * mm)]
        story += self.section(1, SHEETS[0]) + [self.summary_table(m.summary, m.codes, m.summary.key_name)]
        story += self.verdict()
        for other in m.other_scales:  # the heading stays with its table
            story += [Spacer(1, 4 * mm), KeepTogether([
                para(f"Phiếu theo thang khác: {other.name} ({other.scale}) — thống kê riêng, không quy đổi", self.s.verdict),
                Spacer(1, 2 * mm), self.summary_table(other.table, other.codes, "Quầy")])]
        story += self.notes()
        story += self.section(2, SHEETS[1]) + [self.summary_table(m.by_officer, m.codes, "Công chức (mã)")]
        story += self.section(3, SHEETS[2], 120 * mm) + self.days()
        story += self.section(4, SHEETS[3]) + self.hours()
        story += self.section(5, SHEETS[4]) + self.reasons()
        number = 6
        if m.questionnaires:  # its own section
            story += self.section(number, QUESTIONNAIRE_SECTION, 90 * mm) + questionnaire_story(self, number)
        else:  # the section's place says that nothing was answered (II.7's Quý IV line looks for it)
            story += self.section(number, QUESTIONNAIRE_SECTION, 20 * mm) + [para(NO_QUESTIONNAIRE, self.s.body)]
        number += 1
        body, last_rows = self.verification()
        story += self.section(number, SHEETS[5]) + body
        story += self.signature(keep_with=last_rows)
        from rating.report.annex import pdf_story   # the annex of "Việc cần khắc phục", when it has lines
        return story + pdf_story(self)


def qr_drawing(rows: list[list[bool]], size: float) -> Drawing:
    """A QR code's modules (the model's ``verification_qr``) drawn as vector squares, ``size`` points wide
    (sharp at any print size)."""
    cell = size / len(rows)
    d = Drawing(size, size)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                d.add(Rect(x * cell, size - (y + 1) * cell, cell, cell, fillColor=colors.black, strokeColor=None,
                           strokeWidth=0))
    return d


def _code_footer(code: str):
    """The page callback that prints an issued table's code at the foot of every page: a single page
    taken out of the file can still be checked."""
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(f"{FAMILY}-Regular", 9)
        canvas.drawRightString(PAGE[0] - MARGINS["rightMargin"], 10 * mm, f"{CODE_WORDS}: {code}")
        canvas.restoreState()
    return draw


def _blue(x: float) -> colors.Color:
    x = max(0.0, min(1.0, x))
    return colors.Color(1 - 0.85 * x, 1 - 0.45 * x, 1 - 0.1 * x)


def _red_green(v: float, target: float) -> colors.Color:
    if v >= target:
        return colors.HexColor("#A5D6A7")
    if v >= target - 10:
        return colors.HexColor("#FFF59D")
    return colors.HexColor("#EF9A9A")


def _page_number(canvas, doc) -> None:
    """Page numbers at the top centre, from page 2 (Nghị định 30/2020)."""
    canvas.saveState()
    canvas.setFont(f"{FAMILY}-Regular", 13)
    canvas.drawCentredString(MARGINS["leftMargin"] + (PAGE[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]) / 2,
                             PAGE[1] - 12 * mm, str(doc.page))
    canvas.restoreState()


def _demo_mark(canvas, doc) -> None:
    """A demo report's mark, in red at the top right of every page, clear of the page number."""
    canvas.saveState()
    canvas.setFont(f"{FAMILY}-Bold", 10.5)
    canvas.setFillColor(colors.HexColor("#C62828"))
    canvas.drawRightString(PAGE[0] - MARGINS["rightMargin"], PAGE[1] - 12 * mm, DEMO_MARK)
    canvas.restoreState()


def render_pdf(model: ReportModel) -> bytes:
    """The II.7 PDF for ``model``, as bytes."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, title=model.title, author=model.unit.unit,
                            subject=model.period.label, creator=model.verification.software_version,
                            initialFontName=f"{FAMILY}-Regular", **MARGINS)
    marks = [_demo_mark] if model.demo else []
    if model.verification_code:
        marks.append(_code_footer(model.verification_code))

    def first(canvas, d):
        for mark in marks:
            mark(canvas, d)

    def later(canvas, d):
        _page_number(canvas, d)
        first(canvas, d)
    doc.build(_Builder(model).story(), onFirstPage=first, onLaterPages=later)
    return buf.getvalue()

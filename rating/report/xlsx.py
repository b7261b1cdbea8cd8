"""The II.7 workbook (XlsxWriter): six sheets (and one per questionnaire answered) in Times New Roman, A4 landscape, printable as filed.

Totals and percentages are formulas with their values cached, so that the file shows the numbers
before any recalculation and a spreadsheet that recalculates gets the same digits (the model rounds
half up to one decimal, as ROUND does). Written in constant-memory mode: rows go out in order.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from rating import vnformat
from rating.rate import is_satisfied, pct
from rating.report.issued import CHECK_AT, CODE_WORDS, qr_png
from rating.report.model import DEMO_MARK, NO_QUESTIONNAIRE, NOTE_HEAD, UNCERTAIN, ReportModel, Row, Table, verdict_tail
from rating.report.text import (MOTTO, MOTTO_SUB, QUESTIONNAIRE_SECTION, QUESTIONNAIRE_SHEET_PREFIX, SIGN_HEAD, SIGN_HEAD_NOTE,
                   SIGN_PREPARER, SIGN_PREPARER_NOTE, SHEETS, questionnaire_sheet_name, title_lines,
                   verification_sections)

FONT = "Times New Roman"
MM = 1 / 25.4
# Vietnamese number formats whatever the spreadsheet's locale: the [$-42A] tag (LCID 0x042A, vi-VN) makes
# LibreOffice and Excel print 2.575 and 56,0 (not 2,575 and 56.0 beside "85,0 %" in text); cells stay numbers.
VI = "[$-42A]"
PCT_FORMAT = VI + "0.0"
INT_FORMAT = VI + "#,##0"


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, wb: xlsxwriter.Workbook):
        def f(**kw):
            return wb.add_format({"font_name": FONT, "font_size": 12, "valign": "vcenter", **kw})
        self.text = f()
        self.wrap = f(text_wrap=True)
        self.left_block = f(align="center")
        self.left_unit = f(align="center", bold=True)
        self.motto = f(align="center", bold=True)
        self.motto_sub = f(align="center", bold=True, font_size=13)
        self.rule = f(align="center", font_size=8)
        self.date_line = f(align="center", italic=True, font_size=13)
        self.appendix = f(align="center", bold=True, font_size=13)
        self.title = f(align="center", bold=True, font_size=14, text_wrap=True)
        self.period = f(align="center", bold=True, italic=True, font_size=13)
        self.coverage = f(align="center", italic=True, font_size=12)
        self.demo = f(align="center", bold=True, font_size=12, font_color="#C62828", border=2,
                      border_color="#C62828")
        self.heading = f(bold=True, font_size=13)
        self.note = f(italic=True, font_size=11, text_wrap=True)
        self.head = f(bold=True, align="center", border=1, text_wrap=True, bg_color="#E7EEF7", font_size=11)
        self.cell = f(border=1, font_size=11, text_wrap=True)
        self.cell_c = f(border=1, font_size=11, align="center")
        self.cell_cw = f(border=1, font_size=11, align="center", text_wrap=True)
        # A day's note in a row of fixed height: shrunk to its cell rather than spilled over its neighbours.
        self.cell_shrink = f(border=1, font_size=11, align="center", shrink=True)
        self.total_shrink = f(border=1, font_size=11, bold=True, align="center", shrink=True)
        self.int = f(border=1, font_size=11, num_format=INT_FORMAT)
        self.pct = f(border=1, font_size=11, num_format=PCT_FORMAT, align="right")
        self.total = f(border=1, font_size=11, bold=True)
        self.total_int = f(border=1, font_size=11, bold=True, num_format=INT_FORMAT)
        self.total_pct = f(border=1, font_size=11, bold=True, num_format=PCT_FORMAT, align="right")
        self.total_c = f(border=1, font_size=11, bold=True, align="center")
        self.label = f(bold=True)
        self.label_wrap = f(bold=True, text_wrap=True, valign="top")
        self.value = f(text_wrap=True, valign="top")
        self.mono = f(font_size=10, text_wrap=True, valign="top")
        self.sign = f(bold=True, align="center")
        self.sign_note = f(italic=True, align="center")
        self.verdict = f(bold=True)
        self.code = f(bold=True, align="right", font_size=12)
        # Conditional formats (a font colour only) for the verdict sentence.
        self.verdict_ok_font = wb.add_format({"font_color": "#1B5E20"})
        self.verdict_bad_font = wb.add_format({"font_color": "#B71C1C"})


# A demo report's printed pages: the mark under the page number, in red, in every page's header.
DEMO_HEADER = f'&C&P\n&"Times New Roman,Bold"&10&KC62828{DEMO_MARK}'


def _page(ws, landscape: bool = True, demo: bool = False) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    # Nghị định 30/2020: left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm.
    ws.set_margins(left=30 * MM, right=15 * MM, top=20 * MM, bottom=20 * MM)
    ws.set_header(DEMO_HEADER if demo else "&C&P", margin=10 * MM)
    ws.fit_to_pages(1, 0)


ROW_PT = 15          # a row whose height is not set, as XlsxWriter writes it
LAST_PAGE_ROWS = 6   # the fewest rows (days and Tổng cộng) a table's last printed page may hold
# A4 landscape less the document's margins (_page), in points, and a column-width unit as LibreOffice
# prints the Theo ngày sheet (5.9 pt, plus 0.71 a column: measured from the row pitch of its printout
# at two scales of the rating, 3 and 5 levels).
PAGE_W_PT, PAGE_H_PT, UNIT_PT = (297 - 30 - 15) / 25.4 * 72, (210 - 20 - 20) / 25.4 * 72, 5.9


def day_breaks(widths, head_pt: float, header_pt: float, first: int, last: int) -> list[int]:
    """Rows before which the Theo ngày table's printed pages break (rows ``first``..``last``, the last
    being Tổng cộng; ``head_pt`` above the header row on the first page, the header row repeated on
    every page). Set by hand, from a slightly low estimate of what a page holds, so that the last page
    never holds one day and the total alone: it gets at least :data:`LAST_PAGE_ROWS` rows."""
    scale = min(1.0, PAGE_W_PT / (sum(w + 0.71 for w in widths) * UNIT_PT))
    page = 0.99 * PAGE_H_PT / scale          # a little room for the estimate's error
    first_page = max(1, int((page - head_pt - header_pt) / ROW_PT))
    per_page = max(LAST_PAGE_ROWS + 1, int((page - header_pt) / ROW_PT))
    breaks, at = [], first + first_page
    while at <= last:
        breaks.append(at)
        at += per_page
    if breaks and last + 1 - breaks[-1] < LAST_PAGE_ROWS:
        # Pull days from the page before onto the last one (never emptying the page before).
        floor = breaks[-2] + 1 if len(breaks) > 1 else first + 1
        breaks[-1] = max(floor, last + 1 - LAST_PAGE_ROWS)
    return breaks


def count_width(model: ReportModel, least: float) -> float:
    """A column of counts wide enough for the period's largest count, "#,##0" in bold: a spreadsheet shows
    "#####" for a number wider than its column (a commune's year over several kiosks runs to millions)."""
    big = max([model.summary.total.total, model.summary.total.flagged,
               *(o.table.total.total for o in model.other_scales)])
    return max(least, round(len(f"{big:,}") * 1.15 + 1.5, 1))


def note_width(model: ReportModel, least: float, tables=None) -> float:
    """A Ghi chú column wide enough for its longest note on one line ("95 %: 84,9–91,2; chưa chắc chắn"):
    a centred note wider than its cell is printed over its neighbours."""
    tables = tables if tables is not None else [model.summary, model.by_officer, model.by_month,
                                                *(o.table for o in model.other_scales)]
    longest = max((len(r.note) for t in tables for r in (*t.rows, t.total)), default=0)
    return max(least, round(longest * 1.05 + 2, 1))


def _summary_columns(model: ReportModel, codes) -> list[tuple[str, str, float]]:
    """(top header, sub header, width) of a summary table's columns."""
    cols = [("STT", "", 5), ("", "", 34), ("Tổng số phiếu", "", count_width(model, 9))]
    for code in codes:
        name = model.level_labels.get(code, code)
        cols += [(name, "Số phiếu", count_width(model, 8)), (name, "Tỷ lệ (%)", 8)]
    cols += [("Tỷ lệ hài lòng (RHL+HL) (%)", "", 11), ("Kết quả (chỉ tiêu)", "", 10),
             ("Phiếu bị loại", "", count_width(model, 8)), (NOTE_HEAD, "", note_width(model, 10))]
    return cols


class _Writer:
    def __init__(self, model: ReportModel):
        self.model = model
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, {"constant_memory": True, "in_memory": True})
        self.wb.formats[0].set_font_name(FONT)
        self.fmt = _Formats(self.wb)
        self.target_cell = ""
        self.widths: dict[str, list[float]] = {}
        self.head_height = 0.0  # points the last sheet's head takes (see head)
        self.repeated: dict[str, bool] = {}  # sheet name -> its table header already set to repeat  # sheet name -> column widths, to size wrapped rows

    def columns(self, ws, widths) -> None:
        """Set a sheet's column widths and remember them (row heights of wrapped text depend on them)."""
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        self.widths[ws.name] = list(widths)

    def lines(self, ws, text: str, first: int, last: int, factor: float = 1.0) -> int:
        """About how many lines ``text`` takes when wrapped across columns first..last of ``ws``.
        LibreOffice keeps an .xlsx row at its written height, so a wrapped cell whose height is left
        to the default overlaps the next row when printed. ``factor``: the font's average character width
        in units of the column width's "0" of 11 pt Times (bold capitals at 14 pt: about 1.8)."""
        width = sum(self.widths.get(ws.name, [10] * (last + 1))[first:last + 1])
        per_line = max(1, int(width / factor))
        return max(1, -(-len(text) // per_line))

    # --- the document's head and foot ------------------------------------------------------

    def head(self, ws, ncols: int, *, official: bool) -> int:
        """Header blocks (official sheet) or a short title; return the next free row."""
        m, f = self.model, self.fmt
        row = 0
        self.head_height = 0.0  # points the head takes, for deciding where a table's pages break
        if m.demo:  # demo data: the mark above everything (and in every printed page's header, see _page)
            ws.merge_range(row, 0, row, ncols - 1, DEMO_MARK, f.demo)
            row += 1
        if official:
            left = max(3, ncols * 2 // 5)
            right0 = ncols - max(6, ncols // 2)
            r0 = row
            ws.set_row(r0, 18)
            ws.merge_range(r0, 0, r0, left - 1, m.unit.parent_unit.upper(), f.left_block)
            ws.merge_range(r0, right0, r0, ncols - 1, MOTTO, f.motto)
            ws.merge_range(r0 + 1, 0, r0 + 1, left - 1, m.unit.unit.upper(), f.left_unit)
            ws.merge_range(r0 + 1, right0, r0 + 1, ncols - 1, MOTTO_SUB, f.motto_sub)
            # Short rules under the issuing body and the motto: centred em dashes draw a line of about a
            # third of the text's width whatever the columns' widths (a cell border would follow the grid).
            ws.merge_range(r0 + 2, 0, r0 + 2, left - 1, "—" * 6, f.rule)
            ws.merge_range(r0 + 2, right0, r0 + 2, ncols - 1, "—" * 9, f.rule)
            ws.merge_range(r0 + 3, right0, r0 + 3, ncols - 1, m.date_line, f.date_line)
            row = r0 + 5
            if m.appendix:
                ws.merge_range(row, 0, row, ncols - 1, m.appendix, f.appendix)
                row += 1
            row = self.title(ws, row, ncols)
        else:
            row = self.title(ws, row, ncols)
        ws.merge_range(row, 0, row, ncols - 1, m.period.label, f.period)
        row += 1
        # Every row of the head at the default height, and the blank row after it (the title's row counted
        # again: too high an estimate of the head only leaves the first page a little short, never over).
        self.head_height += ROW_PT * row
        if m.coverage:  # a period not over yet: what the numbers cover
            ws.merge_range(row, 0, row, ncols - 1, m.coverage, f.coverage)
            row += 1
        if official:
            ws.merge_range(row, 0, row, ncols - 1, f"Câu hỏi khảo sát: {m.question}", f.note)
            row += 1
            ws.merge_range(row, 0, row, ncols - 1,
                           f"Thang đánh giá: {m.scale_name} — đơn vị: {m.unit.centre or m.unit.unit}", f.note)
            row += 1
        return row + 1

    def title(self, ws, row: int, ncols: int) -> int:
        """The title in its lines (broken before "ĐỐI VỚI", and between phrases on a narrow sheet), in a row
        tall enough for them; the next row."""
        chars = int(sum(self.widths.get(ws.name, [10] * ncols)[:ncols]) / 1.8)  # bold 14 pt capitals a line holds
        lines = title_lines(self.model.title, chars)
        height = 18 * sum(self.lines(ws, line, 0, ncols - 1, 1.8) for line in lines)
        self.head_height += height
        ws.set_row(row, height)
        ws.merge_range(row, 0, row, ncols - 1, "\n".join(lines), self.fmt.title)
        return row + 1

    def code_row(self, ws, row: int, ncols: int) -> int:
        """An issued table's verification code, where to check it and its QR (issue 18), in one row under
        the head; nothing on the kiosk's own table (its Kiểm chứng sheet says it has none)."""
        m = self.model
        if not m.verification_code:
            return row
        words = f"{CODE_WORDS}: {m.verification_code}" + (f" — {CHECK_AT}: {m.verification_url}" if m.verification_url else "")
        ws.set_row(row, 62)   # as tall as the QR beside the words
        ws.merge_range(row, 0, row, max(0, ncols - 3), words, self.fmt.code)
        if m.verification_qr:
            ws.insert_image(row, ncols - 2, "qr.png", {"image_data": io.BytesIO(qr_png(m.verification_qr, 2)),
                                                       "object_position": 3, "y_offset": 2})
        return row + 2

    def target_row(self, ws, row: int) -> int:
        """The target as a cell the formulas refer to."""
        f = self.fmt
        ws.merge_range(row, 0, row, 1, "Chỉ tiêu tỷ lệ hài lòng (%):", f.label)
        ws.write_number(row, 2, self.model.target_pct, f.pct)
        self.target_cell = xl_rowcol_to_cell(row, 2, row_abs=True, col_abs=True)
        return row + 2

    def notes(self, ws, row: int, ncols: int) -> int:
        for note in self.model.notes:
            ws.merge_range(row, 0, row, ncols - 1, note, self.fmt.note)
            row += 1
        return row

    def signature(self, ws, row: int, ncols: int) -> int:
        m, f = self.model, self.fmt
        half = ncols // 2
        row += 1
        ws.merge_range(row, 0, row, half - 1, SIGN_PREPARER, f.sign)
        ws.merge_range(row, half, row, ncols - 1, SIGN_HEAD, f.sign)
        ws.merge_range(row + 1, 0, row + 1, half - 1, SIGN_PREPARER_NOTE, f.sign_note)
        ws.merge_range(row + 1, half, row + 1, ncols - 1, SIGN_HEAD_NOTE, f.sign_note)
        ws.merge_range(row + 5, 0, row + 5, half - 1, m.unit.preparer, f.sign)
        ws.merge_range(row + 5, half, row + 5, ncols - 1, m.unit.head, f.sign)
        return row + 6

    # --- tables ------------------------------------------------------------------------------

    def summary_table(self, ws, row: int, table: Table, codes, key_title: str) -> int:
        """A Tổng hợp-shaped table with formulas for every total and percentage; return the next row."""
        f = self.fmt
        cols = _summary_columns(self.model, codes)
        cols[1] = (key_title, "", cols[1][2])
        # Two header rows: the level's name over Số phiếu | Tỷ lệ (%); printed again atop every page
        # (20 officers or a month by day run over a page).
        if not self.repeated.get(ws.name):
            ws.repeat_rows(row, row + 1)
            self.repeated[ws.name] = True
        ws.set_row(row, 45)
        c = 0
        while c < len(cols):
            top, sub, _ = cols[c]
            if sub:
                ws.merge_range(row, c, row, c + 1, top, f.head)
                c += 2
            else:
                ws.merge_range(row, c, row + 1, c, top, f.head)
                c += 1
        for c, (_top, sub, _w) in enumerate(cols):
            if sub:
                ws.write_string(row + 1, c, sub, f.head)
        first = row + 2
        n_levels = len(codes)
        total_col, sat_col = 2, 3 + 2 * n_levels
        sat_codes = [i for i, code in enumerate(codes) if is_satisfied(code)]
        for i, r in enumerate(table.rows):
            self._summary_row(ws, first + i, i + 1, r, codes, False)
        last = first + len(table.rows) - 1
        rr = first + len(table.rows)
        # Tổng cộng: sums of the rows above (constants when there are none).
        ws.write_string(rr, 0, "", f.total)
        ws.write_string(rr, 1, "Tổng cộng", f.total)
        t = table.total
        for col, value in [(total_col, t.total), *((3 + 2 * i, t.levels[code]) for i, code in enumerate(codes)),
                           (sat_col + 2, t.flagged)]:
            if table.rows:
                ref = f"{xl_col_to_name(col)}{first + 1}:{xl_col_to_name(col)}{last + 1}"
                ws.write_formula(rr, col, f"=SUM({ref})", f.total_int, value)
            else:
                ws.write_number(rr, col, value, f.total_int)
        self._pct_cells(ws, rr, t, codes, sat_codes, True)
        ws.write_string(rr, sat_col + 3, t.note, f.total_c)
        return rr + 2

    def _summary_row(self, ws, r: int, stt: int, row: Row, codes, bold: bool) -> None:
        f = self.fmt
        lines = 1 + len(row.label) // 38  # the name column holds about 38 characters a line
        if lines > 1:
            ws.set_row(r, 15 * lines)
        ws.write_number(r, 0, stt, f.cell_c)
        ws.write_string(r, 1, row.label, f.cell)
        levels_ref = [xl_rowcol_to_cell(r, 3 + 2 * i) for i in range(len(codes))]
        # SUM over the count cells only: the Tỷ lệ columns between them are formulas over the total.
        ws.write_formula(r, 2, "=" + "+".join(levels_ref), f.int, row.total)
        for i, code in enumerate(codes):
            ws.write_number(r, 3 + 2 * i, row.levels[code], f.int)
        sat_codes = [i for i, code in enumerate(codes) if is_satisfied(code)]
        self._pct_cells(ws, r, row, codes, sat_codes, False)
        n = len(codes)
        ws.write_number(r, 3 + 2 * n + 2, row.flagged, f.int)
        ws.write_string(r, 3 + 2 * n + 3, row.note, f.cell_c)

    def _pct_cells(self, ws, r: int, row: Row, codes, sat_codes, total: bool) -> None:
        f = self.fmt
        pf, cf = (f.total_pct, f.total_c) if total else (f.pct, f.cell_c)
        n_cell = xl_rowcol_to_cell(r, 2)
        for i, code in enumerate(codes):
            part = xl_rowcol_to_cell(r, 3 + 2 * i)
            value = row.level_pct[code]
            ws.write_formula(r, 4 + 2 * i, f'=IF({n_cell}=0,"—",ROUND({part}/{n_cell}*100,1))', pf,
                             "—" if value is None else value)
        sat = "+".join(xl_rowcol_to_cell(r, 3 + 2 * i) for i in sat_codes) or "0"
        sat_col = 3 + 2 * len(codes)
        ws.write_formula(r, sat_col, f'=IF({n_cell}=0,"—",ROUND(({sat})/{n_cell}*100,1))', pf,
                         "—" if row.satisfied_pct is None else row.satisfied_pct)
        rate = xl_rowcol_to_cell(r, sat_col)
        verdict = "—" if row.target_met is None else ("Đạt" if row.target_met else "Chưa đạt")
        ws.write_formula(r, sat_col + 1, f'=IF({n_cell}=0,"—",IF({rate}>={self.target_ref()},"Đạt","Chưa đạt"))',
                         cf, verdict)

    # --- sheets ------------------------------------------------------------------------------

    def table_sheet(self, name: str, widths) -> tuple:
        """A new table sheet (the shared set-up: column widths, A4 landscape, the document's margins and
        page numbers); returns it and how many columns it has."""
        ws = self.wb.add_worksheet(name)
        self.columns(ws, widths)
        _page(ws, demo=self.model.demo)
        return ws, len(widths)

    def _table_sheet(self, index: int):
        """A new sheet laid out for the summary table's columns; returns it and how many columns it has."""
        return self.table_sheet(SHEETS[index], [w for _t, _s, w in _summary_columns(self.model, self.model.codes)])

    def sheet_summary(self) -> None:
        m = self.model
        ws, ncols = self._table_sheet(0)
        row = self.head(ws, ncols, official=True)
        row = self.code_row(ws, row, ncols)
        row = self.target_row(ws, row)
        row = self.summary_table(ws, row, m.summary, m.codes, m.summary.key_name)
        t = m.summary.total
        verdict = ("Chưa có phiếu được tính trong kỳ" if t.target_met is None else
                   f"Tỷ lệ hài lòng chung {vnformat.decimal(t.satisfied_pct)} % so với chỉ tiêu {vnformat.decimal(m.target_pct)} %: "
                   + ("ĐẠT" if t.target_met else "CHƯA ĐẠT"))
        verdict += verdict_tail(t)
        # A formula over the Tổng cộng row and the target cell, as every row's Kết quả is: an office that
        # types another target sees the sentence follow (it kept the old verdict). FIXED(…, 1, TRUE) and a
        # comma for the point: "85,3" whatever the spreadsheet's locale.
        n_cell = xl_rowcol_to_cell(row - 2, 2)
        rate = xl_rowcol_to_cell(row - 2, 3 + 2 * len(m.codes))
        target = self.target_ref()

        def vn(ref: str) -> str:
            return f'SUBSTITUTE(FIXED({ref},1,TRUE),".",",")'
        formula = (f'=IF({n_cell}=0,"Kết quả: Chưa có phiếu được tính trong kỳ","Kết quả: Tỷ lệ hài lòng chung "'
                   f'&{vn(rate)}&" % so với chỉ tiêu "&{vn(target)}&" %: "&IF({rate}>={target},"ĐẠT","CHƯA ĐẠT"){self._tail_formula(t, target)})')
        ws.merge_range(row, 0, row, ncols - 1, "", self.fmt.verdict)
        ws.write_formula(row, 0, formula, self.fmt.verdict, f"Kết quả: {verdict}")
        # The colour follows the verdict too (green met, red not).
        ws.conditional_format(row, 0, row, 0, {"type": "formula", "criteria": f"=AND({n_cell}>0,{rate}>={target})",
                                               "format": self.fmt.verdict_ok_font})
        ws.conditional_format(row, 0, row, 0, {"type": "formula", "criteria": f"=AND({n_cell}>0,{rate}<{target})",
                                               "format": self.fmt.verdict_bad_font})
        row += 2
        for other in m.other_scales:
            ws.merge_range(row, 0, row, ncols - 1, f"Phiếu theo thang khác: {other.name} ({other.scale}) — "
                           "thống kê riêng, không quy đổi", self.fmt.label)
            row = self.summary_table(ws, row + 1, other.table, other.codes, "Quầy")
        row = self.notes(ws, row, ncols)
        self.signature(ws, row, ncols)

    def sheet_officers(self) -> None:
        m = self.model
        ws, ncols = self._table_sheet(1)
        row = self.head(ws, ncols, official=False)
        self.summary_table(ws, row, m.by_officer, m.codes, "Công chức (mã)")

    def sheet_days(self) -> None:
        m, f = self.model, self.fmt
        ws = self.wb.add_worksheet(SHEETS[2])
        heads = ["STT", "Ngày", "Thứ", "Tổng số phiếu", *(m.level_labels[c] for c in m.codes),
                 "Tỷ lệ hài lòng (%)", "Chỉ tiêu (%)", "Kết quả", "Phiếu bị loại", NOTE_HEAD]
        cw = count_width(m, 9)
        widths = [5, 11, 9, cw, *([cw] * len(m.codes)), 10, 9, 9, count_width(m, 8), 18]  # the note: "chỉ có phiếu bị loại"
        self.columns(ws, widths)
        n = len(m.codes)
        # Kết quả (Đạt / Chưa đạt), as the PDF's day table has it: a formula over the day's rate and the
        # target cell on Tổng hợp, so an office that types another target sees every day follow.
        rate_col, target_col, verdict_col, chart_col = 4 + n, 5 + n, 6 + n, 9 + n
        flagged_col, note_col = verdict_col + 1, verdict_col + 2
        ws.set_column(chart_col, chart_col, None, None, {"hidden": True})
        _page(ws, demo=self.model.demo)
        row = self.head(ws, len(heads), official=False)
        head_pt = self.head_height
        for c, h in enumerate(heads):
            ws.write_string(row, c, h, f.head)
        ws.write_string(row, chart_col, "biểu đồ", f.text)
        ws.set_row(row, 30)
        ws.repeat_rows(row)  # a quarter or a year by day runs over many pages
        first = row + 1
        sat = [i for i, code in enumerate(m.codes) if is_satisfied(code)]
        for i, r in enumerate(m.by_day.rows):
            rr = first + i
            ws.set_row(rr, ROW_PT)  # written out: LibreOffice would size it itself, and day_breaks counts on it
            ws.write_number(rr, 0, i + 1, f.cell_c)
            ws.write_string(rr, 1, r.label, f.cell_c)
            ws.write_string(rr, 2, r.extra.get("weekday", ""), f.cell)
            refs = [xl_rowcol_to_cell(rr, 4 + j) for j in range(n)]
            ws.write_formula(rr, 3, "=" + "+".join(refs), f.int, r.total)
            for j, code in enumerate(m.codes):
                ws.write_number(rr, 4 + j, r.levels[code], f.int)
            n_cell = xl_rowcol_to_cell(rr, 3)
            sat_sum = "+".join(refs[j] for j in sat) or "0"
            ws.write_formula(rr, rate_col, f'=IF({n_cell}=0,"—",ROUND(({sat_sum})/{n_cell}*100,1))', f.pct,
                             "—" if r.satisfied_pct is None else r.satisfied_pct)
            ws.write_formula(rr, target_col, f"={self.target_ref()}", f.pct, m.target_pct)
            self._verdict(ws, rr, n_cell, rate_col, r, f.cell_c)
            ws.write_number(rr, flagged_col, r.flagged, f.int)
            note = "chỉ có phiếu bị loại" if r.total == 0 and r.flagged else r.note
            ws.write_string(rr, note_col, note, f.cell_shrink)
            if r.total:  # a gap in the chart, not a zero, for a day with nothing counted
                ws.write_formula(rr, chart_col, f"={xl_rowcol_to_cell(rr, rate_col)}", None, r.satisfied_pct)
        last = first + len(m.by_day.rows) - 1
        rr = last + 1
        t = m.by_day.total
        ws.set_row(rr, ROW_PT)
        ws.write_string(rr, 0, "", f.total)
        ws.merge_range(rr, 1, rr, 2, "Tổng cộng", f.total)
        for col, value in [(3, t.total), *((4 + j, t.levels[c]) for j, c in enumerate(m.codes)), (flagged_col, t.flagged)]:
            if m.by_day.rows:
                ws.write_formula(rr, col, f"=SUM({xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)})",
                                 f.total_int, value)
            else:
                ws.write_number(rr, col, value, f.total_int)
        n_cell = xl_rowcol_to_cell(rr, 3)
        sat_sum = "+".join(xl_rowcol_to_cell(rr, 4 + j) for j in sat) or "0"
        ws.write_formula(rr, rate_col, f'=IF({n_cell}=0,"—",ROUND(({sat_sum})/{n_cell}*100,1))', f.total_pct,
                         "—" if t.satisfied_pct is None else t.satisfied_pct)
        ws.write_formula(rr, target_col, f"={self.target_ref()}", f.total_pct, m.target_pct)
        self._verdict(ws, rr, n_cell, rate_col, t, f.total_c)
        ws.write_string(rr, note_col, t.note, f.total_shrink)
        if m.by_day.rows:
            chart = self.wb.add_chart({"type": "line"})
            sheet = SHEETS[2]
            # The rate is plotted from a hidden column (blank on a day with nothing counted, a gap in the line);
            # a chart skips hidden cells unless told otherwise, which left only the target line.
            chart.show_hidden_data()
            chart.add_series({"name": "Tỷ lệ hài lòng (%)", "categories": [sheet, first, 1, last, 1],
                              "values": [sheet, first, chart_col, last, chart_col],
                              "line": {"color": "#1565C0", "width": 1.75},
                              "marker": {"type": "circle", "size": 4} if len(m.by_day.rows) <= 62 else {"type": "none"}})
            chart.add_series({"name": f"Chỉ tiêu {vnformat.decimal(m.target_pct)} %", "categories": [sheet, first, 1, last, 1],
                              "values": [sheet, first, target_col, last, target_col],
                              "line": {"color": "#C62828", "dash_type": "dash", "width": 1.5}})
            chart.set_title({"name": "Tỷ lệ hài lòng theo ngày", "name_font": {"name": FONT, "size": 12}})
            chart.set_y_axis({"min": 0, "max": 100, "name": "%", "name_font": {"name": FONT, "size": 10},
                              "num_font": {"name": FONT}})
            chart.set_x_axis({"num_font": {"name": FONT, "rotation": -45}})
            chart.set_legend({"position": "bottom", "font": {"name": FONT}})
            chart.show_blanks_as("gap")
            # As wide as the table (a column is about 7 px a width unit), on a page of its own: a chart cut
            # by a page break prints in two halves.
            px = int(sum(widths[1:]) * 7 + 5 * len(widths))
            chart.set_size({"width": px, "height": 340})
            ws.set_h_pagebreaks([*day_breaks(widths, head_pt, 30, first, rr), rr + 2])
            ws.insert_chart(rr + 3, 1, chart)  # a row below the break: LibreOffice draws an object anchored on the break row on both pages

    def _verdict(self, ws, r: int, n_cell: str, rate_col: int, row: Row, fmt) -> None:
        """Đạt / Chưa đạt ("—" with nothing counted): the row's rate against the target cell on Tổng hợp."""
        rate = xl_rowcol_to_cell(r, rate_col)
        verdict = "—" if row.target_met is None else ("Đạt" if row.target_met else "Chưa đạt")
        ws.write_formula(r, rate_col + 2, f'=IF({n_cell}=0,"—",IF({rate}>={self.target_ref()},"Đạt","Chưa đạt"))',
                         fmt, verdict)

    def _tail_formula(self, t: Row, target: str) -> str:
        """The Kết quả sentence's tail (:func:`rating.report.model.verdict_tail`) as a formula: its interval
        and N are the model's, and whether it is "chưa chắc chắn" follows the target cell as the verdict does."""
        if t.ci_low is None:
            return ""
        tail = verdict_tail(t)
        if t.small_sample:
            return f'&"{tail}"'
        head = tail[:-1].removesuffix(f"; {UNCERTAIN}")
        return (f'&"{head}"&IF(AND({t.ci_low}<{target},{target}<={t.ci_high}),"; {UNCERTAIN}","")&")"')

    def target_ref(self) -> str:
        return f"'{SHEETS[0]}'!{self.target_cell}"

    def sheet_hours(self) -> None:
        m, f = self.model, self.fmt
        g = m.by_hour
        ws = self.wb.add_worksheet(SHEETS[3])
        self.columns(ws, [12] + [11] * 8)
        _page(ws, demo=self.model.demo)
        ws.fit_to_pages(1, 1)  # the two grids and their legend on one page, as the PDF has them
        row = self.head(ws, 9, official=False)
        for title, grid, fmt, scale in (
                ("Số phiếu được tính, theo giờ và thứ trong tuần", g.votes, f.int,
                 {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#1E88E5"}),
                ("Tỷ lệ hài lòng (%), theo giờ và thứ trong tuần", g.pct, f.pct,
                 {"type": "3_color_scale", "min_color": "#E53935", "mid_color": "#FFEB3B", "max_color": "#43A047",
                  "min_type": "num", "min_value": 50, "mid_type": "num", "mid_value": m.target_pct,
                  "max_type": "num", "max_value": 100})):
            ws.merge_range(row, 0, row, 8, title, f.label)
            row += 1
            ws.write_string(row, 0, "Giờ", f.head)
            for d, name in enumerate(g.weekdays):
                ws.write_string(row, 1 + d, name, f.head)
            ws.write_string(row, 8, "Cả tuần", f.head)
            first = row + 1
            for i, h in enumerate(g.hours):
                rr = first + i
                ws.write_string(rr, 0, f"{h:02d}:00–{h:02d}:59", f.cell_c)
                for d in range(7):
                    v = grid[i][d]
                    if v is None:
                        ws.write_string(rr, 1 + d, "", f.cell_c)
                    else:
                        ws.write_number(rr, 1 + d, v, fmt)
                if grid is g.votes:
                    ws.write_formula(rr, 8, f"=SUM({xl_rowcol_to_cell(rr, 1)}:{xl_rowcol_to_cell(rr, 7)})", f.total_int,
                                     sum(grid[i]))
                else:
                    s, n = sum(g.satisfied[i]), sum(g.votes[i])
                    v = pct(s, n)
                    ws.write(rr, 8, "—" if v is None else v, f.total_pct)
            last = first + len(g.hours) - 1
            ws.conditional_format(first, 1, last, 7, scale)
            row = last + 2
        ws.merge_range(row, 0, row, 8, "Ô trống: không có phiếu. Màu càng đậm: càng nhiều phiếu; "
                       "đỏ → xanh: tỷ lệ hài lòng thấp → cao.", f.note)

    def sheet_reasons(self) -> None:
        m, f = self.model, self.fmt
        ws = self.wb.add_worksheet(SHEETS[4])
        self.columns(ws, (5, 40, 14, 22))
        _page(ws, landscape=False, demo=self.model.demo)
        row = self.head(ws, 4, official=False)
        ws.merge_range(row, 0, row, 2, "Số phiếu chưa hài lòng (Bình thường trở xuống):", f.label)
        ws.write_number(row, 3, m.low_ratings, f.int)
        low_cell = xl_rowcol_to_cell(row, 3, row_abs=True, col_abs=True)
        row += 2
        for c, h in enumerate(("STT", "Yếu tố (SIPAS)", "Số lượt nêu", "Tỷ lệ (% số phiếu chưa hài lòng)")):
            ws.write_string(row, c, h, f.head)
        ws.set_row(row, 30)
        for i, r in enumerate(m.reasons):
            rr = row + 1 + i
            ws.write_number(rr, 0, i + 1, f.cell_c)
            ws.write_string(rr, 1, r.label, f.cell)
            ws.write_number(rr, 2, r.count, f.int)
            ws.write_formula(rr, 3, f'=IF({low_cell}=0,"—",ROUND({xl_rowcol_to_cell(rr, 2)}/{low_cell}*100,1))',
                             f.pct, "—" if r.share_pct is None else r.share_pct)
        rr = row + 1 + len(m.reasons)
        ws.merge_range(rr + 1, 0, rr + 1, 3, "Một phiếu có thể nêu nhiều yếu tố, nên tổng các tỷ lệ có thể vượt 100 %.",
                       f.note)

    def sheets_questionnaires(self) -> None:
        """A sheet per questionnaire answered in the period (none when nothing was answered)."""
        from rating.report.xlsx_questionnaire import write_sheet
        taken = set(SHEETS)
        for section in self.model.questionnaires:
            write_sheet(self, section, questionnaire_sheet_name(section.id, section.version, taken))
        if not self.model.questionnaires:
            # The section's place says that nothing was answered (II.7's Quý IV line looks for it).
            ws = self.wb.add_worksheet(QUESTIONNAIRE_SHEET_PREFIX.strip())
            self.columns(ws, (45, 45))
            _page(ws, landscape=False, demo=self.model.demo)
            row = self.head(ws, 2, official=False)
            ws.merge_range(row, 0, row, 1, QUESTIONNAIRE_SECTION.upper(), self.fmt.heading)
            ws.merge_range(row + 1, 0, row + 1, 1, NO_QUESTIONNAIRE, self.fmt.text)

    def sheet_verification(self) -> None:
        f = self.fmt
        ws = self.wb.add_worksheet(SHEETS[5])
        self.columns(ws, (38, 90))
        _page(ws, landscape=False, demo=self.model.demo)
        row = self.head(ws, 2, official=False)
        for heading, lines in verification_sections(self.model):
            if heading:  # the technical part, set apart under its own heading
                row += 1
                ws.set_row(row, 20)
                ws.merge_range(row, 0, row, 1, heading, f.heading)
                row += 1
            for label, value in lines:
                mono = len(value) >= 64 and " " not in value
                # Heights written out: LibreOffice does not grow an .xlsx row for wrapped text, and the chain
                # check's sentence then printed over the rows below it.
                n = max(self.lines(ws, label, 0, 0, 1.25), 1 if mono else self.lines(ws, value, 1, 1, 1.15))
                ws.set_row(row, 16 * n)
                ws.write_string(row, 0, label, f.label_wrap)
                ws.write_string(row, 1, value, f.mono if mono else f.value)
                row += 1

    def render(self) -> bytes:
        self.sheet_summary()
        self.sheet_officers()
        self.sheet_days()
        self.sheet_hours()
        self.sheet_reasons()
        self.sheets_questionnaires()
        self.sheet_verification()
        from rating.report.annex import write_sheet   # the annex of "Việc cần khắc phục", when it has lines
        write_sheet(self, _page)
        self.wb.close()
        return first_page_unnumbered(self.buf.getvalue())


HEADER_XML = "<headerFooter><oddHeader>&amp;C&amp;P</oddHeader></headerFooter>"
# Nghị định 30/2020: page numbers from page 2. OOXML says so with differentFirst and an empty first-page
# header; XlsxWriter cannot write it, so the first sheet's XML is given it after the workbook is closed.
FIRST_UNNUMBERED_XML = ('<headerFooter differentFirst="1"><oddHeader>&amp;C&amp;P</oddHeader>'
                        "<firstHeader></firstHeader></headerFooter>")


def first_page_unnumbered(data: bytes) -> bytes:
    """The workbook ``data`` with no page number on the first sheet's first printed page (the document's
    first page, with the national header); every other page keeps its number at the top centre."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode("utf-8")
                plain, demo = HEADER_XML, HEADER_XML.replace("&amp;C&amp;P", escape(DEMO_HEADER))
                if demo in text:  # the first page keeps the demo mark, without the number
                    first = escape(DEMO_HEADER.replace("&P\n", "", 1))
                    body = text.replace(demo, FIRST_UNNUMBERED_XML.replace("<firstHeader></firstHeader>",
                                        f"<firstHeader>{first}</firstHeader>").replace(
                                        "&amp;C&amp;P", escape(DEMO_HEADER)), 1).encode("utf-8")
                elif plain in text:
                    body = text.replace(plain, FIRST_UNNUMBERED_XML, 1).encode("utf-8")
                else:  # a library update changed the XML: fail loudly, in the tests
                    raise RuntimeError("the first sheet's page header is not where it was expected")
            dst.writestr(info, body)
    return out.getvalue()


def render_xlsx(model: ReportModel) -> bytes:
    """The II.7 workbook for ``model``, as bytes."""
    return _Writer(model).render()

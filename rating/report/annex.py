"""The annex "Phụ lục: Việc cần khắc phục" (issue 18) in the PDF and the workbook: the items of low ratings
of the period and the actions taken, one line each (:class:`rating.report.model.ActionLine`). Printed only
when the model has lines (the central service's II.7; the kiosk's own report has none)."""

from __future__ import annotations

from rating import vnformat
from rating.report.model import ActionLine, ReportModel
from rating.report.text import ANNEX_HEAD, ANNEX_NOTE, ANNEX_SHEET, ANNEX_TITLE

WIDTHS = (6, 14, 14, 9, 11, 28, 13, 17, 38)   # the workbook's columns (and the PDF's, in proportion)


def cells(i: int, line: ActionLine) -> list[str]:
    """One line of the annex's table, as text."""
    return [str(i), line.counter, line.week, vnformat.integer(line.low), line.levels, line.reasons or "—",
            line.due, line.status, line.action or "—"]


def pdf_story(b) -> list:
    """The annex's flowables for the PDF builder ``b`` (its styles and width), on a page of its own."""
    from reportlab.lib import colors
    from reportlab.platypus import LongTable, PageBreak, Spacer, TableStyle
    from reportlab.lib.units import mm
    from rating.report.pdf_style import BASE_FONT, HEAD_BG, para
    m, s = b.m, b.s
    if not m.actions:
        return []
    data = [[para(h, s.head) for h in ANNEX_HEAD]]
    data += [[para(c, s.cell) for c in cells(i + 1, line)] for i, line in enumerate(m.actions)]
    unit = b.width / sum(WIDTHS)
    t = LongTable(data, colWidths=[w * unit for w in WIDTHS], repeatRows=1)
    t.setStyle(TableStyle([BASE_FONT, ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                           ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    return [PageBreak(), para(ANNEX_TITLE, s.appendix), para(m.period.label, s.period), Spacer(1, 4 * mm), t,
            Spacer(1, 2 * mm), para(ANNEX_NOTE, s.note)]


def write_sheet(w, page) -> None:
    """The annex's sheet in the workbook writer ``w`` (after Kiểm chứng), when the model has lines; ``page``
    sets a sheet's printed page as the workbook's others (passed in: the workbook's module imports this one)."""
    m, f = w.model, w.fmt
    if not m.actions:
        return
    ws = w.wb.add_worksheet(ANNEX_SHEET)
    w.columns(ws, WIDTHS)
    page(ws, landscape=True, demo=m.demo)
    ncols = len(WIDTHS)
    row = 0
    ws.merge_range(row, 0, row, ncols - 1, ANNEX_TITLE, f.appendix)
    ws.merge_range(row + 1, 0, row + 1, ncols - 1, m.period.label, f.period)
    row += 3
    for c, h in enumerate(ANNEX_HEAD):
        ws.write_string(row, c, h, f.head)
    ws.set_row(row, 30)
    for i, line in enumerate(m.actions):
        row += 1
        values = cells(i + 1, line)
        height = max(w.lines(ws, v, c, c, 1.1) for c, v in enumerate(values))
        ws.set_row(row, 16 * height)
        for c, v in enumerate(values):
            if c == 3:
                ws.write_number(row, c, line.low, f.int)
            else:
                ws.write_string(row, c, v, f.cell_c if c == 0 else f.cell)
    ws.merge_range(row + 2, 0, row + 2, ncols - 1, ANNEX_NOTE, f.note)
    ws.set_row(row + 2, 32)

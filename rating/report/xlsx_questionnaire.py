"""The workbook's questionnaire sheet: one per questionnaire answered in the period.

Three tables, in the workbook's style: the questions (distribution, answered, skipped, % satisfied),
the elements (index, the previous period's, the change in points) ending with the overall index, and
the channels (responses per channel and combined). Every total, share and index is a formula with
its value cached. The indexes average the questions' *unrounded* shares (SIPAS practice), which sit in
a hidden column at the right (as the days sheet's chart column does); the printed shares are
``ROUND(…, 1)`` of the same thing.
"""

from __future__ import annotations

import textwrap

from xlsxwriter.utility import xl_rowcol_to_cell

from rating import vnformat
from rating.rate import is_satisfied
from rating.report.questionnaires import NO_ANSWER, NO_RESPONSE, SMALL_ELEMENT, SMALL_QUESTION, SMALL_RESPONSES, QuestionnaireSection

DASH = "—"
LINE_PT = 14          # a wrapped line of 11-point Times: tight enough that a 20-question table prints on one page
CHARS_PER_UNIT = 1.2  # 11-point characters a column-width unit holds (LibreOffice fits about 1.27)


def lines_in(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide. Row heights are set from this
    because LibreOffice does not grow the rows of wrapped cells XlsxWriter wrote: an unset row prints one
    line and clips the rest."""
    return max(1, len(textwrap.wrap(text, max(1, int(width * CHARS_PER_UNIT) - 1))))


# The printed page, for deciding where a page may break: A4 landscape less the document's margins
# (rating.report.xlsx._page), in points, and a column-width unit in points as LibreOffice prints it
# (measured: 5.47 pt with Times New Roman 12 as the workbook's default font).
PAGE_W_PT, PAGE_H_PT = (297 - 30 - 15) / 25.4 * 72, (210 - 20 - 20) / 25.4 * 72
UNIT_PT = 5.47
ROW_PT = 15           # a row whose height is not set


def _fits_one_page(cols: list[float], heights: list[float]) -> bool:
    """Whether rows of ``heights`` print on one page at the scale that fits ``cols`` to the page's width
    (with a tenth to spare for the measures' error)."""
    scale = min(1.0, PAGE_W_PT / (sum(w + 0.71 for w in cols) * UNIT_PT))
    return sum(heights) <= 0.9 * PAGE_H_PT / scale


def _refs(cells: list[str]) -> str:
    return ",".join(cells)


def _small(flag: bool, n: int) -> str:
    if n == 0:
        return NO_ANSWER
    return SMALL_QUESTION if flag else ""


def widths(section: QuestionnaireSection) -> list[float]:
    """The sheet's column widths: STT, question, element, one per level, answered, skipped, %, note, hidden."""
    return [5, 56, 22, *([8] * len(section.codes)), 9, 8, 10, 20, 12]


def write_sheet(writer, section: QuestionnaireSection, name: str) -> None:
    """Add the sheet for ``section`` to ``writer``'s workbook (a :class:`rating.report.xlsx._Writer`)."""
    f = writer.fmt
    cols = widths(section)
    ws, ncols = writer.table_sheet(name, cols)
    n = len(section.codes)
    c_answered, c_skipped, c_pct, c_note, c_raw = 3 + n, 4 + n, 5 + n, 6 + n, 7 + n
    last_visible = c_note
    # Width 0 as well as hidden: LibreOffice prints a hidden column that keeps a width (as "###").
    ws.set_column(c_raw, c_raw, 0, None, {"hidden": True})
    row = writer.head(ws, last_visible + 1, official=False)
    # Every printed page starts with the report's title and period (the page is A4, fitted to its width, by
    # table_sheet). Not the question table's heads: the sheet's other tables would print under them.
    ws.repeat_rows(0, 1)

    def line(text: str, fmt) -> None:
        nonlocal row
        ws.merge_range(row, 0, row, last_visible, text, fmt)
        row += 1

    line(f"Phiếu khảo sát: {section.title} (mã {section.id}, phiên bản {section.version})", f.label)
    line(f"Số phiếu trả lời trong kỳ: {vnformat.integer(section.responses)}"
         + (f" — {SMALL_RESPONSES}, cần thận trọng khi so sánh" if section.small_sample else ""), f.value)
    line(f"So sánh với kỳ trước: {section.previous_label} ({vnformat.integer(section.previous_responses)} phiếu)", f.value)
    row += 1

    # --- 1. the questions ------------------------------------------------------------------
    line("1. Kết quả theo từng câu hỏi", f.label)
    sat = [i for i, c in enumerate(section.codes) if is_satisfied(c)]
    ws.set_row(row, 30)
    for c, title in ((0, "STT"), (1, "Câu hỏi"), (2, "Yếu tố"), (c_answered, "Số câu trả lời"), (c_skipped, "Bỏ qua"),
                     (c_pct, "Tỷ lệ hài lòng (RHL+HL) (%)"), (c_note, "Ghi chú")):
        ws.merge_range(row, c, row + 1, c, title, f.head)
    ws.merge_range(row, 3, row, 2 + n, "Số câu trả lời theo mức đánh giá", f.head)
    ws.write_string(row, c_raw, "tỷ lệ chưa làm tròn", f.text)
    ws.set_row(row + 1, 60)
    for i, code in enumerate(section.codes):
        ws.write_string(row + 1, 3 + i, f"{section.level_labels[code]} ({code})", f.head)
    row += 2
    raw_cell: dict[str, str] = {}
    answered_cell: dict[str, str] = {}
    heights: list[float] = []   # the question rows', as printed
    for q in section.questions:
        note = _small(q.small_sample, q.answered)
        lines = max(lines_in(q.text, cols[1]), lines_in(q.element_label, cols[2]), lines_in(note, cols[c_note]))
        heights.append(LINE_PT * lines + 2 if lines > 1 else ROW_PT)
        if lines > 1:
            ws.set_row(row, heights[-1])
        ws.write_number(row, 0, q.number, f.cell_c)
        ws.write_string(row, 1, q.text, f.cell)
        ws.write_string(row, 2, q.element_label, f.cell)
        for i, code in enumerate(section.codes):
            ws.write_number(row, 3 + i, q.levels[code], f.int)
        counts = [xl_rowcol_to_cell(row, 3 + i) for i in range(n)]
        total = xl_rowcol_to_cell(row, c_answered)
        satisfied = "+".join(counts[i] for i in sat) or "0"
        ws.write_formula(row, c_answered, f"=SUM({counts[0]}:{counts[-1]})", f.int, q.answered)
        ws.write_number(row, c_skipped, q.skipped, f.int)
        ws.write_formula(row, c_pct, f'=IF({total}=0,"{DASH}",ROUND(({satisfied})/{total}*100,1))', f.pct,
                         DASH if q.satisfied_pct is None else q.satisfied_pct)
        ws.write_string(row, c_note, note, f.cell_cw)
        ws.write_formula(row, c_raw, f'=IF({total}=0,"",({satisfied})/{total}*100)', None,
                         "" if not q.answered else q.satisfied / q.answered * 100)
        raw_cell[q.id] = xl_rowcol_to_cell(row, c_raw)
        answered_cell[q.id] = total
        row += 1
    row += 1

    # --- 2. the elements and the overall index ------------------------------------------------
    # The element table starts a page when the question table ends the first one: its heading is not
    # left alone at the foot of a page. A question table longer than a page flows on (no break).
    if _fits_one_page(cols[:last_visible + 1], [36] + [ROW_PT] * 7 + [30, 60] + heights):
        ws.set_h_pagebreaks([row])
    line(f"2. Chỉ số hài lòng theo yếu tố và chỉ số chung — so sánh với {section.previous_label}", f.label)
    c_idx, c_prev, c_change, c_enote = 4, 5, 6, 7
    heads = ((0, "STT"), (1, "Yếu tố"), (2, "Các câu hỏi"), (3, "Số câu trả lời"), (c_idx, "Chỉ số (%)"),
             (c_prev, f"{section.previous_label} (%)"), (c_change, "Chênh lệch (điểm)"))
    ws.set_row(row, 45)
    for c, title in heads:
        ws.write_string(row, c, title, f.head)
    ws.merge_range(row, c_enote, row, last_visible, "Ghi chú", f.head)
    row += 1
    element_raw: list[str] = []
    number = {q.id: q.number for q in section.questions}
    for i, e in enumerate(section.elements, start=1):
        raws = [raw_cell[x] for x in e.questions]
        ws.write_number(row, 0, i, f.cell_c)
        ws.write_string(row, 1, e.label, f.cell)
        ws.write_string(row, 2, "Câu " + ", ".join(str(number[x]) for x in e.questions), f.cell)
        if e.questions:
            ws.write_formula(row, 3, "=" + "+".join(answered_cell[x] for x in e.questions), f.int, e.answered)
        else:
            ws.write_number(row, 3, 0, f.int)
        raw = xl_rowcol_to_cell(row, c_raw)
        idx = xl_rowcol_to_cell(row, c_idx)
        if raws:
            ws.write_formula(row, c_idx, f'=IF(COUNT({_refs(raws)})=0,"{DASH}",ROUND(AVERAGE({_refs(raws)}),1))', f.pct,
                             DASH if e.index is None else e.index)
        else:
            ws.write_string(row, c_idx, DASH, f.pct)
        _previous(ws, f, row, c_prev, c_change, idx, e.previous_index, e.change, total=False)
        note = [] if e.in_index else ["không tính vào chỉ số chung"]
        if e.small_sample:
            note.append(SMALL_ELEMENT)
        ws.merge_range(row, c_enote, row, last_visible, "; ".join(note), f.cell)
        if raws:
            ws.write_formula(row, c_raw, f'=IF(COUNT({_refs(raws)})=0,"",AVERAGE({_refs(raws)}))', None,
                             "" if e.index is None else _unrounded_mean(section, e.questions))
        if e.in_index:
            element_raw.append(raw)
        row += 1
    # The overall index: the mean of the in-index elements' unrounded indexes.
    in_index = [e for e in section.elements if e.in_index]
    ws.write_string(row, 0, "", f.total)
    ws.write_string(row, 1, "Chỉ số hài lòng chung (SIPAS)", f.total)
    ws.write_string(row, 2, f"Trung bình cộng {len(in_index)} yếu tố", f.total)
    ws.write_formula(row, 3, "=" + "+".join(answered_cell[x] for e in in_index for x in e.questions) if in_index
                     else "=0", f.total_int, sum(e.answered for e in in_index))
    overall = xl_rowcol_to_cell(row, c_idx)
    ws.write_formula(row, c_idx, f'=IF(COUNT({_refs(element_raw)})=0,"{DASH}",ROUND(AVERAGE({_refs(element_raw)}),1))'
                     if element_raw else f'="{DASH}"', f.total_pct, DASH if section.index is None else section.index)
    _previous(ws, f, row, c_prev, c_change, overall, section.previous_index, section.change, total=True)
    ws.merge_range(row, c_enote, row, last_visible, SMALL_RESPONSES if section.small_sample else "",
                   f.total)
    row += 2
    for note in section.notes[:3]:   # the formulas, in words
        ws.set_row(row, 30)
        line(note, f.note)
    row += 1

    # --- 3. the channels ----------------------------------------------------------------------
    line("3. Số phiếu theo kênh trả lời", f.label)
    ws.set_row(row, 45)
    for c, title in ((0, "STT"), (1, "Kênh"), (2, "Số phiếu trả lời"), (3, "Số câu trả lời"), (c_idx, "Chỉ số chung (%)")):
        ws.write_string(row, c, title, f.head)
    ws.merge_range(row, 5, row, last_visible, "Ghi chú", f.head)
    row += 1
    first = row
    for i, ch in enumerate(section.channels[:-1], start=1):
        ws.write_number(row, 0, i, f.cell_c)
        ws.write_string(row, 1, ch.label, f.cell)
        ws.write_number(row, 2, ch.responses, f.int)
        ws.write_number(row, 3, ch.answers, f.int)
        ws.write(row, c_idx, DASH if ch.index is None else ch.index, f.pct)
        ws.merge_range(row, 5, row, last_visible, NO_RESPONSE if not ch.responses else
                       (SMALL_RESPONSES if ch.small_sample else ""), f.cell)
        row += 1
    combined = section.channels[-1]
    ws.write_string(row, 0, "", f.total)
    ws.write_string(row, 1, combined.label, f.total)
    for c, value in ((2, combined.responses), (3, combined.answers)):
        ws.write_formula(row, c, f"=SUM({xl_rowcol_to_cell(first, c)}:{xl_rowcol_to_cell(row - 1, c)})", f.total_int,
                         value)
    ws.write_formula(row, c_idx, f"={overall}", f.total_pct, DASH if combined.index is None else combined.index)
    ws.merge_range(row, 5, row, last_visible, SMALL_RESPONSES if combined.small_sample else "",
                   f.total)
    row += 2
    for note in section.notes[3:]:
        line(note, f.note)


def _previous(ws, f, row: int, c_prev: int, c_change: int, idx: str, previous: float | None, change: float | None,
              total: bool) -> None:
    """The previous period's index (a value: its counts are not in this workbook) and the change in points."""
    pf = f.total_pct if total else f.pct
    ws.write(row, c_prev, DASH if previous is None else previous, pf)
    prev = xl_rowcol_to_cell(row, c_prev)
    ws.write_formula(row, c_change, f'=IF(AND(ISNUMBER({idx}),ISNUMBER({prev})),ROUND({idx}-{prev},1),"{DASH}")', pf,
                     DASH if change is None else change)


def _unrounded_mean(section: QuestionnaireSection, ids: list[str]) -> float:
    got = [q.satisfied / q.answered * 100 for q in section.questions if q.id in ids and q.answered]
    return sum(got) / len(got)


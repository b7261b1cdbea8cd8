"""The PDF's questionnaire section: per questionnaire answered in the period, the questions table, the
elements with the overall index (and the previous period's), the formulas in words, and the channels.
Laid out like the rest of the PDF (same fonts, table style and headings)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, LongTable, Spacer, Table, TableStyle

from rating import vnformat
from rating.report.pdf_style import BASE_FONT, FAMILY, HEAD_BG, para
from rating.report.questionnaires import NO_ANSWER, NO_RESPONSE, SMALL_ELEMENT, SMALL_QUESTION, SMALL_RESPONSES, QuestionnaireSection


def _grid(header_rows: int, bold_last: bool = False) -> list:
    style = [BASE_FONT, ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG), ("FONTSIZE", (0, 0), (-1, -1), 9.5),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
             ("ALIGN", (0, header_rows), (0, -1), "CENTER")]
    if bold_last:
        style.append(("FONTNAME", (0, -1), (-1, -1), f"{FAMILY}-Bold"))
    return style


def _note(n: int, small: bool, responses: bool = False) -> str:
    if n == 0:
        return NO_RESPONSE if responses else NO_ANSWER
    return (SMALL_RESPONSES if responses else SMALL_QUESTION) if small else ""


def questions_table(b, section: QuestionnaireSection) -> LongTable:
    """STT | Câu hỏi | Yếu tố | a count per level | Số câu trả lời | Bỏ qua | % hài lòng | Ghi chú."""
    s, n = b.s, len(section.codes)
    top = [para("STT", s.head), para("Câu hỏi", s.head), para("Yếu tố", s.head),
           para("Số câu trả lời theo mức đánh giá", s.head), *[""] * (n - 1),
           para("Số câu trả lời", s.head), para("Bỏ qua", s.head), para("Tỷ lệ hài lòng (RHL+HL) (%)", s.head),
           para("Ghi chú", s.head)]
    sub = ["", "", "", *(para(f"{section.level_labels[c]} ({c})", s.head) for c in section.codes), "", "", "", ""]
    data = [top, sub]
    for q in section.questions:
        note = _note(q.answered, q.small_sample)
        data.append([str(q.number), para(q.text, s.cell), para(q.element_label, s.cell),
                     *(vnformat.integer(q.levels[c]) for c in section.codes), vnformat.integer(q.answered), vnformat.integer(q.skipped),
                     vnformat.decimal(q.satisfied_pct), para(note, s.cell_c) if note else ""])
    widths = [9 * mm, 0, 40 * mm, *([15 * mm] * n), 16 * mm, 13 * mm, 18 * mm, 26 * mm]
    widths[1] = max(50 * mm, b.width - sum(widths))
    table = LongTable(data, colWidths=widths, repeatRows=2)
    style = _grid(2)
    for c in (0, 1, 2, 3 + n, 4 + n, 5 + n, 6 + n):
        style.append(("SPAN", (c, 0), (c, 1)))
    style += [("SPAN", (3, 0), (2 + n, 0)), ("ALIGN", (3, 2), (5 + n, -1), "RIGHT")]
    table.setStyle(TableStyle(style))
    return table


def elements_table(b, section: QuestionnaireSection) -> Table:
    """Each element's index, the previous period's and the change; then the overall index."""
    s = b.s
    number = {q.id: q.number for q in section.questions}
    data = [[para(h, s.head) for h in ("STT", "Yếu tố", "Các câu hỏi", "Số câu trả lời", "Chỉ số (%)",
                                       f"{section.previous_label} (%)", "Chênh lệch (điểm)", "Ghi chú")]]
    for i, e in enumerate(section.elements, start=1):
        note = [] if e.in_index else ["không tính vào chỉ số chung"]
        if e.small_sample:
            note.append(SMALL_ELEMENT)
        data.append([str(i), para(e.label, s.cell), para("Câu " + ", ".join(str(number[x]) for x in e.questions), s.cell),
                     vnformat.integer(e.answered), vnformat.decimal(e.index), vnformat.decimal(e.previous_index), vnformat.signed(e.change),
                     para("; ".join(note), s.cell)])
    in_index = [e for e in section.elements if e.in_index]
    data.append(["", para("Chỉ số hài lòng chung (SIPAS)", s.total), para(f"Trung bình cộng {len(in_index)} yếu tố", s.total),
                 vnformat.integer(sum(e.answered for e in in_index)), vnformat.decimal(section.index), vnformat.decimal(section.previous_index),
                 vnformat.signed(section.change), para(_note(section.responses, section.small_sample, responses=True), s.total)])
    widths = [9 * mm, 70 * mm, 40 * mm, 20 * mm, 18 * mm, 26 * mm, 20 * mm, 0]
    widths[-1] = b.width - sum(widths)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(_grid(1, bold_last=True) + [("ALIGN", (3, 1), (6, -1), "RIGHT")]))
    return table


def channels_table(b, section: QuestionnaireSection) -> Table:
    """Responses, answers and the overall index per channel, then all channels together."""
    s = b.s
    data = [[para(h, s.head) for h in ("STT", "Kênh", "Số phiếu trả lời", "Số câu trả lời", "Chỉ số chung (%)",
                                       "Ghi chú")]]
    for i, ch in enumerate(section.channels, start=1):
        last = not ch.channel
        note = _note(ch.responses, ch.small_sample, responses=True)
        data.append(["" if last else str(i), para(ch.label, s.total if last else s.cell), vnformat.integer(ch.responses),
                     vnformat.integer(ch.answers), vnformat.decimal(ch.index), note])
    widths = [9 * mm, 70 * mm, 30 * mm, 30 * mm, 30 * mm, 0]
    widths[-1] = b.width - sum(widths)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(_grid(1, bold_last=True) + [("ALIGN", (2, 1), (4, -1), "RIGHT")]))
    return table


def story(b, number: int) -> list:
    """The flowables of the section for every questionnaire of ``b``'s model (numbered ``number``.1, .2…)."""
    s, out = b.s, []
    for i, section in enumerate(b.m.questionnaires, start=1):
        head = [para(f"{number}.{i}. Phiếu khảo sát: {section.title} (mã {section.id}, phiên bản {section.version})",
                   s.verdict),
                para(f"Số phiếu trả lời trong kỳ: {vnformat.integer(section.responses)}"
                   + (f" — {SMALL_RESPONSES}, cần thận trọng khi so sánh" if section.small_sample else "")
                   + f". So sánh với kỳ trước: {section.previous_label} ({vnformat.integer(section.previous_responses)} phiếu).",
                   s.body),
                Spacer(1, 2 * mm), para("a) Kết quả theo từng câu hỏi", s.body), Spacer(1, 1.5 * mm)]
        out += [Spacer(1, 3 * mm), KeepTogether(head[:2])] + head[2:] + [questions_table(b, section)]
        out += [Spacer(1, 3 * mm), KeepTogether([
            para("b) Chỉ số hài lòng theo yếu tố và chỉ số chung", s.body), Spacer(1, 1.5 * mm),
            elements_table(b, section), Spacer(1, 1.5 * mm), *(para(n, s.note) for n in section.notes[:3])])]
        out += [Spacer(1, 3 * mm), KeepTogether([
            para("c) Số phiếu theo kênh trả lời", s.body), Spacer(1, 1.5 * mm), channels_table(b, section),
            Spacer(1, 1.5 * mm), *(para(n, s.note) for n in section.notes[3:])])]
    return out

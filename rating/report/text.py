"""Fixed Vietnamese wording shared by the renderers, and the Kiểm chứng lines (said once, printed everywhere)."""

from __future__ import annotations

from datetime import datetime

from rating import vnformat
from rating.period import date_vi
from rating.report.issued import CHECK_AT, CODE_WORDS, NOT_ISSUED
from rating.report.model import ReportModel

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
SIGN_PREPARER = "NGƯỜI LẬP BẢNG"
SIGN_PREPARER_NOTE = "(Ký, ghi rõ họ tên)"
SIGN_HEAD = "THỦ TRƯỞNG ĐƠN VỊ"
SIGN_HEAD_NOTE = "(Ký tên, đóng dấu)"
# Sheet names in the workbook and section headings in the PDF, in order.
SHEETS = ("Tổng hợp", "Theo công chức", "Theo ngày", "Theo giờ", "Lý do", "Kiểm chứng")
# The questionnaire section: a sheet per questionnaire answered in the period (before Kiểm chứng), and
# one section in the PDF; none at all when nothing was answered.
QUESTIONNAIRE_SECTION = "Kết quả phiếu khảo sát"
QUESTIONNAIRE_SHEET_PREFIX = "Phiếu KS "
SHEET_NAME_MAX = 31  # a spreadsheet's limit
# The annex of the items of "Việc cần khắc phục" and their actions (issue 18), printed only when it has lines;
# a sheet name may not hold ":" (the sheet says the title in full).
ANNEX_TITLE = "Phụ lục: Việc cần khắc phục"
ANNEX_SHEET = "Phụ lục - Việc cần khắc phục"
ANNEX_HEAD = ("STT", "Quầy", "Tuần", "Số phiếu KHL + RKHL", "Mức", "Lý do người dân nêu", "Hạn xử lý", "Tình trạng",
              "Biện pháp khắc phục")
ANNEX_NOTE = ("Mỗi dòng: các phiếu Không hài lòng và Rất không hài lòng của một quầy trong một tuần (thứ Hai – Chủ nhật); "
              "hạn xử lý: 15 ngày làm việc từ phiếu đầu tiên. Không ghi thông tin nhận dạng người đánh giá.")


# Where a long title may break, besides before "ĐỐI VỚI": between its phrases, never inside one.
_PHRASE_BREAKS = (" SỰ HÀI LÒNG ", " CỦA TRUNG TÂM ")


def title_lines(title: str, width: int | None = None) -> list[str]:
    """The title in the lines it is printed on: broken before "ĐỐI VỚI", as such titles are set, so that
    a line never ends inside a phrase ("SỰ PHỤC / VỤ" read wrong on paper). On a narrow page (``width``:
    the characters a line holds) a line still too long is broken further between phrases (before
    "SỰ HÀI LÒNG", before "CỦA TRUNG TÂM"), never inside "HÀNH CHÍNH CÔNG". Another title: one line,
    wrapped by the renderer."""
    head, sep, tail = title.partition(" ĐỐI VỚI ")
    lines = [head, "ĐỐI VỚI " + tail] if sep else [title]
    if width is None:
        return lines
    out = []
    for line in lines:
        for mark in _PHRASE_BREAKS:
            if len(line) > width and mark in line:
                first, _, rest = line.partition(mark)
                out.append(first)
                line = mark.strip() + " " + rest
        out.append(line)
    return out


def questionnaire_sheet_name(qid: str, version: int, taken: set[str]) -> str:
    """A unique sheet name for a questionnaire version: "Phiếu KS trung-tam" (" v2" from version 2),
    cut to the spreadsheet's 31 characters; a number is added when the cut makes it a twin."""
    base = (QUESTIONNAIRE_SHEET_PREFIX + qid + (f" v{version}" if version > 1 else ""))
    for c in "[]:*?/\\":
        base = base.replace(c, "-")
    name, n = base[:SHEET_NAME_MAX], 1
    while name in taken:
        n += 1
        name = base[:SHEET_NAME_MAX - len(str(n)) - 1] + f"~{n}"
    taken.add(name)
    return name


# The Kiểm chứng section's second part: the recipe and identifiers an inspector with the raw export needs.
TECHNICAL_HEADING = "Dành cho người kiểm tra kỹ thuật"
# The annex of explanations a commune attached to gaming-check findings (printed only when there are some).
ANOMALY_ANNEX_HEADING = "Phụ lục: giải trình các dấu hiệu bất thường"


def verification_sections(model: ReportModel) -> list[tuple[str, list[tuple[str, str]]]]:
    """The Kiểm chứng section as (heading, [(label, value)]) parts: first what the officer who signs it
    reads, each item a plain Vietnamese sentence (heading ""); then, under :data:`TECHNICAL_HEADING`, the
    column names, chain heads and the digest's recipe an inspector uses to recompute the numbers."""
    v, p = model.verification, model.period
    kiosks = ", ".join(v.kiosk_ids) or "(không có)"
    # A named period ("Quý IV năm 2026") with its dates; a range's label is its dates already.
    scope = p.label if p.kind == "range" else f"{p.label}: từ ngày {date_vi(p.d_from)} đến ngày {date_vi(p.d_to)}"
    plain = [
        ("Nguồn số liệu", f"Số liệu lấy từ máy kiosk đánh giá: {kiosks}."),
        ("Kỳ báo cáo", scope + (f" {model.coverage}" if model.coverage else "") + "."),
        ("Tổng số phiếu trong kỳ", f"{vnformat.integer(v.votes_in_period)} phiếu được ghi nhận trong kỳ, gồm mọi thang "
                                   "đánh giá và cả phiếu bị loại."),
        ("Số phiếu được tính", f"{vnformat.integer(v.counted)} phiếu theo {model.scale_name} được tính vào kết quả."),
        ("Phiếu bị loại", f"{vnformat.integer(v.flagged)} phiếu bấm lặp lại tại cùng quầy trong thời gian chống bấm trùng: "
                          "không tính vào kết quả."),
        ("Phiếu ngoài giờ làm việc", f"{vnformat.integer(v.out_of_hours)} phiếu ghi nhận ngoài giờ làm việc: "
                                     + ("có tính vào kết quả (trừ phiếu bị loại)." if v.out_of_hours_included
                                        else "không tính vào kết quả.")),
        ("Phiếu theo thang khác", f"{vnformat.integer(v.other_scales)} phiếu theo thang đánh giá khác: thống kê riêng, "
                                  "không quy đổi."),
    ]
    for c in v.chains:
        plain.append((f"Tính toàn vẹn dữ liệu (kiosk {c.kiosk_id})",
                      "Hợp lệ: không phiếu nào bị xóa hay sửa sau khi ghi." if c.ok else
                      "CÓ DẤU HIỆU BỊ XÓA HOẶC SỬA PHIẾU: số liệu không dùng được làm minh chứng khi chưa làm rõ "
                      "(chi tiết ở phần dành cho người kiểm tra kỹ thuật)."))
    plain += [
        ("Mã kiểm chứng số liệu (SHA-256)", "Mã này thay đổi nếu bất kỳ phiếu nào trong kỳ bị thêm, bớt hay sửa; "
                                            f"người kiểm tra tính lại từ danh sách phiếu gốc để đối chiếu: {v.votes_sha256}"),
        *issued_lines(model),
        ("Phần mềm", v.software_version),
        ("Thời điểm lập tệp", when_made(v.generated_at)),
    ]
    technical = [
        ("Mã kiosk (kiosk_id)", kiosks),
        ("Kỳ báo cáo (local_date)", f"{p.d_from.isoformat()} … {p.d_to.isoformat()}"),
        ("Thang của báo cáo (scale)", model.scale),
    ]
    for c in v.chains:
        state = "HỢP LỆ" if c.ok else f"HỎNG: {c.detail}"
        technical.append((f"Chuỗi băm kiosk {c.kiosk_id}", f"{state}; đã kiểm tra: {c.checked}"))
        technical.append((f"Đầu chuỗi kiosk {c.kiosk_id} (seq)", "—" if c.head_seq is None else str(c.head_seq)))
        technical.append((f"Đầu chuỗi kiosk {c.kiosk_id} (hash)", c.head_hash or "—"))
    technical += [
        ("SHA-256 các phiếu trong kỳ", v.votes_sha256),
        ("Cách tính SHA-256", v.digest_recipe),
    ]
    annex = [(ANOMALY_ANNEX_HEADING, list(model.anomaly_notes))] if model.anomaly_notes else []
    return [("", plain), *annex, (TECHNICAL_HEADING, technical)]


def issued_lines(model: ReportModel) -> list[tuple[str, str]]:
    """The verification code's lines (issue 18): the code and where to check it when the central service
    issued the table; else that it has none (the kiosk's own table)."""
    if not model.verification_code:
        return [(CODE_WORDS, NOT_ISSUED)]
    lines = [(CODE_WORDS, model.verification_code)]
    if model.verification_url:
        lines.append((CHECK_AT, model.verification_url))
    return lines


def verification_lines(model: ReportModel) -> list[tuple[str, str]]:
    """The Kiểm chứng section as (label, value) lines, both parts in order (see :func:`verification_sections`)."""
    return [line for _heading, lines in verification_sections(model) for line in lines]


def when_made(iso: str) -> str:
    """The file's making time as a reader reads it, with its offset so that it cannot be mistaken:
    "17:13:47 ngày 22/11/2026 (UTC+07:00)". Anything that is not an ISO time is printed as given."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = t.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return f"{t:%H:%M:%S} ngày {t:%d/%m/%Y}{zone}"

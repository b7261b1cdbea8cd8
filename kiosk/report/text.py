"""Fixed Vietnamese wording shared by the renderers, and the Kiểm chứng lines (said once, printed everywhere)."""

from __future__ import annotations

from datetime import datetime

from ..period import date_vi
from .model import ReportModel, fmt_int

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


def title_lines(title: str) -> list[str]:
    """The title in the lines it is printed on: broken before "ĐỐI VỚI", as such titles are set, so that
    a line never ends inside a phrase ("SỰ PHỤC / VỤ" read wrong on paper). Another title: one line,
    wrapped by the renderer."""
    head, sep, tail = title.partition(" ĐỐI VỚI ")
    return [head, "ĐỐI VỚI " + tail] if sep else [title]


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


def verification_lines(model: ReportModel) -> list[tuple[str, str]]:
    """The Kiểm chứng section as (label, value) lines."""
    v = model.verification
    lines = [
        ("Kiosk", ", ".join(v.kiosk_ids) or "(không có)"),
        # Vietnamese dates for the reader, and the ISO dates an inspector types into the digest's query.
        ("Kỳ báo cáo", f"{model.period.label}: {date_vi(model.period.d_from)} – {date_vi(model.period.d_to)} "
                       f"(local_date {model.period.d_from.isoformat()} … {model.period.d_to.isoformat()})"),
        ("Tổng số phiếu trong kỳ (mọi thang, kể cả bị loại)", fmt_int(v.votes_in_period)),
        ("Số phiếu được tính", f"{fmt_int(v.counted)} (thang {model.scale})"),
        ("Phiếu bị loại (bấm lặp lại)", f"{fmt_int(v.flagged)} — không tính"),
        ("Phiếu ngoài giờ làm việc", f"{fmt_int(v.out_of_hours)} — "
                                     + ("có tính (nếu không bị loại)" if v.out_of_hours_included else "không tính")),
        ("Phiếu theo thang khác", f"{fmt_int(v.other_scales)} — thống kê riêng, không quy đổi"),
    ]
    for c in v.chains:
        state = "HỢP LỆ" if c.ok else f"HỎNG: {c.detail}"
        lines.append((f"Chuỗi băm kiosk {c.kiosk_id}", f"{state}; đã kiểm tra: {c.checked}"))
        lines.append((f"Đầu chuỗi kiosk {c.kiosk_id} (seq)", "—" if c.head_seq is None else str(c.head_seq)))
        lines.append((f"Đầu chuỗi kiosk {c.kiosk_id} (hash)", c.head_hash or "—"))
    lines += [
        ("SHA-256 các phiếu trong kỳ", v.votes_sha256),
        ("Cách tính SHA-256", v.digest_recipe),
        ("Phần mềm", v.software_version),
        ("Thời điểm lập tệp", when_made(v.generated_at)),
    ]
    return lines


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

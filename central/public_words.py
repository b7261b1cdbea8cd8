"""The public pages' words (issue 18), Vietnamese first and English: their own catalogue, joined to the
pages' (:data:`central.texts.TEXTS`) so a word both use is defined once."""

from __future__ import annotations

from rating.bilingual import Texts

from central.texts import TEXTS

WORDS = TEXTS.joined(Texts({
    "public_title": ("Kết quả đánh giá sự hài lòng của người dân", "How satisfied citizens are"),
    "public_city": ("Toàn thành phố", "The whole city"),
    "this_month": ("Tháng này", "This month"),
    "month": ("Tháng", "Month"),
    "last_12": ("12 tháng gần nhất", "The last 12 months"),
    "counters": ("Theo quầy", "By counter"),
    "response": ("Tỷ lệ phản hồi", "Response rate"),
    "response_note": ("Tỷ lệ phản hồi: số phiếu đánh giá trên số lượt giao dịch đã phục vụ (— khi chưa có số lượt "
                      "phục vụ).", "Response rate: ratings per transaction served (— until served counts exist)."),
    "satisfied_people": ("người dân hài lòng", "of citizens satisfied"),
    "from_votes": ("trên {n} phiếu đánh giá", "from {n} ratings"),
    "no_votes": ("Chưa có phiếu", "No ratings"),
    "no_votes_yet": ("chưa có phiếu đánh giá", "no ratings yet"),
    "small_votes": ("chưa đủ mẫu ({n} phiếu)", "too few ratings ({n})"),
    "as_of": ("Số liệu đến ngày {day}", "Figures up to {day}"),
    "details": ("Xem chi tiết", "See the details"),
    "feed": ("Dữ liệu (JSON)", "Data (JSON)"),
    "embed": ("Nhúng vào cổng thông tin", "Embed in a web portal"),
    "embed_how": ("Dán đoạn mã sau vào trang của cổng thông tin:", "Paste this into the portal's page:"),
    "lobby": ("Màn hình phòng chờ", "Waiting-room screen"),
    "communes": ("Các xã, phường", "Communes"),
    "verify_title": ("Kiểm tra bảng tổng hợp II.7", "Check an II.7 table"),
    "verify_intro": ("Bảng tổng hợp mang mã kiểm tra này do máy chủ trung tâm cấp. Bảng in hợp lệ phải ghi đúng các số "
                     "liệu dưới đây; nếu khác, bảng in không phải bản gốc.",
                     "The table carrying this code was issued by the central service. A genuine printed table says "
                     "exactly what follows; if its figures differ, it is not genuine."),
    "unit": ("Đơn vị", "Unit"),
    "counted": ("Tổng số phiếu được tính", "Counted ratings"),
    "flagged": ("Phiếu bị loại", "Excluded repeats"),
    "digest": ("Mã kiểm chứng số liệu (SHA-256)", "Votes digest (SHA-256)"),
    "heads": ("Đầu chuỗi trong kỳ (kiosk, seq, hash)", "Chain heads in the period (kiosk, seq, hash)"),
    "issued_at": ("Cấp lúc", "Issued at"),
    "code": ("Mã kiểm tra", "Verification code"),
}))
w = WORDS.text

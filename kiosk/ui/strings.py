"""Every string the touch screen shows, in Vietnamese and English, from one catalogue.

Vietnamese first: it is the default and the language every citizen sees when they walk up. Level
labels come from :mod:`kiosk.scales` and SIPAS element labels from :mod:`kiosk.sipas`, so the
screen, the reports and the docs cannot disagree. No Kivy here: this module is tested alone.
"""

from __future__ import annotations

from ..scales import Level
from ..sipas import label as sipas_label

LANGUAGES = ("vi", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    "question": ("Ông/Bà có hài lòng với sự phục vụ tại quầy này không?",
                 "Are you satisfied with the service at this counter?"),
    "tap_one": ("Xin chạm vào một lựa chọn", "Please touch one answer"),
    "or_keys": ("hoặc bấm phím {first}–{last}", "or press key {first}–{last}"),
    "pick_counter": ("Ông/Bà vừa làm thủ tục tại quầy nào?", "At which counter were you served?"),
    "counter": ("Quầy", "Counter"),
    "officer": ("Cán bộ", "Officer"),
    "thanks_title": ("Cảm ơn Ông/Bà!", "Thank you!"),
    "thanks_body": ("Đánh giá của Ông/Bà đã được ghi nhận.", "Your rating has been recorded."),
    "thanks_short": ("Cảm ơn", "Thank you"),
    "reasons_title": ("Ông/Bà chưa hài lòng về điều gì?", "What were you not satisfied with?"),
    "reasons_hint": ("Có thể chọn nhiều mục, hoặc bỏ qua. Đánh giá đã được ghi nhận.",
                     "Choose any that apply, or skip. Your rating is already recorded."),
    "send": ("Gửi", "Send"),
    "skip": ("Bỏ qua", "Skip"),
    "closed_title": ("Trung tâm đang ngoài giờ làm việc", "The centre is closed now"),
    "closed_body": ("Xin mời Ông/Bà quay lại trong giờ làm việc.", "Please come back during opening hours."),
    "error_not_recorded": ("Xin lỗi, chưa ghi được đánh giá. Xin báo cán bộ tại quầy.",
                           "Sorry, your rating could not be recorded. Please tell the officer."),
    "language_switch": ("English", "Tiếng Việt"),
    "back": ("Quay lại", "Back"),
    # manager
    "pin_title": ("Nhập mã PIN quản lý", "Enter the manager PIN"),
    "pin_unset": ("Chưa đặt mã PIN quản lý. Đặt bằng lệnh:\npython main.py set-pin",
                  "No manager PIN is set. Set one with:\npython main.py set-pin"),
    "pin_wrong": ("Mã PIN không đúng", "Wrong PIN"),
    "pin_locked": ("Nhập sai quá nhiều lần. Thử lại sau {minutes}:{seconds:02d}",
                   "Too many wrong tries. Try again in {minutes}:{seconds:02d}"),
    "ok": ("Đồng ý", "OK"),
    "delete": ("Xoá", "Delete"),
    "manager_title": ("Quản lý — {centre}", "Manager — {centre}"),
    "tab_today": ("Số liệu", "Totals"),
    "tab_status": ("Trạng thái", "Status"),
    "tab_roster": ("Phân công", "Roster"),
    "tab_export": ("Xuất báo cáo", "Export"),
    "today": ("Hôm nay", "Today"),
    "yesterday": ("Hôm qua", "Yesterday"),
    "this_month": ("Tháng này", "This month"),
    "prev_day": ("« Ngày trước", "« Previous day"),
    "next_day": ("Ngày sau »", "Next day »"),
    "total": ("Tổng", "Total"),
    "satisfied_pct": ("Tỷ lệ hài lòng", "Satisfied"),
    "flagged": ("Lặp (không tính)", "Repeats (not counted)"),
    "all_counters": ("Tất cả", "All"),
    "no_officer": ("(chưa phân công)", "(not assigned)"),
    "sync_now": ("Đồng bộ ngay", "Sync now"),
    "back_to_citizens": ("Về màn hình đánh giá", "Back to the rating screen"),
    "leave_kiosk": ("Thoát chế độ kiosk", "Leave kiosk mode"),
    "save": ("Lưu", "Save"),
    "saved": ("Đã lưu", "Saved"),
    "export_csv": ("Xuất CSV", "Export CSV"),
    "export_folder": ("Thư mục (ví dụ USB):", "Folder (e.g. a USB stick):"),
    "exported": ("Đã xuất: {path}", "Exported: {path}"),
    "export_failed": ("Không xuất được: {error}", "Export failed: {error}"),
    "release_quarantine": ("Gửi lại phiếu bị từ chối", "Resend refused votes"),
    "released": ("Đã đưa {n} phiếu trở lại hàng chờ gửi", "{n} vote(s) put back in the outbox"),
    # the status tab
    "st_sync": ("Đồng bộ", "Sync"),
    "st_sync_on": ("tới {url}", "to {url}"),
    "st_sync_off": ("chưa cấu hình ([sync] trong tệp cấu hình)", "not configured ([sync] in the configuration)"),
    "st_waiting": ("Chờ gửi: {votes} phiếu, {reasons} lý do · Bị từ chối (cách ly): {quarantined}",
                   "Waiting: {votes} vote(s), {reasons} reason(s) · Refused (quarantined): {quarantined}"),
    "st_last_success": ("Lần đồng bộ thành công gần nhất: {at}", "Last successful sync: {at}"),
    "st_last_error": ("Lỗi gần nhất: {error}", "Last error: {error}"),
    "st_skew": ("Đồng hồ máy lệch so với máy chủ {seconds:+.0f} giây", "This kiosk's clock is {seconds:+.0f} s off the server's"),
    "st_mismatch": ("Số liệu khác máy chủ: ngày {date}, quầy {counter}", "Totals differ from the server: {date}, counter {counter}"),
    "st_boxes": ("Hộp nút bấm", "Button boxes"),
    "st_none": ("không có", "none"),
    "st_port": ("{port}: {state} · khung lỗi: {invalid}", "{port}: {state} · invalid frames: {invalid}"),
    "st_connected": ("đã kết nối", "connected"),
    "st_disconnected": ("MẤT KẾT NỐI", "DISCONNECTED"),
    "st_box": ("hộp {box} → {counter}: {state} · lần cuối: {last} · firmware {firmware}",
               "box {box} → {counter}: {state} · last heard: {last} · firmware {firmware}"),
    "st_heard": ("hoạt động", "alive"),
    "st_not_heard": ("KHÔNG NGHE THẤY", "NOT HEARD"),
    "st_disk": ("Dung lượng trống: {free}", "Free disk: {free}"),
    "st_clock": ("Đồng hồ: {now}", "Clock: {now}"),
    "st_clock_wrong": ("Đồng hồ có vẻ sai: {why}", "The clock looks wrong: {why}"),
}


def t(key: str, lang: str = "vi", **values) -> str:
    """The string ``key`` in ``lang`` (``vi`` or ``en``), with ``{placeholders}`` filled in."""
    vi, en = CATALOGUE[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


def level_label(level: Level, lang: str = "vi") -> str:
    """A rating level's label in the chosen language."""
    return level.vi if lang == "vi" else level.en


def element_label(code: str, lang: str = "vi") -> str:
    """A SIPAS element's label in the chosen language."""
    return sipas_label(code, lang)

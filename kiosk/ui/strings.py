"""Every string the touch screen shows, in Vietnamese and English, from one catalogue.

The citizen's screens' words are here, the manager's in :mod:`kiosk.ui.manager_strings`; both are
looked up the one way the service's pages are too (:class:`rating.bilingual.Texts`).

Vietnamese first: it is the default and the language every citizen sees when they walk up. Level
labels come from :mod:`rating.scales` and SIPAS element labels from :mod:`rating.sipas`, so the
screen, the reports and the docs cannot disagree. No Kivy here: this module is tested alone.
"""

from __future__ import annotations

from rating.bilingual import LANGUAGES, Texts  # noqa: F401  (LANGUAGES: the screens' languages, for the glyph checks)
from rating.hours import OpeningHours
from rating.scales import Level

from .manager_strings import MANAGER

NBSP = "\u00a0"
# Phrases a line must never split: Vietnamese writes a word's syllables apart, so "hài / lòng" across
# two lines reads as two words. Every multi-syllable word of the citizen's screens is listed (longest
# first where one contains another); :func:`keep_whole` joins each with no-break spaces.
WHOLE_PHRASES = (
    "hài lòng", "Hài lòng", "Bình thường", "bình thường", "Quầy ", "Counter ",
    "Ông/Bà", "Có thể", "phục vụ", "thủ tục", "Xin chạm", "lựa chọn", "Cảm ơn", "Đánh giá", "đánh giá", "ghi nhận",
    "điều gì", "nhiều mục", "bỏ qua", "Bỏ qua", "Nơi làm", "chỗ ngồi", "chỉ dẫn", "thời gian chờ",
    "Giấy tờ", "biểu mẫu", "lệ phí", "phải nộp", "Thái độ", "giúp đỡ", "cán bộ", "Cán bộ", "Kết quả",
    "đúng hẹn", "quy định", "tiếp nhận", "trả lời góp ý", "góp ý", "Trung tâm", "giờ làm việc", "Giờ làm việc",
    "Xin mời", "quay lại", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật",
    "Chọn quầy khác", "Thank you", "opening hours", "Another counter",
    # the timeout warning, the questionnaire's end, the large-text mode
    "Thêm thời gian", "Kết thúc", "kết thúc", "Chữ to", "Chữ thường", "Người tiếp theo", "trở về", "ban đầu",
    "giữ lại", "Phiếu hỏi",
    # the ticket number's screen
    "số phiếu", "mã hồ sơ", "Tiếp tục", "giấy hẹn", "quét mã", "lưu lại", "chưa đúng",
    # the words of a centre's name (its place names are joined by :func:`keep_name_whole`)
    "Phục vụ", "hành chính công", "Hành chính công", "thành phố", "Thành phố", "thị trấn", "cơ sở",
    "Tư pháp", "hộ tịch", "Đất đai", "Lao động", "xây dựng", "Một cửa", "một cửa",
    # the words counters are named with (the fields a commune centre serves)
    "Kinh doanh", "kinh doanh", "đầu tư", "Đầu tư", "Y tế", "y tế", "giáo dục", "Giáo dục", "Tài nguyên",
    "tài nguyên", "môi trường", "Nông nghiệp", "nông nghiệp", "Văn hoá", "văn hoá", "Văn hóa", "văn hóa",
    "thông tin", "Công an", "thương binh", "xã hội", "Xây dựng", "Bảo hiểm", "bảo hiểm", "hành chính",
    "Hộ tịch", "Chứng thực", "chứng thực", "Đăng ký", "đăng ký", "Tiếp nhận", "trả kết quả", "Trả kết quả",
    "Doanh nghiệp", "doanh nghiệp", "Giao thông", "giao thông", "Tôn giáo", "dân tộc", "Nội vụ", "Tài chính",
    "tài chính", "Cư trú", "cư trú", "Hộ khẩu", "Thuế", "Dịch vụ công", "dịch vụ công",
)
DAY_NAMES = {"vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"),
             "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}

_SCREENS = {
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
    "back_to_pick": ("Chọn quầy khác", "Another counter"),
    "closed_hours": ("Giờ làm việc", "Opening hours"),
    "closed_again": ("Mở cửa lại: {when}", "Opens again: {when}"),
    "closed_today": ("hôm nay", "today"),
    # the ticket or dossier number before the rating ([kiosk] ticket, issue 18)
    "ticket_title": ("Xin nhập số phiếu hoặc mã hồ sơ của Ông/Bà", "Please enter your ticket or dossier number"),
    "ticket_hint": ("Chạm các số, hoặc quét mã trên giấy hẹn. Số không được lưu lại.",
                    "Touch the digits, or scan the code on your receipt. The number is not kept."),
    "ticket_hint_ask": ("Chạm các số, quét mã trên giấy hẹn, hoặc bỏ qua. Số không được lưu lại.",
                        "Touch the digits, scan the code on your receipt, or skip. The number is not kept."),
    "ticket_next": ("Tiếp tục", "Continue"),
    "ticket_clear": ("Xoá", "Clear"),
    "ticket_empty": ("Xin nhập số trước khi tiếp tục", "Please enter the number first"),
    "ticket_bad": ("Số chưa đúng: chỉ gồm chữ, số và . / _ -", "Not a number: letters, digits and . / _ - only"),
    "reasons_some": ("Đã chọn {n} mục", "{n} chosen"),
    # the reasons, in plain words: what each SIPAS element means to a citizen
    "reason_access": ("Nơi làm thủ tục: chỗ ngồi, chỉ dẫn, thời gian chờ", "The place: seats, signs, waiting time"),
    "reason_procedure": ("Giấy tờ, biểu mẫu, lệ phí phải nộp", "Papers, forms and fees"),
    "reason_officer": ("Thái độ, sự giúp đỡ của cán bộ", "The officer's attitude and help"),
    "reason_result": ("Kết quả: đúng hẹn, đúng quy định", "The result: on time and correct"),
    "reason_feedback": ("Việc tiếp nhận, trả lời góp ý", "How comments are received and answered"),
    # the questionnaire (kiosk channel)
    "q_invite_title": ("Xin Ông/Bà dành ít phút trả lời {n} câu hỏi?",
                       "Could you spare a few minutes to answer {n} questions?"),
    "q_invite_body": ("Không hỏi tên, không hỏi số điện thoại. Câu nào không muốn trả lời, Ông/Bà có thể bỏ qua.",
                      "We do not ask your name or phone number. You may skip any question."),
    "q_accept": ("Đồng ý trả lời", "Yes, I will answer"),
    "q_decline": ("Không, cảm ơn", "No, thank you"),
    "q_invite_keys": ("Phím 1: đồng ý · Phím 0: không", "Key 1: yes · Key 0: no"),
    "q_keys": ("hoặc bấm phím {first}–{last}; phím 0 để bỏ qua", "or press key {first}–{last}; 0 skips"),
    "q_thanks_body": ("Các câu trả lời của Ông/Bà đã được ghi nhận.", "Your answers have been recorded."),
    "q_finish": ("Kết thúc", "Finish"),
    "q_next_person": ("Người tiếp theo? Xin chạm vào một mặt để đánh giá", "Next person? Touch a face to rate"),
    "q_next_pick": ("Người tiếp theo: chọn quầy", "Next person: choose a counter"),
    # a timeout about to end (WCAG 2.2.1): said at least 20 s before, with one button for more time
    "warn_title": ("Ông/Bà cần thêm thời gian?", "Do you need more time?"),
    "warn_body": ("Màn hình sẽ trở về ban đầu sau {n} giây.", "The screen starts over in {n} s."),
    "warn_body_q": ("Phiếu hỏi sẽ kết thúc sau {n} giây. Các câu đã trả lời được giữ lại.",
                    "The questionnaire ends in {n} s. Your answers are kept."),
    "more_time": ("Thêm thời gian", "More time"),
    # high contrast and large text, for this citizen only (the next one starts in the normal mode)
    "contrast_on": ("Chữ to", "Large text"),
    "contrast_off": ("Chữ thường", "Normal text"),
    # manager
    "pin_title": ("Nhập mã PIN quản lý", "Enter the manager PIN"),
    "pin_unset": ("Chưa đặt mã PIN quản lý. Đặt bằng lệnh:\npython main.py set-pin",
                  "No manager PIN is set. Set one with:\npython main.py set-pin"),
    "pin_wrong": ("Mã PIN không đúng. Còn {left} lần thử, sau đó bàn phím khoá {minutes} phút.",
                  "Wrong PIN. Tries left: {left}; then the pad locks for {minutes} minutes."),
    "pin_opening": ("Đang mở…", "Opening…"),
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
    "st_sync_off": ("chưa nối với máy chủ trung tâm; phiếu được giữ trên kiosk này (cán bộ kỹ thuật khai báo "
                    "máy chủ khi cài đặt)", "not connected to the central service; votes are kept on this kiosk "
                    "(the technician sets the server up when installing)"),
    "st_waiting": ("Chờ gửi: {votes} phiếu, {reasons} lý do · Máy chủ không nhận, đang giữ riêng: {quarantined}",
                   "Waiting: {votes} vote(s), {reasons} reason(s) · Not accepted by the server, kept aside: "
                   "{quarantined}"),
    "st_last_success": ("Lần đồng bộ thành công gần nhất: {at}", "Last successful sync: {at}"),
    "st_last_error": ("Lỗi gần nhất: {error}", "Last error: {error}"),
    "st_skew": ("Đồng hồ máy lệch so với máy chủ {seconds:+.0f} giây", "This kiosk's clock is {seconds:+.0f} s off the server's"),
    "st_mismatch": ("Số liệu khác máy chủ: ngày {date}, quầy {counter}", "Totals differ from the server: {date}, counter {counter}"),
    "st_boxes": ("Hộp nút bấm", "Button boxes"),
    "st_none": ("không có", "none"),
    "st_port": ("{port}: {state} · khung lỗi: {invalid}", "{port}: {state} · invalid frames: {invalid}"),
    "st_connected": ("đã kết nối", "connected"),
    "st_disconnected": ("MẤT KẾT NỐI", "DISCONNECTED"),
    "st_box": ("hộp {box} (quầy {counter}): {state} · lần cuối: {last} · firmware {firmware}",
               "box {box} (counter {counter}): {state} · last heard: {last} · firmware {firmware}"),
    "st_heard": ("hoạt động", "alive"),
    "st_not_heard": ("KHÔNG NGHE THẤY", "NOT HEARD"),
    "st_disk": ("Bộ nhớ còn trống: {free}", "Free storage: {free}"),
    "st_clock": ("Đồng hồ: {now}", "Clock: {now}"),
    "st_clock_wrong": ("Đồng hồ có vẻ sai: {why}", "The clock looks wrong: {why}"),
    "st_clock_suspect": ("{n} phiếu ghi khi đồng hồ không đáng tin cậy (báo cáo có ghi chú)",
                         "{n} vote(s) taken while the clock could not be trusted (reports say so)"),
    "st_store_moved": ("Tệp dữ liệu đã bị đổi tên thành {where}: vẫn ghi vào đó; hãy đổi lại tên {path}",
                       "The vote file was renamed to {where}: votes still go there; rename it back to {path}"),
    "st_store_gone": ("Tệp dữ liệu {path} đã bị xoá: máy KHÔNG nhận phiếu; khôi phục tệp rồi khởi động lại",
                      "The vote file {path} was deleted: NO vote is taken; restore it and restart the kiosk"),
}

CATALOGUE = Texts(_SCREENS).joined(MANAGER)  # a key defined in both files differently is refused at import
t = CATALOGUE.text  # t(key, lang, **values): the string in ``lang`` with its {placeholders} filled in


def keep_whole(text: str) -> str:
    """``text`` with the phrases of :data:`WHOLE_PHRASES` joined by no-break spaces (lines break elsewhere)."""
    for phrase in WHOLE_PHRASES:
        text = text.replace(phrase, phrase.replace(" ", NBSP))
    return text


def tw(key: str, lang: str = "vi", **values) -> str:
    """:func:`t` for the citizen's screens: the string with its phrases kept whole on screen."""
    return keep_whole(t(key, lang, **values))


def keep_name_whole(text: str) -> str:
    """A configured name (a centre, a counter) for the screen: its known phrases joined, and every run of
    capitalised syllables too — a place name ("Ninh Giang", "Hải Phòng") never breaks across lines. A run
    stops at punctuation ("Giang, Hải" may break after the comma)."""
    words: list[str] = []
    for word in text.split(" "):
        last = words[-1] if words else ""
        if last[:1].isupper() and word[:1].isupper() and last[-1:].isalpha():
            words[-1] = last + NBSP + word
        else:
            words.append(word)
    return keep_whole(" ".join(words))


def level_label(level: Level, lang: str = "vi") -> str:
    """A rating level's label in the chosen language, its phrases kept whole on screen."""
    return keep_whole(level.vi if lang == "vi" else level.en)


def reason_label(code: str, lang: str = "vi") -> str:
    """What a SIPAS element means to a citizen, in plain words (the reports keep the element names),
    its phrases kept whole on screen."""
    return tw(f"reason_{code}", lang)


def hours_lines(hours: OpeningHours, lang: str = "vi") -> list[str]:
    """Opening hours as lines a citizen reads, consecutive days with the same hours grouped:
    ``Thứ Hai – Thứ Sáu: 07:30–11:30, 13:30–17:00``."""
    if hours.spans is None:
        return []
    names, lines, day = DAY_NAMES[lang], [], 0
    while day < 7:
        last = day
        while last + 1 < 7 and hours.spans[last + 1] == hours.spans[day]:
            last += 1
        if hours.spans[day]:
            days = names[day] if last == day else f"{names[day]} – {names[last]}"
            spans = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in hours.spans[day])
            lines.append(f"{days}: {spans}")
        day = last + 1
    return lines

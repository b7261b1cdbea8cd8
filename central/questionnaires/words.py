"""The questionnaire pages' words, Vietnamese first and English (the service's other words are in
:mod:`central.texts`)."""

from __future__ import annotations

from rating.bilingual import Texts

from central import texts

WORDS = Texts({
    "questionnaires": ("Phiếu khảo sát", "Questionnaires"),
    "send": ("Gửi phiếu", "Send"),
    "skip": ("Bỏ qua", "Skip"),
    "optional": ("Không bắt buộc — câu nào không muốn trả lời, Ông/Bà cứ bỏ qua.",
                 "Nothing is required — skip any question you prefer not to answer."),
    "no_personal": ("Phiếu không hỏi tên, số điện thoại hay số căn cước.",
                    "We never ask for your name, phone number or ID number."),
    "no_personal_text": ("Xin đừng ghi họ tên, số điện thoại hay số giấy tờ.",
                         "Please do not write names, phone numbers or ID numbers."),
    "question_n": ("Câu {n}/{total}", "Question {n}/{total}"),
    "chars_max": ("Tối đa {n} ký tự.", "At most {n} characters."),
    "thanks_title": ("Cảm ơn Ông/Bà!", "Thank you!"),
    "thanks": ("Ý kiến của Ông/Bà đã được ghi nhận. Xin cảm ơn đã giúp Trung tâm phục vụ tốt hơn.",
               "Your answers have been recorded. Thank you for helping the Centre serve you better."),
    "already_title": ("Ông/Bà đã trả lời phiếu này", "You have already answered"),
    "already": ("Máy này đã gửi phiếu khảo sát này trong quý. Xin cảm ơn Ông/Bà! Quý sau Ông/Bà có thể "
                "trả lời lại.", "This phone has already sent this questionnaire this quarter. Thank you! "
                "You can answer again next quarter."),
    "not_found_title": ("Không tìm thấy phiếu", "Questionnaire not found"),
    "not_found": ("Đường dẫn này không đúng hoặc phiếu không còn được dùng. Xin kiểm tra lại mã QR.",
                  "This link is wrong or the questionnaire is no longer used. Please check the QR code."),
    "bad_title": ("Phiếu chưa gửi được", "The answers could not be sent"),
    "back": ("Quay lại phiếu", "Back to the questionnaire"),
    "csrf_title": ("Trang đã hết hạn", "This page has expired"),
    "csrf": ("Xin mở lại trang rồi gửi lại (trình duyệt cần cho phép cookie của trang này).",
             "Please open the page again and resend (the browser must allow this site's cookies)."),
    "bad_choice": ("Câu {n} ({text}): lựa chọn “{value}” không có trong câu này.",
                   "Question {n} ({text}): there is no choice “{value}”."),
    "bad_question": ("Phiếu này không có câu “{value}”.", "This questionnaire has no question “{value}”."),
    "empty_title": ("Ông/Bà chưa trả lời câu nào", "You have not answered any question"),
    "empty": ("Xin chọn ít nhất một câu trả lời rồi bấm “Gửi phiếu”. Câu nào không muốn trả lời, Ông/Bà cứ bỏ qua.",
              "Please choose at least one answer, then press “Send”. Skip any question you prefer not to answer."),
    "too_long": ("Câu {n}: góp ý dài {length} ký tự, tối đa {limit}.",
                 "Question {n}: the comment has {length} characters, at most {limit}."),
    "too_many_title": ("Quá nhiều phiếu", "Too many responses"),
    "too_many": ("Có quá nhiều phiếu gửi từ cùng một mạng trong một giờ. Xin thử lại sau.",
                 "Too many responses came from the same network within an hour. Please try again later."),
    "poster_line": ("Dùng điện thoại quét mã QR để trả lời phiếu khảo sát — không cần đăng nhập, không hỏi tên.",
                    "Scan the QR code with your phone to answer — no login, no name asked."),
    "poster_from_request": ("Chú ý: đường dẫn trên áp phích là địa chỉ trang này đang được mở ({url}). Nếu đó là "
                            "địa chỉ nội bộ, điện thoại của người dân sẽ không mở được — quản trị cần đặt "
                            "CENTRAL_PUBLIC_URL (địa chỉ công khai của dịch vụ) rồi in lại.",
                            "Note: the poster's link is the address this page was opened at ({url}). If that is "
                            "an internal address, citizens' phones cannot open it — the administrator should set "
                            "CENTRAL_PUBLIC_URL (the service's public address), then print again."),
    "poster_or": ("Hoặc mở đường dẫn:", "Or open:"),
    "print": ("In", "Print"),
    "phone_link": ("Trang điện thoại", "Phone page"),
    "poster": ("Áp phích mã QR", "QR poster"),
    "paper": ("Phiếu giấy (PDF)", "Paper form (PDF)"),
    "entry": ("Nhập phiếu giấy", "Paper entry"),
    "analysis": ("Kết quả khảo sát", "Questionnaire results"),
    "print_hint": ("In phiếu giấy: chọn số phiếu cần in (1–500 một lần), rồi bấm “In phiếu”. Mỗi lần in được ghi lại; "
                   "để trống ô “Từ số” thì phiếu được đánh số tiếp theo sau lần in trước (số mờ trong ô).",
                   "Paper forms: choose how many (1–500 at a time), then press “Print forms”. Each run is recorded; "
                   "leave “From no.” empty to number them on from the last run (the grey number in the box)."),
    "print_first": ("Từ số", "From no."),
    "print_taken": ("Không in được: {why}. Để trống ô “Từ số” thì phiếu được đánh số tiếp theo.",
                    "Not printed: {why}. Leave “From no.” empty to number the forms on from the last run."),
    "print_count": ("Số phiếu cần in", "How many"),
    "print_go": ("In phiếu (PDF)", "Print forms (PDF)"),
    "print_bad_title": ("Không in được phiếu", "The forms could not be printed"),
    "print_bad": ("{field} «{value}» không hợp lệ: số phiếu đầu tiên là một số từ 1, số phiếu cần in từ 1 đến "
                  "{max} (số cuối không quá 999.999.999).", "{field} “{value}” is not valid: the first form number "
                  "is a number from 1, how many from 1 to {max} (the last number at most 999,999,999)."),
    "back_to_list": ("Quay lại danh sách phiếu khảo sát", "Back to the questionnaires"),
    "previous_short": ("Kỳ trước", "Previous period"),
    "not_in_index": ("không tính vào chỉ số chung", "not in the overall index"),
    "form_no": ("Số phiếu", "Form no."),
    "digits": ("Câu trả lời (mỗi câu một chữ số)", "Answers (one digit per question)"),
    "digits_help": ("Chữ số N = lựa chọn thứ N trên phiếu (1 = Rất hài lòng); 0 = để trống. Enter để lưu, "
                    "phiếu tiếp theo bắt đầu ngay.", "Digit N = the N-th choice on the form (1 = very satisfied); "
                    "0 = left blank. Enter saves and the next form starts."),
    "comment": ("Góp ý ghi trên phiếu", "Written comment"),
    "save": ("Lưu (Enter)", "Save (Enter)"),
    "saved": ("Đã lưu phiếu số {no}.", "Form {no} saved."),
    "duplicate": ("Phiếu số {no} đã được nhập lúc {at} (bởi {by}). Không lưu lần hai — kiểm tra lại số phiếu; "
                  "những gì vừa gõ vẫn còn dưới đây.", "Form {no} was already entered at {at} (by {by}). Not "
                  "saved twice — check the form number; what you typed is kept below."),
    "entered_today": ("Mười phiếu nhập gần nhất", "The last ten forms entered"),
    "satisfied": ("Tỷ lệ hài lòng", "Satisfied"),
    "answered": ("Số trả lời (N)", "Answers (N)"),
    "skipped": ("Bỏ qua", "Skipped"),
    "question": ("Câu hỏi", "Question"),
    "element": ("Yếu tố", "Element"),
    "index": ("Chỉ số", "Index"),
    "overall_index": ("Chỉ số hài lòng chung", "Overall satisfaction index"),
    "formula": ("Theo phương pháp SIPAS: tỷ lệ hài lòng của một câu = (Rất hài lòng + Hài lòng) / số trả lời "
                "× 100 %; chỉ số một yếu tố = trung bình tỷ lệ các câu của yếu tố; chỉ số chung = trung bình "
                "chỉ số các yếu tố{left_out}.", "Following SIPAS practice: a question's satisfied share = (very "
                "satisfied + satisfied) / answers × 100 %; an element's index = the mean of its questions' "
                "shares; the overall index = the mean of the element indexes{left_out}."),
    "left_out": (" (không tính {names})", " (leaving out {names})"),
    "small": ("mẫu nhỏ: dưới 30 trả lời, cần thận trọng khi kết luận",
              "small sample: fewer than 30 answers, read with care"),
    "responses": ("Số phiếu", "Responses"),
    "previous": ("Kỳ trước ({period})", "Previous period ({period})"),
    "change": ("Thay đổi", "Change"),
    "points": ("điểm %", "points"),
    "no_previous": ("chưa có số liệu để so sánh", "nothing to compare with"),
    "all_channels": ("Mọi kênh", "Every channel"),
    "channel_kiosk": ("Máy tại Trung tâm", "Kiosk"),
    "channel_phone": ("Điện thoại", "Phone"),
    "channel_paper": ("Phiếu giấy", "Paper"),
    "by_channel": ("Theo kênh", "By channel"),
    "flagged": ("{n} phiếu điện thoại bị gắn cờ (gửi dồn dập từ cùng một mạng trong vài phút) — vẫn giữ "
                "và vẫn tính, cần xem xét.", "{n} phone response(s) flagged (a burst from one network within "
                "minutes) — kept and counted; please review."),
    "no_flagged": ("Không có phiếu bị gắn cờ.", "No flagged responses."),
    "city_wide": ("Toàn thành phố", "City-wide"),
    "by_commune": ("Theo xã / phường", "By commune"),
    "no_answers": ("Chưa có câu trả lời trong kỳ này.", "No answers in this period."),
    "distribution": ("Phân bố", "Distribution"),
    "centre_col": ("Trung tâm", "Centre"),
    "links": ("Đường dẫn", "Links"),
    # issue 19: accessibility (names for a screen reader)
    "questionnaire": ("Phiếu khảo sát", "Questionnaire"),
    "channel": ("Kênh", "Channel"),
    "entered_by": ("Người nhập", "Entered by"),
})


def words(lang: str) -> dict[str, str]:
    """Every word of the service (``central.texts``) and of these pages in ``lang``."""
    return {**texts.TEXTS.in_language(lang), **WORDS.in_language(lang)}


word = WORDS.text  # word(key, lang, **values): one of these pages' words, its {name} values filled in

"""The campaign pages' words, Vietnamese first and English (the service's other words: :mod:`central.texts`)."""

from __future__ import annotations

from rating.bilingual import Texts

from central import texts
from central.questionnaires.words import WORDS as Q_WORDS   # the channels' names, the print words

WORDS = Texts({
    "campaigns": ("Chiến dịch khảo sát", "Campaigns"),
    "start_title": ("Bắt đầu chiến dịch", "Start a campaign"),
    "questionnaire": ("Phiếu khảo sát", "Questionnaire"),
    "units": ("Xã / phường", "Communes"),
    "all_units": ("Để trống: mọi xã, phường", "None ticked: every commune"),
    "own_unit": ("Xã / phường của tài khoản", "The account's own commune"),
    "mode": ("Cách hỏi", "Mode"),
    "mode_invite": ("Mời trả lời sau khi đánh giá", "Invite after the rating"),
    "mode_replace": ("Thay cho màn hình đánh giá", "Instead of the rating"),
    "until": ("Đến hết ngày", "Until"),
    "start": ("Bắt đầu", "Start"),
    "stop": ("Dừng chiến dịch", "Stop the campaign"),
    "stopped": ("đã dừng", "stopped"),
    "running": ("đang chạy", "running"),
    "started": ("Đã bắt đầu chiến dịch {n}: mỗi máy nhận ở lần báo tình trạng kế tiếp (vài phút khi Trung tâm mở cửa).",
                "Campaign {n} started: each kiosk receives it at its next check-in (minutes while the centre is open)."),
    "refused": ("Chưa bắt đầu được: {why}", "Not started: {why}"),
    "no_campaigns": ("Chưa có chiến dịch nào.", "No campaign yet."),
    "days": ("Thời gian", "Days"),
    "by": ("Người bắt đầu", "Started by"),
    "progress": ("Tiến độ theo xã / phường và kênh", "Progress by commune and channel"),
    "population": ("N (giao dịch một năm / số hộ)", "N (a year's transactions / households)"),
    "households": ("số hộ nhập tay", "households typed"),
    "served_year": ("giao dịch năm trước", "last year's transactions"),
    "no_population": ("chưa có: nhập số giao dịch hoặc số hộ", "none yet: enter served transactions or households"),
    "sample": ("Mẫu cần (n)", "Sample needed (n)"),
    "total": ("Tổng", "Total"),
    "reached": ("Đạt", "Reached"),
    "sample_formula": ("Cỡ mẫu theo phương pháp SIPAS: n = N / (1 + N·e²), e = 5 %, làm tròn lên; N là số giao dịch của "
                "Trung tâm trong năm trước ngày bắt đầu (số liệu giao dịch đã nhập) hoặc số hộ nhập tay. "
                "Số phiếu tính từ ngày bắt đầu đến hết ngày kết thúc; tải lại trang để xem số mới nhất (trang không tự tải lại khi người dùng đang nhập).",
                "The SIPAS sample: n = N / (1 + N·e²), e = 5 %, rounded up; N is the centre's transactions in the "
                "year before the first day (the served counts entered) or the households typed. Responses count "
                "from the first day to the last; reload the page for the newest figures (it never reloads itself while someone types)."),
    "set_households": ("Nhập số hộ", "Set households"),
    "campaign_kiosks": ("Trạng thái từng máy", "Each kiosk's state"),
    "state_running": ("đang hỏi", "asking"),
    "state_waiting": ("chờ ngày bắt đầu", "waiting for its first day"),
    "state_ended": ("đã hết hạn", "over"),
    "state_stopped_here": ("đã tắt tại máy", "stopped on the kiosk"),
    "state_refused": ("máy không chạy được", "the kiosk could not run it"),
    "state_": ("chưa báo", "not reported yet"),
    "paper_title": ("Phiếu giấy: đối chiếu", "Paper forms: reconciliation"),
    "issued": ("Đã phát", "Issued"),
    "entered": ("Đã nhập", "Entered"),
    "returned": ("Trả lại (không nhập)", "Returned (not entered)"),
    "void": ("Hủy / mất", "Void / lost"),
    "out": ("Chưa thu về", "Still out"),
    "runs": ("Các lần in", "Print runs"),
    "unissued": ("{n} phiếu đã nhập mang số chưa phát", "{n} entered form(s) carry a number never issued"),
    "mark": ("Đánh dấu phiếu", "Mark forms"),
    "numbers": ("Số phiếu (vd. 12, 15-18)", "Form numbers (e.g. 12, 15-18)"),
    "mark_returned": ("trả lại", "returned"),
    "mark_void": ("hủy / mất", "void / lost"),
    "mark_clear": ("bỏ đánh dấu", "clear the mark"),
    "marked": ("Đã đánh dấu {n} phiếu.", "{n} form(s) marked."),
    "print_more": ("In thêm phiếu", "Print more forms"),
    "questionnaire_gone": ("Tệp phiếu khảo sát của chiến dịch không còn trên máy chủ.",
                           "The campaign's questionnaire file is no longer on the service."),
})


def words(lang: str) -> dict[str, str]:
    """The service's words (``central.texts``) and these pages' in ``lang``."""
    return texts.TEXTS.joined(Q_WORDS).joined(WORDS).in_language(lang)   # joined: a word defined twice, differently, is refused


word = WORDS.text  # word(key, lang, **values): one of these pages' words, its {name} values filled in

"""The pages' words, Vietnamese first and English, looked up as every catalogue is (:class:`rating.bilingual.Texts`);
numbers and dates are written by :mod:`rating.vnformat`."""

from __future__ import annotations

from datetime import datetime

from rating import vnformat
from rating.bilingual import Texts
from rating.period import LOCAL_TZ

TEXTS = Texts({
    "app": ("Đánh giá sự hài lòng — Hải Phòng", "Satisfaction ratings — Hải Phòng"),
    "home": ("Trang chủ", "Home"),
    # A refused page (central.edge.person_page): what happened, and what to do.
    "problem_400": ("Yêu cầu không hợp lệ", "Bad request"),
    "problem_400_text": ("Địa chỉ hoặc biểu mẫu có chỗ không đọc được (xem dưới đây).",
                         "Part of the address or the form could not be read (see below)."),
    "problem_403": ("Không có quyền xem", "Not allowed"),
    "problem_403_text": ("Tài khoản này chỉ xem được đơn vị của mình. Nếu cần xem đơn vị khác, hãy liên hệ quản trị "
                         "viên của thành phố.", "This account sees only its own unit. Ask the city's administrator "
                         "if you need another."),
    "problem_404": ("Không tìm thấy trang", "Page not found"),
    "problem_404_text": ("Địa chỉ này không có trang nào. Hãy quay lại trang chủ.",
                         "There is no page at this address. Go back to the home page."),
    "problem_405": ("Không dùng được cách này", "Not allowed this way"),
    "problem_405_text": ("Trang này không nhận yêu cầu kiểu đó.", "This page does not take that kind of request."),
    "problem_503": ("Dịch vụ tạm thời gián đoạn", "Service temporarily unavailable"),
    "problem_503_text": ("Cơ sở dữ liệu chưa sẵn sàng; không có gì bị mất. Hãy thử lại sau ít phút.",
                         "The database is not ready; nothing was lost. Try again in a few minutes."),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "bad_login": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "throttled": ("Quá nhiều lần đăng nhập sai. Hãy thử lại sau {wait}.",
                  "Too many failed logins. Try again in {wait}."),
    "wait_seconds": ("{n} giây", "{n} seconds"),
    "wait_minutes": ("{n} phút", "{n} minutes"),
    "overview": ("Tổng quan", "Overview"),
    "kiosks": ("Tình trạng máy", "Kiosk health"),
    "registry": ("Đăng ký máy", "Kiosk registry"),
    # Managed settings (issue 17)
    "settings_label": ("Thiết lập của cấp này, theo các mục và khoá của tệp cấu hình kiosk (TOML)",
                       "This level's settings, in the kiosk configuration's sections and keys (TOML)"),
    "settings": ("Cài đặt", "Settings"),
    "settings_intro": ("Cài đặt do máy chủ quản lý, viết như trong tệp cấu hình của máy: [kiosk] question, "
                       "opening_hours, language; [[counters]] (id, name); [report]. Mặc định của xã, rồi của trung "
                       "tâm, rồi riêng của máy (khoá sau thắng). Máy nhận ở lần báo tình trạng hoặc đồng bộ kế tiếp.",
                       "Settings the service manages, written as in the kiosk's own file: [kiosk] question, "
                       "opening_hours, language; [[counters]] (id, name); [report]. The commune's defaults, then the "
                       "centre's, then the kiosk's own (the later key wins). Kiosks take them at their next check-in "
                       "or sync."),
    "settings_units": ("Xã và trung tâm", "Communes and centres"),
    "settings_kiosks": ("Máy", "Kiosks"),
    "settings_saved": ("Đã lưu, phiên bản", "Saved, version"),
    "settings_refused": ("Không lưu: máy không thể áp dụng cài đặt này.", "Not saved: a kiosk could not apply "
                                                                         "these settings."),
    "settings_save": ("Lưu", "Save"),
    "settings_read_only": ("Tài khoản này chỉ được xem.", "This account may only read them."),
    "settings_effective": ("Cài đặt máy chạy", "Effective settings"),
    "settings_version": ("Phiên bản", "Version"),
    "settings_running": ("Máy đang chạy phiên bản", "The kiosk runs version"),
    "settings_rejected": ("Máy từ chối phiên bản", "The kiosk refused version"),
    "settings_history": ("Lịch sử thay đổi", "History of changes"),
    "settings_when": ("Lúc", "When"),
    "settings_by": ("Người sửa", "By"),
    "commune": ("Xã / phường", "Commune"),
    "rate": ("Tỷ lệ hài lòng", "Satisfaction rate"),
    "votes": ("Số phiếu", "Votes"),
    "target": ("Mục tiêu", "Target"),
    "trend": ("Xu hướng (điểm %, so với kỳ trước cùng độ dài)", "Trend (points, against the previous period of the same length)"),
    "rank": ("Hạng", "Rank"),
    "period": ("Kỳ", "Period"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "show": ("Xem", "Show"),
    "date_format": ("ngày/tháng/năm, ví dụ 22/11/2026", "day/month/year, e.g. 22/11/2026"),
    "bad_date": ("Không đọc được «{field}»: «{value}». Hãy viết ngày/tháng/năm, ví dụ 22/11/2026. "
                 "Đang hiển thị 30 ngày gần nhất.",
                 "Could not read “{field}”: “{value}”. Write day/month/year, e.g. 22/11/2026. "
                 "Showing the last 30 days."),
    "period_swapped": ("«Từ ngày» sau «Đến ngày»: đã đổi chỗ hai ngày.",
                       "“From” was after “To”: the two dates have been swapped."),
    "period_too_long": ("Kỳ dài quá 800 ngày: đang hiển thị 800 ngày đến «Đến ngày».",
                        "The period is longer than 800 days: showing the 800 days up to “To”."),
    "bad_date_quarter": ("Không đọc được «{field}»: «{value}». Hãy viết ngày/tháng/năm, ví dụ 22/11/2026. "
                         "Đang hiển thị quý hiện tại.",
                         "Could not read “{field}”: “{value}”. Write day/month/year, e.g. 22/11/2026. "
                         "Showing the current quarter."),
    "counter": ("Quầy", "Counter"),
    "officer": ("Mã công chức", "Officer code"),
    "daily": ("Theo ngày", "Daily"),
    "heatmap": ("Giờ × thứ trong tuần", "Hour × weekday"),
    "daily_rate": ("Tỷ lệ hài lòng theo ngày", "Satisfaction rate by day"),
    "heat_scale": ("Thang màu: số phiếu trong giờ đó (ô trắng: không có phiếu)",
                   "Shade: votes in that hour (white: no votes)"),
    "reasons": ("Lý do chưa hài lòng (theo yếu tố SIPAS)", "Reasons for dissatisfaction (SIPAS elements)"),
    "download_csv": ("Tải phiếu thô (CSV)", "Download raw votes (CSV)"),
    "download_xlsx": ("Tải biểu II.7 (Excel)", "Download II.7 workbook (Excel)"),
    "download_pdf": ("Tải biểu II.7 (PDF)", "Download II.7 (PDF)"),
    "kiosk": ("Máy", "Kiosk"),
    "centre": ("Trung tâm", "Centre"),
    "last_sync": ("Đồng bộ lần cuối", "Last sync"),
    "last_checkin": ("Báo tình trạng lần cuối", "Last check-in"),
    "chain": ("Chuỗi băm", "Hash chain"),
    "chain_ok": ("Nguyên vẹn", "Intact"),
    "chain_bad": ("Có vấn đề", "Has issues"),
    "status": ("Trạng thái", "Status"),
    "alerts": ("Cảnh báo", "Alerts"),
    "no_alerts": ("Không có cảnh báo.", "No alerts."),
    "register": ("Đăng ký máy mới", "Register a kiosk"),
    "rotate": ("Đổi khóa", "Rotate secret"),
    "retire": ("Ngừng sử dụng", "Retire"),
    "secret_once": ("Khóa bí mật (chỉ hiện một lần — hãy chép vào cấu hình máy):",
                    "Secret (shown once — copy it into the kiosk's configuration):"),
    "enrolment": ("Mã đăng ký máy (thay cho chép khóa bí mật)", "Enrolment code (instead of copying a secret)"),
    "make_code": ("Tạo mã đăng ký", "Make an enrolment code"),
    "code_valid": ("Mã dùng được một lần, trong {hours} giờ. Trên máy kiosk, chạy lệnh bên dưới; mã QR chứa "
                   "địa chỉ máy chủ và mã (cho máy quét).",
                   "The code works once, for {hours} hours. On the kiosk, run the command below; the QR code holds "
                   "the service's address and the code (for a scanner)."),
    "code_for": ("Mã đăng ký cho máy", "Enrolment code for kiosk"),
    "code_until": ("dùng được đến", "valid until"),
    "codes_waiting": ("Mã đăng ký chưa dùng", "Enrolment codes not used yet"),
    "retired": ("Đã ngừng", "Retired"),
    "retired_on": ("Đã ngừng từ", "Retired on"),
    "in_use": ("Đang dùng, đăng ký", "In use, registered"),
    "held_back": ("Phiếu giữ riêng (đồng hồ sai)", "Votes held back (wrong clock)"),
    "release_held": ("Đã xem — tính các phiếu này", "Reviewed — count these votes"),
    "none": ("Chưa có", "None yet"),
    # issue 18: sample size and margins
    "interval": ("KTC 95 %", "95 % CI"),
    "verdict": ("Kết quả", "Verdict"),
    "dat": ("Đạt", "Met"),
    "chua_dat": ("Chưa đạt", "Not met"),
    "chua_du_mau": ("Chưa đủ mẫu", "Too few votes"),
    "uncertain": ("chưa chắc chắn", "not certain"),
    "uncertain_tail": (" (chưa chắc chắn)", " (not certain)"),
    "method": ("Tỷ lệ hài lòng kèm khoảng tin cậy 95 % (KTC, phương pháp Wilson): với 95 % độ tin cậy, tỷ lệ thật nằm "
               "trong khoảng ấy. Dưới {min_n} phiếu: Chưa đủ mẫu, không xếp hạng. Kết quả Đạt / Chưa đạt theo tỷ lệ so "
               "với mục tiêu; \"chưa chắc chắn\" khi khoảng tin cậy chứa mục tiêu.",
               "Each rate with its 95 % confidence interval (Wilson): with 95 % confidence the true rate lies in it. "
               "Fewer than {min_n} votes: too few votes, not ranked. Met / not met compares the rate with the target; "
               "\"not certain\" when the interval holds the target."),
    "below_target": ("dưới mục tiêu", "below target"),
    "language": ("English", "Tiếng Việt"),
    "all_communes": ("Tất cả xã / phường", "All communes"),
    "version": ("Phiên bản", "Version"),
    # The kiosk-health page's version filter (issue 17).
    "unit_filter": ("Đơn vị", "Unit"),
    "all_versions": ("Mọi phiên bản", "Every version"),
    "versions_behind": ("Cũ hơn bản mới nhất", "Behind the newest"),
    "newest_version": ("Phiên bản mới nhất đang chạy", "Newest version in use"),
    "behind": ("cần cập nhật", "to update"),
    "filter_go": ("Lọc", "Filter"),
    "waiting": ("Phiếu chờ gửi", "Waiting votes"),
    "boxes": ("Hộp nút", "Button boxes"),
    "disk": ("Dung lượng trống", "Free disk"),
    "skew": ("Lệch đồng hồ", "Clock skew"),
    "last_vote": ("Phiếu gần nhất", "Last vote"),
    "last_backup": ("Sao lưu đã kiểm chứng", "Last verified backup"),
    "clock_state": ("Đồng hồ", "Clock"),
    "uptime": ("Đã chạy", "Up for"),
    "needs": ("Cần xem", "Needs a person"),
    "no_data": ("Chưa có phiếu trong kỳ này.", "No votes in this period."),
    "weekday_names": ("T2,T3,T4,T5,T6,T7,CN", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    # issue 19: accessibility (a screen reader's words for what the eye sees without them)
    "skip_to_main": ("Bỏ qua, đến nội dung chính", "Skip to the main content"),
    "main_menu": ("Trình đơn chính", "Main menu"),
    "counter_name": ("Tên quầy", "Counter name"),
    "rate_bar": ("Tỷ lệ so với mục tiêu (biểu đồ)", "Rate against the target (bar)"),
    "actions": ("Thao tác", "Actions"),
    "note": ("Ghi chú", "Note"),
    # issue 18: served transactions and the response rate
    "response": ("Tỷ lệ phản hồi", "Response rate"),
    "served": ("Số giao dịch", "Transactions"),
    "chua_dai_dien": ("chưa đại diện", "not representative"),
    "nhieu_phieu": ("nhiều phiếu hơn giao dịch", "more votes than transactions"),
    "response_method": ("Tỷ lệ phản hồi = số phiếu được tính / số giao dịch đã phục vụ, trên các ngày và quầy đã có số "
                        "giao dịch; dưới 10 %: chưa đại diện; trên 100 %: nhiều phiếu hơn giao dịch; — : chưa có số giao dịch.",
                        "Response rate = counted votes / transactions served, over the days and counters whose "
                        "transactions were given; below 10 %: not representative; above 100 %: more votes than "
                        "transactions; —: no transactions given."),
    "served_title": ("Số giao dịch đã phục vụ", "Transactions served"),
    "served_week": ("Tuần", "Week"),
    "served_previous": ("← Tuần trước", "← Previous week"),
    "served_next": ("Tuần sau →", "Next week →"),
    "served_grid_help": ("Mỗi ô: số giao dịch của quầy trong ngày. Ô trống: không thay đổi; số mới thay số cũ.",
                         "Each cell: the counter's transactions that day. A blank cell changes nothing; a new number "
                         "replaces the old one."),
    "served_save": ("Lưu", "Save"),
    "served_saved": ("Đã lưu: {stored} số mới, {replaced} số thay thế.", "Saved: {stored} new, {replaced} replaced."),
    "served_upload": ("Nhập từ tệp CSV", "Import a CSV file"),
    "served_upload_help": ("Dòng đầu: date,kiosk,counter,served; mỗi dòng sau: ngày (2026-11-22 hoặc 22/11/2026), "
                           "mã máy, mã quầy, số giao dịch. Tệp có dòng lỗi không được lưu.",
                           "First line: date,kiosk,counter,served; then one line each: the day (2026-11-22 or "
                           "22/11/2026), the kiosk id, the counter id, the transactions. A file with a bad line is not stored."),
    "served_no_file": ("Chưa chọn tệp.", "No file chosen."),
    "served_too_big": ("Tệp lớn quá {limit} KB.", "The file is over {limit} KB."),
    "served_line": ("Dòng {line}: {reason}", "Line {line}: {reason}"),
    "served_unknown_action": ("Thao tác không rõ.", "Unknown action."),
    "served_no_counters": ("Chưa có quầy: máy chưa đồng bộ.", "No counters yet: the kiosks have not synced."),
    "served_tokens": ("Mã truy cập cho hệ thống một cửa (POST /v1/served)", "Tokens for the one-stop system (POST /v1/served)"),
    "served_token_once": ("Mã truy cập (chỉ hiện một lần — hãy chép vào hệ thống một cửa):",
                          "Token (shown once — copy it into the one-stop system):"),
    "served_new_token": ("Tạo mã mới", "New token"),
    "served_label": ("Ghi chú", "Label"),
    "served_created": ("Tạo lúc", "Created"),
    "served_last_used": ("Dùng lần cuối", "Last used"),
    "served_revoke": ("Thu hồi", "Revoke"),
    "served_revoked": ("Đã thu hồi", "Revoked"),
    # issue 18: acting on low ratings, the plans' deadlines, the evidence bundle
    "actions_title": ("Việc cần khắc phục", "Items to act on"),
    "actions_help": ("Mỗi việc: các phiếu Không hài lòng / Rất không hài lòng của một quầy trong một tuần; hạn xử lý "
                     "{days} ngày làm việc từ phiếu đầu tiên. Không có thông tin nhận dạng người đánh giá.",
                     "Each item: the Dissatisfied / Very dissatisfied ratings of a counter in a week; due {days} working "
                     "days after the first. Nothing identifies who rated."),
    "actions_none": ("Không có phiếu chưa hài lòng trong kỳ này.", "No low ratings in this period."),
    "actions_week": ("Tuần", "Week"),
    "actions_low": ("Phiếu KHL / RKHL", "Low ratings"),
    "actions_reasons": ("Lý do", "Reasons"),
    "actions_when": ("Thời điểm (theo giờ)", "When (to the hour)"),
    "actions_officers": ("Mã công chức", "Officer codes"),
    "actions_due": ("Hạn", "Due"),
    "actions_status": ("Tình trạng", "Status"),
    "actions_action": ("Biện pháp khắc phục", "Action taken"),
    "actions_acknowledge": ("Tiếp nhận", "Acknowledge"),
    "actions_save": ("Lưu biện pháp", "Save the action"),
    "actions_close": ("Đóng việc", "Close"),
    "actions_read_only": ("Chỉ xã / phường và trung tâm ghi biện pháp; tài khoản này chỉ xem.",
                          "Only the commune and the centre write actions; this account reads."),
    "deadlines_title": ("Hạn nộp theo kế hoạch", "The plan's deadlines"),
    "deadline_days_left": ("còn {days} ngày", "{days} day(s) left"),
    "deadline_today": ("hôm nay", "today"),
    "bundle_title": ("Bộ minh chứng II.7", "The II.7 evidence bundle"),
    "bundle_help": ("Một tệp ZIP: biểu II.7 (Excel và PDF) từng quý và cả năm, kết quả phiếu khảo sát, mã kiểm tra, "
                    "danh sách phiếu kèm mã băm, phụ lục việc cần khắc phục.",
                    "One ZIP: the II.7 workbook and PDF for each quarter and the year, the questionnaire results, the "
                    "verification codes, the vote list with its digest, the actions annex."),
    "bundle_download": ("Tải bộ minh chứng năm {year}", "Download the {year} evidence bundle"),
})
t = TEXTS.text  # t(key, lang, **values)


ALERTS = Texts({
    "silent": ("không đồng bộ hai đêm liền", "silent for two nights"),
    "chain": ("{issues} vấn đề ở chuỗi băm", "{issues} chain issue(s)"),
    "clock": ("đồng hồ của kiosk sai: {held} phiếu mang thời điểm không thể có (sau lúc đến máy chủ, hoặc trước "
              "năm 2020), được giữ riêng, không tính vào báo cáo. Hãy chỉnh đồng hồ kiosk (kiểm tra mạng tới máy chủ "
              "thời gian), rồi quản trị viên xem lại các phiếu này và quyết định",
              "the kiosk's clock is wrong: {held} vote(s) carry a time that cannot be (after they reached the "
              "service, or before 2020), held apart and not counted in any report. Set the kiosk's clock (check "
              "its network to a time server), then an administrator reviews these votes and decides"),
    "below_target": ("tuần qua {pct} ({ci}) trên {n} phiếu — dưới mục tiêu {target}{uncertain}",
                     "last week {pct} ({ci}) from {n} votes — below the {target} target{uncertain}"),
    "repeats": ("phiếu bấm lặp tăng đột biến: {flagged} trong tuần", "flagged repeats rising: {flagged} this week"),
    # From the kiosks' check-ins (issue 17): each says what a person should do.
    "silent_open": ("không báo tình trạng từ {since}, trong giờ mở cửa: kiểm tra máy có bật, có điện và có mạng "
                    "(cáp hoặc wifi); nếu màn hình treo, tắt rồi bật lại máy",
                    "no check-in since {since}, during opening hours: check the kiosk is on, powered and on the "
                    "network (cable or Wi-Fi); if its screen is frozen, switch it off and on again"),
    "boxes_missing": ("chỉ {heard}/{configured} hộp nút đang liên lạc: kiểm tra cáp USB và nguồn của hộp nút",
                      "only {heard} of {configured} button boxes heard: check the boxes' USB cables and power"),
    "backup_old": ("không có bản sao lưu đã kiểm chứng gần đây (gần nhất: {at}): trên máy, chạy "
                   "`python main.py doctor` và `python main.py backup`, kiểm tra ổ sao lưu",
                   "no recent verified backup (last: {at}): on the kiosk, run `python main.py doctor` and "
                   "`python main.py backup`, and check the backup drive"),
    "clock_suspect": ("đồng hồ của máy đáng ngờ: kiểm tra mạng tới máy chủ thời gian; phiếu vẫn được ghi nhưng bị đánh dấu",
                      "the kiosk's clock is suspect: check its network to a time server; votes are still recorded, "
                      "marked"),
    # Acting on low ratings (issue 18)
    "actions_overdue": ("{overdue} việc cần khắc phục quá hạn (hạn sớm nhất {due}): ghi biện pháp và đóng việc trên "
                        "trang của xã / trung tâm",
                        "{overdue} item(s) to act on overdue (earliest due {due}): write the action and close them on "
                        "the commune's or centre's page"),
    "deadline_dang_ky_muc": ("còn {days} ngày đến hạn đăng ký mức đạt chuẩn “Chính quyền thân thiện” gửi Sở "
                             "Nội vụ ({due})",
                             "{days} day(s) left to register the level of “Friendly government” with the "
                             "Department of Home Affairs ({due})"),
    "deadline_bao_cao_tu_danh_gia": ("còn {days} ngày đến hạn gửi báo cáo tự đánh giá, chấm điểm ({due}): tải bộ minh "
                                     "chứng II.7 trên trang của xã",
                                     "{days} day(s) left to send the self-assessment report ({due}): download the II.7 "
                                     "evidence bundle on the commune's page"),
    "version_behind": ("đang chạy phần mềm {version}, trong khi máy mới nhất chạy {newest}: cập nhật phần mềm máy "
                       "(docs/operations.md)",
                       "runs software {version} while the newest kiosk runs {newest}: update the kiosk's software "
                       "(docs/operations.md)"),
    "settings_rejected": ("từ chối cài đặt phiên bản {version}, vẫn chạy cài đặt cũ: {reason}. Sửa cài đặt trên trang "
                          "Cài đặt (hoặc sửa tệp cấu hình trên máy cho khớp)",
                          "refused settings version {version} and keeps running the last good ones: {reason}. "
                          "Correct the settings on the Settings page (or the device's own file to match)"),
})


def alert_text(alert, lang: str) -> str:
    """One alert as a sentence, numbers in the Vietnamese format."""
    f = dict(alert.figures)
    if "pct" in f:
        f["pct"] = vnformat.percent(f["pct"])
    if "target" in f:
        f["target"] = f"{vnformat.decimal(f['target'], 0)} %"
    if "ci" in f:   # a rate's 95 % interval, N and certainty (issue 18)
        f["ci"] = vnformat.interval(f["ci"], lang)
        f["n"] = vnformat.integer(f["n"], lang)
        f["uncertain"] = TEXTS.text("uncertain_tail", lang) if f.get("uncertain") else ""
    return ALERTS.text(alert.kind, lang, **f)


def local_time(stamp: str | None) -> str | None:
    """An ISO time (UTC) as the centre reads it: ``22/11/2026 13:07`` in Hải Phòng's time."""
    if not stamp:
        return None
    return vnformat.moment(datetime.fromisoformat(stamp).astimezone(LOCAL_TZ), seconds=False)

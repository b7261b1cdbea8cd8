"""The manager screens' own words, in Vietnamese and English, joined to the one catalogue
(:data:`kiosk.ui.strings.CATALOGUE`) so that :func:`~kiosk.ui.strings.t` and the glyph checks see them.

Kept in their own file so the citizen screens' catalogue and these can change apart; a key may
not be defined twice. No Kivy here.
"""

from __future__ import annotations

from rating.bilingual import Texts

MANAGER = Texts({
    "m_st_auth_error": ("Máy chủ trung tâm không nhận khoá của kiosk này ({error}). Phiếu vẫn chờ gửi, không "
                        "mất phiếu nào: nhờ cán bộ kỹ thuật kiểm tra khoá của kiosk và việc đăng ký kiosk trên máy chủ.",
                        "The central service does not accept this kiosk's key ({error}). Votes keep waiting, "
                        "none is lost: ask the technician to check the kiosk's key and its registration on the server."),
    "m_pin_again": ("Đã hết thời gian khoá. Có thể nhập lại mã PIN.", "The lock-out is over. You may enter the PIN again."),
    "m_by_counter": ("Theo quầy", "By counter"),
    "m_by_officer": ("Theo cán bộ", "By officer"),
    "m_day": ("Ngày {day}", "Day {day}"),
    "m_month": ("Tháng {month} ({period})", "Month {month} ({period})"),
    "m_quarter": ("Quý {quarter}/{year} ({period})", "Quarter {quarter} {year} ({period})"),
    "m_last_month": ("Tháng trước", "Last month"),
    "m_last_quarter": ("Quý trước", "Last quarter"),
    "m_col_total": ("Tổng\nsố phiếu", "Votes\ncounted"),
    "m_col_pct": ("Tỷ lệ hài lòng\n(KTC 95 %)", "Satisfied\n(95 % CI)"),
    "m_col_flagged": ("Phiếu lặp\n(không tính)", "Repeats\n(not counted)"),
    "m_no_votes": ("chưa có phiếu nào", "no votes yet"),
    "m_tab_hint_codes": ("Mức: {legend}", "Levels: {legend}"),
    # roster
    "m_roster_title": ("Phân công cán bộ ngày {day}", "Officers on duty, {day}"),
    "m_roster_hint": ("Chạm vào ô mã của một quầy, rồi nhập mã cán bộ bằng bàn phím trên màn hình.",
                      "Touch a counter's code box, then type the officer's code on the pad."),
    "m_roster_save": ("Lưu phân công", "Save the roster"),
    "m_roster_saved": ("Đã lưu phân công ngày {day}", "Roster saved for {day}"),
    "m_roster_none": ("(trống)", "(none)"),
    "m_clear": ("Xoá hết", "Clear"),
    # totals: on a landscape panel narrower than 1500 px the chart takes the table's place at a touch
    "m_chart": ("Biểu đồ", "Chart"),
    "m_table": ("Bảng số", "Table"),
    # export
    "m_export_where": ("Xuất vào:", "Export to:"),
    "m_export_rescan": ("Tìm lại USB", "Look for USB again"),
    "m_export_no_drive": ("Chưa thấy USB nào. Hãy cắm USB rồi bấm “Tìm lại USB”.",
                          "No USB stick found. Plug one in and touch “Look for USB again”."),
    "m_drive": ("USB {point} ({fstype})", "USB {point} ({fstype})"),
    "m_drive_ro": ("USB {point} ({fstype}) — chỉ đọc: gạt khoá chống ghi trên USB rồi cắm lại",
                   "USB {point} ({fstype}) — read-only: slide its write-protect switch off and plug it in again"),
    "m_configured": ("Thư mục cấu hình: {path}", "Configured folder: {path}"),
    "m_export_what": ("Loại tệp:", "File:"),
    "m_fmt_csv": ("Bảng số liệu CSV", "CSV table"),
    "m_fmt_xlsx": ("Bảng tổng hợp II.7 (Excel)", "II.7 summary (Excel)"),
    "m_fmt_pdf": ("Bảng tổng hợp II.7 (PDF)", "II.7 summary (PDF)"),
    "m_fmt_votes": ("Danh sách phiếu (CSV)", "Vote list (CSV)"),
    "m_export_period": ("Kỳ báo cáo:", "Period:"),
    "m_period_month": ("Tháng này", "This month"),
    "m_period_quarter": ("Quý này", "This quarter"),
    "m_period_year": ("Năm nay", "This year"),
    "m_period_custom": ("Chọn ngày", "Choose dates"),
    "m_from": ("Từ ngày", "From"),
    "m_to": ("Đến ngày", "To"),
    "m_export_go": ("Xuất {what}\n{period}", "Export {what}\n{period}"),
    "m_export_busy": ("Đang xuất… {pct}", "Exporting… {pct}"),
    "m_exported": ("Đã xuất: {path}", "Exported: {path}"),
    "m_export_failed": ("Không xuất được: {error}", "Export failed: {error}"),
    "m_export_pick": ("Hãy chọn một USB trong danh sách.", "Choose a USB stick from the list."),
    "m_export_no_stick": ("Chưa cắm USB nào. Hãy cắm USB vào máy rồi bấm “Tìm lại USB”.",
                          "No USB stick is plugged in. Plug one in, then touch “Look for USB again”."),
    # header, leaving, sync
    "m_leave_title": ("Thoát chế độ kiosk?", "Leave kiosk mode?"),
    "m_leave_body": ("Màn hình đánh giá sẽ đóng và hộp nút bấm ngừng nhận phiếu.",
                     "The rating screen will close and the button boxes stop taking votes."),
    # what happens next: the kiosk's service (deploy/rating-kiosk*.service, Restart=always) brings it back
    "m_leave_back": ("Kiosk được cài như một dịch vụ: nó sẽ tự mở lại sau vài giây. Muốn tắt hẳn thì tắt máy.",
                     "The kiosk is installed as a service: it comes back by itself in a few seconds. To stop it "
                     "for good, switch the machine off."),
    "m_leave_manual": ("Kiosk không tự mở lại (chưa cài như một dịch vụ). Người dân không thể đánh giá cho đến khi "
                       "kiosk được mở lại bằng lệnh: python main.py run",
                       "The kiosk does not come back by itself (it is not installed as a service). Citizens cannot "
                       "rate until it is started again with: python main.py run"),
    "m_leave_yes": ("Thoát", "Leave"),
    "m_cancel": ("Huỷ", "Cancel"),
    "m_sync_unset": ("Không đồng bộ được: kiosk này chưa được nối với máy chủ trung tâm. Phiếu vẫn được giữ an "
                     "toàn trên máy; nhờ cán bộ kỹ thuật khai báo máy chủ.",
                     "Cannot sync: this kiosk is not connected to a central service. Votes stay safe on the "
                     "kiosk; ask the technician to set the server up."),
    "m_sync_started": ("Đang đồng bộ với máy chủ…", "Syncing with the central service…"),
    "m_st_clock": ("Đồng hồ: {now}", "Clock: {now}"),
    "m_st_health": ("Sức khoẻ của máy", "Health"),
    # managed settings (issue 17): read-only here, each key with where it comes from (as config --effective says)
    "m_st_managed": ("Cài đặt do máy chủ quản lý (phiên bản {version}), chỉ xem, sửa trên máy chủ",
                     "Settings managed by the service (version {version}), read-only: change them on the service"),
    "m_st_managed_pending": ("Phiên bản {version} đã nhận: áp dụng khi không có người đang đánh giá",
                             "Version {version} received: it applies when no citizen is rating"),
    "m_st_source_service": ("máy chủ", "service"),
    # the questionnaire tab
    "tab_questionnaire": ("Phiếu khảo sát", "Questionnaire"),
    "mq_which": ("Phiếu", "Form"),
    "mq_where": ("Ở đâu", "Where"),
    "mq_how": ("Cách hỏi", "How"),
    "mq_until": ("Đến hết", "Until"),
    "mq_invite": ("Mời sau đánh giá", "Invite after rating"),
    "mq_replace": ("Thay cho đánh giá", "Instead of rating"),
    "mq_no_end": ("Không hạn", "No end"),
    "mq_clear_end": ("Bỏ hạn", "No end date"),  # the button: its row already shows "Không hạn" when there is none
    "mq_start": ("Bật phiếu", "Start"),
    "mq_stop": ("Tắt phiếu ở đây", "Stop here"),
    "mq_whole_kiosk": ("Cả kiosk (mọi quầy)", "The whole kiosk"),
    "mq_none_found": ("Không có phiếu nào (xem assets/questionnaires/)", "No questionnaire found"),
    "mq_nothing_on": ("Chưa bật phiếu khảo sát nào.", "No questionnaire is on."),
    "mq_on_line": ("Đang bật: {id} v{version} — {where}, {how}", "On: {id} v{version} — {where}, {how}"),
    "mq_until_day": (", đến hết {day}", ", until {day}"),
    "mq_started": ("Đã bật phiếu {id}: {where}", "Questionnaire {id} on: {where}"),
    "mq_stopped": ("Đã tắt phiếu khảo sát", "Questionnaire off"),
    "mq_not_started": ("Không bật được: {error}", "Not started: {error}"),
    "mq_not_stopped": ("Không tắt được: {error}", "Not stopped: {error}"),
    "mq_results": ("Kết quả tại kiosk này, {quarter} ({period})", "This kiosk's results, {quarter} ({period})"),
    "mq_index": ("Chỉ số chung: {index} · {n} phiếu trả lời", "Overall index: {index} · {n} responses"),
    "mq_small": ("mẫu nhỏ (dưới 30)", "small sample (under 30)"),
    "mq_small_short": ("mẫu nhỏ", "small"),
    "mq_element": ("Yếu tố", "Element"),
    "mq_star": ("* không tính vào chỉ số chung", "* not in the overall index"),
    "mq_col_index": ("Chỉ số", "Index"),
    "mq_col_answered": ("Trả lời", "Answers"),
})

"""The plans' yearly deadlines for a commune (Kế hoạch triển khai mô hình "Chính quyền thân thiện",
its table of tasks): registering the level of "Chính quyền thân thiện" with the Department of Home Affairs
"trước ngày 15/02 hằng năm", and the self-assessment report to the city "trước ngày 12/11 hằng năm".
The commune's page shows each with the days left, and an alert reminds :data:`REMIND_DAYS` before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REMIND_DAYS = 30   # an alert this many days (or fewer) before a deadline


@dataclass(frozen=True)
class Deadline:
    """One yearly deadline: its key, its day and month, and the plan's words."""
    key: str
    day: int
    month: int
    vi: str
    en: str

    def on(self, year: int) -> date:
        """The deadline's day in ``year``."""
        return date(year, self.month, self.day)

    def next_on(self, today: date) -> date:
        """This year's day when it has not passed yet (today included), else next year's."""
        this = self.on(today.year)
        return this if today <= this else self.on(today.year + 1)


DEADLINES = (
    Deadline("dang_ky_muc", 15, 2,
             "Đăng ký mức đạt chuẩn “Chính quyền thân thiện” gửi Sở Nội vụ (trước ngày 15/02 hằng năm)",
             "Register the level of “Friendly government” with the Department of Home Affairs "
             "(before 15/02 each year)"),
    Deadline("bao_cao_tu_danh_gia", 12, 11,
             "Báo cáo tự đánh giá, chấm điểm kết quả thực hiện gửi UBND thành phố qua Sở Nội vụ "
             "(trước ngày 12/11 hằng năm)",
             "Self-assessment report to the City People's Committee through the Department of Home Affairs "
             "(before 12/11 each year)"),
)


@dataclass(frozen=True)
class Reminder:
    """A deadline as seen on ``today``: its next day, the days left, and whether to remind now."""
    deadline: Deadline
    due: date
    days_left: int

    @property
    def remind(self) -> bool:
        """True from :data:`REMIND_DAYS` before the day to the day itself."""
        return self.days_left <= REMIND_DAYS


def reminders(today: date) -> list[Reminder]:
    """Every deadline's next occurrence from ``today``, soonest first."""
    out = [Reminder(d, d.next_on(today), (d.next_on(today) - today).days) for d in DEADLINES]
    return sorted(out, key=lambda r: r.due)

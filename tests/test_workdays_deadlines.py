"""Working days and the plans' deadlines (issue 18), from dates alone: the due date of an item of "Việc cần
khắc phục" skips Saturdays, Sundays and the public holidays; the two yearly deadlines and their reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rating.deadlines import DEADLINES, REMIND_DAYS, reminders
from rating.workdays import DUE_WORKING_DAYS, add_working_days, holidays, is_working_day


def count_by_hand(start: date, n: int, closed: set[date]) -> date:
    """The n-th day after ``start`` that is Monday–Friday and not in ``closed`` (written apart from the code)."""
    d, left = start, n
    while left:
        d += timedelta(days=1)
        if d.isoweekday() <= 5 and d not in closed:
            left -= 1
    return d


def test_fifteen_working_days_after_a_friday_is_the_friday_three_weeks_on():
    assert DUE_WORKING_DAYS == 15
    assert add_working_days(date(2026, 11, 6), 15) == date(2026, 11, 27)


def test_a_low_rating_on_a_saturday_or_sunday_is_due_as_one_on_the_friday_before():
    # Saturday and Sunday are not counted, so they start the count where Friday does (Monday is day 1).
    assert add_working_days(date(2026, 11, 7), 15) == add_working_days(date(2026, 11, 8), 15) == date(2026, 11, 27)


def test_the_due_day_is_never_a_weekend_and_matches_a_count_by_hand_over_a_year():
    for i in range(0, 365, 3):
        start = date(2026, 1, 1) + timedelta(days=i)
        due = add_working_days(start, 15)
        assert due.isoweekday() <= 5 and is_working_day(due)
        assert due == count_by_hand(start, 15, set(holidays(2026)) | set(holidays(2027)))


def test_tet_and_the_fixed_holidays_are_not_working_days():
    assert {date(2026, 1, 1), date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 2), date(2026, 4, 26)} <= holidays(2026)
    tet = {date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20)}
    assert tet <= holidays(2026) and not any(is_working_day(d) for d in tet)
    # An item opened on the Friday before Tết 2026 is due a week later than the weekends alone would say.
    assert add_working_days(date(2026, 2, 13), 15) == count_by_hand(date(2026, 2, 13), 15, tet | {date(2026, 4, 30)})
    assert add_working_days(date(2026, 2, 13), 15) == date(2026, 3, 13)


def test_the_eve_of_a_tet_in_january_belongs_to_the_year_before():
    assert date(2025, 1, 28) in holidays(2025)          # Tết 2025: 29/01; its eve the 28th
    assert date(2027, 2, 5) in holidays(2027) and all(d.year == 2028 for d in holidays(2028))


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="-1"):
        add_working_days(date(2026, 11, 6), -1)


def test_the_plans_deadlines_are_15_02_and_12_11_in_the_plans_words():
    by_key = {d.key: d for d in DEADLINES}
    assert by_key["dang_ky_muc"].on(2027) == date(2027, 2, 15) and "trước ngày 15/02 hằng năm" in by_key["dang_ky_muc"].vi
    assert by_key["bao_cao_tu_danh_gia"].on(2026) == date(2026, 11, 12)
    assert "tự đánh giá" in by_key["bao_cao_tu_danh_gia"].vi and "trước ngày 12/11 hằng năm" in by_key["bao_cao_tu_danh_gia"].vi


@pytest.mark.parametrize("today,first_key,days_left,remind", [
    (date(2026, 11, 1), "bao_cao_tu_danh_gia", 11, True),
    (date(2026, 11, 12), "bao_cao_tu_danh_gia", 0, True),      # the day itself
    (date(2026, 11, 13), "dang_ky_muc", 94, False),            # the day after: next February's comes first
    (date(2026, 10, 13), "bao_cao_tu_danh_gia", 30, True),     # exactly REMIND_DAYS before
    (date(2026, 10, 12), "bao_cao_tu_danh_gia", 31, False),
])
def test_each_deadline_shows_its_days_left_and_reminds_from_30_days_before(today, first_key, days_left, remind):
    assert REMIND_DAYS == 30
    first = reminders(today)[0]
    assert (first.deadline.key, first.days_left, first.remind) == (first_key, days_left, remind)
    assert first.due == today + timedelta(days=days_left)

"""Opening hours: when the centre opens next (what the closed screen tells a citizen)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from rating.hours import ALWAYS_OPEN, parse_hours

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS = parse_hours(["Mon-Fri 07:30-11:30 13:30-17:00", "Sat 07:30-11:30"])


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)  # 14 December 2026 is a Monday


def test_at_lunch_the_centre_opens_again_the_same_afternoon():
    assert HOURS.next_opening(at(14, 12, 5)) == at(14, 13, 30)


def test_on_a_weekday_evening_it_opens_the_next_morning():
    assert HOURS.next_opening(at(14, 17, 0)) == at(15, 7, 30)


def test_on_saturday_afternoon_it_opens_on_monday_morning():
    assert HOURS.next_opening(at(19, 12, 0)) == at(21, 7, 30)


def test_before_the_first_span_it_opens_that_morning():
    assert HOURS.next_opening(at(16, 6, 0)) == at(16, 7, 30)


def test_a_centre_always_open_has_no_next_opening():
    assert ALWAYS_OPEN.next_opening(at(14, 12)) is None

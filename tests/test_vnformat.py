"""Numbers, dates and export periods as a Vietnamese reader expects them (no Kivy)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rating import period as periods, vnformat


def test_percentages_have_a_decimal_comma_and_a_space_before_the_sign():
    assert vnformat.percent(84.5) == "84,5 %"
    assert vnformat.percent(100.0) == "100,0 %"
    assert vnformat.percent(0.04) == "0,0 %"


def test_no_votes_is_a_dash_not_zero_per_cent():
    assert vnformat.percent(None) == "—"


def test_thousands_are_grouped_with_dots():
    assert vnformat.integer(1234567) == "1.234.567"
    assert vnformat.integer(999) == "999"
    assert vnformat.integer(-1200) == "-1.200"
    assert vnformat.decimal(1234.56, 1) == "1.234,6"
    assert vnformat.decimal(-0.01, 1) == "0,0"


def test_a_missing_figure_is_a_dash_in_every_number_format():
    assert vnformat.decimal(None) == vnformat.percent(None) == vnformat.signed(None) == "—"


def test_a_change_carries_its_sign_and_a_change_that_rounds_to_nothing_carries_none():
    assert vnformat.signed(1.84) == "+1,8" and vnformat.signed(-3.14) == "-3,1"
    assert vnformat.signed(0.04) == vnformat.signed(-0.04) == vnformat.signed(0) == "0,0"
    assert vnformat.signed(1234.5) == "+1.234,5"


def test_numbers_on_a_screen_shown_in_english_are_written_the_english_way():
    assert vnformat.integer(2642, "en") == "2,642" and vnformat.integer(2642, "vi") == "2.642"
    assert vnformat.integer(-1234567, "en") == "-1,234,567"
    assert vnformat.decimal(1234.56, 1, "en") == "1,234.6"
    assert vnformat.percent(84.5, lang="en") == "84.5%" and vnformat.percent(None, lang="en") == "—"
    assert vnformat.gib(13 * 2**30 + 2**29, "en") == "13.5 GiB" and vnformat.gib(13 * 2**30 + 2**29) == "13,5 GiB"


def test_dates_are_written_day_first_with_leading_zeros():
    assert vnformat.day(date(2026, 11, 22)) == "22/11/2026"
    assert vnformat.day(date(2026, 1, 5)) == "05/01/2026"
    assert vnformat.moment(datetime(2026, 2, 3, 9, 5, 7)) == "03/02/2026 09:05:07"


def test_a_period_is_one_day_or_two_dates():
    assert vnformat.period(date(2026, 11, 22), date(2026, 11, 22)) == "22/11/2026"
    assert vnformat.period(date(2026, 11, 1), date(2026, 11, 22)) == "01/11/2026 – 22/11/2026"


def test_stored_timestamps_are_shown_day_first_and_odd_ones_are_kept():
    assert vnformat.iso_moment("2026-11-22T09:05:03+07:00") == "22/11/2026 09:05"
    assert vnformat.iso_moment(None) == "—"
    assert vnformat.iso_moment("yesterday") == "yesterday"


def test_sizes_are_in_gib_with_a_comma():
    assert vnformat.gib(3 * 2**30 // 2) == "1,5 GiB"


@pytest.mark.parametrize("today, month, quarter, year", [
    (date(2026, 11, 22), date(2026, 11, 1), date(2026, 10, 1), date(2026, 1, 1)),
    (date(2026, 3, 31), date(2026, 3, 1), date(2026, 1, 1), date(2026, 1, 1)),
    (date(2026, 4, 1), date(2026, 4, 1), date(2026, 4, 1), date(2026, 1, 1)),
])
def test_named_periods_start_on_their_first_day_and_end_today(today, month, quarter, year):
    assert periods.named("month", today) == (month, today)
    assert periods.named("quarter", today) == (quarter, today)
    assert periods.named("year", today) == (year, today)


@pytest.mark.parametrize("today, month, quarter", [
    (date(2026, 12, 15), (date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 7, 1), date(2026, 9, 30))),
    (date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31)), (date(2025, 10, 1), date(2025, 12, 31))),
    (date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28)), (date(2025, 10, 1), date(2025, 12, 31))),
    (date(2024, 3, 1), (date(2024, 2, 1), date(2024, 2, 29)), (date(2023, 10, 1), date(2023, 12, 31))),
    (date(2026, 4, 1), (date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 1, 1), date(2026, 3, 31))),
])
def test_last_month_and_last_quarter_are_the_whole_periods_before_today_s(today, month, quarter):
    assert periods.named("last_month", today) == month
    assert periods.named("last_quarter", today) == quarter


def test_quarters_are_named_in_roman_numerals():
    assert periods.quarter_label(date(2026, 11, 22)) == "Quý IV/2026"
    assert periods.quarter_label(date(2026, 2, 1)) == "Quý I/2026"


def test_stepping_a_chosen_period_keeps_it_in_order_and_never_past_today():
    today = date(2026, 11, 22)
    assert periods.step(date(2026, 11, 20), today, "to", 1, today) == (date(2026, 11, 20), today)
    assert periods.step(date(2026, 11, 20), date(2026, 11, 21), "from", 5, today) == (date(2026, 11, 21),) * 2
    assert periods.step(date(2026, 11, 20), date(2026, 11, 21), "to", -5, today) == (date(2026, 11, 20),) * 2
    assert periods.step(date(2026, 11, 20), today, "from", -30, today) == (date(2026, 10, 21), today)
    with pytest.raises(ValueError):
        periods.step(today, today, "middle", 1, today)


def test_the_service_shows_a_stored_utc_time_in_hai_phongs_time():
    from central.texts import local_time
    assert local_time("2026-11-22T06:07:00+00:00") == "22/11/2026 13:07"
    assert local_time("2026-11-22T18:30:00+00:00") == "23/11/2026 01:30"  # the next day there

"""The 95 % Wilson interval, the minimum sample, the verdict and the ranking (issue 18), each computed again
here from the textbook (Wilson 1927: the roots of (p̂ − p)² = z²·p(1 − p)/n), never from the code under test."""

from __future__ import annotations

import pytest

from rating import rate, vnformat
from rating.rate import MIN_N, Rate, Verdict
from tests.helpers.intervals import textbook_verdict, textbook_wilson

CASES = [(0, 0), (1, 1), (0, 1), (30, 30), (0, 30), (29, 30), (27, 30), (1, 29), (412, 466), (81, 263),
         (999, 1000), (1, 1000), (5000, 10000), (17, 40)]


@pytest.mark.parametrize("x,n", CASES)
def test_the_interval_is_the_textbook_wilson_interval(x, n):
    assert rate.wilson(x, n) == textbook_wilson(x, n)


def test_known_values_of_the_wilson_interval_are_met():
    # Published values: no success in 10 trials gives (0, 0,2775); ten in ten (0,7225, 1).
    assert rate.wilson(0, 10) == (0.0, 27.8)
    assert rate.wilson(10, 10) == (72.2, 100.0)
    assert rate.wilson(1, 1) == (20.7, 100.0)


def test_no_vote_has_no_interval_and_is_not_enough_sample():
    r = Rate()
    assert r.pct is None and r.ci is None and r.small() and r.verdict(90) is Verdict.CHUA_DU_MAU
    assert not r.uncertain(90)


def test_one_vote_at_100_percent_is_not_enough_sample_whatever_its_rate():
    r = Rate(satisfied=1, total=1)
    assert r.pct == 100.0 and r.ci == textbook_wilson(1, 1) and r.verdict(90) is Verdict.CHUA_DU_MAU


@pytest.mark.parametrize("x,n,target", [(30, 30, 90), (0, 30, 90), (27, 30, 90), (26, 30, 90), (29, 29, 90),
                                        (412, 466, 90), (999, 1000, 99.9), (880, 1000, 88)])
def test_the_verdict_is_the_printed_point_rate_against_the_target_from_the_minimum_sample_on(x, n, target):
    assert rate.verdict(x, n, target) == textbook_verdict(x, n, target)


def test_n_exactly_at_the_minimum_is_enough_and_one_less_is_not():
    assert MIN_N == 30
    assert not rate.small_sample(30) and rate.small_sample(29)
    assert rate.verdict(30, 30, 90) == "dat" and rate.verdict(29, 29, 90) == "chua_du_mau"
    assert rate.verdict(10, 10, 90, min_n=10) == "dat" and rate.verdict(10, 10, 90, min_n=11) == "chua_du_mau"


@pytest.mark.parametrize("x,n,target", [(27, 30, 90), (30, 30, 90), (0, 30, 90), (412, 466, 90),
                                        (880, 1000, 90), (905, 1000, 90), (45, 50, 90),
                                        (67, 69, 90), (28, 35, 90)])   # an end exactly at the target: 90,0
def test_the_verdict_is_uncertain_exactly_when_the_interval_straddles_the_target(x, n, target):
    lo, hi = textbook_wilson(x, n)
    assert rate.uncertain(x, n, target) == (lo < target <= hi)
    if (x, n) == (67, 69):
        assert lo == 90.0 and not rate.uncertain(x, n, target)    # the whole interval reaches the target
    if (x, n) == (28, 35):
        assert hi == 90.0 and rate.uncertain(x, n, target)        # the target is inside, at its top


def test_the_ranking_orders_enough_samples_by_rate_and_lists_the_rest_unranked():
    units = {"A": Rate(1, 1), "B": Rate(300, 400), "C": Rate(29, 30), "D": Rate(0, 0), "E": Rate(20, 29),
             "F": Rate(30, 40), "G": Rate(2900, 3000)}
    got = [(k, n) for k, n in rate.rank(sorted(units), units.get, str)]
    # by hand: the rates of those with N ≥ 30 — C 96,7; G 96,7; B 75,0 and F 75,0 (equal: by name)
    assert got == [("C", 1), ("G", 2), ("B", 3), ("F", 4), ("E", None), ("A", None), ("D", None)]


def test_a_rate_is_written_with_its_interval_in_words_and_a_small_sample_says_so():
    assert vnformat.rate_figure(88.4, (84.9, 91.2), False) == "88,4 % (84,9–91,2)"
    assert vnformat.rate_figure(88.4, (84.9, 91.2), False, lang="en") == "88.4% (84.9–91.2)"
    assert vnformat.rate_figure(100.0, (20.7, 100.0), True, n=1) == "Chưa đủ mẫu (N = 1)"
    assert vnformat.rate_figure(None, None, True) == "Chưa đủ mẫu"
    assert vnformat.rate_figure(None, None, False) == "—"


def test_the_kiosk_s_minimum_sample_is_configurable_and_a_bad_one_is_a_one_line_error(tmp_path):
    from kiosk.config import ConfigError, load_config
    from tests.conftest import write_config
    assert load_config(write_config(tmp_path)).report.min_n == MIN_N
    (tmp_path / "b").mkdir()
    assert load_config(write_config(tmp_path / "b", extra="[report]\nmin_n = 50\n")).report.min_n == 50
    (tmp_path / "c").mkdir()
    with pytest.raises(ConfigError) as e:
        load_config(write_config(tmp_path / "c", extra="[report]\nmin_n = 0\n"))
    assert "min_n" in str(e.value) and "at least 1" in str(e.value) and "Traceback" not in str(e.value)

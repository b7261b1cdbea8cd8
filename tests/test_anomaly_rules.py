"""The gaming checks' rules (rating.anomalies) against answers worked out here by brute force or by hand."""

from __future__ import annotations

import math
import random

import pytest

from rating.anomalies import (Press, bursts, channel_gap, implausible, officer_outliers, seq_ranges,
                              two_proportion_z)


def brute_force(presses: list[Press]) -> list[list[int]]:
    """A vote is in a burst when it lies in some 10 consecutive votes at its counter, all of one level, at most
    60 s first to last; consecutive marked votes at a counter are one burst."""
    out = []
    for counter in sorted({p.counter for p in presses}):
        at = sorted((p for p in presses if p.counter == counter), key=lambda p: p.seq)
        marked = set()
        for i in range(len(at) - 9):
            w = at[i:i + 10]
            if len({(p.scale, p.level) for p in w}) == 1 and w[-1].ts_ms - w[0].ts_ms <= 60_000:
                marked |= {p.seq for p in w}
        run: list[int] = []
        for p in at + [None]:
            if p is not None and p.seq in marked:
                run.append(p.seq)
            elif run:
                out.append(run)
                run = []
    return sorted(out)


@pytest.mark.parametrize("seed", range(30))
def test_bursts_are_the_brute_force_answer_on_random_presses(seed):
    rng = random.Random(seed)
    presses, t = [], 0
    for seq in range(1, 400):
        t += rng.choice((500, 1_000, 3_000, 6_000, 30_000))
        presses.append(Press(seq, rng.choice(("Q1", "Q2")), "sipas5", rng.choice(("RHL", "RHL", "RHL", "HL")), t))
    assert [[p.seq for p in b] for b in bursts(presses)] == brute_force(presses)


def test_ten_identical_in_sixty_seconds_is_a_burst_and_nine_or_sixty_one_seconds_is_not():
    def run(n, step_ms, level="RHL"):
        return [Press(i + 1, "Q1", "sipas5", level, i * step_ms) for i in range(n)]
    assert [len(b) for b in bursts(run(10, 60_000 // 9))] == [10]          # exactly 60 s first to last
    assert bursts(run(9, 1_000)) == []
    assert bursts(run(10, 61_000 // 9 + 1)) == []                          # just over a minute
    broken = run(10, 1_000)
    broken[5] = Press(6, "Q1", "sipas5", "HL", 5_000)                        # another level between: no run of ten
    assert bursts(broken) == []
    elsewhere = run(10, 1_000) + [Press(100, "Q2", "sipas5", "HL", 5_500)]  # another counter does not break it
    assert [len(b) for b in bursts(elsewhere)] == [10]


def test_the_two_proportion_z_is_the_textbook_pooled_statistic():
    x1, n1, x2, n2 = 16, 40, 180, 200
    p = (x1 + x2) / (n1 + n2)
    assert two_proportion_z(x1, n1, x2, n2) == pytest.approx((x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2)))
    assert two_proportion_z(0, 0, 1, 2) is None and two_proportion_z(5, 5, 7, 7) is None   # nothing varies


def test_an_officer_is_an_outlier_only_past_the_threshold_and_with_enough_votes_on_both_sides():
    centre = {"CB1": (36, 40), "CB2": (36, 40), "CB3": (36, 40), "CB4": (36, 40), "CB5": (36, 40), "CB6": (16, 40),
              "": (5, 5)}
    assert [o.officer for o in officer_outliers(centre)] == ["CB6"]
    assert officer_outliers({"CB1": (36, 40), "CB6": (4, 29)}) == []          # 29 votes: too few to test
    # |z| just under 3.29 is not a finding, just over is (the same shares, more votes).
    z = lambda n: two_proportion_z(int(0.8 * n), n, int(0.9 * n) * 5, n * 5)  # noqa: E731
    small = next(n for n in range(30, 400, 10) if abs(z(n)) >= 3.29)
    assert officer_outliers({"A": (int(0.8 * small), small), "B": (int(0.9 * small) * 5, small * 5)})
    assert not officer_outliers({"A": (int(0.8 * (small - 10)), small - 10),
                                 "B": (int(0.9 * (small - 10)) * 5, (small - 10) * 5)})


@pytest.mark.parametrize("x, n, found", [(198, 200, True), (197, 200, False), (199, 199, False), (200, 200, True),
                                         (0, 0, False), (990, 1000, True), (989, 1000, False)])
def test_an_implausible_rate_is_99_percent_over_at_least_200_votes(x, n, found):
    assert implausible(x, n) is found


def test_a_channel_gap_needs_ten_points_a_significant_test_and_thirty_answers_a_side():
    assert channel_gap((54, 60), (36, 60)) is not None                         # 90 % against 60 %
    assert channel_gap((540, 600), (500, 600)) is None                          # 90 against 83,3: under 10 points
    assert channel_gap((27, 29), (10, 30)) is None                              # 29 kiosk answers
    assert channel_gap((20, 30), (14, 30)) is None                              # 20 points, |z| ≈ 1,56


def test_sequence_numbers_are_given_as_runs():
    assert seq_ranges([5, 1, 2, 3, 9, 10, 3]) == [[1, 3], [5, 5], [9, 10]]
    assert seq_ranges([]) == []

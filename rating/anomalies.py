"""Gaming checks (issue 18): the rules that pick out votes worth a second look, as pure functions.

A finding is evidence to look at, never a deletion and never a change to any count: the votes behind
it stay counted exactly as :mod:`rating.rate` says. The rules, each with its stated threshold:

- **Burst** — at one counter of one kiosk, at least :data:`BURST_MIN` votes of the same level in a row
  (no other level pressed at that counter between them) within :data:`BURST_WINDOW_MS` of the kiosk's
  clock, first to last. Overlapping windows make one finding. This is not the kiosk's repeat flag
  (``flag = 'repeat'``: one box pressed again within the misuse window, left out of the counts): a
  burst is a run of separate, counted votes, flagged repeats among them included.
- **Officer far from the centre** — an officer's satisfied share against the rest of the same centre's
  counted votes in the period, by the two-proportion z-test with the pooled share
  (:func:`two_proportion_z`); a finding when ``|z| >= OFFICER_Z`` (3.29: p < 0.001, two-sided) and both
  the officer and the rest have at least :data:`MIN_N` counted votes. Above and below the centre alike.
- **Implausible rate** — a counter or an officer with at least :data:`IMPLAUSIBLE_MIN_N` counted votes in
  the period and a satisfied share of :data:`IMPLAUSIBLE_PCT` % or more (exact, before rounding).
- **Kiosk against phone and paper** — a centre's questionnaire answers on scale questions: the satisfied
  share of those given at the kiosk (under the officer's eyes) against those given by phone and on
  paper; a finding when the gap is at least :data:`GAP_MIN_POINTS` points, ``|z| >= GAP_Z`` and each
  side has at least :data:`MIN_N` answers.

Votes outside opening hours and votes with no transaction that day are read straight from the
service's data (see :mod:`central.anomalies`); the thresholds here are the whole of their rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from rating.rate import MIN_N

BURST_MIN = 10                # identical votes in a row at one counter …
BURST_WINDOW_MS = 60_000      # … within a minute of the kiosk's clock, first to last
OFFICER_Z = 3.29              # |z| of the two-proportion test: p < 0.001, two-sided
IMPLAUSIBLE_PCT = 99.0        # a satisfied share this high …
IMPLAUSIBLE_MIN_N = 200       # … over at least this many counted votes
GAP_Z = 3.29                  # kiosk against phone and paper: the same test and threshold as an officer's
GAP_MIN_POINTS = 10.0         # and a gap large enough to matter (percentage points)

CHECKS = ("burst", "out_of_hours", "officer", "implausible", "no_transaction", "channel_gap")


@dataclass(frozen=True)
class Press:
    """One vote as the burst rule reads it: its sequence number on the kiosk's chain, counter, scale,
    level and the kiosk's clock in milliseconds."""

    seq: int
    counter: str
    scale: str
    level: str
    ts_ms: int


def bursts(votes: Iterable[Press], least: int = BURST_MIN, window_ms: int = BURST_WINDOW_MS) -> list[list[Press]]:
    """The bursts among one kiosk's ``votes`` (any order): each a list of the votes in it, by seq.

    Per counter, votes are taken in chain order; a run is the votes of one scale and level with no
    other level pressed at that counter between them. Within a run, every window of ``least`` votes
    whose first and last are at most ``window_ms`` apart marks its votes; touching or overlapping
    marked windows are one burst."""
    by_counter: dict[str, list[Press]] = {}
    for v in votes:
        by_counter.setdefault(v.counter, []).append(v)
    found: list[list[Press]] = []
    for counter in sorted(by_counter):
        pressed = sorted(by_counter[counter], key=lambda v: v.seq)
        start = 0
        while start < len(pressed):
            end = start
            while end + 1 < len(pressed) and (pressed[end + 1].scale, pressed[end + 1].level) == \
                    (pressed[start].scale, pressed[start].level):
                end += 1
            found.extend(_bursts_in_run(pressed[start:end + 1], least, window_ms))
            start = end + 1
    return sorted(found, key=lambda b: b[0].seq)


def _bursts_in_run(run: Sequence[Press], least: int, window_ms: int) -> list[list[Press]]:
    """The bursts inside one run of identical votes (see :func:`bursts`)."""
    out: list[list[Press]] = []
    covered = -1   # the last index already in a burst
    for i in range(len(run) - least + 1):
        j = i + least - 1
        if abs(run[j].ts_ms - run[i].ts_ms) > window_ms:
            continue
        while j + 1 < len(run) and abs(run[j + 1].ts_ms - run[i].ts_ms) <= window_ms:
            j += 1
        if out and i <= covered + 1:   # overlaps or touches the burst before: it grows
            out[-1].extend(run[covered + 1:j + 1])
        else:
            out.append(list(run[i:j + 1]))
        covered = max(covered, j)
    return out


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """The two-proportion z statistic of x1/n1 against x2/n2 with the pooled share; None when either
    group is empty or the pooled share is 0 or 1 (nothing varies: no test)."""
    if not n1 or not n2:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return None
    return (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))


@dataclass(frozen=True)
class Outlier:
    """An officer far from the rest of the centre: both shares (satisfied, counted) and the test's z."""

    officer: str
    satisfied: int
    n: int
    rest_satisfied: int
    rest_n: int
    z: float


def officer_outliers(counts: dict[str, tuple[int, int]], least: int = MIN_N, z_at: float = OFFICER_Z) -> list[Outlier]:
    """The officers of one centre (``{officer code: (satisfied, counted)}``, '' for votes without an officer,
    which count in the rest but are never tested) whose share is far from the rest of the centre's."""
    all_x = sum(x for x, _ in counts.values())
    all_n = sum(n for _, n in counts.values())
    found = []
    for officer in sorted(counts):
        x, n = counts[officer]
        if not officer or n < least or all_n - n < least:
            continue
        z = two_proportion_z(x, n, all_x - x, all_n - n)
        if z is not None and abs(z) >= z_at:
            found.append(Outlier(officer, x, n, all_x - x, all_n - n, z))
    return found


def implausible(satisfied: int, n: int, least: int = IMPLAUSIBLE_MIN_N, share_pct: float = IMPLAUSIBLE_PCT) -> bool:
    """Whether ``satisfied`` of ``n`` counted votes is an implausible rate (exactly, before rounding)."""
    return n >= least and 100 * satisfied >= share_pct * n


def channel_gap(kiosk: tuple[int, int], other: tuple[int, int], least: int = MIN_N,
                z_at: float = GAP_Z, points: float = GAP_MIN_POINTS) -> float | None:
    """The z of the kiosk's satisfied share (satisfied, answered) against phone and paper's, when the gap is
    a finding (see the module's text); else None."""
    (x1, n1), (x2, n2) = kiosk, other
    if n1 < least or n2 < least or abs(100 * x1 / n1 - 100 * x2 / n2) < points:
        return None
    z = two_proportion_z(x1, n1, x2, n2)
    return z if z is not None and abs(z) >= z_at else None


def seq_ranges(seqs: Iterable[int]) -> list[list[int]]:
    """Sequence numbers as runs ``[[first, last], …]`` (a lone one is ``[s, s]``): the votes behind a
    finding, short however many there are."""
    out: list[list[int]] = []
    for s in sorted(set(seqs)):
        if out and s == out[-1][1] + 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return out

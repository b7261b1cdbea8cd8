"""The satisfaction rate: which votes count, and the one arithmetic every figure a person reads uses.

**Which votes count** (docs/report.md, "Numbers"; docs/central.md, "Demo votes are never counted"):

- a vote flagged as a repeat (``flag = 'repeat'``, within the misuse window) is never counted; it is
  shown beside the counts ("Phiếu bị loại");
- a vote on another scale than the report's is reported apart, on its own scale, never converted;
- an out-of-hours vote (a button box works while the screen says closed) is counted, unless a report's
  settings leave them out (the Kiểm chứng section says which);
- a demo vote (``source = 'demo'``) counts only where the vote source says so: the kiosk counts its
  store as it is (a store is all demo or none, and a report made from demo votes is marked on every
  page), the central service never counts one (:attr:`counts_demo` of its source is False).

**Satisfied** is RHL + HL on every scale; **the rate** is satisfied / counted × 100, rounded half up to
one decimal from the exact counts (as a spreadsheet's ROUND does, so the workbook's formulas agree with
the model to the digit); no counted vote gives no rate (``None``), never 0.

The same arithmetic serves the questionnaire: a question's satisfied share is the rate of its answers,
an index the mean of unrounded shares, rounded once (:func:`share`, :func:`mean`, :func:`round_half_up`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any, Iterable, Mapping

from rating.scales import SATISFIED_CODES
from rating.vote import DEMO_SOURCE


class Kind(Enum):
    """What one (group of) vote(s) is to a rate."""

    COUNTED = "counted"          # in the rate's N
    FLAGGED = "flagged"          # a repeat: shown beside the counts, never counted
    OTHER_SCALE = "other_scale"  # reported apart, on its own scale
    EXCLUDED = "excluded"        # out of hours, when the report leaves them out


@dataclass(frozen=True)
class Rule:
    """Which votes count toward the rate on ``scale``: the one definition (see the module's text)."""

    scale: str
    include_out_of_hours: bool = True

    def kind(self, scale: str, flagged: Any, out_of_hours: Any = False) -> Kind:
        """What votes with these fields are to the rate (``flagged`` and ``out_of_hours`` may be bools or
        ints, as databases return them). A vote on another scale is that scale's business, flagged or
        not: its own rate is ``Rule(its scale).kind(...)``."""
        if scale != self.scale:
            return Kind.OTHER_SCALE
        if flagged:
            return Kind.FLAGGED
        if out_of_hours and not self.include_out_of_hours:
            return Kind.EXCLUDED
        return Kind.COUNTED

    def sql(self, prefix: str = "") -> tuple[str, list[Any]]:
        """:meth:`kind` is COUNTED, as a SQL condition over a ``votes`` row (``?`` placeholders) and its
        parameters: for queries that must pick the counted votes themselves (the reasons they cite)."""
        where = f"{prefix}scale = ? AND {prefix}flag IS NULL"
        if not self.include_out_of_hours:
            where += f" AND {prefix}out_of_hours = 0"
        return where, [self.scale]

    def on(self, scale: str) -> "Rule":
        """The same rule for another scale (its votes' own table)."""
        return Rule(scale, self.include_out_of_hours)


def counts_demo(source: Any) -> bool:
    """Whether demo votes count in figures read from ``source``: they do unless the source says not
    (``counts_demo = False``: the central service)."""
    return bool(getattr(source, "counts_demo", True))


def count_filter(source: Any, prefix: str = "") -> str:
    """The SQL condition (`` AND …``, or "") that leaves out of counts read from ``source`` the votes it
    does not count: demo votes when it does not count them (``counts_demo = False``), and votes held
    back for their kiosk's clock where it holds them (``holds_back = True``: the central service's
    ``held_back`` column). Only counts take it: the chain's pass and the digest read every vote."""
    out = "" if counts_demo(source) else f" AND {prefix}source <> '{DEMO_SOURCE}'"
    if getattr(source, "holds_back", False):
        out += f" AND {prefix}held_back IS NULL"
    return out


def is_satisfied(level: str) -> bool:
    """True for the levels counted as satisfied on every scale (RHL and HL)."""
    return level in SATISFIED_CODES


def satisfied(levels: Mapping[str, int]) -> int:
    """How many of ``levels`` (code -> count) are satisfied."""
    return sum(n for code, n in levels.items() if is_satisfied(code))


def round_half_up(value: Fraction | None) -> float | None:
    """``value`` rounded half up to one decimal, exactly from the fraction (61/80 = 76,25 % → 76,3), as a
    spreadsheet's ROUND does; float rounding would give 76,2. None stays None."""
    if value is None:
        return None
    tenths, rest = divmod(value.numerator * 10, value.denominator)
    if 2 * rest >= value.denominator:
        tenths += 1
    return tenths / 10


def share(part: int, whole: int) -> Fraction | None:
    """100 · part / whole, exact (unrounded: what a mean of shares averages); None when whole is 0."""
    return Fraction(100 * part, whole) if whole else None


def pct(part: int, whole: int) -> float | None:
    """100 · part / whole rounded half up to one decimal; None when whole is 0."""
    return round_half_up(share(part, whole))


def mean(values: Iterable[Fraction | None]) -> Fraction | None:
    """The mean of the values that are not None (exact); None when there are none."""
    got = [v for v in values if v is not None]
    return sum(got, Fraction(0)) / len(got) if got else None


def change(now: float | None, before: float | None) -> float | None:
    """The change between two rounded rates or indexes, in points (exact: both are tenths); None when
    either is missing."""
    if now is None or before is None:
        return None
    return (round(now * 10) - round(before * 10)) / 10


@dataclass
class Rate:
    """A group's counted votes, the satisfied among them, and its flagged repeats (shown beside)."""

    satisfied: int = 0
    total: int = 0
    flagged: int = 0

    @property
    def pct(self) -> float | None:
        """The rate in percent, rounded half up to one decimal; None without counted votes."""
        return pct(self.satisfied, self.total)

    def add(self, kind: Kind, level: str, n: int) -> None:
        """Add ``n`` votes of ``level`` that :meth:`Rule.kind` called ``kind``: counted ones (and the
        satisfied among them), flagged ones beside; other kinds are not this rate's."""
        if kind is Kind.COUNTED:
            self.total += n
            if is_satisfied(level):
                self.satisfied += n
        elif kind is Kind.FLAGGED:
            self.flagged += n

    def __iadd__(self, other: "Rate") -> "Rate":
        self.satisfied += other.satisfied
        self.total += other.total
        self.flagged += other.flagged
        return self

"""The satisfaction rate: which votes count, and the one arithmetic every figure a person reads uses.

**Which votes count** (docs/report.md, "Numbers"; docs/central.md, "Demo votes are never counted"):

- a vote flagged as a repeat (``flag = 'repeat'``, within the misuse window) or as a second rating of one
  transaction (``flag = 'same_ticket'``, issue 18) is never counted; it is shown beside the counts ("Phiếu bị loại");
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

**How sure a rate is** (issue 18): every rate a person reads comes with its N and its 95 % **Wilson score
interval** — the plain one, without continuity correction, z = 1,959964 (:data:`Z95`) — in percent,
its ends rounded half up to one decimal (:func:`wilson`). Wilson is asymmetric (near 100 % the interval
reaches further down than up), so it is shown as its two ends, "88,4 % (84,9–91,2)", never as one ±.
A group with fewer counted votes than the minimum sample (:data:`MIN_N`, 30 unless configured: the
kiosk's ``[report] min_n``, the service's ``CENTRAL_MIN_N``) is **Chưa đủ mẫu**: listed with its N, not
ranked (:func:`rank`), its verdict ``chua_du_mau``. The verdict against the target otherwise stays the
point rate — Đạt when the rate reaches the target — and is *chưa chắc chắn* (not certain) when the
interval straddles the target (:func:`verdict`, :func:`uncertain`).

**The response rate** (issue 18) is the share of the centre's served transactions that were rated: counted
votes (the satisfaction rate's N) per served transaction, in percent, rounded as the rate is
(:func:`response_pct`, :class:`ResponseRate`). Both sides cover the same cells — a day, a kiosk and a
counter for which a served number was given — so a counter or a day without one is left out of both,
never read as zero transactions. No served number in the period gives no response rate (``None``, "—");
below :data:`RESPONSE_LOW_PCT` it is *chưa đại diện* (not representative), above
:data:`RESPONSE_HIGH_PCT` *nhiều phiếu hơn giao dịch* (more votes than transactions: a number typed
wrong, or votes to look at) — :func:`response_flag`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from rating.scales import SATISFIED_CODES
from rating.vote import DEMO_SOURCE

Z95 = 1.959964   # the standard normal's 97,5 % quantile: a two-sided 95 % interval
MIN_N = 30       # the minimum sample: fewer counted votes is "Chưa đủ mẫu" (the one default of [report] min_n
                 # and CENTRAL_MIN_N)


RESPONSE_LOW_PCT = 10.0    # fewer votes per served transaction: the votes do not represent the citizens served
RESPONSE_HIGH_PCT = 100.0  # more votes than served transactions: a served number or the votes need a look


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


# A vote tied to a transaction (issue 18): it carries the keyed hash of the ticket or dossier number it was given
# with (kiosk.ticket). Reports count the counted ones ("ratings tied to a transaction"); a second vote with the
# same number is flagged ``same_ticket`` and so never among them.
TIED_SQL = "ticket_hash IS NOT NULL"


def tied_sql(rule: Rule, source: Any, prefix: str = "") -> tuple[str, list[Any]]:
    """The counted votes (:meth:`Rule.sql`, less what ``source`` does not count) that are tied to a
    transaction, as a SQL condition over a ``votes`` row and its parameters."""
    where, params = rule.sql(prefix)
    return f"{where}{count_filter(source, prefix)} AND {prefix}{TIED_SQL}", params


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


def _tenths_half_up(x: float) -> float:
    """A percentage rounded half up to one decimal (an interval's end; never below 0 or above 100)."""
    return min(100.0, max(0.0, math.floor(x * 10 + 0.5) / 10))


def wilson(part: int, whole: int, z: float = Z95) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of the share ``part / whole``, in percent, each end rounded half up to
    one decimal: (low, high); None when ``whole`` is 0 (nothing to be sure of).

    With p = part/whole and n = whole: centre = (p + z²/2n) / (1 + z²/n), half-width =
    z·√(p(1−p)/n + z²/4n²) / (1 + z²/n). No continuity correction."""
    if not whole:
        return None
    n, p = whole, part / whole
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return _tenths_half_up(100 * (centre - half)), _tenths_half_up(100 * (centre + half))


class Verdict(StrEnum):
    """A group's verdict against its target (the values are the overview report's contract)."""

    DAT = "dat"                    # the rate reaches the target (Đạt)
    CHUA_DAT = "chua_dat"          # the rate is below it (Chưa đạt)
    CHUA_DU_MAU = "chua_du_mau"    # fewer counted votes than the minimum sample (Chưa đủ mẫu)


def small_sample(whole: int, min_n: int = MIN_N) -> bool:
    """Fewer counted votes than the minimum sample (none at all included): Chưa đủ mẫu."""
    return whole < min_n


def verdict(part: int, whole: int, target_pct: float, min_n: int = MIN_N) -> Verdict:
    """Đạt / Chưa đạt by the point rate (rounded, as printed) against ``target_pct``; Chưa đủ mẫu below
    the minimum sample."""
    if small_sample(whole, min_n):
        return Verdict.CHUA_DU_MAU
    return Verdict.DAT if pct(part, whole) >= target_pct else Verdict.CHUA_DAT


def uncertain(part: int, whole: int, target_pct: float) -> bool:
    """Whether the verdict is *chưa chắc chắn*: the interval (as printed) holds both a rate below the target
    and one that reaches it (low < target ≤ high). False without votes."""
    ci = wilson(part, whole)
    return ci is not None and ci[0] < target_pct <= ci[1]


T = TypeVar("T")


def rank(items: Sequence[T], rate: Callable[[T], "Rate"], name: Callable[[T], str],
         min_n: int = MIN_N) -> list[tuple[T, int | None]]:
    """The ranking: groups with at least ``min_n`` counted votes by rate (as printed, highest first; equal
    rates by name), numbered 1, 2, 3…; then the groups below the minimum (Chưa đủ mẫu), unranked (None), by N
    (largest first) then name. Every group is listed."""
    ranked = sorted((i for i in items if not small_sample(rate(i).total, min_n)),
                    key=lambda i: (-rate(i).pct, name(i)))   # the rate as printed: equal-looking rates by name
    unranked = sorted((i for i in items if small_sample(rate(i).total, min_n)),
                      key=lambda i: (-rate(i).total, name(i)))
    return [(i, n) for n, i in enumerate(ranked, 1)] + [(i, None) for i in unranked]


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

    @property
    def ci(self) -> tuple[float, float] | None:
        """The 95 % Wilson interval in percent (:func:`wilson`); None without counted votes."""
        return wilson(self.satisfied, self.total)

    def small(self, min_n: int = MIN_N) -> bool:
        """Fewer counted votes than the minimum sample: Chưa đủ mẫu."""
        return small_sample(self.total, min_n)

    def verdict(self, target_pct: float, min_n: int = MIN_N) -> Verdict:
        """Đạt, Chưa đạt or Chưa đủ mẫu (:func:`verdict`)."""
        return verdict(self.satisfied, self.total, target_pct, min_n)

    def uncertain(self, target_pct: float) -> bool:
        """The interval straddles the target (:func:`uncertain`)."""
        return uncertain(self.satisfied, self.total, target_pct)

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


class ResponseFlag(StrEnum):
    """What a response rate says about its votes (the words are the pages': "chưa đại diện", "nhiều phiếu hơn
    giao dịch")."""

    NOT_REPRESENTATIVE = "chua_dai_dien"   # below RESPONSE_LOW_PCT
    MORE_VOTES = "nhieu_phieu"             # above RESPONSE_HIGH_PCT (or votes against 0 transactions)


def response_pct(votes: int, served: int | None) -> float | None:
    """Counted votes per served transaction, in percent, rounded half up to one decimal (:func:`pct`); None
    without a served number, or when it is 0 (no rate to give: :func:`response_flag` still says when votes
    came against none)."""
    return pct(votes, served) if served else None


def response_flag(votes: int, served: int | None) -> ResponseFlag | None:
    """Below 10 %: not representative; above 100 % (votes against 0 transactions included): more votes
    than transactions; None in between, or without a served number (or without votes against 0)."""
    if served is None:
        return None
    if served == 0:
        return ResponseFlag.MORE_VOTES if votes else None
    shown = response_pct(votes, served)   # the rate as printed, as a verdict reads it: 9,96 % is 10,0 %, not below
    if shown < RESPONSE_LOW_PCT:
        return ResponseFlag.NOT_REPRESENTATIVE
    if shown > RESPONSE_HIGH_PCT:
        return ResponseFlag.MORE_VOTES
    return None


@dataclass
class ResponseRate:
    """A group's counted votes in the cells with a served number, and those served numbers (None: none
    given for the group and period)."""

    votes: int = 0
    served: int | None = None

    @property
    def pct(self) -> float | None:
        """Votes per served transaction in percent (:func:`response_pct`)."""
        return response_pct(self.votes, self.served)

    @property
    def flag(self) -> ResponseFlag | None:
        """Not representative, more votes than transactions, or None (:func:`response_flag`)."""
        return response_flag(self.votes, self.served)

    def __iadd__(self, other: "ResponseRate") -> "ResponseRate":
        self.votes += other.votes
        if other.served is not None:
            self.served = (self.served or 0) + other.served
        return self

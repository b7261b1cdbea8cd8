"""The figures of issue 18 written again from the textbook, for tests to compare the code with: the Wilson
score interval (Wilson 1927: the roots of n(p̂ − p)² = z²·p(1 − p)), the verdict and the sentence's tail.
Never imported by the code under test, and never importing it."""

from __future__ import annotations

import math

Z = 1.959964
MIN_N = 30


def half_up_tenth(x: float) -> float:
    """x (a percentage) rounded half up to one decimal, kept within 0..100."""
    return min(100.0, max(0.0, math.floor(x * 10 + 0.5) / 10))


def textbook_wilson(x: int, n: int) -> tuple[float, float] | None:
    """The 95 % Wilson interval of x successes in n, in percent, each end rounded half up to one decimal."""
    if n == 0:
        return None
    p_hat = x / n
    a = n + Z * Z
    b = 2 * n * p_hat + Z * Z
    root = Z * math.sqrt(Z * Z + 4 * n * p_hat * (1 - p_hat))
    return half_up_tenth(100 * (b - root) / (2 * a)), half_up_tenth(100 * (b + root) / (2 * a))


def shown_rate(x: int, n: int) -> float | None:
    """The rate as printed: 100·x/n rounded half up to one decimal, exactly (integers only)."""
    if n == 0:
        return None
    tenths, rest = divmod(1000 * x, n)
    return (tenths + (2 * rest >= n)) / 10


def textbook_verdict(x: int, n: int, target: float, min_n: int = MIN_N) -> str:
    if n < min_n:
        return "chua_du_mau"
    return "dat" if shown_rate(x, n) >= target else "chua_dat"


def straddles(x: int, n: int, target: float) -> bool:
    ci = textbook_wilson(x, n)
    return ci is not None and ci[0] < target <= ci[1]


def vn(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def sentence_tail(x: int, n: int, target: float, min_n: int = MIN_N) -> str:
    """What follows ĐẠT / CHƯA ĐẠT in the report's Kết quả sentence."""
    lo, hi = textbook_wilson(x, n)
    words = f"khoảng tin cậy 95 %: {vn(lo)}–{vn(hi)} trên {f'{n:,}'.replace(',', '.')} phiếu"
    if n < min_n:
        words += "; chưa đủ mẫu"
    elif straddles(x, n, target):
        words += "; chưa chắc chắn"
    return f" ({words})"

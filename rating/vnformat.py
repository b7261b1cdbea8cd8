"""Numbers, dates and periods written the Vietnamese way, for people (screens, messages).

A screen shown in English (``lang="en"``) writes its numbers the English way (2,642; 84.5%); dates
stay day first in both languages.

Vietnamese writes a decimal comma and groups thousands with a dot (1.234,5), dates day first
(22/11/2026), and leaves a space before the per-cent sign (84,5 %). Machine formats (CSV, JSON,
ISO dates) are not made here: they keep their contracts. No Kivy: tested alone.
"""

from __future__ import annotations

from datetime import date, datetime

NO_VALUE = "—"  # no votes is not 0 %: shown as a dash


def integer(n: int, lang: str = "vi") -> str:
    """A whole number with dots between thousands: 1234567 → "1.234.567" (in English, ``lang="en"``,
    "1,234,567": a screen shown in English writes its numbers the English way too)."""
    sign = "-" if n < 0 else ""
    text = f"{abs(int(n)):,}"
    return sign + (text if lang == "en" else text.replace(",", "."))


def decimal(x: float | None, places: int = 1, lang: str = "vi") -> str:
    """A number with a decimal comma and dotted thousands: 1234.56 → "1.234,6" (English: "1,234.6");
    None (nothing to show) → "—"."""
    if x is None:
        return NO_VALUE
    if round(x, places) == 0:
        x = 0.0  # never "-0,0"
    text = f"{x:,.{places}f}"
    return text if lang == "en" else text.replace(",", " ").replace(".", ",").replace(" ", ".")


def percent(x: float | None, places: int = 1, lang: str = "vi") -> str:
    """A percentage as printed in Vietnamese: 84.5 → "84,5 %" (English: "84.5%"); None (nothing counted) → "—"."""
    if x is None:
        return NO_VALUE
    return f"{decimal(x, places, lang)}%" if lang == "en" else f"{decimal(x, places)} %"


SMALL_SAMPLE = {"vi": "Chưa đủ mẫu", "en": "Too few votes"}   # a rate from fewer votes than the minimum sample


def interval(ci: tuple[float, float] | None, lang: str = "vi") -> str:
    """A 95 % interval's two ends: "84,9–91,2" (English "84.9–91.2"); None → "—". Both ends, not a ±:
    the Wilson interval is asymmetric (see :mod:`rating.rate`)."""
    if ci is None:
        return NO_VALUE
    return f"{decimal(ci[0], 1, lang)}–{decimal(ci[1], 1, lang)}"


def rate_figure(pct: float | None, ci: tuple[float, float] | None, small: bool, lang: str = "vi",
                n: int | None = None) -> str:
    """A satisfaction rate as a person reads it: "88,4 % (84,9–91,2)" — the rate and its 95 % interval;
    "Chưa đủ mẫu" below the minimum sample (with "(N = 12)" when ``n`` is given: where N has no column
    of its own); "—" for a group without counted votes that is not called small (the kiosk's tables)."""
    if small:
        return SMALL_SAMPLE[lang if lang in SMALL_SAMPLE else "vi"] + ("" if n is None else f" (N = {integer(n, lang)})")
    if pct is None:
        return NO_VALUE
    return f"{percent(pct, lang=lang)} ({interval(ci, lang)})"


def signed(x: float | None, places: int = 1) -> str:
    """A change with its sign, as a comparison with the period before is written: "+1,8", "-3,1"; a change
    that rounds to nothing has none ("0,0"); None (nothing to compare with) → "—"."""
    if x is None:
        return NO_VALUE
    shown = decimal(abs(x), places)
    if round(x, places) == 0:
        return shown
    return ("+" if x > 0 else "-") + shown


def day(d: date) -> str:
    """A date day first: 22/11/2026 (leading zeros kept, as on official documents)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def moment(dt: datetime, seconds: bool = True) -> str:
    """A date and time: "22/11/2026 09:05:03" (24-hour clock)."""
    return f"{day(dt)} {dt:%H:%M:%S}" if seconds else f"{day(dt)} {dt:%H:%M}"


def period(d_from: date, d_to: date) -> str:
    """A period for a heading: one day "22/11/2026", or "01/11/2026 – 22/11/2026"."""
    return day(d_from) if d_from == d_to else f"{day(d_from)} – {day(d_to)}"


def iso_moment(text: str | None, seconds: bool = False) -> str:
    """An ISO timestamp from the store ("2026-11-22T09:05:03+07:00") for people; "—" when missing,
    and the text unchanged when it is not a timestamp (better shown raw than lost)."""
    if not text:
        return NO_VALUE
    try:
        return moment(datetime.fromisoformat(text), seconds)
    except ValueError:
        return text


def gb(n_bytes: int, lang: str = "vi") -> str:
    """A size in gigabytes as a shop sells them (10⁹ bytes), for people: "12,3 GB" (English: "12.3 GB")."""
    return f"{decimal(n_bytes / 10**9, 1, lang)} GB"


def gib(n_bytes: int, lang: str = "vi") -> str:
    """A size in GiB with a decimal comma: "12,3 GiB" (English: "12.3 GiB")."""
    return f"{decimal(n_bytes / 2**30, 1, lang)} GiB"

"""Charts drawn on the server as SVG (no JavaScript, no CDN: centres may have poor internet)."""

from __future__ import annotations

from datetime import date
from html import escape

from rating import vnformat


def trend(points: list[tuple[str, float | None]], target: float, words: tuple[str, str] = ("Tỷ lệ hài lòng theo ngày",
          "Mục tiêu"), width: int = 640, height: int = 210) -> str:
    """A line of daily rates (0-100 %) with the target as a dashed line; days without votes are skipped.
    The axes say what they are (percent ticks, dates under the line) and a legend names the line and
    the target (``words``: the two labels in the page's language), so the chart reads without colour."""
    left, right, top, bottom = 40, 16, 26, 34
    xs = [i for i, (_, v) in enumerate(points) if v is not None]
    if not xs:
        return ""
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + (width - left - right) * i / n

    def y(v: float) -> float:
        return height - bottom - (height - top - bottom) * v / 100

    line = " ".join(f"{x(i):.1f},{y(points[i][1]):.1f}" for i in xs)
    # The tooltip as people read it here: 24/10/2026: 85,0 % (the labels come as ISO days or as text).
    dots = "".join(f'<circle cx="{x(i):.1f}" cy="{y(points[i][1]):.1f}" r="2.5"><title>{escape(_label(points[i][0]))}: '
                   f'{escape(vnformat.percent(points[i][1]))}</title></circle>' for i in xs)
    ticks = "".join(f'<text x="{left - 4}" y="{y(v) + 4:.0f}" font-size="10" text-anchor="end">{v} %</text>'
                    f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e6ea"/>'
                    for v in (0, 50, 100))
    # At most six dates under the axis, the first and the last always: dd/mm, as people write them.
    step = max(1, -(-(len(points) - 1) // 5))
    shown = sorted(set(range(0, len(points), step)) | {len(points) - 1})
    dates = "".join(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" font-size="10" text-anchor="middle">'
                    f'{escape(_label(points[i][0], year=False))}</text>' for i in shown)
    series, goal = (escape(w) for w in words)
    legend = (f'<line x1="{left}" x2="{left + 22}" y1="12" y2="12" stroke="#1f6feb" stroke-width="2"/>'
              f'<text x="{left + 27}" y="16" font-size="11">{series}</text>'
              f'<line x1="{left + 250}" x2="{left + 272}" y1="12" y2="12" stroke="#c0392b" stroke-dasharray="4 3"/>'
              f'<text x="{left + 277}" y="16" font-size="11">{goal} {escape(vnformat.percent(target, 0))}</text>')
    name = f"{series}; {goal} {vnformat.percent(target, 0)}; {_label(points[0][0])} – {_label(points[-1][0])}"
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(name)}" '
            f'xmlns="http://www.w3.org/2000/svg">{ticks}{legend}'
            f'<line x1="{left}" x2="{width - right}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="#c0392b" '
            f'stroke-dasharray="4 3"/><polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{line}"/>'
            f'{dots}{dates}</svg>')


def _label(day: str, year: bool = True) -> str:
    """An ISO day as dd/mm/yyyy (``year=False``: dd/mm, for the axis — the year is in the period above the
    chart); any other label as it is."""
    try:
        text = vnformat.day(date.fromisoformat(day))
    except ValueError:
        return day
    return text if year else text[:5]


def bar(pct: float | None, target: float) -> str:
    """A small horizontal bar for a rate, red below the target."""
    if pct is None:
        return ""
    colour = "#2e7d32" if pct >= target else "#c0392b"
    # Hidden from screen readers: the rate and the verdict beside it say in words what the bar shows.
    return (f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<rect width="100" height="10" fill="#eee"/><rect width="{pct:.1f}" height="10" fill="{colour}"/>'
            f'<line x1="{target}" x2="{target}" y1="0" y2="10" stroke="#000"/></svg>')


HEAT_LEVELS = 10


def heat_level(n: int, most: int) -> int:
    """A heat-map cell's shade, 0 (no votes: white) to :data:`HEAT_LEVELS` (the busiest hour): the
    stylesheet's ``.h0`` … ``.h10`` (classes, since the pages' CSP allows no inline style; the scale under the map
    uses the same)."""
    if not most or not n:
        return 0
    return max(1, round(HEAT_LEVELS * n / most))


def qr(text: str) -> str:
    """The QR code of ``text`` as an inline SVG (pure Python: segno), error correction M, quiet zone 4:
    the questionnaire posters' links and the registry page's enrolment codes."""
    import segno
    return segno.make(text, error="m", micro=False).svg_inline(scale=10, border=4, omitsize=True)

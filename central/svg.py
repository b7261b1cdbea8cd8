"""Charts drawn on the server as SVG (no JavaScript, no CDN: centres may have poor internet)."""

from __future__ import annotations

from datetime import date
from html import escape

from rating import vnformat


def trend(points: list[tuple[str, float | None]], target: float, width: int = 640, height: int = 180) -> str:
    """A line of daily rates (0-100 %) with the target as a dashed line; days without votes are skipped."""
    pad = 30
    xs = [i for i, (_, v) in enumerate(points) if v is not None]
    if not xs:
        return ""
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * i / n

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / 100

    line = " ".join(f"{x(i):.1f},{y(points[i][1]):.1f}" for i in xs)
    # The tooltip as people read it here: 24/10/2026: 85,0 % (the labels come as ISO days or as text).
    dots = "".join(f'<circle cx="{x(i):.1f}" cy="{y(points[i][1]):.1f}" r="2.5"><title>{escape(_label(points[i][0]))}: '
                   f'{escape(vnformat.percent(points[i][1]))}</title></circle>' for i in xs)
    ticks = "".join(f'<text x="4" y="{y(v) + 4:.0f}" font-size="10">{v}</text>' for v in (0, 50, 100))
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
            f'<line x1="{pad}" x2="{width - pad}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="#c0392b" '
            f'stroke-dasharray="4 3"/>{ticks}<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{line}"/>'
            f'{dots}</svg>')


def _label(day: str) -> str:
    """An ISO day as dd/mm/yyyy; any other label as it is."""
    try:
        return vnformat.day(date.fromisoformat(day))
    except ValueError:
        return day


def bar(pct: float | None, target: float) -> str:
    """A small horizontal bar for a rate, red below the target."""
    if pct is None:
        return ""
    colour = "#2e7d32" if pct >= target else "#c0392b"
    return (f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
            f'<rect width="100" height="10" fill="#eee"/><rect width="{pct:.1f}" height="10" fill="{colour}"/>'
            f'<line x1="{target}" x2="{target}" y1="0" y2="10" stroke="#000"/></svg>')


HEAT_LEVELS = 10


def heat_level(n: int, most: int) -> int:
    """A heat-map cell's shade, 0 (no votes: white) to :data:`HEAT_LEVELS` (the busiest hour): the
    stylesheet's ``.heat .h0`` … ``.h10`` (classes, since the pages' CSP allows no inline style)."""
    if not most or not n:
        return 0
    return max(1, round(HEAT_LEVELS * n / most))

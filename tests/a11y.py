"""The accessibility audit of a web page: axe-core run in the real browser the test drives.

``audit(driver, "overview (admin)")`` injects axe-core (fetched from the npm registry into build/ by
``make test``, never from the internet during a test) into the page the driver shows, runs it with the
WCAG 2.0/2.1 A and AA rules, and fails on every serious or critical violation, listing each rule, what
to fix and the elements it found. ``audit_widths`` does it at the desktop and the phone width. A new page
adds one line to tests/test_a11y_browser.py.

``focus_ring(driver)`` tells whether the focused element shows a visible focus indicator (an outline or a
box-shadow ring): what a keyboard user sees.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "build" / "axe-core" / "axe.min.js"
REPORTS = ROOT / "build" / "a11y"
# WCAG 2.1 level A and AA (axe tags 2.0's rules apart from 2.1's additions: both are asked for).
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
FAILING = ("serious", "critical")
DESKTOP = (1280, 900)
PHONE = (390, 844)


def _axe_source() -> str:
    if not AXE_JS.exists():
        # Skipped on a developer's machine that has not run make; never in CI, where a skip would pass the
        # audit unseen.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"axe-core is not in {AXE_JS.relative_to(ROOT)}: run `make axe-core` (make test does)")
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(driver) -> list[dict]:
    """Every violation axe-core finds on the page the driver shows (all impacts), as axe reports them."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        # Through WebDriver, not a <script> element: the pages' Content-Security-Policy allows only their
        # own scripts, and the audit must see the page as it is served.
        driver.execute_script(_axe_source())
    driver.set_script_timeout(120)
    result = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
           .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));
    """, list(WCAG_TAGS))
    found = json.loads(result)
    if isinstance(found, dict):
        raise AssertionError(f"axe-core could not run: {found['error']}")
    return found


def describe(page: str, violations: list[dict]) -> str:
    """The violations as a person reads them: the rule, its impact, what to do, and where (selector,
    the element's start and axe's own summary)."""
    lines = [f"{page}: {len(violations)} serious or critical accessibility violation(s)"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl'].split('?')[0]}")
        for node in v["nodes"][:5]:
            where = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {where}: {node['html'][:120]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def audit(driver, page: str, lang: str = "vi", allow: dict[str, str] | None = None) -> list[dict]:
    """Fail if the page the driver shows is not marked as written in ``lang`` (``<html lang="vi">``: a
    screen reader speaks it with that voice) or has a serious or critical WCAG 2.1 A/AA violation; return
    the lesser ones (moderate, minor). ``allow`` names rules accepted on this page, each with the reason
    (kept in the report). Every run's findings are kept in build/a11y/<page>.json."""
    marked = driver.execute_script("return document.documentElement.lang")
    assert marked == lang, f'{page} at {driver.current_url}: <html lang="{marked}">, the page is in "{lang}"'
    violations = run_axe(driver)
    REPORTS.mkdir(parents=True, exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in page).strip("-")
    (REPORTS / f"{name}.json").write_text(json.dumps(
        {"page": page, "url": driver.current_url, "violations": violations, "allowed": allow or {}},
        ensure_ascii=False, indent=1), encoding="utf-8")
    failing = [v for v in violations if v.get("impact") in FAILING and v["id"] not in (allow or {})]
    assert not failing, describe(f"{page} at {driver.current_url}", failing)
    return [v for v in violations if v.get("impact") not in FAILING]


def audit_widths(driver, page: str, lang: str = "vi", widths=(DESKTOP, PHONE), allow: dict[str, str] | None = None) -> None:
    """``audit`` the page at the desktop and the phone (390 px) width, then restore the desktop size."""
    try:
        for w, h in widths:
            resize(driver, w, h)
            audit(driver, f"{page} at {w} px", lang, allow)
    finally:
        resize(driver, *DESKTOP)


def resize(driver, width: int, height: int) -> None:
    """Set the window's size and wait until the page has laid itself out at it: the viewport has the new
    width and two frames have passed (the page's resize handlers run before a frame's callbacks)."""
    from selenium.webdriver.support.ui import WebDriverWait
    driver.set_window_size(width, height)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.innerWidth") == width)
    driver.set_script_timeout(30)
    driver.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));")


def focus_ring(driver) -> dict:
    """How the focused element shows its focus: its outline and box-shadow as computed, and whether
    either is visible (an outline at least 2 px wide and not transparent, or a box-shadow)."""
    return driver.execute_script("""
        const el = document.activeElement;
        const s = getComputedStyle(el);
        const width = parseFloat(s.outlineWidth) || 0;
        const outline = s.outlineStyle !== 'none' && width >= 2 && !/rgba\\(.*, 0\\)$/.test(s.outlineColor);
        const shadow = s.boxShadow && s.boxShadow !== 'none';
        return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').slice(0, 40),
                outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, shadow: s.boxShadow,
                visible: outline || !!shadow};""")

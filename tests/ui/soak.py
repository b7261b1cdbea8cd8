"""Drive many votes through the real UI and watch memory and widgets: shared by the suite and `make bench`."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

from kivy.uix.widget import Widget

from tests.ui.conftest import pump, tap


def rss_mb() -> float:
    """Resident memory of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def widget_count() -> int:
    """Live Kivy widgets (after a full collection)."""
    gc.collect()
    n = 0
    for o in gc.get_objects():
        try:
            n += isinstance(o, Widget)
        except ReferenceError:  # a dead weak proxy: not a live widget
            pass
    return n


def soak(app, votes: int, warmup: int = 50) -> dict:
    """Tap through ``votes`` ratings (every fifth a low one with a reason); return memory and widget figures."""
    rating, reasons = app.screens["rating"], app.screens["reasons"]
    samples = []
    before_widgets = before_rss = None
    for i in range(votes + warmup):
        if i == warmup:
            before_widgets, before_rss = widget_count(), rss_mb()
        level = i % 5
        tap(rating.level_buttons[level])
        if app.sm.current == "reasons":
            tap(reasons.toggles["procedure"])
            tap(reasons.send)
        while app.sm.current != "rating":
            pump(1)
        if i % 100 == 0:
            samples.append(rss_mb())
    return {"votes": votes + warmup, "rss_before": before_rss, "rss_after": rss_mb(),
            "widgets_before": before_widgets, "widgets_after": widget_count(), "samples": samples}


def soak_manager(app, refreshes: int, warmup: int = 30) -> dict:
    """Open the manager ``refreshes`` times, moving between days, views and tabs as a manager does
    (each opening re-reads everything); return memory and widget figures after a warm-up."""
    manager = app.screens["manager"]
    app.timings = replace(app.timings, manager_idle_s=3600)
    steps = [lambda: manager.set_day(app.store.today()), manager.set_month,
             lambda: manager.set_view("officer"), lambda: manager.set_view("counter"),
             lambda: manager.show_tab("status"), lambda: manager.show_tab("roster"),
             lambda: manager.show_tab("export"), lambda: manager.show_tab("totals")]
    before_widgets = before_rss = None
    samples = []
    for i in range(refreshes + warmup):
        if i == warmup:
            before_widgets, before_rss = widget_count(), rss_mb()
        app.open_manager()  # the whole refresh, as when the PIN is entered
        steps[i % len(steps)]()
        pump(1)
        if i % 100 == 0:
            samples.append(rss_mb())
    return {"refreshes": refreshes + warmup, "rss_before": before_rss, "rss_after": rss_mb(),
            "widgets_before": before_widgets, "widgets_after": widget_count(), "samples": samples}

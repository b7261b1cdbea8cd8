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


def live_widgets() -> set[int]:
    """The ids of the live Kivy widgets (after a full collection)."""
    gc.collect()
    ids = set()
    for o in gc.get_objects():
        try:
            if isinstance(o, Widget):
                ids.add(id(o))
        except ReferenceError:  # a dead weak proxy: not a live widget
            pass
    return ids


def widget_count() -> int:
    """How many Kivy widgets are alive (after a full collection)."""
    return len(live_widgets())


def _figures(before: set[int], before_rss: float) -> dict:
    # Widgets left over from earlier tests may die during a soak, so the count alone can fall and hide
    # a leak: the leak is the widgets alive now that were not alive when the soak began. A few frames
    # first, as before the first sample: what the last tap scheduled (the screen change, a toast's end)
    # has run, so a widget of the moment is not taken for one left behind.
    pump(5)
    after = live_widgets()
    return {"rss_before": before_rss, "rss_after": rss_mb(), "widgets_before": len(before),
            "widgets_after": len(after), "widgets_new": len(after - before)}


def soak(app, votes: int, warmup: int = 50) -> dict:
    """Tap through ``votes`` ratings (every fifth a low one with a reason); return memory and widget figures."""
    rating, reasons = app.screens["rating"], app.screens["reasons"]
    samples = []
    before_widgets = before_rss = None
    for i in range(votes + warmup):
        if i == warmup:
            pump(5)
            before_widgets, before_rss = live_widgets(), rss_mb()
        level = i % 5
        tap(rating.level_buttons[level])
        if app.sm.current == "reasons":
            tap(reasons.toggles["procedure"])
            tap(reasons.send)
        while app.sm.current != "rating":
            pump(1)
        if i % 100 == 0:
            samples.append(rss_mb())
    return {"votes": votes + warmup, **_figures(before_widgets, before_rss), "samples": samples}


def soak_manager(app, refreshes: int, warmup: int = 30) -> dict:
    """Open the manager ``refreshes`` times, moving between days, views and tabs as a manager does
    (each opening re-reads everything); return memory and widget figures after a warm-up."""
    manager = app.screens["manager"]
    app.timings = replace(app.timings, manager_idle_s=3600)
    steps = [lambda: manager.totals.set_day(app.store.today()), manager.totals.set_month,
             lambda: manager.totals.set_view("officer"), lambda: manager.totals.set_view("counter"),
             lambda: manager.show_tab("status"), lambda: manager.show_tab("roster"),
             lambda: manager.show_tab("export"), lambda: manager.export.choose_period("quarter"),
             lambda: manager.export.step_date("from", -1), lambda: manager.show_tab("questionnaire"),
             lambda: manager.show_tab("roster"), lambda: manager.roster.type_code("A"), lambda: manager.roster.type_code("del"),
             lambda: manager.show_tab("totals")]
    before_widgets = before_rss = None
    samples = []
    for i in range(refreshes + warmup):
        if i == warmup:
            before_widgets, before_rss = live_widgets(), rss_mb()
        app.open_manager()  # the whole refresh, as when the PIN is entered
        steps[i % len(steps)]()
        pump(1)
        if i % 100 == 0:
            samples.append(rss_mb())
    return {"refreshes": refreshes + warmup, **_figures(before_widgets, before_rss), "samples": samples}

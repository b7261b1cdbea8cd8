"""Runs ``main.py run`` (kiosk mode, full-screen) unchanged, and writes where its targets are drawn.

For tests/ui/test_fullscreen.py: after Kivy is configured, a clock callback writes, at each screen
change, the window's size and the centres of the counters or rating cards in X screen coordinates
(top-left origin), every few frames, to the JSON file named by ``KIOSK_TARGETS`` (for the
out-of-service screen, tests/ui/test_out_of_service.py: its texts, and whether they fit the window). The test then clicks there with real X
events and reads the vote from the store.
"""

import json
import os
import runpy
import sys
from pathlib import Path

import kiosk.ui.setup as setup

ROOT = Path(__file__).resolve().parents[2]
_configure = setup.configure_kivy


def _configure_and_report(*args, **kwargs):
    _configure(*args, **kwargs)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    out = Path(os.environ["KIOSK_TARGETS"])

    def report(_dt):  # every tick: positions after the layout has settled
        app = App.get_running_app()
        if app is not None and hasattr(app, "notice"):  # the out-of-service screen: what it says
            texts = [label.text for label in app.labels.values()]
            tmp = out.with_suffix(".tmp")
            tmp.write_text(json.dumps({"screen": "out-of-service", "window": list(Window.size), "texts": texts,
                                       "fits": app.root.ids["column"].height <= Window.height}))
            tmp.replace(out)
            return
        if app is None or not hasattr(app, "sm"):
            return
        name = app.sm.current
        widgets = {"pick": getattr(app.screens["pick"], "buttons", []),
                   "rating": app.screens["rating"].level_buttons}.get(name, [])
        h = Window.height
        centres = [(lambda p: [round(p[0]), round(h - p[1])])(w.to_window(*w.center)) for w in widgets]
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps({"screen": name, "window": list(Window.size), "targets": centres}))
        tmp.replace(out)

    Clock.schedule_interval(report, 0.05)


setup.configure_kivy = _configure_and_report
sys.argv = ["main.py", *sys.argv[1:]]
sys.path.insert(0, str(ROOT))
runpy.run_path(str(ROOT / "main.py"), run_name="__main__")

"""Touch screen: tap → thank-you screen drawn (median, p99) at every panel size, beside a bare
full-window redraw measured in the same run (software GL's floor here); cold start to an interactive
rating screen beside a bare Kivy window started the same way in the same run; a soak.

Run under Xvfb (`make bench` does). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, summary, verdict  # noqa: E402
from tests.ui.conftest import (ALL_SIZES, FAST, App, EventLoop, KioskApp, UnitTestTouch, VoteStore, Window,  # noqa: E402
                               load_config, pump)
from tests.conftest import write_config  # noqa: E402
from tests.ui.soak import soak  # noqa: E402


def tap_to_thanks(app, n: int = 100) -> list[float]:
    """Seconds from the finger lifting to the frame that shows the thank-you screen."""
    out = []
    button = app.screens["rating"].level_buttons[0]
    for _ in range(n):
        x, y = button.to_window(*button.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        pump(1)
        t0 = time.perf_counter()
        touch.touch_up()           # on_release: record_vote (COMMIT), then show the thank-you
        pump(1)                    # the frame that draws it
        assert app.sm.current == "thanks"
        out.append(time.perf_counter() - t0)
        app.go_home()
        pump(1)
    return out


def bare_frames(root, n: int = 50) -> list[float]:
    """A full redraw of the same window with nothing in it (clear and flip): what one frame costs here."""
    Window.remove_widget(root)
    pump(2)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        Window.canvas.ask_update()
        pump(1)
        out.append(time.perf_counter() - t0)
    Window.add_widget(root)
    pump(2)
    return out


def _time_to_ready(command: list[str]) -> float | None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}, "PYTHONPATH": str(ROOT)}
    t0 = time.time()
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    ready = [float(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("ready ")]
    if not ready:
        print(f"  start failed (exit {done.returncode}):", (done.stderr or done.stdout)[-500:])
        return None
    return ready[0] - t0


def _compile_bytecode() -> None:
    """What the deployment does once after each update (README, "Deployment"): write the bytecode of the
    kiosk's own modules, so that a start reads it instead of compiling every module (this machine sets
    PYTHONDONTWRITEBYTECODE, so without it every start here would compile them; Kivy's are compiled by pip)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "kiosk", "hardware", "sync", "central", "main.py"],
                   cwd=ROOT, check=True, capture_output=True)


def cold_start(runs: int = 3) -> tuple[list[float], list[float], list[float]]:
    """Seconds from launch to the first drawn frame: `main.py run` (an interactive rating screen) and a
    bare Kivy window, alternated so that both see the same machine load.

    The kiosk is measured as it starts every morning: its bytecode compiled (as deployed) and its store
    already there. The first start ever, which also creates the store, is returned apart (third list)."""
    _compile_bytecode()
    folder = Path(tempfile.mkdtemp())
    config = write_config(folder, counters=(("Q1", "Quầy 1"),))
    kiosk_cmd = [sys.executable, str(ROOT / "main.py"), "run", "--windowed", "--exit-when-ready", "--config", str(config)]
    bare_cmd = [sys.executable, str(Path(__file__).with_name("bare_window.py"))]
    first = [t for t in (_time_to_ready(kiosk_cmd),) if t is not None]  # creates the store
    kiosk, bare = [], []
    for _ in range(runs):
        b = _time_to_ready(bare_cmd)
        k = _time_to_ready(kiosk_cmd)
        if b is not None and k is not None:
            bare.append(b)
            kiosk.append(k)
    return kiosk, bare, first


def start_app():
    """A kiosk with one counter in a fresh folder, its window up: ``(app, store, root)`` for a bench."""
    EventLoop.ensure_window()
    EventLoop.start()
    folder = Path(tempfile.mkdtemp())
    config = load_config(write_config(folder, counters=(("Q1", "Quầy 1 — Tư pháp, hộ tịch"),)))
    store = VoteStore.from_config(config)
    # No touch guard here: this measures drawing, and the taps come faster than a person's.
    app = KioskApp(config, store, timings=replace(FAST, thanks_s=60, idle_s=600, guard_s=0))
    App._running_app = app  # before build(): the kv layouts bind to the running app
    root = app.build()
    Window.add_widget(root)
    return app, store, root


def main() -> None:
    app, store, root = start_app()
    for size in ALL_SIZES:
        Window.size = size
        pump(5)
        print(f"touch screen at {size[0]}x{size[1]} (Xvfb, Mesa llvmpipe software GL):")
        floor = summary("bare full-window redraw (empty)", bare_frames(root))
        taps = summary("tap → thank-you drawn", tap_to_thanks(app))
        verdict("p99 tap → thank-you", taps["p99"] * 1000, 50, " ms")
        print(f"  ratio to a bare redraw (p99): {taps['p99'] / floor['p99']:.2f}x")
    kiosk, bare, first = cold_start(runs=5)
    if kiosk:
        print(f"cold start (median of {len(kiosk)}): bare Kivy window {statistics.median(bare):.2f} s, "
              f"kiosk to an interactive rating screen {statistics.median(kiosk):.2f} s"
              + (f" (its first start ever, creating the store: {first[0]:.2f} s)" if first else ""))
        verdict("cold start ratio to a bare window", statistics.median(kiosk) / statistics.median(bare), 1.3, "x")
    Window.size = (800, 480)
    pump(5)
    app.timings = replace(FAST, thanks_s=0.0, idle_s=600, reasons_idle_s=600, guard_s=0)
    app.flow.guard_s = 0
    t0 = time.perf_counter()
    result = soak(app, votes=1000)
    print(f"soak: {result['votes']} votes through the UI in {time.perf_counter() - t0:.0f} s; "
          f"RSS {result['rss_before']:.1f} → {result['rss_after']:.1f} MB; "
          f"widgets {result['widgets_before']} → {result['widgets_after']}, {result['widgets_new']} new")
    app.dispatch("on_stop")
    store.close()


if __name__ == "__main__":
    main()

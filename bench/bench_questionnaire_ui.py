"""Touch screen, questionnaire: tap → next question drawn (p50, p99 over at least 200 taps) beside two
baselines measured the same way in the same run, at three panel sizes: the rating screen's tap →
thank-you, and a redraw of the same question screen with nothing changed (what one frame of it costs
this machine's software GL: the floor under any tap).

Each tap stores its answer durably (a COMMIT, synchronous=FULL) before the next question is drawn,
so the figure includes the write, as a citizen feels it; the answer alone (Walk.choose) is timed too.
Run under Xvfb (`make bench` does). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ui import start_app, tap_to_thanks  # noqa: E402
from bench.common import summary, verdict  # noqa: E402
from tests.ui.conftest import FAST, UnitTestTouch, Window, pump  # noqa: E402

from kiosk.questionnaire.answers import start_questionnaire, stop_questionnaire  # noqa: E402
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs  # noqa: E402

SIZES = ((1280, 800), (1080, 1920), (800, 480))
TAPS = 230  # ten walks through the 23 kiosk questions of trung-tam


def tap_to_next_question(app, n: int = TAPS) -> list[float]:
    """Seconds from the finger lifting on a choice to the frame that shows the next question (the answer
    stored first). The last question of a walk (→ the thank-you) is not counted; a fresh walk follows."""
    out = []
    question = app.screens["question"]
    while len(out) < n:
        if app.walk is None or app.walk.done or app.sm.current != "question":
            app.go_home()  # replace mode: the start screen is question 1 of a fresh walk
            pump(1)
        before = app.walk.position
        card = question.cards[len(out) % len(question.cards)]
        x, y = card.to_window(*card.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        pump(1)
        last = app.walk.position == app.walk.total - 1
        t0 = time.perf_counter()
        touch.touch_up()           # on_release: Walk.choose (COMMIT), then the next question's words
        pump(1)                    # the frame that draws it
        elapsed = time.perf_counter() - t0
        assert app.walk.position == before + 1, "the tap did not answer"
        if not last:
            assert question.progress_text.startswith(f"Câu {before + 2}/")
            out.append(elapsed)
    return out


def redraws(n: int = TAPS) -> list[float]:
    """A full redraw of the window as it is (nothing changed): the frame's own cost."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        Window.canvas.ask_update()
        pump(1)
        out.append(time.perf_counter() - t0)
    return out


def answers_alone(app, n: int = TAPS) -> list[float]:
    """Seconds for Walk.choose alone (the answer checked, hashed, COMMITted), no drawing."""
    out = []
    while len(out) < n:
        if app.walk is None or app.walk.done:
            app.go_home()
        question = app.walk.current
        t0 = time.perf_counter()
        app.walk.choose(question.codes[0])
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    app, store, _root = start_app()
    trung_tam = load_catalogue(questionnaire_dirs()).get("trung-tam")
    for size in SIZES:
        Window.size = size
        pump(5)
        print(f"questionnaire at {size[0]}x{size[1]} (Xvfb, Mesa llvmpipe software GL):")
        stop_questionnaire(store)
        app.go_home()
        pump(3)
        base = summary("baseline: rating tap → thank-you drawn", tap_to_thanks(app, TAPS))
        start_questionnaire(store, trung_tam, mode="replace")
        app.go_home()
        pump(3)
        floor = summary("baseline: redraw of a question, unchanged", redraws())
        taps = summary("tap → next question drawn (answer committed)", tap_to_next_question(app))
        verdict("p99 tap → next question", taps["p99"] * 1000, 50, " ms")
        print(f"  ratio (p99) to the rating tap: {taps['p99'] / base['p99']:.2f}x; "
              f"to an unchanged redraw: {taps['p99'] / floor['p99']:.2f}x")
    summary("the answer alone (Walk.choose, COMMIT)", answers_alone(app))
    answers = store.query("SELECT count(*) FROM q_answers")[0][0]
    print(f"  {answers} answers stored through the UI")
    app.dispatch("on_stop")
    store.close()


if __name__ == "__main__":
    main()

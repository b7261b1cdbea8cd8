"""Running without a screen: the button boxes and the store, one log line per vote.

For centres with buttons only, on a small box with no display. SIGTERM and SIGINT stop it
cleanly: a press being handled is committed and ACKed, or not ACKed at all — never half.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from dataclasses import replace
from typing import Callable, Sequence

from kiosk.config import ButtonBox, Config
from kiosk.store import Vote, VoteStore

from .reader import ButtonBoxes
from .simulator import VirtualBox

log = logging.getLogger("kiosk.headless")


def with_simulated_box(config: Config) -> tuple[Config, VirtualBox]:
    """A copy of ``config`` with one virtual box (on the first counter) added, and that box, plugged in."""
    link = config.data_dir / "simulated-box-99"
    link.parent.mkdir(parents=True, exist_ok=True)
    box = VirtualBox(link, boxes=(99,)).plug()
    boxes = (*config.button_boxes, ButtonBox(str(link), 99, config.counters[0].id, 115200))
    return replace(config, button_boxes=boxes), box


def _press_randomly(box: VirtualBox, stop: threading.Event, keys: int) -> None:
    rng = random.Random()
    # Mostly satisfied, like a real centre; every few seconds, like a busy one.
    weights = [55, 30, 8, 5, 2][:keys]
    while not stop.wait(rng.uniform(2.0, 6.0)):
        try:
            box.press(rng.choices(range(1, keys + 1), weights)[0])
        except OSError:
            return


def start_random_presser(box: VirtualBox, keys: int, stop: threading.Event | None = None) -> threading.Thread:
    """Press random keys on ``box`` every few seconds on a daemon thread, until ``stop`` is set."""
    thread = threading.Thread(target=_press_randomly, args=(box, stop or threading.Event(), keys), daemon=True)
    thread.start()
    return thread


def run_headless(config: Config, *, simulate: bool = False, stop: threading.Event | None = None,
                 services: Sequence[Callable[[Config, VoteStore], object]] = ()) -> int:
    """Run the button boxes until SIGTERM/SIGINT (or ``stop`` is set); return the exit status.

    ``services`` are started with the open store (e.g. the sync schedule); whatever they return
    that has a ``stop()`` is stopped at exit, before the store closes.
    """
    stop = stop or threading.Event()
    sim = None
    if simulate:
        config, sim = with_simulated_box(config)
        log.info("simulating button box 99 at %s for counter %s, pressing a random key every few seconds",
                 sim.port, config.counters[0].id)
    if not config.button_boxes:
        log.error("no [[button_boxes]] in %s: nothing to listen to without a screen. Add one (README, "
                  "'Button boxes'), or run with --simulate to try it with a virtual box.", config.source)
        return 2
    store = VoteStore.from_config(config)
    counts = {"votes": 0}

    def on_vote(vote: Vote, box: int) -> None:
        counts["votes"] += 1
        level = config.scale.level(vote.level)
        log.info("vote #%d %s %s (%s) from box %d seq %s%s", vote.seq, vote.counter_id, vote.level,
                 level.vi, box, vote.box_seq, " [flagged: repeat]" if vote.flag else "")

    boxes = ButtonBoxes(config, store, on_vote=on_vote).start()
    running = [svc(config, store) for svc in services]
    for r in boxes:
        log.info("listening on %s for box(es) %s", r.spec,
                 ", ".join(f"{b.box}→{b.counter}" for b in r.boxes.values()))

    def request_stop(signum, _frame) -> None:
        log.info("%s received: finishing the press in hand and stopping", signal.Signals(signum).name)
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, request_stop)
    presser = None
    if sim is not None:
        presser = start_random_presser(sim, len(config.scale.levels), stop)
    try:
        stop.wait()
    finally:
        if presser is not None:
            presser.join(10)
        boxes.stop()
        for svc in running:
            if svc is not None:
                svc.stop()
        if sim is not None:
            sim.unplug()
        store.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("stopped: %d vote(s) recorded from button boxes in this run; the store is closed", counts["votes"])
    return 0


"""The button boxes as a runtime part, the simulated box, and the headless face.

Headless is for centres with buttons only, on a small box with no display: the runtime
(:mod:`kiosk.runtime`) starts the store, the boxes and sync, and this face waits for SIGTERM or
SIGINT. A press being handled then is committed and ACKed, or not ACKed at all — never half.
The store logs one line per vote.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field, replace

from kiosk.config import ButtonBox, Config
from kiosk.runtime import Runtime, VoteSink
from kiosk.store import VoteStore

from .reader import ButtonBoxes
from .simulator import VirtualBox

log = logging.getLogger("kiosk.headless")

SIMULATED_BOX = 99


def with_simulated_box(config: Config) -> tuple[Config, VirtualBox]:
    """A copy of ``config`` with one virtual box (on the first counter) added, and that box, plugged in.

    The box is marked ``demo``: its presses are stored with source ``demo``, never as real votes.
    """
    link = config.data_dir / f"simulated-box-{SIMULATED_BOX}"
    link.parent.mkdir(parents=True, exist_ok=True)
    box = VirtualBox(link, boxes=(SIMULATED_BOX,)).plug()
    boxes = (*config.button_boxes, ButtonBox(str(link), SIMULATED_BOX, config.counters[0].id, 115200, demo=True))
    return replace(config, button_boxes=boxes), box


def _press_randomly(box: VirtualBox, stop: threading.Event, keys: int, min_gap_s: float) -> None:
    rng = random.Random()
    # Mostly satisfied, like a real centre; as often as a busy counter's citizens, but never inside the
    # repeat window, or the demo would show nothing but flagged repeats.
    weights = [55, 30, 8, 5, 2][:keys]
    wait = rng.uniform(1.0, 3.0)  # the first press comes soon: there is nothing yet for it to repeat
    while not stop.wait(wait):
        wait = rng.uniform(min_gap_s, min_gap_s + 4.0)
        try:
            box.press(rng.choices(range(1, keys + 1), weights)[0])
        except OSError:
            return


def start_random_presser(box: VirtualBox, keys: int, stop: threading.Event | None = None,
                         min_gap_s: float = 2.0) -> threading.Thread:
    """Press random keys on ``box`` on a thread, ``min_gap_s`` to ``min_gap_s`` + 4 seconds apart, until
    ``stop`` is set."""
    thread = threading.Thread(target=_press_randomly, args=(box, stop or threading.Event(), keys, min_gap_s),
                              name="simulated-presses", daemon=True)
    thread.start()
    return thread


@dataclass
class RunningBoxes:
    """The running readers, and the simulated box with its presser when there is one."""

    boxes: ButtonBoxes
    sim: VirtualBox | None = None
    presser: threading.Thread | None = None
    _stop_presser: threading.Event = field(default_factory=threading.Event)

    @property
    def readers(self):
        """The port readers (the manager's status screen lists them)."""
        return self.boxes.readers

    def health(self):
        """Each port's and box's health."""
        return self.boxes.health()

    def __iter__(self):
        return iter(self.boxes)

    def stop(self) -> None:
        """Stop pressing, stop reading (presses in hand finish), then pull the simulated box's cable."""
        self._stop_presser.set()
        if self.presser is not None:
            self.presser.join(10)  # a press in flight waits at most for its ACK and resends
        self.boxes.stop()
        if self.sim is not None:
            self.sim.unplug()


def start_button_boxes(config: Config, store: VoteStore, on_vote: VoteSink,
                       simulate: bool = False) -> tuple[Config, RunningBoxes | None]:
    """The runtime's button-box part: start every configured box (and with ``simulate``, a virtual
    one pressing random keys); return the config with the virtual box added, and the running boxes."""
    if not config.button_boxes and not simulate:
        return config, None
    sim = None
    if simulate:
        config, sim = with_simulated_box(config)
        log.info("simulating button box %d at %s for counter %s, pressing a random key every few seconds "
                 "(stored as demo votes)", SIMULATED_BOX, sim.port, config.counters[0].id)
    try:
        running = RunningBoxes(ButtonBoxes(config, store, on_vote=on_vote).start(), sim)
    except BaseException:
        if sim is not None:
            sim.unplug()
        raise
    for r in running:
        log.info("listening on %s for box(es) %s", r.spec, ", ".join(f"{b.box}→{b.counter}" for b in r.boxes.values()))
    if sim is not None:
        running.presser = start_random_presser(sim, len(config.scale.levels), running._stop_presser,
                                               min_gap_s=config.repeat_window_s + 1.0)
    return config, running


def headless_face(runtime: Runtime) -> int:
    """No screen: votes are logged by the store; wait until a signal asks the runtime to stop.

    This loop feeds systemd's watchdog (kiosk.notify): each beat reads the store for the status line, so
    a store stuck behind a write that never ends — the presses' own way — stops the pings too."""
    runtime.face_ready()
    beat = runtime.heartbeat
    while not runtime.stop_event.wait(beat.every_s if beat.notifier.enabled else None):
        beat.beat()
    return 0


def no_boxes_message(config: Config) -> str:
    """Why headless cannot run without button boxes, and what to do."""
    return (f"no [[button_boxes]] in {config.source}: nothing to listen to without a screen. Add one (README, "
            "'Button boxes'), or run with --simulate to try it with a virtual box.")

"""The simulated button boxes of the soak, and what each press became.

Two ports: one RS-485 line with boxes 1 and 2 speaking protocol 1.1 (a boot identifier), one line with
box 3 speaking 1.0. Each box is pressed by a thread of its own at random moments; every press is
recorded with its box, seq and key and whether the box saw the ACK. The boxes keep their power for the
whole soak, so a box's seq numbers never repeat and (box, seq) names one press.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from hardware.protocol import MAX_SEQ
from hardware.simulator import VirtualBox

# (link name, boxes on it, counters they rate, protocol 1.1)
LINES = (("line-a", (1, 2), ("Q1", "Q2"), True), ("line-b", (3,), ("Q3",), False))


@dataclass(frozen=True)
class Press:
    """One press: its box, seq and key, and whether the box saw an ACK for it."""
    box: int
    seq: int
    key: int
    acked: bool
    sends: int


def config_lines(folder: Path) -> str:
    """The ``[[button_boxes]]`` entries of the kiosk's configuration for :data:`LINES`."""
    text = ""
    for name, boxes, counters, _ in LINES:
        for box, counter in zip(boxes, counters):
            text += f'\n[[button_boxes]]\nport = "{folder / name}"\nbox = {box}\ncounter = "{counter}"\n'
    return text


class Pressers:
    """The virtual boxes on their ptys, and one pressing thread per box."""

    def __init__(self, folder: Path, seed: int, keys: int = 5, gap_s: tuple[float, float] = (0.3, 2.5)):
        self.keys, self.gap_s = keys, gap_s
        self.lines = [VirtualBox(folder / name, boxes=boxes, boot_id=boot, heartbeat_s=10.0)
                      for name, boxes, _, boot in LINES]
        self.presses: list[Press] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._press, args=(line, box, random.Random(seed * 100 + box)),
                                          name=f"press-box-{box}", daemon=True)
                         for line in self.lines for box in line.boxes]

    def start(self) -> "Pressers":
        """Plug the boxes in (HELLO) and start pressing."""
        for line in self.lines:
            line.plug()
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        """Stop pressing; the press in flight finishes (its ACK or its last resend). The ptys stay."""
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def unplug(self) -> None:
        """Pull every cable (the end of the soak)."""
        for line in self.lines:
            line.unplug()

    def snapshot(self) -> list[Press]:
        """The presses so far."""
        with self._lock:
            return list(self.presses)

    def as_dicts(self) -> list[dict]:
        """The presses as plain dicts (for the JSON)."""
        return [asdict(p) for p in self.snapshot()]

    def _press(self, line: VirtualBox, box: int, rng: random.Random) -> None:
        while not self._stop.wait(rng.uniform(*self.gap_s)):
            if line.seq[box] >= MAX_SEQ:
                return  # a wrap would make (box, seq) name two presses; no soak comes near it
            result = line.press(rng.randint(1, self.keys), box)
            with self._lock:
                self.presses.append(Press(result.box, result.seq, result.key, result.acked, result.sends))

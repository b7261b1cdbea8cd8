"""A virtual button box on a pseudo-terminal: what the tests, the benchmarks and demos press.

It speaks the whole protocol like firmware would: HELLO at power-up, a heartbeat, RATE with an
incrementing seq, and a resend of the same frame when no ACK comes within 500 ms (up to 3
times). With ``boot_id`` it speaks protocol 1.1: a random boot identifier in HELLO and every RATE.
:meth:`VirtualBox.power_cycle` resets it like a box that lost its power: seq from 0 again. A symlink at ``link`` points to the pty's slave side, so a configuration can name it as
its port; ``unplug()``/``replug()`` close and recreate the pty like a USB cable pulled and pushed.
"""

from __future__ import annotations

import argparse
import os
import random
import select
import sys
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path

from .protocol import MAX_BOOT, MAX_SEQ, Ack, FrameSplitter, Heartbeat, Hello, Rate, encode

ACK_TIMEOUT_S = 0.5
RESENDS = 3


@dataclass(frozen=True)
class PressResult:
    """What became of one press: ACKed or not, after how many sends, and how long it took."""
    box: int
    key: int
    seq: int
    acked: bool
    sends: int
    latency_s: float


class VirtualBox:
    """One or more virtual boxes (an RS-485 bus when several) on one pseudo-terminal."""

    def __init__(self, link: str | os.PathLike | None = None, boxes: tuple[int, ...] = (1,),
                 firmware: str = "sim-1.0", ack_timeout_s: float = ACK_TIMEOUT_S, resends: int = RESENDS,
                 heartbeat_s: float | None = 10.0, on_ack=None, boot_id: bool = False):
        self.on_ack = on_ack  # called from the listening thread the moment an ACK arrives
        self.link = Path(link) if link else None
        self.boxes, self.firmware = boxes, firmware
        self.ack_timeout_s, self.resends, self.heartbeat_s = ack_timeout_s, resends, heartbeat_s
        self.seq = {b: 0 for b in boxes}
        self.acks: list[Ack] = []
        self._acked: dict[tuple[int, int], threading.Event] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._master = self._slave = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._booted = time.monotonic()
        self.boot_id = boot_id
        self.boot = random.randint(0, MAX_BOOT) if boot_id else None

    # --- the pty ------------------------------------------------------------------------------

    @property
    def device(self) -> str:
        """The slave side's device path (what the symlink points to)."""
        return os.ttyname(self._slave)

    @property
    def port(self) -> str:
        """What a configuration names as the port: the symlink if there is one, else the device."""
        return str(self.link) if self.link else self.device

    def plug(self, hello: bool = True) -> "VirtualBox":
        """Create the pty (and symlink), start listening for ACKs, and say HELLO."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing: bytes pass as they are
        if self.link:
            tmp = self.link.with_name(self.link.name + ".tmp")
            tmp.unlink(missing_ok=True)
            os.symlink(self.device, tmp)
            os.replace(tmp, self.link)  # atomic: the reader never sees a half-made link
        self._stop.clear()
        self._threads = [threading.Thread(target=self._listen, args=(self._master,), daemon=True)]
        if self.heartbeat_s:
            self._threads.append(threading.Thread(target=self._heartbeat, daemon=True))
        for t in self._threads:
            t.start()
        if hello:
            self._booted = time.monotonic()
            for b in self.boxes:
                self.send(Hello(b, self.firmware, self.boot))
        return self

    def power_cycle(self, hello: bool = True) -> "VirtualBox":
        """Lose power and come back: the port goes away and returns, the seq numbers start from 0,
        the uptime from 0 and (protocol 1.1) a new boot identifier is drawn. ``hello=False`` is a
        HELLO sent before the kiosk reopened the port, and so never read."""
        self.unplug()
        with self._lock:
            self.seq = {b: 0 for b in self.boxes}
        self._booted = time.monotonic()
        if self.boot_id:
            old = self.boot
            while self.boot == old:
                self.boot = random.randint(0, MAX_BOOT)
        return self.plug(hello=hello)

    def unplug(self) -> None:
        """Close the pty like a pulled cable: the kiosk's reads fail, the symlink disappears."""
        self._stop.set()
        for fd in (self._master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = None
        for t in self._threads:
            t.join(2)
        if self.link:
            self.link.unlink(missing_ok=True)

    def replug(self, hello: bool = False) -> "VirtualBox":
        """Plug in again after :meth:`unplug` (a new pty, the same link). No HELLO unless asked:
        the box kept its power, only the cable moved."""
        return self.plug(hello=hello)

    close = unplug

    def __enter__(self) -> "VirtualBox":
        return self.plug() if self._master is None else self

    def __exit__(self, *exc) -> None:
        self.unplug()

    # --- talking ------------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        """Write bytes to the kiosk as they are (for garbage, split frames, and so on)."""
        with self._write_lock:
            view = memoryview(data)
            while view:
                n = os.write(self._master, view)
                view = view[n:]

    def send(self, frame) -> None:
        """Write one frame."""
        self.send_raw(encode(frame))

    def press(self, key: int, box: int | None = None) -> PressResult:
        """Press a key like firmware would: send, wait for the ACK, resend the same frame if none comes."""
        box = box or self.boxes[0]
        with self._lock:
            seq = self.seq[box]
            self.seq[box] = (seq + 1) % (MAX_SEQ + 1)
            event = self._acked.setdefault((box, seq), threading.Event())
        frame = encode(Rate(box, key, seq, self.boot))
        start = time.perf_counter()
        sends = 0
        for sends in range(1, self.resends + 2):
            self.send_raw(frame)
            if event.wait(self.ack_timeout_s):
                break
        latency = time.perf_counter() - start
        with self._lock:
            self._acked.pop((box, seq), None)
        return PressResult(box, key, seq, event.is_set(), sends, latency)

    def _listen(self, master: int) -> None:
        splitter = FrameSplitter()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.1)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except (OSError, ValueError):
                return  # unplugged
            if not data:
                return
            for item in splitter.feed(data):
                if isinstance(item, Ack):
                    if self.on_ack is not None:
                        self.on_ack(item)
                    with self._lock:
                        self.acks.append(item)
                        event = self._acked.get((item.box, item.seq))
                    if event:
                        event.set()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                for b in self.boxes:
                    self.send(Heartbeat(b, int(time.monotonic() - self._booted)))
            except (OSError, TypeError):
                return


# --- command line -----------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``simulate-buttons`` options."""
    p.add_argument("--link", required=True, metavar="PATH",
                   help="create a symlink here to the virtual port (name it as the port in the config)")
    p.add_argument("--box", type=int, default=1, help="box number, 1-99 (default 1)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--script", metavar="KEYS", help="press these keys in order, e.g. 1,2,5, then exit")
    mode.add_argument("--random", type=int, metavar="COUNT", help="press COUNT random keys, then exit")
    p.add_argument("--rate", type=float, default=1.0, metavar="HZ", help="presses per second for --random/--script")
    p.add_argument("--keys", type=int, default=5, help="number of keys on the box (default 5)")
    p.add_argument("--heartbeat", type=float, default=10.0, metavar="S", help="heartbeat period, 0 for none")
    p.add_argument("--boot-id", action="store_true",
                   help="speak protocol 1.1: a random boot identifier in HELLO and every RATE")


def _report(result: PressResult) -> None:
    if result.acked:
        print(f"box {result.box} key {result.key} seq {result.seq}: ACK after {result.latency_s * 1000:.1f} ms"
              + (f" ({result.sends} sends)" if result.sends > 1 else ""), flush=True)
    else:
        print(f"box {result.box} key {result.key} seq {result.seq}: no ACK after {result.sends} sends", flush=True)


def _keys_from_stdin(max_key: int):
    """Yield digit keys typed on stdin; one keystroke at a time when stdin is a terminal."""
    if sys.stdin.isatty():
        import termios
        old = termios.tcgetattr(sys.stdin)
        tty.setcbreak(sys.stdin)
        try:
            while (ch := sys.stdin.read(1)) not in ("", "q"):
                if ch.isdigit() and 1 <= int(ch) <= max_key:
                    yield int(ch)
        finally:
            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, old)
    else:
        for line in sys.stdin:
            for ch in line:
                if ch.isdigit() and 1 <= int(ch) <= max_key:
                    yield int(ch)


def link_problem(link: Path) -> str | None:
    """Why a symlink cannot be made at ``link`` (its folder is missing or not a folder), or None."""
    folder = link.parent
    if not folder.exists():
        return f"the folder {folder} does not exist; create it, or give a path in an existing folder"
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    if link.is_dir() and not link.is_symlink():
        return f"{link} is a folder; give the path of the link to create, such as {link / 'box'}"
    return None


def main(args: argparse.Namespace) -> int:
    """Run ``simulate-buttons``: exit 0 when every press was ACKed."""
    if not 1 <= args.box <= 99:
        print("error: --box must be 1-99", file=sys.stderr)
        return 2
    if args.script is not None:
        try:
            keys = [int(k) for k in args.script.split(",") if k.strip()]
        except ValueError:
            print(f"error: --script takes keys like 1,2,5; got {args.script!r}", file=sys.stderr)
            return 2
    elif args.random is not None:
        rng = random.Random()
        keys = [rng.randint(1, args.keys) for _ in range(args.random)]
    else:
        keys = None
    problem = link_problem(Path(args.link))
    if problem:
        print(f"error: --link {args.link}: {problem}", file=sys.stderr)
        return 2
    box = VirtualBox(args.link, boxes=(args.box,), heartbeat_s=args.heartbeat or None, boot_id=args.boot_id)
    try:
        box.plug()
    except OSError as e:  # a read-only folder, a name too long…: the person's input, said in one line
        box.unplug()
        print(f"error: --link {args.link}: cannot create the link there: {e.strerror or e}", file=sys.stderr)
        return 2
    print(f"virtual button box {args.box} on {box.device}, linked at {args.link}", flush=True)
    failed = 0
    try:
        if keys is None:
            print(f"press keys 1-{args.keys} (1 = Rất hài lòng); q or Ctrl-D to stop", flush=True)
            source = _keys_from_stdin(args.keys)
        else:
            source = iter(keys)
        for i, key in enumerate(source):
            if keys is not None and i and args.rate > 0:
                time.sleep(1 / args.rate)
            result = box.press(key)
            failed += not result.acked
            _report(result)
    except KeyboardInterrupt:
        pass
    finally:
        box.unplug()
    return 1 if failed else 0

"""Reading button boxes: one supervisor per serial port, pyserial's ReaderThread for the bytes.

A press becomes exactly one durable vote: the vote is committed, then the box is ACKed; a resent
press is ACKed again without a second vote, also across a reconnect and a kiosk restart. A resend is
the same frame: the same box, seq and key, and either the same boot identifier (protocol 1.1) or,
from firmware that sends none, the box's latest press, within the few seconds a box resends for.
Anything else is a new press that is stored before it is ACKed: a box that restarted without a
HELLO the kiosk heard counts from seq 0 again, and those presses must never be taken for resends
(see :class:`Presses`). Bad bytes are counted and logged (rate-limited) and never
stop the reader. An unplugged port is noticed by the ``SerialException`` from reads — ``is_open``
stays true after a USB unplug — and reopened, by path or by USB identity, when it comes back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable, Iterable

import serial
import serial.threaded

from rating.scales import Scale
from rating.throttled_log import ThrottledLog
from kiosk.store import StoreUnavailable, Vote, VoteNotRecorded, VoteStore

from . import ports
from .protocol import MAX_SEQ, Ack, FrameError, FrameSplitter, Heartbeat, Hello, Rate, encode

log = logging.getLogger("kiosk.buttons")

DEDUPE_WINDOW_S = 60.0      # how long a press with a boot identifier is remembered (it cannot be confused)
RESEND_WINDOW_S = 5.0       # firmware without a boot identifier: a box resends for 1.5 s after its press
ALIVE_AFTER_S = 25.0        # heartbeats come every 10 s: two missed and the box is "not heard"
BACKOFF_FIRST_S = 0.05
BACKOFF_MAX_S = 0.5         # a returning device is reopened well within 2 s
WARN_EVERY_S = 10.0
PRIME_LOOKBACK = 2000       # recent votes read at start-up to recognise a resend across a restart


@dataclass
class BoxHealth:
    """What the manager screen shows about one box. Times are wall-clock ISO strings or None."""
    box: int
    counter: str
    port: str
    firmware: str | None = None
    last_hello: str | None = None
    last_heartbeat: str | None = None
    last_rate: str | None = None
    uptime_s: int | None = None
    presses: int = 0
    resends: int = 0
    restarts: int = 0              # restarts noticed from its presses, not from a HELLO or a heartbeat
    store_errors: int = 0
    heard: bool = False            # heard from within ALIVE_AFTER_S
    port_connected: bool = False
    _last_heard_mono: float | None = field(default=None, repr=False)


@dataclass
class PortHealth:
    """One serial port: whether it is open, and the bad input it has seen, by kind."""
    port: str
    device: str | None = None
    connected: bool = False
    connects: int = 0
    last_error: str | None = None
    invalid: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def invalid_total(self) -> int:
        """All invalid frames and bytes seen on this port."""
        return sum(self.invalid.values())


@dataclass(frozen=True)
class _Press:
    """A stored press as the dedupe remembers it: its level, boot identifier and when it was ACKed."""
    level: str
    boot: int | None
    acked_at: float


class Presses:
    """One box's recent presses, and the rule that tells a resend from a new press.

    A resend repeats the frame of a press: the same seq and key. With a boot identifier (protocol
    1.1) the same boot proves it, for :data:`DEDUPE_WINDOW_S`. Without one, only the box's latest
    press can be resent, and only within :data:`RESEND_WINDOW_S` of its ACK: a box resends three
    times 500 ms apart, then gives up. Everything else is a new press, and a frame that could only
    come from a box that restarted (a seq behind its latest press, the same seq with another key,
    another boot identifier) also forgets the presses before it, as a HELLO does.
    """

    def __init__(self) -> None:
        self._by_seq: OrderedDict[int, _Press] = OrderedDict()
        self.latest: int | None = None

    def forget(self) -> None:
        """The box restarted: its seq numbers start over."""
        self._by_seq.clear()
        self.latest = None

    def remember(self, seq: int, level: str, boot: int | None, acked_at: float) -> None:
        """A press was stored and ACKed."""
        self._by_seq.pop(seq, None)
        self._by_seq[seq] = _Press(level, boot, acked_at)
        self.latest = seq

    def classify(self, seq: int, level: str, boot: int | None, now: float) -> str:
        """``"resend"``, ``"new"``, or ``"restarted"`` (a new press from a box that restarted)."""
        while self._by_seq and next(iter(self._by_seq.values())).acked_at < now - DEDUPE_WINDOW_S:
            self._by_seq.popitem(last=False)
        before = self._by_seq.get(seq)
        if before is not None and before.level == level:
            if boot is not None and before.boot == boot:
                return "resend"
            if boot is None and seq == self.latest and now - before.acked_at <= RESEND_WINDOW_S:
                return "resend"
        if boot is not None and any(p.boot not in (None, boot) for p in self._by_seq.values()):
            return "restarted"
        if before is not None:
            return "restarted"  # the same seq again, yet not a resend of it: the count started over
        if self.latest is not None and boot is None and 0 < (self.latest - seq) % (MAX_SEQ + 1) < 32768:
            return "restarted"  # behind the latest press (not a wrap past 65535)
        return "new"


class _Protocol(serial.threaded.Protocol):
    """Bytes from one open port to :meth:`PortReader.handle`; one instance per connection."""

    def __init__(self, reader: "PortReader"):
        self.reader, self.splitter, self.transport = reader, FrameSplitter(), None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        for item in self.splitter.feed(data):
            try:
                self.reader.handle(item, self.transport.write)
            except Exception:  # a bug must not kill the port: log it loudly, keep reading
                log.exception("%s: error while handling %r", self.reader.spec, item)

    def connection_lost(self, exc) -> None:
        self.reader.connection_lost(exc)


class PortReader:
    """Reads one serial port, on which one or more boxes (an RS-485 bus) are configured.

    ``boxes`` maps box number to counter id. ``on_vote(vote, box)`` is called after each new
    vote is committed and ACKed (from the reader thread: the UI must hop to its own thread).
    """

    def __init__(self, spec: str, boxes: dict[int, str], store: VoteStore, scale: Scale, *,
                 baudrate: int = 115200, on_vote: Callable[[Vote, int], None] | None = None,
                 demo_boxes: frozenset[int] = frozenset(), clock: Callable[[], float] = time.monotonic):
        ports.parse_usb_spec(spec)  # fail now on a malformed usb: spec
        self.demo_boxes = demo_boxes
        self.spec, self.store, self.scale, self.baudrate = spec, store, scale, baudrate
        self.on_vote, self.clock = on_vote, clock
        self.port_health = PortHealth(spec)
        self.boxes = {n: BoxHealth(n, counter, spec) for n, counter in boxes.items()}
        self._presses: dict[int, Presses] = {n: Presses() for n in boxes}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reader: serial.threaded.ReaderThread | None = None
        self._warn = ThrottledLog(log.warning, WARN_EVERY_S)
        self._connected = threading.Event()
        self._prime_dedupe()

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "PortReader":
        """Start the supervisor thread, which opens the port and reopens it after an unplug."""
        self._thread = threading.Thread(target=self._supervise, name=f"buttons:{self.spec}", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the supervisor to stop without waiting (see :meth:`stop`)."""
        self._stop.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading. A press being handled finishes (committed and ACKed) before the port closes."""
        self._stop.set()
        reader = self._reader
        if reader is not None:
            reader.stop()  # not close(): close() holds the write lock while joining, blocking the last ACK
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_connected(self, timeout: float) -> bool:
        """Block until the port is open (for tests and start-up messages)."""
        return self._connected.wait(timeout)

    def _supervise(self) -> None:
        backoff = BACKOFF_FIRST_S
        while not self._stop.is_set():
            ser = self._open()
            if ser is None:
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                continue
            backoff = BACKOFF_FIRST_S
            reader = serial.threaded.ReaderThread(ser, lambda: _Protocol(self))
            with self._lock:
                self.port_health.connected, self.port_health.connects = True, self.port_health.connects + 1
                for b in self.boxes.values():
                    b.port_connected = True
            self._reader = reader
            self._connected.set()
            reader.start()
            while reader.is_alive() and not self._stop.is_set():
                reader.join(0.2)
            if reader.is_alive():
                reader.stop()
            self._reader = None
            try:
                ser.close()
            except (serial.SerialException, OSError):
                pass
            with self._lock:
                self.port_health.connected = False
                for b in self.boxes.values():
                    b.port_connected = False
            self._connected.clear()

    def _open(self) -> serial.Serial | None:
        try:
            device = ports.resolve(self.spec)
            if device is None:
                self._note_error(f"{self.spec}: not present (unplugged?)")
                return None
            ser = serial.Serial(device, self.baudrate, exclusive=True)
        except (serial.SerialException, OSError, ports.PortSpecError) as e:
            self._note_error(f"{self.spec}: cannot open: {e}")
            return None
        self.port_health.device = os.path.realpath(device)
        log.info("%s: opened %s at %d baud", self.spec, device, self.baudrate)
        return ser

    def _note_error(self, msg: str) -> None:
        if self.port_health.last_error != msg:
            log.warning(msg)
        self.port_health.last_error = msg

    def connection_lost(self, exc) -> None:
        """Called by the reader thread when the port fails or is stopped."""
        if exc is not None and not self._stop.is_set():
            self._note_error(f"{self.spec}: connection lost: {exc}")

    # --- frames -------------------------------------------------------------------------------

    def _invalid(self, kind: str, detail: str) -> None:
        with self._lock:
            self.port_health.invalid[kind] += 1
        self._warn("%s: dropped invalid input (%s): %s", self.spec, kind, detail)

    def handle(self, item, write: Callable[[bytes], object]) -> None:
        """Act on one frame or framing error from this port; ``write`` sends bytes back."""
        if isinstance(item, FrameError):
            return self._invalid(item.kind, f"{item.detail}; {item.raw[:40]!r}")
        box = self.boxes.get(item.box)
        if box is None:
            return self._invalid("unknown_box", f"box {item.box} is not configured on this port")
        now_wall = datetime.now(self.store.tz).isoformat(timespec="seconds")
        with self._lock:
            box._last_heard_mono = time.monotonic()
        if isinstance(item, Rate):
            return self._rate(box, item, write, now_wall)
        if isinstance(item, Hello):
            with self._lock:
                box.firmware, box.last_hello = item.firmware, now_wall
                self._presses[item.box].forget()  # a rebooted box counts its presses from 0 again
            log.info("%s: box %d says hello (firmware %s)", self.spec, item.box, item.firmware)
        elif isinstance(item, Heartbeat):
            with self._lock:
                if box.uptime_s is not None and item.uptime_s < box.uptime_s:
                    self._presses[item.box].forget()  # rebooted without a HELLO we heard
                box.last_heartbeat, box.uptime_s = now_wall, item.uptime_s
        elif isinstance(item, Ack):
            self._invalid("unexpected", f"box {item.box} sent an ACK, which only the kiosk sends")

    def _rate(self, box: BoxHealth, frame: Rate, write, now_wall: str) -> None:
        if frame.key > len(self.scale.levels):
            return self._invalid("key_range", f"box {frame.box} key {frame.key} is beyond the "
                                              f"{len(self.scale.levels)} levels of scale {self.scale.id}")
        level = self.scale.by_key(frame.key)
        presses = self._presses[frame.box]
        kind = presses.classify(frame.seq, level.code, frame.boot, self.clock())
        if kind == "resend":
            with self._lock:
                box.resends += 1
            write(encode(Ack(frame.box, frame.seq)))  # the earlier ACK was lost: say it again
            return
        if kind == "restarted":
            log.warning("%s: box %d restarted without a HELLO the kiosk heard (press seq %d after seq %s): "
                        "its presses count from here", self.spec, frame.box, frame.seq, presses.latest)
            with self._lock:
                box.restarts += 1
            presses.forget()
        # The store marks out-of-hours from the vote's own time; a simulated box's presses are demo votes.
        source = "demo" if frame.box in self.demo_boxes else f"serial:{frame.box}"
        try:
            vote = self.store.record_vote(box.counter, level.code, source=source, box_seq=frame.seq)
        except VoteNotRecorded as e:
            with self._lock:
                box.store_errors += 1
            # A full disk or a deleted store is told once by the store: not once a press and resend.
            log.log(logging.DEBUG if isinstance(e, StoreUnavailable) else logging.ERROR,
                    "%s: box %d press seq %d NOT recorded, not ACKed: %s", self.spec, frame.box, frame.seq, e)
            return
        presses.remember(frame.seq, level.code, frame.boot, self.clock())
        with self._lock:
            box.presses += 1
            box.last_rate = now_wall
        write(encode(Ack(frame.box, frame.seq)))
        if self.on_vote is not None:
            try:
                self.on_vote(vote, frame.box)
            except Exception:  # the vote is stored and ACKed: a listener's failure must not undo that
                log.exception("%s: box %d vote #%d stored and ACKed; telling the kiosk about it failed",
                              self.spec, frame.box, vote.seq)

    def _prime_dedupe(self) -> None:
        """Remember the presses stored in the last window, so a resend after a kiosk restart is not a
        new vote. The boot identifier is not stored: a primed press is matched as firmware 1.0's."""
        cutoff_ms = int((time.time() - DEDUPE_WINDOW_S) * 1000)
        # The newest votes by primary key, not a scan of years of them for recent times: no centre
        # takes PRIME_LOOKBACK votes inside one dedupe window.
        rows = self.store.recent_presses(PRIME_LOOKBACK)
        now_mono, now_ms = self.clock(), time.time() * 1000
        for source, box_seq, level, ts_ms in rows:
            if ts_ms < cutoff_ms or box_seq is None or not source.startswith("serial:"):
                continue
            n = int(source.split(":", 1)[1])
            if n in self._presses:
                self._presses[n].remember(box_seq, level, None, now_mono - (now_ms - ts_ms) / 1000)

    # --- health -------------------------------------------------------------------------------

    def health(self) -> tuple[PortHealth, list[BoxHealth]]:
        """A snapshot of the port's and its boxes' health."""
        now = time.monotonic()
        with self._lock:
            boxes = [replace(b, heard=b._last_heard_mono is not None and now - b._last_heard_mono < ALIVE_AFTER_S)
                     for b in self.boxes.values()]
            port = replace(self.port_health, invalid=dict(self.port_health.invalid))
        return port, boxes


class ButtonBoxes:
    """Every configured button box, grouped by port: start, stop and health in one place."""

    def __init__(self, config, store: VoteStore, *, on_vote: Callable[[Vote, int], None] | None = None):
        by_port: dict[str, dict[int, str]] = defaultdict(dict)
        baud: dict[str, int] = {}
        demo: dict[str, set[int]] = defaultdict(set)
        for b in config.button_boxes:
            by_port[b.port][b.box] = b.counter
            baud.setdefault(b.port, b.baudrate)
            if b.demo:
                demo[b.port].add(b.box)
        self.readers = [PortReader(spec, boxes, store, config.scale, baudrate=baud[spec], on_vote=on_vote,
                                   demo_boxes=frozenset(demo[spec]))
                        for spec, boxes in by_port.items()]

    def start(self) -> "ButtonBoxes":
        """Start reading every port."""
        for r in self.readers:
            r.start()
        return self

    def stop(self) -> None:
        """Stop every port; presses being handled finish first."""
        for r in self.readers:
            r.request_stop()  # all at once, then wait for each
        for r in self.readers:
            r.stop()

    def health(self) -> list[tuple[PortHealth, list[BoxHealth]]]:
        """Health of every port and its boxes."""
        return [r.health() for r in self.readers]

    def __iter__(self) -> Iterable[PortReader]:
        return iter(self.readers)

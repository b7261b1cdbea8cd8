"""The button-box serial protocol: frames, checksums and a byte-stream splitter. Pure functions only.

Frames are ASCII lines in the NMEA 0183 style, ``$<BODY>*<CS>\\r\\n``, where CS is two hex digits:
the XOR of every byte of BODY. ``docs/serial-protocol.md`` is the contract for firmware makers.
Nothing here touches a port, so every rule is testable with bytes alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Union

MAX_FRAME = 82          # bytes from '$' to '\n' inclusive, as in NMEA 0183
MAX_BOX = 99
MAX_SEQ = 65535
MAX_KEY = 9             # the protocol's limit; the configured scale narrows it (5 for sipas5)
MAX_UPTIME = 2**32 - 1
MAX_BOOT = 65535        # a box's boot identifier (protocol 1.1): a random number chosen at each power-up

_UINT = re.compile(rb"^[0-9]{1,10}$")
_FIRMWARE = re.compile(rb"^[\x21-\x7e]{1,32}$")  # printable ASCII, no spaces
_CS = re.compile(rb"^[0-9A-Fa-f]{2}$")


# --- frames -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    """A button press: ``key`` 1 is the best rating; ``seq`` identifies the press (resends repeat it).

    ``boot`` (protocol 1.1, optional) is the box's boot identifier: with it a resend is provably the
    same press, whatever the timing; firmware of protocol 1.0 sends none (``None``)."""
    box: int
    key: int
    seq: int
    boot: int | None = None


@dataclass(frozen=True)
class Hello:
    """Sent once at power-up: the box's firmware version (and, protocol 1.1, its boot identifier).
    Its press counter starts over."""
    box: int
    firmware: str
    boot: int | None = None


@dataclass(frozen=True)
class Heartbeat:
    """Sent every 10 s: proof of life and the seconds since power-up."""
    box: int
    uptime_s: int


@dataclass(frozen=True)
class Ack:
    """Kiosk to box: the press ``seq`` is stored (sent only after COMMIT)."""
    box: int
    seq: int


Frame = Union[Rate, Hello, Heartbeat, Ack]


class FrameError(ValueError):
    """Why some bytes were not a valid frame. ``kind`` is a short counter name (see ERROR_KINDS)."""

    def __init__(self, kind: str, detail: str, raw: bytes = b""):
        self.kind, self.detail, self.raw = kind, detail, raw
        super().__init__(f"{kind}: {detail}")


ERROR_KINDS = ("garbage", "oversize", "truncated", "non_ascii", "syntax", "checksum", "unknown_type",
               "fields", "range")


# --- checksum and encoding --------------------------------------------------------------------

def checksum(body: bytes | str) -> str:
    """The frame checksum: XOR of every byte of BODY, as two upper-case hex digits."""
    if isinstance(body, str):
        body = body.encode("ascii")
    cs = 0
    for b in body:
        cs ^= b
    return f"{cs:02X}"


def encode_body(body: str) -> bytes:
    """Wrap a BODY into a complete frame: ``$BODY*CS\\r\\n``."""
    raw = body.encode("ascii")
    if any(c in raw for c in b"$*\r\n") or len(raw) + 6 > MAX_FRAME:
        raise ValueError(f"cannot frame body {body!r}")
    return b"$" + raw + b"*" + checksum(raw).encode() + b"\r\n"


def encode(frame: Frame) -> bytes:
    """The bytes of a frame, ready to write to the port."""
    boot = "" if getattr(frame, "boot", None) is None else f",{frame.boot}"
    if isinstance(frame, Rate):
        body = f"RATE,{frame.box},{frame.key},{frame.seq}{boot}"
    elif isinstance(frame, Hello):
        body = f"HELLO,{frame.box},{frame.firmware}{boot}"
    elif isinstance(frame, Heartbeat):
        body = f"HB,{frame.box},{frame.uptime_s}"
    elif isinstance(frame, Ack):
        body = f"ACK,{frame.box},{frame.seq}"
    else:
        raise TypeError(f"not a frame: {frame!r}")
    return encode_body(body)


# --- decoding ---------------------------------------------------------------------------------

def _uint(raw: bytes, name: str, lo: int, hi: int, line: bytes) -> int:
    if not _UINT.match(raw):
        raise FrameError("fields", f"{name} must be a whole number, got {raw!r}", line)
    value = int(raw)
    if not lo <= value <= hi:
        raise FrameError("range", f"{name} {value} is outside {lo}-{hi}", line)
    return value


# How many fields each frame type takes, the type included; RATE and HELLO may carry the boot
# identifier of protocol 1.1 as one more, last field.
_FIELDS = {b"RATE": (4, 5), b"HELLO": (3, 4), b"HB": (3,), b"ACK": (3,)}


def parse_line(line: bytes) -> Frame:
    """Decode one line (``$…*CS`` with or without the line ending); raise :class:`FrameError`."""
    if len(line) > MAX_FRAME:
        raise FrameError("oversize", f"{len(line)} bytes, the limit is {MAX_FRAME}", line)
    body_and_cs = line.rstrip(b"\n").removesuffix(b"\r")
    if any(b > 0x7E or (b < 0x20) for b in body_and_cs):
        raise FrameError("non_ascii", "bytes outside printable ASCII", line)
    if not body_and_cs.startswith(b"$") or body_and_cs.count(b"*") != 1:
        raise FrameError("syntax", "expected $BODY*CS", line)
    body, cs = body_and_cs[1:].split(b"*")
    if not _CS.match(cs):
        raise FrameError("syntax", f"checksum must be two hex digits, got {cs!r}", line)
    if cs.upper().decode() != checksum(body):
        raise FrameError("checksum", f"got {cs.decode()}, computed {checksum(body)}", line)
    fields = body.split(b",")
    kind = fields[0]
    if kind not in _FIELDS:
        raise FrameError("unknown_type", f"unknown frame type {kind[:16]!r}", line)
    if len(fields) not in _FIELDS[kind]:
        takes = " or ".join(str(n - 1) for n in _FIELDS[kind])
        raise FrameError("fields", f"{kind.decode()} takes {takes} fields, got {len(fields) - 1}", line)
    box = _uint(fields[1], "box", 1, MAX_BOX, line)
    has_boot = len(_FIELDS[kind]) == 2 and len(fields) == _FIELDS[kind][1]
    boot = _uint(fields[-1], "boot", 0, MAX_BOOT, line) if has_boot else None
    if kind == b"RATE":
        return Rate(box, _uint(fields[2], "key", 1, MAX_KEY, line), _uint(fields[3], "seq", 0, MAX_SEQ, line), boot)
    if kind == b"HB":
        return Heartbeat(box, _uint(fields[2], "uptime", 0, MAX_UPTIME, line))
    if kind == b"ACK":
        return Ack(box, _uint(fields[2], "seq", 0, MAX_SEQ, line))
    if not _FIRMWARE.match(fields[2]):
        raise FrameError("fields", f"firmware must be 1-32 printable ASCII characters, got {fields[2][:40]!r}", line)
    return Hello(box, fields[2].decode("ascii"), boot)


class FrameSplitter:
    """Turns a byte stream, in chunks of any size, into frames and errors. Never raises.

    A frame starts at ``$`` and ends at ``\\n``. Bytes outside frames (other than line endings)
    are garbage; a ``$`` inside an unfinished frame starts over (the earlier part was
    truncated); more than :data:`MAX_FRAME` bytes without an end is oversize. Memory is bounded
    by MAX_FRAME whatever arrives.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skipping = False  # the tail of an oversize line: dropped without a second error

    def feed(self, data: bytes) -> Iterator[Union[Frame, FrameError]]:
        """Add bytes; yield every complete frame or error they finish, in order."""
        buf = self._buf
        buf += data
        while buf:
            start = buf.find(b"$")
            if start != 0:
                if start < 0:
                    nl = buf.rfind(b"\n")
                    if nl < 0 and len(buf) <= MAX_FRAME:
                        return  # wait: the run of garbage may go on, report it once
                    cut = len(buf) if nl < 0 else nl + 1
                else:
                    cut = start
                junk = bytes(buf[:cut])
                del buf[:cut]
                if self._skipping:
                    nl = junk.find(b"\n")
                    self._skipping = nl < 0 and start < 0
                    junk = b"" if nl < 0 else junk[nl + 1:]
                if junk.strip(b"\r\n"):
                    yield FrameError("garbage", f"{len(junk)} bytes outside a frame", junk[:MAX_FRAME])
                continue
            self._skipping = False
            end = buf.find(b"\n")
            restart = buf.find(b"$", 1, end if end >= 0 else len(buf))
            if restart > 0:
                part = bytes(buf[:restart])
                del buf[:restart]
                yield FrameError("truncated", "a new frame began before this one ended", part[:MAX_FRAME])
                continue
            if end < 0:
                if len(buf) > MAX_FRAME:
                    part = bytes(buf)
                    buf.clear()
                    self._skipping = True
                    yield FrameError("oversize", f"no line end within {MAX_FRAME} bytes", part[:MAX_FRAME])
                return
            line = bytes(buf[: end + 1])
            del buf[: end + 1]
            try:
                yield parse_line(line)
            except FrameError as e:
                yield e

"""Finding a button box's serial device: a path, or a USB identity that survives replugging.

``/dev/ttyUSB0`` can become ``/dev/ttyUSB1`` after an unplug; ``usb:VID:PID[:SERIAL]`` names the
adapter itself, and is looked up again with ``serial.tools.list_ports`` on every reconnect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

from kiosk.config import USB_PORT_RE


class PortSpecError(ValueError):
    """A port specification that cannot name a device."""


@dataclass(frozen=True)
class UsbId:
    """A USB serial adapter's identity: vendor and product ids, and optionally its serial number."""
    vid: int
    pid: int
    serial: str | None = None

    def matches(self, info) -> bool:
        """True when a ``serial.tools.list_ports`` entry is this adapter."""
        return (info.vid == self.vid and info.pid == self.pid
                and (self.serial is None or info.serial_number == self.serial))


def parse_usb_spec(spec: str) -> UsbId | None:
    """The :class:`UsbId` in a ``usb:VID:PID[:SERIAL]`` spec; None for a plain path; error if malformed."""
    if not spec.startswith("usb:"):
        return None
    m = USB_PORT_RE.match(spec)
    if not m:
        raise PortSpecError(f"{spec!r}: expected usb:VID:PID or usb:VID:PID:SERIAL with 4-digit hex ids")
    return UsbId(int(m.group(1), 16), int(m.group(2), 16), m.group(3))


def find_usb_device(usb: UsbId, ports: Iterable) -> str | None:
    """The device path of the one port matching ``usb`` among ``ports``; error if several match."""
    found = sorted(p.device for p in ports if usb.matches(p))
    if len(found) > 1:
        raise PortSpecError(f"{len(found)} adapters match {usb.vid:04x}:{usb.pid:04x} ({', '.join(found)}); "
                            "add the serial number: usb:VID:PID:SERIAL")
    return found[0] if found else None


def resolve(spec: str) -> str | None:
    """The device path for ``spec`` right now, or None when it is not plugged in."""
    usb = parse_usb_spec(spec)
    if usb is None:
        return spec if os.path.exists(spec) else None
    from serial.tools import list_ports
    return find_usb_device(usb, list_ports.comports())

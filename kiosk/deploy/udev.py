"""The udev rule that names each button box by its USB identity: ``/dev/rating-box-N``, N its box number.

``/dev/ttyUSB0`` can become ``/dev/ttyUSB1`` after a replug or a reboot; the USB vendor, product and
serial number of the box's adapter do not. A box configured as ``usb:VID:PID[:SERIAL]`` is named from
that; a box configured by a device path is named from what udev knows of the device there now (it must be
plugged in while installing). The centre finds its boxes with ``ls -l /dev/rating-box-*``, and a box's
identity with ``udevadm info -q property -n /dev/ttyUSB0`` (ID_VENDOR_ID, ID_MODEL_ID, ID_SERIAL_SHORT).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from typing import Iterable

from kiosk.config import USB_PORT_RE

HEADER = ("# Written by deploy/install-kiosk from the kiosk's [[button_boxes]]: a stable name per button box,\n"
          "# whatever ttyUSB number it gets. Run install-kiosk again after adding a box. Do not edit.\n")
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # a serial number udev matches literally (no globs, no quotes)


@dataclass(frozen=True)
class BoxId:
    """A button box's USB identity and the number it is named after."""

    box: int
    vendor: str
    product: str
    serial: str | None

    @property
    def link(self) -> str:
        return f"/dev/rating-box-{self.box}"

    def rule(self) -> str:
        serial = f', ATTRS{{serial}}=="{self.serial}"' if self.serial else ""
        return (f'SUBSYSTEM=="tty", ATTRS{{idVendor}}=="{self.vendor}", ATTRS{{idProduct}}=="{self.product}"{serial}, '
                f'SYMLINK+="rating-box-{self.box}", GROUP="dialout", MODE="0660"\n')


def from_spec(box: int, port: str) -> BoxId | None:
    """The identity in a ``usb:VID:PID[:SERIAL]`` port, or None for a device path."""
    if not USB_PORT_RE.match(port):
        return None
    _, vid, pid, *serial = port.split(":", 3)
    s = serial[0] if serial and _SAFE.match(serial[0]) else None
    return BoxId(box, vid.lower(), pid.lower(), s)


def from_udev_properties(box: int, text: str) -> BoxId | None:
    """The identity in ``udevadm info -q property`` output, or None when it is not a USB device."""
    props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    vid, pid = props.get("ID_VENDOR_ID", ""), props.get("ID_MODEL_ID", "")
    if not (re.fullmatch(r"[0-9a-fA-F]{4}", vid) and re.fullmatch(r"[0-9a-fA-F]{4}", pid)):
        return None
    serial = props.get("ID_SERIAL_SHORT")
    return BoxId(box, vid.lower(), pid.lower(), serial if serial and _SAFE.match(serial) else None)


def ask_udev(box: int, port: str) -> BoxId | None:
    """The identity of the device at ``port`` now, from udev; None when it is not there or not USB."""
    try:
        r = subprocess.run(["udevadm", "info", "-q", "property", "-n", port], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return from_udev_properties(box, r.stdout) if r.returncode == 0 else None


def rules(boxes: Iterable[tuple[int, str]], look_up=ask_udev) -> tuple[str, list[BoxId], list[tuple[int, str]]]:
    """The rule file's text for ``(box, port)`` pairs (one name per port: boxes on one RS-485 line share it),
    the identities named, and the boxes whose identity is not known."""
    named, unknown, seen = [], [], set()
    for box, port in boxes:
        if port in seen:
            continue
        seen.add(port)
        found = from_spec(box, port) or (None if port.startswith("usb:") else look_up(box, port))
        (named if found else unknown).append(found or (box, port))
    return HEADER + "".join(b.rule() for b in named), named, unknown

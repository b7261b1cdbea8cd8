"""Telling systemd how the kiosk is: ``READY=1``, ``WATCHDOG=1`` and a one-line ``STATUS=``.

The documented sd_notify protocol (sd_notify(3)): one datagram on an ``AF_UNIX``/``SOCK_DGRAM`` socket
whose address is in ``$NOTIFY_SOCKET`` — a path, or an abstract name written with a leading ``@`` —
holding newline-separated ``KEY=value`` lines. It is a few lines of the standard library, so no
library is needed. No ``$NOTIFY_SOCKET`` (a desktop, a test, ``python main.py run`` by hand): nothing
is sent and nothing fails. A socket that cannot be reached is said once in the log, never raised: the
kiosk votes whether or not systemd listens.

The watchdog must be fed by the loop that serves citizens (the Kivy frame loop, the headless loop),
never by a thread of its own that would go on pinging while the screen is frozen: :class:`Heartbeat`
only sends when its owner's loop calls :meth:`Heartbeat.beat`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Callable, Mapping

log = logging.getLogger("kiosk.notify")

DEFAULT_BEAT_S = 5.0      # how often the status line is refreshed when systemd set no watchdog
STATUS_MAX = 200          # systemctl shows one line: a status longer than this is cut


def _address(name: str) -> str | bytes | None:
    """The socket address for ``$NOTIFY_SOCKET``: a path, an abstract name (``@x`` → ``\\0x``), or None for
    one this module cannot reach (e.g. ``vsock:``, which systemd uses for virtual machines only)."""
    if name.startswith("@"):
        return b"\0" + name[1:].encode()
    if name.startswith("/"):
        return name
    return None


class Notifier:
    """One service manager's socket, or none. ``watchdog_s`` is systemd's interval (``$WATCHDOG_USEC``)."""

    def __init__(self, socket_name: str | None, watchdog_usec: int | None = None):
        self.socket_name = socket_name or None
        self.address = _address(self.socket_name) if self.socket_name else None
        self.watchdog_s = watchdog_usec / 1e6 if watchdog_usec and watchdog_usec > 0 else None
        self._complained = False
        if self.socket_name and self.address is None:
            log.warning("NOTIFY_SOCKET=%s is not a path or an abstract (@) name: systemd is not told the "
                        "kiosk's state", self.socket_name)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> "Notifier":
        """The notifier systemd asked for. ``$WATCHDOG_PID`` is not checked: under cage or xinit the kiosk
        is a child of the unit's main process, and the unit says ``NotifyAccess=all`` for that reason."""
        usec = environ.get("WATCHDOG_USEC", "")
        return cls(environ.get("NOTIFY_SOCKET"), int(usec) if usec.isdigit() else None)

    @property
    def enabled(self) -> bool:
        """True when there is a socket to tell."""
        return self.address is not None

    def send(self, *lines: str) -> bool:
        """Send ``KEY=value`` lines in one datagram; True when it was sent."""
        if self.address is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto("\n".join(lines).encode("utf-8"), self.address)
        except OSError as e:
            if not self._complained:  # once: a missing socket would otherwise log every few seconds
                log.warning("cannot notify systemd at NOTIFY_SOCKET=%s: %s", self.socket_name, e.strerror or e)
                self._complained = True
            return False
        self._complained = False
        return True

    def ready(self, status: str | None = None) -> bool:
        """``READY=1`` (with the status line): the face is up and serving citizens."""
        return self.send("READY=1", *([status_line(status)] if status else []))

    def watchdog(self, status: str | None = None) -> bool:
        """``WATCHDOG=1`` (with the status line when given)."""
        return self.send("WATCHDOG=1", *([status_line(status)] if status else []))

    def stopping(self) -> bool:
        """``STOPPING=1``: the kiosk is shutting down on purpose."""
        return self.send("STOPPING=1")


def status_line(text: str) -> str:
    """``STATUS=`` with ``text`` on one line (systemctl status shows one)."""
    one = " ".join(text.split())
    return "STATUS=" + (one if len(one) <= STATUS_MAX else one[:STATUS_MAX - 1] + "…")


class Heartbeat:
    """The watchdog's feed, called from the loop that serves citizens.

    ``beat()`` sends ``WATCHDOG=1`` and the current status line at most every :attr:`every_s` (half of
    systemd's interval, as sd_watchdog_enabled(3) advises). ``status()`` reads the store: a loop that
    cannot reach it — stuck behind a write that never ends — does not ping either.
    """

    def __init__(self, notifier: Notifier, status: Callable[[], str] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.notifier, self._status, self.clock = notifier, status, clock
        self.every_s = notifier.watchdog_s / 2 if notifier.watchdog_s else DEFAULT_BEAT_S
        self._last: float | None = None

    def status(self) -> str | None:
        """The one-line status now, or None when it cannot be read (logged)."""
        if self._status is None:
            return None
        try:
            return self._status()
        except Exception as e:  # a status that fails must not stop the kiosk; the watchdog decides
            log.warning("the status line for systemd could not be read: %s", e)
            return None

    def ready(self) -> bool:
        """``READY=1`` and the first status line; the watchdog's clock starts now."""
        if not self.notifier.enabled:
            return False
        self._last = self.clock()
        return self.notifier.ready(self.status())

    def on_clock(self, _dt: float) -> None:
        """:meth:`beat` for Kivy's Clock, which would unschedule a callback that returned False."""
        self.beat()

    def beat(self) -> bool:
        """Feed the watchdog when it is due; True when a ping was sent."""
        if not self.notifier.enabled:
            return False
        now = self.clock()
        if self._last is not None and now - self._last < self.every_s * 0.9:
            return False
        status = self.status()
        if self.notifier.watchdog_s is None:
            sent = bool(status) and self.notifier.send(status_line(status))
        else:
            sent = self.notifier.watchdog(status)
        self._last = now
        return sent

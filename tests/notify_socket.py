"""A NOTIFY_SOCKET as systemd makes it: an AF_UNIX datagram socket the test binds and reads."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path


class NotifySocket:
    """Bound at ``path`` (or an abstract name when ``abstract``); collects each datagram's lines."""

    def __init__(self, path: Path | None = None, abstract: str | None = None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract is not None:
            self.sock.bind(b"\0" + abstract.encode())
            self.name = "@" + abstract
        else:
            self.sock.bind(str(path))
            self.name = str(path)
        self.messages: list[list[str]] = []

    def env(self, watchdog_usec: int | None = None) -> dict[str, str]:
        """The variables systemd sets for a Type=notify unit (with WatchdogSec=: WATCHDOG_USEC)."""
        env = {"NOTIFY_SOCKET": self.name}
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        return env

    def drain(self) -> list[list[str]]:
        """Every datagram already delivered (sendto on a Unix datagram socket queues it at once)."""
        got = []
        self.sock.setblocking(False)
        while True:
            try:
                data = self.sock.recv(4096)
            except (BlockingIOError, TimeoutError):
                break
            got.append(data.decode("utf-8").split("\n"))
        self.messages += got
        return got

    def wait_for(self, line_start: str, timeout: float = 30.0, after: int = 0) -> list[str]:
        """The first datagram (from index ``after``) with a line starting ``line_start``; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.messages[after:]:
                if any(line.startswith(line_start) for line in msg):
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {line_start!r} on the notify socket; got {self.messages}")
            self.sock.settimeout(min(left, 0.5))
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append(data.decode("utf-8").split("\n"))

    def close(self) -> None:
        self.sock.close()
        if not self.name.startswith("@"):
            try:
                os.unlink(self.name)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "NotifySocket":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

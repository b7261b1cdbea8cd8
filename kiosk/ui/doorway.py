"""The one doorway from other threads to the UI thread.

Serial readers and the sync thread never touch a widget: they :meth:`post` events here. A single
``Clock.create_trigger`` drains the queue on the UI thread at the next frame; many events posted
between two frames cost one wake-up.
"""

from __future__ import annotations

import logging
import queue
from typing import Any, Callable

from kivy.clock import Clock

log = logging.getLogger("kiosk.ui")


class Doorway:
    """Carries ``(kind, payload)`` events to ``handler(kind, payload)`` on the UI thread."""

    def __init__(self, handler: Callable[[str, Any], None]):
        self.handler = handler
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._trigger = Clock.create_trigger(self._drain, 0)

    def post(self, kind: str, payload: Any = None) -> None:
        """Thread-safe: queue an event for the UI thread."""
        self._queue.put((kind, payload))
        self._trigger()

    def _drain(self, _dt: float) -> None:
        while True:
            try:
                kind, payload = self._queue.get_nowait()
            except queue.Empty:
                return
            try:
                self.handler(kind, payload)
            except Exception:  # one bad event must not stop the ones behind it
                log.exception("UI event %s failed", kind)

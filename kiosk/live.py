"""The running kiosk's switch to a newly accepted version of the managed settings (issue 17).

The check-in thread hands the new configuration here (:func:`Switch.offer`). Headless, the store takes the
new counters and opening hours at once: two references replaced, so a press is checked against the old
set or the new one, never a mix — between two citizens by construction. A face that shows the counters
(the touch screen) registers itself with :meth:`Switch.set_face` and decides when to switch; until it
does, the store keeps the old set, so a counter it still shows is never refused.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from .config import Config

log = logging.getLogger("kiosk")


# The start screens a touch face may switch on: nobody is part way through a rating there (issue 17).
START_SCREENS = ("pick", "rating", "ticket", "closed")
SETTLE_S = 5.0   # untouched this long on its start screen, the touch face is between two citizens


def between_citizens(screen: str, home: str, idle_s: float, *, settle_s: float = SETTLE_S,
                     mid_questionnaire: bool = False, changed: bool = False) -> bool:
    """May the touch face switch to a new version now? Only on its start screen (``screen`` is ``home``, one
    of :data:`START_SCREENS`), untouched for ``settle_s``, with no questionnaire started and nothing a
    citizen chose still showing (``changed``: another language, large print, digits typed)."""
    return (screen == home and screen in START_SCREENS and idle_s >= settle_s
            and not mid_questionnaire and not changed)


def apply_to_store(store, config: Config) -> None:
    """The store checks presses against ``config``'s counters and opening hours from now on."""
    store.take_settings((c.id for c in config.counters), config.hours)


class Switch:
    """Where a new configuration goes: to the registered face, else straight to the store."""

    def __init__(self):
        self._lock = threading.Lock()
        self._face: Callable[[Config], None] | None = None

    def set_face(self, take: Callable[[Config], None] | None) -> None:
        """Register (or, with None, remove) the face that switches at a moment of its choosing."""
        with self._lock:
            self._face = take

    def offer(self, config: Config, store) -> None:
        """A new version was accepted and kept as the last good copy: switch to it."""
        with self._lock:
            face = self._face
        if face is None:
            apply_to_store(store, config)
            log.info("managed settings version %s in force", config.settings_version)
        else:
            face(config)


SWITCH = Switch()

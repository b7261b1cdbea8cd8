"""The manager's PIN: a slow salted hash (scrypt), and a pad that locks after 5 wrong tries.

No default PIN: until ``python main.py set-pin`` has stored one, the manager screen cannot be
opened and says how to set it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from enum import Enum
from typing import Callable, Protocol

log = logging.getLogger("kiosk.pin")

SETTING = "manager_pin"
# The pad's state kept in the store's settings, so a restart does not give five fresh tries.
FAILURES_SETTING = "manager_pin_failures"
LOCKED_UNTIL_SETTING = "manager_pin_locked_until"  # wall-clock end of a lock-out (Unix seconds), "0" when none
MIN_DIGITS, MAX_DIGITS = 4, 8
MAX_TRIES = 5
LOCKOUT_S = 300.0
_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~50 ms here, much more for a guesser with the file


class Attempt(Enum):
    """What a PIN attempt came to (never stored nor shown as such: the manager screen words each)."""

    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"   # five wrong tries, now or before: even the right PIN waits for the lock-out's end
    UNSET = "unset"     # no PIN stored yet: ``set-pin`` first


class PinError(ValueError):
    """A PIN that is not 4-8 digits."""


def check_format(pin: str) -> None:
    """Raise :class:`PinError` unless ``pin`` is 4-8 digits."""
    if not (pin.isdigit() and pin.isascii() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise PinError(f"a PIN is {MIN_DIGITS}-{MAX_DIGITS} digits")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$<salt hex>$<hash hex>`` for a PIN."""
    check_format(pin)
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches the stored hash (compared in constant time)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        computed = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                  dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


class Settings(Protocol):
    """Where the pad keeps its state: the store's settings (:class:`kiosk.store.VoteStore`)."""

    def get_setting(self, key: str) -> str | None: ...

    def set_setting(self, key: str, value: str) -> None: ...


class PinPad:
    """Checks PIN attempts against a stored hash; five wrong tries lock it for five minutes.

    Within a run the lock-out counts down on the monotonic ``clock`` (immune to the wall clock being
    set); with :meth:`remember_in` the failed tries and the lock-out's wall-clock end are kept in the
    store, so restarting the kiosk does not give five fresh tries. A wall clock set backwards never
    locks the pad longer than :data:`LOCKOUT_S` from now. Wrong PINs, lock-outs and their end are
    logged, never the digits typed.
    """

    def __init__(self, stored: Callable[[], str | None], clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time):
        self.stored, self.clock, self.wall = stored, clock, wall
        self.failures, self.locked_until = 0, 0.0
        self.settings: Settings | None = None

    def remember_in(self, settings: Settings) -> None:
        """Keep the pad's state in ``settings`` and take up what is stored there (a lock-out from before
        a restart). The shorter of the stored and this run's lock-out wins: the stored end may have been
        moved back; a wall clock set backwards must not lengthen one that is counting down."""
        first = self.settings is None
        self.settings = settings
        try:
            stored_failures = int(settings.get_setting(FAILURES_SETTING) or 0)
            stored_end = float(settings.get_setting(LOCKED_UNTIL_SETTING) or 0)
        except ValueError:  # an unreadable value: start from nothing rather than refuse the manager
            log.warning("the PIN pad's stored state is unreadable; starting with no failed tries")
            stored_failures, stored_end = 0, 0.0
        stored_left = min(LOCKOUT_S, max(0.0, stored_end - self.wall()))
        run_left = LOCKOUT_S if first else max(0.0, self.locked_until - self.clock())
        left = min(stored_left, run_left)
        self.failures = max(0, min(stored_failures, MAX_TRIES - 1)) if first else self.failures
        if left > 0:
            self.locked_until = self.clock() + left
            if first:
                log.warning("manager PIN pad still locked from before the restart: %d s left", round(left))
            if stored_end - self.wall() > left:  # the wall clock went back: store an end it can reach
                self._save(end=self.wall() + left)
        elif self.locked_until > 0 or stored_end > 0:
            self._unlock()

    @property
    def is_set(self) -> bool:
        """False until a PIN has been set with ``set-pin``."""
        return bool(self.stored())

    def locked_for(self) -> float:
        """Seconds until the pad accepts tries again (0 when it does); notes (and logs) a lock-out's end."""
        left = max(0.0, self.locked_until - self.clock())
        if not left and self.locked_until > 0:
            self._unlock()
        return left

    def tries_left(self) -> int:
        """How many wrong PINs the pad still takes before it locks (said after a wrong one)."""
        return max(0, MAX_TRIES - self.failures)

    def attempt(self, pin: str) -> Attempt:
        """Try ``pin``: :class:`Attempt` says whether it opened the pad, was wrong, met a lock-out or no PIN."""
        stored = self.stored()
        if not stored:
            return Attempt.UNSET
        if self.locked_for() > 0:
            return Attempt.LOCKED
        if verify_pin(pin, stored):
            if self.failures:
                self.failures = 0
                self._save()
            return Attempt.OK
        self.failures += 1
        if self.failures >= MAX_TRIES:
            self.failures, self.locked_until = 0, self.clock() + LOCKOUT_S
            log.warning("manager PIN: %d wrong tries; the pad is locked for %d s", MAX_TRIES, round(LOCKOUT_S))
            self._save(end=self.wall() + LOCKOUT_S)
            return Attempt.LOCKED
        log.warning("manager PIN: wrong PIN (try %d of %d)", self.failures, MAX_TRIES)
        self._save()
        return Attempt.WRONG

    def _unlock(self) -> None:
        self.locked_until = 0.0
        log.info("manager PIN pad: the lock-out has ended; PINs are accepted again")
        self._save(end=0.0)

    def _save(self, end: float | None = None) -> None:
        """Write the failed tries (and, when given, the lock-out's wall-clock end) to the store."""
        if self.settings is None:
            return
        try:
            self.settings.set_setting(FAILURES_SETTING, str(self.failures))
            if end is not None:
                self.settings.set_setting(LOCKED_UNTIL_SETTING, repr(float(end)))
        except Exception:  # a full or damaged disk: the pad still locks within this run
            log.exception("could not store the PIN pad's failed tries")

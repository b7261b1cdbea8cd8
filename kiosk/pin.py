"""The manager's PIN: a slow salted hash (scrypt), and a pad that locks after 5 wrong tries.

No default PIN: until ``python main.py set-pin`` has stored one, the manager screen cannot be
opened and says how to set it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from typing import Callable

SETTING = "manager_pin"
MIN_DIGITS, MAX_DIGITS = 4, 8
MAX_TRIES = 5
LOCKOUT_S = 300.0
_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~50 ms here, much more for a guesser with the file


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


class PinPad:
    """Checks PIN attempts against a stored hash; five wrong tries lock it for five minutes."""

    def __init__(self, stored: Callable[[], str | None], clock: Callable[[], float] = time.monotonic):
        self.stored, self.clock = stored, clock
        self.failures, self.locked_until = 0, 0.0

    @property
    def is_set(self) -> bool:
        """False until a PIN has been set with ``set-pin``."""
        return bool(self.stored())

    def locked_for(self) -> float:
        """Seconds until the pad accepts tries again (0 when it does)."""
        return max(0.0, self.locked_until - self.clock())

    def attempt(self, pin: str) -> str:
        """``"ok"``, ``"wrong"``, ``"locked"`` or ``"unset"``."""
        stored = self.stored()
        if not stored:
            return "unset"
        if self.locked_for() > 0:
            return "locked"
        if verify_pin(pin, stored):
            self.failures = 0
            return "ok"
        self.failures += 1
        if self.failures >= MAX_TRIES:
            self.failures, self.locked_until = 0, self.clock() + LOCKOUT_S
            return "locked"
        return "wrong"

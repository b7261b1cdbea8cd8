"""The one growing-wait rule for guesses: wrong passwords (the login page) and wrong enrolment codes
(central.enrolment) — free tries, then a wait that doubles with each failure, up to the window."""

from __future__ import annotations

from datetime import datetime, timedelta

LOGIN_WINDOW = timedelta(minutes=15)
FREE_TRIES = 5                 # wrong passwords for one account from one address before any wait
FIRST_WAIT = timedelta(seconds=30)   # then each further failure doubles the wait, up to the window


def login_wait(failures: list[datetime], now: datetime) -> timedelta:
    """How long one account must wait at one address after these failures (newest last): nothing for
    the first :data:`FREE_TRIES`, then :data:`FIRST_WAIT` doubled with each further failure, at most
    :data:`LOGIN_WINDOW`, counted from the last failure."""
    extra = len(failures) - FREE_TRIES
    if extra < 0:
        return timedelta(0)
    wait = min(FIRST_WAIT * (2 ** min(extra, 16)), LOGIN_WINDOW)
    return max(timedelta(0), failures[-1] + wait - now)

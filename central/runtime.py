"""What one running service is configured with, visible to its views: the database alias, the report
token, the clock and the limits. One process may hold several (the tests run SQLite and PostgreSQL
side by side); a request sees the one of the application that received it."""

from __future__ import annotations

import contextvars
import os
import time
from dataclasses import dataclass, field
from typing import Callable

from rating import signing
from rating.hours import ALWAYS_OPEN, HoursError, OpeningHours, parse_hours
from rating.rate import MIN_N
from rating.wire import MAX_BODY


@dataclass
class Runtime:
    """One service's settings that are not Django's."""
    alias: str = "default"
    report_token: str | None = None
    clock: Callable[[], float] = field(default=time.time)
    window_s: int = signing.DEFAULT_WINDOW_S
    max_body: int = MAX_BODY
    min_n: int = MIN_N   # the minimum sample: fewer counted votes is "Chưa đủ mẫu", not ranked (CENTRAL_MIN_N)
    # The centres' opening hours, for the gaming checks' out-of-hours votes (CENTRAL_OPENING_HOURS); always
    # open (not known) unless set.
    opening_hours: OpeningHours = ALWAYS_OPEN


class SettingError(ValueError):
    """A setting from the environment that cannot be used (the message names it and says what it takes)."""


def min_n_from_env(environ=os.environ) -> int:
    """``CENTRAL_MIN_N``, the minimum sample (default :data:`rating.rate.MIN_N`): a whole number, at least 1."""
    text = (environ.get("CENTRAL_MIN_N") or "").strip()
    if not text:
        return MIN_N
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise SettingError(f"CENTRAL_MIN_N={text[:20]!r}: give a whole number of votes, at least 1, such as {MIN_N}")
    return int(text)


def opening_hours_from_env(environ=os.environ) -> OpeningHours:
    """``CENTRAL_OPENING_HOURS``: the kiosk's opening-hours lines (:mod:`rating.hours`), separated by ``;``
    ("Mon-Fri 07:30-11:30 13:30-17:00; Sat 07:30-11:30"); unset: not known (always open)."""
    text = (environ.get("CENTRAL_OPENING_HOURS") or "").strip()
    if not text:
        return ALWAYS_OPEN
    try:
        return parse_hours([line.strip() for line in text.split(";") if line.strip()])
    except HoursError as e:
        raise SettingError(f"CENTRAL_OPENING_HOURS: {e}") from None


_current: contextvars.ContextVar[Runtime] = contextvars.ContextVar("central_runtime", default=Runtime())


def current() -> Runtime:
    """The runtime of the request being served (the default one outside a request)."""
    return _current.get()


def activate(runtime: Runtime) -> contextvars.Token:
    """Make ``runtime`` current in this thread until :func:`deactivate`."""
    return _current.set(runtime)


def deactivate(token: contextvars.Token) -> None:
    """Undo :func:`activate`."""
    _current.reset(token)


class Router:
    """Every model reads and writes the current runtime's database."""

    def db_for_read(self, model, **hints):
        """The current database."""
        return current().alias

    def db_for_write(self, model, **hints):
        """The current database."""
        return current().alias

    def allow_relation(self, obj1, obj2, **hints):
        """Objects of one database relate."""
        return True

    def allow_migrate(self, db, app_label, **hints):
        """Every database gets every table."""
        return True


def add_database(alias: str, value: str) -> str:
    """Register a database (a SQLite path or a PostgreSQL URL) under ``alias`` after start-up."""
    from django.conf import settings
    from django.db import connections

    from central.dburl import database_settings
    entry = {"default": dict(settings.DATABASES["default"]), alias: database_settings(value)}
    connections.configure_settings(entry)
    settings.DATABASES[alias] = entry[alias]
    connections.settings[alias] = entry[alias]
    return alias

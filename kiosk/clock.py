"""Can this kiosk's clock be trusted? A vote is filed under its day by the clock, and a Raspberry Pi has none.

A Pi without a real-time clock boots at the time it last saved (or 1970) and is right only once a time
source answered; a card moved between boxes, a hand-set date, a power cut can all leave it wrong. A vote
is never refused for that (it is a citizen's vote all the same, and its order is its sequence number):
it is marked **clock-suspect**, with the reason, so no report files it under a day without saying so.

The clock is suspect when (first reason wins):

- :data:`NOT_SYNCHRONIZED`: no time source has answered since boot (systemd-timesyncd writes
  ``/run/systemd/timesync/synchronized``; chrony and ntpd are seen by ``timedatectl``'s
  ``NTPSynchronized``). Where neither can be asked, this says nothing.
- :data:`BEHIND_NEWEST_VOTE`: now is earlier than the newest vote already stored (the clock went back).
- :data:`FAR_FROM_SERVICE`: the central service's ``Date``, read at the last sync, was more than
  :data:`rating.vote.CLOCK_AHEAD_TOLERANCE_S` away.
- :data:`rating.vote.CLOCK_BEHIND`: before 2020, before any kiosk (1970 after a cold boot).

:func:`clock_status` is the one verdict (the store, the manager's status tab and ``doctor`` ask it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

from rating.vote import (BEHIND_NEWEST_VOTE, CLOCK_AHEAD_TOLERANCE_S, CLOCK_BEHIND, EARLIEST_VOTE_MS,
                         FAR_FROM_SERVICE, NOT_SYNCHRONIZED)
from rating.vote import CLOCK_SUSPECT_REASONS as SUSPECT_REASONS

# A clock set back by less than this (NTP's small steps, a leap second) files no vote under another day
# that matters; more is a clock that went back.
BACK_TOLERANCE_S = 60

TIMESYNCD_FLAG = Path("/run/systemd/timesync/synchronized")
SOURCE_RECHECK_S = 30.0   # how long a time source's answer is kept (a vote must not wait for timedatectl)

TimeSource = Callable[[], "bool | None"]   # True: synchronised; False: not yet; None: cannot tell


def clock_status(now_ms: int | None = None, *, newest_vote_ms: int | None = None, skew_s: float | None = None,
                 synchronized: bool | None = None) -> tuple[bool, str]:
    """``(trusted, reason)``: whether votes taken at ``now_ms`` (UTC epoch ms; default the system clock)
    can be filed under their day. ``reason`` is one of :data:`SUSPECT_REASONS` when not trusted, else a
    short description of what was checked.

    ``newest_vote_ms``: the newest stored vote's time; ``skew_s``: the service's clock minus this one at
    the last sync (``sync_meta.clock_skew_s``); ``synchronized``: what the time source says (see
    :func:`system_time_source`), None when it cannot be asked.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if synchronized is False:
        return False, NOT_SYNCHRONIZED
    if now_ms < EARLIEST_VOTE_MS:
        return False, CLOCK_BEHIND
    if newest_vote_ms is not None and now_ms < newest_vote_ms - BACK_TOLERANCE_S * 1000:
        return False, BEHIND_NEWEST_VOTE
    if skew_s is not None and abs(skew_s) > CLOCK_AHEAD_TOLERANCE_S:
        return False, FAR_FROM_SERVICE
    checked = "synchronised" if synchronized else "no time source to ask"
    return True, f"{checked}; after the newest vote; within {CLOCK_AHEAD_TOLERANCE_S} s of the service"


def describe(reason: str) -> str:
    """One line for the manager and the log about a suspect clock's ``reason``."""
    return {
        NOT_SYNCHRONIZED: "no time source has answered since the kiosk started: its clock may be wrong",
        BEHIND_NEWEST_VOTE: "the clock is earlier than the newest vote: it was set back",
        FAR_FROM_SERVICE: f"the clock is more than {CLOCK_AHEAD_TOLERANCE_S} s away from the central service's",
        CLOCK_BEHIND: "the clock says before 2020: it was never set",
    }.get(reason, reason)


def system_time_source(flag: Path = TIMESYNCD_FLAG, timedatectl: str | None = "timedatectl") -> bool | None:
    """Has a time source answered since boot? systemd-timesyncd's flag file first, then ``timedatectl
    show -p NTPSynchronized`` (chrony, ntpd); None when neither can tell (no systemd: a development machine).

    ``KIOSK_TIME_SOURCE`` (``synchronized``, ``unsynchronized``, ``unknown``) overrides it, for tests and
    for a centre whose clock is set by hand from a trusted source."""
    forced = os.environ.get("KIOSK_TIME_SOURCE")
    if forced:
        return {"synchronized": True, "unsynchronized": False}.get(forced.strip().lower())
    if flag.exists():
        return True
    exe = shutil.which(timedatectl) if timedatectl else None
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True,
                             timeout=2)
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip().lower()
    return {"yes": True, "no": False}.get(value) if out.returncode == 0 else None


class CachedSource:
    """A time source asked at most every :data:`SOURCE_RECHECK_S` (monotonic), and never again once it said
    yes: a synchronised clock stays synchronised until the next boot."""

    def __init__(self, source: TimeSource = system_time_source, every_s: float = SOURCE_RECHECK_S,
                 monotonic: Callable[[], float] = time.monotonic):
        self.source, self.every_s, self.monotonic = source, every_s, monotonic
        self._answer: bool | None = None
        self._at: float | None = None

    def __call__(self) -> bool | None:
        if self._answer is True:
            return True
        now = self.monotonic()
        if self._at is None or now - self._at >= self.every_s:
            self._answer, self._at = self.source(), now
        return self._answer

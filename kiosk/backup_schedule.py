"""The nightly backup inside the running kiosk: at ``[backup] time`` each day, and soon after start-up
when the last verified backup is older than :data:`MAX_AGE`; the disk guard between backups.

A failure is logged once, plainly (one line, no traceback), then retried every :data:`RETRY_AFTER`
without another line until it succeeds (one line says so) or fails for another reason. The backup
reads the store through a connection of its own, so votes are recorded meanwhile.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, time, timedelta
from typing import Callable

from .backup import BackupError, BackupRecord, last_verified, take_backup
from .config import Config
from .diskguard import LOW_DISK_BYTES, disk_free, make_room

log = logging.getLogger("kiosk.backup")

MAX_AGE = timedelta(hours=26)        # a nightly backup missed (the kiosk was off): take one when it is back
RETRY_AFTER = timedelta(hours=1)
STARTUP_DELAY = timedelta(minutes=1)  # the face and the first votes first; a crash loop makes no backups
GUARD_EVERY = timedelta(minutes=15)


def next_backup(now: datetime, at: time, last: datetime | None, *, failed: bool = False,
                retry: timedelta = RETRY_AFTER) -> datetime:
    """When the next backup is due: the next ``at`` (local time) after the last backup, but no later
    than :data:`MAX_AGE` after it (now, when there is none or it is older); after a failure, within
    ``retry``."""
    slot = datetime.combine(now.date(), at, now.tzinfo)
    if slot <= now or (last is not None and last >= slot):
        slot = datetime.combine(now.date() + timedelta(days=1), at, now.tzinfo)
    due = slot if last is None else min(slot, last + MAX_AGE)
    if last is None:
        due = now
    if failed:
        due = min(due, now + retry) if due > now else now + retry
    return max(due, now)


class BackupScheduler:
    """A background thread that takes the nightly backup and guards the disk; :meth:`stop` ends it."""

    name = "the nightly backup"

    def __init__(self, config: Config, *, now: Callable[[], datetime] | None = None,
                 retry: timedelta = RETRY_AFTER, startup_delay: timedelta = STARTUP_DELAY,
                 guard_every: timedelta = GUARD_EVERY, low_disk: int = LOW_DISK_BYTES,
                 backup: Callable[[Config], BackupRecord] = take_backup):
        self.config, self.retry, self.startup_delay, self.guard_every = config, retry, startup_delay, guard_every
        self.low_disk, self._backup = low_disk, backup
        self.now = now or (lambda: datetime.now(config.tz))
        record = last_verified(config)
        self.last: datetime | None = record.taken_at if record else None
        self.failing: str | None = None    # the failure already logged, until a backup succeeds
        self.disk_low = False
        self.attempts = 0
        self.planned: datetime | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nightly-backup", daemon=True)

    def start(self) -> "BackupScheduler":
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 60) -> None:
        """Stop after the backup in progress, if any."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        not_before = self.now() + self.startup_delay
        while not self._stop.is_set():
            now = self.now()
            self.planned = max(next_backup(now, self.config.backup.time, self.last, failed=self.failing is not None,
                                           retry=self.retry), not_before)
            if self.planned > now:
                wait = min(self.planned - now, self.guard_every).total_seconds()
                if self._stop.wait(max(0.0, wait)):
                    return
                self._guard()
                if self.now() < self.planned:
                    continue
            self._guard()
            self.run_once()

    def run_once(self) -> BackupRecord | None:
        """Take one backup now; log its failure once (not again while it keeps failing the same way)."""
        self.attempts += 1
        try:
            record = self._backup(self.config)
        except BackupError as e:
            if str(e) != self.failing:
                log.error("nightly backup failed, retried every %d min until it works: %s",
                          self.retry.total_seconds() // 60, e)
            self.failing = str(e)
            return None
        except Exception as e:  # a fault of the software: one line here, the details once at DEBUG
            if self.failing != repr(e):
                log.error("nightly backup failed (a fault in the kiosk software), retried later: %r", e)
                log.debug("the backup's fault", exc_info=True)
            self.failing = repr(e)
            return None
        if self.failing is not None:
            log.warning("nightly backup works again: %s", record.path)
        self.failing, self.last = None, record.taken_at
        return record

    def _guard(self) -> None:
        """Make room when the data partition is low; say so once when it starts and once when it ends."""
        try:
            make_room(self.config, self.low_disk)
            low = disk_free(self.config, self.low_disk).low
        except OSError as e:
            log.debug("disk guard: %s", e)
            return
        if low and not self.disk_low:
            log.warning("disk low on %s: under %d MB free even after removing old backups and logs; votes are "
                        "kept, free some space", self.config.data_dir, self.low_disk // (1024 * 1024))
        elif self.disk_low and not low:
            log.info("disk space on %s is above %d MB again", self.config.data_dir, self.low_disk // (1024 * 1024))
        self.disk_low = low


def start_nightly_backup(config: Config, store=None) -> BackupScheduler | None:
    """A runtime service (``services=[...]``): the nightly backup of a centre's store; none for the demo
    centre or a rehearsal (their votes are never evidence)."""
    if config.is_demo:
        return None
    scheduler = BackupScheduler(config).start()
    log.info("backup: nightly at %s into %s, keeping %d", config.backup.time.strftime("%H:%M"),
             config.backup_dir, config.backup.keep)
    return scheduler

"""Running sync inside the kiosk process: the schedule, with the store the kiosk already has open."""

from __future__ import annotations

import logging
from datetime import datetime

from kiosk import outbox
from kiosk.config import Config
from kiosk.store import VoteStore

from .schedule import SyncScheduler

log = logging.getLogger("kiosk.sync")


def start_background_sync(config: Config, store: VoteStore) -> SyncScheduler | None:
    """Start the nightly schedule when ``[sync]`` is configured; return it (call ``stop()`` at exit)."""
    if config.sync is None:
        log.info("no [sync] section: votes stay on this device until one is configured")
        return None

    def sync_once() -> bool:
        # Imported here, on the schedule's thread: requests costs the kiosk's cold start ~0.2 s, and the
        # first sync is hours away.
        from .client import SyncClient, describe
        result = SyncClient(config, store).run()
        (log.info if result.complete else log.warning)("sync: %s", describe(result).replace("\n", "; "))
        return result.complete

    last_success = store.last_sync_success()
    last = outbox.status(store)["last_run"]
    scheduler = SyncScheduler(sync_once, config.sync.window, now=lambda: datetime.now(config.tz),
                              last_success=last_success)
    scheduler.last_failed = bool(last and not last["ok"])
    scheduler.start()
    log.info("sync: nightly to %s in the window %s-%s", config.sync.url,
             config.sync.window[0].strftime("%H:%M"), config.sync.window[1].strftime("%H:%M"))
    return scheduler

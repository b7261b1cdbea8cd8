"""Running sync inside the kiosk process: the schedule, with the store the kiosk already has open."""

from __future__ import annotations

import logging
from datetime import datetime

from kiosk import outbox
from kiosk.config import Config
from kiosk.store import VoteStore

from .checkins import CheckinLoop
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


def start_checkins(config: Config, store: VoteStore) -> CheckinLoop | None:
    """Start the check-ins while the centre is open (sync.checkins) when ``[sync]`` is configured and
    ``checkin_every_s`` is not 0; return the loop (call ``stop()`` at exit)."""
    if config.sync is None or not config.sync.checkin_every_s:
        return None
    client = None

    def checkin_once() -> bool:
        nonlocal client
        if client is None:   # imported on the loop's thread, as the schedule does (requests at start-up)
            from .client import SyncClient
            from kiosk.live import SWITCH   # a newer version of the managed settings: the running kiosk switches
            # One client: its HTTP connection is kept between check-ins.
            client = SyncClient(config, store, on_settings=lambda new: SWITCH.offer(new, store))
        return client.checkin().ok

    loop = CheckinLoop(checkin_once, config.hours, config.sync.checkin_every_s, now=lambda: datetime.now(config.tz))
    log.info("check-ins every %.0f s while open, to %s", config.sync.checkin_every_s, config.sync.url)
    return loop.start()

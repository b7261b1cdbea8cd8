"""The disk guard's facts and its one remedy: when free space runs low, old backups and old rotated logs
go first. A vote is never deleted to make room (the store is not touched here at all).
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .backup import last_verified, own_backups
from .config import Config
from .logs import LOG_NAME

log = logging.getLogger("kiosk.disk")

LOW_DISK_BYTES = 200 * 1024 * 1024   # below this on the data partition the guard makes room, and health says so


@dataclass(frozen=True)
class DiskFree:
    """Free space where the kiosk writes: the data partition (the store, its logs) and the backup folder's.

    ``low`` is true when the data partition has less than ``threshold`` bytes free; a backup folder
    that does not exist yet (a USB stick not plugged in) has ``backup_free`` None.
    """

    data_dir: Path
    data_free: int
    data_total: int
    backup_dir: Path
    backup_free: int | None
    backup_total: int | None
    threshold: int

    @property
    def low(self) -> bool:
        """True when the data partition is below the threshold."""
        return self.data_free < self.threshold

    def as_json(self) -> dict:
        """The facts as plain values (for the health report and ``doctor --json``)."""
        return {"data_dir": str(self.data_dir), "data_free": self.data_free, "data_total": self.data_total,
                "backup_dir": str(self.backup_dir), "backup_free": self.backup_free,
                "backup_total": self.backup_total, "threshold": self.threshold, "low": self.low}


def disk_free(config: Config, threshold: int = LOW_DISK_BYTES) -> DiskFree:
    """How much room the data partition and the backup folder's partition have now."""
    data = shutil.disk_usage(_existing(config.data_dir))
    try:
        backup = shutil.disk_usage(config.backup_dir) if config.backup_dir.is_dir() else None
    except OSError:
        backup = None
    return DiskFree(config.data_dir, data.free, data.total, config.backup_dir,
                    backup.free if backup else None, backup.total if backup else None, threshold)


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _same_disk(a: Path, b: Path) -> bool:
    try:
        return os.stat(_existing(a)).st_dev == os.stat(_existing(b)).st_dev
    except OSError:
        return False


def make_room(config: Config, threshold: int = LOW_DISK_BYTES) -> list[Path]:
    """When the data partition is below ``threshold``: delete the rotated logs (``kiosk.log.N``, oldest
    first), then this kiosk's backups on that partition down to the newest verified one, until it is
    above again; return what was deleted. The store, its ``-wal`` and the current log are never touched."""
    removed: list[Path] = []

    def low() -> bool:
        return disk_free(config, threshold).low

    if not low():
        return removed
    rotated = sorted(config.log_dir.glob(f"{LOG_NAME}.*"),
                     key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else -1, reverse=True)
    candidates = [p for p in rotated if p.suffix[1:].isdigit()]
    if _same_disk(config.backup_dir, config.data_dir):
        newest = last_verified(config)
        backups = own_backups(config.backup_dir, config.kiosk_id)
        keep = newest.path.resolve() if newest is not None else (backups[-1].resolve() if backups else None)
        candidates += [p for p in backups if p.resolve() != keep]
    for p in candidates:
        if not low():
            break
        try:
            p.unlink()
        except OSError as e:
            log.warning("%s: could not remove it to make room: %s", p, e.strerror or e)
            continue
        removed.append(p)
    if removed:
        log.warning("disk low on %s: removed %d old file(s) to make room (%s); no vote was touched",
                    config.data_dir, len(removed), ", ".join(p.name for p in removed))
    return removed

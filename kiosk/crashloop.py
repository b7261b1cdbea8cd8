"""A crash loop ends on the out-of-service screen, never as a dark panel or a reboot loop.

systemd restarts a kiosk that crashed (``Restart=always``) and stops trying after ``StartLimitBurst=5``
starts in ``StartLimitIntervalSec=600`` (deploy/*.service): the panel would then go dark with nobody told
why. So the kiosk counts its own starts in ``<data_dir>/starts.json``: a start that reaches the face and
keeps it for :data:`STABLE_S` clears the count; when :data:`LIMIT` earlier starts in :data:`WINDOW_S` never
got that far, this start takes no vote and shows the out-of-service notice instead (it stays up and feeds
the watchdog, so systemd does not restart it again). Showing the notice clears the count: the next start
by a person, after a fix, tries again normally.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .config import EMBEDDED_SOURCE, Config
from .runtime import OutOfService

log = logging.getLogger("kiosk.crashloop")

STARTS_FILE = "starts.json"
WINDOW_S = 600.0   # systemd's StartLimitIntervalSec in the units
LIMIT = 4          # earlier unstable starts in the window: this (the 5th, systemd's StartLimitBurst) stops
STABLE_S = 120.0   # a start whose face has run this long was not part of a loop


def _path(config: Config) -> Path:
    return Path(config.data_dir) / STARTS_FILE


def _read(path: Path) -> list[float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:   # unreadable: counted as no start (never a reason not to vote)
        log.warning("%s cannot be read (%s): start count reset", path, e)
        return []
    return [float(t) for t in data.get("starts", []) if isinstance(t, (int, float))] if isinstance(data, dict) else []


def _write(path: Path, starts: list[float]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps({"starts": starts}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:   # a full disk must not keep the kiosk from starting
        log.warning("%s cannot be written (%s): the crash-loop guard is off for this start", path, e)


def record_start(config: Config, now: float | None = None) -> int:
    """Count this start; return how many earlier starts in the last :data:`WINDOW_S` did not become stable."""
    now = time.time() if now is None else now
    path = _path(config)
    earlier = [t for t in _read(path) if 0 <= now - t <= WINDOW_S]
    _write(path, [*earlier, now])
    return len(earlier)


def mark_stable(config: Config) -> None:
    """This start has served long enough: it was not part of a loop (the count starts again)."""
    _write(_path(config), [])


@dataclass(frozen=True)
class CrashLoop(OutOfService):
    """The kiosk restarted again and again without its face running steadily: it takes no vote and says so."""
    log_hint: str = "journalctl -u rating-kiosk -b"

    @property
    def todo(self) -> str:
        """What staff should do: find the cause, then start it again (the count was cleared)."""
        return (f"read the log ({self.log_hint}) for the error that ends each start, fix it, then start the kiosk "
                f"again (`{self.verify_command}` says what needs a person)")


WINDOW_MIN = int(WINDOW_S // 60)


def staff_text(starts: int, log_hint: str) -> str:
    """The out-of-service screen's lines for staff (Vietnamese, then English)."""
    return (f"Dành cho cán bộ: phần mềm đã khởi động lại {starts} lần trong {WINDOW_MIN} phút mà "
            f"không chạy ổn định, nên tạm ngừng nhận đánh giá. Xem nhật ký ({log_hint}), báo bộ phận kỹ thuật; "
            f"sau khi sửa, khởi động lại máy.\n"
            f"For staff: the software restarted {starts} times in {WINDOW_MIN} minutes without "
            f"running steadily, so it takes no votes for now. See the log ({log_hint}), call the technician; "
            f"after the fix, restart the kiosk.")


def crash_loop_check(config: Config, store, now: Callable[[], float] = time.time) -> CrashLoop | None:
    """A :class:`kiosk.runtime.Runtime` start-up check: the out-of-service notice when this start ends a
    crash loop, else None (this start is counted either way)."""
    earlier = record_start(config, now())
    if earlier < LIMIT:
        return None
    mark_stable(config)   # the notice is the stop: a person's next start tries again
    starts = earlier + 1
    log_hint = "journalctl -u rating-kiosk -b" if config.source != EMBEDDED_SOURCE else f"{config.log_dir}/kiosk.log"
    what = (f"the kiosk restarted {starts} times in {WINDOW_MIN} minutes without running "
            f"steadily (a crash loop)")
    return CrashLoop(path=Path(store.path), what=what, verify_command="python main.py doctor",
                     staff=staff_text(starts, log_hint), log_hint=log_hint)

"""The kiosk's health: several signals, never one "OK".

Each :class:`Signal` says one thing a person can check — the process is up (and since when), the last
vote, the last successful sync, the last verified backup, free disk, whether the clock is trusted, the
software version, the button boxes heard — with ``ok`` True, False (a person is needed: ``todo`` says
what to do) or None (not known, which is not a failure). The manager's status tab, the status line
sent to systemd, the status sent with each sync batch and ``python main.py doctor`` all read them here.

The running kiosk also leaves its latest signals in ``<data_dir>/health.json`` (at most once a minute,
from the loop that serves citizens), so that ``doctor``, a separate process, can say what the kiosk
itself sees: its button boxes, how long it has been up, and that its loop still turns.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from rating import vnformat

from . import outbox
from .backup import last_verified
from .clock import describe as describe_clock
from .config import Config
from .diskguard import LOW_DISK_BYTES
from .store import VoteStore

log = logging.getLogger("kiosk.health")

HEALTH_FILE = "health.json"          # written by the running kiosk (see the module's docstring)
BACKUP_MAX_AGE = timedelta(hours=36)  # nightly, and one night's slack for a kiosk switched off at backup time
SYNC_MAX_AGE = timedelta(hours=48)    # sync runs nightly; the service alerts on two silent nights too
HEALTH_FILE_EVERY_S = 60.0
HEALTH_FRESH_S = 180                  # health.json older than this is not the running kiosk's word

# The clock's slot: a callable returning (state, why), state one of CLOCK_STATES. The clock-suspect
# logic lives elsewhere; until it is wired in, the clock is "unknown" (not a failure).
CLOCK_STATES = ("trusted", "suspect", "unknown")
ClockSignal = Callable[[], tuple[str, str]]


def unknown_clock() -> tuple[str, str]:  # for a caller with no store to ask
    """The default clock signal: nobody has checked it."""
    return "unknown", "chưa kiểm tra / not checked"


def store_clock(store: VoteStore) -> tuple[str, str]:
    """The clock signal from the store's own verdict (kiosk.clock): the one the votes are marked by."""
    trusted, why = store.clock_verdict()
    return ("trusted", why) if trusted else ("suspect", describe_clock(why))


@functools.cache   # read once a process: the running code's version (each sync batch's status asks twice)
def software_version() -> str:
    """This kiosk's software version, as installed."""
    try:
        from importlib.metadata import version
        return version("rating-kiosk")
    except Exception:  # not installed as a package (a checkout run in place)
        return "0+unknown"


def version_signal() -> "Signal":
    """The software version installed, as a signal."""
    v = software_version()
    return Signal("version", True, f"phiên bản phần mềm {v} / software version", value=v)


@dataclass(frozen=True)
class Signal:
    """One health signal: its name, whether it is well (None: not known), what it says, what to do."""
    name: str
    ok: bool | None
    detail: str
    todo: str = ""
    value: Any = None   # the machine-readable figure (seconds, a time, megabytes, a count)


def read_health_file(data_dir: Path) -> dict | None:
    """What the running kiosk last wrote to ``health.json``, or None."""
    try:
        data = json.loads((Path(data_dir) / HEALTH_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _moment(iso: str | None) -> str:
    return vnformat.iso_moment(iso) if iso else "chưa có"


def _parse(iso: str | None) -> datetime | None:
    try:
        at = datetime.fromisoformat(iso) if isinstance(iso, str) else None
    except ValueError:
        return None
    return at if at is not None and at.utcoffset() is not None else None


class Health:
    """The signals of one kiosk. ``started_at`` (epoch seconds) is given by the running kiosk; ``boxes``
    is the running readers (anything with ``health()`` as :class:`hardware.reader.ButtonBoxes`); ``waiting``
    says how many votes and reasons wait to be sent, for a caller that keeps the count (the sync client,
    batch by batch: counting them again read every waiting row for each batch's status)."""

    def __init__(self, config: Config, store: VoteStore, *, started_at: float | None = None, boxes: Any = None,
                 clock_signal: ClockSignal | None = None, now: Callable[[], datetime] | None = None,
                 waiting: Callable[[], int] | None = None):
        self.config, self.store, self.boxes, self.waiting = config, store, boxes, waiting
        self.started_at = started_at
        self.clock_signal = clock_signal or (lambda: store_clock(store))
        self.now = now or (lambda: datetime.now(config.tz))
        self._written: float | None = None
        self._last_signals: list | None = None

    # --- the signals, one a method ---------------------------------------------------------------

    def signals(self) -> list[Signal]:
        """Every signal, in the order people read them."""
        return [self.process(), self.last_vote(), self.last_sync(), self.backup(), self.disk(), self.clock(),
                self.version(), self.button_boxes()]

    def process(self) -> Signal:
        """How long the kiosk has been up (None when this is not the running kiosk)."""
        if self.started_at is None:
            return Signal("process", None, "không phải tiến trình kiosk đang chạy / not the running kiosk")
        up = max(0, int(self.now().timestamp() - self.started_at))
        return Signal("process", True, f"đang chạy {vnformat.integer(up // 60)} phút / up {up // 60} min", value=up)

    def last_vote(self) -> Signal:
        """The newest vote's time (a kiosk with none is not unwell)."""
        at = self.store.last_vote_time()
        return Signal("last_vote", True, f"phiếu gần nhất: {_moment(at)} / last vote", value=at)

    def last_sync(self) -> Signal:
        """The last successful sync; not ok when a vote has waited longer than :data:`SYNC_MAX_AGE`."""
        if self.config.sync is None:
            return Signal("last_sync", None, "không cấu hình đồng bộ ([sync]) / sync not configured")
        s = outbox.status(self.store, counts=self.waiting is None)
        at, waiting = s["last_success"], self.waiting() if self.waiting is not None else s["votes"] + s["reasons"]
        detail = f"đồng bộ thành công gần nhất: {_moment(at)}, {vnformat.integer(waiting)} mục chờ gửi / last sync"
        if s.get("auth_error"):
            return Signal("last_sync", False, detail, f"máy chủ từ chối chữ ký: kiểm tra [kiosk] id và [sync] secret "
                                                      f"({s['auth_error']})", at)
        # Votes wait for the nightly sync: a person is needed only when the oldest has waited too long.
        oldest = outbox.waiting(self.store, outbox.VOTES, 1)
        since = _parse(oldest[0]["local_time"]) if oldest else None
        if since is not None and self.now() - since > SYNC_MAX_AGE:
            return Signal("last_sync", False, detail, "kiểm tra mạng và [sync] url, rồi chạy `python main.py sync`", at)
        return Signal("last_sync", True, detail, value=at)

    def backup(self) -> Signal:
        """The last verified backup (kiosk.backup's record, its file still there); not ok when there is
        none (and there are votes) or it is too old."""
        record = last_verified(self.config)
        todo = "chạy `python main.py backup` và xem [backup] trong cấu hình (docs/operations.md)"
        if record is None or not record.verified:
            if self.store.count() == 0:
                return Signal("backup", True, "chưa có phiếu, chưa cần sao lưu / nothing to back up yet")
            why = "chưa có bản sao lưu đã kiểm chứng" if record is None else "bản sao lưu gần nhất không kiểm chứng được"
            return Signal("backup", False, f"{why} / no verified backup", todo)
        taken = record.taken_at.isoformat(timespec="seconds")
        detail = f"sao lưu đã kiểm chứng gần nhất: {_moment(taken)} ({record.path}) / last backup"
        if self.now() - record.taken_at > BACKUP_MAX_AGE:
            return Signal("backup", False, detail, todo, taken)
        return Signal("backup", True, detail, value=taken)

    def disk(self) -> Signal:
        """Free space where the data lives."""
        try:
            usage = shutil.disk_usage(self.config.data_dir)
        except OSError as e:
            return Signal("disk", False, f"không đọc được dung lượng đĩa: {e.strerror or e}", "kiểm tra thư mục dữ liệu")
        free_mb = usage.free // (1024 * 1024)
        detail = f"còn trống {vnformat.gib(usage.free)} / {vnformat.gib(usage.total)} / free disk"
        if usage.free < LOW_DISK_BYTES:
            return Signal("disk", False, detail, f"dưới {LOW_DISK_BYTES // (1024 * 1024)} MB: máy đã tự xoá bớt bản sao lưu "
                                                 "và nhật ký cũ (không bao giờ xoá phiếu); hãy báo kỹ thuật "
                                                 "để thay thẻ nhớ lớn hơn", free_mb)
        return Signal("disk", True, detail, value=free_mb)

    def clock(self) -> Signal:
        """Whether the clock is trusted (from the clock slot); "unknown" is not a failure."""
        try:
            state, why = self.clock_signal()
        except Exception as e:  # the slot's own fault: unknown, not a crash of the health
            state, why = "unknown", str(e)
        state = state if state in CLOCK_STATES else "unknown"
        detail = f"đồng hồ {vnformat.moment(self.now())}: " + {"trusted": "tin cậy", "suspect": "ĐÁNG NGỜ",
                                                                 "unknown": "chưa rõ"}[state] + f" ({why})"
        if state == "suspect":
            return Signal("clock", False, detail, "kiểm tra mạng (máy chủ thời gian) và giờ hệ thống; phiếu vẫn được "
                                                  "ghi nhưng bị đánh dấu", state)
        return Signal("clock", True if state == "trusted" else None, detail, value=state)

    def version(self) -> Signal:
        """The software version installed."""
        return version_signal()

    def button_boxes(self) -> Signal:
        """The boxes configured and heard (from the running readers; None when this is not the kiosk)."""
        configured = len(self.config.button_boxes)
        if not configured:
            return Signal("button_boxes", None, "không cấu hình hộp nút / no button boxes", value=0)
        if self.boxes is None:
            return Signal("button_boxes", None, f"{configured} hộp nút cấu hình; chỉ kiosk đang chạy biết hộp nào "
                                                "đang liên lạc / heard only by the running kiosk")
        heard = [b for _port, members in self.boxes.health() for b in members if b.heard]
        detail = f"{len(heard)}/{configured} hộp nút đang liên lạc / button boxes heard"
        if len(heard) < configured:
            return Signal("button_boxes", False, detail, "kiểm tra cáp USB và nguồn của hộp nút chưa liên lạc",
                          len(heard))
        return Signal("button_boxes", True, detail, value=len(heard))

    # --- what the signals feed ------------------------------------------------------------------

    def status_line(self) -> str:
        """The one line systemd shows (``STATUS=``): votes today, the last sync, and what needs a person."""
        n = self.store.count_on(self.store.today())
        sync = outbox.status(self.store)["last_success"] if self.config.sync else None
        line = f"hôm nay {n} phiếu; đồng bộ gần nhất {sync or 'chưa có'}"
        return line + (f"; cần xem: {', '.join(problems)}" if (problems := self.problems()) else "")

    def problems(self, signals: list[Signal] | None = None) -> list[str]:
        """The names of the signals that need a person."""
        return [s.name for s in (signals or self.signals()) if s.ok is False]

    def wire_status(self) -> dict[str, Any]:
        """The health fields a sync batch's ``status`` carries (rating.wire.HEALTH_STATUS_FIELDS)."""
        sig = {s.name: s for s in self.signals()}
        boxes = sig["button_boxes"].value if self.boxes is not None else None
        return {"uptime_s": sig["process"].value, "last_vote_at": sig["last_vote"].value,
                "last_sync_at": sig["last_sync"].value, "last_backup_at": sig["backup"].value,
                "clock": sig["clock"].value if isinstance(sig["clock"].value, str) else "unknown",
                "boxes_heard": boxes, "problems": ",".join(self.problems(list(sig.values())))[:200] or None}

    def write_file(self, force: bool = False) -> bool:
        """Leave the signals in ``health.json`` for ``doctor``: when one changed (a box heard, a vote), else
        every :data:`HEALTH_FILE_EVERY_S` — a freshness ``doctor`` reads — and not more (the SD card)."""
        signals = [asdict(s) for s in self.signals()]
        changed = [s for s in signals if s["name"] != "process"] != self._last_signals
        mono = time.monotonic()
        if not (force or changed) and self._written is not None and mono - self._written < HEALTH_FILE_EVERY_S:
            return False
        self._written, self._last_signals = mono, [s for s in signals if s["name"] != "process"]
        path = Path(self.config.data_dir) / HEALTH_FILE
        data = {"written_at": self.now().isoformat(timespec="seconds"), "pid": os.getpid(), "signals": signals}
        try:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)  # no fsync: a hint for doctor, not evidence; the card is spared
        except OSError as e:
            log.warning("cannot write %s: %s", path, e.strerror or e)
            return False
        return True


def wire_health(config: Config, store: VoteStore, now: datetime | None = None,
                waiting: Callable[[], int] | None = None) -> dict[str, Any]:
    """The health fields of a sync batch's ``status``: the last vote, sync and backup from the store and the
    data folder; the uptime, the boxes heard and the clock from the running kiosk's ``health.json`` when it
    is fresh (the sync thread has no reader of its own), else null. ``waiting``: see :class:`Health`."""
    health = Health(config, store, now=(lambda: now) if now else None, waiting=waiting)
    status = health.wire_status()
    running = read_health_file(config.data_dir)
    written = _parse(running.get("written_at")) if running else None
    fresh = written is not None and abs((health.now() - written).total_seconds()) <= HEALTH_FRESH_S
    seen = {s.get("name"): s for s in running.get("signals", [])} if fresh else {}
    status["uptime_s"] = _int_or_none(seen.get("process", {}).get("value"))
    status["boxes_heard"] = _int_or_none(seen.get("button_boxes", {}).get("value"))
    clock = seen.get("clock", {}).get("value")
    if clock in CLOCK_STATES:
        status["clock"] = clock
    problems = set((status["problems"] or "").split(",")) | {n for n, s in seen.items() if s.get("ok") is False}
    status["problems"] = ",".join(sorted(p for p in problems if p))[:200] or None
    return status


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

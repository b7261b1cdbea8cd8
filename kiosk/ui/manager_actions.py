"""What the manager's buttons do, apart from the App and the screens: sync now, leave kiosk mode,
put refused votes back, the status lines, and the export to a USB stick on a worker thread.

The screens call these; the App keeps only what every screen shares (moving between screens, the
doorway, toasts). Progress from the export thread reaches the screen only through the app's
doorway (``export_progress`` events), never by touching a widget.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from .. import outbox, removable
from ..notify import Notifier

from ..storefile import GONE, MOVED
from rating import vnformat
from rating.export import report_csv_bytes
from ..removable import ExportPolicy, ExportRefused
from rating.totals import period_report
from .strings import t
from kivy.utils import escape_markup

log = logging.getLogger("kiosk.manager")

FORMATS = ("csv", "xlsx", "pdf", "votes")   # votes: every vote of the period, for the Kiểm chứng digest


def report_module():
    """The II.7 report package (:mod:`rating.report`), or None where it is not installed yet."""
    try:
        return importlib.import_module("rating.report")
    except ImportError:
        return None


@dataclass(frozen=True)
class Target:
    """A place the export can go: a mounted stick, or the configured folder."""

    path: Path
    label: str
    drive: bool
    writable: bool = True


class ManagerActions:
    """The manager's actions for one app (``app``: the KioskApp; only its store, config, lang,
    doorway, toast and stop are used)."""

    def __init__(self, app, policy: ExportPolicy | None = None, mountinfo: Path = removable.MOUNTINFO,
                 sys_root: Path = removable.SYS):
        self.app = app
        self.policy = policy or ExportPolicy(system_paths=(app.cfg.data_dir,), mountinfo=mountinfo)
        self.mountinfo, self.sys_root = mountinfo, sys_root

    # --- sync, leaving, refused votes ----------------------------------------------------------

    def sync_now(self) -> str:
        """Start a sync now; return what to tell the manager (why not, when there is no [sync])."""
        app = self.app
        if app.cfg.sync is None or app._sync_now is None:
            log.info("manager asked to sync now; no [sync] configured")
            return t("m_sync_unset", app.lang)
        log.info("manager asked to sync now")
        app._sync_now()
        return t("m_sync_started", app.lang)

    @staticmethod
    def comes_back() -> bool:
        """Whether the kiosk comes back by itself after leaving kiosk mode: it runs as its systemd service
        (deploy/rating-kiosk*.service, ``Restart=always``), which is when systemd gave it a notify socket."""
        return Notifier.from_environ().enabled

    def leave_kiosk_mode(self) -> None:
        """Close the kiosk (after the manager confirmed): logged, then the app stops."""
        log.warning("the manager left kiosk mode; the kiosk is closing")
        self.app.stop()

    def quarantined(self) -> int:
        """How many votes the central service refused (waiting for the manager to send them again)."""
        return outbox.count_pending(self.app.store)["quarantined"]

    def release_quarantine(self) -> int:
        """Put refused votes back in the outbox and sync now when there were any."""
        released = outbox.release_quarantine(self.app.store)
        votes, answers = released["votes"], released["responses"] + released["answers"]
        n = votes + answers
        log.info("manager put %d refused vote(s) and %d questionnaire row(s) back in the outbox", votes, answers)
        if n and self.app._sync_now is not None:
            self.app._sync_now()
        return n

    # --- status -------------------------------------------------------------------------------

    def status_lines(self) -> list[str]:
        """What the status tab shows: sync, button boxes, disk, clock (Kivy markup, Vietnamese formats)."""
        app = self.app
        lang, s = app.lang, outbox.status(app.store)
        warn = "[color=b01010][b]⚠ {}[/b][/color]".format
        lines = [f"[b]{t('st_sync', lang)}[/b]: " + (t("st_sync_on", lang, url=app.cfg.sync.url) if app.cfg.sync
                                                   else t("st_sync_off", lang)),
                 "    " + t("st_waiting", lang, votes=vnformat.integer(s["votes"], lang),
                            reasons=vnformat.integer(s["reasons"], lang),
                            quarantined=vnformat.integer(s["quarantined"], lang)),
                 "    " + t("st_last_success", lang, at=vnformat.iso_moment(s["last_success"])),
                 "    " + t("st_last_error", lang, error=(s["last_error"] or {}).get("error") or "—")]
        if s.get("auth_error"):  # a configuration problem, not a bad vote: the votes wait until it is fixed
            lines.append("    " + warn(t("m_st_auth_error", lang, error=s["auth_error"])))
        if s["clock_skew_s"]:
            lines.append("    " + warn(t("st_skew", lang, seconds=-s["clock_skew_s"])))
        lines += ["    " + warn(t("st_mismatch", lang, date=vnformat.day(date.fromisoformat(m["date"])),
                                   counter=m["counter"])) for m in s["mismatches"]]
        boxes = app.boxes
        lines.append(f"[b]{t('st_boxes', lang)}[/b]:" + ("" if boxes and boxes.readers else " " + t("st_none", lang)))
        for port, members in (boxes.health() if boxes else []):
            state = t("st_connected", lang) if port.connected else warn(t("st_disconnected", lang))
            lines.append("    " + t("st_port", lang, port=port.port, state=state, invalid=port.invalid_total))
            for b in members:
                lines.append("        " + t("st_box", lang, box=b.box, counter=b.counter,
                                            state=t("st_heard", lang) if b.heard else warn(t("st_not_heard", lang)),
                                            last=b.last_heartbeat or b.last_rate or "—", firmware=b.firmware or "—"))
        lines.append(f"[b]{t('st_disk', lang, free=disk_free(app.cfg.data_dir, lang))}[/b]")
        state = app.store.file_state   # kiosk.storefile: a deleted or renamed vote file, seen at the last vote
        if state is not None and state.state in (MOVED, GONE):
            key = "st_store_moved" if state.state == MOVED else "st_store_gone"
            lines.append("    " + warn(t(key, lang, where=state.where or "?", path=app.store.path)))
        now = datetime.now(app.cfg.tz)
        wrong = clock_looks_wrong(now, app.store.last_vote_time())
        lines.append(f"[b]{t('m_st_clock', lang, now=vnformat.moment(now))}[/b]"
                     + ("  " + warn(t("st_clock_wrong", lang, why=wrong)) if wrong else ""))
        suspect = app.store.clock_suspect_count()
        if suspect:
            lines.append("    " + warn(t("st_clock_suspect", lang, n=vnformat.integer(suspect, lang))))
        return lines + managed_lines(app) + health_lines(app, warn)

    # --- export -------------------------------------------------------------------------------

    def formats(self) -> tuple[str, ...]:
        """The file types on offer: CSV always; the II.7 workbook, PDF and the vote list (the raw votes an
        inspector recomputes the workbook's digest from) when the report package exists."""
        return FORMATS if report_module() is not None else ("csv",)

    def targets(self) -> list[Target]:
        """Mounted removable drives (a write-protected one too, marked so: hiding it left the manager
        looking at "no USB found" with a stick in), then the configured export folder."""
        lang = self.app.lang
        out = [Target(m.point, t("m_drive_ro" if m.read_only else "m_drive", lang, point=m.point, fstype=m.fstype),
                      True, not m.read_only)
               for m in removable.removable_drives(self.mountinfo, self.sys_root)]
        if self.app.cfg.export_dir is not None and all(x.path != self.app.cfg.export_dir for x in out):
            out.append(Target(self.app.cfg.export_dir, t("m_configured", lang, path=self.app.cfg.export_dir), False))
        return out

    def export(self, folder: str | Path, fmt: str, d_from: date, d_to: date) -> threading.Thread:
        """Write the period's report as ``fmt`` into ``folder`` on a worker thread.

        The folder is checked first (a folder on the kiosk's own disk is refused: no stick in);
        the file is written under a temporary name, fsync-ed, renamed, and its folder fsync-ed
        before "Đã xuất" is posted. Progress and the outcome arrive as ``export_progress`` events.
        """
        app = self.app
        lang, post = app.lang, app.doorway.post
        if fmt not in self.formats():
            raise ValueError(f"format {fmt!r} is not offered here")

        def progress(fraction: float, message: str | None = None) -> None:
            post("export_progress", (max(0.0, min(1.0, fraction)), message))

        def work():
            try:
                progress(0.02, t("m_export_busy", lang, pct=""))
                target, device = self.policy.claim(folder)  # the stick as checked: every write must land on it
                name = f"bang-tong-hop-{app.cfg.kiosk_id}-{d_from.isoformat()}-{d_to.isoformat()}.{fmt}"
                if fmt == "csv":
                    report = period_report(app.store, app.cfg.counters, app.cfg.scale, d_from, d_to)
                    progress(0.6)
                    path = removable.write_durably(target, name, report_csv_bytes(report, app.cfg.scale), device)
                else:
                    path = self._write_report(target, name, fmt, d_from, d_to, progress, device)
                log.info("exported %s for %s..%s to %s", fmt, d_from, d_to, path)
                progress(1.0, t("m_exported", lang, path=path))
            except ExportRefused as e:
                log.warning("export refused: %s", e)
                progress(0.0, t("m_export_failed", lang, error=e))
            except OSError as e:
                log.exception("export failed")
                progress(0.0, t("m_export_failed", lang, error=removable.explain(e, folder)))
            except Exception as e:  # a report that cannot be made: say so, keep the kiosk running
                log.exception("export failed")
                progress(0.0, t("m_export_failed", lang, error=e))

        thread = threading.Thread(target=work, name="export", daemon=True)
        thread.start()
        return thread

    def _write_report(self, folder: Path, name: str, fmt: str, d_from: date, d_to: date,
                      progress: Callable[..., None], device: int | None = None) -> Path:
        """The II.7 workbook, PDF or vote list through :func:`rating.report.write_report`, made in a hidden folder on
        the stick and moved into place durably (still on the stick ``device``)."""
        report = report_module()
        work = removable.staging_folder(folder, device)
        try:
            made = Path(report.write_report(self.app.store, self.app.cfg, d_from, d_to, fmt, work,
                                            progress=lambda f, *_: progress(0.05 + 0.85 * float(f))))
            return removable.commit_file(made, folder / (made.name or name), device)
        finally:
            shutil.rmtree(work, ignore_errors=True)


HEALTH_SHOWN = ("process", "last_vote", "backup", "clock", "version")  # the rest have lines of their own above


def managed_lines(app) -> list[str]:
    """The keys the service manages, read-only, with their values and source (``config --effective``'s API,
    kiosk.effective); nothing when the kiosk runs no managed settings."""
    if not app.cfg.managed:
        return []
    from ..effective import SERVICE, effective
    lang = app.lang
    lines = [f"[b]{t('m_st_managed', lang, version=app.cfg.settings_version)}[/b]"]
    for name, entry in effective(app.cfg).items():
        if entry["source"] == SERVICE:
            lines.append(f"    {name}: {escape_markup(short_value(entry['value']))} "
                         f"({t('m_st_source_service', lang)})")
    pending = getattr(app, "pending_cfg", None)
    if pending is not None:
        lines.append("    " + t("m_st_managed_pending", lang, version=pending.settings_version))
    return lines


def short_value(value, limit: int = 90) -> str:
    """A setting's value on one line: a counter by its name, a list joined, a table as key=value; cut at ``limit``."""
    if isinstance(value, list):
        text = ", ".join(str(v.get("name", v.get("id", v))) if isinstance(v, dict) else str(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={v}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def health_lines(app, warn) -> list[str]:
    """The health signals (kiosk.health) the lines above do not show, each with what to do when it fails."""
    from ..health import Health
    health = getattr(app, "health", None) or Health(app.cfg, app.store, boxes=app.boxes)
    lines = [f"[b]{t('m_st_health', app.lang)}[/b]"]
    for s in health.signals():
        if s.name in HEALTH_SHOWN or s.ok is False:
            text = s.detail.split(" / ")[0] if app.lang == "vi" else s.detail
            lines.append("    " + (warn(f"{text} — {s.todo}") if s.ok is False else text))
    return lines


def disk_free(path, lang: str = "vi") -> str:
    """Free space where the data lives, in the gigabytes a stick or a card is sold in: "12,3 GB trên 29,1 GB"
    (in English "12.3 GB of 29.1 GB"); "GiB" meant nothing to a manager."""
    usage = shutil.disk_usage(path)
    return f"{vnformat.gb(usage.free, lang)} {'trên' if lang == 'vi' else 'of'} {vnformat.gb(usage.total, lang)}"


def clock_looks_wrong(now: datetime, last_vote_time: str | None) -> str | None:
    """Why the clock looks wrong, or None: before the software was written, or before the last vote."""
    if now.year < 2026:
        return f"đồng hồ chỉ {vnformat.moment(now, seconds=False)}, trước khi phần mềm này ra đời"
    if last_vote_time and now < datetime.fromisoformat(last_vote_time) - timedelta(minutes=5):
        return (f"đồng hồ chỉ {vnformat.moment(now, seconds=False)}, sớm hơn phiếu gần nhất "
                f"({vnformat.iso_moment(last_vote_time)})")
    return None

"""``python main.py doctor``: one check a line, each with what to do when it fails.

Configuration, the store and its chains, the backup's age, disk, clock, sync (reachable, and its last
success), the button boxes, the systemd unit and its watchdog, the software version. The installer, the
updater's health gate and the manager read it; ``--json`` gives the same checks as data (documented in
docs/operations.md, "doctor"). A check's ``ok`` is True, False (a person is needed) or None (not known
here — e.g. no systemd — which is not a failure).

The parts this room may not import (sync's HTTP client, the serial ports) come in as :class:`Probes`.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Callable

from .config import ConfigError, load_config
from .db import StoreError
from .health import HEALTH_FRESH_S, Health, Signal, read_health_file, version_signal
from .store import VoteStore

KIOSK_UNITS = ("rating-kiosk.service", "rating-kiosk-xinit.service", "rating-kiosk-headless.service")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's answer (the JSON object: exactly these keys)."""
    name: str
    ok: bool | None
    detail: str
    todo: str = ""


@dataclass(frozen=True)
class Probes:
    """What the doctor asks of the rooms it may not import. Each returns (ok, detail)."""
    reach: Callable[[object], tuple[bool | None, str]] | None = None         # the sync service, given [sync]
    port_present: Callable[[str], bool] | None = None                        # a button box's port, given its spec
    systemctl: Callable[[list[str]], str | None] | None = None               # systemctl's output, None if none


def _from(signal: Signal) -> Check:
    return Check(signal.name, signal.ok, signal.detail, signal.todo)


def systemctl(args: list[str]) -> str | None:
    """``systemctl ARGS`` output, or None where there is no systemd to ask (a container, a laptop)."""
    if shutil.which("systemctl") is None:
        return None
    try:
        done = subprocess.run(["systemctl", *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if "has not been booted with systemd" in done.stderr or "Failed to connect to bus" in done.stderr:
        return None
    return done.stdout


def service_check(ask: Callable[[list[str]], str | None], health_file: dict | None,
                  now: datetime) -> Check:
    """Is a kiosk unit active, with its watchdog, and does the running kiosk's loop still turn?"""
    seen = None
    for unit in KIOSK_UNITS:
        out = ask(["show", "-p", "LoadState,ActiveState,WatchdogUSec", unit])
        if out is None:
            return Check("service", None, "không có systemd để hỏi: chưa rõ / no systemd here: unknown")
        props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        if props.get("LoadState") != "loaded":
            continue
        seen = (unit, props)
        if props.get("ActiveState") == "active":
            break
    if seen is None:
        return Check("service", None, "chưa cài dịch vụ kiosk (rating-kiosk*.service) / no kiosk unit installed")
    unit, props = seen
    watchdog = props.get("WatchdogUSec", "0")
    state = props.get("ActiveState", "?")
    detail = f"{unit}: {state}, watchdog {watchdog if watchdog not in ('0', 'infinity') else 'tắt'}"
    if state != "active":
        return Check("service", False, detail, f"sudo systemctl restart {unit}; xem `journalctl -u {unit} -b`")
    written = health_file.get("written_at") if health_file else None
    try:
        age = (now - datetime.fromisoformat(written)).total_seconds() if written else None
    except (TypeError, ValueError):
        age = None
    if watchdog not in ("0", "infinity") and (age is None or age > HEALTH_FRESH_S):
        return Check("service", False, detail + "; kiosk không cập nhật health.json",
                     f"vòng lặp kiosk có thể bị treo: sudo systemctl restart {unit}")
    return Check("service", True, detail)


def run_checks(config_path: str | None, probes: Probes = Probes(), clock_signal=None) -> list[Check]:
    """Every check, in order; a configuration that does not load is the one check (the rest need it)."""
    try:
        config = load_config(config_path)
    except ConfigError as e:
        return [Check("config", False, str(e), "sửa dòng được nêu trong tệp cấu hình, rồi chạy lại doctor")]
    checks = [Check("config", True, f"cấu hình {config.source}: đọc được / configuration loads")]
    try:
        store = VoteStore.from_config(config, create=False)
    except StoreError as e:
        checks.append(Check("store", False, str(e), "xem docs/operations.md, \"restore\""))
        return checks + [_from(version_signal())]
    with store:
        checks.append(_store_check(store))
        health = Health(config, store, clock_signal=clock_signal)
        checks += [_from(health.backup()), _from(health.disk()), _from(health.clock())]
        checks.append(_reach_check(config, probes))
        checks.append(_from(health.last_sync()))
        running = read_health_file(config.data_dir)
        checks.append(_boxes_check(config, probes, running))
        ask = probes.systemctl or systemctl
        checks.append(service_check(ask, running, health.now()))
        checks.append(_from(health.version()))
    return checks


def _store_check(store: VoteStore) -> Check:
    from .questionnaire.answers import verify_answers
    try:
        integrity = store.integrity_check()
        brk, answers_brk = store.verify_chain(), verify_answers(store)
    except StoreError as e:
        return Check("store", False, f"{store.path}: không đọc được đến hết: {e}", "xem docs/operations.md, \"restore\"")
    if integrity != ["ok"] or brk is not None or answers_brk is not None:
        what = integrity[0] if integrity != ["ok"] else (brk.vi if brk is not None else answers_brk.vi)
        return Check("store", False, f"{store.path}: HỎNG — {what}",
                     "chạy `python main.py verify`, rồi khôi phục theo docs/operations.md, \"restore\"")
    return Check("store", True, f"{store.path}: toàn vẹn, chuỗi băm hợp lệ ({store.count()} phiếu)")


def _reach_check(config, probes: Probes) -> Check:
    if config.sync is None:
        return Check("sync_reachable", None, "không cấu hình đồng bộ ([sync]) / sync not configured")
    if probes.reach is None:
        return Check("sync_reachable", None, "chưa kiểm tra / not checked")
    ok, detail = probes.reach(config)
    return Check("sync_reachable", ok, detail,
                 "" if ok else f"kiểm tra mạng và [sync] url ({config.sync.url}); máy chủ có đang chạy?")


def _boxes_check(config, probes: Probes, running: dict | None) -> Check:
    if not config.button_boxes:
        return Check("button_boxes", None, "không cấu hình hộp nút / no button boxes")
    missing = [b.port for b in config.button_boxes if probes.port_present and not probes.port_present(b.port)]
    if missing:
        return Check("button_boxes", False, f"không thấy cổng {', '.join(sorted(set(missing)))}",
                     "cắm lại cáp USB của hộp nút; xem quy tắc udev trong docs/operations.md")
    seen = next((s for s in (running or {}).get("signals", []) if s.get("name") == "button_boxes"), None)
    if seen is None:
        return Check("button_boxes", None, f"{len(config.button_boxes)} hộp nút cấu hình, cổng có mặt; kiosk chưa "
                                           "báo hộp nào liên lạc / the running kiosk has not said")
    return Check("button_boxes", seen.get("ok"), seen.get("detail", ""), seen.get("todo", ""))


def as_json(checks: list[Check]) -> list[dict]:
    """The JSON form: a list of objects with ``name``, ``ok``, ``detail`` and ``todo``."""
    return [asdict(c) for c in checks]


def needs_a_person(checks: list[Check]) -> bool:
    """True when any check failed (an unknown one is not a failure)."""
    return any(c.ok is False for c in checks)


# --- the command line ---------------------------------------------------------------------------

MARK = {True: "đạt", False: "LỖI", None: "chưa rõ"}


def register(add, probes: Callable[[], Probes] = Probes) -> None:
    """Add ``doctor [--json]``; ``probes()`` builds the sync and port probes when the command runs."""
    def cmd_doctor(args) -> int:
        import json
        checks = run_checks(getattr(args, "config", None), probes())
        if args.json:
            print(json.dumps(as_json(checks), ensure_ascii=False, indent=1))
        else:
            for c in checks:
                print(f"[{MARK[c.ok]}] {c.name}: {c.detail}" + (f" — cần làm: {c.todo}" if c.ok is False and c.todo
                                                                  else ""))
            print("=> cần người xử lý (exit 1)" if needs_a_person(checks) else "=> mọi thứ ổn (exit 0)")
        return 1 if needs_a_person(checks) else 0

    p = add("doctor", cmd_doctor, "check this kiosk: one line a check, with what to do when it fails; "
                                  "exit 1 when something needs a person")
    p.add_argument("--json", action="store_true",
                   help="a JSON list of checks, each {name, ok (true/false/null = unknown), detail, todo}")

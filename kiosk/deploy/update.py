"""``deploy/update-kiosk [VERSION|PATH]``: a new release beside the running one, switched to only with a way back.

1. the new release is put under ``releases/`` (a folder or a ``.tar.gz``; or VERSION, a release already
   there, e.g. the previous one, by its name or the start of it);
2. its schema is checked against the running release's: if the running release could not open the store
   once the new one migrated it, the update is refused before anything changes (kiosk.db, "readable_by");
3. a verified backup of the store is taken with the running release's ``backup``;
4. ``current`` is switched and the service restarted;
5. the new release must prove itself healthy — the unit active (with Type=notify: READY=1 sent) and
   ``doctor --json`` exiting 0 — within ``--timeout`` seconds; if it does not, ``current`` is switched
   back and the service restarted on the old release, which opens the same store: every vote the new
   release took is kept.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from kiosk.config import ConfigError, load_config

from .install import SOURCE, link_current
from .layout import UNITS, Layout
from .release import COMPLETE, can_open, kiosk_command, prepare, schema_facts
from .system import DeployError, System

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
HEALTH_TIMEOUT_S = 180.0   # "within a few minutes": a Raspberry Pi's cold start of the touch screen is ~20 s
HEALTH_INTERVAL_S = 5.0


@dataclass(frozen=True)
class Installed:
    """The kiosk as installed: its unit, its configuration, the release that runs."""

    unit: str
    config: Path
    release: Path


def installed(layout: Layout) -> Installed:
    """What install-kiosk left: the one kiosk unit, the configuration it names, the running release."""
    for unit in UNITS.values():
        path = layout.unit(unit)
        if path.is_file():
            m = re.search(r"^Environment=KIOSK_CONFIG=(.+)$", path.read_text(encoding="utf-8"), re.M)
            release = layout.running_release()
            if m and release is not None:
                return Installed(unit, Path(m.group(1).strip()), release)
    raise DeployError(f"no kiosk installed under {layout.prefix} (no kiosk unit naming its configuration, or no "
                      "current release); install it first: sudo deploy/install-kiosk --config PATH")


def find_release(target: str | None, layout: Layout, system: System, python: Path | None) -> Path:
    """The release to update to: prepared from a folder or archive, or one already under ``releases/``."""
    if target is None:
        return prepare(SOURCE, layout, system, python)
    if Path(target).exists():
        return prepare(Path(target), layout, system, python)
    kept = sorted(p for p in layout.releases.glob(f"{target}*") if (p / COMPLETE).is_file()) if layout.releases.is_dir() else []
    if len(kept) == 1:
        return kept[0]
    if kept:
        raise DeployError(f"{target}: more than one release starts so ({', '.join(p.name for p in kept)}); give more of it")
    raise DeployError(f"{target}: neither a release folder or archive nor a release under {layout.releases}")


def take_backup(inst: Installed, layout: Layout, system: System) -> Path:
    """A verified backup with the running release's ``backup``; its path (the command's last line)."""
    cmd = system.as_kiosk(kiosk_command(layout, inst.release, "backup", "--config", str(inst.config)))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode == EXIT_USAGE and "invalid choice" in r.stdout:
        return _backup_here(inst.config)  # a release from before `backup`
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        raise DeployError(f"no verified backup, so no update (nothing changed): {lines[-1] if lines else 'no output'}")
    return Path(lines[-1])


def _backup_here(config_path: Path) -> Path:
    """For a running release without ``backup``: SQLite's backup API, then an integrity check of the copy."""
    config = load_config(config_path)
    folder = config.data_dir / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"votes-{config.kiosk_id}-pre-update-{datetime.now().strftime('%Y%m%dT%H%M%S')}.db"
    src, dst = sqlite3.connect(config.db_path), sqlite3.connect(target)
    try:
        src.backup(dst)
        ok = dst.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        same = dst.execute("SELECT count(*) FROM votes").fetchone() == src.execute("SELECT count(*) FROM votes").fetchone()
    finally:
        src.close()
        dst.close()
    if not (ok and same):
        raise DeployError(f"{target}: the backup did not verify, so no update (nothing changed)")
    return target


def health(inst: Installed, release: Path, layout: Layout, system: System) -> tuple[bool, str]:
    """``release`` proven healthy: the unit active and its ``doctor --json`` exiting 0 (``verify`` for a release
    without ``doctor``). Returns the verdict and a line saying why."""
    if not system.is_active(inst.unit):
        return False, f"{inst.unit} is not active"
    for command in (("doctor", "--json"), ("verify",)):
        cmd = system.as_kiosk(kiosk_command(layout, release, *command, "--config", str(inst.config)))
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if not (r.returncode == EXIT_USAGE and "invalid choice" in r.stdout):
            last = (r.stdout.strip().splitlines() or ["no output"])[-1]
            return r.returncode == 0, f"{command[0]}: exit {r.returncode}: {last[:300]}"
    return False, "neither doctor nor verify answered"


def wait_healthy(inst: Installed, release: Path, layout: Layout, system: System, timeout_s: float, interval_s: float,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> tuple[bool, str]:
    """Ask :func:`health` until it holds or ``timeout_s`` passed; the verdict and the last reason."""
    deadline = clock() + timeout_s
    while True:
        ok, why = health(inst, release, layout, system)
        if ok or clock() >= deadline:
            return ok, why
        sleep(interval_s)


def update(target: str | None, layout: Layout, system: System, *, python: Path | None = None,
           timeout_s: float = HEALTH_TIMEOUT_S, interval_s: float = HEALTH_INTERVAL_S) -> int:
    """Update to ``target``; 0 when the new release runs healthy, 1 when it was refused or switched back."""
    inst = installed(layout)
    new = find_release(target, layout, system, python)
    old = inst.release
    if new.name == old.name:
        system.say(f"release {new.name} is already running; nothing to do")
        return EXIT_OK
    old_facts, new_facts = schema_facts(layout, old), schema_facts(layout, new)
    if not can_open(old_facts, new_facts):
        raise DeployError(f"release {new.name} takes the store to schema {new_facts['schema']}, which needs software "
                          f"knowing schema {new_facts['readable_by']}; the running release {old.name} knows "
                          f"{old_facts['schema']} and could not open the store again if the update had to be undone. "
                          "Refused: nothing changed (docs/operations.md, \"Update\")")
    backup = take_backup(inst, layout, system)
    system.say(f"backup: {backup} (verified)")
    link_current(layout, new)
    system.restart(inst.unit)
    system.say(f"current → {new.name}; {inst.unit} restarted; waiting up to {timeout_s:.0f} s for it to prove healthy")
    ok, why = wait_healthy(inst, new, layout, system, timeout_s, interval_s)
    if ok:
        system.say(f"updated: {new.name} is healthy ({why}); {old.name} is kept: sudo deploy/update-kiosk {old.name} "
                   "goes back to it")
        return EXIT_OK
    system.say(f"{new.name} did not prove healthy within {timeout_s:.0f} s ({why}): switching back to {old.name}")
    link_current(layout, old)
    system.restart(inst.unit)
    back, why_back = wait_healthy(inst, old, layout, system, timeout_s, interval_s)
    system.say(f"switched back to {old.name}: " + ("healthy again" if back else f"NOT healthy either ({why_back}); "
               "a person is needed: docs/operations.md, \"Roll back\"")
               + f". Every vote is in the store, including those {new.name} took; the backup before the update is {backup}")
    return EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="update-kiosk", description="Update the rating kiosk, switching back by itself "
                                "if the new release does not prove healthy (as root).")
    p.add_argument("release", nargs="?", metavar="VERSION|PATH", help="a release folder or .tar.gz, or the name of a "
                   "release under /opt/rating-kiosk/releases (default: the release this script is in)")
    p.add_argument("--timeout", type=float, default=HEALTH_TIMEOUT_S, help="seconds the new release has to prove healthy")
    p.add_argument("--root", type=Path, default=Path("/"), help="a scratch root (root's commands are recorded, not run)")
    p.add_argument("--python", type=Path, help="use this interpreter instead of building a virtual environment")
    return p


def main(argv: list[str] | None = None) -> int:
    """The command line: exit 0 updated, 1 refused or switched back, 2 usage."""
    args = build_parser().parse_args(argv)
    layout = Layout(args.root)
    system = System(layout)
    if not system.scratch and os.geteuid() != 0:
        print("error: update-kiosk must run as root: sudo deploy/update-kiosk …", file=sys.stderr)
        return EXIT_USAGE
    try:
        return update(args.release, layout, system, python=args.python, timeout_s=args.timeout)
    except (DeployError, ConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

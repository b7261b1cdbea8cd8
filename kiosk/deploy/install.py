"""``deploy/install-kiosk``: every step of a kiosk's installation, in order, idempotent (run twice, same result).

1. the configuration checked with the kiosk's own loader, every bad line named — before anything changes;
2. the release copied beside any others, with only the kiosk's packages, and its byte-code compiled once;
3. the ``kiosk`` user and its groups; the data and log folders (``kiosk``'s, 0750), the config (root:kiosk, 0640);
4. ``current`` linked to the release; the udev rule naming each button box ``/dev/rating-box-N``;
5. the unit for the chosen screen (cage, bare X, or none: headless), the others removed;
6. the manager PIN asked for (``set-pin``) when none is set; the service enabled and (re)started;
7. ``doctor`` run, and its verdict printed.

``--uninstall`` removes the software (units, rule, releases) and keeps the data, the logs, the
configuration and the user.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from kiosk.config import ConfigError, Config, load_config
from kiosk.pin import SETTING as PIN_SETTING

from . import udev
from .layout import GROUPS, PREFIX, UNITS, USER, Layout
from .release import kiosk_command, prepare
from .system import DeployError, System

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SOURCE = Path(__file__).resolve().parents[2]  # the release this installer came with


def check_config(path: Path) -> Config:
    """The configuration as the kiosk will read it; :class:`ConfigError` lists every bad line."""
    return load_config(path)


def install(config_path: Path, screen: str, layout: Layout, system: System, *, source: Path = SOURCE,
            python: Path | None = None, pin_stdin: str | None = None) -> int:
    """Install (or repair) the kiosk; return ``doctor``'s exit status (0 all well), or raise DeployError."""
    config_path = Path(config_path).resolve()
    config = check_config(config_path)
    system.say(f"configuration {config_path}: checked, kiosk {config.kiosk_id}, {len(config.counters)} counter(s), "
               f"{len(config.button_boxes)} button box(es)")
    _refuse_data_inside_software(config, layout)
    release = prepare(source, layout, system, python)
    _user(system)
    _folders(config, config_path, system)
    link_current(layout, release)
    system.say(f"current → {release.name}")
    _udev(config, layout, system)
    unit = _unit(screen, release, config_path, layout, system)
    _pin(config, config_path, layout, system, pin_stdin)
    system.systemctl("enable", unit)
    if screen != "none":
        system.systemctl("set-default", "graphical.target")  # tty1 is the kiosk's from now on
    system.restart(unit)
    system.say(f"{unit}: enabled and started")
    return run_doctor(config_path, layout, system)


def _refuse_data_inside_software(config: Config, layout: Layout) -> None:
    for what, folder in (("data_dir", config.data_dir), ("log_dir", config.log_dir)):
        if Path(folder).resolve().is_relative_to(Path(PREFIX)) or Path(folder).resolve().is_relative_to(layout.prefix):
            raise DeployError(f"[kiosk] {what} = {folder}: inside {PREFIX}, which holds the software and is replaced by "
                              "updates; choose a folder such as /var/lib/kiosk")


def _user(system: System) -> None:
    groups = [g for g in GROUPS if system.group_exists(g)]
    if not system.user_exists(USER):
        system.privileged("useradd", "--system", "--create-home", "--user-group", "--groups", ",".join(groups), USER)
    elif missing := [g for g in groups if g not in system.groups_of(USER)]:
        system.privileged("usermod", "--append", "--groups", ",".join(missing), USER)


def _folders(config: Config, config_path: Path, system: System) -> None:
    for folder in (config.data_dir, config.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o750)  # votes and logs are the centre's: not for other users of the machine
        system.chown(folder, USER, USER)
    config_path.chmod(0o640)  # it may hold the sync secret: root writes it, the kiosk reads it
    system.chown(config_path, "root", USER)


def link_current(layout: Layout, release: Path) -> None:
    """Point ``current`` at ``release`` in one step (a new link renamed over the old one)."""
    tmp = layout.current.with_name(".current.new")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(Path("releases") / release.name)
    os.replace(tmp, layout.current)


def _udev(config: Config, layout: Layout, system: System) -> None:
    look_up = (lambda box, port: None) if system.scratch else udev.ask_udev
    text, named, unknown = udev.rules(((b.box, b.port) for b in config.button_boxes), look_up)
    for b in named:
        system.say(f"button box {b.box}: {b.link} (USB {b.vendor}:{b.product}{':' + b.serial if b.serial else ''})")
    for box, port in unknown:
        system.say(f"button box {box} on {port}: its USB identity is not known (is it plugged in?); plug it in and run "
                   "install-kiosk again, or name it usb:VID:PID:SERIAL in the configuration")
    if _write_if_changed(layout.udev_rule, text, 0o644):
        system.privileged("udevadm", "control", "--reload")
        system.privileged("udevadm", "trigger", "--subsystem-match=tty", "--action=add")


def unit_text(screen: str, release: Path, config_path: Path) -> str:
    """The shipped unit for ``screen``, naming this kiosk's configuration."""
    text = (release / "deploy" / UNITS[screen]).read_text(encoding="utf-8")
    return text.replace("Environment=KIOSK_CONFIG=/etc/kiosk/kiosk.toml", f"Environment=KIOSK_CONFIG={config_path}")


def _unit(screen: str, release: Path, config_path: Path, layout: Layout, system: System) -> str:
    name = UNITS[screen]
    changed = _write_if_changed(layout.unit(name), unit_text(screen, release, config_path), 0o644)
    for other in set(UNITS.values()) - {name}:
        if layout.unit(other).exists():  # another screen installed before: one kiosk unit at a time
            system.systemctl("disable", "--now", other, check=False)
            layout.unit(other).unlink()
            changed = True
    if changed:
        system.systemctl("daemon-reload")
    return name


def _write_if_changed(path: Path, text: str, mode: int) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(mode)
    os.replace(tmp, path)
    return True


def pin_is_set(config: Config) -> bool:
    """True when the store already holds a manager PIN (read-only: nothing is created)."""
    if not config.db_path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{config.db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM settings WHERE key = ?", (PIN_SETTING,)).fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _pin(config: Config, config_path: Path, layout: Layout, system: System, pin_stdin: str | None) -> None:
    if pin_is_set(config):
        system.say("manager PIN: already set (change it with main.py set-pin)")
        return
    cmd = system.as_kiosk(kiosk_command(layout, layout.current, "set-pin", "--config", str(config_path)))
    if pin_stdin is not None:
        r = subprocess.run(cmd + ["--stdin"], input=pin_stdin, text=True)
    elif sys.stdin.isatty():
        system.say("manager PIN: none yet; choose one (4-8 digits)")
        r = subprocess.run(cmd)
    else:
        system.say(f"manager PIN: none yet, and no terminal to ask on; set it with: sudo -u {USER} "
                   f"{layout.current}/.venv/bin/python {layout.current}/main.py set-pin --config {config_path}")
        return
    if r.returncode != 0:
        raise DeployError("the manager PIN was not set (see the line above); run install-kiosk again")


def run_doctor(config_path: Path, layout: Layout, system: System) -> int:
    """Run the installed release's ``doctor`` and print its verdict; return its exit status."""
    cmd = system.as_kiosk(kiosk_command(layout, layout.current, "doctor", "--config", str(config_path)))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode == EXIT_USAGE and "doctor" in r.stdout and "invalid choice" in r.stdout:
        system.say("doctor: not in this release; checking the store with verify instead")
        cmd = system.as_kiosk(kiosk_command(layout, layout.current, "verify", "--config", str(config_path)))
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in r.stdout.rstrip().splitlines():
        system.say(f"  {line}")
    system.say("doctor: all is well" if r.returncode == 0 else
               f"doctor: a person is needed (exit {r.returncode}): see the lines above and docs/operations.md")
    return r.returncode


def uninstall(layout: Layout, system: System, config_path: Path | None = None) -> int:
    """Remove the software, its units and its udev rule; keep the data, the logs, the configuration and the user."""
    import shutil
    for name in UNITS.values():
        if layout.unit(name).exists():
            system.systemctl("disable", "--now", name, check=False)
            layout.unit(name).unlink()
    system.systemctl("daemon-reload")
    if layout.udev_rule.exists():
        layout.udev_rule.unlink()
        system.privileged("udevadm", "control", "--reload")
    if layout.prefix.exists():
        shutil.rmtree(layout.prefix)
    kept = ""
    if config_path is not None:
        try:
            config = load_config(config_path)
            kept = f": {config.data_dir}, {config.log_dir} and {config_path} are kept"
        except ConfigError:
            pass
    system.say(f"the kiosk's software is removed; its data, logs, configuration and the user {USER} are kept{kept}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="install-kiosk", description="Install the rating kiosk on this machine (as root).")
    p.add_argument("--config", type=Path, help="the centre's kiosk.toml (checked line by line first)")
    p.add_argument("--screen", choices=sorted(UNITS), default="cage",
                   help="cage (Wayland, the default), xinit (bare X), none (button boxes only, headless)")
    p.add_argument("--uninstall", action="store_true", help="remove the software; keep the data and the configuration")
    p.add_argument("--root", type=Path, default=Path("/"),
                   help="install under this folder instead of / (a scratch root: root's commands are recorded, not run)")
    p.add_argument("--source", type=Path, default=SOURCE, help="the release to install: a folder or a .tar.gz "
                   "(default: the one this script is in)")
    p.add_argument("--python", type=Path, help="use this interpreter, which has the kiosk's packages, instead of "
                   "building a virtual environment (offline images, tests)")
    p.add_argument("--pin-stdin", action="store_true", help="read the manager PIN twice from standard input")
    return p


def main(argv: list[str] | None = None) -> int:
    """The command line: one line per step, one line for an error, exit 0 / 1 (failed) / 2 (usage, configuration)."""
    args = build_parser().parse_args(argv)
    layout = Layout(args.root)
    system = System(layout)
    if not system.scratch and os.geteuid() != 0:
        print("error: install-kiosk must run as root: sudo deploy/install-kiosk …", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.uninstall:
            return uninstall(layout, system, args.config)
        if args.config is None:
            print("error: --config PATH is required: the centre's kiosk.toml (README, \"Configuring a centre\")",
                  file=sys.stderr)
            return EXIT_USAGE
        pin = sys.stdin.read() if args.pin_stdin else None
        install(args.config, args.screen, layout, system, source=args.source, python=args.python, pin_stdin=pin)
        return EXIT_OK
    except ConfigError as e:
        print(f"error: {e}\nnothing was installed or changed", file=sys.stderr)
        return EXIT_USAGE
    except DeployError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

"""What needs root and systemd, in one place: on a kiosk it is run; under a scratch root it is recorded.

With ``--root DIR`` the installer and the updater write every file under DIR and run the kiosk's own
commands (the config check, ``set-pin``, ``doctor``, ``backup``) for real, as the calling user; what only
a real system can do (``useradd``, ``chown`` to the kiosk user, ``systemctl``, ``udevadm``) is printed as
``would run: …`` and appended to ``DIR/var/log/rating-kiosk-deploy/commands.log``, so a test reads it.
"""

from __future__ import annotations

import grp
import pwd
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Sequence

from .layout import USER, Layout

COMMANDS_LOG = "/var/log/rating-kiosk-deploy/commands.log"


class DeployError(Exception):
    """A step that could not be done, phrased for the person at the kiosk (one line)."""


class System:
    """Root's and systemd's share of the work. ``say`` prints one line for the person installing."""

    def __init__(self, layout: Layout, say: Callable[[str], None] = print):
        self.layout = layout
        self.say = say
        self.scratch = layout.root.resolve() != Path("/")

    # --- recorded under a scratch root -------------------------------------------------------

    def privileged(self, *cmd: str, check: bool = True) -> int:
        """Run ``cmd`` as root (record it under a scratch root); raise :class:`DeployError` when it fails."""
        if self.scratch:
            line = shlex.join(cmd)
            self.say(f"would run: {line}")
            log = self.layout.at(COMMANDS_LOG)
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
            return 0
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if check and r.returncode != 0:
            last = (r.stdout.strip().splitlines() or ["no output"])[-1]
            raise DeployError(f"{shlex.join(cmd)} failed (exit {r.returncode}): {last}")
        return r.returncode

    def user_exists(self, user: str = USER) -> bool:
        if self.scratch:
            passwd = self.layout.at("/etc/passwd")
            return passwd.is_file() and any(line.startswith(user + ":") for line in passwd.read_text().splitlines())
        try:
            pwd.getpwnam(user)
            return True
        except KeyError:
            return False

    def groups_of(self, user: str = USER) -> set[str]:
        """The supplementary groups ``user`` is in (none known under a scratch root)."""
        if self.scratch:
            return set()
        return {g.gr_name for g in grp.getgrall() if user in g.gr_mem}

    def group_exists(self, group: str) -> bool:
        if self.scratch:
            return True
        try:
            grp.getgrnam(group)
            return True
        except KeyError:
            return False

    def chown(self, path: Path, user: str, group: str) -> None:
        if self.scratch:
            self.privileged("chown", f"{user}:{group}", str(path))
        else:
            shutil.chown(path, user, group)

    def as_kiosk(self, cmd: Sequence[str]) -> list[str]:
        """``cmd`` run as the kiosk's user (as the caller under a scratch root, where that user does not exist)."""
        return list(cmd) if self.scratch else ["runuser", "-u", USER, "--", *cmd]

    # --- systemd -----------------------------------------------------------------------------

    def systemctl(self, *args: str, check: bool = True) -> int:
        return self.privileged("systemctl", *args, check=check)

    def restart(self, unit: str) -> None:
        self.systemctl("restart", unit)

    def is_active(self, unit: str) -> bool:
        """True when ``unit`` is active (with Type=notify: the kiosk said READY=1); assumed under a scratch root."""
        return self.systemctl("is-active", "--quiet", unit, check=False) == 0

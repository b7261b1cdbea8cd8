"""A scratch root for the installer and the updater: real files, real kiosk commands, systemd's own checks.

What only a real system can do (useradd, chown to the kiosk user, systemctl, udevadm) the installer records
in ``<root>/var/log/rating-kiosk-deploy/commands.log`` (kiosk.deploy.system); everything else runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT

INSTALL = ROOT / "deploy" / "install-kiosk"
UPDATE = ROOT / "deploy" / "update-kiosk"
COMMANDS = "var/log/rating-kiosk-deploy/commands.log"


def scratch_root(tmp_path: Path) -> Path:
    """An empty root with systemd's own units (so ``systemd-analyze verify --root`` finds sysinit.target)
    and the screen programs the units start (empty scripts: they are not run)."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    for program in ("cage", "xinit"):
        exe = root / "usr/bin" / program
        exe.parent.mkdir(parents=True, exist_ok=True)
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    return root


def centre_config(folder: Path, boxes: str = "") -> Path:
    """A real centre's kiosk.toml with its data folder under ``folder``."""
    path = folder / "etc-kiosk" / "kiosk.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(f"""\
        [kiosk]
        id = "ninh-giang-01"
        centre = "Trung tâm Phục vụ hành chính công xã Thử nghiệm"
        data_dir = "{folder / 'var-lib-kiosk'}"

        [[counters]]
        id = "Q1"
        name = "Quầy 1"

        [[counters]]
        id = "Q2"
        name = "Quầy 2"
        """) + textwrap.dedent(boxes), encoding="utf-8")
    return path


def run_script(script: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run a deploy script as the kiosk would, with this interpreter for the system's python3 and releases."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHON"] = sys.executable
    return subprocess.run([str(script), *args], input=stdin or "", capture_output=True, text=True, env=env, timeout=300)


def install(root: Path, config: Path, *args: str, pin: str | None = "1234") -> subprocess.CompletedProcess:
    extra = ["--pin-stdin"] if pin is not None else []
    return run_script(INSTALL, "--root", str(root), "--config", str(config), "--python", sys.executable, *extra, *args,
                      stdin=f"{pin}\n{pin}\n" if pin is not None else None)


def commands(root: Path) -> list[str]:
    log = root / COMMANDS
    return log.read_text().splitlines() if log.exists() else []


def verify_unit(root: Path, unit: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", unit],
                          capture_output=True, text=True, timeout=120)

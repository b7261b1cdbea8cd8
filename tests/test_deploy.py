"""The shipped deployment files: systemd units that restart the kiosk and stop it with SIGTERM, and an
X session that runs nothing but the kiosk."""

from __future__ import annotations

import configparser
import subprocess

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(DEPLOY / name, encoding="utf-8")
    return unit


@pytest.mark.parametrize("name", ["rating-kiosk.service", "rating-kiosk-xinit.service",
                                  "rating-kiosk-headless.service"])
def test_every_unit_restarts_the_kiosk_always_and_stops_it_with_sigterm_as_a_plain_user(name):
    service = _unit(name)["Service"]
    assert service["Restart"] == "always"
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 10
    assert service["User"] not in ("", "root")
    assert "KIOSK_CONFIG=" in service["Environment"]
    assert any(part in service["ExecStart"] for part in ("main.py run", "deploy/xinitrc", "deploy/cage-session"))
    assert _unit(name)["Install"]["WantedBy"]


@pytest.mark.parametrize("name", ["xinitrc", "cage-session"])
def test_the_sessions_are_valid_shell_and_end_by_becoming_the_kiosk(name):
    script = DEPLOY / name
    assert subprocess.run(["sh", "-n", str(script)]).returncode == 0
    assert script.stat().st_mode & 0o111  # executable
    last = [line for line in script.read_text().splitlines() if line.strip() and not line.startswith("#")][-1]
    assert last.startswith("exec ") and last.endswith("main.py run")

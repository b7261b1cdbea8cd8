"""The kiosk's systemd units supervise it (issue 16): Type=notify with a watchdog of at most 15 s (the
Raspberry Pi's hardware watchdog tops out near 16 s), restarted always, a crash loop stopped by a start
limit and never turned into a reboot loop; and systemd itself finds every unit valid."""

from __future__ import annotations

import configparser
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
KIOSK_UNITS = ["rating-kiosk.service", "rating-kiosk-xinit.service", "rating-kiosk-headless.service"]
ALL_UNITS = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str
    unit.read(DEPLOY / name, encoding="utf-8")
    return unit


def _seconds(text: str) -> float:
    """A systemd time span in seconds ("15", "15s", "1min", "500ms")."""
    text = text.strip()
    for suffix, factor in (("ms", 0.001), ("min", 60), ("s", 1), ("m", 60), ("h", 3600)):
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * factor
    return float(text)


@pytest.mark.parametrize("name", KIOSK_UNITS)
def test_every_kiosk_unit_is_type_notify_with_a_watchdog_the_pi_can_back(name):
    service = _unit(name)["Service"]
    assert service["Type"] == "notify"
    assert 0 < _seconds(service["WatchdogSec"]) <= 15
    # The kiosk runs under cage or xinit there: only NotifyAccess=all lets a child of the main process notify.
    wanted = "main" if "main.py" in service["ExecStart"] else "all"
    assert service["NotifyAccess"] == wanted
    assert service["Restart"] == "always"


@pytest.mark.parametrize("name", KIOSK_UNITS)
def test_a_crash_loop_ends_at_the_start_limit_and_never_reboots_the_kiosk(name):
    unit = _unit(name)
    assert int(unit["Unit"]["StartLimitBurst"]) >= 3 and _seconds(unit["Unit"]["StartLimitIntervalSec"]) >= 60
    for section in ("Unit", "Service"):
        for key in ("StartLimitAction", "FailureAction", "SuccessAction"):
            assert "reboot" not in unit[section].get(key, "none"), f"{name}: {key}"


@pytest.mark.parametrize("name", ALL_UNITS)
def test_systemd_finds_every_shipped_unit_valid(name, tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    # verify also checks that each command exists: the unit is checked as it is, its absolute programs
    # pointed at stand-ins in a scratch folder (the rest of the text unchanged).
    text = (DEPLOY / name).read_text(encoding="utf-8")
    for program in ("/opt/rating-kiosk", "/opt/central", "/usr/bin/cage", "/usr/bin/xinit"):
        text = text.replace(program, str(tmp_path / program.lstrip("/")))
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            exe = line.split("=", 1)[1].split()[0].lstrip("-@+!")
            if exe.startswith(str(tmp_path)):
                stand_in = tmp_path / exe
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.write_text("#!/bin/sh\n")
                stand_in.chmod(0o755)
    target = tmp_path / "units" / name
    target.parent.mkdir()
    target.write_text(text, encoding="utf-8")
    for other in DEPLOY.iterdir():  # a timer's service beside it
        if other.suffix == ".service" and other.name != name and name.endswith(".timer"):
            (target.parent / other.name).write_text(other.read_text().replace("/opt/central", str(tmp_path / "opt/central")))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(target)], capture_output=True, text=True)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 0 and not problems, "\n".join(problems)

"""`deploy/install-kiosk` on a scratch root: every step, idempotent, the configuration checked before anything
changes, units systemd itself accepts, only the kiosk's packages, and `--uninstall` keeping the data."""

from __future__ import annotations

import ast
import hashlib
import shutil
import sys
import tomllib

import pytest

from kiosk.config import load_config
from kiosk.deploy import udev
from kiosk.deploy.layout import UNITS
from kiosk.store import VoteStore
from tests.conftest import ROOT
from tests.deploy_helpers import centre_config, commands, install, run_script, scratch_root, verify_unit, INSTALL

USB_BOX = """
[[button_boxes]]
port = "usb:1A86:7523:5A3B0012"
box = 1
counter = "Q1"

[[button_boxes]]
port = "usb:1A86:7523:5A3B0012"
box = 2
counter = "Q2"
"""

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")


def _tree(root):
    """Every path under ``root`` with its type, mode, link target and content digest (the commands log apart)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if rel.startswith("var/log/rating-kiosk-deploy") or rel.startswith("usr/"):
            continue
        if p.is_symlink():
            out[rel] = ("link", str(p.readlink()))
        elif p.is_file():
            out[rel] = ("file", p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            out[rel] = ("dir", p.stat().st_mode)
    return out


@pytest.fixture
def root(tmp_path):
    return scratch_root(tmp_path)


def test_installing_twice_gives_the_same_files_and_asks_nothing_again(root, tmp_path):
    config = centre_config(tmp_path, USB_BOX)
    first = install(root, config, "--screen", "none")
    assert first.returncode == 0, first.stderr
    after_first, first_commands = _tree(root), commands(root)
    second = install(root, config, "--screen", "none", pin=None)
    assert second.returncode == 0, second.stderr
    assert _tree(root) == after_first
    again = commands(root)[len(first_commands):]
    assert set(again) <= set(first_commands), "nothing new is done the second time"
    assert not any(c.startswith("udevadm") or c == "systemctl daemon-reload" for c in again), "unchanged files reload nothing"
    assert "manager PIN: already set" in second.stdout
    assert len(list((root / "opt/rating-kiosk/releases").iterdir())) == 1


def test_every_step_is_done_in_order_and_the_service_is_started_only_after_the_pin(root, tmp_path):
    config = centre_config(tmp_path, USB_BOX)
    r = install(root, config, "--screen", "none")
    assert r.returncode == 0, r.stderr
    done = commands(root)
    assert done[0].startswith("useradd --system --create-home --user-group --groups dialout,video,input,tty")
    assert done[0].endswith(" kiosk")
    data = tmp_path / "var-lib-kiosk"
    assert f"chown kiosk:kiosk {data}" in done and f"chown kiosk:kiosk {data / 'logs'}" in done
    assert f"chown root:kiosk {config}" in done
    assert (data.stat().st_mode & 0o777) == 0o750 and (config.stat().st_mode & 0o777) == 0o640
    assert done[-2:] == ["systemctl enable rating-kiosk-headless.service", "systemctl restart rating-kiosk-headless.service"]
    out = r.stdout
    assert out.index("đã đặt mã PIN") < out.index("would run: systemctl enable"), "the PIN before the service starts"
    with VoteStore.from_config(load_config(config)) as store:
        assert store.get_setting("manager_pin")
    assert "doctor:" in out.splitlines()[-1], "it ends with doctor's verdict"
    current = root / "opt/rating-kiosk/current"
    assert current.is_symlink() and (current / "main.py").is_file() and (current / ".release-complete").is_file()
    assert not (current / "tests").exists() and list(current.rglob("__pycache__/*.pyc")), "byte-code compiled once"


def test_a_bad_configuration_is_named_line_by_line_and_nothing_is_installed(root, tmp_path):
    config = centre_config(tmp_path)
    config.write_text(config.read_text().replace('data_dir', 'scale = "sipas7"\ndata_dir'), encoding="utf-8")
    before = _tree(root)
    r = install(root, config, "--screen", "cage")
    assert r.returncode == 2
    assert "line 4: [kiosk] scale: expected one of" in r.stderr and "nothing was installed" in r.stderr
    assert _tree(root) == before and commands(root) == []
    assert not (tmp_path / "var-lib-kiosk").exists()


@pytest.mark.parametrize("screen", ["cage", "xinit", "none"])
def test_the_unit_for_each_screen_names_the_configuration_and_systemd_accepts_it(root, tmp_path, screen):
    config = centre_config(tmp_path)
    install(root, config, "--screen", "cage")  # another screen first: switching leaves one kiosk unit
    r = install(root, config, "--screen", screen)
    assert r.returncode == 0, r.stderr
    units = sorted(p.name for p in (root / "etc/systemd/system").glob("rating-kiosk*.service"))
    assert units == [UNITS[screen]]
    text = (root / "etc/systemd/system" / UNITS[screen]).read_text()
    assert f"Environment=KIOSK_CONFIG={config}\n" in text and "/opt/rating-kiosk/current/" in text
    checked = verify_unit(root, UNITS[screen])
    assert checked.returncode == 0 and checked.stderr == "" and checked.stdout == "", checked.stderr
    if screen != "none":
        assert commands(root)[-3:-1] == [f"systemctl enable {UNITS[screen]}", "systemctl set-default graphical.target"]


def test_the_udev_rule_names_each_button_box_by_its_usb_identity(root, tmp_path):
    config = centre_config(tmp_path, USB_BOX + '\n[[button_boxes]]\nport = "/dev/ttyUSB7"\nbox = 3\ncounter = "Q1"\n')
    r = install(root, config, "--screen", "none")
    assert r.returncode == 0, r.stderr
    rules = (root / "etc/udev/rules.d/99-rating-box.rules").read_text().splitlines()
    named = [line for line in rules if not line.startswith("#")]
    assert named == ['SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", ATTRS{serial}=="5A3B0012", '
                     'SYMLINK+="rating-box-1", GROUP="dialout", MODE="0660"'], "two boxes on one RS-485 line: one name"
    assert "button box 1: /dev/rating-box-1" in r.stdout
    assert "button box 3 on /dev/ttyUSB7: its USB identity is not known" in r.stdout


def test_a_box_given_by_its_device_path_is_named_from_what_udev_says_of_it():
    said = "DEVNAME=/dev/ttyUSB0\nID_BUS=usb\nID_VENDOR_ID=10c4\nID_MODEL_ID=ea60\nID_SERIAL_SHORT=0001\n"
    box = udev.from_udev_properties(4, said)
    assert box.rule() == ('SUBSYSTEM=="tty", ATTRS{idVendor}=="10c4", ATTRS{idProduct}=="ea60", ATTRS{serial}=="0001", '
                          'SYMLINK+="rating-box-4", GROUP="dialout", MODE="0660"\n')
    assert udev.from_udev_properties(1, "DEVNAME=/dev/ttyS0\n") is None, "not a USB device: no rule"
    odd = udev.from_udev_properties(1, said.replace("0001", 'a"b*'))
    assert odd.serial is None, "a serial udev would not match literally is left out, not quoted wrongly"


def test_a_data_folder_inside_the_software_folder_is_refused(root, tmp_path):
    config = centre_config(tmp_path)
    config.write_text(config.read_text().replace(str(tmp_path / "var-lib-kiosk"), str(root / "opt/rating-kiosk/data")))
    r = install(root, config, "--screen", "none")
    assert r.returncode == 1 and "data_dir" in r.stderr and "replaced by updates" in r.stderr


def test_uninstall_removes_the_software_and_keeps_the_votes_and_the_configuration(root, tmp_path):
    config = centre_config(tmp_path, USB_BOX)
    assert install(root, config, "--screen", "cage").returncode == 0
    with VoteStore.from_config(load_config(config)) as store:
        store.record_vote("Q1", "RHL", source="touch")
    r = run_script(INSTALL, "--root", str(root), "--uninstall", "--config", str(config))
    assert r.returncode == 0, r.stderr
    assert not (root / "opt/rating-kiosk").exists()
    assert not list((root / "etc/systemd/system").glob("rating-kiosk*")) and not (root / "etc/udev/rules.d/99-rating-box.rules").exists()
    assert "systemctl disable --now rating-kiosk.service" in commands(root)
    assert config.is_file() and "are kept" in r.stdout
    with VoteStore.from_config(load_config(config)) as store:
        assert store.count() == 1 and store.verify_chain() is None


def _third_party_imports(folders):
    found = set()
    for folder in folders:
        for path in [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("rating", "kiosk", "hardware", "sync", "central")}


def test_the_kiosk_installs_only_what_it_runs_and_everything_it_runs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["kiosk"]]
    names = {r.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower() for r in wanted}
    assert not names & {"django", "psycopg", "gunicorn", "waitress", "segno", "selenium", "pytest", "schemathesis",
                        "hypothesis", "openpyxl", "pytest-timeout", "fonttools"}
    distribution = {"kivy": "kivy", "serial": "pyserial", "requests": "requests", "sqlite_utils": "sqlite-utils",
                    "xlsxwriter": "xlsxwriter", "reportlab": "reportlab"}
    imported = _third_party_imports(["rating", "kiosk", "hardware", "sync", "main.py"])
    assert imported <= set(distribution), f"imported by the kiosk but not mapped here: {imported - set(distribution)}"
    assert {distribution[m] for m in imported} <= names
    release = (ROOT / "kiosk/deploy/release.py").read_text()
    assert 'EXTRA = "kiosk"' in release and "{target}[{EXTRA}]" in release


def test_the_installer_and_the_updater_need_only_the_standard_library():
    """They run under the system's python3, before any virtual environment exists."""
    import subprocess
    code = ("import sys, kiosk.deploy.install, kiosk.deploy.update; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlite_utils', 'kivy', 'serial', 'requests', 'xlsxwriter', 'reportlab', 'django')))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr

"""`deploy/update-kiosk`: a release beside the running one, a backup, the switch, the health gate, and the switch back
by itself — with real kiosk processes taking real presses from a virtual button box, and no vote lost either way.

systemd's part is played by :class:`Supervisor`: "restarting the unit" stops the headless kiosk and starts
``current/.venv/bin/python current/main.py run --headless`` again, as the unit's ExecStart would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from hardware.simulator import VirtualBox
from kiosk.config import load_config
from kiosk.deploy.layout import Layout
from kiosk.deploy.release import _files
from kiosk.deploy.system import System
from kiosk.deploy.update import update
from kiosk.store import SCHEMA_VERSION, VoteStore
from tests.conftest import ROOT
from tests.deploy_helpers import UPDATE, centre_config, commands, install, run_script, scratch_root


def make_release(tmp_path, name, *, migration: str | None = None, health_fails: bool = False):
    """A copy of this code as another release: one more schema step (additive or not), a health check that fails."""
    folder = tmp_path / name
    for rel in _files(ROOT):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, folder / rel)
    (folder / "RELEASE").write_text(name + "\n")
    if migration:
        store = folder / "kiosk" / "store.py"
        wrap = "additive(_v_next)" if migration == "additive" else "_v_next"
        step = ('def _v_next(db):  # the next release\'s schema step\n'
                '    db["votes"].add_column("next_marker", int, not_null_default=0)\n'
                f'    db["next_things"].create({{"id": int}}, pk="id")\n\n\n'
                f'MIGRATIONS.append({wrap})\nSCHEMA_VERSION = len(MIGRATIONS)\n')
        if migration != "additive":
            step = step.replace('db["votes"].add_column("next_marker", int, not_null_default=0)',
                                'db.execute("ALTER TABLE votes RENAME COLUMN officer TO officer_code")')
        text = store.read_text()
        assert "SCHEMA_VERSION = len(MIGRATIONS)\n" in text
        store.write_text(text.replace("SCHEMA_VERSION = len(MIGRATIONS)\n", "SCHEMA_VERSION = len(MIGRATIONS)\n" + step, 1))
    if health_fails:
        main = folder / "main.py"
        main.write_text(main.read_text().replace(
            'if __name__ == "__main__":\n',
            'if __name__ == "__main__":\n    if sys.argv[1:2] in (["doctor"], ["verify"]):  # broken on purpose\n'
            '        sys.exit(1)\n', 1))
    return folder


class Supervisor(System):
    """systemd for the test: the kiosk unit is a real headless kiosk started from ``current``; after each start
    the citizens press ``presses`` keys on the box, and every ACKed press is counted."""

    def __init__(self, layout, config, box, presses=3):
        self.lines: list[str] = []
        super().__init__(layout, say=self.lines.append)
        self.config, self.box, self.presses = config, box, presses
        self.proc = None
        self.acked = 0
        self.started: list[str] = []

    def restart(self, unit):
        super().restart(unit)  # recorded, as under any scratch root
        self.stop()
        current = self.layout.current
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.proc = subprocess.Popen([str(current / ".venv/bin/python"), str(current / "main.py"), "run", "--headless",
                                      "--config", str(self.config)], cwd=current, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started.append(current.resolve().name)
        deadline = time.monotonic() + 30
        while not self.box.press(1).acked:  # the reader empties the port when it opens it: press until heard
            assert self.proc.poll() is None, "the kiosk stopped"
            assert time.monotonic() < deadline, "the kiosk never ACKed"
        self.acked += 1
        for key in range(2, 2 + self.presses):
            self.acked += self.box.press(key).acked

    def is_active(self, unit):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)


@pytest.fixture
def kiosk(tmp_path):
    """An installed kiosk (this code, headless) on a scratch root, with a virtual box on its port."""
    root = scratch_root(tmp_path)
    link = tmp_path / "box1"
    config = centre_config(tmp_path, f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q1"\n')
    r = install(root, config, "--screen", "none")
    assert r.returncode == 0, r.stderr
    with VirtualBox(link, heartbeat_s=None) as box:
        supervisor = Supervisor(Layout(root), config, box)
        supervisor.restart("rating-kiosk-headless.service")  # the service install-kiosk started
        try:
            yield root, config, supervisor
        finally:
            supervisor.stop()


def _stored(config):
    with VoteStore.from_config(load_config(config)) as store:
        assert store.verify_chain() is None
        return store.count(), store.conn.execute("PRAGMA user_version").fetchone()[0]


def test_a_release_that_does_not_prove_healthy_is_switched_back_and_the_votes_it_took_are_kept(kiosk, tmp_path):
    root, config, supervisor = kiosk
    old = (root / "opt/rating-kiosk/current").resolve().name
    broken = make_release(tmp_path, "broken", migration="additive", health_fails=True)
    status = update(str(broken), Layout(root), supervisor, python=sys.executable, timeout_s=2, interval_s=0.2)
    assert status == 1
    new = supervisor.started[1]
    assert new != old and supervisor.started == [old, new, old], "started the new release, then the old one again"
    assert (root / "opt/rating-kiosk/current").resolve().name == old
    said = "\n".join(supervisor.lines)
    assert "did not prove healthy within 2 s (verify: exit 1" in said or "doctor: exit 1" in said
    assert f"switching back to {old}" in said and "backup:" in said
    supervisor.stop()
    count, version = _stored(config)
    assert version == SCHEMA_VERSION + 1, "the new release migrated the store, and the old one opened it"
    assert count == supervisor.acked == 12, "every ACKed press, those the broken release took among them"
    backups = list((tmp_path / "var-lib-kiosk" / "backups").glob("*.db"))
    assert backups, "a verified backup before the switch"


def test_a_healthy_release_stays_and_the_old_one_is_kept_for_going_back(kiosk, tmp_path):
    root, config, supervisor = kiosk
    old = (root / "opt/rating-kiosk/current").resolve().name
    status = update(str(make_release(tmp_path, "next", migration="additive")), Layout(root), supervisor,
                    python=sys.executable, timeout_s=60, interval_s=0.2)
    assert status == 0, supervisor.lines
    new = (root / "opt/rating-kiosk/current").resolve().name
    assert new != old and supervisor.started == [old, new]
    assert (root / "opt/rating-kiosk/releases" / old).is_dir()
    assert f"sudo deploy/update-kiosk {old} goes back to it" in "\n".join(supervisor.lines)
    # Going back by name: the old release opens what the new one migrated and keeps every vote.
    assert update(old[:10], Layout(root), supervisor, python=sys.executable, timeout_s=60, interval_s=0.2) == 0
    assert (root / "opt/rating-kiosk/current").resolve().name == old
    supervisor.stop()
    assert _stored(config) == (supervisor.acked, SCHEMA_VERSION + 1)


def test_an_update_the_running_release_could_not_undo_is_refused_before_anything_changes(kiosk, tmp_path):
    root, config, supervisor = kiosk
    before = (root / "opt/rating-kiosk/current").resolve().name
    one_way = make_release(tmp_path, "one-way", migration="breaking")
    done = commands(root)
    r = run_script(UPDATE, str(one_way), "--root", str(root), "--python", sys.executable)
    assert r.returncode == 1
    assert "could not open the store again" in r.stderr and "nothing changed" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, "one line, no traceback"
    assert (root / "opt/rating-kiosk/current").resolve().name == before
    assert commands(root) == done and supervisor.started == [before], "nothing restarted"
    supervisor.stop()
    assert _stored(config)[1] == SCHEMA_VERSION


def test_update_without_an_installed_kiosk_says_to_install_first(tmp_path):
    r = run_script(UPDATE, str(ROOT), "--root", str(tmp_path / "empty"), "--python", sys.executable)
    assert r.returncode == 1 and "install it first" in r.stderr and len(r.stderr.strip().splitlines()) == 1

"""One runtime for every face: parts start in order and stop in reverse, whatever ends the run.

Real parts: a real store in tmp_path, real button-box readers on real pseudo-terminals (simulated
boxes), real signals, and ``python main.py run`` as a real process, headless and with the touch screen.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from hardware.headless import SIMULATED_BOX, headless_face, start_button_boxes
from hardware.simulator import VirtualBox
from kiosk.config import load_config
from kiosk.runtime import Runtime
from kiosk.store import VoteStore
from tests.conftest import ROOT, write_config


def _box_config(tmp_path, link, extra=""):
    return load_config(write_config(tmp_path, extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\n'
                                                     f'counter = "Q2"\n{extra}'))


def _press_until_acked(box, key=1, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # the reader flushes input on open: press once it is open
        result = box.press(key)
        if result.acked:
            return result
    raise AssertionError("the kiosk never ACKed")


class _Recorder:
    """A service that notes when it starts and stops (and checks the store is still open then)."""

    def __init__(self, events, name):
        self.events, self.name = events, name

    def __call__(self, config, store):
        self.events.append(f"start {self.name}")
        self.store = store
        return self

    def stop(self):
        self.store.count()  # raises if the store were already closed: the store must close last
        self.events.append(f"stop {self.name}")


def test_parts_stop_in_reverse_order_and_the_store_last_when_the_face_raises(tmp_path):
    events = []
    config = load_config(write_config(tmp_path))
    before = set(threading.enumerate())

    def face(rt):
        events.append("face")
        raise RuntimeError("the screen broke")

    rt = Runtime(config, services=[_Recorder(events, "a"), _Recorder(events, "b")])
    with pytest.raises(RuntimeError, match="the screen broke"):
        rt.run(face)
    assert events == ["start a", "start b", "face", "stop b", "stop a"]
    with pytest.raises(Exception):
        rt.store.count()  # closed
    assert set(threading.enumerate()) <= before


def test_a_part_that_fails_to_start_stops_what_had_started(tmp_path):
    events = []
    config = load_config(write_config(tmp_path))

    def broken(config, store):
        raise OSError("no such device")

    rt = Runtime(config, services=[_Recorder(events, "a"), broken, _Recorder(events, "c")])
    with pytest.raises(OSError):
        rt.run(lambda rt: events.append("face never runs"))
    assert events == ["start a", "stop a"]


def test_a_vote_that_arrives_before_the_face_is_stored_acked_and_handed_over_once_it_is_ready(tmp_path):
    link = tmp_path / "box"
    config = _box_config(tmp_path, link)
    shown = []
    with VirtualBox(link, heartbeat_s=None) as box:
        def face(rt):
            # The face takes its time to open: presses come meanwhile.
            early = [_press_until_acked(box, 1), box.press(2)]
            assert all(r.acked for r in early)
            assert rt.store.count() == len({r.seq for r in early})
            rt.face_ready(on_vote=lambda vote, n: shown.append((vote.level, n)))
            assert box.press(5).acked
            deadline = time.monotonic() + 5
            while len(shown) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            return 0

        rt = Runtime(config, button_boxes=start_button_boxes)
        assert rt.run(face) == 0
    assert shown[-2:] == [("HL", 1), ("RKHL", 1)] and shown[0] == ("RHL", 1)
    with VoteStore.from_config(config) as store:
        assert [v.level for v in store.iter_votes()][-2:] == ["HL", "RKHL"]


def test_a_face_that_fails_on_a_vote_does_not_undo_the_ack(tmp_path):
    link = tmp_path / "box"
    config = _box_config(tmp_path, link)
    with VirtualBox(link, heartbeat_s=None) as box:
        def face(rt):
            rt.face_ready(on_vote=lambda vote, n: 1 / 0)
            return [_press_until_acked(box, 3).acked, box.press(4).acked]

        acked = Runtime(config, button_boxes=start_button_boxes).run(face)
    assert acked == [True, True]
    with VoteStore.from_config(config) as store:
        assert store.count() >= 2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_stops_every_part_no_thread_is_left_and_the_simulated_box_is_unplugged(tmp_path, sig):
    link = tmp_path / "box"
    config = _box_config(tmp_path, link)
    before = set(threading.enumerate())
    previous_handler = signal.getsignal(sig)
    acked = []
    with VirtualBox(link, heartbeat_s=None) as box:
        def face(rt):
            acked.append(_press_until_acked(box, 2).seq)
            acked.append(box.press(4).seq)
            os.kill(os.getpid(), sig)  # as systemd stops the kiosk, or Ctrl-C in a terminal
            return headless_face(rt)

        rt = Runtime(config, button_boxes=lambda c, s, v: start_button_boxes(c, s, v, simulate=True))
        assert rt.run(face) == 0
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == [], f"threads left running: {left}"
    sim_link = config.data_dir / f"simulated-box-{SIMULATED_BOX}"
    assert not os.path.lexists(sim_link)  # the simulated box's pty is closed and its link gone
    assert signal.getsignal(sig) == previous_handler  # the handler from before the run is back
    with VoteStore.from_config(config) as store:
        stored = {v.box_seq for v in store.iter_votes() if v.source == "serial:1"}
    assert set(acked) <= stored


def _run_process(config_path, *args, env=None):
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--config", str(config_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env)


def _wait_for(path, text, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return
        if proc.poll() is not None:
            raise AssertionError(f"the kiosk exited early: {proc.communicate()[0]}")
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {path}")


@pytest.mark.parametrize("face", ["headless", "touch"])
def test_the_kiosk_process_stops_every_part_on_sigterm_and_keeps_every_acked_vote(tmp_path, face):
    if face == "touch" and not os.environ.get("DISPLAY"):
        pytest.skip("the touch face needs a display (make test runs under xvfb-run)")
    link = tmp_path / "box"
    config_path = write_config(tmp_path, extra=f'\n[[button_boxes]]\nport = "{link}"\nbox = 1\ncounter = "Q2"\n')
    log_file = tmp_path / "data" / "logs" / "kiosk.log"
    env = {"KIVY_NO_ARGS": "1"} if face == "touch" else {"DISPLAY": ""}
    args = ["--windowed", "--simulate"] if face == "touch" else ["--headless", "--simulate"]
    with VirtualBox(link, heartbeat_s=None) as box:
        proc = _run_process(config_path, *args, env=env)
        try:
            _wait_for(log_file, "face ready", proc)
            acked = [_press_until_acked(box, 2).seq]
            for key in (1, 5):
                result = box.press(key)
                if result.acked:
                    acked.append(result.seq)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    log = log_file.read_text(encoding="utf-8")
    assert "SIGTERM received" in log and "the store is closed" in log
    assert "Traceback" not in out  # nothing failed; Kivy's start-up probes are one line each on stderr
    config = load_config(config_path)
    rehearsal = config.as_rehearsal()
    assert not os.path.lexists(rehearsal.data_dir / f"simulated-box-{SIMULATED_BOX}")  # its pty closed, link gone
    assert not config.db_path.exists()  # --simulate is a rehearsal: the centre's own store is never touched
    with VoteStore.from_config(rehearsal) as store:
        votes = list(store.iter_votes())
        assert set(acked) <= {v.box_seq for v in votes}
        assert store.verify_chain() is None
    assert {v.source for v in votes} == {"demo"}  # a rehearsal's votes are all demo votes: never evidence


# --- the store owns its reads and its out-of-hours mark ---------------------------------------

def test_the_store_marks_out_of_hours_from_the_votes_own_time_not_the_time_it_is_written(tmp_path):
    from datetime import datetime
    from rating.hours import parse_hours
    config = load_config(write_config(tmp_path))
    tz = config.tz
    late_now = lambda: datetime(2026, 11, 20, 21, 0, tzinfo=tz)  # a Friday evening: closed  # noqa: E731
    with VoteStore.open(config.db_path, kiosk_id="t", tz=tz, clock=late_now,
                        hours=parse_hours(["Mon-Fri 07:30-17:00"])) as store:
        in_hours = store.record_vote("Q1", "RHL", at=datetime(2026, 11, 20, 10, 0, tzinfo=tz))  # read late
        now = store.record_vote("Q1", "HL", source="serial:1", box_seq=7)
        marks = dict(store.query("SELECT seq, out_of_hours FROM votes"))
    assert marks == {in_hours.seq: 0, now.seq: 1}


def test_no_room_outside_the_store_runs_sql_on_the_stores_tables():
    import re
    # The store's own modules (and the central service's separate database) may; nobody else. The
    # questionnaire package owns its own tables (answers, responses); totals and the report model read
    # only through the vote-source contract, which the central service implements too.
    # kiosk/chainhead.py is the store's own: the chain heads written beside each vote and answer.
    # kiosk/restore.py rebuilds the store's file itself (restore PATH, restore --from-central).
    # kiosk/deploy/ runs on the system's python3 with the standard library only, beside a release it does
    # not trust yet: it asks sqlite3 whether a PIN is set, and checks its own fallback backup.
    allowed = {"kiosk/store.py", "kiosk/db.py", "kiosk/outbox.py", "kiosk/chainhead.py", "kiosk/restore.py"}
    allowed_folders = ("kiosk/questionnaire/", "kiosk/deploy/")
    sql = re.compile(r"\.(query|execute|executemany)\(\s*f?[\"']\s*(SELECT|INSERT|UPDATE|DELETE|PRAGMA)", re.I)
    offenders = []
    for folder in ("kiosk", "sync", "hardware"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel in allowed or rel.startswith(allowed_folders):
                continue
            offenders += [f"{rel}:{n}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                          if sql.search(line)]
    assert offenders == []


def test_every_vote_of_the_embedded_demo_centre_is_a_demo_vote_and_a_real_centres_never_is(tmp_path, monkeypatch):
    from kiosk import demo
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    demo_config = load_config()
    with VoteStore.from_config(demo_config) as store:
        store.record_vote("Q1", "RHL", source="touch")
        store.record_vote("Q2", "HL", source="serial:1", box_seq=3)
        assert demo.generate(store, demo_config.counters, demo_config.scale, 1, 5, seed=1) >= 0  # not refused
        assert {v.source for v in store.iter_votes()} == {"demo"}
        with pytest.raises(ValueError):
            store.record_vote("Q1", "RHL", source="bogus")  # still validated
    (tmp_path / "real").mkdir()
    with VoteStore.from_config(load_config(write_config(tmp_path / "real"))) as real:
        assert real.record_vote("Q1", "RHL", source="touch").source == "touch"


def _damage_a_page_start_does_not_read(db) -> None:
    """Scribble over one page that opening the store and counting its votes never read, found by trying
    each page on a copy: the kiosk starts on such a file, and only reading every page finds the damage."""
    import shutil
    import sqlite3
    data = db.read_bytes()
    trial = db.with_name("trial.db")
    for page in range(len(data) // 4096 - 1, 1, -1):
        damaged = bytearray(data)
        damaged[page * 4096 + 8: page * 4096 + 72] = bytes(range(7, 71))
        trial.write_bytes(damaged)
        conn = sqlite3.connect(trial)
        try:
            conn.execute("SELECT count(*) FROM votes").fetchall()
            found = conn.execute("PRAGMA quick_check(1)").fetchall()
        except sqlite3.DatabaseError:
            continue
        finally:
            conn.close()
        if found != [("ok",)]:
            shutil.copyfile(trial, db)
            trial.unlink()
            return
    raise AssertionError("no page to damage that start-up does not read")


def test_a_store_damaged_where_start_up_does_not_read_is_reported_in_the_log_and_the_kiosk_runs_on(tmp_path, caplog):
    config = load_config(write_config(tmp_path))
    with VoteStore.from_config(config) as store:
        for i in range(3000):
            store.record_vote("Q1", "HL", source="touch")
    _damage_a_page_start_does_not_read(config.db_path)

    def face(runtime):
        runtime.soundness.join(60)  # the check runs beside the face
        return 0

    with caplog.at_level("INFO", logger="kiosk.runtime"):
        assert Runtime(config).run(face) == 0
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("damaged" in m and "restore the latest backup" in m for m in errors), errors


def test_a_sound_store_is_checked_once_at_start_without_an_error(tmp_path, caplog):
    config = load_config(write_config(tmp_path))
    with VoteStore.from_config(config) as store:
        store.record_vote("Q1", "HL", source="touch")

    def face(runtime):
        runtime.soundness.join(60)
        return 0

    with caplog.at_level("INFO", logger="kiosk.runtime"):
        assert Runtime(config).run(face) == 0
    assert any("store checked" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_make_run_without_a_display_says_it_runs_headless_and_where_the_demo_votes_go(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIVY_WINDOW",
                                                               "KIOSK_CONFIG")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--windowed"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**env, "PYTHONPATH": str(ROOT)})
    log_file = tmp_path / "data" / "demo" / "logs" / "kiosk.log"
    try:
        _wait_for(log_file, "face ready", proc)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "no display found" in out and "running headless" in out
    assert "Ctrl-C dừng / Ctrl-C stops it" in out  # how to stop what it started
    assert f"{tmp_path / 'data' / 'demo' / 'votes.db'} as a demo vote" in out
    assert "Traceback" not in out
    assert not (tmp_path / "data" / "votes.db").exists()  # a real centre's place stays empty


# --- a store damaged at start: an out-of-service face, not a restart loop ------------------------

def _damaged_store(tmp_path, pages_from: int | None = 2):
    """A real store whose pages from ``pages_from`` on are garbage (the first page, the header, from 0;
    None: one page that opening the store never reads)."""
    import random
    from tests.conftest import synthetic_votes
    path = write_config(tmp_path)
    assert synthetic_votes(path, 10, 100, 1) > 0
    config = load_config(path)
    if pages_from is None:
        _damage_a_page_start_does_not_read(config.db_path)
        return config
    data = bytearray(config.db_path.read_bytes())
    data[pages_from * 4096:] = random.Random(9).randbytes(len(data) - pages_from * 4096)
    config.db_path.write_bytes(bytes(data))
    return config


@pytest.mark.parametrize("pages_from", [2, 0, None], ids=["votes unreadable", "header unreadable", "a part's read"])
def test_a_store_damaged_at_start_runs_the_out_of_service_face_after_every_part_stopped_and_logs_it_once(
        tmp_path, caplog, pages_from):
    from kiosk.runtime import EXIT_OUT_OF_SERVICE
    config = _damaged_store(tmp_path, pages_from)
    before = config.db_path.read_bytes()
    seen, stopped = [], []

    class Sync:
        def stop(self):
            stopped.append("sync")

    def reads_every_page(cfg, store):  # as a part reading what start-up did not meets the damage
        from kiosk.soundness import refuse_if_damaged
        refuse_if_damaged(store)

    def out_of_service(runtime, notice):
        seen.append((notice, runtime._stack[:], runtime.soundness, stopped[:]))
        return EXIT_OUT_OF_SERVICE

    def face(runtime):
        raise AssertionError("the normal face must not run on a damaged store")

    with caplog.at_level("INFO", logger="kiosk.runtime"):
        rt = Runtime(config, services=[lambda cfg, store: Sync(), reads_every_page])
        assert rt.run(face, out_of_service=out_of_service) == EXIT_OUT_OF_SERVICE
    [(notice, still_running, soundness, stopped_before)] = seen
    assert still_running == [] and soundness is None  # nothing holds the damaged file while it is shown
    if pages_from is None:
        assert stopped_before == ["sync"]  # the parts that had started were stopped first
    assert notice.path == config.db_path and ("damaged" in notice.what or "malformed" in notice.what)
    assert "verify --config" in notice.verify_command
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].startswith("out of service: ") and str(config.db_path) in errors[0]
    assert "stop the kiosk" not in errors[0]  # it has stopped taking votes already: say what to do next
    assert config.db_path.read_bytes() == before


def test_without_a_screen_a_store_damaged_at_start_is_one_error_worded_for_a_kiosk_that_has_stopped(tmp_path):
    from kiosk.db import StoreDamagedError
    config = _damaged_store(tmp_path)
    before = config.db_path.read_bytes()
    with pytest.raises(StoreDamagedError) as raised:
        Runtime(config).run(lambda runtime: 0)
    text = str(raised.value)
    assert text.startswith("the kiosk has stopped without taking votes: ") and str(config.db_path) in text
    assert "stop the kiosk" not in text and "has not been changed" in text and "verify" in text
    assert text.index("verify") < text.index("restore the latest backup") < text.index("start the kiosk again")
    assert config.db_path.read_bytes() == before


def test_a_store_that_cannot_be_opened_for_another_reason_is_not_called_damaged(tmp_path):
    import sqlite3
    from kiosk.db import StoreOpenError
    config = load_config(write_config(tmp_path))
    with VoteStore.from_config(config) as store:
        store.record_vote("Q1", "HL", source="touch")
    conn = sqlite3.connect(config.db_path)
    conn.execute("PRAGMA user_version = 9999")  # from a newer kiosk: reinstall, not a damaged file
    conn.execute("UPDATE schema_compat SET readable_by = 9999")   # …whose schema this code cannot read
    conn.commit()
    conn.close()
    with pytest.raises(StoreOpenError, match="newer|only knows"):
        Runtime(config).run(lambda runtime: 0, out_of_service=lambda runtime, notice: pytest.fail("not damaged"))


def test_the_out_of_service_exit_status_is_the_one_the_readme_documents():
    from kiosk.runtime import EXIT_OUT_OF_SERVICE
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"then it exits with status **{EXIT_OUT_OF_SERVICE}**" in readme
    assert EXIT_OUT_OF_SERVICE not in (0, 1, 2, 130)  # told apart from done, failed, usage and Ctrl-C

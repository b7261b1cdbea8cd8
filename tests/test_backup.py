"""Backups (issue 16): made with VACUUM INTO, verified before they get a backup's name, recorded,
pruned; the `backup [--to DIR]` command; a store being written by another process; the disk guard.
Real SQLite files, real processes, a real tmpfs for a full disk."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk import backup
from kiosk.backup import BackupError, last_verified, take_backup, verify_backup
from kiosk.config import ConfigError, load_config
from kiosk.diskguard import disk_free, make_room
from kiosk.questionnaire.answers import AnswerStore
from kiosk.store import VoteStore
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
from tests.conftest import ROOT, run_cli, write_config

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT = datetime(2026, 12, 8, 2, 0, tzinfo=TZ)
LEVELS = ("RHL", "HL", "BT", "KHL", "RKHL")


def fill(config, votes: int = 30, answers: bool = True) -> None:
    """Votes (and a questionnaire response) written through the store's own API."""
    with VoteStore.from_config(config) as store:
        store.record_votes({"counter_id": "Q1", "level": LEVELS[i % 5], "at": NIGHT - timedelta(days=3, minutes=i)}
                           for i in range(votes))
        if answers:
            q = load_catalogue(questionnaire_dirs(config)).get("trung-tam")
            answer_store = AnswerStore(store)
            rid = answer_store.start_response(q, "kiosk", "Q1", at=NIGHT - timedelta(days=1))
            for question in q.questions[:2]:
                answer_store.record_answer(rid, question.id, question.choices[0].code if question.choices else None,
                                           at=NIGHT - timedelta(days=1))


@pytest.fixture
def filled(config):
    fill(config)
    return config


# --- configuration --------------------------------------------------------------------------------

def test_the_backup_section_defaults_to_a_folder_on_the_data_partition_kept_seven_at_two_in_the_night(config):
    assert config.backup_dir == config.data_dir / "backups"
    assert (config.backup.keep, config.backup.time.strftime("%H:%M")) == (7, "02:00")


def test_the_backup_keys_are_read_and_a_relative_dir_is_the_config_files(tmp_path):
    config = load_config(write_config(tmp_path, extra='[backup]\ndir = "stick/kiosk"\nkeep = 3\ntime = "01:30"\n'))
    assert config.backup_dir == tmp_path / "stick" / "kiosk"
    assert (config.backup.keep, config.backup.time.strftime("%H:%M")) == (3, "01:30")


@pytest.mark.parametrize("line, named", [('keep = 0', "[backup] keep"), ('time = "2:00"', "[backup] time"),
                                         ('time = "24:00"', "[backup] time"), ('dir = ""', "[backup] dir"),
                                         ('folder = "x"', "[backup] folder: unknown key")])
def test_a_bad_backup_line_is_refused_naming_the_key_and_the_line(tmp_path, line, named):
    path = write_config(tmp_path, extra=f"[backup]\nkeep = 3\n{line}\n" if not line.startswith("keep") else
                        f"[backup]\n{line}\n")
    number = path.read_text().splitlines().index(line) + 1
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert len(e.value.problems) == 1 and e.value.problems[0].startswith(f"line {number}: {named}"), e.value.problems


# --- taking and verifying -------------------------------------------------------------------------

def test_a_backup_is_verified_named_by_time_and_kiosk_and_recorded(filled):
    record = take_backup(filled, now=NIGHT)
    assert record.path == filled.backup_dir / "votes-test-01-20261208T020000.db"
    assert verify_backup(record.path) == []
    assert (record.votes, record.answers) == (30, 2)
    assert json.loads((filled.data_dir / "backup-state.json").read_text()) == {
        "path": str(record.path), "taken_at": "2026-12-08T02:00:00+07:00", "votes": 30, "answers": 2,
        "verified": True}
    assert last_verified(filled) == record
    # a self-contained file: no -wal beside it, nothing left under a temporary name
    assert sorted(p.name for p in filled.backup_dir.iterdir()) == [record.path.name]
    conn = sqlite3.connect(record.path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_last_verified_is_none_without_a_backup_or_when_its_file_is_gone(filled):
    assert last_verified(filled) is None
    record = take_backup(filled, now=NIGHT)
    record.path.unlink()
    assert last_verified(filled) is None
    (filled.data_dir / "backup-state.json").write_text("{not json")
    assert last_verified(filled) is None


def test_a_backup_that_does_not_verify_is_refused_and_nothing_of_it_is_kept(filled):
    good = take_backup(filled, now=NIGHT)
    conn = sqlite3.connect(filled.db_path)
    conn.execute("UPDATE votes SET level = 'RHL' WHERE seq = 7")   # an edited vote: the chain breaks
    conn.commit()
    conn.close()
    with pytest.raises(BackupError) as e:
        take_backup(filled, now=NIGHT + timedelta(days=1))
    message = str(e.value)
    assert "did not verify" in message and "vote seq 7" in message and "\n" not in message
    assert ".tmp" not in message
    assert sorted(p.name for p in filled.backup_dir.iterdir()) == [good.path.name]
    assert last_verified(filled) == good


def test_a_backup_missing_its_answers_chain_head_does_not_verify(filled):
    record = take_backup(filled, now=NIGHT)
    conn = sqlite3.connect(record.path)
    conn.execute("DELETE FROM q_answers WHERE seq = (SELECT max(seq) FROM q_answers)")  # a cut tail
    conn.commit()
    conn.close()
    problems = verify_backup(record.path)
    assert len(problems) == 1 and "answers' hash chain" in problems[0], problems


@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 100, b"SQLite format 3\x00" + bytes(5000)])
def test_garbage_is_not_a_backup(tmp_path, content):
    path = tmp_path / "votes-test-01-20261208T020000.db"
    path.write_bytes(content)
    problems = verify_backup(path)
    assert problems and all(str(path) in p for p in problems), problems


def test_a_truncated_backup_does_not_verify(filled):
    record = take_backup(filled, now=NIGHT)
    data = record.path.read_bytes()
    record.path.write_bytes(data[: len(data) // 2])
    assert verify_backup(record.path)


def test_a_sqlite_file_that_is_not_a_vote_store_is_not_a_backup(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    assert verify_backup(path) == [f"{path}: not a vote database (no votes table)"]


def test_verifying_a_backup_never_changes_it(filled):
    record = take_backup(filled, now=NIGHT)
    before = record.path.read_bytes()
    assert verify_backup(record.path) == []
    assert record.path.read_bytes() == before
    assert sorted(p.name for p in record.path.parent.iterdir()) == [record.path.name]


# --- another process writing ----------------------------------------------------------------------

def test_backups_of_a_store_another_process_is_writing_are_consistent_and_hold_every_acknowledged_vote(config):
    VoteStore.from_config(config).close()
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "helpers" / "vote_forever.py"), str(config.db_path)],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    acked: list[str] = []
    enough = threading.Event()

    def read() -> None:
        assert child.stdout.readline().strip() == "ready"
        for line in child.stdout:
            acked.append(line.strip())
            if len(acked) >= 50:
                enough.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert enough.wait(60), "the writer acknowledged no votes"
        for n in range(3):
            before = set(acked)       # acknowledged (committed) before the backup began
            record = take_backup(config, now=NIGHT + timedelta(minutes=n))
            assert verify_backup(record.path) == []
            conn = sqlite3.connect(record.path)
            held = {r[0] for r in conn.execute("SELECT uuid FROM votes")}
            conn.close()
            assert before <= held
            assert record.votes == len(held) >= len(before)
    finally:
        child.kill()
        child.wait()
        reader.join(10)
    with VoteStore.from_config(config) as store:   # the writer's store is whole, and holds all it acknowledged
        assert store.verify_chain() is None
        assert set(acked) <= {v.uuid for v in store.iter_votes()}


# --- pruning --------------------------------------------------------------------------------------

def test_pruning_keeps_the_newest_and_touches_only_this_kiosks_backups(tmp_path):
    config = load_config(write_config(tmp_path, extra="[backup]\nkeep = 2\n"))
    fill(config, votes=3, answers=False)
    folder = config.backup_dir
    folder.mkdir(parents=True)
    strangers = [folder / "notes.txt", folder / "votes-other-01-20261201T020000.db", folder / "votes.db",
                 folder / "votes-test-01-20261201T020000.db.bak"]
    for p in strangers:
        p.write_text("not ours")
    records = [take_backup(config, now=NIGHT + timedelta(days=d)) for d in range(4)]
    left = backup.own_backups(folder, "test-01")
    assert left == [r.path for r in records[-2:]]
    assert all(p.read_text() == "not ours" for p in strangers)


def test_a_backup_taken_with_a_clock_far_behind_is_not_pruned_as_the_oldest(tmp_path):
    config = load_config(write_config(tmp_path, extra="[backup]\nkeep = 2\n"))
    fill(config, votes=3, answers=False)
    for d in range(3):
        take_backup(config, now=NIGHT + timedelta(days=d))
    behind = take_backup(config, now=NIGHT.replace(year=2001))   # a Raspberry Pi before its clock is set
    assert behind.path.exists() and last_verified(config) == behind


def test_pre_migration_backups_are_pruned_apart_from_the_nightly_ones(config):
    fill(config, votes=3, answers=False)
    pre = [take_backup(config, now=NIGHT + timedelta(hours=h), pre_migration_of=4) for h in range(3)]
    nightly = [take_backup(config, now=NIGHT + timedelta(days=d)) for d in range(1, 10)]
    left = backup.own_backups(config.backup_dir, "test-01")
    assert [p for p in left if backup.is_pre_migration(p)] == [r.path for r in pre[-backup.PRE_MIGRATION_KEPT:]]
    assert [p for p in left if not backup.is_pre_migration(p)] == [r.path for r in nightly[-7:]]
    assert pre[0].path.name == "votes-test-01-20261208T020000-pre-migration-v4.db"


def test_two_backups_in_one_second_get_two_names(filled):
    a, b = take_backup(filled, now=NIGHT), take_backup(filled, now=NIGHT)
    assert a.path != b.path and verify_backup(a.path) == verify_backup(b.path) == []
    assert backup.own_backups(filled.backup_dir, "test-01") == [a.path, b.path]


def test_what_an_interrupted_backup_left_is_removed_by_the_next(filled):
    filled.backup_dir.mkdir(parents=True)
    stale = filled.backup_dir / ".votes-test-01-20261207T020000.db.tmp"
    stale.write_bytes(b"half a backup")
    other = filled.backup_dir / ".votes-other-01-20261207T020000.db.tmp"
    other.write_bytes(b"someone else's")
    take_backup(filled, now=NIGHT)
    assert not stale.exists() and other.exists()


# --- the command ----------------------------------------------------------------------------------

def test_the_backup_command_prints_the_verified_backups_path_last(tmp_path):
    config_path = write_config(tmp_path)
    fill(load_config(config_path))
    r = run_cli("backup", config=config_path)
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip().splitlines()[-1])
    assert path.parent == tmp_path / "data" / "backups" and path.name.startswith("votes-test-01-")
    assert verify_backup(path) == []
    r = run_cli("backup", "--to", str(tmp_path / "stick"), config=config_path)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip().splitlines()[-1]).parent == tmp_path / "stick"


def test_the_backup_command_refuses_a_folder_it_cannot_write_in_one_line(tmp_path):
    config_path = write_config(tmp_path)
    fill(load_config(config_path), answers=False)
    (tmp_path / "a-file").write_text("x")
    r = run_cli("backup", "--to", str(tmp_path / "a-file"), config=config_path)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: --to ") and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_the_backup_command_refuses_a_damaged_store_in_one_line_and_keeps_no_backup(tmp_path):
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    fill(config, votes=3000, answers=False)
    size = config.db_path.stat().st_size
    with open(config.db_path, "r+b") as f:   # scribble over pages in the middle of the votes
        for page in range(size // 4096 // 2, size // 4096 // 2 + 4):
            f.seek(page * 4096 + 8)
            f.write(bytes(range(7, 71)))
    r = run_cli("backup", config=config_path)
    assert r.returncode == 1, r.stdout
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    assert str(config.db_path) in r.stderr
    assert backup.own_backups(config.backup_dir, "test-01") == []


def test_a_full_disk_is_said_in_one_line_and_leaves_no_partial_backup(tmp_path):
    from tests.helpers.mounts import tmpfs
    config_path = write_config(tmp_path, extra=f'[backup]\ndir = "{tmp_path / "small"}"\n')
    config = load_config(config_path)
    fill(config, votes=3000, answers=False)
    with tmpfs(tmp_path / "small", "size=64k"):
        r = run_cli("backup", config=config_path)
        assert r.returncode == 1, r.stdout
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
        assert f"{tmp_path / 'small'}: the disk is full, no backup was made" in r.stderr and "free some space" in r.stderr
        assert list((tmp_path / "small").iterdir()) == []
    assert last_verified(config) is None


def test_a_store_that_is_not_there_is_said_plainly(tmp_path):
    r = run_cli("backup", config=write_config(tmp_path))
    assert r.returncode == 1 and "no vote database" in r.stderr and r.stderr.count("\n") == 1


# --- the disk guard -------------------------------------------------------------------------------

def test_a_low_disk_prunes_rotated_logs_and_old_backups_but_never_votes_nor_the_newest_backup(filled):
    records = [take_backup(filled, now=NIGHT + timedelta(days=d)) for d in range(3)]
    filled.log_dir.mkdir(parents=True, exist_ok=True)
    current = filled.log_dir / "kiosk.log"
    current.write_text("today\n")
    rotated = [filled.log_dir / f"kiosk.log.{n}" for n in (1, 2)]
    for p in rotated:
        p.write_text("old\n")
    votes_before = filled.db_path.read_bytes()
    never_enough = disk_free(filled).data_free + 10**15   # a threshold no deletion can reach
    removed = make_room(filled, threshold=never_enough)
    assert removed == [rotated[1], rotated[0], records[0].path, records[1].path]
    assert records[2].path.exists() and current.exists()
    assert filled.db_path.read_bytes() == votes_before
    with VoteStore.from_config(filled) as store:
        assert store.count() == 30


def test_a_disk_with_room_loses_nothing(filled):
    record = take_backup(filled, now=NIGHT)
    assert make_room(filled, threshold=0) == [] and record.path.exists()
    facts = disk_free(filled, threshold=0)
    assert not facts.low and facts.data_free > 0 and facts.backup_free is not None
    assert set(facts.as_json()) == {"data_dir", "data_free", "data_total", "backup_dir", "backup_free",
                                    "backup_total", "threshold", "low"}

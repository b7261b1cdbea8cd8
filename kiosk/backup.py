"""Backups of the vote store: taken with SQLite's ``VACUUM INTO``, verified, then kept or pruned.

A backup is never a file copy: copying a live SQLite file (or its ``-wal``) can give a file that is
not the database at any moment. ``VACUUM INTO`` reads one consistent snapshot in a read transaction
(in WAL mode the kiosk goes on recording votes meanwhile) and writes a compact, self-contained file
(rollback journal, no ``-wal``). It is written under a hidden temporary name, flushed to the disk,
verified — ``PRAGMA integrity_check`` and the hash chains of the votes and of the answers, by the one
verifier (:class:`rating.chain.ChainVerifier`, through the store's own checks) — and only then renamed
to its final name, so a file with a backup's name is always a verified backup.

A backup's name sorts by time and says the kiosk: ``votes-<kiosk>-20261208T020000.db``; a backup
taken before the store's schema was upgraded adds the version it was taken at:
``votes-<kiosk>-20261208T020000-pre-migration-v4.db``. Pruning deletes only files named so, for this
kiosk, and never the newest verified backup.

The last verified backup is recorded in ``<data_dir>/backup-state.json`` (see :class:`BackupRecord`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .config import Config
from .db import StoreError, StoreOpenError, connect, is_damage, is_disk_full, migrate, schema_of
from .questionnaire.answers import verify_answers
from .store import MIGRATIONS, SCHEMA_VERSION, VoteStore

log = logging.getLogger("kiosk.backup")

STATE_FILE = "backup-state.json"
PRE_MIGRATION = "pre-migration"
PRE_MIGRATION_KEPT = 2   # backups taken before a schema upgrade kept beside the nightly ones (a way back)
_STAMP = "%Y%m%dT%H%M%S"


class BackupError(StoreError):
    """No backup was made; the message is one line: where, what went wrong, what to do."""


class BackupNotWritable(BackupError):
    """The backup folder cannot be created or written (the person's choice of folder, not the store)."""


@dataclass(frozen=True)
class BackupRecord:
    """The last verified backup, as written to ``<data_dir>/backup-state.json``.

    The file is a contract (the health checks and ``doctor`` read it), exactly::

        {"path": "/var/lib/kiosk/backups/votes-hp-01-20261208T020000.db",
         "taken_at": "2026-12-08T02:00:00+07:00", "votes": 1234, "answers": 56, "verified": true}

    ``path`` is absolute; ``taken_at`` is ISO 8601 with the offset (the centre's time zone);
    ``votes`` and ``answers`` are the rows the backup holds; ``verified`` is always true (an
    unverified backup is never recorded, nor kept).
    """

    path: Path
    taken_at: datetime
    votes: int
    answers: int
    verified: bool = True

    def as_json(self) -> dict:
        """The record in the file's shape."""
        return {"path": str(self.path), "taken_at": self.taken_at.isoformat(timespec="seconds"),
                "votes": self.votes, "answers": self.answers, "verified": self.verified}

    @classmethod
    def from_json(cls, d: dict) -> "BackupRecord":
        """Read the file's shape back; ``ValueError``/``KeyError``/``TypeError`` when it is not that."""
        taken_at = datetime.fromisoformat(d["taken_at"])
        if taken_at.tzinfo is None:
            raise ValueError("taken_at has no offset")
        return cls(Path(d["path"]), taken_at, int(d["votes"]), int(d["answers"]), d["verified"] is True)


# --- names --------------------------------------------------------------------------------------

def backup_name(kiosk_id: str, at: datetime, pre_migration_of: int | None = None) -> str:
    """The file name of a backup taken at ``at`` (local time): it sorts by time and names the kiosk."""
    suffix = f"-{PRE_MIGRATION}-v{pre_migration_of}" if pre_migration_of is not None else ""
    return f"votes-{kiosk_id}-{at.strftime(_STAMP)}{suffix}.db"


def _name_re(kiosk_id: str) -> re.Pattern:
    return re.compile(rf"^votes-{re.escape(kiosk_id)}-(\d{{8}}T\d{{6}})(?:-(\d+))?(-{PRE_MIGRATION}-v\d+)?\.db\Z")


def own_backups(folder: Path, kiosk_id: str) -> list[Path]:
    """This kiosk's backup files in ``folder``, oldest first (files of any other name are not ours)."""
    pattern = _name_re(kiosk_id)
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for p in entries:
        m = pattern.match(p.name)
        if m and p.is_file():
            found.append(((m.group(1), int(m.group(2) or 0)), p))
    return [p for _, p in sorted(found)]


def is_pre_migration(path: Path) -> bool:
    """True for a backup taken before a schema upgrade."""
    return f"-{PRE_MIGRATION}-v" in path.name


def _free_name(folder: Path, kiosk_id: str, at: datetime, pre_migration_of: int | None) -> Path:
    """A name not yet taken: a second backup within the same second gets ``-1``, ``-2`` … after the time."""
    name = backup_name(kiosk_id, at, pre_migration_of)
    n = 0
    while (folder / name).exists() or (folder / f".{name}.tmp").exists():
        n += 1
        stem = f"votes-{kiosk_id}-{at.strftime(_STAMP)}-{n}"
        name = stem + (f"-{PRE_MIGRATION}-v{pre_migration_of}" if pre_migration_of is not None else "") + ".db"
    return folder / name


# --- verifying ----------------------------------------------------------------------------------

def verify_backup(path: str | os.PathLike) -> list[str]:
    """The problems found in the backup at ``path``, one line each; an empty list when it is good.

    Good means: a SQLite vote database of a schema this software knows, ``PRAGMA integrity_check``
    finds nothing, and the hash chains of the votes and of the answers hold (every link, every hash,
    the derived columns, the last row against its recorded head). A backup of an older schema is
    checked after upgrading a copy of it in memory (the file itself is opened read-only and never
    changed), so a good answer also says this software can open it.
    """
    return _verify(Path(path))[0]


def _verify(path: Path) -> tuple[list[str], int, int]:
    """:func:`verify_backup`'s problems, and the votes and answers the backup holds."""
    if not path.is_file():
        return [f"{path}: no such file"], 0, 0
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.Error as e:
        return [f"{path}: cannot be opened: {e}"], 0, 0
    try:
        return _check(conn, path)
    except sqlite3.DatabaseError as e:
        return [f"{path}: not a readable vote database: {e}"], 0, 0
    except StoreError as e:
        return [" ".join(str(e).split())], 0, 0
    finally:
        conn.close()


def _check(conn: sqlite3.Connection, path: Path) -> tuple[list[str], int, int]:
    version, tables = schema_of(conn)
    if "votes" not in tables or version < 1:
        return [f"{path}: not a vote database (no votes table)"], 0, 0
    if version > SCHEMA_VERSION:
        return [f"{path}: made by newer kiosk software (schema version {version}; this software knows up to "
                f"{SCHEMA_VERSION})"], 0, 0
    found = _reader(conn, path).integrity_check()
    if found != ["ok"]:
        return [f"{path}: PRAGMA integrity_check: {' '.join(line.split())}" for line in found[:20]], 0, 0
    if version == SCHEMA_VERSION:
        return _chains(_reader(conn, path))
    upgraded = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        conn.backup(upgraded)
        migrate(upgraded, MIGRATIONS, path)
        return _chains(_reader(upgraded, path))
    finally:
        upgraded.close()


def _reader(conn: sqlite3.Connection, path: Path) -> VoteStore:
    """The store's own reading and checking methods over ``conn`` (nothing is written through it)."""
    return VoteStore(conn, path, kiosk_id="backup", tz=timezone.utc, scale="sipas5", repeat_window_s=0,
                     counters=None, clock=None)


def _chains(store: VoteStore) -> tuple[list[str], int, int]:
    """The votes' and the answers' chains, checked as ``verify`` checks a store; and their counts."""
    problems = []
    if (brk := store.verify_chain()) is not None:
        problems.append(f"{store.path}: the votes' hash chain is broken at {brk}")
    if (brk := verify_answers(store)) is not None:
        problems.append(f"{store.path}: the answers' hash chain is broken at {brk}")
    return problems, store.count(), store.answer_count()


# --- taking -------------------------------------------------------------------------------------

def take_backup(config: Config, to: str | os.PathLike | None = None, *, now: datetime | None = None,
                pre_migration_of: int | None = None) -> BackupRecord:
    """Back up the store ``config`` describes into ``to`` (default ``[backup] dir``), verify it, record
    it as the last verified backup, prune the folder's older backups; return its record.

    Raises :class:`BackupNotWritable` when the folder cannot be made or written, and
    :class:`BackupError` (one line) when the store cannot be read, the disk is full, or the written
    backup does not verify; nothing is left behind then (no file with a backup's name).
    """
    folder = Path(to).expanduser().resolve() if to is not None else config.backup_dir
    at = (now or datetime.now(config.tz)).astimezone(config.tz)
    source = config.db_path
    if not source.is_file():
        raise BackupError(f"{source}: no vote database to back up (has the kiosk run with this data folder?)")
    _ensure_folder(folder, explicit=to is not None)
    _remove_stale_temporaries(folder, config.kiosk_id)
    final = _free_name(folder, config.kiosk_id, at, pre_migration_of)
    tmp = folder / f".{final.name}.tmp"
    try:
        _vacuum_into(source, tmp)
        problems, votes, answers = _verify(tmp)
        if problems:
            first = problems[0].removeprefix(f"{tmp}: ")  # the temporary name says nothing, and changes
            raise BackupError(f"{source}: the backup did not verify, so none was kept: {first}"
                              f"{f' (+{len(problems) - 1} more)' if len(problems) > 1 else ''}; "
                              f"check the store with `python main.py verify`")
        os.replace(tmp, final)
        _fsync_dir(folder)
    finally:
        _unlink(tmp)
    record = BackupRecord(final, at.replace(microsecond=0), votes, answers)
    _write_state(config, record)
    log.info("backup: %s verified (%d votes, %d answers)", final, votes, answers)
    prune(folder, config.kiosk_id, config.backup.keep, protect=final)
    return record


def _ensure_folder(folder: Path, explicit: bool) -> None:
    where = f"--to {folder}" if explicit else f"[backup] dir {folder}"
    if folder.exists() and not folder.is_dir():
        raise BackupNotWritable(f"{where}: is a file, not a folder; choose a folder for the backups")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BackupNotWritable(f"{where}: cannot create the backup folder: {e.strerror or e}; choose a folder "
                                "the kiosk's user may write (is the USB stick plugged in?)") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupNotWritable(f"{where}: the kiosk's user may not write in this folder; fix its owner or "
                                "permissions, or choose another folder")


def _vacuum_into(source: Path, tmp: Path) -> None:
    """Write one consistent snapshot of ``source`` into ``tmp`` (VACUUM INTO) and flush it to the disk."""
    try:
        conn = connect(source, max_version=SCHEMA_VERSION)
    except StoreOpenError as e:
        raise BackupError(f"no backup was made: {e}") from None
    try:
        conn.execute("VACUUM INTO ?", (str(tmp),))
    except sqlite3.Error as e:
        if is_disk_full(e):
            raise BackupError(f"{tmp.parent}: the disk is full, no backup was made ({e}); free some space or "
                              "choose another [backup] dir") from None
        if isinstance(e, sqlite3.DatabaseError) and is_damage(e):
            raise BackupError(f"{source}: the vote database is damaged ({e}), no backup was made; check it "
                              "with `python main.py verify` and keep the last good backup") from None
        raise BackupError(f"{source}: no backup was made: {e}") from None
    finally:
        conn.close()
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise BackupError(f"{tmp}: the backup could not be written to the disk: {e.strerror or e}") from None


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems (vfat sticks) do not sync a folder: the rename is what it is
    finally:
        os.close(fd)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as e:
        log.warning("%s: could not remove a partial backup: %s", path, e.strerror or e)


def _remove_stale_temporaries(folder: Path, kiosk_id: str) -> None:
    """Remove what an interrupted backup of this kiosk left (``.votes-<kiosk>-….db.tmp``), nothing else."""
    pattern = _name_re(kiosk_id)
    for p in folder.glob(".votes-*.tmp"):
        if pattern.match(p.name[1:-4]):
            _unlink(p)


# --- the record ---------------------------------------------------------------------------------

def state_path(config: Config) -> Path:
    """Where the record of the last verified backup is kept."""
    return config.data_dir / STATE_FILE


def _write_state(config: Config, record: BackupRecord) -> None:
    path = state_path(config)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(record.as_json(), ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:  # the backup itself is made and verified; only its record is missing
        log.warning("%s: the backup %s is made, but its record could not be written: %s", path, record.path,
                    e.strerror or e)


def last_verified(config: Config) -> BackupRecord | None:
    """The last verified backup (``<data_dir>/backup-state.json``), or None: never taken, the record
    unreadable, or the backup file no longer there (pruned, deleted, its USB stick taken out)."""
    try:
        record = BackupRecord.from_json(json.loads(state_path(config).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        log.warning("%s: unreadable (%s); taken as no backup", state_path(config), e)
        return None
    return record if record.path.is_file() else None


# --- pruning ------------------------------------------------------------------------------------

def prune(folder: Path, kiosk_id: str, keep: int, protect: Path | None = None) -> list[Path]:
    """Delete this kiosk's oldest backups in ``folder`` beyond the newest ``keep`` (and the backups taken
    before a schema upgrade beyond the newest :data:`PRE_MIGRATION_KEPT`); return what was deleted.

    Only files named as backups of this kiosk are touched; ``protect`` (the newest verified backup)
    never is, and at least one backup is always left.
    """
    backups = own_backups(folder, kiosk_id)
    nightly = [p for p in backups if not is_pre_migration(p)]
    before = [p for p in backups if is_pre_migration(p)]
    doomed = nightly[:max(0, len(nightly) - max(1, keep))] + before[:max(0, len(before) - PRE_MIGRATION_KEPT)]
    removed = []
    for p in doomed:
        if protect is not None and p.resolve() == Path(protect).resolve():
            continue
        try:
            p.unlink()
        except OSError as e:
            log.warning("%s: could not prune an old backup: %s", p, e.strerror or e)
            continue
        removed.append(p)
    if removed:
        log.info("backup: pruned %d old backup(s) in %s (keeping %d)", len(removed), folder, keep)
    return removed


# --- before a schema upgrade --------------------------------------------------------------------

def before_migration(config: Config) -> Callable[[Path, int], None]:
    """The hook :meth:`kiosk.store.VoteStore.open` calls before it upgrades an older store: a backup of
    it, taken and verified into ``[backup] dir`` (named ``…-pre-migration-v<N>.db``), or no upgrade."""
    def hook(path: Path, version: int) -> None:
        try:
            record = take_backup(config, pre_migration_of=version)
        except BackupError as e:
            raise StoreOpenError(f"{path}: the vote database (schema version {version}) is not upgraded until a "
                                 f"verified backup of it is taken, and that failed: {e} — nothing was "
                                 "changed") from None
        log.info("%s: backed up before upgrading it from schema version %d: %s", path, version, record.path)
    return hook


def open_store(config: Config, **kwargs) -> VoteStore:
    """:meth:`VoteStore.from_config`, but an older store is upgraded only after a verified backup of it."""
    return VoteStore.from_config(config, before_migrate=before_migration(config), **kwargs)

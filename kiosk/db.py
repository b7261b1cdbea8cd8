"""Opening the SQLite file: durable settings on every connection, clear errors, forward migrations.

The schema's rule across releases (docs/vote-store.md, "Schema versions"): ``PRAGMA user_version`` is
the number of schema steps applied, and the store also records ``readable_by``, the oldest schema
version whose code still reads and writes it correctly — the version after its last step that was not
:func:`additive`. A release opens a store that a newer release migrated when the store's
``readable_by`` is at most its own schema version (an update that goes wrong can switch back and keep
every vote the newer release took), and refuses it clearly, untouched, when not.

Every connection is in WAL mode with ``synchronous=FULL``: in WAL mode ``NORMAL`` can lose the
last committed transactions on a power cut, and a vote the citizen was thanked for must survive
one. A file that cannot be opened is reported and left exactly as it was — never recreated,
overwritten or moved aside.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import sqlite_utils


BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """A problem with the vote database, phrased for the person who has to act on it."""


class StoreOpenError(StoreError):
    """The database cannot be opened (corrupt, locked, unreadable, or from a newer version)."""


class StoreDamagedError(StoreError):
    """The database file is damaged: SQLite found a malformed page while reading it."""


DAMAGED_HINT = ("the file is damaged. It has not been changed: keep it as it is (copy it aside for "
                "inspection, with its -wal file if there is one), stop the kiosk, and restore the latest "
                "backup into the data folder")


def is_damage(e: sqlite3.DatabaseError) -> bool:
    """True when SQLite's error says the file itself is damaged (not locked, full or read-only)."""
    msg = str(e)
    return "malformed" in msg or "not a database" in msg or "corrupt" in msg


def is_disk_full(e: sqlite3.Error) -> bool:
    """True when SQLite refused a write for want of space (its result code ``SQLITE_FULL``).

    SQLite turns a write the system refused with ``ENOSPC`` into ``SQLITE_FULL``; Python's sqlite3 gives
    that result code (``sqlite_errorcode``) but not the system's errno, so the code is what is read — not
    the message, whose words are SQLite's to change and which a trigger's or a constraint's text can
    imitate. (Over a disk quota, ``EDQUOT``, SQLite reports a write I/O error instead, without the errno.)
    """
    code = getattr(e, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_FULL   # the primary code of any extended one


def damaged(path: Path, e: sqlite3.DatabaseError) -> StoreDamagedError:
    """The error to raise when reading ``path`` met damage: which file, that it is damaged, what to do."""
    return StoreDamagedError(f"{path}: the vote database is damaged ({e}) — {DAMAGED_HINT}")


def connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS, max_version: int | None = None) -> sqlite3.Connection:
    """Open ``path`` with the durability pragmas applied and checked; raise :class:`StoreOpenError`.

    With ``max_version``, a database whose schema is newer is refused before anything (even the
    journal mode) is written to it.

    The connection is in autocommit mode (``isolation_level=None``): transactions are explicit
    ``BEGIN IMMEDIATE`` … ``COMMIT``, so nothing is ever left half-open by the driver.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise StoreOpenError(f"{path}: is not a file; the vote database must be a regular file")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreOpenError(f"{path}: cannot open the vote database: no permission to read and write it "
                             f"(owner uid {path.stat().st_uid}); fix its permissions")
    if not path.parent.is_dir():
        raise StoreOpenError(f"{path.parent}: the data folder does not exist")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000)
    except sqlite3.Error as e:
        raise StoreOpenError(f"{path}: cannot open the vote database: {e}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        # Reading the schema is what reveals a file that is not a database at all.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if max_version is not None and version > max_version and readable_by(conn, version) > max_version:
            raise _newer_schema(path, version, max_version, readable_by(conn, version))
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreOpenError(f"{path}: the database refused WAL mode (journal_mode={mode}); "
                                 "is it on a network or read-only filesystem?")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except StoreOpenError:
        conn.close()
        raise
    except sqlite3.DatabaseError as e:
        conn.close()
        raise StoreOpenError(_explain_open_error(path, e)) from None
    return conn


def _newer_schema(path: Path, version: int, known: int, floor: int) -> StoreOpenError:
    return StoreOpenError(f"{path}: the vote database is at schema version {version} and needs software that "
                          f"knows at least version {floor}, but this kiosk software only knows up to {known}; "
                          "install the newer software again (the database has not been changed)")


# --- the schema's rule across releases --------------------------------------------------------

COMPAT_TABLE = "schema_compat"  # one row: readable_by


def additive(step: "Migration") -> "Migration":
    """Mark a schema step as additive: code that knows only the schema before it still reads and writes
    the store correctly afterwards (new tables, new indexes, new columns with a default that code which
    never writes them may leave to SQLite). A step not marked so (a rename, a dropped or retyped column,
    a new NOT NULL column without a default, data moved) raises the store's ``readable_by``."""
    step.additive = True
    return step


def floor_of(migrations: list["Migration"], version: int) -> int:
    """The oldest schema version whose code can read a store that ``migrations[:version]`` made: the
    version after the last step not marked :func:`additive` (0 for an empty store)."""
    floor = 0
    for number, step in enumerate(migrations[:version], start=1):
        if not getattr(step, "additive", False):
            floor = number
    return floor


def readable_by(conn: sqlite3.Connection, version: int) -> int:
    """The ``readable_by`` a store at ``version`` records; a store that records none (written by a release
    before the rule) is readable only by code that knows its whole schema."""
    try:
        row = conn.execute(f"SELECT readable_by FROM {COMPAT_TABLE}").fetchone()
    except sqlite3.OperationalError:
        return version
    return version if row is None else int(row[0])


def _record_floor(conn: sqlite3.Connection, floor: int) -> None:
    """Write ``readable_by`` (inside the caller's transaction); derived data, kept beside the version."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {COMPAT_TABLE} (readable_by INTEGER NOT NULL)")
    if conn.execute(f"SELECT readable_by FROM {COMPAT_TABLE}").fetchone() != (floor,):
        conn.execute(f"DELETE FROM {COMPAT_TABLE}")
        conn.execute(f"INSERT INTO {COMPAT_TABLE} (readable_by) VALUES (?)", (floor,))


def _explain_open_error(path: Path, e: sqlite3.DatabaseError) -> str:
    msg = str(e)
    if "locked" in msg or "busy" in msg:
        hint = "another program holds it locked; stop the other kiosk process and try again"
    elif is_damage(e):
        hint = DAMAGED_HINT.replace("the file is damaged", "the file is damaged or is not a vote database")
    elif "readonly" in msg or "read-only" in msg:
        hint = "the file or its folder is read-only; the kiosk needs to write to both"
    else:
        hint = "it has not been changed"
    return f"{path}: cannot open the vote database: {msg} — {hint}"


Migration = Callable[["sqlite_utils.Database"], None]


def migrate(conn: sqlite3.Connection, migrations: list[Migration], path: Path) -> int:
    """Bring the schema up to ``len(migrations)``, one step per transaction; return the version.

    ``migrations[i]`` takes a database at version ``i`` to ``i + 1``. An older database is
    migrated in place, and each step records the store's ``readable_by`` in its own transaction. One
    newer than this code knows is used as it is when its ``readable_by`` allows (never migrated,
    nothing recorded), and refused rather than touched when not.
    """
    target = len(migrations)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > target:
        floor = readable_by(conn, version)
        if floor > target:
            raise _newer_schema(path, version, target, floor)
        return version
    if version == target:
        if version and readable_by(conn, version) != floor_of(migrations, version):
            _in_transaction(conn, path, lambda: _record_floor(conn, floor_of(migrations, version)))
        return version
    # Imported only when a schema step is due: sqlite-utils costs the kiosk's cold start ~0.15 s.
    import sqlite_utils
    db = sqlite_utils.Database(conn)
    while version < target:
        try:
            conn.execute("BEGIN IMMEDIATE")
            # Re-read inside the lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < target:
                migrations[version](db)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
                _record_floor(conn, floor_of(migrations, version))
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.DatabaseError) and is_damage(e):
                raise StoreOpenError(_explain_open_error(path, e)) from None
            raise StoreOpenError(f"{path}: could not upgrade the vote database to schema version "
                                 f"{version + 1}: {e} (nothing was changed)") from None
    return version


def schema_of(conn: sqlite3.Connection) -> tuple[int, frozenset[str]]:
    """A database's schema version (``PRAGMA user_version``) and the names of its tables: enough to tell a
    vote database (and which) from any other SQLite file without reading a row."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return version, frozenset(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


def _in_transaction(conn: sqlite3.Connection, path: Path, work: Callable[[], None]) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
        work()
        conn.execute("COMMIT")
    except sqlite3.Error as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreOpenError(f"{path}: could not record the schema's readable_by: {e} (nothing was changed)") from None


def file_is_damaged(path: Path) -> bool:
    """True when SQLite, reading ``path`` read-only (nothing written, not even a journal mode), finds it
    damaged or not a database: a store that failed to open for that reason, not for a lock or permissions."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        return conn.execute("PRAGMA quick_check(1)").fetchall() != [("ok",)]
    except sqlite3.DatabaseError as e:
        return is_damage(e)
    finally:
        conn.close()

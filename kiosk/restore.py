"""Restoring the vote store: from a backup, from the central service, or both — one chain, nothing lost.

Whatever it is restored from, the store is rebuilt in a new file beside the current one (never in
place), from every source that holds this kiosk's rows, each row once:

1. the rows the central service holds (``GET /v1/kiosks/<id>/chain``, fetched by ``sync``: this module
   takes the checked pages through a callable and never talks to the network) — marked synced, as the
   service already has them;
2. the backup (``restore PATH``: refused unless ``PRAGMA integrity_check`` and both chains hold);
3. the current file, when it is sound: its rows that neither of the others holds were not synced yet.

A local row the service holds must be the same row (same UUID, same hash); anything else is refused.
A local row the service does not hold is kept: in its place when its seq is free (a vote not synced
yet continues the chain), else — the kiosk restarted its numbering after a loss, and the service
refused those votes as conflicts — it and every local row after it are chained again after the
chain's head (new seq and hashes, same UUID), and wait to be sent. The rebuilt file must then pass
the same checks as a backup; only then is the current file renamed aside (``votes.db.before-restore-
<time>``, with its ``-wal``, never deleted) and the new one put in its place. Until that rename the
current file is untouched, and a kiosk that still holds it open is refused.

Settings, the roster, the questionnaires switched on and the sync bookkeeping come from the backup
(``restore PATH``) or the current file (``--from-central``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rating import chain
from rating.wire import Q_RESPONSE_FIELDS, ChainPage

from . import chainhead
from .config import Config
from .db import StoreError
from .questionnaire.answers import verify_answers
from .store import CHECKPOINT_KEY, VOTE_COLUMNS, VoteStore
from .syncstate import SyncState

log = logging.getLogger("kiosk.restore")

# sync_meta: set while a restore could not take back what the service holds beyond the backup.
RECONCILE_KEY = "reconcile_pending"
# Pages of local rows read at a time (bounded memory on a store of any size).
PAGE = 5000

Fetch = Callable[[str], Iterable[ChainPage]]   # part ("votes" | "answers") -> the service's pages


class RestoreRefused(StoreError):
    """Nothing was restored and the current file was not changed; the message says why and what to do."""


class ServiceUnavailable(Exception):
    """The central service could not be asked (network, refusal, a bad answer): the message says which."""


@dataclass
class Outcome:
    """What a restore did, for the command's lines and the log."""
    path: Path
    aside: Path | None = None            # where the current file went (None: there was none)
    votes: int = 0
    answers: int = 0
    head_seq: int = 0
    from_service: int = 0                # votes the service held (taken back, marked synced)
    answers_from_service: int = 0
    kept_local: int = 0                  # local votes the service does not hold (waiting to be sent)
    rechained: tuple[int, int] | None = None   # the seqs local votes were chained again at
    answers_rechained: tuple[int, int] | None = None
    reconciled: bool = False             # the service's rows were taken back
    pending: str | None = None           # why not (restore PATH with the service out of reach)
    current_unused: str | None = None    # why the current file's rows were not read
    notes: list[str] = field(default_factory=list)


# --- checking a file ---------------------------------------------------------------------------------

def _remove(path: Path) -> None:
    """Remove one of this module's own working files (never the kiosk's store or a backup)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def _copy(source: Path, target: Path, read_only: bool = True) -> None:
    """Copy a SQLite file with SQLite's backup API (a file copy of a live database can be torn), read-only.

    A read-only connection to a file in WAL mode makes an empty ``-wal`` and ``-shm`` beside it when there
    were none, and leaves them: those are removed again, so the source is left exactly as it was."""
    made = [p for p in (Path(f"{source}-wal"), Path(f"{source}-shm")) if not p.exists()]
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro" if read_only else source, uri=read_only)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
        if all(not p.exists() or p.name.endswith("-shm") or p.stat().st_size == 0 for p in made):
            for p in made:
                p.unlink(missing_ok=True)


def problems(store: VoteStore, kiosk_id: str) -> str | None:
    """Why ``store`` cannot be trusted — its file's integrity, the chains of votes and answers, another
    kiosk's rows — or None when all hold."""
    found = store.integrity_check()
    if found != ["ok"]:
        return f"PRAGMA integrity_check found: {'; '.join(found[:3])}"
    brk = store.verify_chain()
    if brk is not None:
        return f"the votes' hash chain is broken: {brk}"
    brk = verify_answers(store)
    if brk is not None:
        return f"the answers' hash chain is broken: {brk}"
    others = store.query("SELECT DISTINCT kiosk_id FROM votes WHERE kiosk_id != ? LIMIT 3", (kiosk_id,))
    if others:
        return f"it holds the votes of another kiosk ({', '.join(r[0] for r in others)}), not {kiosk_id}'s"
    return None


def _open_checked(source: Path, work: Path, config: Config, read_only: bool = True) -> VoteStore:
    """A checked, migrated copy of ``source`` at ``work``; :class:`ValueError` saying why not (the copy removed).
    ``read_only`` for a backup (only read); the kiosk's own file is opened as its commands open it."""
    try:
        _copy(source, work, read_only)
        store = _open(work, config)
    except (sqlite3.Error, StoreError) as e:
        _remove(work)
        raise ValueError(f"it cannot be read as a vote database ({' '.join(str(e).split())})") from None
    try:
        why = problems(store, config.kiosk_id)
    except StoreError as e:
        why = " ".join(str(e).split(" — ")[0].split())
    if why is not None:
        store.close()
        _remove(work)
        raise ValueError(why)
    return store


def verify_backup(path: Path, config: Config) -> None:
    """Raise :class:`RestoreRefused` unless ``path`` is a sound backup of this kiosk's store (integrity
    check and both chains, on a copy: the backup itself is only read)."""
    path = Path(path)
    if not path.is_file():
        raise RestoreRefused(f"{path}: no such backup file; nothing was changed")
    work = Path(config.db_path).parent / f".restore-check-{os.getpid()}.db"
    try:
        _open_checked(path, work, config).close()
    except ValueError as e:
        raise RestoreRefused(f"{path}: this backup does not verify: {e}; nothing was restored, "
                             f"{config.db_path} was not changed") from None
    finally:
        _remove(work)


def _open(path: Path, config: Config) -> VoteStore:
    return VoteStore.open(path, kiosk_id=config.kiosk_id, tz=config.tz, scale=config.scale_id, hours=config.hours)


def refuse_if_in_use(db: Path) -> None:
    """Raise :class:`RestoreRefused` when another connection (a running kiosk) holds ``db`` open.

    In WAL mode every open connection holds a shared lock on the file for as long as it is open, so an
    exclusive lock is granted only to a file nobody has open. A file SQLite cannot read is not in use."""
    if not db.exists():
        return
    made = [p for p in (Path(f"{db}-wal"), Path(f"{db}-shm")) if not p.exists()]
    # Read-write, as the kiosk's own commands open it: a read-only connection is never refused the lock.
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as e:
        # "locked", or an I/O error when the other holder keeps the WAL's shared memory: either way, not ours.
        raise RestoreRefused(f"{db} is open in a running kiosk ({e}): stop it first (sudo systemctl stop kiosk), "
                             "then restore again; nothing was changed") from None
    except sqlite3.DatabaseError:
        pass   # damaged, or not a database at all: nobody can be using it, and it is kept aside as it is
    finally:
        conn.close()
        for p in made:   # nobody else has it open: empty files this connection made
            if p.exists() and (p.name.endswith("-shm") or p.stat().st_size == 0):
                p.unlink()


# --- the rebuild -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Chained:
    """One chained table as the rebuild fills it."""
    kind: chain.ChainKind
    table: str
    columns: tuple[str, ...]     # every column but sync_state and synced_at, in insert order


_VOTES = _Chained(chain.VOTES, "votes", (*VOTE_COLUMNS, "out_of_hours"))
_ANSWERS = _Chained(chain.ANSWERS, "q_answers", (*chain.ANSWERS.columns, "replaced"))
_SIDE_TABLES = ("settings", "roster", "q_active", "sync_meta", "sync_runs", "sync_mismatches")
SYNCED, PENDING, QUARANTINED = SyncState.SYNCED, SyncState.PENDING, SyncState.QUARANTINED


def _insert(conn: sqlite3.Connection, table: str, columns: Iterable[str], rows: Iterable[tuple], ignore=False) -> None:
    columns = tuple(columns)
    conn.executemany(f"INSERT {'OR IGNORE ' if ignore else ''}INTO {table} ({', '.join(columns)}) "
                     f"VALUES ({', '.join('?' * len(columns))})", rows)


def _take_back(conn: sqlite3.Connection, config: Config, fetch: Fetch, stamp: str, out: Outcome) -> None:
    """Store every row the service holds, marked synced, page by page."""
    for page in fetch("votes"):
        rows = []
        for v in page.votes:
            when = datetime.fromisoformat(v["local_time"]).astimezone(config.tz)
            rows.append((*(v[c] for c in VOTE_COLUMNS[:-2]), chain.local_date_of(v["local_time"]),
                         chain.ts_ms_of(v["local_time"]), int(not config.hours.is_open(when)), SYNCED, stamp))
        _insert(conn, "votes", (*_VOTES.columns, "sync_state", "synced_at"), rows)
        _insert(conn, "vote_reasons", ("vote_uuid", "element", "recorded_at", "sync_state"),
                [(r["vote_uuid"], r["element"], r["recorded_at"], SYNCED) for r in page.reasons], ignore=True)
        out.from_service += len(rows)
    for page in fetch("answers"):
        q = page.questionnaires
        _insert(conn, "q_definitions", ("questionnaire_id", "version", "definition_hash", "definition",
                                        "registered_at", "sync_state", "synced_at"),
                [(d["questionnaire_id"], d["version"], d["definition_hash"], d["definition"], stamp, SYNCED, stamp)
                 for d in q.definitions], ignore=True)
        _insert(conn, "q_responses", (*Q_RESPONSE_FIELDS, "sync_state", "synced_at"),
                [(*(r[f] for f in Q_RESPONSE_FIELDS), SYNCED, stamp) for r in q.responses], ignore=True)
        cols = chain.ANSWERS.columns
        _insert(conn, "q_answers", (*_ANSWERS.columns, "sync_state", "synced_at"),
                [(*(a[c] for c in cols[:-1]), chain.local_date_of(a["local_time"]), 0, SYNCED, stamp)
                 for a in q.answers])
        out.answers_from_service += len(q.answers)


def _merge_chain(conn: sqlite3.Connection, t: _Chained) -> tuple[int, tuple[int, int] | None]:
    """Add the attached ``src`` file's rows of ``t`` that the rebuild does not hold; return how many, and
    the seqs of those chained again after the head (None when all kept their place).

    Refused (:class:`RestoreRefused`) when a row held under the same UUID is another row."""
    # A row chained again by an earlier source is the same row under its old hash (temp.rechained).
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS rechained (uuid TEXT PRIMARY KEY, hash TEXT NOT NULL)")
    clash = conn.execute(f"SELECT s.seq, s.uuid FROM src.{t.table} s JOIN main.{t.table} m ON m.uuid = s.uuid "
                         f"WHERE m.hash != s.hash AND NOT EXISTS (SELECT 1 FROM temp.rechained r WHERE "
                         f"r.uuid = s.uuid AND r.hash = s.hash) ORDER BY s.seq LIMIT 1").fetchone()
    if clash is not None:
        raise RestoreRefused(f"{t.kind.noun} {clash[1]} (seq {clash[0]}) is held by the service (or the backup) "
                             "with other content: the local file was changed, or is not this kiosk's; nothing "
                             "was changed")
    cols = ", ".join(f"s.{c}" for c in (*t.columns, "sync_state", "synced_at"))
    seq_at = t.columns.index("seq")
    after, added, rechain, first = 0, 0, None, None
    while True:
        page = conn.execute(f"SELECT {cols} FROM src.{t.table} s WHERE s.seq > ? AND NOT EXISTS "
                            f"(SELECT 1 FROM main.{t.table} m WHERE m.uuid = s.uuid) ORDER BY s.seq LIMIT ?",
                            (after, PAGE)).fetchall()
        if not page:
            break
        after = page[-1][seq_at]
        rows = []
        for row in page:
            if rechain is None and conn.execute(f"SELECT 1 FROM main.{t.table} WHERE seq = ?",
                                                (row[seq_at],)).fetchone() is None:
                rows.append(row)
                continue
            if rechain is None:   # the first local row whose place is taken: it and all after it follow the head
                _insert(conn, t.table, (*t.columns, "sync_state", "synced_at"), rows)
                added, rows = added + len(rows), []
                rechain = conn.execute(f"SELECT seq, hash FROM main.{t.table} ORDER BY seq DESC LIMIT 1").fetchone()
                first = rechain[0] + 1
            rows.append(_rechained(t, row, *rechain))
            conn.execute("INSERT OR REPLACE INTO temp.rechained VALUES (?, ?)",
                         (row[t.columns.index("uuid")], row[t.columns.index("hash")]))
            rechain = (rows[-1][seq_at], rows[-1][t.columns.index("hash")])
        _insert(conn, t.table, (*t.columns, "sync_state", "synced_at"), rows)
        added += len(rows)
    return added, (first, rechain[0]) if rechain is not None else None


def _rechained(t: _Chained, row: tuple, head_seq: int, head_hash: str) -> tuple:
    """``row`` (in ``t.columns`` order, then sync_state, synced_at) as the row after the head: a new seq,
    ``prev_hash`` and hash; waiting to be sent (whatever kept it back before)."""
    values = dict(zip(t.columns, row))
    values.update(seq=head_seq + 1, prev_hash=head_hash)
    values["hash"] = t.kind.hash(values)
    return (*(values[c] for c in t.columns), PENDING, None)


def _merge_local(conn: sqlite3.Connection, source: Path, side_tables: bool, out: Outcome) -> None:
    """Add ``source``'s rows that the rebuild does not hold (:func:`_merge_chain`), the reasons, responses
    and definitions they need, and with ``side_tables`` its settings, roster and sync bookkeeping."""
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    try:
        conn.execute("BEGIN IMMEDIATE")
        n, out.rechained = _merge_chain(conn, _VOTES)
        out.kept_local += n
        conn.execute("INSERT OR IGNORE INTO main.vote_reasons SELECT * FROM src.vote_reasons")
        conn.execute("INSERT OR IGNORE INTO main.q_definitions SELECT * FROM src.q_definitions")
        conn.execute("INSERT OR IGNORE INTO main.q_responses SELECT * FROM src.q_responses")
        _, out.answers_rechained = _merge_chain(conn, _ANSWERS)
        # Rows that follow a row chained again wait with it: a reason of such a vote, its answers' responses.
        conn.execute(f"UPDATE vote_reasons SET sync_state = '{PENDING}' WHERE sync_state = '{QUARANTINED}' AND "
                     f"vote_uuid IN (SELECT uuid FROM votes WHERE sync_state = '{PENDING}')")
        conn.execute(f"UPDATE q_responses SET sync_state = '{PENDING}' WHERE sync_state = '{QUARANTINED}' AND "
                     f"uuid IN (SELECT response_uuid FROM q_answers WHERE sync_state = '{PENDING}')")
        # The out-of-hours mark the kiosk gave a vote (the hours may have changed since) is kept.
        conn.execute("UPDATE main.votes SET out_of_hours = (SELECT s.out_of_hours FROM src.votes s WHERE "
                     "s.uuid = main.votes.uuid) WHERE uuid IN (SELECT uuid FROM src.votes)")
        if side_tables:
            for table in _SIDE_TABLES:
                conn.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM src.{table}")
            conn.execute("DELETE FROM settings WHERE key = ?", (CHECKPOINT_KEY,))  # re-walked by the next verify
            conn.execute("INSERT OR REPLACE INTO main.sync_quarantine SELECT * FROM src.sync_quarantine WHERE "
                         f"vote_uuid IN (SELECT uuid FROM votes WHERE sync_state = '{QUARANTINED}')")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("DETACH DATABASE src")


def _finish(conn: sqlite3.Connection, reconciled: bool, pending: str | None) -> None:
    """The chain heads, the ``replaced`` marks and the reconciliation note, once every row is in."""
    conn.execute("BEGIN IMMEDIATE")
    for t in (_VOTES, _ANSWERS):
        head = conn.execute(f"SELECT seq, hash FROM {t.table} ORDER BY seq DESC LIMIT 1").fetchone()
        if head is not None:
            chainhead.advance(conn, t.kind, *head)
    conn.execute("UPDATE q_answers SET replaced = (uuid IN (SELECT replaces FROM q_answers WHERE replaces IS NOT NULL))")
    if pending is not None:
        conn.execute("INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)", (RECONCILE_KEY, pending))
    elif reconciled:
        conn.execute("DELETE FROM sync_meta WHERE key = ?", (RECONCILE_KEY,))
    conn.execute("COMMIT")


def restore(config: Config, backup: Path | None = None, fetch: Fetch | None = None,
            clock: Callable[[], datetime] | None = None) -> Outcome:
    """Rebuild the store from ``backup`` and/or the service (``fetch``) and the current file; put it in
    place, the current file renamed aside. :class:`RestoreRefused` (nothing changed) when a source does
    not verify, the rows do not make one chain, or the kiosk holds the file open.

    With a ``backup``, a ``fetch`` that raises :class:`ServiceUnavailable` leaves the restore local:
    ``Outcome.pending`` says why, and the store remembers it (``sync_meta`` ``reconcile_pending``)."""
    now = (clock or (lambda: datetime.now(config.tz)))()
    stamp = now.isoformat(timespec="seconds")
    db = Path(config.db_path)
    db.parent.mkdir(parents=True, exist_ok=True)
    out = Outcome(path=db)
    if backup is not None:
        verify_backup(backup, config)
    refuse_if_in_use(db)
    tag = f"{now:%Y%m%dT%H%M%S}-{os.getpid()}"
    work, backup_copy, current_copy = (db.parent / f".restore-{tag}-{name}.db" for name in ("new", "backup", "current"))
    opened: list[VoteStore] = []
    try:
        base = None
        if backup is not None:
            try:
                opened.append(_open_checked(Path(backup), backup_copy, config))
            except ValueError as e:   # changed since it was verified
                raise RestoreRefused(f"{backup}: this backup does not verify: {e}; nothing was changed") from None
            base = backup_copy
        current = None
        if db.exists():
            try:
                opened.append(_open_checked(db, current_copy, config, read_only=False))
                current = current_copy
            except ValueError as e:
                out.current_unused = str(e)
        else:
            out.current_unused = "there is no current file"
        for s in opened:
            s.close()
        if base is None:
            base = current
        new = _open(work, config)
        opened.append(new)
        conn = new.conn
        if fetch is not None:
            try:
                conn.execute("BEGIN IMMEDIATE")
                _take_back(conn, config, fetch, stamp, out)
                conn.execute("COMMIT")
                out.reconciled = True
            except ServiceUnavailable as e:
                conn.execute("ROLLBACK")
                if backup is None:
                    raise RestoreRefused(f"the central service could not be asked: {e}; nothing was changed") from None
                out.from_service = out.answers_from_service = 0
                out.pending = str(e)
        if out.reconciled and not out.from_service and not out.answers_from_service and base is None:
            raise RestoreRefused(f"the central service holds no votes or answers of kiosk {config.kiosk_id}, and "
                                 f"{db} cannot be used ({out.current_unused}): nothing to restore from; nothing "
                                 "was changed")
        if base is not None:
            _merge_local(conn, base, True, out)
        if current is not None and current != base:
            _merge_local(conn, current, False, out)
        _finish(conn, out.reconciled, None if out.pending is None else
                f"{stamp}: restored from {backup}; the service could not be asked ({out.pending})")
        why = problems(new, config.kiosk_id)
        if why is not None:
            raise RestoreRefused(f"the rebuilt store does not verify ({why}): the service's rows and the local "
                                 f"ones do not make one chain; nothing was changed")
        out.votes, out.answers = new.count(), new.answer_count()
        out.head_seq = new.query("SELECT coalesce(max(seq), 0) FROM votes")[0][0]
        new.close()
        out.aside = _swap(work, db, now)
    except BaseException:
        for s in opened:
            s.close()
        _remove(work)
        raise
    finally:
        _remove(backup_copy)
        _remove(current_copy)
    log.info("restored %s: %d vote(s) (%d taken back from the service, %d local not yet synced), %d answer(s); "
             "the previous file is %s%s", db, out.votes, out.from_service, out.kept_local, out.answers,
             out.aside or "(none)", f"; reconciliation pending: {out.pending}" if out.pending else "")
    return out


def _swap(work: Path, db: Path, now: datetime) -> Path | None:
    """Rename the current file aside (with its -wal and -shm: SQLite finds them by name) and put ``work``
    in its place; return where the current file went."""
    aside = None
    if db.exists():
        aside = db.with_name(f"{db.name}.before-restore-{now:%Y%m%dT%H%M%S}")
        n = 1
        while aside.exists():
            n += 1
            aside = db.with_name(f"{db.name}.before-restore-{now:%Y%m%dT%H%M%S}-{n}")
        for suffix in ("-wal", "-shm"):
            if Path(f"{db}{suffix}").exists():
                os.rename(f"{db}{suffix}", f"{aside}{suffix}")
        os.rename(db, aside)
    os.replace(work, db)
    fd = os.open(db.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return aside


def describe(out: Outcome) -> Iterator[str]:
    """The lines a person reads after a restore (Vietnamese, then English)."""
    yield (f"đã khôi phục {out.path}: {out.votes} phiếu (đến số {out.head_seq}), {out.answers} câu trả lời / "
           f"restored {out.path}: {out.votes} vote(s) (up to seq {out.head_seq}), {out.answers} answer(s)")
    if out.aside is not None:
        yield f"tệp cũ được giữ lại / the previous file is kept as {out.aside}"
    if out.reconciled:
        yield (f"{out.from_service} phiếu và {out.answers_from_service} câu trả lời lấy lại từ máy chủ / taken back "
               f"from the central service: {out.from_service} vote(s), {out.answers_from_service} answer(s), "
               "marked synced")
    if out.kept_local:
        yield (f"{out.kept_local} phiếu chưa gửi được giữ lại và sẽ được gửi / {out.kept_local} vote(s) the service "
               "does not hold yet are kept and will be sent")
    for what, span in (("vote", out.rechained), ("answer", out.answers_rechained)):
        if span is not None:
            yield (f"local {what}s taken after the chain restarted were chained again after its head, as seq "
                   f"{span[0]}-{span[1]} (the originals stay in the previous file); they will be sent")
    if out.current_unused and out.aside is not None:
        yield (f"the previous file was not read ({out.current_unused}): any vote in it that was never synced is "
               f"still there, in {out.aside}")
    if out.pending is not None:
        yield (f"CHƯA ĐỐI CHIẾU với máy chủ / RECONCILIATION PENDING: the central service could not be asked "
               f"({out.pending}). Votes the service holds beyond this backup are not in the store yet: before the "
               f"next sync, run `python main.py restore --from-central`")

"""The kiosk's side of the report: its configuration as a :class:`ReportUnit`, its full hash-chain
check, and writing a report file atomically (a USB stick may be pulled at any moment)."""

from __future__ import annotations

import hashlib
import os
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from rating import chain
from rating.export import write_atomically
from rating.period import Period, between
from rating.totals import VoteSource
from rating.report.render import FORMATS, render
from rating.report.model import (ChainCheck, PeriodData, ReportModel, ReportSettings, ReportUnit, _where, aggregate_sql,
                    build_report)

VOTES = "votes"                              # the raw vote list (rating.report.votes), not a rendering
Progress = Callable[[float, str], None]


def unit_from_config(config) -> ReportUnit:
    """The issuing unit, place and signatories from the kiosk's ``[report]`` section."""
    r = config.report
    return ReportUnit(parent_unit=r.parent_unit, unit=r.unit, place=r.place, preparer=r.preparer, head=r.head,
                      centre=config.centre, officers=dict(r.officers))


_HASH, _DAY = 12, 13


def _seqs(lo: int, hi: int) -> str:
    return f"seq {lo}" if lo == hi else f"seq {lo}–{hi}"


def _when(iso: str) -> str:
    """A stored ISO time as Vietnamese documents write it: 13:01 ngày 22/11/2026 (as stored otherwise)."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{t:%H:%M} ngày {t:%d/%m/%Y}"


class StoreReader:
    """The kiosk's reader (only for the kiosk's own store: every hashed field present, SQLite).

    The counts come from :func:`aggregate_sql`, which the store's ``votes_report`` index covers term
    for term. The chain is checked from the store's verified checkpoint (``verify`` sets it; each report
    extends it): the checkpoint's vote must still carry the hash it had when verified; every vote after
    it, up to the period's last, is re-hashed from its fields now; every link ``prev_hash → hash`` of
    the period is checked now; and the digest is fed page by page (bounded memory) from the
    ``votes_chain`` index. A period that interleaves other kiosks' votes, or holds votes dated outside
    it in its seq range, takes :meth:`_full_pass` (every vote of the period re-hashed, as before)."""

    # Small pages: the store serialises queries with its lock, and a vote recorded while the manager
    # exports must not wait for more than a page (~20,000 rows for a re-hash, 50,000 hashes, well under 0.2 s).
    PAGE = 20_000
    LINK_PAGE = 50_000
    COLUMNS = (*chain.VOTES.hashed, "hash", "local_date", "out_of_hours", "substr(local_time, 12, 2)")

    def read(self, source: VoteSource, d_from: date, d_to: date, kiosk_ids, officers) -> PeriodData:
        """The period's aggregate rows, the chain check and the digest."""
        first, last = d_from.isoformat(), d_to.isoformat()
        head = source.query("SELECT seq, hash FROM votes ORDER BY seq DESC LIMIT 1")
        head_seq, head_hash = (head[0][0], head[0][1]) if head else (None, None)
        # min/max over the date index (seq is the rowid): no table read.
        lo, hi = source.query("SELECT min(seq), max(seq) FROM votes WHERE local_date BETWEEN ? AND ?", [first, last])[0]
        # Counts, chain and digest all stop at vote hi, whatever the kiosk records meanwhile (seq is in every index).
        where, params = _where(d_from, d_to, kiosk_ids, officers)
        rows = source.query(aggregate_sql(where + " AND seq <= ?"), [*params, hi or 0])
        kiosks = sorted({r[0] for r in rows} if kiosk_ids is None else set(kiosk_ids))
        if lo is None:
            chains = [ChainCheck(k, True, "không có phiếu trong kỳ", head_seq, head_hash) for k in kiosks]
            return PeriodData(rows, chains, hashlib.sha256().hexdigest())
        # A kiosk's store holds demo votes only or none (the demo centre's and a rehearsal's stores are
        # apart; demo-data refuses a real centre's): the period's first and last votes tell, by their seq.
        # (A query on the source column reads every vote of the period: 3 s on a year, no index has it.)
        demo = any(r[0] == "demo" for r in source.query("SELECT source FROM votes WHERE seq IN (?, ?)", [lo, hi]))
        if officers is None:
            in_period = sum(r[-1] for r in rows)
        else:
            w, p = _where(d_from, d_to, kiosk_ids, None)
            in_period = source.query(f"SELECT count(*) FROM votes WHERE {w} AND seq <= ?", [*p, hi])[0][0]
        if len({r[0] for r in rows}) > 1 or in_period != hi - lo + 1:
            data = self._full_pass(source, d_from, d_to, kiosk_ids, rows, (head_seq, head_hash), lo, hi)
            data.demo, data.seqs = demo, (lo, hi)
            return data
        # Every seq lo..hi is a vote of the period, of the one kiosk counted: the digest is its hashes in seq order.
        checkpoint = source.chain_checkpoint() if hasattr(source, "chain_checkpoint") else None
        problem = self._from_checkpoint(source, checkpoint, lo, hi)
        link_problem, digest, last_hash = self._links_and_digest(source, lo, hi)
        problem = problem or link_problem
        # Votes 1..hi are now known whole: from vote 1 (no checkpoint, a period from the first vote) or by
        # extending the checkpoint. The next report re-hashes only what comes after.
        extends = hi > checkpoint.seq if checkpoint is not None else lo == 1
        if not problem and extends and hasattr(source, "save_chain_checkpoint"):
            source.save_chain_checkpoint(hi, last_hash, full=checkpoint is None)
        if checkpoint is None:
            checked = f"băm lại từng phiếu {_seqs(lo, hi)} lúc lập báo cáo và liên kết với phiếu trước kỳ"
        else:
            checked = (f"toàn chuỗi băm lại đến seq {checkpoint.seq} (lần kiểm tra trọn vẹn lúc "
                       f"{_when(checkpoint.full_at)}")
            checked += (")" if checkpoint.at == checkpoint.full_at else
                        f", nối tiếp khi lập báo cáo lúc {_when(checkpoint.at)})")
            checked += f"; hash của phiếu seq {checkpoint.seq} " + ("so lại với điểm kiểm tra" if problem else "vẫn khớp")
            checked += (f"; phiếu {_seqs(checkpoint.seq + 1, hi)} băm lại lúc lập báo cáo" if hi > checkpoint.seq else "")
        checked += f"; liên kết prev_hash → hash của phiếu {_seqs(lo, hi)} kiểm tra lúc lập báo cáo"
        chains = [ChainCheck(k, not problem, checked, head_seq, head_hash, problem) for k in kiosks]
        return PeriodData(rows, chains, digest, demo, (lo, hi))

    def _from_checkpoint(self, source: VoteSource, checkpoint, lo: int, hi: int) -> str:
        """Re-hash, from its fields, every vote after the checkpoint up to ``hi`` (without a checkpoint:
        votes lo..hi, linked to the vote before), after checking that the checkpoint's vote still
        carries the hash it had when verified. Returns the first problem, or ""."""
        if checkpoint is not None:
            now = source.query("SELECT hash FROM votes WHERE seq = ?", [checkpoint.seq])
            if not now or now[0][0] != checkpoint.hash:
                return (f"tại phiếu số {checkpoint.seq}: không còn là phiếu đã kiểm tra lúc {_when(checkpoint.at)} "
                        f"({'đã bị xoá' if not now else 'mã băm đã đổi'}); hãy chạy `python main.py verify`")
            prev_seq, prev_hash = checkpoint.seq, checkpoint.hash
        else:
            before = source.query("SELECT seq, hash FROM votes WHERE seq = ?", [lo - 1])
            prev_seq, prev_hash = (before[0][0], before[0][1]) if before else (0, chain.GENESIS_HASH)
        cols = ", ".join(self.COLUMNS)
        for start in range(prev_seq + 1, hi + 1, self.PAGE):
            end = min(hi, start + self.PAGE - 1)
            page = source.query(f"SELECT {cols} FROM votes WHERE seq BETWEEN ? AND ? ORDER BY seq", [start, end])
            if not page:
                return chain.gap(chain.VOTES, start - 1, end + 1, None).vi
            problem = self._check(page, prev_seq, prev_hash)
            if problem:
                return problem
            prev_seq, prev_hash = page[-1][0], page[-1][_HASH]
        return ""

    def _links_and_digest(self, source: VoteSource, lo: int, hi: int) -> tuple[str, str, str]:
        """One pass over votes lo..hi on the ``votes_chain`` index, a page at a time: every ``prev_hash``
        the hash before it, and the digest of the hashes (every seq is present: the caller counted them).
        The hashes come back as one string a page, joined in SQLite (no million Python objects); the links
        are compared in SQLite too, each vote's hash with the next vote's prev_hash (found by its rowid),
        which names the first break. Returns (first problem or "", digest, hash of vote hi)."""
        before = source.query("SELECT hash FROM votes WHERE seq = ?", [lo - 1]) if lo > 1 else [(chain.GENESIS_HASH,)]
        problem = "" if before else chain.gap(chain.VOTES, lo - 2, lo, None).vi
        if before and source.query("SELECT prev_hash FROM votes WHERE seq = ?", [lo])[0][0] != before[0][0]:
            problem = chain.broken_link(chain.VOTES, lo, None).vi
        prev = ""
        digest = hashlib.sha256()
        for start in range(lo, hi + 1, self.LINK_PAGE):
            end = min(hi, start + self.LINK_PAGE - 1)
            n, hashes = source.query("SELECT count(*), group_concat(hash, char(10)) FROM "
                                     "(SELECT hash FROM votes WHERE seq BETWEEN ? AND ? ORDER BY seq)", [start, end])[0]
            if not n:
                continue
            digest.update((hashes + "\n").encode("ascii"))
            if not problem and start < hi:   # the links from this page's votes to the next vote, up to vote hi
                (first,), = source.query("SELECT min(a.seq) FROM votes a JOIN votes b ON b.seq = a.seq + 1 "
                                         "WHERE a.seq BETWEEN ? AND ? AND b.prev_hash IS NOT a.hash",
                                         [start, min(end, hi - 1)])
                if first is not None:
                    problem = chain.broken_link(chain.VOTES, first + 1, None).vi
            prev = hashes[-64:]
        return problem, digest.hexdigest(), prev

    def _full_pass(self, source: VoteSource, d_from: date, d_to: date, kiosk_ids, agg, head, lo: int,
                   hi: int) -> PeriodData:
        """One ordered pass over the period's votes that recomputes every vote's hash from its fields
        (linking the first to the vote before the period) and feeds the digest; ``agg`` has the counts.
        For a seq range shared by several kiosks or holding votes dated outside the period."""
        first, last = d_from.isoformat(), d_to.isoformat()
        head_seq, head_hash = head
        wanted_kiosks = None if kiosk_ids is None else set(kiosk_ids)
        hashed: dict[str, bytearray] = {}  # per kiosk, "hash\n" bytes in seq order: 65 bytes a vote
        problem = ""
        before = source.query("SELECT seq, hash FROM votes WHERE seq = ?", [lo - 1])
        prev_seq, prev_hash = (before[0][0], before[0][1]) if before else (0, chain.GENESIS_HASH)
        cols = ", ".join(self.COLUMNS)
        for start in range(lo, hi + 1, self.PAGE):
            rows = source.query(f"SELECT {cols} FROM votes WHERE seq BETWEEN ? AND ? ORDER BY seq",
                                [start, min(hi, start + self.PAGE - 1)])
            if not rows:
                continue
            if not problem:
                problem = self._check(rows, prev_seq, prev_hash)
                prev_seq, prev_hash = rows[-1][0], rows[-1][_HASH]
            for r in rows:
                if first <= r[_DAY] <= last and (wanted_kiosks is None or r[2] in wanted_kiosks):
                    hashed.setdefault(r[2], bytearray()).extend((r[_HASH] + "\n").encode("ascii"))
        kiosks = sorted(wanted_kiosks if wanted_kiosks is not None else hashed)
        checked = f"băm lại từng phiếu seq {lo}–{hi} và liên kết với phiếu trước kỳ"
        chains = [ChainCheck(k, not problem, checked, head_seq, head_hash, problem) for k in kiosks]
        digest = hashlib.sha256()
        for kiosk in sorted(hashed):
            digest.update(hashed[kiosk])
        return PeriodData(agg, chains, digest.hexdigest())

    @staticmethod
    def _check(rows: list[tuple], prev_seq: int, prev_hash: str) -> str:
        """"" when the page follows the vote before it, link by link and hash by hash; else the first
        break, in the words ``verify`` uses. (The derived columns are ``verify``'s to check.)"""
        brk = chain.ChainVerifier(chain.VOTES, prev_seq, prev_hash, derived=False).check_rows(rows)
        return "" if brk is None else brk.vi


def report_for_store(store, config, d_from: date, d_to: date, *, by: str = "counter", period: Period | None = None,
                     appendix: str | None = None) -> ReportModel:
    """The II.7 model for this kiosk's store and configuration (with its own questionnaire answers)."""
    from rating.questionnaire.loader import questionnaire_dirs
    return build_report(store, unit=unit_from_config(config), d_from=d_from, d_to=d_to, scale=config.scale,
                        counters=config.counters, target_pct=config.report.target_pct, kiosk_ids=[config.kiosk_id],
                        settings=ReportSettings(by=by, appendix=appendix, question=config.question or
                                                ReportSettings.question, issued_on=store.today(),
                                                demo=bool(getattr(config, "is_demo", False)),
                                                min_n=config.report.min_n,
                                                # the kiosk's local time, as the votes and the date line have it
                                                generated_at=datetime.now(store.tz)),
                        period=period, reader=StoreReader(), questionnaire_dirs=questionnaire_dirs(config),
                        # The kiosk's store holds only its own answers: no kiosk_id filter, which the
                        # analysis index does not cover (a filter there reads every answer row: 4x slower).
                        questionnaire_filters={})


def file_name(kiosk_id: str, period: Period, fmt: str) -> str:
    """A file name that says what it is and survives any file system (no diacritics, no slashes)."""
    if fmt == VOTES:
        from rating.report.votes import vote_list_name
        return vote_list_name(kiosk_id, period.slug)
    return f"bang-tong-hop-II7_{kiosk_id}_{period.slug}.{fmt}"


def vote_list_chunks(store, config, d_from: date, d_to: date, tally=None):
    """The raw vote list of the kiosk's period as CSV byte chunks (see :mod:`.votes`): the very votes
    whose hashes the report's Kiểm chứng digest covers (this kiosk's, ``local_date`` in the period)."""
    from rating.report.votes import csv_chunks, vote_rows
    return csv_chunks(vote_rows(store, d_from, d_to, [config.kiosk_id]), tally)


def write_vote_list(store, config, d_from: date, d_to: date, path: str | os.PathLike,
                    progress: Progress | None = None):
    """Write the raw vote list to ``path`` atomically, streamed; returns a :class:`~.votes.VoteList`
    (the path, how many votes, their digest). ``progress(fraction, what)`` as the rows are written."""
    from rating.export import write_chunks_atomically
    from rating.report.votes import VoteList
    path = Path(path)
    tally = VoteList(path, 0, "")
    report = progress or (lambda fraction, what: None)
    first, last = d_from.isoformat(), d_to.isoformat()
    total = store.query("SELECT count(*) FROM votes WHERE local_date BETWEEN ? AND ? AND kiosk_id = ?",
                        [first, last, config.kiosk_id])[0][0]
    report(0.05, "Đang ghi danh sách phiếu…")
    write_chunks_atomically(path, vote_list_chunks(store, config, d_from, d_to, tally),
                            lambda _bytes: report(0.05 + 0.9 * min(1.0, tally.votes / (total or 1)),
                                                  "Đang ghi danh sách phiếu…"))
    report(1.0, f"Đã ghi {path.name}")
    return tally


def write_report(store, config, d_from: date, d_to: date, fmt: str, folder: str | os.PathLike,
                 progress: Progress | None = None, *, by: str = "counter", period: Period | None = None,
                 appendix: str | None = None) -> Path:
    """Build the II.7 report for the kiosk and write it as ``fmt`` (xlsx, pdf, csv, json) into ``folder``.

    Returns the file's path. ``progress(fraction, what)`` is called as the work advances (from the
    calling thread). Raises ``FileNotFoundError``/``NotADirectoryError`` for a missing folder and
    ``ValueError`` for an unknown format, before any work is done.
    ``fmt`` may also be ``votes``: the raw vote list (:func:`write_vote_list`) instead of the report.
    """
    if fmt not in (*FORMATS, VOTES):
        raise ValueError(f"unknown report format {fmt!r} (one of {', '.join((*FORMATS, VOTES))})")
    if fmt == VOTES:
        folder = _existing_folder(folder)
        path = folder / file_name(config.kiosk_id, period or between(d_from, d_to), VOTES)
        return write_vote_list(store, config, d_from, d_to, path, progress).path
    return write_reports(store, config, d_from, d_to, (fmt,), folder, progress, by=by, period=period,
                         appendix=appendix)[0]


def _existing_folder(folder: str | os.PathLike) -> Path:
    """``folder`` as a Path; FileNotFoundError/NotADirectoryError when it is not an existing folder."""
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    return folder


def write_reports(store, config, d_from: date, d_to: date, formats, folder: str | os.PathLike,
                  progress: Progress | None = None, *, by: str = "counter", period: Period | None = None,
                  appendix: str | None = None) -> list[Path]:
    """:func:`write_report` for several formats at once (the workbook and the PDF): the votes are read
    and checked once, then each format is rendered and written. Returns the paths, in order."""
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS] or ([] if formats else ["(none)"])
    if unknown:
        raise ValueError(f"unknown report format {unknown[0]!r} (one of {', '.join(FORMATS)})")
    folder = _existing_folder(folder)
    period = period or between(d_from, d_to)
    report = progress or (lambda fraction, what: None)
    report(0.05, "Đang tổng hợp số liệu…")
    model = report_for_store(store, config, d_from, d_to, by=by, period=period, appendix=appendix)
    paths = []
    for i, fmt in enumerate(formats):
        share = 0.4 / len(formats)
        report(0.6 + i * share, f"Đang tạo tệp {fmt.upper()}…")
        path = folder / file_name(config.kiosk_id, period, fmt)
        write_atomically(path, render(model, fmt))
        paths.append(path)
    report(1.0, "Đã ghi " + ", ".join(p.name for p in paths))
    return paths

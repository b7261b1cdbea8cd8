"""The kiosk's side of the report: its configuration as a :class:`ReportUnit`, its full hash-chain
check, and writing a report file atomically (a USB stick may be pulled at any moment)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Callable

from .. import chain
from ..export import write_atomically
from ..period import Period, between
from ..totals import VoteSource
from .model import ChainCheck, ReportModel, ReportSettings, ReportUnit, build_report

FORMATS = ("xlsx", "pdf", "csv", "json")
Progress = Callable[[float, str], None]


def unit_from_config(config) -> ReportUnit:
    """The issuing unit, place and signatories from the kiosk's ``[report]`` section."""
    r = config.report
    return ReportUnit(parent_unit=r.parent_unit, unit=r.unit, place=r.place, preparer=r.preparer, head=r.head,
                      centre=config.centre, officers=dict(r.officers))


def store_chain_check(store) -> Callable[[VoteSource, str, date, date], ChainCheck]:
    """A chain check that recomputes every hash of the period's votes from their fields (the kiosk's
    store has them all), starting from the vote just before the period, and names the chain's head."""

    def check(source: VoteSource, kiosk_id: str, d_from: date, d_to: date) -> ChainCheck:
        head = source.query("SELECT seq, hash FROM votes ORDER BY seq DESC LIMIT 1")
        head_seq, head_hash = (head[0][0], head[0][1]) if head else (None, None)
        lo, hi = source.query("SELECT min(seq), max(seq) FROM votes WHERE kiosk_id = ? AND local_date BETWEEN ? AND ?",
                              [kiosk_id, d_from.isoformat(), d_to.isoformat()])[0]
        if lo is None:
            return ChainCheck(kiosk_id, True, "không có phiếu trong kỳ", head_seq, head_hash)
        before = source.query("SELECT seq, hash FROM votes WHERE seq = ?", [lo - 1])
        prev_seq, prev_hash = (before[0][0], before[0][1]) if before else (0, chain.GENESIS_HASH)
        cols = ", ".join((*chain.HASHED_FIELDS, "hash"))
        page, start = 100_000, lo
        try:
            while start <= hi:
                rows = source.query(f"SELECT {cols} FROM votes WHERE seq BETWEEN ? AND ? ORDER BY seq",
                                    [start, min(hi, start + page - 1)])
                for row in rows:
                    seq = row[0]
                    if seq != prev_seq + 1:
                        raise chain.ChainBreak(seq, row[1], f"sequence gap after vote {prev_seq}")
                    if row[11] != prev_hash:
                        raise chain.ChainBreak(seq, row[1], "prev_hash does not match the vote before it")
                    if chain.hash_values(list(row[:12])) != row[12]:
                        raise chain.ChainBreak(seq, row[1], "hash does not match the vote's fields (edited)")
                    prev_seq, prev_hash = seq, row[12]
                start += page
        except chain.ChainBreak as brk:
            return ChainCheck(kiosk_id, False, f"băm lại từng phiếu seq {lo}–{hi}", head_seq, head_hash, str(brk))
        return ChainCheck(kiosk_id, True, f"băm lại từng phiếu seq {lo}–{hi} và liên kết với phiếu trước kỳ",
                          head_seq, head_hash)

    return check


def report_for_store(store, config, d_from: date, d_to: date, *, by: str = "counter", period: Period | None = None,
                     appendix: str | None = None) -> ReportModel:
    """The II.7 model for this kiosk's store and configuration."""
    return build_report(store, unit=unit_from_config(config), d_from=d_from, d_to=d_to, scale=config.scale,
                        counters=config.counters, target_pct=config.report.target_pct, kiosk_ids=[config.kiosk_id],
                        settings=ReportSettings(by=by, appendix=appendix, question=config.question or
                                                ReportSettings.question, issued_on=store.today()),
                        period=period, chain_check=store_chain_check(store))


def file_name(kiosk_id: str, period: Period, fmt: str) -> str:
    """A file name that says what it is and survives any file system (no diacritics, no slashes)."""
    return f"bang-tong-hop-II7_{kiosk_id}_{period.slug}.{fmt}"


def write_report(store, config, d_from: date, d_to: date, fmt: str, folder: str | os.PathLike,
                 progress: Progress | None = None, *, by: str = "counter", period: Period | None = None,
                 appendix: str | None = None) -> Path:
    """Build the II.7 report for the kiosk and write it as ``fmt`` (xlsx, pdf, csv, json) into ``folder``.

    Returns the file's path. ``progress(fraction, what)`` is called as the work advances (from the
    calling thread). Raises ``FileNotFoundError``/``NotADirectoryError`` for a missing folder and
    ``ValueError`` for an unknown format, before any work is done.
    """
    from . import render
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    period = period or between(d_from, d_to)
    report = progress or (lambda fraction, what: None)
    report(0.05, "Đang tổng hợp số liệu…")
    model = report_for_store(store, config, d_from, d_to, by=by, period=period, appendix=appendix)
    report(0.6, "Đang tạo tệp…")
    data = render(model, fmt)
    path = folder / file_name(config.kiosk_id, period, fmt)
    report(0.9, "Đang ghi tệp…")
    write_atomically(path, data)
    report(1.0, f"Đã ghi {path.name}")
    return path

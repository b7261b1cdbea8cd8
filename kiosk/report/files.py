"""The kiosk's side of the report: its configuration as a :class:`ReportUnit`, its full hash-chain
check, and writing a report file atomically (a USB stick may be pulled at any moment)."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from operator import itemgetter
from datetime import date
from pathlib import Path
from typing import Callable

from .. import chain
from ..export import write_atomically
from ..period import Period, between
from ..totals import VoteSource
from .model import ChainCheck, PeriodData, ReportModel, ReportSettings, ReportUnit, build_report

FORMATS = ("xlsx", "pdf", "csv", "json")
Progress = Callable[[float, str], None]


def unit_from_config(config) -> ReportUnit:
    """The issuing unit, place and signatories from the kiosk's ``[report]`` section."""
    r = config.report
    return ReportUnit(parent_unit=r.parent_unit, unit=r.unit, place=r.place, preparer=r.preparer, head=r.head,
                      centre=config.centre, officers=dict(r.officers))


_quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) does to a str, in C


def vote_hash_fast(row: tuple) -> str:
    """:func:`kiosk.chain.hash_values` of a row's first 12 columns (the hashed fields), in one f-string: a third faster on a year
    of votes. Values of unusual types go the reference way; a test holds both equal."""
    seq, uuid, kiosk, counter, officer, level, scale, source, local_time, box_seq, flag, prev = row[:12]
    if type(seq) is not int or (box_seq is not None and type(box_seq) is not int):
        return chain.hash_values(list(row[:12]))
    try:
        text = (f'["v1",{seq},{_quote(uuid)},{_quote(kiosk)},{_quote(counter)},'
                f'{"null" if officer is None else _quote(officer)},{_quote(level)},{_quote(scale)},{_quote(source)},'
                f'{_quote(local_time)},{"null" if box_seq is None else box_seq},'
                f'{"null" if flag is None else _quote(flag)},{_quote(prev)}]')
    except TypeError:  # a NULL where the schema has NOT NULL: let the reference encoding decide
        return chain.hash_values(list(row[:12]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_HASH, _DAY = 12, 13
# kiosk, day, hour, scale, counter, officer, level, flag, out_of_hours — counted in C by collections.Counter
_KEY = itemgetter(2, 13, 15, 6, 3, 4, 5, 10, 14)


def _first_break(rows: list[tuple], prev_seq: int, prev_hash: str) -> str:
    """The first vote of ``rows`` (in seq order) that does not follow from the one before, or ""."""
    for row in rows:
        seq = row[0]
        if seq != prev_seq + 1:
            return f"vote seq {seq}: sequence gap after vote {prev_seq} (deleted?)"
        if row[11] != prev_hash:
            return f"vote seq {seq}: prev_hash does not match the vote before it"
        if vote_hash_fast(row[:12]) != row[_HASH]:
            return f"vote seq {seq}: hash does not match the vote's fields (edited)"
        prev_seq, prev_hash = seq, row[_HASH]
    return ""


class StoreReader:
    """The kiosk's reader: one ordered pass over the period's votes that recomputes every vote's hash
    from its fields (linking the first to the vote before the period), feeds the digest and counts the
    votes — the same aggregate rows as :func:`aggregate_sql`, without a second read of a year of votes.

    Only for the kiosk's own store (every hashed field present). Each page of votes is checked and
    counted in bulk (map, Counter); a page that fails is walked vote by vote to name the first break."""

    # Small pages: the store serialises queries with its lock, and a vote recorded while the manager
    # exports must not wait for more than a page (~20,000 rows, well under 0.2 s).
    PAGE = 20_000
    COLUMNS = (*chain.HASHED_FIELDS, "hash", "local_date", "out_of_hours", "substr(local_time, 12, 2)")

    def read(self, source: VoteSource, d_from: date, d_to: date, kiosk_ids, officers) -> PeriodData:
        """The period's aggregate rows, the chain check and the digest, from one pass."""
        first, last = d_from.isoformat(), d_to.isoformat()
        head = source.query("SELECT seq, hash FROM votes ORDER BY seq DESC LIMIT 1")
        head_seq, head_hash = (head[0][0], head[0][1]) if head else (None, None)
        # min/max over the date index (seq is the rowid): no table read.
        lo, hi = source.query("SELECT min(seq), max(seq) FROM votes WHERE local_date BETWEEN ? AND ?", [first, last])[0]
        wanted_kiosks = None if kiosk_ids is None else set(kiosk_ids)
        wanted_officers = None if officers is None else set(officers)
        counts: Counter = Counter()
        hashed: dict[str, bytearray] = {}  # per kiosk, "hash\n" bytes in seq order: 65 bytes a vote
        problem = ""
        if lo is not None:
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
                inside = [r for r in rows if first <= r[_DAY] <= last
                          and (wanted_kiosks is None or r[2] in wanted_kiosks)]
                here = {r[2] for r in inside}
                if len(here) == 1:  # a kiosk's own store: always
                    groups = {here.pop(): inside}
                else:
                    groups = {}
                    for r in inside:
                        groups.setdefault(r[2], []).append(r)
                for kiosk, mine in groups.items():
                    hashed.setdefault(kiosk, bytearray()).extend(
                        ("\n".join(map(itemgetter(_HASH), mine)) + "\n").encode("ascii"))
                if wanted_officers is not None:
                    inside = [r for r in inside if r[4] in wanted_officers]
                counts.update(map(_KEY, inside))
        merged: dict[tuple, int] = {}
        for (kiosk, day, hour, scale, counter, officer, level, flag, ooh), n in counts.items():
            key = (kiosk, day, hour, scale, counter, officer or "", level, flag is not None, ooh)
            merged[key] = merged.get(key, 0) + n
        kiosks = sorted(wanted_kiosks if wanted_kiosks is not None else hashed)
        checked = ("không có phiếu trong kỳ" if lo is None else
                   f"băm lại từng phiếu seq {lo}–{hi} và liên kết với phiếu trước kỳ")
        chains = [ChainCheck(k, not problem, checked, head_seq, head_hash, problem) for k in kiosks]
        digest = hashlib.sha256()
        for kiosk in sorted(hashed):
            digest.update(hashed[kiosk])
        return PeriodData([(*key, n) for key, n in merged.items()], chains, digest.hexdigest())

    @staticmethod
    def _check(rows: list[tuple], prev_seq: int, prev_hash: str) -> str:
        """"" when the page follows the vote before it, link by link and hash by hash; else the first break."""
        hashes = list(map(itemgetter(_HASH), rows))
        ok = (rows[0][0] == prev_seq + 1 and rows[-1][0] - rows[0][0] == len(rows) - 1
              and rows[0][11] == prev_hash and list(map(itemgetter(11), rows[1:])) == hashes[:-1]
              and list(map(vote_hash_fast, rows)) == hashes)
        return "" if ok else _first_break(rows, prev_seq, prev_hash)


def report_for_store(store, config, d_from: date, d_to: date, *, by: str = "counter", period: Period | None = None,
                     appendix: str | None = None) -> ReportModel:
    """The II.7 model for this kiosk's store and configuration."""
    return build_report(store, unit=unit_from_config(config), d_from=d_from, d_to=d_to, scale=config.scale,
                        counters=config.counters, target_pct=config.report.target_pct, kiosk_ids=[config.kiosk_id],
                        settings=ReportSettings(by=by, appendix=appendix, question=config.question or
                                                ReportSettings.question, issued_on=store.today()),
                        period=period, reader=StoreReader())


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
    return write_reports(store, config, d_from, d_to, (fmt,), folder, progress, by=by, period=period,
                         appendix=appendix)[0]


def write_reports(store, config, d_from: date, d_to: date, formats, folder: str | os.PathLike,
                  progress: Progress | None = None, *, by: str = "counter", period: Period | None = None,
                  appendix: str | None = None) -> list[Path]:
    """:func:`write_report` for several formats at once (the workbook and the PDF): the votes are read
    and checked once, then each format is rendered and written. Returns the paths, in order."""
    from . import render
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS] or ([] if formats else ["(none)"])
    if unknown:
        raise ValueError(f"unknown report format {unknown[0]!r} (one of {', '.join(FORMATS)})")
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
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

"""The raw vote list of a period (``report --format votes``): every vote, one CSV row each, in the
Kiểm chứng digest's canonical order, so an inspector can recompute the digest with standard tools.

The columns are the central service's raw download's (``central/views.py`` ``RAW_COLUMNS``): the wire
fields (:data:`rating.wire.WIRE_FIELDS`, imported, never retyped) and ``local_date``; not ``received_at``,
which only the service has. ``hash`` is the next-to-last column and ``local_date`` the last: neither
ever holds a comma, a quote or a line break, so ``cut``/``awk`` find the hash on every line.

Lines end in ``\\n`` (not the csv module's default ``\\r\\n``): the hash column then reads back as the
exact bytes the digest is taken of. UTF-8 with a BOM (on the header line only), as the kiosk's other
CSV files, so Excel shows Vietnamese. Rows are read a page at a time (memory stays flat on a year).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator, Sequence

from rating.wire import WIRE_FIELDS

from rating.export import CSV_ENCODING
from rating.totals import VoteSource
from rating.export import safe_cell

COLUMNS = (*WIRE_FIELDS, "local_date")
HASH_COLUMN = COLUMNS.index("hash") + 1   # 1-based, as cut -f counts: 13
assert HASH_COLUMN == len(COLUMNS) - 1, "the recipe in docs/report.md counts on hash being next-to-last"
LINE_END = "\n"
PAGE = 20_000   # rows a query: the store serialises queries, and a vote recorded meanwhile waits for one page


@dataclass
class VoteList:
    """What was written: how many votes, and the digest of their hashes (the Kiểm chứng one)."""

    path: Path | None
    votes: int
    sha256: str


def vote_rows(source: VoteSource, d_from: date, d_to: date, kiosk_ids: Sequence[str] | None,
              page: int = PAGE) -> Iterator[tuple]:
    """Every vote (all :data:`COLUMNS`) whose ``local_date`` lies in the period, of ``kiosk_ids`` (None:
    every kiosk), ordered by kiosk_id then seq — read ``page`` seqs at a time, never all at once."""
    first, last = d_from.isoformat(), d_to.isoformat()
    lo, hi = source.query("SELECT min(seq), max(seq) FROM votes WHERE local_date BETWEEN ? AND ?", [first, last])[0]
    if lo is None:
        return
    if kiosk_ids is None:
        kiosk_ids = [r[0] for r in source.query("SELECT DISTINCT kiosk_id FROM votes WHERE local_date BETWEEN ? AND ?",
                                                [first, last])]
    cols = ", ".join(COLUMNS)
    for kiosk in sorted(set(kiosk_ids)):
        for start in range(lo, hi + 1, page):
            yield from source.query(f"SELECT {cols} FROM votes WHERE seq BETWEEN ? AND ? AND kiosk_id = ? "
                                    "AND local_date BETWEEN ? AND ? ORDER BY seq",
                                    [start, min(hi, start + page - 1), kiosk, first, last])


def csv_chunks(rows: Iterator[tuple], tally: VoteList | None = None, lines_a_chunk: int = 5000) -> Iterator[bytes]:
    """The CSV bytes, a chunk at a time: the BOM and the header, then the rows. ``tally`` (when given)
    counts the rows and ends holding the digest of their hashes."""
    rows = iter(rows)  # each chunk takes up where the last one stopped
    digest = hashlib.sha256()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=LINE_END)
    writer.writerow(COLUMNS)
    yield buf.getvalue().encode(CSV_ENCODING)  # the BOM once, before the header
    at_hash = HASH_COLUMN - 1
    n = 0
    while True:
        buf.seek(0)
        buf.truncate()
        wrote = 0
        for row in rows:
            # A code such as "=HYPERLINK(…)" is shown as text by a spreadsheet, as in the service's download.
            writer.writerow([safe_cell(c) for c in row])
            digest.update((row[at_hash] + "\n").encode("ascii"))
            wrote += 1
            if wrote == lines_a_chunk:
                break
        n += wrote
        if tally is not None:
            tally.votes = n  # so far: the caller's progress reads it between chunks
        if wrote:
            yield buf.getvalue().encode("utf-8")
        if wrote < lines_a_chunk:
            break
    if tally is not None:
        tally.votes, tally.sha256 = n, digest.hexdigest()


def vote_list_name(kiosk_id: str, slug: str) -> str:
    """The file's default name, like the report's (no diacritics, no slashes)."""
    return f"danh-sach-phieu_{kiosk_id}_{slug}.csv"



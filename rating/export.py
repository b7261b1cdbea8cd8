"""Writing reports to files: CSV that Excel opens correctly (and never runs as formulas), and JSON."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from rating.scales import Scale

# Excel reads UTF-8 CSV as a legacy code page (mojibake in Vietnamese) unless it starts with a BOM.
CSV_ENCODING = "utf-8-sig"
# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(…)" in a counter's name):
# text that came from outside (names, codes) is written with a leading apostrophe, shown as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: text starting with = + - @ (or a tab or CR) gets a leading
    apostrophe; other values (numbers, dates we wrote) as they are."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def report_csv_rows(report: dict[str, Any], scale: Scale) -> list[list[Any]]:
    """The period report as CSV rows: a header, one row per day and counter, then period totals.

    Period-total rows carry ``FROM..TO`` in the date column; the ``ALL`` counter row sums the
    counters.
    """
    rows = [_header(scale)]
    for day in report["days"]:
        rows += _table_rows(day["date"], day, scale)
    rows += _table_rows(f"{report['from']}..{report['to']}", report["period"], scale)
    return rows


def table_csv_rows(table: dict[str, Any], scale: Scale, by: str = "counter") -> list[list[Any]]:
    """One totals table (the ``totals --json`` shape, grouped ``by`` counter or officer) as CSV rows with a
    header; the date column carries the table's ``date`` (a day, a month, a quarter)."""
    return [_header(scale, by), *_table_rows(table["date"], table, scale, by)]


def _header(scale: Scale, by: str = "counter") -> list[str]:
    key = ["counter", "name"] if by == "counter" else ["officer"]
    # ci_low, ci_high, small_sample: added last (issue 18), so a reader of the older columns by position still works
    return ["date", *key, *scale.codes, "total", "satisfied", "satisfied_pct", "flagged", "ci_low", "ci_high", "small_sample"]


def _table_rows(when: str, table: dict[str, Any], scale: Scale, by: str = "counter") -> list[list[Any]]:
    def key(row):  # counter ids, names and officer codes came from outside: never a formula
        return ([safe_cell(row["counter"]), safe_cell(row["name"] or "")] if by == "counter"
                else [safe_cell(row["officer"] or "")])
    everyone = ["ALL", ""] if by == "counter" else ["ALL"]
    return [*(_row(when, key(c), c, scale) for c in table["counters"]), _row(when, everyone, table["all"], scale)]


def _row(when: str, key: list[str], s: dict[str, Any], scale: Scale) -> list[Any]:
    pct = "" if s["satisfied_pct"] is None else f"{s['satisfied_pct']:.1f}"
    ci = ["" if s.get(k) is None else f"{s[k]:.1f}" for k in ("ci_low", "ci_high")]
    return [when, *key, *(s["levels"][c] for c in scale.codes), s["total"], s["satisfied"], pct, s["flagged"], *ci,
            int(bool(s.get("small_sample")))]


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder: fsync it, rename it over
    ``path``, fsync the folder — so that no reader, pulled USB stick or power cut ever sees half a report."""
    write_chunks_atomically(path, (data,))


def write_chunks_atomically(path: Path, chunks: Iterable[bytes],
                            progress: Callable[[int], None] | None = None) -> None:
    """:func:`write_atomically`, streamed: ``chunks`` (bytes) are written as they come, so a year of votes
    is never held in memory; ``progress(bytes so far)`` after each chunk."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    done = 0
    try:
        with open(tmp, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # some file systems cannot open a folder; the rename is done
    try:
        os.fsync(fd)
    except OSError:
        pass  # e.g. a FAT USB stick that cannot fsync a folder
    finally:
        os.close(fd)


def write_report_csv(report: dict[str, Any], scale: Scale, out: TextIO) -> None:
    """Write the period report as CSV to a text stream opened with ``newline=""``."""
    csv.writer(out).writerows(report_csv_rows(report, scale))


def report_csv_bytes(report: dict[str, Any], scale: Scale) -> bytes:
    """The period report as CSV bytes, UTF-8 with a BOM."""
    buf = io.StringIO(newline="")
    write_report_csv(report, scale, buf)
    return buf.getvalue().encode(CSV_ENCODING)


def to_json(data: Any) -> str:
    """JSON as the CLI prints it: Vietnamese as itself, indented for people."""
    return json.dumps(data, ensure_ascii=False, indent=2)

"""Writing reports to files: CSV that Excel opens correctly, and JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, TextIO

from .scales import Scale

# Excel reads UTF-8 CSV as a legacy code page (mojibake in Vietnamese) unless it starts with a BOM.
CSV_ENCODING = "utf-8-sig"


def report_csv_rows(report: dict[str, Any], scale: Scale) -> list[list[Any]]:
    """The period report as CSV rows: a header, one row per day and counter, then period totals.

    Period-total rows carry ``FROM..TO`` in the date column; the ``ALL`` counter row sums the
    counters.
    """
    header = ["date", "counter", "name", *scale.codes, "total", "satisfied", "satisfied_pct", "flagged"]
    rows: list[list[Any]] = [header]

    def emit(when: str, table: dict[str, Any]) -> None:
        for c in table["counters"]:
            rows.append(_row(when, c["counter"], c["name"] or "", c, scale))
        rows.append(_row(when, "ALL", "", table["all"], scale))

    for day in report["days"]:
        emit(day["date"], day)
    emit(f"{report['from']}..{report['to']}", report["period"])
    return rows


def _row(when: str, counter: str, name: str, s: dict[str, Any], scale: Scale) -> list[Any]:
    pct = "" if s["satisfied_pct"] is None else f"{s['satisfied_pct']:.1f}"
    return [when, counter, name, *(s["levels"][c] for c in scale.codes), s["total"], s["satisfied"], pct, s["flagged"]]


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

"""The report model as CSV (the Tổng hợp table, UTF-8 with a BOM) and as JSON (the whole model)."""

from __future__ import annotations

import csv
import io
import json

from rating.export import CSV_ENCODING, safe_cell
from rating.report.model import ReportModel, Row

_BY_COLUMN = {"counter": "counter", "officer": "officer", "day": "date", "month": "month"}


def csv_rows(model: ReportModel) -> list[list]:
    """The Tổng hợp table (grouped by ``model.by``) in the columns of the kiosk's other CSV reports."""
    head = ["period", _BY_COLUMN[model.by], "name", *model.codes, "total", "satisfied", "satisfied_pct", "flagged",
            "small_sample", "target_met", "ci_low", "ci_high", "verdict"]

    def line(key: str, name: str, r: Row) -> list:
        return [model.period.slug, safe_cell(key), safe_cell(name), *(r.levels[c] for c in model.codes), r.total, r.satisfied,
                "" if r.satisfied_pct is None else f"{r.satisfied_pct:.1f}", r.flagged, int(r.small_sample),
                "" if r.target_met is None else int(r.target_met), *_ci(r), r.verdict]
    rows = [head]
    for r in model.summary.rows:
        # The name column holds a name only: an officer's from [report] officers (its label is "CB07 — Lê Văn C").
        name = (model.unit.officers.get(r.key, "") if model.by == "officer"
                else (r.label if r.label != r.key else ""))
        rows.append(line(r.key, name, r))
    rows.append(line("ALL", "", model.summary.total))
    for other in model.other_scales:  # on their own scale, in their own columns
        rows.append([])
        rows.append(["period", "counter", "name", *other.codes, "total", "satisfied", "satisfied_pct", "flagged",
                     "small_sample", "target_met", f"scale={other.scale}"])
        for r in [*other.table.rows, other.table.total]:
            rows.append([model.period.slug, safe_cell(r.key or "ALL"), safe_cell(r.label if r.key else ""),
                         *(r.levels[c] for c in other.codes), r.total, r.satisfied,
                         "" if r.satisfied_pct is None else f"{r.satisfied_pct:.1f}", r.flagged, int(r.small_sample),
                         "" if r.target_met is None else int(r.target_met)])
    return rows


def _ci(r: Row) -> list[str]:
    """The row's 95 % interval, one decimal ("" without counted votes)."""
    return ["" if v is None else f"{v:.1f}" for v in (r.ci_low, r.ci_high)]


def render_csv(model: ReportModel) -> bytes:
    """CSV bytes, UTF-8 with a BOM so that Excel reads Vietnamese."""
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(csv_rows(model))
    return buf.getvalue().encode(CSV_ENCODING)


def render_json(model: ReportModel) -> bytes:
    """The whole model as indented UTF-8 JSON."""
    return (json.dumps(model.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

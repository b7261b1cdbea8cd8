"""The report model rendered: one function, one format at a time (the renderers are imported when
asked for, so the kiosk's CLI starts without reportlab or xlsxwriter loaded)."""

from __future__ import annotations

from rating.report.model import ReportModel

FORMATS = ("xlsx", "pdf", "csv", "json")   # renderings of the report model


def render(model: ReportModel, fmt: str) -> bytes:
    """The model as ``fmt`` bytes: ``xlsx`` (the workbook), ``pdf``, ``csv`` (the Tổng hợp table, UTF-8
    with a BOM) or ``json`` (the whole model)."""
    if fmt == "xlsx":
        from rating.report.xlsx import render_xlsx
        return render_xlsx(model)
    if fmt == "pdf":
        from rating.report.pdf import render_pdf
        return render_pdf(model)
    if fmt == "csv":
        from rating.report.tabular import render_csv
        return render_csv(model)
    if fmt == "json":
        from rating.report.tabular import render_json
        return render_json(model)
    raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")

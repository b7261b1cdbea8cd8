"""Reports read from the service's database: totals (the kiosk's ``totals --json`` shape), chains,
and the CSV forms of both — every cell that came from a kiosk escaped so a spreadsheet never runs it."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Iterable, Sequence

from django.db import connections
from django.http import HttpResponse

from rating import totals as kiosk_totals
from rating.units import Counter
from rating.export import CSV_ENCODING, safe_cell, table_csv_rows
from rating.scales import SCALES, Scale
from rating.problems import Problem, Refused

from central import counter_names
from central.chains import chain_report
from central.access import kiosks_under
from central.source import Source
from central.models import Kiosk, Unit




def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel reads it as UTF-8), every cell escaped."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return buf.getvalue().encode(CSV_ENCODING, "backslashreplace")


def totals(alias: str, q: dict[str, str], d_from: date, d_to: date, label: str) -> dict[str, Any]:
    """Totals for ``/v1/reports/totals`` (see docs/sync-protocol.md)."""
    scale = SCALES[q.get("scale", "sipas5")]
    by = q.get("by", "counter")
    filters: dict[str, Any] = {}
    counters: list[Counter] = []
    source = Source(alias)
    if "kiosk" in q:
        if not Kiosk.objects.filter(id=q["kiosk"]).exists():
            raise Refused(Problem.NO_SUCH_KIOSK, kiosk=q["kiosk"])
        filters["kiosk_id"] = q["kiosk"]
        counters = [Counter(c, n) for (_, c), n in sorted(   # the period's names, not today's (issue 17)
            counter_names.names_in_force(source, [q["kiosk"]], d_from, d_to).items())]
    elif "centre" in q:
        unit = Unit.objects.filter(kind="centre", name=q["centre"]).first() or \
            Unit.objects.filter(id=q["centre"]).exclude(kind="city").first()
        ids = tuple(kiosks_under(unit)) if unit else ()
        if not ids:
            raise Refused(Problem.UNKNOWN_CENTRE, centre=q["centre"])
        filters["kiosk_id"] = ids
    for name, column in (("counter", "counter_id"), ("officer", "officer")):
        if name in q:
            filters[column] = q[name]
    result = kiosk_totals.period_totals(source, counters, scale, d_from, d_to, label, filters, by)
    covered = [q["kiosk"]] if "kiosk" in q else list(filters.get("kiosk_id", ())) or \
        sorted(Kiosk.objects.values_list("id", flat=True))
    with connections[alias].cursor() as cur:
        chains = [chain_report(cur, k, 100) for k in covered]
    issues = [{"kiosk_id": c["kiosk_id"], **i} for c in chains for i in c["issues"]]
    result["chain"] = {"ok": all(c["ok"] for c in chains), "issues": issues[:100],
                       "issues_total": sum(c["issues_total"] for c in chains)}
    for name in ("kiosk", "centre"):
        if name in q:
            result[name] = q[name]
    return result


def overview(alias: str, d_from: date, d_to: date, unit_ids: set[str] | None, min_n: int) -> dict[str, Any]:
    """``/v1/reports/overview``: each unit of the overview page (those in ``unit_ids``; None: all) with its N,
    rate, 95 % Wilson interval, target, verdict and rank (null below the minimum sample) — see
    docs/central.md. ``served`` (the served transactions) and ``response_pct`` (the counted votes of the days and
    counters those cover, per transaction: :class:`rating.rate.ResponseRate`) are null without served numbers."""
    from central.dashboard import overview as overview_rows
    units = []
    for row in overview_rows(Source(alias), d_from, d_to, unit_ids, min_n):
        r, target = row.rate, float(row.unit.target_pct)
        low, high = r.ci or (None, None)
        units.append({"unit": row.unit.id, "name": row.unit.name, "n": r.total, "satisfied_pct": r.pct,
                      "ci_low": low, "ci_high": high, "target_pct": target, "verdict": str(r.verdict(target, min_n)),
                      "uncertain": r.uncertain(target) and not r.small(min_n), "rank": row.rank,
                      "served": row.response.served, "response_pct": row.response.pct})
    return {"from": d_from.isoformat(), "to": d_to.isoformat(), "min_n": min_n, "units": units}


def totals_csv(result: dict[str, Any], scale: Scale, by: str, label: str) -> HttpResponse:
    """The totals as a CSV download."""
    response = HttpResponse(csv_bytes(table_csv_rows(result, scale, by)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="totals-{label}.csv"'
    return response


def chains(alias: str, kiosk: str | None) -> dict[str, Any]:
    """Every kiosk's chain (or one's), issues bounded per kiosk, and the refused conflicts."""
    if kiosk is not None and not Kiosk.objects.filter(id=kiosk).exists():
        raise Refused(Problem.NO_SUCH_KIOSK, kiosk=kiosk)
    ids = [kiosk] if kiosk else sorted(Kiosk.objects.values_list("id", flat=True))
    with connections[alias].cursor() as cur:
        kiosks = [chain_report(cur, k, 1000) for k in ids]
        sql = "SELECT kiosk_id, uuid, detail, at FROM conflicts" + (" WHERE kiosk_id = %s" if kiosk else "") + \
            " ORDER BY id DESC LIMIT 1000"
        cur.execute(sql, [kiosk] if kiosk else [])
        conflicts = [dict(zip(("kiosk_id", "uuid", "detail", "at"), r)) for r in cur.fetchall()]
    return {"kiosks": kiosks, "conflicts": conflicts}

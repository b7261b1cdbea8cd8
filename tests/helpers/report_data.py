"""Votes for the report tests, recorded through the real store, and the expected numbers computed
independently: plain sqlite3 over the raw rows and plain Python, none of rating.report's code."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REPORT_CONFIG = """
[report]
parent_unit = "UBND XÃ THỬ NGHIỆM"
unit = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
place = "Ninh Giang"
preparer = "Nguyễn Văn A"
head = "Trần Thị B"
target_pct = 90
officers = { CB07 = "Lê Văn C" }
"""
D_FROM, D_TO = date(2026, 11, 2), date(2026, 11, 8)   # Monday to Sunday
FLAGGED_ONLY_DAY = date(2026, 11, 6)
SCALE_CHANGE_DAY = date(2026, 11, 5)                  # from here on Q1 votes on onestop3 too


def _at(d: date, h: int, m: int, s: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, h, m, s, tzinfo=TZ)


def fill_rich(store) -> None:
    """A week at a centre with every case the report must get right.

    Q1 and Q2 take votes; Q3 takes none. 20 officers (CB01..CB20). Friday holds only one vote, a
    repeat flagged across midnight. From Thursday, some Q1 votes are on the onestop3 scale.
    Some votes are out of hours; some low ratings carry SIPAS reasons. Votes just outside the
    period (before and after) must not be counted.
    """
    levels = ("RHL", "HL", "RHL", "BT", "HL", "KHL", "RHL", "RKHL", "HL", "RHL", "RHL")
    n = 0
    store.record_vote("Q1", "RKHL", officer="CB01", at=_at(D_FROM - timedelta(days=1), 9, 0))  # before the period
    for d_index, day in enumerate((D_FROM + timedelta(days=i) for i in range(7))):
        if day in (FLAGGED_ONLY_DAY, D_TO):
            continue
        per_day = 37 if day != date(2026, 11, 7) else 9   # Saturday: a small sample
        for i in range(per_day):
            counter = "Q1" if i % 3 else "Q2"
            level = levels[(i + d_index) % len(levels)]
            at = _at(day, 7 + (i * 11) // per_day, (i * 7) % 60, 0) + timedelta(seconds=20 * i)
            officer = f"CB{(n % 20) + 1:02d}"
            scale = "sipas5"
            if day >= SCALE_CHANGE_DAY and counter == "Q1" and i % 4 == 0:
                scale, level = "onestop3", ("RHL", "HL", "KHL")[i % 3]
            vote = store.record_vote(counter, level, officer=officer, scale=scale, at=at,
                                     out_of_hours=(i == per_day - 1))
            if level in ("BT", "KHL", "RKHL") and i % 2 == 0:
                store.attach_reasons(vote.uuid, ["officer", "procedure"] if i % 4 == 0 else ["access"])
            n += 1
        # an impatient second press: flagged, not counted
        store.record_vote("Q2", "RHL", officer="CB03", at=_at(day, 16, 59, 50))
        store.record_vote("Q2", "RHL", officer="CB03", at=_at(day, 16, 59, 55))
    # Friday: only a repeat of Thursday's last-second vote, flagged across midnight.
    store.record_vote("Q2", "HL", officer="CB04", at=_at(FLAGGED_ONLY_DAY - timedelta(days=1), 23, 59, 58))
    store.record_vote("Q2", "HL", officer="CB04", at=_at(FLAGGED_ONLY_DAY, 0, 0, 2))
    store.record_vote("Q1", "HL", officer="CB01", at=_at(D_TO + timedelta(days=1), 9, 0))  # after the period


@dataclass
class Expected:
    """The numbers a correct report shows, from the raw rows."""

    rows: list[dict]
    levels: dict[str, dict[str, int]] = field(default_factory=dict)        # counter -> level -> n
    flagged: dict[str, int] = field(default_factory=dict)                  # counter -> n (report scale)
    officers: dict[str, dict[str, int]] = field(default_factory=dict)
    days: dict[str, dict[str, int]] = field(default_factory=dict)
    day_flagged: dict[str, int] = field(default_factory=dict)
    officer_flagged: dict[str, int] = field(default_factory=dict)
    other: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)   # scale -> counter -> level -> n
    hours: dict[tuple[int, int], list[int]] = field(default_factory=dict)       # (hour, weekday) -> [n, satisfied]
    reasons: dict[str, int] = field(default_factory=dict)
    digest: str = ""
    in_period: int = 0
    all_flagged: int = 0
    ooh: int = 0


def half_up(part: int, whole: int) -> float | None:
    """100·part/whole to one decimal, half up (Decimal, independent of the report's integer arithmetic)."""
    if not whole:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def expected(db_path: Path, d_from: date, d_to: date, scale: str = "sipas5") -> Expected:
    """Read every vote with sqlite3 and count what the report must show."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM votes ORDER BY kiosk_id, seq")]
    reasons = conn.execute("SELECT vote_uuid, element FROM vote_reasons").fetchall()
    conn.close()
    e = Expected(rows=[])
    nested = lambda: defaultdict(lambda: defaultdict(int))  # noqa: E731
    levels, officers, days, other = nested(), nested(), nested(), defaultdict(nested)
    flagged, day_flagged, hours = defaultdict(int), defaultdict(int), defaultdict(lambda: [0, 0])
    officer_flagged = defaultdict(int)
    counted_uuids = set()
    lines = []
    for r in rows:
        if not d_from.isoformat() <= r["local_date"] <= d_to.isoformat():
            continue
        e.rows.append(r)
        e.in_period += 1
        lines.append(r["hash"] + "\n")
        e.ooh += r["out_of_hours"]
        if r["flag"] is not None:
            e.all_flagged += 1
            if r["scale"] == scale:
                flagged[r["counter_id"]] += 1
                day_flagged[r["local_date"]] += 1
                officer_flagged[r["officer"] or ""] += 1
            continue
        if r["scale"] != scale:
            other[r["scale"]][r["counter_id"]][r["level"]] += 1
            continue
        counted_uuids.add(r["uuid"])
        levels[r["counter_id"]][r["level"]] += 1
        officers[r["officer"] or ""][r["level"]] += 1
        days[r["local_date"]][r["level"]] += 1
        cell = hours[(int(r["local_time"][11:13]), date.fromisoformat(r["local_date"]).weekday())]
        cell[0] += 1
        cell[1] += r["level"] in ("RHL", "HL")
    for uuid, element in reasons:
        if uuid in counted_uuids:
            e.reasons[element] = e.reasons.get(element, 0) + 1
    e.levels = {k: dict(v) for k, v in levels.items()}
    e.flagged = dict(flagged)
    e.officers = {k: dict(v) for k, v in officers.items()}
    e.days = {k: dict(v) for k, v in days.items()}
    e.day_flagged = dict(day_flagged)
    e.officer_flagged = dict(officer_flagged)
    e.other = {s: {c: dict(v) for c, v in cs.items()} for s, cs in other.items()}
    e.hours = dict(hours)
    e.digest = hashlib.sha256("".join(lines).encode()).hexdigest()
    return e


def summed(groups: dict[str, dict[str, int]]) -> dict[str, int]:
    """Level counts summed over groups."""
    out: dict[str, int] = defaultdict(int)
    for levels in groups.values():
        for code, n in levels.items():
            out[code] += n
    return dict(out)


def satisfied(levels: dict[str, int]) -> int:
    return levels.get("RHL", 0) + levels.get("HL", 0)

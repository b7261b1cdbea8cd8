"""The served-transactions CSV (issue 18): what a centre uploads on its page and what the one-stop system
posts to ``POST /v1/served`` — a header line ``date,kiosk,counter,served``, then one line a day, kiosk and
counter with the number of transactions served there. Parsing is pure (bytes in, rows and the refused
lines out); which kiosks and counters a sender may name is the service's business.

Every bad line is refused with its number (the header is line 1) and why, and all of them are listed, so
the sender fixes the file once: the service stores nothing of a file with a refused line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Sequence
from datetime import date

from rating.wire import KIOSK_ID_RE

HEADER = ("date", "kiosk", "counter", "served")
MAX_SERVED = 100_000       # transactions at one counter in one day: more is a typing slip
FIRST_DAY = date(2020, 1, 1)   # no kiosk rated anything before (the votes' own rule)
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class ServedRow:
    """One day's number of served transactions at one counter of one kiosk, and the line it came from."""

    day: date
    kiosk: str
    counter: str
    served: int
    line: int = 0


@dataclass(frozen=True)
class LineProblem:
    """A refused line: its number (the header is line 1) and why."""

    line: int
    reason: str

    def as_dict(self) -> dict:
        """``{"line": …, "reason": …}``, as the service answers it."""
        return {"line": self.line, "reason": self.reason}


def read_day(text: str) -> date:
    """A day written ``2026-11-22`` (ISO) or ``22/11/2026`` (as Vietnamese and their spreadsheets write it).
    Raises ValueError saying what was wrong."""
    m = _DMY.match(text)
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text[:20]!r} is not a day written YYYY-MM-DD (or dd/mm/yyyy)") from None


def read_row(fields: Sequence[str], line: int = 0, today: date | None = None) -> ServedRow:
    """One data line's fields as a row; ValueError saying what is wrong with it."""
    if len(fields) != len(HEADER):
        raise ValueError(f"{len(fields)} field(s); a line is {','.join(HEADER)}")
    day_text, kiosk, counter, served_text = (f.strip() for f in fields)
    day = read_day(day_text)
    if day < FIRST_DAY:
        raise ValueError(f"date {day.isoformat()} is before {FIRST_DAY.year}")
    if today is not None and day > today:
        raise ValueError(f"date {day.isoformat()} is after today ({today.isoformat()})")
    for name, value in (("kiosk", kiosk), ("counter", counter)):
        if not KIOSK_ID_RE.match(value):
            raise ValueError(f"{name} {value[:64]!r} is not an id (letters, digits, '.', '_', '-'; at most 64)")
    if not served_text.isascii() or not served_text.isdigit():
        raise ValueError(f"served {served_text[:20]!r} is not a whole number of transactions (0 or more)")
    served = int(served_text)
    if served > MAX_SERVED:
        raise ValueError(f"served {served} is more than {MAX_SERVED:,} transactions at one counter in a day")
    return ServedRow(day, kiosk, counter, served, line)


def parse(body: bytes, today: date | None = None) -> tuple[list[ServedRow], list[LineProblem]]:
    """The rows of a served CSV, and every refused line (none: the file is good). UTF-8, with or without
    Excel's BOM; blank lines are skipped; a day, kiosk and counter given twice is refused on its second
    line (which number would count?); a day after ``today`` is refused when ``today`` is given."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = body[:e.start].count(b"\n") + 1
        return [], [LineProblem(line, "not UTF-8 text: save the file as CSV UTF-8")]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[ServedRow] = []
    problems: list[LineProblem] = []
    seen: dict[tuple[date, str, str], int] = {}
    header_seen = False
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(LineProblem(start, f"cannot be read as CSV ({e})"))
            break   # the reader cannot go on past a broken quote or a NUL
        if not any(f.strip() for f in fields):
            continue
        if not header_seen:
            header_seen = True
            if tuple(f.strip().lower() for f in fields) != HEADER:
                problems.append(LineProblem(start, f"the first line must be the header {','.join(HEADER)}"))
            continue
        try:
            row = read_row(fields, start, today)
        except ValueError as e:
            problems.append(LineProblem(start, str(e)))
            continue
        key = (row.day, row.kiosk, row.counter)
        if key in seen:
            problems.append(LineProblem(start, f"{row.day.isoformat()}, kiosk {row.kiosk}, counter {row.counter} "
                                               f"is already on line {seen[key]}"))
            continue
        seen[key] = start
        rows.append(row)
    if not header_seen:
        problems.append(LineProblem(1, f"empty: the first line must be the header {','.join(HEADER)}"))
    return rows, problems

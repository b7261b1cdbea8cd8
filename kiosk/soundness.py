"""Refusing a damaged vote database before a command reads figures from it or writes to it.

SQLite reads only the pages a query needs, so a file damaged elsewhere still answers some queries: a
command would print a day's totals from a damaged file, or turn a questionnaire on in it (a write into
a file that should be kept as it is for inspection). ``PRAGMA quick_check`` reads every page once
(seconds on a year of votes; the indexes' contents are left to ``verify``'s full check).
"""

from __future__ import annotations

from .db import DAMAGED_HINT, StoreDamagedError


def refuse_if_damaged(store) -> None:
    """Raise :class:`kiosk.db.StoreDamagedError` (one line: the file, what SQLite found, what to do)
    when ``PRAGMA quick_check`` finds the store's file damaged; return quietly when it is sound."""
    found = store.quick_check()
    if found != ["ok"]:
        first = " ".join(found[0].split()) if found else "no answer"
        raise StoreDamagedError(f"{store.path}: the vote database is damaged ({first}) — {DAMAGED_HINT}")

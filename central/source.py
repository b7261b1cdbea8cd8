"""The report model's window on the service's database (:class:`rating.totals.VoteSource`)."""

from __future__ import annotations

from typing import Any, Sequence

from django.db import connections


class Source:
    """``query(sql, params)`` with ``?`` placeholders, as on the kiosk's store (the model's SQL is portable
    to SQLite and PostgreSQL). Demo votes are never counted here (docs/central.md): ``counts_demo`` tells
    the model and the totals to leave them out of their counts (:func:`rating.rate.count_filter`), as the
    roll-ups do; the chain's pass and the digest still read every vote, so a chain holding demo votes
    still checks whole."""

    counts_demo = False
    holds_back = True   # votes held back for their kiosk's clock (``votes.held_back``) are not counted either

    def __init__(self, alias: str = "default"):
        self.alias = alias

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run a read-only query; ``?`` becomes the driver's ``%s`` (literal ``%`` doubled first)."""
        with connections[self.alias].cursor() as cur:
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))
            return cur.fetchall()

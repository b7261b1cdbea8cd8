"""Each kiosk's satisfaction rate per period, read from the roll-ups and kept between requests: what the
overview and the alerts read (the rate itself, and which votes count, is :mod:`rating.rate`)."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from datetime import date
from typing import Any

from rating.rate import Rate, Rule

from central.source import Source

SCALE = "sipas5"   # the scale the service reports on: the II.7 report, the pages, /v1/reports/totals' default


def _in(ids: list[str]) -> str:
    return ", ".join("?" * len(ids))


def rates_by_kiosk(source: Source, kiosks: list[str] | None, d_from: date, d_to: date) -> dict[str, Rate]:
    """Each kiosk's rate over the period: the database adds up each kiosk's votes per scale, level and
    flag (``kiosk_days``, the overview's small roll-up), :class:`rating.rate.Rule` says which count —
    votes on another scale than :data:`SCALE` are left apart, as in the II.7 report."""
    sql = "SELECT kiosk_id, scale, level, flagged, sum(n) FROM kiosk_days WHERE local_date BETWEEN ? AND ?"
    params: list[Any] = [d_from.isoformat(), d_to.isoformat()]
    if kiosks is not None:
        if not kiosks:
            return {}
        sql += f" AND kiosk_id IN ({_in(kiosks)})"
        params += kiosks
    rule = Rule(SCALE)
    out: dict[str, Rate] = defaultdict(Rate)
    for k, scale, level, flagged, n in source.query(sql + " GROUP BY kiosk_id, scale, level, flagged", params):
        out[k].add(rule.kind(scale, flagged), level, int(n))
    return dict(out)


class _RateCache:
    """Each kiosk's rate per period, kept in this process and checked against the number of votes the
    kiosk holds (``chain_state.votes``, moved by every ingest that adds votes): a kiosk that synced since
    is added up again, the others are not — so the year's overview reads only the kiosks that changed.
    Roll-up rows change only when votes are added (votes are never edited), so that count is the
    version. Bounded (oldest periods dropped first); each gunicorn worker has its own."""

    MAX = 20_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, tuple[int, Rate]] = OrderedDict()

    def rates(self, source: Source, d_from: date, d_to: date) -> dict[str, Rate]:
        """Every kiosk's rate over the period (kiosks without votes in it left out)."""
        # The version: the votes a kiosk holds, less those held back (a release counts them: the version moves
        # in every worker, not only in the one that released them).
        versions = {k: int(v) for k, v in source.query(
            "SELECT c.kiosk_id, c.votes - (SELECT count(*) FROM votes v WHERE v.kiosk_id = c.kiosk_id "
            "AND v.held_back IS NOT NULL) FROM chain_state c")}
        period = (source.alias, d_from.isoformat(), d_to.isoformat())
        out: dict[str, Rate] = {}
        with self._lock:
            for k, version in versions.items():
                hit = self._items.get((*period, k))
                if hit is not None and hit[0] == version:
                    out[k] = hit[1]
        stale = sorted(set(versions) - set(out))
        if stale:
            # All at once when most changed (one range scan), else only the changed kiosks.
            fresh = rates_by_kiosk(source, None if len(stale) > len(versions) // 2 else stale, d_from, d_to)
            with self._lock:
                for k in stale:
                    rate = fresh.get(k, Rate())
                    out[k] = rate
                    self._items[(*period, k)] = (versions[k], rate)
                while len(self._items) > self.MAX:
                    self._items.popitem(last=False)
        return {k: r for k, r in out.items() if r.total or r.flagged}

    def clear(self) -> None:
        """Forget everything (after roll-ups are rebuilt behind the ingest's back)."""
        with self._lock:
            self._items.clear()


RATES = _RateCache()

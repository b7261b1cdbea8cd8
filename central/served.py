"""Served transactions (issue 18): stored from the page's grid, a CSV uploaded on the page or ``POST
/v1/served``; the communes' tokens for that endpoint; and the response rate's figures read back for the
pages, the overview report and the II.7 model (which votes count and the rate itself: :mod:`rating.rate`).

A number is per day, kiosk and counter; a new number for the same three replaces the old one, so posting
the same file twice changes nothing. A sender names only kiosks it may see and counters those kiosks have
sent (a counter the kiosks do not know would never meet a vote: refused, not stored to mislead).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Sequence

from django.db import IntegrityError, transaction

from rating.rate import Kind, ResponseRate, Rule
from rating.served import LineProblem, ServedRow

from central.access import kiosks_under
from central.models import ServedCount, ServedToken, Unit
from central.rates import SCALE
from central.source import Source

TOKEN_PREFIX = "svd_"   # says what a token is for, when one turns up in a script or a log


class ServedRefusal(ValueError):
    """A token or a number that cannot be made as asked, and why (one line)."""


class Busy(Exception):
    """Another request stored numbers of the same day, kiosk and counter meanwhile: send again."""


# --- tokens ------------------------------------------------------------------------------------------

def digest(token: str) -> str:
    """What is kept of a token: its SHA-256 (a token is 32 random bytes: no dictionary to hash against)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_token(unit: Unit, by: str, now: datetime, label: str = "") -> str:
    """A new token for a commune's one-stop system: returned once, only its digest kept."""
    if unit.kind != "commune":
        raise ServedRefusal(f"{unit.id!r} is a {unit.kind}: a served token belongs to a commune")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ServedToken.objects.create(unit=unit, digest=digest(token), label=label[:100], created_by=by[:150], created_at=now)
    return token


def token_unit(given: str, now: datetime) -> tuple[ServedToken, Unit] | None:
    """The token and commune of a token given in a request, or None (unknown, revoked or malformed)."""
    if not given.startswith(TOKEN_PREFIX) or len(given) > 200:
        return None
    wanted = digest(given)
    token = ServedToken.objects.filter(digest=wanted, revoked_at__isnull=True).select_related("unit").first()
    # The lookup is by digest (an index); compare again in constant time all the same.
    if token is None or not hmac.compare_digest(token.digest, wanted):
        return None
    ServedToken.objects.filter(id=token.id).update(last_used_at=now)
    return token, token.unit


def revoke(unit: Unit, token_id: int, now: datetime) -> bool:
    """Revoke one of a commune's tokens; False when it has no such live token."""
    return ServedToken.objects.filter(id=token_id, unit=unit, revoked_at__isnull=True).update(revoked_at=now) == 1


# --- what a sender may name --------------------------------------------------------------------------

def scope_of(source: Source, unit: Unit) -> dict[str, list[str]]:
    """The kiosks below ``unit`` and the counters each has sent: what a sender for it may name."""
    kiosks = kiosks_under(unit)
    out: dict[str, list[str]] = {k: [] for k in kiosks}
    if kiosks:
        for k, c in source.query(f"SELECT kiosk_id, counter_id FROM counters WHERE kiosk_id IN "
                                 f"({', '.join('?' * len(kiosks))}) ORDER BY kiosk_id, counter_id", kiosks):
            out[k].append(c)
    return out


def out_of_scope(rows: Iterable[ServedRow], scope: dict[str, list[str]], unit: Unit) -> list[LineProblem]:
    """A line for each row naming a kiosk outside ``scope`` (another commune's reads as unknown: a sender
    learns nothing of other communes) or a counter its kiosk has not sent."""
    problems = []
    for row in rows:
        if row.kiosk not in scope:
            problems.append(LineProblem(row.line, f"kiosk {row.kiosk!r} is not a kiosk of {unit.name}"))
        elif row.counter not in scope[row.kiosk]:
            known = ", ".join(scope[row.kiosk]) or "none yet: the kiosk has not synced"
            problems.append(LineProblem(row.line, f"counter {row.counter!r} is not a counter of kiosk {row.kiosk} "
                                                  f"(its counters: {known})"))
    return problems


# --- storing -------------------------------------------------------------------------------------------

@dataclass
class Stored:
    """What a store did: numbers new to the service, and numbers that replaced an earlier one."""
    stored: int = 0
    replaced: int = 0


def store(alias: str, rows: Sequence[ServedRow], via: str, by: str, now: datetime) -> Stored:
    """Store the numbers, replacing any held for the same day, kiosk and counter, in one transaction."""
    done = Stored()
    if not rows:
        return done
    days = sorted(r.day.isoformat() for r in rows)
    try:
        with transaction.atomic(using=alias):
            held = {(s.kiosk_id, s.local_date, s.counter_id): s for s in ServedCount.objects.using(alias).filter(
                kiosk_id__in={r.kiosk for r in rows}, local_date__range=(days[0], days[-1]))}
            new, changed = [], []
            for r in rows:
                s = held.get((r.kiosk, r.day.isoformat(), r.counter))
                if s is None:
                    new.append(ServedCount(kiosk_id=r.kiosk, local_date=r.day.isoformat(), counter_id=r.counter,
                                           served=r.served, via=via, updated_by=by[:150], updated_at=now))
                else:
                    s.served, s.via, s.updated_by, s.updated_at = r.served, via, by[:150], now
                    changed.append(s)
            ServedCount.objects.using(alias).bulk_create(new, batch_size=500)
            ServedCount.objects.using(alias).bulk_update(changed, ["served", "via", "updated_by", "updated_at"],
                                                         batch_size=500)
    except IntegrityError:   # the same key stored by another request between our read and our insert
        raise Busy() from None
    done.stored, done.replaced = len(new), len(changed)
    return done


# --- reading -------------------------------------------------------------------------------------------

def _in(ids: Sequence[str]) -> str:
    return ", ".join("?" * len(ids))


def response_rates(source: Source, kiosks: Sequence[str] | None, d_from: date, d_to: date,
                   by_counter: bool = False) -> dict:
    """Each kiosk's (or, ``by_counter``, each (kiosk, counter)'s) :class:`rating.rate.ResponseRate` over the
    period: its served numbers, and the votes counted (:class:`rating.rate.Rule`, the roll-ups' votes: no demo,
    none held back) on the days and counters those numbers cover. Kiosks without a number are left out."""
    where = "s.local_date BETWEEN ? AND ?"
    params: list = [d_from.isoformat(), d_to.isoformat()]
    if kiosks is not None:
        if not kiosks:
            return {}
        where += f" AND s.kiosk_id IN ({_in(kiosks)})"
        params += list(kiosks)
    key = "s.kiosk_id, s.counter_id" if by_counter else "s.kiosk_id"
    width = 2 if by_counter else 1
    out: dict = defaultdict(ResponseRate)
    for *k, n in source.query(f"SELECT {key}, sum(s.served) FROM served_counts s WHERE {where} GROUP BY {key}", params):
        out[tuple(k) if by_counter else k[0]].served = int(n)
    if not out:
        return {}
    rule = Rule(SCALE)
    # The votes of the covered cells: the roll-up's rows of each (kiosk, day, counter) that has a number.
    for row in source.query(
            f"SELECT {key}, d.scale, d.level, d.flagged, sum(d.n) FROM served_counts s JOIN daily_totals d "
            f"ON d.kiosk_id = s.kiosk_id AND d.local_date = s.local_date AND d.counter_id = s.counter_id "
            f"WHERE {where} GROUP BY {key}, d.scale, d.level, d.flagged", params):
        k, (scale, level, flagged, n) = row[:width], row[width:]
        if rule.kind(scale, flagged) is Kind.COUNTED:
            out[tuple(k) if by_counter else k[0]].votes += int(n)
    return dict(out)


def cells(source: Source, kiosks: Sequence[str], d_from: date, d_to: date) -> dict[tuple[str, str, str], int]:
    """Every served number of the kiosks over the period: (kiosk, day, counter) -> transactions (the II.7
    model meets them with its own votes)."""
    if not kiosks:
        return {}
    return {(k, d, c): int(n) for k, d, c, n in source.query(
        f"SELECT kiosk_id, local_date, counter_id, served FROM served_counts WHERE kiosk_id IN ({_in(kiosks)}) "
        "AND local_date BETWEEN ? AND ?", [*kiosks, d_from.isoformat(), d_to.isoformat()])}

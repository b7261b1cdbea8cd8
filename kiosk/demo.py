"""Realistic synthetic votes for demos and benchmarks, written through the real store code."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, time, timedelta
from typing import Any, Iterator, Sequence

from .config import Counter
from .flow import LOW_LEVELS
from rating.scales import Scale
from rating.sipas import ELEMENTS
from .store import VoteStore

# Office hours of a commune centre: mornings and afternoons, Monday to Friday, Saturday morning.
_SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
_SATURDAY = ((time(7, 30), time(11, 30)),)
# Weights best to worst: centres see mostly satisfied citizens, a few unhappy ones.
_WEIGHTS = {"RHL": 55, "HL": 30, "BT": 8, "KHL": 5, "RKHL": 2}
_REPEAT_RATE = 0.01  # an impatient second press seconds later: stored, flagged
# After a low rating the touch screen asks, optionally, what was wrong: the less happy, the likelier an
# answer. Of the SIPAS elements, procedures and officers are cited most (the order of ELEMENTS).
_REASON_RATE = {"RKHL": 0.8, "KHL": 0.65, "BT": 0.35}
_ELEMENT_WEIGHTS = {"access": 2, "procedure": 5, "officer": 4, "result": 3, "feedback": 1}
assert set(_REASON_RATE) == LOW_LEVELS and set(_ELEMENT_WEIGHTS) == set(ELEMENTS)


class RealVotesPresent(Exception):
    """demo-data refuses to mix synthetic votes into a database that holds real ones."""


class RealCentre(RealVotesPresent):
    """demo-data refuses a real centre's store, even before its first vote: its votes are evidence
    (reports, sync), and a demo vote there would be filed with them."""


def refuse_real_centre(config) -> None:
    """Raise :class:`RealCentre` unless ``config`` is the embedded demo centre (or a rehearsal), whose
    store is kept apart and whose votes are all demo votes."""
    if not getattr(config, "is_demo", False):
        raise RealCentre(
            f"{config.db_path} is the vote store of a real centre ({config.centre}, from {config.source}); "
            "demo votes would be filed and synced with its evidence. Run demo-data without --config (and "
            "without $KIOSK_CONFIG): the embedded demo centre keeps its votes apart, in data/demo; or add --rehearsal "
            "to preview this centre with demo votes in its rehearsal store (never synced, never filed)")


def demo_votes(counters: Sequence[Counter], scale: Scale, tz, days: int, per_day: int, seed: int | None,
               end: datetime) -> Iterator[dict[str, Any]]:
    """Yield synthetic votes in time order for ``days`` calendar days ending on ``end``'s date.

    Weekdays get about ``per_day`` votes, Saturdays about a third, Sundays none; nothing is timed
    after ``end``.
    """
    rng = random.Random(seed)
    codes = list(scale.codes)
    cum_weights = list(itertools.accumulate(_WEIGHTS[c] for c in codes))
    officers = {c.id: [f"{c.id}-CB{n}" for n in (1, 2)] for c in counters}
    first = end.date() - timedelta(days=days - 1)
    for offset in range(days):
        day = first + timedelta(days=offset)
        weekday = day.weekday()
        if weekday == 6:
            continue
        sessions = _SATURDAY if weekday == 5 else _SESSIONS
        n = per_day if weekday < 5 else per_day // 3
        seconds = [(s, e) for s, e in ((datetime.combine(day, s, tz), datetime.combine(day, e, tz)) for s, e in sessions)]
        span = sum((e - s).total_seconds() for s, e in seconds)
        stamps = sorted(rng.random() * span for _ in range(n))
        for t in stamps:
            at = _at(seconds, t)
            if at > end:
                return
            counter = rng.choice(counters).id
            vote = {"counter_id": counter, "level": rng.choices(codes, cum_weights=cum_weights)[0], "source": "demo",
                    "officer": officers[counter][0 if at.hour < 12 else 1], "at": at}
            yield vote
            if rng.random() < _REPEAT_RATE:
                yield {**vote, "at": at + timedelta(seconds=rng.uniform(1, 5))}


def _at(sessions: list[tuple[datetime, datetime]], t: float) -> datetime:
    for start, end in sessions:
        length = (end - start).total_seconds()
        if t < length:
            return start + timedelta(seconds=t)
        t -= length
    return sessions[-1][1]


def generate(store: VoteStore, counters: Sequence[Counter], scale: Scale, days: int, per_day: int,
             seed: int | None = None, end: datetime | None = None) -> int:
    """Write demo votes into ``store``; return how many. Refuses a real centre's store (one not opened
    for the demo centre or a rehearsal) and a store that holds real votes."""
    if days < 1 or per_day < 0:
        raise ValueError("--days must be at least 1 and --per-day at least 0")
    if not store.demo:
        raise RealCentre(f"{store.path} is not a demo store: demo votes would be filed with a real centre's "
                         "evidence. Open the embedded demo centre's store (no configuration) for demo data")
    real = store.real_vote_count()
    if real:
        raise RealVotesPresent(f"{store.path} holds {real} real vote(s); demo votes would be counted as "
                               "evidence. Use a configuration with its own data_dir for demos.")
    end = end or datetime.now(store.tz)
    head = store.count()  # seq runs 1, 2, 3… without gaps (the hash chain): the last vote's seq
    n = store.record_votes(demo_votes(counters, scale, store.tz, days, per_day, seed, end))
    demo_reasons(store, head, seed)
    return n


def demo_reasons(store: VoteStore, after_seq: int, seed: int | None) -> int:
    """Attach reasons to a share of the low ratings stored after vote ``after_seq`` (not to flagged
    repeats, which the reports never count), one :meth:`VoteStore.attach_reasons` a vote, as the touch
    screen does after a citizen ticks what was wrong. Returns how many votes got reasons."""
    rng = random.Random(None if seed is None else f"reasons-{seed}")
    elements, weights = list(_ELEMENT_WEIGHTS), list(_ELEMENT_WEIGHTS.values())
    given = 0
    # Through the store's API, not SQL (only the store's own modules touch its tables); iter_votes reads a
    # batch at a time and holds no cursor open, so reasons may be written between batches.
    for vote in store.iter_votes(after_seq):
        if vote.flag is not None or vote.level not in LOW_LEVELS or rng.random() >= _REASON_RATE[vote.level]:
            continue  # not asked, or skipped the question; most who answer tick one element, some two
        picked = {rng.choices(elements, weights)[0] for _ in range(1 if rng.random() < 0.7 else 2)}
        store.attach_reasons(vote.uuid, [e for e in elements if e in picked])
        given += 1
    return given

"""The units votes are filed under: a centre's counters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Counter:
    """A service counter (quầy) that votes are recorded for."""

    id: str
    name: str

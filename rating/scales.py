"""Rating scales: the levels a citizen can choose, in order from best to worst.

A vote stores a level code and the id of the scale it was cast on. Scales are never converted
into one another: an "HL" on a three-level device is not the same answer as an "HL" on the
five-level SIPAS scale. What every scale shares is the definition of *satisfied*: RHL + HL.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    """One answer on a scale. ``order`` is 1 for the best answer (key 1 on a button box)."""

    code: str
    vi: str
    en: str
    order: int

    @property
    def satisfied(self) -> bool:
        """True for the two levels that count as satisfied on every scale."""
        return self.code in SATISFIED_CODES


@dataclass(frozen=True)
class Scale:
    """An ordered set of levels, best first."""

    id: str
    name_vi: str
    name_en: str
    levels: tuple[Level, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """Level codes, best first."""
        return tuple(level.code for level in self.levels)

    def level(self, code: str) -> Level:
        """The level with this code; ``KeyError`` naming the scale if it has none."""
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(f"level {code!r} is not on scale {self.id!r} (levels: {', '.join(self.codes)})")

    def by_key(self, key: int) -> Level:
        """The level for a 1-based key number, key 1 being the best rating."""
        if not 1 <= key <= len(self.levels):
            raise KeyError(f"key {key} is out of range 1-{len(self.levels)} for scale {self.id!r}")
        return self.levels[key - 1]


SATISFIED_CODES = frozenset({"RHL", "HL"})

_LABELS = {
    "RHL": ("Rất hài lòng", "Very satisfied"),
    "HL": ("Hài lòng", "Satisfied"),
    "BT": ("Bình thường", "Neutral"),
    "KHL": ("Không hài lòng", "Dissatisfied"),
    "RKHL": ("Rất không hài lòng", "Very dissatisfied"),
}


def _scale(scale_id: str, name_vi: str, name_en: str, codes: tuple[str, ...]) -> Scale:
    levels = tuple(Level(code, *_LABELS[code], order=i + 1) for i, code in enumerate(codes))
    return Scale(scale_id, name_vi, name_en, levels)


SCALES: dict[str, Scale] = {
    s.id: s
    for s in (
        _scale("sipas5", "Thang 5 mức (SIPAS)", "Five levels (SIPAS)", ("RHL", "HL", "BT", "KHL", "RKHL")),
        _scale("onestop3", "Thang 3 mức (một cửa)", "Three levels (one-stop)", ("RHL", "HL", "KHL")),
        _scale("smiley4", "Thang 4 mức (không trung lập)", "Four levels (no neutral)", ("RHL", "HL", "KHL", "RKHL")),
    )
}


def get_scale(scale_id: str) -> Scale:
    """The scale with this id; ``KeyError`` listing the known ids otherwise."""
    try:
        return SCALES[scale_id]
    except KeyError:
        raise KeyError(f"unknown scale {scale_id!r} (known: {', '.join(SCALES)})") from None

"""A questionnaire as the rest of the code sees it: elements, questions in the order asked, channels.

Three kinds of question:

- ``scale`` — a satisfaction question on a rating scale (``sipas5`` by default), in one element;
  these are the ones the analysis counts;
- ``profile`` — an anonymous profile question (age band, gender, area) with its own choices;
- ``text`` — the closing free-text question, shown only on channels where a citizen can type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rating.scales import Scale

CHANNELS = ("kiosk", "phone", "paper")
# Where a citizen can write words: on a phone's keyboard, or by hand on the paper form (typed in at the
# office). The kiosk has only big buttons and a keypad.
TYPING_CHANNELS = ("phone", "paper")
PROFILE_KINDS = ("age_band", "gender", "area")


@dataclass(frozen=True)
class Element:
    """A group of questions; its index is the mean of its questions' satisfied shares.

    ``in_index`` is False for a group (such as the overall question) reported on its own but left
    out of the questionnaire's overall index, which is the mean of the other elements.
    """

    id: str
    vi: str
    en: str
    in_index: bool = True


@dataclass(frozen=True)
class Choice:
    """One answer a citizen can pick: a code (stored) and its labels."""

    code: str
    vi: str
    en: str


@dataclass(frozen=True)
class Question:
    """One question. ``choices`` are best first for a scale question; empty for free text."""

    id: str
    kind: str                      # "scale" | "profile" | "text"
    vi: str
    en: str
    element: str | None            # scale questions only
    choices: tuple[Choice, ...]
    channels: tuple[str, ...]
    scale: Scale | None = None     # scale questions only
    profile_kind: str | None = None
    max_length: int | None = None  # text questions only

    @property
    def codes(self) -> tuple[str, ...]:
        """The choice codes in key order (key 1 = the first, the best on a scale)."""
        return tuple(c.code for c in self.choices)

    def choice_for_key(self, digit: int) -> str | None:
        """The choice a keypad digit gives (a contract): N is the N-th choice, so 1 is the best; 0 skips (None).

        ``KeyError`` for a digit with no choice (nothing is answered); a free-text question has none.
        """
        if digit == 0:
            return None
        if not 1 <= digit <= len(self.choices):
            raise KeyError(f"key {digit} has no choice on question {self.id!r} (keys 1-{len(self.choices)}, 0 skips)")
        return self.choices[digit - 1].code

    def text(self, lang: str = "vi") -> str:
        """The question's wording in Vietnamese (``vi``) or English (``en``)."""
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire. ``definition_hash`` identifies its content (not its formatting)."""

    id: str
    version: int
    title_vi: str
    title_en: str
    intro_vi: str
    intro_en: str
    elements: tuple[Element, ...]
    questions: tuple[Question, ...]
    definition_hash: str
    definition: str                # canonical JSON of the file's content: what the hash is taken over
    source: str = "<text>"
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({q.id: q for q in self.questions})

    @property
    def key(self) -> tuple[str, int]:
        """``(id, version)``: what answers are filed under."""
        return (self.id, self.version)

    def question(self, question_id: str) -> Question:
        """The question with this id; ``KeyError`` naming the questionnaire otherwise."""
        try:
            return self._by_id[question_id]
        except KeyError:
            raise KeyError(f"questionnaire {self.id} v{self.version} has no question {question_id!r}") from None

    def scale_questions(self) -> tuple[Question, ...]:
        """The satisfaction questions, in the order asked: what the analysis counts."""
        return tuple(q for q in self.questions if q.kind == "scale")

    def for_channel(self, channel: str) -> tuple[Question, ...]:
        """The questions a channel shows, in the order asked."""
        return tuple(q for q in self.questions if channel in q.channels)

    def asked(self, channel: str = "kiosk") -> int:
        """How many questions a citizen on ``channel`` is asked: the one count the invitation ("… 21 câu
        hỏi?"), the progress ("Câu 3/21"), ``questionnaire list`` and the README give.

        Every question the channel shows counts: the satisfaction questions, the anonymous profile ones
        (age band, gender, area: asked on a screen of their own and skippable like any other) and, on a
        channel where a citizen can type, the closing free-text one (never at the kiosk)."""
        return len(self.for_channel(channel))

    def asked_by_channel(self) -> dict[str, int]:
        """:meth:`asked` for every channel, in :data:`CHANNELS` order."""
        return {channel: self.asked(channel) for channel in CHANNELS}

    def element(self, element_id: str) -> Element:
        """The element with this id."""
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(f"questionnaire {self.id} has no element {element_id!r}")

    def title(self, lang: str = "vi") -> str:
        """The title in Vietnamese or English."""
        return self.title_vi if lang == "vi" else self.title_en

    def as_contract(self) -> dict[str, Any]:
        """The ``questionnaire show --json`` shape (a contract): questions in the order asked,
        choices in key order. ``kind``, ``text_en`` and ``channels`` are added beside the contract's keys."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title_vi,
            "questions": [
                {"id": q.id, "element": q.element, "text": q.vi, "choices": list(q.codes),
                 "kind": q.kind, "text_en": q.en, "channels": list(q.channels)}
                for q in self.questions
            ],
        }

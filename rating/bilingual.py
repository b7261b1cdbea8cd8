"""Words in Vietnamese and English under keys: the one way every catalogue of the kiosk's screens and of
the central service's pages is looked up.

Each catalogue keeps its own texts (the citizen's screens, the manager's, the service's pages, the
questionnaire pages); this module only says how a text is found and filled in. Vietnamese is the
default: any language but ``en`` reads Vietnamese, so a text is never missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

LANGUAGES = ("vi", "en")


def in_language(pair: tuple[str, str], lang: str) -> str:
    """The English of a ``(vi, en)`` pair when ``lang`` is ``en``, else the Vietnamese."""
    vi, en = pair
    return en if lang == "en" else vi


class Texts(Mapping[str, tuple[str, str]]):
    """A catalogue: key → ``(vi, en)``. Read it as a mapping of pairs (for checks over every text) or
    look one up in a language with :meth:`text`."""

    def __init__(self, pairs: Mapping[str, tuple[str, str]]):
        self._pairs = dict(pairs)

    def __getitem__(self, key: str) -> tuple[str, str]:
        return self._pairs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def text(self, key: str, lang: str = "vi", **values) -> str:
        """The text ``key`` in ``lang``, its ``{placeholders}`` filled from ``values`` (a text looked up
        without values is returned as written, braces and all)."""
        text = in_language(self._pairs[key], lang)
        return text.format(**values) if values else text

    def in_language(self, lang: str) -> dict[str, str]:
        """Every text in ``lang``, by key (for a template that reads many)."""
        return {key: in_language(pair, lang) for key, pair in self._pairs.items()}

    def joined(self, other: Mapping[str, tuple[str, str]]) -> Texts:
        """This catalogue and ``other`` as one; a key both define differently is refused (each text is
        defined once)."""
        clash = sorted(k for k in other if k in self._pairs and self._pairs[k] != other[k])
        if clash:
            raise ValueError(f"texts defined twice: {clash}")
        return Texts({**self._pairs, **other})

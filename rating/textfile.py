"""Reading a UTF-8 text file (TOML) and finding the line of a key in it, so errors say where to look.

Shared by the kiosk's configuration and the questionnaire files."""

from __future__ import annotations

import re
from pathlib import Path


class Locator:
    """Finds the line of a key in the TOML text, so that errors can say where to look."""

    _header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    _key = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def line_of(self, section: str, index: int | None, key: str | None) -> int | None:
        current, seen = None, {}
        for n, line in enumerate(self.lines, start=1):
            m = self._header.match(line)
            if m:
                current = m.group(2)
                seen[current] = seen.get(current, -1) + 1
                if key is None and current == section and (index is None or seen[current] == index):
                    return n
                continue
            here = current == section and (index is None or seen.get(current) == index)
            if key is not None and here:
                km = self._key.match(line)
                if km and km.group(1) == key:
                    return n
        return None


def read_text_file(p: Path, error: type[Exception]) -> str:
    """A UTF-8 file's text; ``error(file, [problem])`` says what went wrong (missing, not UTF-8, unreadable).
    Shared by the kiosk's configuration and the questionnaire files."""
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(str(p), ["file not found"]) from None
    except UnicodeDecodeError as e:
        raise error(str(p), [f"not UTF-8 text (byte {e.start})"]) from None
    except OSError as e:
        raise error(str(p), [f"cannot read: {e.strerror}"]) from None

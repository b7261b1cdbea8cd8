"""The last good copy of the managed settings (issue 17): ``<data_dir>/managed-settings.toml``.

The kiosk writes it (atomically) only after a version checked out whole (:mod:`kiosk.managed`), and its
configuration's loader lays it over the device's own file at every start — so a kiosk that starts
offline runs the settings it last accepted. The file is the kiosk TOML's own sections plus a
``[managed]`` table with the version and when it came::

    [managed]
    version = "7"
    received_at = "2026-11-23T09:15:00+07:00"

    [[counters]]
    id = "Q1"
    name = "Quầy 1 — Tư pháp"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rating.managed import MANAGED_FILE, META_SECTION

from .tomlfile import atomic_write, to_toml


@dataclass(frozen=True)
class Copy:
    """A copy read back: its version and its fragment (the kiosk TOML's sections)."""
    version: str
    fragment: dict[str, Any]


class CopyUnreadable(ValueError):
    """The copy on disk cannot be read (the message says why); the device's own file is used instead."""


def path_in(data_dir: Path) -> Path:
    """Where the copy lives."""
    return Path(data_dir) / MANAGED_FILE


def read(data_dir: Path) -> Copy | None:
    """The copy in ``data_dir``, or None when there is none; :class:`CopyUnreadable` when it is damaged."""
    path = path_in(data_dir)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise CopyUnreadable(f"{path}: {e}") from None
    meta = raw.pop(META_SECTION, None)
    version = meta.get("version") if isinstance(meta, dict) else None
    if not isinstance(version, str) or not version:
        raise CopyUnreadable(f"{path}: no [{META_SECTION}] version")
    return Copy(version, raw)


def write(data_dir: Path, version: str, fragment: dict[str, Any], received_at: str) -> Path:
    """Replace the copy, whole or not at all (a temporary file, fsync, rename); return its path."""
    path = path_in(data_dir)
    text = ("# The managed settings this kiosk last accepted from the central service (issue 17).\n"
            "# Written by the kiosk; laid over its own configuration at start. Do not edit: the service's\n"
            "# next version replaces it. Change the settings on the service's settings page.\n\n"
            + to_toml({META_SECTION: {"version": version, "received_at": received_at}})
            + "\n" + to_toml(fragment))
    st = Path(data_dir).stat()
    atomic_write(path, text.encode("utf-8"), 0o640, (st.st_uid, st.st_gid))
    return path


def remove(data_dir: Path) -> None:
    """Forget the copy (the service manages nothing for this kiosk any more)."""
    try:
        os.unlink(path_in(data_dir))
    except FileNotFoundError:
        pass

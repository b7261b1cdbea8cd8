"""Writing a kiosk's TOML files: a small writer for the configuration's value types, and an atomic write.

Used by enrolment (:mod:`kiosk.enrolled`) and by the managed settings' last good copy
(:mod:`kiosk.settings_copy`). It imports nothing of the kiosk, so that the configuration's loader may use it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

# Sections in the order a person reads them (kiosk.config's sections).
SECTIONS = ("kiosk", "counters", "button_boxes", "sync", "manager", "questionnaire", "report", "backup")


def atomic_write(path: Path, data: bytes, mode: int, owner: tuple[int, int]) -> None:
    """Write ``data`` to ``path`` as a whole or not at all, with ``mode`` from the start (never a moment
    readable by others), owned like the configuration (enrol run with sudo still leaves the kiosk's files)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fchmod(fd, mode)
        if os.geteuid() == 0:
            os.fchown(fd, *owner)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --- a small TOML writer: the kiosk configuration's value types only ----------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+\Z")


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)   # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"a configuration value cannot be {type(v).__name__}")


def to_toml(raw: dict[str, Any]) -> str:
    """Tables as ``[section]``, arrays of tables as ``[[section]]``, in :data:`SECTIONS` order."""
    out: list[str] = []
    for section in sorted(raw, key=lambda s: SECTIONS.index(s) if s in SECTIONS else len(SECTIONS)):
        value = raw[section]
        if isinstance(value, list):
            for item in value:
                out.append(f"[[{_key(section)}]]")
                out.extend(f"{_key(k)} = {_value(v)}" for k, v in item.items())
                out.append("")
        elif isinstance(value, dict):
            out.append(f"[{_key(section)}]")
            out.extend(f"{_key(k)} = {_value(v)}" for k, v in value.items())
            out.append("")
    return "\n".join(out)

"""A small TOML writer for the kiosk configuration's value types (tables, arrays of tables, strings,
numbers, booleans, lists and inline tables). The kiosk writes its configuration and the managed settings'
copy with it; the service shows a fragment of managed settings with it (rating.managed).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Sections in the order a person reads them (kiosk.config's sections).
SECTIONS = ("kiosk", "counters", "button_boxes", "sync", "manager", "questionnaire", "report", "backup")


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

"""Managed settings (issue 17): the part of a kiosk's configuration the central service may set, and the
one set of rules both ends check it with.

The kiosk's configuration loader (:mod:`kiosk.config`) checks these keys with the functions and tables
declared here, and the service checks a fragment (the web page, ``central-settings set``) with
:func:`check_fragment`, which runs the very same functions: a value the service accepts is one the
kiosk's loader accepts. What the service cannot know — whether a fragment fits the device's own keys
(its button boxes name counters; its ``[kiosk] counter``) — the kiosk checks when it applies a version,
and reports back when it cannot (:data:`rating.checkin` ``settings_rejected``).

A fragment uses the kiosk TOML's own sections and keys::

    [kiosk]
    question = "Ông/bà hài lòng với việc giải quyết thủ tục hôm nay?"
    opening_hours = ["Mon-Fri 07:30-11:30 13:30-17:00"]
    language = "vi"

    [[counters]]            # the whole list: a kiosk's counters are the service's list when it sets one
    id = "Q1"
    name = "Quầy 1 — Tư pháp"

    [report]                # the II.7 header, the target and the officer roster
    unit = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    target_pct = 90
    officers = { CB07 = "Lê Văn C" }

The effective settings of a kiosk are its commune's defaults, then its centre's, then its own overrides,
key by key (a later level's key wins; ``[[counters]]`` is one key: the whole list).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Callable

from rating.hours import HoursError, parse_hours
from rating.rate import MIN_N

Check = Callable[[Any], str | None]  # returns a description of what was expected, or None if fine

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
MANAGED_FILE = "managed-settings.toml"   # the last good copy, in the kiosk's data folder
META_SECTION = "managed"                 # in that file: the version and when it came
MAX_FRAGMENT_BYTES = 64 * 1024


def check_string(v: Any) -> str | None:
    """A non-empty string."""
    return None if isinstance(v, str) and v.strip() else "a non-empty string"


def check_ident(v: Any) -> str | None:
    """An identifier (a kiosk's or a counter's id)."""
    if isinstance(v, str) and ID_RE.match(v):
        return None
    return "an identifier of letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)"


def check_hours(v: Any) -> str | None:
    """Opening hours, one line per group of days (:mod:`rating.hours`)."""
    if not isinstance(v, list):
        return "a list of lines such as [\"Mon-Fri 07:30-11:30 13:30-17:00\", \"Sat 07:30-11:30\"]"
    try:
        parse_hours(v)
    except HoursError as e:
        return f"opening hours ({e})"
    return None


def check_language(v: Any) -> str | None:
    """The first language a citizen sees."""
    return None if v in ("vi", "en") else "\"vi\" or \"en\""


def check_target_pct(v: Any) -> str | None:
    """The II.7 target."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 100
    return None if ok else "a percentage above 0 and at most 100, such as 90"


def check_min_n(v: Any) -> str | None:
    """The fewest counted votes a rate is ranked with."""
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 100_000
    return None if ok else f"a whole number of votes, at least 1, such as {MIN_N}"


def check_officer_names(v: Any) -> str | None:
    """The officer roster: codes to names."""
    ok = isinstance(v, dict) and all(isinstance(k, str) and 0 < len(k.strip()) <= 32 and isinstance(n, str)
                                     and n.strip() for k, n in v.items())
    return None if ok else "a table of officer codes (1-32 characters) to names, such as { CB07 = \"Lê Văn C\" }"


# section -> key -> (check, required, default): the kiosk's loader reads these tables as they are.
COUNTER_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "id": (check_ident, True, None),
    "name": (check_string, True, None),
}
REPORT_KEYS: dict[str, tuple[Check, bool, Any]] = {
    "parent_unit": (check_string, False, ""),
    "unit": (check_string, False, "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"),
    "place": (check_string, False, ""),
    "preparer": (check_string, False, ""),
    "head": (check_string, False, ""),
    "target_pct": (check_target_pct, False, 90),
    "min_n": (check_min_n, False, MIN_N),
    "officers": (check_officer_names, False, {}),
}
# The [kiosk] keys the service manages, with their checks (the loader's [kiosk] table uses the same).
MANAGED_KIOSK_KEYS: dict[str, Check] = {
    "question": check_string,
    "opening_hours": check_hours,
    "language": check_language,
}
# What only the device knows: a fragment naming one is refused, the key named (issue 17).
DEVICE_ONLY: dict[str, set[str] | None] = {
    "kiosk": {"id", "data_dir", "log_dir"},
    "sync": None, "button_boxes": None,   # the service URL, the secret; the serial ports
}
# Sections of the kiosk's file the service does not manage (everything in them stays the device's).
NOT_MANAGED = ("manager", "questionnaire", "backup")


def check_fragment(fragment: Any) -> list[str]:
    """Every reason ``fragment`` (a parsed TOML table in the kiosk file's sections) could not be managed
    settings, one line each naming the key; ``[]`` when it can."""
    if not isinstance(fragment, dict):
        return ["the settings must be a table of the kiosk configuration's sections"]
    problems: list[str] = []
    for section, value in fragment.items():
        if section in DEVICE_ONLY and DEVICE_ONLY[section] is None:
            problems.append(f"[{section}]: set on the device only, never by the service")
        elif section == "kiosk":
            problems += _check_kiosk(value)
        elif section == "counters":
            problems += _check_counters(value)
        elif section == "report":
            problems += _check_table(value, {k: c for k, (c, _r, _d) in REPORT_KEYS.items()}, "report")
        elif section in NOT_MANAGED:
            problems.append(f"[{section}]: kept in the device's own file, not managed by the service")
        else:
            problems.append(f"unknown section [{section}] (managed: [kiosk], [[counters]], [report])")
    return problems


def _check_kiosk(table: Any) -> list[str]:
    if not isinstance(table, dict):
        return ["[kiosk]: expected a table"]
    problems = []
    for key in table:
        if key in DEVICE_ONLY["kiosk"]:
            problems.append(f"[kiosk] {key}: set on the device only, never by the service")
        elif key not in MANAGED_KIOSK_KEYS:
            problems.append(f"[kiosk] {key}: not managed by the service (managed: {', '.join(MANAGED_KIOSK_KEYS)}); "
                            "it stays in the device's own file")
    return problems + _check_table({k: v for k, v in table.items() if k in MANAGED_KIOSK_KEYS},
                                   MANAGED_KIOSK_KEYS, "kiosk")


def _check_table(table: Any, checks: dict[str, Check], section: str) -> list[str]:
    if not isinstance(table, dict):
        return [f"[{section}]: expected a table"]
    problems = []
    for key, value in table.items():
        check = checks.get(key)
        if check is None:
            problems.append(f"[{section}] {key}: unknown key (known keys: {', '.join(checks)})")
        elif (expected := check(value)) is not None:
            problems.append(f"[{section}] {key}: expected {expected}, got {_shown(value)}")
    return problems


def _check_counters(items: Any) -> list[str]:
    if not isinstance(items, list):
        return ["[counters]: expected an array of tables, written [[counters]]"]
    if not items:
        return ["[[counters]]: at least one counter is needed"]
    problems, seen = [], set()
    for i, item in enumerate(items):
        where = f"[[counters]] #{i + 1}"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a table")
            continue
        for key in item:
            if key not in COUNTER_KEYS:
                problems.append(f"{where} {key}: unknown key (known keys: {', '.join(COUNTER_KEYS)})")
        for key, (check, required, _default) in COUNTER_KEYS.items():
            if key not in item:
                problems.append(f"{where}: missing required key {key!r}")
            elif (expected := check(item[key])) is not None:
                problems.append(f"{where} {key}: expected {expected}, got {_shown(item[key])}")
        if item.get("id") in seen:
            problems.append(f"{where} id: duplicate counter id {item['id']!r}")
        seen.add(item.get("id"))
    return problems


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def effective(*levels: dict[str, Any] | None) -> dict[str, Any]:
    """The settings of the levels given, first to last (commune, centre, kiosk): key by key, a later
    level's key wins; ``[[counters]]`` is replaced as a whole."""
    out: dict[str, Any] = {}
    for level in levels:
        for section, value in (level or {}).items():
            if isinstance(value, dict):
                out[section] = {**out.get(section, {}), **value}
            else:
                out[section] = value
    return out


def merged_over(file_raw: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """A kiosk's configuration tables with ``fragment`` laid over them (the kiosk's effective configuration):
    tables key by key, ``[[counters]]`` replaced. ``file_raw`` is not changed."""
    raw = dict(file_raw)
    for section, value in fragment.items():
        if isinstance(value, dict) and isinstance(raw.get(section, {}), dict):
            raw[section] = {**raw.get(section, {}), **value}
        else:
            raw[section] = value
    return raw


def fingerprint(fragment: dict[str, Any]) -> str:
    """A short digest of a fragment's content (the same settings give the same digest)."""
    text = json.dumps(fragment, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def managed_keys(fragment: dict[str, Any]) -> set[str]:
    """The keys a fragment sets, as ``config --effective`` names them (``kiosk.question``, ``counters``)."""
    out = set()
    for section, value in fragment.items():
        if isinstance(value, dict):
            out |= {f"{section}.{k}" for k in value}
        else:
            out.add(section)
    return out

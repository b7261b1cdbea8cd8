"""``python main.py config --effective [--json]``: every key of the configuration the kiosk runs, with its
value and where it comes from — ``file`` (the device's own TOML), ``service`` (the managed settings'
last good copy, :mod:`kiosk.settings_copy`) or ``default`` (neither sets it).

The JSON is one object, a key per configuration key (``section.key``; ``counters`` and ``button_boxes``
as whole lists)::

    {"kiosk.id": {"value": "ninh-giang-01", "source": "file"},
     "kiosk.question": {"value": "…", "source": "service"},
     "counters": {"value": [{"id": "Q1", "name": "Quầy 1"}], "source": "service"}, …}

A secret is never printed (``"***"``).
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from rating.managed import merged_over

from . import settings_copy
from .config import (_BACKUP_KEYS, _KIOSK_KEYS, _MANAGER_KEYS, _QUESTIONNAIRE_KEYS, _REPORT_KEYS, _SYNC_KEYS,
                     EMBEDDED_DEFAULT, EMBEDDED_SOURCE, Config, load_config)

FILE, SERVICE, DEFAULT = "file", "service", "default"
SECRET_KEYS = {"sync.secret"}
TABLES = (("kiosk", _KIOSK_KEYS), ("sync", _SYNC_KEYS), ("manager", _MANAGER_KEYS),
          ("questionnaire", _QUESTIONNAIRE_KEYS), ("report", _REPORT_KEYS), ("backup", _BACKUP_KEYS))
ARRAYS = ("counters", "button_boxes")


def effective(config: Config) -> dict[str, dict[str, Any]]:
    """Every key of ``config`` with its ``value`` and ``source`` (see the module's docstring)."""
    text = EMBEDDED_DEFAULT if config.source == EMBEDDED_SOURCE else Path(config.source).read_text(encoding="utf-8")
    file_raw = tomllib.loads(text)
    fragment: dict[str, Any] = {}
    if config.settings_version and config.managed:
        copy = settings_copy.read(config.data_dir)
        fragment = copy.fragment if copy is not None and copy.version == config.settings_version else {}
    raw = merged_over(file_raw, fragment)
    out: dict[str, dict[str, Any]] = {}
    for section, spec in TABLES:
        if section == "sync" and section not in raw:
            continue   # no [sync]: the kiosk does not sync, and its keys have no value
        table = raw.get(section) if isinstance(raw.get(section), dict) else {}
        for key, (_check, _required, default) in spec.items():
            name = f"{section}.{key}"
            source = SERVICE if name in config.managed else FILE if key in table else DEFAULT
            value = table.get(key, default)
            if name in SECRET_KEYS and value is not None:
                value = "***"
            out[name] = {"value": value, "source": source}
    for section in ARRAYS:
        source = SERVICE if section in config.managed else FILE if section in file_raw else DEFAULT
        out[section] = {"value": raw.get(section, []), "source": source}
    return out


def cmd_config(args) -> int:
    """Print the effective configuration (``--effective``), as lines or as JSON."""
    if not args.effective:
        print("error: say what to show: config --effective [--json]", file=sys.stderr)
        return 2
    config = load_config(args.config if "config" in args else None)
    keys = effective(config)
    if args.json:
        print(json.dumps(keys, ensure_ascii=False, indent=2))
        return 0
    print(f"# {config.source}; managed settings version {config.settings_version}")
    width = max(len(k) for k in keys)
    for name, entry in keys.items():
        print(f"{name:<{width}}  {json.dumps(entry['value'], ensure_ascii=False)}  ({entry['source']})")
    return 0


def register(add) -> None:
    """Add ``config`` to the command line."""
    p = add("config", cmd_config, "show the configuration the kiosk runs: every key, its value and where it "
                                  "comes from (file, service, default)")
    p.add_argument("--effective", action="store_true", help="every key with its value and source")
    p.add_argument("--json", action="store_true", help="as JSON: {key: {value, source}}")
    p.set_defaults(log_to_file=False)

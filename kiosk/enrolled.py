"""Writing the configuration an enrolment answered with (``python main.py enrol``; rating.enrolment).

The device's own keys are kept from the configuration already there — its data folder, log folder,
button boxes and their serial ports, backup folder, sync window — and the service's are written over
them: the kiosk's id, its centre's name, the service's URL and the secret (in a file of its own,
readable only by its owner, named by ``[sync] secret_file``), and any managed settings the answer
carries. Both files are written atomically (a temporary file, fsync, rename) and the new configuration
is read back through :func:`kiosk.config.parse_config` before it replaces the old one, which is kept as
``<file>.bak``. Comments of the old file are not carried over (the ``.bak`` keeps them).

Checked before the code is used (:func:`preflight`): a configuration of another kiosk is not replaced
without ``force``, nor one that cannot be read, nor one in a folder that cannot be written.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rating.enrolment import Answer

from .config import ConfigError, parse_config
from .tomlfile import SECTIONS, atomic_write as _atomic_write, to_toml

SECRET_FILE = "kiosk.secret"   # beside the configuration, unless the old one names another secret_file
# What only the device knows: never taken from the service's settings (issue 17, "Managed settings").
DEVICE_ONLY = {"kiosk": {"id", "data_dir", "log_dir"}, "sync": None, "button_boxes": None}
DEFAULT_COUNTERS = [{"id": "Q1", "name": "Quầy 1"}]   # a fresh device with no managed counters yet


class EnrolRefusal(ValueError):
    """The configuration cannot be written; nothing was changed (and, before the code is sent, it was not used)."""


@dataclass(frozen=True)
class Existing:
    """The configuration already on the device: its raw tables and the kiosk it names (None: none there)."""
    path: Path
    raw: dict[str, Any]
    kiosk_id: str | None


def preflight(path: Path, force: bool) -> Existing:
    """Check the configuration at ``path`` can be written, before a code is spent on it."""
    path = Path(path)
    folder = path.parent if path.parent != Path("") else Path(".")
    if not folder.is_dir():
        raise EnrolRefusal(f"{folder}: the folder for the configuration does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EnrolRefusal(f"{folder}: this user may not write here; run enrol as the kiosk's user (or with sudo -u)")
    if not path.exists():
        return Existing(path, {}, None)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        if force:
            return Existing(path, {}, None)
        raise EnrolRefusal(f"{path}: the configuration there cannot be read ({e}); fix it, or enrol with --force "
                           "to replace it (it is kept as .bak)") from None
    kiosk = raw.get("kiosk") if isinstance(raw.get("kiosk"), dict) else {}
    kiosk_id = kiosk.get("id") if isinstance(kiosk.get("id"), str) else None
    return Existing(path, raw, None if force else kiosk_id)


def merged(existing: Existing, answer: Answer, url: str, secret_file: str) -> dict[str, Any]:
    """The new configuration's tables: the device's own keys kept, the service's written over them."""
    raw = {k: v for k, v in existing.raw.items()}
    for section, table in (answer.settings or {}).items():   # managed settings: the kiosk TOML's own sections
        if section not in SECTIONS or section in DEVICE_ONLY and DEVICE_ONLY[section] is None:
            continue
        if isinstance(table, dict) and isinstance(raw.get(section, {}), dict):
            keep = DEVICE_ONLY.get(section) or set()
            raw[section] = {**raw.get(section, {}), **{k: v for k, v in table.items() if k not in keep}}
        elif isinstance(table, list):
            raw[section] = table
    kiosk = dict(raw.get("kiosk") or {})
    kiosk.update(id=answer.kiosk_id, centre=answer.centre)
    kiosk.setdefault("data_dir", "data")
    raw["kiosk"] = kiosk
    if not raw.get("counters"):
        raw["counters"] = DEFAULT_COUNTERS
    sync = {k: v for k, v in (raw.get("sync") or {}).items() if k not in ("secret", "secret_file", "url")}
    raw["sync"] = {"url": url.rstrip("/"), "secret_file": secret_file, **sync}
    return raw


def write(existing: Existing, answer: Answer, url: str, now: datetime) -> Path:
    """Write the secret and the configuration (atomically, checked, the old one kept as ``.bak``); return
    the secret file's path. Raises :class:`EnrolRefusal` when the result would not be a valid configuration."""
    path = existing.path
    old_sync = existing.raw.get("sync") if isinstance(existing.raw.get("sync"), dict) else {}
    secret_file = old_sync.get("secret_file") if isinstance(old_sync.get("secret_file"), str) else SECRET_FILE
    secret_path = Path(secret_file).expanduser()
    secret_path = secret_path if secret_path.is_absolute() else path.resolve().parent / secret_path
    owner = _owner(path if path.exists() else path.resolve().parent)
    text = (f"# Written by `python main.py enrol` on {now.isoformat(timespec='seconds')} for kiosk {answer.kiosk_id}.\n"
            f"# The device's own keys were kept; the earlier file (with its comments) is {path.name}.bak.\n\n"
            + to_toml(merged(existing, answer, url, secret_file)))
    _atomic_write(secret_path, (answer.secret + "\n").encode("utf-8"), 0o600, owner)
    try:
        parse_config(text, source=str(path), base_dir=path.resolve().parent)
    except ConfigError as e:
        raise EnrolRefusal(f"the configuration enrolment would write is not valid, so {path} was not changed: "
                           f"{'; '.join(e.problems)}") from None
    if path.exists():
        backup = path.with_name(path.name + ".bak")
        shutil.copy2(path, backup)
        os.chmod(backup, 0o600)   # it may hold an inline secret
    mode = (path.stat().st_mode & 0o777) if path.exists() else 0o640
    _atomic_write(path, text.encode("utf-8"), mode & ~0o007, owner)   # never readable by everyone
    return secret_path


def _owner(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_uid, st.st_gid

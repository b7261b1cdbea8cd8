"""Applying a version of the managed settings the service offers (issue 17).

A version is taken whole or not at all: it is checked with the shared rules (:func:`rating.managed.check_fragment`)
and then laid over this device's own file and read back through the configuration's loader — so a version
that does not fit the device (a button box names a counter the version removes) is refused, the key named,
and the last good copy stays. Only a version that checked out is written as the last good copy
(:mod:`kiosk.settings_copy`); the caller then hands the new configuration to the running kiosk, which
switches between two citizens (:mod:`kiosk.live`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from rating.managed import check_fragment, managed_keys

from . import settings_copy
from .config import EMBEDDED_SOURCE, Config, ConfigError, ensure_data_dir, parse_config
from rating.textfile import read_text_file


class Rejected(ValueError):
    """This device cannot apply the version; the message names the key and why (sent back to the service)."""


def accept(config: Config, version: str, fragment: Any, now: datetime) -> Config:
    """Check ``fragment`` against this device's file, keep it as the last good copy, and return the
    configuration it makes; raise :class:`Rejected` (nothing written) when it cannot be applied."""
    if config.source == EMBEDDED_SOURCE or config.rehearsal:
        raise Rejected("the demo centre and a rehearsal run no managed settings")
    if problems := check_fragment(fragment):
        raise Rejected("; ".join(problems))
    path = Path(config.source)
    try:
        text = read_text_file(path, ConfigError)
        new = parse_config(text, source=config.source, base_dir=path.resolve().parent, overlay=fragment)
    except ConfigError as e:
        raise Rejected("; ".join(e.problems)[:480]) from None
    if new.data_dir != config.data_dir or new.kiosk_id != config.kiosk_id:   # never, by the rules; said plainly if so
        raise Rejected("the version would move the kiosk's id or data folder")
    settings_copy.write(ensure_data_dir(config), version, fragment, now.isoformat(timespec="seconds"))
    return replace(new, settings_version=version, managed=frozenset(managed_keys(fragment)))

"""Writing a kiosk's TOML files: a small writer for the configuration's value types, and an atomic write.

Used by enrolment (:mod:`kiosk.enrolled`) and by the managed settings' last good copy
(:mod:`kiosk.settings_copy`). It imports nothing of the kiosk, so that the configuration's loader may use it.
"""

from __future__ import annotations

import os
from pathlib import Path

from rating.toml_text import SECTIONS, to_toml  # noqa: F401 (the domain's writer: the service writes TOML too)


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

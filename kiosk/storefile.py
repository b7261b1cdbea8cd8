"""Is the open vote database still the file at its path? Checked before each vote is acknowledged.

SQLite keeps writing into the file it opened. If ``votes.db`` is deleted while the kiosk runs (an
operator's mistake, a failing card), every later vote is committed into a file no one can open again:
the kiosk would thank citizens for votes that vanish at the next restart. If it is renamed, the file
(the same inode, still linked) keeps the votes, under another name.

So the store remembers which file it opened (device and inode, and the descriptor SQLite holds on it)
and compares, before a write and after its COMMIT, the open file with what the path names now: one
``fstat`` and one ``stat``, a few microseconds (``tests/test_store_file.py`` measures it).

- :data:`SAME`: the path is the open file. Votes are stored and acknowledged.
- :data:`MOVED`: the open file is still linked, under another name: it is followed (votes are safe in
  it), and the manager is told where it is.
- :data:`GONE`: the open file is deleted (no link left): nothing written to it survives. No vote is
  acknowledged until the file is back at its path (moved back) or the kiosk is restarted.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

SAME, MOVED, GONE = "same", "moved", "gone"

_FD_DIR = Path("/proc/self/fd")


def open_fds() -> set[int]:
    """The descriptors this process has open now (empty where ``/proc`` is not there)."""
    try:
        listed = [int(n) for n in os.listdir(_FD_DIR)]
    except OSError:
        return set()
    return {fd for fd in listed if _is_open(fd)}  # not the one listdir itself used, closed since


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class FileState:
    """What became of the open file: :data:`SAME`, :data:`MOVED` (``where`` it is now, when known) or :data:`GONE`."""
    state: str
    where: Path | None = None


class StoreFile:
    """The file a store opened at ``path``: its identity, and the descriptor SQLite holds on it (if found)."""

    def __init__(self, path: Path, dev: int, ino: int, fd: int | None):
        self.path, self.dev, self.ino, self.fd = Path(path), dev, ino, fd

    @classmethod
    def opened(cls, path: Path, fds_before: set[int]) -> "StoreFile":
        """The file SQLite has just opened at ``path``. ``fds_before``: :func:`open_fds` before it connected.

        SQLite's descriptor is the new one naming the same inode (another connection of this process to
        the same file has its own, opened earlier; SQLite may also reuse one a closed connection left)."""
        st = os.stat(path)
        same = [fd for fd in sorted(open_fds()) if _names(fd, st.st_dev, st.st_ino)]
        new = [fd for fd in same if fd not in fds_before]
        fd = (new or same or [None])[0]
        return cls(path, st.st_dev, st.st_ino, fd)

    def check(self) -> FileState:
        """Compare the open file with what the path names now (one fstat, one stat)."""
        try:
            at_path = os.stat(self.path)
            if (at_path.st_dev, at_path.st_ino) == (self.dev, self.ino):
                return FileState(SAME)
        except OSError:
            pass  # nothing at the path (deleted, or moved away)
        if self.fd is None:
            return FileState(GONE)  # no descriptor to ask: a file not at its path is taken as lost
        try:
            mine = os.fstat(self.fd)
        except OSError:
            return FileState(GONE)
        if (mine.st_dev, mine.st_ino) != (self.dev, self.ino) or mine.st_nlink == 0:
            return FileState(GONE)
        return FileState(MOVED, self._where())

    def _where(self) -> Path | None:
        try:
            return Path(os.readlink(_FD_DIR / str(self.fd)))
        except OSError:
            return None


def _names(fd: int, dev: int, ino: int) -> bool:
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) == (dev, ino)

"""USB sticks for the manager's export: which drives are plugged in, which folder may be written,
and writing a file so that it is really on the stick before the screen says "Đã xuất".

The defect this module exists for: with no stick in, ``/media/usb`` is an empty folder on the
kiosk's own disk; writing there "succeeded" and the manager walked away with nothing. So:

* **Offered** (:func:`removable_drives`): mounts under ``/media``, ``/run/media`` or ``/mnt`` whose
  block device says it is removable (``/sys/block/<disk>/removable`` is 1), or that sit on a USB
  bus with a stick's filesystem (vfat, exfat, ntfs) — card readers and some USB disks report
  removable 0. The configured ``manager.export_dir`` is offered beside them by the screen.
* **Allowed** (:meth:`ExportPolicy.check`): any folder whose filesystem is *not* the system's:
  not the root filesystem, not the filesystem of the data folder, not a memory or virtual one
  (tmpfs, proc, overlay …: gone at the next power cut, or not a disk at all), and not read-only.
  A folder that does not exist yet is judged by its nearest existing parent, and is created only
  after that parent passed; after creating it the device is checked again (a stick pulled
  between the check and the write must not leave the file on the internal disk).
* **Written** (:func:`write_durably`, :func:`commit_file`): to a temporary name in the same
  folder, ``fsync``-ed, renamed into place, and the folder ``fsync``-ed: after "Đã xuất" the file
  survives pulling the stick.

Messages for people are Vietnamese (the manager reads them on the screen). No Kivy here.
"""

from __future__ import annotations

import errno
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
SYS = Path("/sys")
REMOVABLE_ROOTS = (Path("/media"), Path("/run/media"), Path("/mnt"))
STICK_TYPES = frozenset({"vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk"})
# Filesystems that are not a drive one can carry away: memory, kernel views, container layers.
NOT_A_DRIVE = frozenset({
    "tmpfs", "ramfs", "devtmpfs", "proc", "sysfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
    "tracefs", "pstore", "bpf", "mqueue", "hugetlbfs", "configfs", "fusectl", "autofs", "efivarfs",
    "binfmt_misc", "overlay", "squashfs", "nsfs", "rpc_pipefs", "nfsd"})
STAGING_PREFIX = ".dang-xuat-"  # hidden working folder on the stick while a report is written


class ExportRefused(Exception):
    """The folder may not receive an export; ``str(e)`` says why, in Vietnamese, for the screen."""


@dataclass(frozen=True)
class Mount:
    """One line of ``/proc/self/mountinfo``."""

    mount_id: int
    parent_id: int
    device: str  # "major:minor", as the kernel numbers the filesystem (equals os.stat().st_dev)
    point: Path
    options: tuple[str, ...]
    fstype: str
    source: str

    @property
    def read_only(self) -> bool:
        """Mounted read-only (a stick with its lock switch on, or a damaged one the kernel protected)."""
        return "ro" in self.options

    @property
    def st_dev(self) -> int:
        """The device number ``os.stat`` reports for files on this filesystem."""
        major, minor = self.device.split(":")
        return os.makedev(int(major), int(minor))


def _unescape(text: str) -> str:
    # mountinfo writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def parse_mountinfo(text: str) -> list[Mount]:
    """The mounts listed in ``text`` (the format of ``/proc/<pid>/mountinfo``), in the kernel's order.

    Lines that do not follow the format are skipped: one odd line must not hide every drive.
    """
    mounts = []
    for line in text.splitlines():
        parts = line.split(" ")
        try:
            dash = parts.index("-", 6)
            mounts.append(Mount(mount_id=int(parts[0]), parent_id=int(parts[1]), device=parts[2],
                                point=Path(_unescape(parts[4])), options=tuple(parts[5].split(",")),
                                fstype=parts[dash + 1], source=_unescape(parts[dash + 2])))
        except (ValueError, IndexError):
            continue
    return mounts


def read_mounts(mountinfo: Path = MOUNTINFO) -> list[Mount]:
    """The mounts this process sees now."""
    return parse_mountinfo(Path(mountinfo).read_text(encoding="utf-8", errors="replace"))


def mount_of(path: Path, mounts: list[Mount]) -> Mount:
    """The mount that holds ``path`` (an absolute, resolved path): the longest mount point above it,
    the last one mounted when several share a point (it hides the ones under it)."""
    best = None
    for m in mounts:
        if path == m.point or m.point in path.parents:
            if best is None or len(m.point.parts) >= len(best.point.parts):
                best = m
    if best is None:
        raise ExportRefused(f"Không tìm thấy ổ đĩa chứa {path}")
    return best


def _disk_dir(m: Mount, sys_root: Path) -> Path | None:
    """The /sys folder of the whole disk under a mount (a partition's parent), or None (no block device)."""
    link = sys_root / "dev" / "block" / m.device
    try:
        device = link.resolve(strict=True)
    except OSError:
        return None
    return device.parent if (device / "partition").exists() else device


def is_removable(m: Mount, sys_root: Path = SYS) -> bool:
    """A stick or card: the disk says removable, or it is on a USB bus with a stick's filesystem."""
    disk = _disk_dir(m, sys_root)
    if disk is None:
        return False
    try:
        if (disk / "removable").read_text().strip() == "1":
            return True
    except OSError:
        pass
    return m.fstype in STICK_TYPES and "/usb" in str(disk)


def removable_drives(mountinfo: Path = MOUNTINFO, sys_root: Path = SYS) -> list[Mount]:
    """Mounted removable drives under /media, /run/media or /mnt, writable ones first, by mount point."""
    found = [m for m in read_mounts(mountinfo)
             if any(m.point == r or r in m.point.parents for r in REMOVABLE_ROOTS) and m.point not in REMOVABLE_ROOTS
             and is_removable(m, sys_root)]
    return sorted(found, key=lambda m: (m.read_only, str(m.point)))


@dataclass
class ExportPolicy:
    """Which folders may receive an export. ``system_paths``: folders whose filesystems are the
    system's besides ``/`` (the data folder); ``not_a_drive``: filesystem types never written to.
    Tests inject ``mountinfo`` or ``not_a_drive`` to accept a tmpfs they mounted themselves."""

    system_paths: tuple[Path, ...] = ()
    mountinfo: Path = MOUNTINFO
    not_a_drive: frozenset[str] = field(default=NOT_A_DRIVE)

    def check(self, folder: str | os.PathLike) -> tuple[Path, Mount]:
        """The folder, absolute, and the mount it would be written on; :class:`ExportRefused` when not allowed.

        Nothing is created here.
        """
        text = str(folder).strip()
        if not text:
            raise ExportRefused("Chưa chọn thư mục để xuất. Hãy cắm USB và chọn ổ trong danh sách.")
        path = Path(text).expanduser()
        if not path.is_absolute():
            raise ExportRefused(f"Đường dẫn phải bắt đầu bằng “/”: {text}")
        existing = path
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise ExportRefused(f"{existing} là một tệp, không phải thư mục.")
        real = existing.resolve()
        mounts = read_mounts(self.mountinfo)
        target = mount_of(real, mounts)
        system = [mount_of(Path("/"), mounts)] + [mount_of(Path(p).resolve(), mounts) for p in self.system_paths]
        if any(target.device == s.device for s in system):
            raise ExportRefused(f"{path} nằm trên ổ đĩa của máy, không phải USB: chưa cắm USB, hoặc USB chưa "
                                "được nhận. Hãy cắm USB và chọn ổ trong danh sách.")
        if target.fstype in self.not_a_drive:
            raise ExportRefused(f"{path} không nằm trên một ổ đĩa rời (loại {target.fstype}). Hãy chọn ổ USB.")
        if target.read_only:
            raise ExportRefused(f"USB tại {target.point} chỉ cho đọc, không ghi được (khoá chống ghi?).")
        return path, target

    def prepare(self, folder: str | os.PathLike) -> Path:
        """Check ``folder``, create it on its drive if missing, and check again that it landed there."""
        return self.claim(folder)[0]

    def claim(self, folder: str | os.PathLike) -> tuple[Path, int]:
        """:meth:`prepare`, and the checked drive's ``st_dev``: every later write must land on it
        (:func:`write_durably`), so a stick pulled after this check cannot leave a file on the kiosk."""
        path, target = self.check(folder)
        created = []
        probe = path
        while not probe.exists():
            created.append(probe)
            probe = probe.parent
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ExportRefused(explain(e, path)) from e
        if os.stat(path).st_dev != target.st_dev:  # the stick went away between the check and mkdir
            for p in created:
                try:
                    p.rmdir()
                except OSError:
                    pass
            raise ExportRefused(f"USB tại {target.point} vừa bị rút ra. Hãy cắm lại và xuất lại.")
        return path, target.st_dev


def explain(e: OSError, where: Path | str) -> str:
    """An operating-system error while exporting, in Vietnamese words a manager can act on."""
    reasons = {errno.ENOSPC: "USB đã đầy", errno.EDQUOT: "USB đã đầy", errno.EROFS: "USB chỉ cho đọc",
               errno.EACCES: "không có quyền ghi", errno.EPERM: "không có quyền ghi",
               errno.ENOENT: "USB đã bị rút ra", errno.ENODEV: "USB đã bị rút ra", errno.ENXIO: "USB đã bị rút ra",
               errno.EIO: "lỗi đọc ghi (USB hỏng hoặc vừa bị rút ra)"}
    return f"Không ghi được vào {where}: {reasons.get(e.errno, e.strerror or str(e))}."


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StickGone(ExportRefused):
    """The folder is no longer on the drive that was checked: the stick was pulled during the export,
    and its mount point is an empty folder on the kiosk's own disk again."""


def still_on(path: Path, device: int | None, fd: int | None = None) -> None:
    """Raise :class:`StickGone` unless ``path`` (or the open file ``fd``) is on ``device`` (an
    ``st_dev``; None: not checked)."""
    if device is None:
        return
    try:
        now = os.fstat(fd).st_dev if fd is not None else os.stat(path).st_dev
    except OSError:
        now = None
    if now != device:
        raise StickGone(f"USB vừa bị rút ra khi đang xuất ({path.parent if fd is not None else path}). "
                        "Không có tệp nào được ghi vào máy; hãy cắm lại USB và xuất lại.")


def commit_file(staged: Path, target: Path, device: int | None = None) -> Path:
    """Make a finished file ``staged`` (in the same filesystem) durable and give it its final name:
    fsync the file, rename it to ``target``, fsync the folder. With ``device``, the file and the
    target folder must still be on that drive (else :class:`StickGone`, and ``staged`` is removed)."""
    fd = os.open(staged, os.O_RDONLY)
    try:
        still_on(staged, device, fd)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        staged.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        still_on(target.parent, device)
    except StickGone:
        staged.unlink(missing_ok=True)
        raise
    os.replace(staged, target)
    _fsync_dir(target.parent)
    return target


def write_durably(folder: Path, name: str, data: bytes, device: int | None = None) -> Path:
    """Write ``data`` as ``folder/name`` atomically and durably; return the path. With ``device``
    (the stick's ``st_dev`` when it was checked), a folder that has left that drive is refused
    before anything is written there (:class:`StickGone`)."""
    still_on(folder, device)
    tmp = folder / f"{STAGING_PREFIX}{uuid.uuid4().hex}.part"
    try:
        with open(tmp, "wb") as f:
            still_on(tmp, device, f.fileno())
            f.write(data)
        return commit_file(tmp, folder / name, device)
    finally:
        if tmp.exists():
            tmp.unlink()


def staging_folder(folder: Path, device: int | None = None) -> Path:
    """A new hidden working folder on the same drive, for a writer that makes its own file
    (the II.7 workbook): its file is then moved into place with :func:`commit_file`."""
    still_on(folder, device)
    work = folder / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    work.mkdir()
    try:
        still_on(work, device)
    except StickGone:
        work.rmdir()
        raise
    return work

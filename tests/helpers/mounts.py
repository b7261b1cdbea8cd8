"""Real mounts for the export tests: a tmpfs (as root) and, where the kernel has vfat, a loop-mounted
FAT image like a USB stick. Each skips cleanly where this machine cannot mount."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk.removable import NOT_A_DRIVE, ExportPolicy


def _mount(args: list[str], point: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting needs root")
    point.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", *args, str(point)], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot mount here: {r.stderr.strip()}")


@contextmanager
def tmpfs(point: Path, options: str = "size=8m"):
    """A fresh tmpfs mounted at ``point`` for the duration."""
    _mount(["-t", "tmpfs", "-o", options, "tmpfs"], point)
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


@contextmanager
def vfat_stick(image: Path, point: Path):
    """An 8 MB FAT image, loop-mounted at ``point`` (skips without mkfs.vfat or kernel vfat)."""
    if shutil.which("mkfs.vfat") is None:
        pytest.skip("mkfs.vfat (dosfstools) is not installed")
    with open(image, "wb") as f:
        f.truncate(8 * 2**20)
    subprocess.run(["mkfs.vfat", str(image)], check=True, capture_output=True)
    _mount(["-o", "loop", str(image)], point)
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def tmpfs_counts_as_a_drive(**kwargs) -> ExportPolicy:
    """The real policy, except that a tmpfs the test mounted stands in for a stick."""
    return ExportPolicy(not_a_drive=NOT_A_DRIVE - {"tmpfs"}, **kwargs)

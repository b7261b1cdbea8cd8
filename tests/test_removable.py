"""USB export targets: which drives are offered, which folders are refused, and durable writes —
on real folders of the root filesystem and on real mounts (tmpfs, a loop-mounted FAT image)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk import removable
from kiosk.removable import ExportPolicy, ExportRefused, StickGone, mount_of, parse_mountinfo
from tests.helpers.mounts import tmpfs, tmpfs_counts_as_a_drive, vfat_stick

SAMPLE = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 8:1 / /media/usb rw,nosuid,nodev,relatime shared:5 - vfat /dev/sda1 rw,uid=1000
41 27 8:17 / /media/ảnh\\040cũ ro,relatime - exfat /dev/sdb1 ro
42 27 179:1 / /boot rw,relatime - vfat /dev/mmcblk0p1 rw
43 27 0:50 / /mnt/ram rw - tmpfs tmpfs rw
this line is not mountinfo
"""


def fake_sys(root: Path) -> Path:
    """A /sys with a removable USB stick (sda), a USB card reader that reports removable 0 (sdb),
    and the internal SD card (mmcblk0)."""
    def disk(bus: str, name: str, removable_flag: str, part: str, devno: str):
        d = root / "devices" / bus / "block" / name
        (d / part).mkdir(parents=True)
        (d / "removable").write_text(removable_flag + "\n")
        (d / part / "partition").write_text("1\n")
        (root / "dev" / "block").mkdir(parents=True, exist_ok=True)
        (root / "dev" / "block" / devno).symlink_to(d / part)
    disk("pci0000:00/usb1/1-1", "sda", "1", "sda1", "8:1")
    disk("pci0000:00/usb2/2-1", "sdb", "0", "sdb1", "8:17")
    disk("platform/mmc0", "mmcblk0", "0", "mmcblk0p1", "179:1")
    return root


def test_mountinfo_is_read_with_escaped_spaces_and_odd_lines_skipped():
    mounts = parse_mountinfo(SAMPLE)
    assert [str(m.point) for m in mounts] == ["/proc", "/", "/media/usb", "/media/ảnh cũ", "/boot", "/mnt/ram"]
    usb = mounts[2]
    assert (usb.device, usb.fstype, usb.source, usb.read_only) == ("8:1", "vfat", "/dev/sda1", False)
    assert mounts[3].read_only


def test_a_path_belongs_to_the_deepest_mount_above_it_and_the_last_mounted_wins():
    mounts = parse_mountinfo(SAMPLE + "44 40 8:33 / /media/usb rw - vfat /dev/sdc1 rw\n")
    assert mount_of(Path("/media/usb/bao-cao"), mounts).device == "8:33"
    assert mount_of(Path("/media/usbx"), mounts).point == Path("/")
    assert mount_of(Path("/"), mounts).fstype == "ext4"


def test_only_sticks_and_usb_card_readers_under_media_or_mnt_are_offered(tmp_path):
    info = tmp_path / "mountinfo"
    info.write_text(SAMPLE, encoding="utf-8")
    drives = removable.removable_drives(info, fake_sys(tmp_path / "sys"))
    # the stick (removable 1), then the read-only card reader (USB bus, exfat); not /boot, not the tmpfs
    assert [str(m.point) for m in drives] == ["/media/usb", "/media/ảnh cũ"]


def test_a_folder_on_the_system_disk_is_refused_and_not_created(tmp_path):
    target = tmp_path / "media" / "usb"  # like /media/usb with no stick in: on the root filesystem
    with pytest.raises(ExportRefused, match="không phải USB|không nằm trên một ổ đĩa rời"):
        ExportPolicy().prepare(target)
    assert not (tmp_path / "media").exists()


def test_an_existing_empty_mount_point_without_a_stick_is_refused(tmp_path):
    point = tmp_path / "usb"
    point.mkdir()
    with pytest.raises(ExportRefused) as e:
        ExportPolicy().prepare(point)
    assert str(point) in str(e.value)
    assert list(point.iterdir()) == []


@pytest.mark.parametrize("folder, words", [("", "Chưa chọn thư mục"), ("usb/bao-cao", "phải bắt đầu bằng")])
def test_empty_and_relative_folders_are_refused_in_vietnamese(folder, words):
    with pytest.raises(ExportRefused, match=words):
        ExportPolicy().check(folder)


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ExportRefused, match="là một tệp"):
        ExportPolicy().check(tmp_path / "f" / "sub")


def test_memory_filesystems_are_not_drives(tmp_path):
    with tmpfs(tmp_path / "ram") as point:
        with pytest.raises(ExportRefused, match="loại tmpfs"):
            ExportPolicy().check(point)


def test_a_mounted_drive_is_accepted_and_the_folder_created_on_it(tmp_path):
    with tmpfs(tmp_path / "stick") as point:
        folder = tmpfs_counts_as_a_drive().prepare(point / "bao-cao" / "2026")
        assert folder.is_dir() and os.stat(folder).st_dev == os.stat(point).st_dev
        path = removable.write_durably(folder, "a.csv", b"x" * 100_000)
        assert path.read_bytes() == b"x" * 100_000
        assert [p.name for p in folder.iterdir()] == ["a.csv"]  # no temporary file left behind


def test_the_data_folder_s_own_filesystem_is_refused(tmp_path):
    with tmpfs(tmp_path / "data") as point:
        policy = tmpfs_counts_as_a_drive(system_paths=(point,))
        with pytest.raises(ExportRefused, match="ổ đĩa của máy"):
            policy.check(point / "exports")


def test_a_read_only_drive_is_refused(tmp_path):
    with tmpfs(tmp_path / "locked", options="ro,size=1m") as point:
        with pytest.raises(ExportRefused, match="chỉ cho đọc"):
            tmpfs_counts_as_a_drive().check(point)


def test_a_stick_pulled_between_the_check_and_the_write_leaves_nothing_on_the_internal_disk(tmp_path):
    # The mount table still lists the stick, but the folder is on the root filesystem now.
    real_root = next(m for m in removable.read_mounts() if m.point == Path("/"))
    info = tmp_path / "mountinfo"
    info.write_text(f"1 0 {real_root.device} / / rw - ext4 /dev/root rw\n"
                    f"2 1 8:1 / {tmp_path / 'usb'} rw - vfat /dev/sda1 rw\n")
    (tmp_path / "usb").mkdir()
    with pytest.raises(ExportRefused, match="vừa bị rút ra"):
        ExportPolicy(mountinfo=info).prepare(tmp_path / "usb" / "bao-cao")
    assert not (tmp_path / "usb" / "bao-cao").exists()


def test_a_durable_write_syncs_the_file_and_then_its_folder(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)
    monkeypatch.setattr(removable.os, "fsync", spy)
    path = removable.write_durably(tmp_path, "b.csv", b"data")
    assert path.read_bytes() == b"data"
    assert len(synced) == 2 and synced[0].endswith(".part") and synced[1] == str(tmp_path)


def test_a_loop_mounted_fat_stick_is_accepted_as_a_drive(tmp_path):
    with vfat_stick(tmp_path / "stick.img", tmp_path / "fat") as point:
        folder = ExportPolicy().prepare(point / "BAOCAO")
        assert removable.write_durably(folder, "c.csv", b"ok").read_bytes() == b"ok"


def test_os_errors_are_explained_in_vietnamese():
    import errno
    assert "USB đã đầy" in removable.explain(OSError(errno.ENOSPC, "No space left"), "/media/usb")
    assert "bị rút ra" in removable.explain(OSError(errno.EIO, "I/O error"), "/media/usb")


def test_a_stick_pulled_during_the_write_leaves_nothing_on_the_internal_disk(tmp_path):
    point = tmp_path / "usb"
    with tmpfs(point) as stick:
        device = os.stat(stick).st_dev  # the stick, as the export checked it
    # pulled: the mount point is an empty folder on the kiosk's own disk again
    with pytest.raises(StickGone, match="vừa bị rút ra"):
        removable.write_durably(point, "bao-cao.csv", b"date,counter\n", device)
    with pytest.raises(StickGone):
        removable.staging_folder(point, device)
    assert list(point.iterdir()) == []


def test_a_file_whose_folder_left_the_stick_before_the_rename_is_not_moved_into_place(tmp_path):
    with tmpfs(tmp_path / "usb") as stick:
        staged = stick / ".dang-xuat-1.part"
        staged.write_bytes(b"x")
        with pytest.raises(StickGone):  # the target folder is on another device than the stick's
            removable.commit_file(staged, tmp_path / "bao-cao.csv", os.stat(stick).st_dev)
        assert not (tmp_path / "bao-cao.csv").exists() and not staged.exists()


def test_a_full_stick_says_so_and_keeps_no_half_file(tmp_path):
    with tmpfs(tmp_path / "usb", options="size=4k") as stick:
        with pytest.raises(OSError) as e:
            removable.write_durably(stick, "bao-cao.csv", b"x" * 64 * 1024, os.stat(stick).st_dev)
        assert "USB đã đầy" in removable.explain(e.value, stick)
        assert list(stick.iterdir()) == []

"""write_report, the API the manager screen calls: the file, its name, progress, and refusals."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.config import load_config
from rating.period import quarter
from rating.report import FORMATS, write_report
from kiosk.store import VoteStore
from tests.conftest import write_config
from tests.helpers.report_data import D_FROM, D_TO, REPORT_CONFIG, fill_rich


@pytest.fixture
def kiosk(tmp_path):
    config = load_config(write_config(tmp_path, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        yield store, config


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK\x03\x04"), ("pdf", b"%PDF"), ("csv", b"\xef\xbb\xbf"),
                                        ("json", b"{")])
def test_write_report_writes_one_named_file_and_reports_progress(kiosk, tmp_path, fmt, magic):
    store, config = kiosk
    folder = tmp_path / "usb"
    folder.mkdir()
    seen = []
    path = write_report(store, config, date(2026, 10, 1), date(2026, 12, 31), fmt, folder,
                        progress=lambda fraction, text: seen.append((fraction, text)), period=quarter(2026, 4))
    assert path == folder / f"bang-tong-hop-II7_test-01_2026-Q4.{fmt}"
    assert path.read_bytes().startswith(magic)
    assert list(folder.iterdir()) == [path]  # no temporary file left
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(text for _, text in seen)


def test_write_report_writes_the_vote_list_too_named_apart_with_progress(kiosk, tmp_path):
    """The manager's fourth file type goes through the same call: the raw votes, not a rendering."""
    store, config = kiosk
    folder = tmp_path / "usb"
    folder.mkdir()
    seen = []
    path = write_report(store, config, date(2026, 10, 1), date(2026, 12, 31), "votes", folder,
                        progress=lambda fraction, text: seen.append((fraction, text)), period=quarter(2026, 4))
    assert path == folder / "danh-sach-phieu_test-01_2026-Q4.csv"
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("seq,uuid,kiosk_id,") and len(lines) - 1 == store.count()  # every vote is in Q4
    assert list(folder.iterdir()) == [path]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(text for _, text in seen)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        write_report(store, config, D_FROM, D_TO, "votes", tmp_path / "gone", progress=lambda *a: seen.append(a))
    assert len(seen) == len(fractions)  # refused before any work


def test_write_report_names_a_range_by_its_dates_and_replaces_an_older_file(kiosk, tmp_path):
    store, config = kiosk
    first = write_report(store, config, D_FROM, D_TO, "csv", tmp_path)
    assert first.name == "bang-tong-hop-II7_test-01_2026-11-02_2026-11-08.csv"
    first.write_bytes(b"old")
    assert write_report(store, config, D_FROM, D_TO, "csv", tmp_path).read_bytes() != b"old"


def test_write_report_refuses_a_missing_folder_or_an_unknown_format_before_any_work(kiosk, tmp_path):
    store, config = kiosk
    calls = []
    with pytest.raises(FileNotFoundError, match="no such folder"):
        write_report(store, config, D_FROM, D_TO, "pdf", tmp_path / "gone", progress=lambda *a: calls.append(a))
    with pytest.raises(ValueError, match="xlsx, pdf, csv, json"):
        write_report(store, config, D_FROM, D_TO, "docx", tmp_path, progress=lambda *a: calls.append(a))
    assert calls == [] and FORMATS == ("xlsx", "pdf", "csv", "json")


def test_write_reports_reads_the_votes_once_for_the_workbook_and_the_pdf(kiosk, tmp_path, monkeypatch):
    from rating.report import files, write_reports
    store, config = kiosk
    reads = []
    real = files.StoreReader.read
    monkeypatch.setattr(files.StoreReader, "read", lambda self, *a: reads.append(a) or real(self, *a))
    seen = []
    paths = write_reports(store, config, D_FROM, D_TO, ("xlsx", "pdf"), tmp_path, progress=lambda f, t: seen.append(f))
    assert [p.suffix for p in paths] == [".xlsx", ".pdf"] and all(p.stat().st_size > 1000 for p in paths)
    assert len(reads) == 1 and seen == sorted(seen) and seen[-1] == 1.0
    with pytest.raises(ValueError, match="unknown report format"):
        write_reports(store, config, D_FROM, D_TO, (), tmp_path)

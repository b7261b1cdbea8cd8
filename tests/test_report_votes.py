"""`python main.py report --format votes`: the period's raw votes, from which an inspector recomputes the
Kiểm chứng digest with the shell lines docs/report.md gives — run here as written, on a real export,
against the digest the workbook and the PDF print and one computed from the raw rows."""

from __future__ import annotations

import ast
import csv
import io
import re
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from kiosk.config import load_config
from rating.report import render, report_for_store
from rating.report.votes import COLUMNS, csv_chunks, vote_rows
from kiosk.store import VoteStore
from rating.wire import WIRE_FIELDS
from tests.conftest import ROOT, run_cli, write_config
from tests.helpers.report_data import D_FROM, D_TO, REPORT_CONFIG, TZ, expected, fill_rich

DOC_NAME = "danh-sach-phieu_ninh-giang-01_2026-Q4.csv"   # the file name the recipes in the docs use
PERIOD = ["--from", D_FROM.isoformat(), "--to", D_TO.isoformat()]


def documented_recipes() -> list[str]:
    """The shell lines of docs/report.md's "Recomputing it from the vote list" that compute a digest."""
    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    section = text.split("### Recomputing it from the vote list", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines() if DOC_NAME in line]
    assert len(lines) == 3, lines
    return lines


def run_recipe(line: str, file: Path) -> str:
    """Run one documented line, as written, in ``file``'s folder with the file given the docs' name."""
    (file.parent / DOC_NAME).unlink(missing_ok=True)
    (file.parent / DOC_NAME).symlink_to(file.name)
    done = subprocess.run(["bash", "-c", line], cwd=file.parent, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.split()[0]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The rich week exported through the CLI into a folder (default name), with its workbook and PDF."""
    root = tmp_path_factory.mktemp("votes")
    config_path = write_config(root, extra=REPORT_CONFIG)
    config = load_config(config_path)
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        model = report_for_store(store, config, D_FROM, D_TO)
    out = root / "usb"
    out.mkdir()
    done = run_cli("report", *PERIOD, "--format", "votes", "--out", str(out), config=config_path)
    assert done.returncode == 0, done.stderr
    files = list(out.iterdir())
    assert [f.name for f in files] == ["danh-sach-phieu_test-01_2026-11-02_2026-11-08.csv"]
    (root / "book.xlsx").write_bytes(render(model, "xlsx"))
    (root / "book.pdf").write_bytes(render(model, "pdf"))
    return {"file": files[0], "root": root, "config": config, "config_path": config_path, "stderr": done.stderr,
            "expected": expected(config.db_path, D_FROM, D_TO)}


def test_each_documented_shell_recipe_gives_the_digest_the_workbook_and_the_pdf_print(exported):
    root = exported["root"]
    kiem_chung = {r[0]: r[1] for r in openpyxl.load_workbook(root / "book.xlsx", data_only=True)["Kiểm chứng"]
                  .iter_rows(values_only=True) if r[0]}
    printed = kiem_chung["SHA-256 các phiếu trong kỳ"]
    pdf_text = subprocess.run(["pdftotext", "-layout", str(root / "book.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
    assert printed == exported["expected"].digest and printed in pdf_text
    for line in documented_recipes():
        assert run_recipe(line, exported["file"]) == printed, line
    assert f"SHA-256 {printed}" in exported["stderr"]  # the command says it too


def test_the_list_has_the_central_downloads_columns_and_every_vote_of_the_period_in_canonical_order(exported):
    raw = exported["file"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfseq,") and raw.count(b"\xef\xbb\xbf") == 1  # the BOM, once
    assert b"\r" not in raw and raw.endswith(b"\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    # The central service's RAW_COLUMNS, read from its source (importing it needs Django set up), less received_at.
    tree = ast.parse((ROOT / "central" / "views.py").read_text(encoding="utf-8"))
    central = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "RAW_COLUMNS")
    assert ast.unparse(central.value) == "(*WIRE_FIELDS, 'local_date', 'received_at')"
    assert rows[0] == [*WIRE_FIELDS, "local_date"] == list(COLUMNS)
    with sqlite3.connect(exported["config"].db_path) as conn:
        want = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM votes WHERE local_date BETWEEN ? AND ? "
                            "ORDER BY kiosk_id, seq", [D_FROM.isoformat(), D_TO.isoformat()]).fetchall()
        outside = conn.execute("SELECT count(*) FROM votes WHERE local_date NOT BETWEEN ? AND ?",
                               [D_FROM.isoformat(), D_TO.isoformat()]).fetchone()[0]
    assert outside > 0 and len(want) > 100  # votes just outside the period exist, and are left out
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in want]
    assert any(r[10] for r in rows[1:]) and {r[6] for r in rows[1:]} == {"sipas5", "onestop3"}  # flagged, other scale


def test_the_list_is_read_a_page_at_a_time_and_written_before_it_is_all_read(exported):
    """Memory stays flat: no query returns more than a page, and the first rows are out before the last
    page is read."""
    with VoteStore.from_config(exported["config"]) as store:
        sizes: list[int] = []

        class Counting:
            def query(self, sql, params=()):
                got = store.query(sql, params)
                sizes.append(len(got))
                return got
        chunks = csv_chunks(vote_rows(Counting(), D_FROM, D_TO, ["test-01"], page=25), lines_a_chunk=10)
        next(chunks), next(chunks)  # the header, then the first ten votes
        assert len(sizes) == 2  # the seq range, then one page: nothing more read yet
        body = b"".join(chunks)
        assert max(sizes[1:]) == 25 and len(sizes) > 5
        n = store.query("SELECT count(*) FROM votes WHERE local_date BETWEEN ? AND ?",
                        [D_FROM.isoformat(), D_TO.isoformat()])[0][0]
        assert body.count(b"\n") == n - 10  # every vote, each once


def test_a_code_with_a_comma_or_a_formula_is_quoted_and_the_recipe_that_counts_from_the_end_still_agrees(tmp_path):
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    start = datetime(2026, 11, 20, 8, 0, tzinfo=TZ)
    with VoteStore.from_config(config) as store:
        for i, officer in enumerate(['Tổ 1, "A"', "=HYPERLINK(1)", None, "CB07"]):
            store.record_vote("Q1", "HL", officer=officer, at=start + timedelta(minutes=i))
        model = report_for_store(store, config, start.date(), start.date())
    out = tmp_path / "list.csv"
    done = run_cli("report", "--from", "2026-11-20", "--to", "2026-11-20", "--format", "votes", "--out", str(out),
                   config=config_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert [r["officer"] for r in rows] == ['Tổ 1, "A"', "'=HYPERLINK(1)", "", "CB07"]
    cut, awk, python = documented_recipes()
    assert run_recipe(awk, out) == run_recipe(python, out) == model.verification.votes_sha256
    assert run_recipe(cut, out) != model.verification.votes_sha256  # why the docs give the other two


def test_the_list_to_standard_output_is_the_same_file(exported):
    done = subprocess.run([*_python_main(), "report", *PERIOD, "--format", "votes", "--config",
                           str(exported["config_path"])], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == exported["file"].read_bytes()


def _python_main() -> list[str]:
    import sys
    return [sys.executable, str(ROOT / "main.py")]


@pytest.mark.parametrize("args, code, says", [
    (["--month", "2026-13"], 2, "--month: expected a month 01-12, got 13"),
    (["--month", "2026-11", "--by", "officer"], 2, "--by does not apply to --format votes"),
    (["--month", "2026-11", "--appendix", "Phụ lục I"], 2, "--appendix does not apply to --format votes"),
    (["--month", "2026-11", "--out", "{tmp}/no/such/folder/"], 1, "does not exist"),
    (["--month", "2026-11", "--out", "{tmp}/usb"], 1, "is the USB stick plugged in?"),
    (["--month", "2026-11", "--out", "{tmp}/list.xlsx"], 1, "does not end in .csv"),
])
def test_a_bad_request_for_the_list_is_a_clear_error_and_writes_nothing(config_path, tmp_path, args, code, says):
    out = run_cli("report", *[a.replace("{tmp}", str(tmp_path)) for a in args], "--format", "votes",
                  config=config_path)
    assert out.returncode == code and says in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert not list(tmp_path.rglob("*.csv")) and not list(tmp_path.rglob("*.xlsx"))

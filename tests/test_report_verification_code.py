"""The verification code of an II.7 table (issue 18, :mod:`rating.report.issued`): the same table always has
the same code, a table whose figures differ has another, and the kiosk's own table — not issued by the
service — carries none and says so."""

from __future__ import annotations

import copy
import re
import subprocess

import pytest

from kiosk.config import load_config
from kiosk.store import VoteStore
from rating.report import render, report_for_store
from rating.report.issued import CODE_RE, NOT_ISSUED, code_of, normalise, table_facts
from rating.report.text import verification_lines
from tests.conftest import write_config
from tests.helpers.report_data import D_FROM, D_TO, REPORT_CONFIG, fill_rich


@pytest.fixture(scope="module")
def kiosk_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("code")
    config = load_config(write_config(root, extra=REPORT_CONFIG))
    with VoteStore.from_config(config) as store:
        fill_rich(store)
        return report_for_store(store, config, D_FROM, D_TO)


HEADS = [{"kiosk_id": "k-01", "seq": 120, "hash": "ab" * 32}]


def test_the_same_table_has_the_same_code_whenever_it_is_made(kiosk_model):
    facts = table_facts(kiosk_model, "xa-a", HEADS)
    again = copy.deepcopy(kiosk_model)
    again.verification.generated_at = "2030-01-01T00:00:00+07:00"   # made another day: the same table
    assert CODE_RE.match(code_of(facts)) and code_of(table_facts(again, "xa-a", HEADS)) == code_of(facts)


@pytest.mark.parametrize("change", ["a level's count", "the unit", "the period", "a chain's head", "the digest",
                                    "the flagged"])
def test_a_table_whose_figures_differ_has_another_code(kiosk_model, change):
    facts = table_facts(kiosk_model, "xa-a", HEADS)
    other = copy.deepcopy(facts)
    if change == "a level's count":
        other["levels"][0]["n"] += 1
    elif change == "the unit":
        other["unit"] = "xa-b"
    elif change == "the period":
        other["to"] = "2099-12-31"
    elif change == "a chain's head":
        other["heads"][0]["seq"] += 1
    elif change == "the digest":
        other["votes_sha256"] = "0" * 64
    else:
        other["flagged"] += 1
    assert code_of(other) != code_of(facts)


def test_the_codes_words_do_not_change_it(kiosk_model):
    """A label's wording may improve in a later release: the figures keep their code."""
    facts = table_facts(kiosk_model, "xa-a", HEADS)
    worded = copy.deepcopy(facts)
    worded["levels"][0]["label"] = "Very satisfied"
    worded["unit_name"] = "Another name"
    assert code_of(worded) == code_of(facts)


def test_a_code_is_read_however_it_is_typed():
    assert normalise(" abcde-fg234 ") == "ABCDEFG234"
    assert normalise("ABCDE FG234") == "ABCDEFG234"
    for bad in ("ABCDEFG23", "ABCDEFG2345", "ABCDEFG018", "", "../../etc"):
        assert normalise(bad) is None, bad


def test_the_kiosks_own_table_has_no_code_and_says_so(kiosk_model, tmp_path):
    assert kiosk_model.verification_code is None and kiosk_model.to_dict()["verification_code"] is None
    assert dict(verification_lines(kiosk_model))["Mã kiểm tra"] == NOT_ISSUED
    pdf = tmp_path / "kiosk.pdf"
    pdf.write_bytes(render(kiosk_model, "pdf"))
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert not re.search(r"Mã kiểm tra: [A-Z2-7]{10}", text) and "không do máy chủ trung tâm cấp" in text


def test_an_issued_models_code_is_printed_in_the_pdf_and_the_workbook(kiosk_model, tmp_path):
    import io
    openpyxl = pytest.importorskip("openpyxl")
    issued = copy.deepcopy(kiosk_model)
    issued.verification_code, issued.verification_url = "ABCDEFG234", "https://danhgia.example.vn/kiem-tra/ABCDEFG234"
    pdf = tmp_path / "issued.pdf"
    pdf.write_bytes(render(issued, "pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("Mã kiểm tra: ABCDEFG234") >= 2   # under the period, and at the foot of each page
    book = openpyxl.load_workbook(io.BytesIO(render(issued, "xlsx")))
    assert any(v == "Mã kiểm tra: ABCDEFG234 — Kiểm tra tại: https://danhgia.example.vn/kiem-tra/ABCDEFG234"
               for row in book["Tổng hợp"].iter_rows(values_only=True) for v in row)
    assert issued.to_dict()["verification_code"] == "ABCDEFG234"

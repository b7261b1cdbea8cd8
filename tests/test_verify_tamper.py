"""`verify` catches what an attacker with the `sqlite3` tool could do that the hash chains alone let pass:
a derived column moved to another day or quarter, and a cut tail. Real SQLite files, edited by the real
`sqlite3` command, checked by the real `python main.py verify`."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rating import chain
from kiosk.config import ensure_data_dir
from kiosk.questionnaire.answers import AnswerStore, verify_answers
from rating.chain import ANSWERS
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
from kiosk.store import SCHEMA_VERSION, VoteStore
from tests.conftest import run_cli

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=TZ)
QUESTIONS = ("access-info", "access-signs", "access-clean", "overall")


@pytest.fixture
def centre():
    return load_catalogue([SHIPPED_DIR]).get("trung-tam")


@pytest.fixture
def filled(config, centre):
    """A kiosk's store with 10 votes and 12 answers (four responses; answer 11 replaces 10), all through the API."""
    ensure_data_dir(config)
    with VoteStore.from_config(config) as s:
        for i in range(6):
            s.record_vote(("Q1", "Q2")[i % 2], "HL", at=T0 + timedelta(minutes=i))
        s.record_votes([{"counter_id": "Q3", "level": "BT", "at": T0 + timedelta(minutes=10 + i)} for i in range(4)])
        answers = AnswerStore(s)
        for r in range(2):
            rid = answers.start_response(centre, "kiosk", "Q1", at=T0 + timedelta(hours=r))
            for i, qid in enumerate(QUESTIONS):
                answers.record_answer(rid, qid, "HL", at=T0 + timedelta(hours=r, seconds=i))
            answers.finish_response(rid)
        answers.record_responses(centre, [{"channel": "phone", "at": T0 + timedelta(hours=3),
                                           "answers": {"access-info": "BT"}}])
        assert (s.count(), s.answer_count()) == (9 + 1, 9)
        rid = answers.start_response(centre, "kiosk", "Q2", at=T0 + timedelta(hours=4))
        answers.record_answer(rid, "overall", "KHL", at=T0 + timedelta(hours=4))
        answers.record_answer(rid, "overall", "RHL", at=T0 + timedelta(hours=4, seconds=5))  # replaces the one before
        answers.record_answer(rid, "access-info", "HL", at=T0 + timedelta(hours=4, seconds=9))
        assert s.answer_count() == 12
    return config


def attack(config, sql: str) -> None:
    """Run ``sql`` on the kiosk's database with the sqlite3 command-line tool, as someone at the kiosk could."""
    subprocess.run(["sqlite3", str(config.db_path), sql], check=True, capture_output=True, text=True)


def verify(config_path):
    out = run_cli("verify", config=config_path)
    assert "Traceback" not in out.stdout + out.stderr
    return out


def broken_lines(stdout: str, chain_vi: str) -> tuple[str, str]:
    """The Vietnamese line saying the chain is broken, and the English detail line right under it."""
    lines = stdout.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(f"chuỗi băm {chain_vi}: HỎNG"))
    return lines[i], lines[i + 1]


# --- derived columns ---------------------------------------------------------------------------

def test_an_answer_moved_to_another_quarter_by_its_local_date_fails_verify_naming_answer_and_column(filled, config_path):
    assert verify(config_path).returncode == 0
    attack(filled, "update q_answers set local_date='2026-07-01' where seq=5")
    out = verify(config_path)
    assert out.returncode == 1
    vi, en = broken_lines(out.stdout, "câu trả lời")
    assert vi.startswith("chuỗi băm câu trả lời: HỎNG tại câu trả lời số 5: cột local_date là 2026-07-01 nhưng")
    assert "cho 2026-11-20 (cột đã bị sửa" in vi
    assert re.match(r"  answers' hash chain: BROKEN at answer seq 5 \(uuid [0-9a-f-]{36}\): local_date is '2026-07-01'", en)
    assert "chuỗi băm phiếu: hợp lệ (10 phiếu)" in out.stdout  # the other chain is named whole


def test_a_vote_moved_to_another_day_by_its_local_date_fails_verify_naming_vote_and_column(filled, config_path):
    attack(filled, "update votes set local_date='2026-07-01' where seq=5")
    out = verify(config_path)
    assert out.returncode == 1
    vi, en = broken_lines(out.stdout, "phiếu")
    assert vi.startswith("chuỗi băm phiếu: HỎNG tại phiếu số 5: cột local_date là 2026-07-01 nhưng")
    assert en.startswith("  votes' hash chain: BROKEN at vote seq 5 (uuid ") and "local_date is '2026-07-01'" in en


def test_a_votes_edited_ts_ms_is_named_by_verify(filled):
    attack(filled, "update votes set ts_ms = ts_ms + 86400000 where seq=7")  # a day later for the misuse check
    with VoteStore.from_config(filled) as s:
        brk = s.verify_chain()
    assert brk is not None and (brk.seq, brk.column) == (7, "ts_ms") and "ts_ms is" in brk.reason


def test_a_responses_local_date_moved_to_another_quarter_is_named_by_verify(filled):
    attack(filled, "update q_responses set local_date='2026-07-01' where uuid=(select response_uuid from q_answers "
                   "where seq=5)")
    with VoteStore.from_config(filled) as s:
        brk = verify_answers(s)
    assert brk is not None and (brk.seq, brk.column) == (5, "local_date")
    assert "its response" in brk.reason and "lượt trả lời" in brk.vi


def test_an_answers_replaced_mark_moved_is_named_by_verify(filled):
    attack(filled, "update q_answers set replaced=0 where seq=10")  # both the old and the new answer would count
    with VoteStore.from_config(filled) as s:
        brk = verify_answers(s)
    assert brk is not None and brk.column == "replaced" and "dấu đã bị sửa" in brk.vi


# --- a cut tail ------------------------------------------------------------------------------------

def test_deleting_the_last_answer_fails_verify_saying_it_was_deleted(filled, config_path):
    attack(filled, "delete from q_answers where seq=(select max(seq) from q_answers)")
    out = verify(config_path)
    assert out.returncode == 1
    vi, en = broken_lines(out.stdout, "câu trả lời")
    assert vi == ("chuỗi băm câu trả lời: HỎNG sau câu trả lời số 11: 1 câu trả lời cuối cùng (số 12) đã bị xoá "
                  "(đầu chuỗi ghi đến câu trả lời số 12)")
    assert en == ("  answers' hash chain: BROKEN at answer seq 12: the last 1 answer(s) after seq 11 were deleted "
                  "(answer 12 missing; the chain head records answer 12)")


def test_deleting_the_last_vote_fails_verify_saying_it_was_deleted(filled, config_path):
    attack(filled, "delete from votes where seq=(select max(seq) from votes)")
    out = verify(config_path)
    assert out.returncode == 1
    vi, en = broken_lines(out.stdout, "phiếu")
    assert vi == "chuỗi băm phiếu: HỎNG sau phiếu số 9: 1 phiếu cuối cùng (số 10) đã bị xoá (đầu chuỗi ghi đến phiếu số 10)"
    assert "the last 1 vote(s) after seq 9 were deleted" in en


def test_deleting_every_vote_fails_verify(filled):
    attack(filled, "delete from votes")
    with VoteStore.from_config(filled) as s:
        brk = s.verify_chain()
    assert brk is not None and "the last 10 vote(s) after seq 0 were deleted" in brk.reason and "số 1–10" in brk.vi


def test_a_last_vote_replaced_with_its_hash_recomputed_fails_verify(filled):
    with VoteStore.from_config(filled) as s:
        row = list(s.query(f"SELECT {', '.join(chain.HASHED_FIELDS)} FROM votes WHERE seq = 10")[0])
    row[5] = "RKHL"  # HL becomes very dissatisfied, and the vote's own hash is made to match
    attack(filled, f"update votes set level='RKHL', hash='{chain.VOTES.hash_values(row)}' where seq=10")
    with VoteStore.from_config(filled) as s:
        brk = s.verify_chain()
    assert brk is not None and brk.seq == 10 and "not the one recorded" in brk.reason


def test_a_cut_tail_stays_visible_after_the_kiosk_records_again(filled, config, centre):
    attack(filled, "delete from votes where seq >= 9; delete from q_answers where seq = 12")
    with VoteStore.from_config(config) as s:
        assert s.record_vote("Q1", "RHL", at=T0 + timedelta(hours=5)).seq == 11  # after the head, not after 8
        rid = AnswerStore(s).start_response(centre, "kiosk", "Q1", at=T0 + timedelta(hours=5))
        AnswerStore(s).record_answer(rid, "overall", "RHL", at=T0 + timedelta(hours=5))
        brk, abrk = s.verify_chain(), verify_answers(s)
    assert brk is not None and brk.seq == 11 and "vote(s) 9-10 missing" in brk.reason
    assert abrk is not None and abrk.seq == 13 and "answer(s) 12 missing" in abrk.reason


def test_a_deleted_chain_head_fails_verify_rather_than_hiding_a_cut(filled, config_path):
    attack(filled, "delete from chain_heads where chain='votes'; delete from votes where seq=10")
    out = verify(config_path)
    assert out.returncode == 1 and "chuỗi băm phiếu: HỎNG bản ghi đầu chuỗi phiếu bị mất" in out.stdout
    attack(filled, "drop table chain_heads")
    out = verify(config_path)
    assert out.returncode == 1 and "bảng đầu chuỗi chain_heads bị mất" in out.stdout


# --- what must still pass ----------------------------------------------------------------------------

def test_an_untouched_store_passes_verify_with_each_line_in_one_language(filled, config_path):
    out = verify(config_path)
    assert out.returncode == 0, out.stdout
    assert "chuỗi băm phiếu: hợp lệ (10 phiếu)" in out.stdout
    assert "chuỗi băm câu trả lời: hợp lệ (12 câu trả lời)" in out.stdout


def test_a_broken_store_says_each_finding_in_vietnamese_first_then_english_alone(filled, config_path):
    attack(filled, "update votes set local_date='2026-07-01' where seq=5; delete from q_answers where seq=12")
    lines = verify(config_path).stdout.splitlines()[1:]  # after the integrity line, which names the file
    english = re.compile(r"\b(vote|answer|hash|chain|BROKEN|deleted|edited|is|but|gives)\b")
    assert len(lines) == 4
    for vi, en in (lines[0:2], lines[2:4]):
        assert any(unicodedata.decomposition(c) for c in vi if c.isalpha() and not c.isascii())
        assert not english.search(re.sub(r"\(uuid [0-9a-f-]+\)", "", vi)), vi
        assert en.startswith("  ") and all(c.isascii() for c in en), en


def test_a_version_4_store_is_migrated_verifies_and_then_shows_a_cut_tail(filled, config_path, config):
    # A version-4 file is this one without chain_heads: what the release before this one wrote.
    attack(config, "drop table chain_heads; pragma user_version = 4")
    with VoteStore.from_config(config) as s:
        assert s.query("PRAGMA user_version") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION == 5
        assert s.query("SELECT chain, seq FROM chain_heads ORDER BY chain") == [("q_answers", 12), ("votes", 10)]
    assert verify(config_path).returncode == 0
    attack(config, "delete from votes where seq=10")
    assert "1 phiếu cuối cùng (số 10) đã bị xoá" in verify(config_path).stdout


def test_an_empty_version_4_store_is_migrated_and_verifies(tmp_path):
    path = tmp_path / "votes.db"
    VoteStore.open(path, kiosk_id="k", tz=TZ).close()
    raw = sqlite3.connect(path)
    raw.executescript("DROP TABLE chain_heads; PRAGMA user_version = 4;")
    raw.close()
    with VoteStore.open(path, kiosk_id="k", tz=TZ) as s:
        assert s.verify_chain() is None and verify_answers(s) is None
        s.record_vote("Q1", "HL", at=T0)
        assert s.verify_chain() is None


def test_a_vote_forged_after_the_last_one_with_a_valid_hash_fails_verify(filled):
    with VoteStore.from_config(filled) as s:
        last = s.query("SELECT hash FROM votes WHERE seq = 10")[0][0]
    local_time = "2026-11-20T10:00:00.000+07:00"
    row = [11, "00000000-0000-4000-8000-000000000011", "test-01", "Q1", None, "RHL", "sipas5", "touch", local_time,
           None, None, last]
    attack(filled, f"insert into votes (seq, uuid, kiosk_id, counter_id, level, scale, source, local_time, prev_hash, "
                   f"hash, local_date, ts_ms) values (11, '{row[1]}', 'test-01', 'Q1', 'RHL', 'sipas5', 'touch', "
                   f"'{local_time}', '{last}', '{chain.VOTES.hash_values(row)}', '2026-11-20', {chain.ts_ms_of(local_time)})")
    with VoteStore.from_config(filled) as s:
        brk = s.verify_chain()
    assert brk is not None and brk.seq == 11 and "added outside the kiosk software" in brk.reason
    assert "được thêm vào ngoài phần mềm ki-ốt" in brk.vi


@settings(max_examples=300)
@given(st.lists(st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63), st.text(max_size=40)),
                min_size=len(ANSWERS.hashed), max_size=len(ANSWERS.hashed)))
def test_an_answers_fast_encoding_equals_the_json_module_s_for_any_field_values(values):
    answer = dict(zip(ANSWERS.hashed, values))
    assert ANSWERS.encode(answer) == json.dumps([ANSWERS.tag, *values], ensure_ascii=False,
                                                 separators=(",", ":")).encode("utf-8")

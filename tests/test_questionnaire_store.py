"""Questionnaire answers in the vote store: durable as given, hash-chained, verified, migrated, started and stopped."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.db import connect, migrate
from kiosk.questionnaire.answers import (AnswerStore, DefinitionChanged, ResponseError, active_questionnaire,
                                         register_definition, start_questionnaire, stop_questionnaire, verify_answers)
from rating.chain import ANSWERS
from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue, parse_questionnaire
from kiosk.store import MIGRATIONS, SCHEMA_VERSION, VOTE_COLUMNS, VoteStore, _Chainer
from tests.conftest import run_cli

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=TZ)


@pytest.fixture
def catalogue():
    return load_catalogue([SHIPPED_DIR])


@pytest.fixture
def centre(catalogue):
    return catalogue.get("trung-tam")


@pytest.fixture
def answers(store):
    return AnswerStore(store)


def answer_three(answers, q, channel="kiosk", counter="Q1"):
    rid = answers.start_response(q, channel, counter, at=T0)
    for i, (qid, choice) in enumerate([("access-info", "RHL"), ("access-signs", "HL"), ("access-clean", None)]):
        answers.record_answer(rid, qid, choice, at=T0 + timedelta(seconds=i))
    return rid


def test_an_answer_is_committed_before_record_answer_returns(store, answers, centre):
    rid = answers.start_response(centre, "kiosk", "Q1")
    answer = answers.record_answer(rid, "access-info", "HL")
    other = sqlite3.connect(store.path)  # another connection sees it at once: it is on disk, not in a transaction
    assert other.execute("SELECT uuid, question_id, choice, channel, counter_id FROM q_answers").fetchall() == [
        (answer.uuid, "access-info", "HL", "kiosk", "Q1")]
    other.close()


def test_answers_form_a_chain_each_hashing_the_one_before(store, answers, centre):
    answer_three(answers, centre)
    rows = store.query("SELECT seq, prev_hash, hash FROM q_answers ORDER BY seq")
    assert [r[0] for r in rows] == [1, 2, 3]
    assert rows[0][1] == "0" * 64 and rows[1][1] == rows[0][2] and rows[2][1] == rows[1][2]
    assert verify_answers(store) is None


def test_the_canonical_encoding_is_the_documented_json_array():
    answer = {"seq": 1, "uuid": "8d3b8c1e-2f4a-4b6c-9a0e-5c1d2e3f4a5b", "response_uuid": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
              "kiosk_id": "ninh-giang-01", "questionnaire_id": "trung-tam", "version": 1,
              "definition_hash": "ab" * 32, "channel": "kiosk", "counter_id": "Q1", "question_id": "access-info",
              "choice": "HL", "text": None, "replaces": None, "local_time": "2026-11-21T09:16:40.250+07:00",
              "prev_hash": "0" * 64}
    assert ANSWERS.tag == "qa1"
    assert ANSWERS.encode(answer) == (
        '["qa1",1,"8d3b8c1e-2f4a-4b6c-9a0e-5c1d2e3f4a5b","1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9","ninh-giang-01",'
        '"trung-tam",1,"' + "ab" * 32 + '","kiosk","Q1","access-info","HL",null,null,'
        '"2026-11-21T09:16:40.250+07:00","' + "0" * 64 + '"]').encode("utf-8")
    # the worked example in docs/questionnaire.md
    assert ANSWERS.hash(answer) == "a7b8e76788986428eb33095f30f450fbdc0deeb409c273c04338d435c4a69d64"


def test_answering_again_replaces_the_earlier_answer_without_changing_it(store, answers, centre):
    rid = answers.start_response(centre, "kiosk", "Q1")
    first = answers.record_answer(rid, "officer-polite", "KHL")
    second = answers.record_answer(rid, "officer-polite", "HL")
    assert second.replaces == first.uuid
    assert answers.record_answer(rid, "officer-polite", "HL") == second  # the same answer again adds nothing
    assert store.query("SELECT choice, replaced FROM q_answers ORDER BY seq") == [("KHL", 1), ("HL", 0)]
    assert answers.answers(rid) == {"officer-polite": "HL"}
    assert verify_answers(store) is None


def test_a_skip_is_stored_as_an_answer_with_no_choice(store, answers, centre):
    rid = answers.start_response(centre, "kiosk", "Q1")
    answers.record_answer(rid, "procedure-fees", None)
    assert store.query("SELECT question_id, choice, text FROM q_answers") == [("procedure-fees", None, None)]


def test_bad_answers_are_refused_and_nothing_is_stored(store, answers, centre):
    rid = answers.start_response(centre, "kiosk", "Q1")
    with pytest.raises(ResponseError, match="'OK' is not a choice of question 'access-info'"):
        answers.record_answer(rid, "access-info", "OK")
    with pytest.raises(ResponseError, match="has no question 'nope'"):
        answers.record_answer(rid, "nope", "HL")
    with pytest.raises(ResponseError, match="not asked on the kiosk channel"):
        answers.record_answer(rid, "gop-y", "Tốt")
    with pytest.raises(ResponseError, match="channel 'sms'"):
        answers.start_response(centre, "sms")
    with pytest.raises(ResponseError, match="no response"):
        answers.record_answer("00000000-0000-4000-8000-000000000000", "access-info", "HL")
    assert store.query("SELECT count(*) FROM q_answers") == [(0,)]


def test_words_are_kept_only_for_the_free_text_question_on_a_phone_or_paper(store, answers, centre):
    rid = answers.start_response(centre, "phone")
    answers.record_answer(rid, "gop-y", "  Nên có thêm ghế chờ.  ")
    with pytest.raises(ResponseError, match="at most 500 characters"):
        answers.record_answer(rid, "gop-y", "x" * 501)
    assert store.query("SELECT choice, text, channel FROM q_answers") == [(None, "Nên có thêm ghế chờ.", "phone")]


def test_a_finished_response_takes_no_more_answers_but_an_abandoned_one_keeps_its_answers(store, answers, centre):
    rid = answer_three(answers, centre)
    walked_away = answers.start_response(centre, "kiosk", "Q2")
    answers.record_answer(walked_away, "access-info", "BT")
    answers.finish_response(rid)
    with pytest.raises(ResponseError, match="finished"):
        AnswerStore(store).record_answer(rid, "overall", "HL")  # a fresh AnswerStore reads it from the file
    assert answers.answers(walked_away) == {"access-info": "BT"}
    assert store.query("SELECT finished_at IS NOT NULL FROM q_responses ORDER BY started_at, uuid") != []


def test_answers_can_be_given_from_a_fresh_process_that_reads_the_stored_definition(config, centre):
    with VoteStore.from_config(config) as s:
        rid = AnswerStore(s).start_response(centre, "paper")
    with VoteStore.from_config(config) as s:  # e.g. the paper-entry screen reopening a form
        AnswerStore(s).record_answer(rid, "result-fair", "RHL")
        assert verify_answers(s) is None


def test_a_changed_file_with_the_same_version_is_refused_once_answers_exist(store, answers, centre):
    changed = parse_questionnaire(open(centre.source, encoding="utf-8").read().replace(
        "Biển báo, chỉ dẫn", "Bảng chỉ dẫn"), source="trung-tam.toml")
    register_definition(store, changed)  # no answers yet: still a draft, the stored copy follows the file
    register_definition(store, centre)
    answer_three(answers, centre)
    with pytest.raises(DefinitionChanged, match=r"trung-tam.toml: questionnaire 'trung-tam' version 1 has changed "
                                                r"since 1 response\(s\).*make a new version \(set version = 2"):
        AnswerStore(store).start_response(changed, "kiosk", "Q1")
    with pytest.raises(DefinitionChanged):
        start_questionnaire(store, changed)
    v2 = parse_questionnaire(open(centre.source, encoding="utf-8").read().replace(
        "Biển báo, chỉ dẫn", "Bảng chỉ dẫn").replace("version = 1", "version = 2"))
    AnswerStore(store).start_response(v2, "kiosk", "Q1")  # a new version is fine


def test_start_and_stop_at_one_counter_or_everywhere(store, catalogue):
    centre, friendly = catalogue.get("trung-tam"), catalogue.get("chinh-quyen-than-thien")
    today = store.today()
    assert active_questionnaire(store, "Q1", today) is None
    start_questionnaire(store, centre)
    start_questionnaire(store, friendly, counter_id="Q2", until=today + timedelta(days=7), mode="replace")
    assert active_questionnaire(store, "Q1", today).questionnaire.id == "trung-tam"
    on_q2 = active_questionnaire(store, "Q2", today)
    assert (on_q2.questionnaire.id, on_q2.counter_id, on_q2.mode) == ("chinh-quyen-than-thien", "Q2", "replace")
    assert active_questionnaire(store, "Q2", today + timedelta(days=8)).questionnaire.id == "trung-tam"  # Q2's ended
    with pytest.raises(ValueError, match="on for every counter"):
        stop_questionnaire(store, "Q1")
    assert stop_questionnaire(store, "Q2") == ["Q2"]
    assert active_questionnaire(store, "Q2", today).questionnaire.id == "trung-tam"
    assert stop_questionnaire(store) == ["*"]
    assert active_questionnaire(store, "Q1", today) is None
    with pytest.raises(ValueError, match="counter 'Q9' is not configured"):
        start_questionnaire(store, centre, counter_id="Q9")
    with pytest.raises(ValueError, match="already past"):
        start_questionnaire(store, centre, until=today - timedelta(days=1))


def test_verify_names_an_answer_edited_with_plain_sqlite(config_path, config, centre):
    with VoteStore.from_config(config) as s:
        answer_three(AnswerStore(s), centre)
        uuid2 = s.query("SELECT uuid FROM q_answers WHERE seq = 2")[0][0]
    raw = sqlite3.connect(config.db_path)
    raw.execute("UPDATE q_answers SET choice = 'RHL' WHERE seq = 2")
    raw.commit()
    raw.close()
    result = run_cli("verify", config=config_path)
    assert result.returncode == 1
    assert "chuỗi băm câu trả lời: HỎNG tại câu trả lời số 2: mã băm không khớp (câu trả lời đã bị sửa)" in result.stdout
    assert f"answers' hash chain: BROKEN at answer seq 2 (uuid {uuid2}): hash does not match" in result.stdout
    assert "chuỗi băm phiếu: hợp lệ (0 phiếu)" in result.stdout


def test_verify_prints_an_edited_answer_exactly_as_docs_questionnaire_shows_it(config_path, config, centre):
    from pathlib import Path
    with VoteStore.from_config(config) as s:
        answer_three(AnswerStore(s), centre)
        uuid2 = s.query("SELECT uuid FROM q_answers WHERE seq = 2")[0][0]
    raw = sqlite3.connect(config.db_path)
    raw.execute("UPDATE q_answers SET choice = 'RHL' WHERE seq = 2")
    raw.commit()
    raw.close()
    doc = (Path(__file__).resolve().parent.parent / "docs" / "questionnaire.md").read_text(encoding="utf-8")
    lines = doc.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("chuỗi băm câu trả lời: HỎNG"))
    documented = "\n".join(lines[i:i + 2]).replace("0c6d…", uuid2)  # the doc shortens the uuid
    assert documented in run_cli("verify", config=config_path).stdout


def test_an_edited_answer_whose_response_was_edited_too_is_named_as_edited(store, answers, centre):
    # At one answer, the chain's own finding comes before a disagreement with its response.
    rid = answer_three(answers, centre)
    raw = sqlite3.connect(store.path)
    raw.execute("UPDATE q_answers SET choice = 'KHL' WHERE seq = 1")
    raw.execute("UPDATE q_responses SET channel = 'paper' WHERE uuid = ?", (rid,))
    raw.commit()
    raw.close()
    brk = verify_answers(store)
    assert brk is not None and brk.seq == 1 and "the answer was edited" in brk.reason


def test_verify_names_the_gap_left_by_an_answer_deleted_with_plain_sqlite(config_path, config, centre):
    with VoteStore.from_config(config) as s:
        answer_three(AnswerStore(s), centre)
    raw = sqlite3.connect(config.db_path)
    raw.execute("DELETE FROM q_answers WHERE seq = 2")
    raw.commit()
    raw.close()
    result = run_cli("verify", config=config_path)
    assert result.returncode == 1
    assert "chuỗi băm câu trả lời: HỎNG tại câu trả lời số 3: thiếu câu trả lời số 2" in result.stdout
    assert "answer seq 3" in result.stdout and "answer(s) 2 missing" in result.stdout


def test_verify_catches_an_edited_response_an_edited_replaced_mark_and_an_edited_definition(store, answers, centre):
    rid = answer_three(answers, centre)
    answers.record_answer(rid, "access-info", "BT")  # replaces seq 1
    store.conn.execute("UPDATE q_responses SET channel = 'paper' WHERE uuid = ?", (rid,))
    assert "channel differ" in str(verify_answers(store))
    store.conn.execute("UPDATE q_responses SET channel = 'kiosk' WHERE uuid = ?", (rid,))
    store.conn.execute("UPDATE q_answers SET replaced = 0 WHERE seq = 1")  # both answers would count
    assert "not marked replaced" in str(verify_answers(store))
    store.conn.execute("UPDATE q_answers SET replaced = 1 WHERE seq = 1")
    assert verify_answers(store) is None
    other = parse_questionnaire(open(centre.source, encoding="utf-8").read().replace("Biển báo", "Bảng"))
    store.conn.execute("UPDATE q_definitions SET definition = ?, definition_hash = ?",  # swapped consistently
                       (other.definition, other.definition_hash))
    assert "not the one this answer was given under" in str(verify_answers(store))
    store.conn.execute("UPDATE q_definitions SET definition = ?", (other.definition + " ",))
    assert "does not match its hash" in str(verify_answers(store))


def test_verify_passes_on_an_untouched_store_through_the_cli(config_path, config, centre):
    with VoteStore.from_config(config) as s:
        answer_three(AnswerStore(s), centre)
        s.record_vote("Q1", "HL")
    result = run_cli("verify", config=config_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chuỗi băm câu trả lời: hợp lệ (3 câu trả lời)" in result.stdout


def test_a_version_3_database_with_votes_is_migrated_to_version_4_in_place(tmp_path, centre):
    path = tmp_path / "votes.db"
    conn = connect(path)
    migrate(conn, MIGRATIONS[:3], path)  # exactly what the schema-3 release created
    chainer = _Chainer(conn, "k", 10_000)
    rows = [chainer.next("Q1", "HL", "sipas5", "touch", None, None, T0 + timedelta(minutes=i)) for i in range(3)]
    conn.executemany(f"INSERT INTO votes ({', '.join(VOTE_COLUMNS)}) VALUES ({', '.join('?' * len(VOTE_COLUMNS))})", rows)
    conn.execute("INSERT INTO settings VALUES ('manager_pin', 'scrypt$x')")
    conn.close()
    inode = path.stat().st_ino
    with VoteStore.open(path, kiosk_id="k", tz=TZ) as s:
        assert s.query("PRAGMA user_version") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION >= 4
        assert path.stat().st_ino == inode
        assert [v.uuid for v in s.iter_votes()] == [r[1] for r in rows]
        assert s.verify_chain() is None and s.get_setting("manager_pin") == "scrypt$x"
        rid = AnswerStore(s).start_response(centre, "kiosk", "Q1")
        AnswerStore(s).record_answer(rid, "overall", "RHL")
        assert verify_answers(s) is None


def test_answers_wait_for_sync_like_votes(store, answers, centre):
    answer_three(answers, centre)
    assert store.query("SELECT DISTINCT sync_state FROM q_answers") == [("pending",)]
    assert store.query("SELECT DISTINCT sync_state FROM q_responses") == [("pending",)]
    assert store.query("SELECT DISTINCT sync_state FROM q_definitions") == [("pending",)]


def test_many_responses_recorded_at_once_are_chained_like_single_answers(store, answers, centre):
    items = [{"channel": ch, "at": T0 + timedelta(minutes=i), "answers": {"access-info": "HL", "overall": None}}
             for i, ch in enumerate(["kiosk", "phone", "paper"])]
    assert answers.record_responses(centre, items) == 3
    rid = answers.start_response(centre, "kiosk")
    answers.record_answer(rid, "overall", "RHL")
    assert store.query("SELECT count(*), max(seq) FROM q_answers") == [(7, 7)]
    assert verify_answers(store) is None
    with pytest.raises(ResponseError, match="not asked on the kiosk channel"):
        answers.record_responses(centre, [{"channel": "kiosk", "at": T0, "answers": {"gop-y": "x"}}])
    assert store.query("SELECT count(*) FROM q_responses") == [(4,)]  # the refused batch left nothing


def test_the_active_questionnaire_is_the_stored_definition(store, centre):
    start_questionnaire(store, centre, until=date(2099, 1, 1))
    active = active_questionnaire(store, None)
    assert active.questionnaire.definition_hash == centre.definition_hash
    assert [q.id for q in active.questionnaire.questions] == [q.id for q in centre.questions]


def test_the_outbox_hands_out_each_row_until_acknowledged_and_never_again(store, answers, centre):
    from kiosk import outbox
    from rating.wire import Q_ANSWER_FIELDS
    rid = answer_three(answers, centre)
    waiting = outbox.waiting(store, outbox.ANSWERS, 10)
    assert [a["seq"] for a in waiting] == [1, 2, 3] and set(waiting[0]) == set(Q_ANSWER_FIELDS)
    assert outbox.count_waiting(store) == {"votes": 0, "reasons": 0, "definitions": 1, "responses": 1, "answers": 3}
    outbox.mark_synced(store, {outbox.DEFINITIONS: [centre.key], outbox.RESPONSES: [rid],
                               outbox.ANSWERS: [waiting[0]["uuid"]]}, at=T0)
    assert [a["seq"] for a in outbox.waiting(store, outbox.ANSWERS, 10)] == [2, 3]
    assert outbox.waiting(store, outbox.RESPONSES, 10) == [] and outbox.waiting(store, outbox.DEFINITIONS, 10) == []
    answers.finish_response(rid)  # the finish time has not been sent yet
    assert [r["uuid"] for r in outbox.waiting(store, outbox.RESPONSES, 10)] == [rid]

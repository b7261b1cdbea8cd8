"""``python main.py questionnaire …`` as a user runs it: the list and show contracts, start and stop."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.config import load_config
from kiosk.questionnaire.answers import AnswerStore, active_questionnaire
from rating.questionnaire.loader import load_file
from kiosk.store import VoteStore
from tests.conftest import run_cli, write_config
from tests.test_questionnaire_loader import MINIMAL


def test_list_json_names_both_shipped_questionnaires(config_path):
    result = run_cli("questionnaire", "list", "--json", config=config_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["id"], r["version"]) for r in rows] == [("chinh-quyen-than-thien", 1), ("trung-tam", 1)]
    assert all(r["title"] and r["active"] == [] for r in rows)


def test_show_json_is_the_contract_with_questions_in_order_and_choices_best_first(config_path):
    result = run_cli("questionnaire", "show", "trung-tam", "--json", config=config_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["id"], shown["version"]) == ("trung-tam", 1) and shown["title"].startswith("Ý kiến")
    first = shown["questions"][0]
    assert (first["id"], first["element"], first["choices"]) == ("access-info", "access", ["RHL", "HL", "BT", "KHL", "RKHL"])
    assert first["text"].startswith("Thông tin về thủ tục")
    scale = [q for q in shown["questions"] if q["kind"] == "scale"]
    assert [q["element"] for q in scale] == ["access"] * 4 + ["procedure"] * 4 + ["officer"] * 5 + ["result"] * 3 \
        + ["feedback"] * 3 + ["overall"]


def test_show_in_text_numbers_the_questions_for_a_person(config_path):
    result = run_cli("questionnaire", "show", "chinh-quyen-than-thien", config=config_path)
    assert result.returncode == 0
    assert "Câu 1/22 [listen]" in result.stdout and "1. Rất hài lòng (RHL)" in result.stdout


def test_show_json_is_as_docs_questionnaire_md_says_beside_the_contract(config_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "questionnaire.md").read_text(encoding="utf-8")
    paragraph = doc[doc.index("`show --json` prints"):doc.index("```json", doc.index("`show --json` prints"))]
    added = ("kind", "text_en", "channels")
    assert all(f"`{key}`" in paragraph for key in added)
    assert '`"element": null`' in paragraph and '`"choices": []`' in paragraph
    shown = json.loads(run_cli("questionnaire", "show", "trung-tam", "--json", config=config_path).stdout)
    for q in shown["questions"]:
        assert set(q) == {"id", "element", "text", "choices", *added}, q["id"]
        if q["kind"] == "profile":
            assert q["element"] is None and q["choices"] and not set(q["choices"]) & {"RHL", "HL", "BT", "KHL", "RKHL"}
            assert f"`{q['choices'][0]}`" in paragraph, q["choices"]     # an example of its own codes
        elif q["kind"] == "text":
            assert q["element"] is None and q["choices"] == []
            assert f"`{q['id']}`" in paragraph
        else:
            assert q["element"] and q["choices"] == ["RHL", "HL", "BT", "KHL", "RKHL"]


def test_an_unknown_questionnaire_is_a_clear_error_not_a_traceback(config_path):
    result = run_cli("questionnaire", "show", "khong-co", config=config_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "lỗi: không có phiếu khảo sát 'khong-co' (các phiếu có: chinh-quyen-than-thien, trung-tam)"


def test_start_and_stop_through_the_command_line_are_seen_by_the_python_api(config_path):
    config = load_config(config_path)
    result = run_cli("questionnaire", "start", "trung-tam", "--counter", "Q1", "--until", "2099-12-31",
                     config=config_path)
    assert result.returncode == 0, result.stderr
    assert "quầy Q1" in result.stdout and "31/12/2099" in result.stdout
    with VoteStore.from_config(config) as store:
        assert active_questionnaire(store, "Q1").questionnaire.id == "trung-tam"
        assert active_questionnaire(store, "Q2") is None
    listed = json.loads(run_cli("questionnaire", "list", "--json", config=config_path).stdout)
    assert next(r for r in listed if r["id"] == "trung-tam")["active"] == [
        {"counter": "Q1", "mode": "invite", "until": "2099-12-31"}]
    assert run_cli("questionnaire", "stop", "--counter", "Q1", config=config_path).returncode == 0
    with VoteStore.from_config(config) as store:
        assert active_questionnaire(store, "Q1") is None
    bad = run_cli("questionnaire", "start", "trung-tam", "--counter", "Q9", config=config_path)
    assert bad.returncode == 1 and bad.stderr.startswith("lỗi: không có quầy 'Q9' trong cấu hình (các quầy: Q1")


def test_stop_at_a_counter_not_in_the_configuration_is_refused_like_start(config_path):
    assert run_cli("questionnaire", "start", "trung-tam", "--counter", "Q1", config=config_path).returncode == 0
    bad = run_cli("questionnaire", "stop", "--counter", "Q9", config=config_path)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.strip().startswith("lỗi: không có quầy 'Q9' trong cấu hình (các quầy: Q1")
    with VoteStore.from_config(load_config(config_path)) as store:
        assert active_questionnaire(store, "Q1").questionnaire.id == "trung-tam"   # nothing was stopped


def test_the_questionnaire_commands_refuse_in_vietnamese_with_exit_1_and_no_traceback(config_path):
    assert run_cli("questionnaire", "start", "trung-tam", config=config_path).returncode == 0
    one = run_cli("questionnaire", "stop", "--counter", "Q1", config=config_path)
    assert one.returncode == 1 and one.stderr.startswith("lỗi: phiếu khảo sát đang bật ở mọi quầy, không riêng quầy Q1")
    past = run_cli("questionnaire", "start", "trung-tam", "--until", "2000-01-01", config=config_path)
    assert past.returncode == 1 and past.stderr.startswith("lỗi: --until 01/01/2000 đã qua (hôm nay là ")
    for args in (("show", "nope"), ("start", "nope"), ("analyse", "nope")):
        result = run_cli("questionnaire", *args, config=config_path)
        assert result.returncode == 1 and result.stderr.startswith("lỗi: không có phiếu khảo sát 'nope'"), args
        assert "error" not in result.stderr and "Traceback" not in result.stderr


def test_a_bad_centre_file_is_named_with_its_line_and_the_good_ones_still_listed(tmp_path):
    folder = tmp_path / "phieu"
    folder.mkdir()
    (folder / "xa.toml").write_text(MINIMAL.replace('element = "access"', 'element = "acess"'), encoding="utf-8")
    config_path = write_config(tmp_path, extra='\n[questionnaire]\ndir = "phieu"\n')
    result = run_cli("questionnaire", "list", config=config_path)
    assert result.returncode == 1
    assert "xa.toml: invalid questionnaire" in result.stderr
    assert "line 19: [[questions]] #1 element: unknown element 'acess'" in result.stderr
    assert "trung-tam" in result.stdout


def test_a_file_changed_after_answers_is_refused_until_it_gets_a_new_version(tmp_path):
    folder = tmp_path / "phieu"
    folder.mkdir()
    path = folder / "thu.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    config_path = write_config(tmp_path, extra='\n[questionnaire]\ndir = "phieu"\n')
    with VoteStore.from_config(load_config(config_path)) as store:
        answers = AnswerStore(store)
        answers.record_answer(answers.start_response(load_file(path), "kiosk", "Q1"), "q1", "HL")
    path.write_text(MINIMAL.replace("Biển báo rõ ràng", "Biển báo rất rõ"), encoding="utf-8")
    for args in (("show", "thu"), ("start", "thu"), ("list",)):
        result = run_cli("questionnaire", *args, config=config_path)
        assert result.returncode == 1
        assert "has changed since 1 response(s)" in result.stderr and "set version = 2" in result.stderr
    path.write_text(MINIMAL.replace("Biển báo rõ ràng", "Biển báo rất rõ").replace("version = 1", "version = 2"),
                    encoding="utf-8")
    assert run_cli("questionnaire", "start", "thu", config=config_path).returncode == 0


def test_analyse_prints_the_index_with_vietnamese_decimals_and_the_formula(config_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from rating.questionnaire.loader import SHIPPED_DIR, load_catalogue
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    at = datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with VoteStore.from_config(load_config(config_path)) as store:
        AnswerStore(store).record_responses(q, [
            {"channel": "kiosk", "at": at, "answers": {"access-info": "HL", "access-signs": "BT", "overall": "RHL"}},
            {"channel": "paper", "at": at, "answers": {"access-info": "KHL", "procedure-fees": "RHL"}}])
    result = run_cli("questionnaire", "analyse", "trung-tam", "--from", "2026-10-01", "--to", "2026-12-31",
                     config=config_path)
    assert result.returncode == 0, result.stderr
    assert "Từ 01/10/2026 đến 31/12/2026: 2 phiếu trả lời (mẫu nhỏ)" in result.stdout
    assert "Chỉ số chung: 62,5 %" in result.stdout  # access (50 + 0) / 2 = 25, procedure 100: (25 + 100) / 2
    assert "theo cách tính SIPAS" in result.stdout
    # each question by its number and its words (shortened when long), not by its id
    assert "Câu 1. Thông tin về thủ tục được cung cấp đầy đủ…" in result.stdout
    assert "Câu 6. Giấy tờ phải nộp đúng như quy định, không bị…" in result.stdout
    assert "access-info" not in result.stdout
    data = json.loads(run_cli("questionnaire", "analyse", "trung-tam", "--from", "2026-10-01", "--to", "2026-12-31",
                              "--json", config=config_path).stdout)
    assert (data["index"], data["by_channel"]["paper"]["responses"]) == (62.5, 1)


def test_the_list_counts_what_a_citizen_is_asked_at_the_kiosk_and_elsewhere_when_it_differs(config_path):
    from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
    shipped = load_catalogue(questionnaire_dirs())
    text = run_cli("questionnaire", "list", config=config_path).stdout
    rows = {r["id"]: r for r in json.loads(run_cli("questionnaire", "list", "--json", config=config_path).stdout)}
    for q in shipped.questionnaires:
        at_kiosk = len(q.for_channel("kiosk"))  # profile questions included; the free-text one is not shown there
        assert rows[q.id]["questions"] == len(q.questions)  # the contract's key keeps its meaning: the file's count
        assert rows[q.id]["asked"] == {c: len(q.for_channel(c)) for c in ("kiosk", "phone", "paper")}
        line = next(line for line in text.splitlines() if line.startswith(q.id + " "))
        assert f" {at_kiosk} câu " in line and f"(điện thoại, giấy: {at_kiosk + 1} câu)" in line, line


def test_the_readme_gives_each_shipped_questionnaire_the_count_the_kiosk_asks():
    import re

    from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Questionnaires"):]
    section = section[:section.index("```")]
    for q in load_catalogue(questionnaire_dirs()).questionnaires:
        after_name = section[section.index(f"`{q.id}`"):]
        found = re.search(r"(\d+) questions at the kiosk, (\d+) on a phone or paper", " ".join(after_name.split()))
        assert found, f"the README gives no count for {q.id}"
        assert (int(found.group(1)), int(found.group(2))) == (q.asked("kiosk"), q.asked("phone")), q.id

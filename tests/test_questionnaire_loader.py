"""Questionnaire files: the shipped ones load; bad files are refused with the file, the line and the key."""

from __future__ import annotations

import textwrap
import unicodedata
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from rating.questionnaire.loader import (SHIPPED_DIR, QuestionnaireError, load_catalogue, load_file,
                                        parse_questionnaire, questionnaire_dirs)
from rating.sipas import ELEMENTS as SIPAS_ELEMENTS
from tests.conftest import write_config

MINIMAL = textwrap.dedent("""\
    id = "thu"
    version = 1

    [title]
    vi = "Phiếu thử"
    en = "Test form"

    [intro]
    vi = "Xin cảm ơn."
    en = "Thank you."

    [[elements]]
    id = "access"
    vi = "Tiếp cận dịch vụ"
    en = "Access"

    [[questions]]
    id = "q1"
    element = "access"
    vi = "Biển báo rõ ràng"
    en = "Clear signs"
    """)


def problems_of(text: str, tmp_path: Path, name: str = "bad.toml") -> tuple[str, list[str]]:
    """Write ``text`` to a file, load it, and return the error's source and problems."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as e:
        load_file(path)
    return e.value.source, e.value.problems


def test_both_shipped_questionnaires_load_with_no_problem():
    catalogue = load_catalogue([SHIPPED_DIR])
    assert catalogue.errors == []
    assert {q.id for q in catalogue.questionnaires} == {"trung-tam", "chinh-quyen-than-thien"}


def test_the_centre_questionnaire_asks_the_sipas_topics_on_the_five_sipas_elements():
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    per_element = {e.id: sum(1 for x in q.scale_questions() if x.element == e.id) for e in q.elements}
    assert per_element == {"access": 4, "procedure": 4, "officer": 5, "result": 3, "feedback": 3, "overall": 1}
    assert [e.id for e in q.elements if e.in_index] == list(SIPAS_ELEMENTS)
    assert all(x.codes == ("RHL", "HL", "BT", "KHL", "RKHL") for x in q.scale_questions())


def test_the_friendly_government_questionnaire_covers_the_four_mottos_openness_conduct_and_complaints():
    q = load_catalogue([SHIPPED_DIR]).get("chinh-quyen-than-thien")
    labels = {e.vi for e in q.elements}
    assert {"Nghe dân nói", "Nói dân hiểu", "Hướng dẫn dân làm", "Làm dân tin"} <= labels
    assert {"openness", "conduct", "complaints", "overall"} <= {e.id for e in q.elements}
    assert any("điện thoại" in x.vi for x in q.questions if x.element == "openness")


def test_shipped_text_is_nfc_vietnamese_with_english_beside_it():
    for q in load_catalogue([SHIPPED_DIR]).questionnaires:
        for x in q.questions:
            assert unicodedata.normalize("NFC", x.vi) == x.vi and x.en and x.vi != x.en


def test_the_free_text_question_is_shown_only_where_a_citizen_can_type():
    for q in load_catalogue([SHIPPED_DIR]).questionnaires:
        text = [x for x in q.questions if x.kind == "text"]
        assert len(text) == 1 and "kiosk" not in text[0].channels
        assert text[0] not in q.for_channel("kiosk") and text[0] in q.for_channel("phone")


def test_profile_questions_are_only_age_band_gender_and_area():
    for q in load_catalogue([SHIPPED_DIR]).questionnaires:
        assert {x.profile_kind for x in q.questions if x.kind == "profile"} == {"age_band", "gender", "area"}


def test_a_minimal_file_loads(tmp_path):
    (tmp_path / "thu.toml").write_text(MINIMAL, encoding="utf-8")
    q = load_file(tmp_path / "thu.toml")
    assert (q.id, q.version, [x.id for x in q.questions]) == ("thu", 1, ["q1"])


def test_an_unknown_element_names_the_file_the_line_and_the_key(tmp_path):
    source, problems = problems_of(MINIMAL.replace('element = "access"', 'element = "acess"'), tmp_path)
    assert source.endswith("bad.toml")
    assert problems == ["line 19: [[questions]] #1 element: unknown element 'acess' (known: access)"]


def test_an_unknown_key_is_refused_with_its_line(tmp_path):
    _, problems = problems_of(MINIMAL.replace('vi = "Biển báo', 'colour = "red"\nvi = "Biển báo'), tmp_path)
    assert problems[0].startswith("line 20: [[questions]] #1 colour: unknown key (known keys: id, element")


def test_a_bad_version_names_its_line(tmp_path):
    _, problems = problems_of(MINIMAL.replace("version = 1", 'version = "1"'), tmp_path)
    assert problems == ["line 2: version: expected a whole number from 1 to 9999, got '1'"]


def test_a_question_asking_for_a_phone_number_is_refused_as_personal_data(tmp_path):
    _, problems = problems_of(MINIMAL.replace('id = "q1"', 'id = "so-dien-thoai"'), tmp_path)
    assert any(p.startswith("line 18: [[questions]] #1 id:") and "personal data" in p for p in problems)


def test_a_profile_question_asking_for_a_name_or_an_id_number_is_refused(tmp_path):
    profile = textwrap.dedent("""
        [[profile]]
        id = "ho-ten"
        kind = "name"
        vi = "Họ và tên"
        en = "Full name"
        choices = [{code = "a", vi = "A", en = "A"}, {code = "b", vi = "B", en = "B"}]
        """)
    _, problems = problems_of(MINIMAL + profile, tmp_path)
    assert any("line 24: [[profile]] #1 id: 'ho-ten' asks for personal data" in p for p in problems)
    assert any("line 25: [[profile]] #1 kind" in p and "personal data" in p for p in problems)
    _, problems = problems_of(MINIMAL + profile.replace("ho-ten", "giay-to").replace('"name"', '"area"')
                              + 'cccd = "x"\n', tmp_path)
    assert problems == ["line 29: [[profile]] #1 cccd: asks for personal data: questionnaires are anonymous "
                        "(never names, phone numbers or ID numbers)"]


def test_a_free_text_question_on_the_kiosk_is_refused(tmp_path):
    closing = '\n[closing]\nid = "gop-y"\nvi = "Góp ý"\nen = "Comments"\nchannels = ["kiosk", "phone"]\n'
    _, problems = problems_of(MINIMAL + closing, tmp_path)
    assert problems == ["line 27: [closing] channels: a free-text question only where a citizen can type "
                        "(phone, paper); not on kiosk"]


def test_decomposed_vietnamese_is_refused_as_not_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Biển báo rõ ràng")
    _, problems = problems_of(MINIMAL.replace("Biển báo rõ ràng", decomposed), tmp_path)
    assert len(problems) == 1 and problems[0].startswith("line 20: [[questions]] #1 vi: expected text in Unicode NFC")


def test_a_duplicate_question_id_and_a_missing_title_are_both_listed(tmp_path):
    text = MINIMAL.replace('[title]\nvi = "Phiếu thử"\nen = "Test form"\n', "") + textwrap.dedent("""
        [[questions]]
        id = "q1"
        element = "access"
        vi = "Lại câu 1"
        en = "Again"
        """)
    _, problems = problems_of(text, tmp_path)
    assert "[title]: missing required key 'vi'" in problems
    assert any(p.startswith("line 21: [[questions]] #2 id: duplicate question id 'q1'") for p in problems)


def test_text_that_is_not_toml_says_where_it_breaks(tmp_path):
    _, problems = problems_of('id = "thu\n', tmp_path)
    assert problems[0].startswith("not valid TOML") and "line 1" in problems[0]


def test_the_definition_hash_ignores_comments_and_layout_but_not_content():
    base = parse_questionnaire(MINIMAL)
    assert parse_questionnaire("# a comment\n" + MINIMAL.replace(" = ", "=")).definition_hash == base.definition_hash
    assert parse_questionnaire(MINIMAL.replace("Biển báo rõ ràng", "Biển báo rõ")).definition_hash != base.definition_hash


def test_a_centre_folder_adds_questionnaires_and_a_second_file_with_the_same_version_is_refused(tmp_path):
    folder = tmp_path / "phieu"
    folder.mkdir()
    (folder / "thu.toml").write_text(MINIMAL, encoding="utf-8")
    (folder / "thu-copy.toml").write_text(MINIMAL, encoding="utf-8")
    config = load_config(write_config(tmp_path, extra='\n[questionnaire]\ndir = "phieu"\n'))
    assert config.questionnaire_dir == folder.resolve()
    catalogue = load_catalogue(questionnaire_dirs(config))
    assert {q.id for q in catalogue.questionnaires} == {"trung-tam", "chinh-quyen-than-thien", "thu"}
    assert len(catalogue.errors) == 1 and "already defined" in str(catalogue.errors[0])


def test_a_missing_centre_folder_is_a_configuration_error_with_its_line(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write_config(tmp_path, extra='\n[questionnaire]\ndir = "khong-co"\nfolder = "x"\n'))
    assert any(p.startswith("line 22: [questionnaire] dir: the folder") and p.endswith("does not exist")
               for p in e.value.problems)
    assert any(p.startswith("line 23: [questionnaire] folder: unknown key") for p in e.value.problems)


def test_keypad_digit_n_is_the_nth_choice_and_zero_skips():
    q = load_catalogue([SHIPPED_DIR]).get("trung-tam")
    question = q.question("officer-polite")
    assert [question.choice_for_key(d) for d in (1, 2, 5, 0)] == ["RHL", "HL", "RKHL", None]
    with pytest.raises(KeyError, match="key 6 has no choice"):
        question.choice_for_key(6)
    assert q.question("age").choice_for_key(4) == "tu-60"

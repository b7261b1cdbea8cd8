"""Spoken prompts are off by default and never needed: a missing file is skipped."""

from kiosk.ui.sounds import SOUNDS_DIR, Prompts


def test_prompts_are_off_by_default_in_the_configuration(config):
    assert config.sounds is False
    assert Prompts(config.sounds).play("question") is False


def test_a_missing_prompt_file_is_skipped_silently(tmp_path):
    assert Prompts(True, folder=tmp_path).play("question") is False


def test_the_prompt_files_are_documented_where_they_go():
    text = (SOUNDS_DIR / "README.md").read_text(encoding="utf-8")
    assert "question.wav" in text and "thanks.wav" in text

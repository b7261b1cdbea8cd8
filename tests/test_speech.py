"""Spoken prompts without a window: where a prompt's sound comes from, the shipped renderings, the engine
(espeak-ng, run for real) and the volume kept on the device. The sound itself is heard in tests/ui/test_spoken.py."""

from __future__ import annotations

import logging
import shutil
import struct
from pathlib import Path

import pytest

from kiosk.speech import SHIPPED_DIR, SOUNDS_DIR, Prompt, Renderer, find, speakable
from kiosk.store import VoteStore
from kiosk.ui import spoken as voice
from kiosk.ui.sounds import DEFAULT_VOLUME, VOLUME_SETTING, Prompts, save_volume, stored_volume

needs_engine = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng (make system-packages)")


def vorbis_header(path: Path) -> tuple[int, int]:
    """(channels, sample rate) from an Ogg Vorbis file's identification header."""
    data = path.read_bytes()[:200]
    at = data.index(b"\x01vorbis") + 7
    _version, channels, rate = struct.unpack_from("<IBI", data, at)
    return channels, rate


def test_every_shipped_text_has_a_shipped_rendering_and_none_is_left_over():
    prompts = voice.shipped()
    missing = [f"{p.name} ({p.lang})" for p in prompts if not (SHIPPED_DIR / f"{p.stem}.ogg").is_file()]
    assert not missing, f"run scripts/render_prompts.py: {missing}"
    stale = {f.stem for f in SHIPPED_DIR.glob("*.ogg")} - {p.stem for p in prompts}
    assert not stale, f"renderings no text needs (scripts/render_prompts.py removes them): {stale}"


def test_the_shipped_renderings_are_small_mono_16_khz_ogg_vorbis():
    files = list(SHIPPED_DIR.glob("*.ogg"))
    assert files and all(vorbis_header(f) == (1, 16000) for f in files)
    assert sum(f.stat().st_size for f in files) < 3 * 1024 * 1024


def test_the_shipped_prompts_cover_each_screen_each_card_and_each_kiosk_question_in_both_languages():
    names = {(p.name, p.lang) for p in voice.shipped()}
    for lang in ("vi", "en"):
        for name in ("question", "pick", "reasons", "thanks", "thanks-questionnaire", "closed", "warning",
                     "level-RHL", "level-RKHL", "reason-officer", "accept", "decline",
                     "invite-trung-tam", "trung-tam-officer-polite"):
            assert (name, lang) in names, (name, lang)


def test_a_recording_wins_over_the_shipped_rendering_and_the_devices_own(tmp_path):
    recorded, shipped, cache = (tmp_path / d for d in ("rec", "ship", "cache"))
    prompt = Prompt("question", "Ông/Bà có hài lòng không?")
    for folder in (recorded, shipped, cache):
        folder.mkdir()
    (cache / f"{prompt.stem}.wav").write_bytes(b"x")
    assert find(prompt, recorded, shipped, cache) == cache / f"{prompt.stem}.wav"
    (shipped / f"{prompt.stem}.ogg").write_bytes(b"x")
    assert find(prompt, recorded, shipped, cache) == shipped / f"{prompt.stem}.ogg"
    (recorded / "question.ogg").write_bytes(b"x")
    assert find(prompt, recorded, shipped, cache) == recorded / "question.ogg"
    (recorded / "question.wav").write_bytes(b"x")
    assert find(prompt, recorded, shipped, cache) == recorded / "question.wav"
    english = Prompt("question", "Are you satisfied?", "en")
    assert find(english, recorded, shipped, cache) is None  # question.wav is the Vietnamese one
    (recorded / "question.en.wav").write_bytes(b"x")
    assert find(english, recorded, shipped, cache) == recorded / "question.en.wav"


def test_a_changed_text_is_never_said_with_the_old_rendering():
    a, b = Prompt("question", "Ông/Bà có hài lòng không?"), Prompt("question", "Ông/Bà có vui lòng không?")
    assert a.stem != b.stem and a.stem != Prompt("question", a.text, "en").stem
    assert a.stem == Prompt("other", "Ông/Bà\u00a0có  hài lòng\nkhông?").stem  # the same words, the same sound


def test_a_centres_own_question_is_its_own_prompt_and_english_keeps_the_catalogues(config):
    from dataclasses import replace
    own = replace(config, question="Ông/Bà thấy cán bộ hôm nay thế nào?")
    assert voice.question(own, "vi").text == own.question
    assert voice.question(own, "en").text == voice.question(None, "en").text
    assert voice.question(own, "vi").name == "question"  # the same recording's name, whatever the words


def test_the_words_are_read_as_words():
    assert speakable("Ông/Bà có\u00a0hài lòng?\nCảm ơn · xin chào") == "Ông Bà có hài lòng? Cảm ơn , xin chào"


@needs_engine
def test_the_engine_renders_a_centres_text_once_into_the_cache_as_a_wav(tmp_path):
    renderer = Renderer(tmp_path / "cache", tmp_path / "rec", tmp_path / "ship")
    prompt = Prompt("counter-Q9", "Quầy 9 — Đất đai")
    assert renderer.request([prompt, prompt]) == 1
    assert renderer.wait(timeout=60)
    path = tmp_path / "cache" / f"{prompt.stem}.wav"
    assert path.read_bytes()[:4] == b"RIFF" and path.stat().st_size > 10_000
    assert renderer.request([prompt]) == 0 and renderer.rendered == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [path.name]  # no half-written file left


@needs_engine
def test_a_text_that_starts_like_an_option_is_spoken_not_obeyed(tmp_path):
    path = Renderer(tmp_path).render_one(Prompt("question", "--help"))
    assert path is not None and path.stat().st_size > 1000


def test_without_the_engine_nothing_is_rendered_and_it_is_said_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no espeak-ng on this PATH
    renderer = Renderer(tmp_path / "cache", tmp_path, tmp_path)
    with caplog.at_level(logging.WARNING, logger="kiosk.speech"):
        assert renderer.render_one(Prompt("a", "Một")) is None
        assert renderer.render_one(Prompt("b", "Hai")) is None
    assert [r.getMessage() for r in caplog.records] == [
        "espeak-ng is not installed (apt-get install espeak-ng): the centre's own texts are not spoken; "
        "the shipped prompts and recordings still are"]
    assert not (tmp_path / "cache").exists()


def test_prompts_are_off_unless_switched_on_and_then_render_nothing(config, tmp_path):
    off = Prompts(config.sounds, cache=tmp_path / "cache")
    assert off.renderer is None and off.prepare([Prompt("x", "Một")]) == 0
    assert off.say([voice.question(config)]) is False and off.said == []


def test_the_volume_is_kept_on_the_device_and_a_damaged_one_reads_as_the_default(config):
    store = VoteStore.from_config(config)
    try:
        assert stored_volume(store) == DEFAULT_VOLUME
        assert save_volume(store, 130) == 100 and stored_volume(store) == 100
        assert save_volume(store, -5) == 0 and stored_volume(store) == 0
        store.set_setting(VOLUME_SETTING, "loud")
        assert stored_volume(store) == DEFAULT_VOLUME
    finally:
        store.close()


def test_the_recordings_names_are_documented_where_they_go():
    text = (SOUNDS_DIR / "README.md").read_text(encoding="utf-8")
    for name in ("question.wav", "thanks.wav", "thanks-questionnaire", "pick", "reasons", "closed", "warning",
                 "level-RHL", "reason-officer", "counter-", "invite-", "accept", "decline", ".en.wav", "rendered/",
                 "index.tsv", "espeak-ng", "Âm lượng"):
        assert name in text, name


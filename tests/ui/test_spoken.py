"""Spoken prompts heard through the real audio path: Kivy's SoundLoader, SDL2_mixer and SDL's output, here
the "disk" driver writing what a sound card would play into a file (tests/ui/conftest.py sets it up).

Each prompt a test records is a pure tone of its own pitch, placed where a centre puts its own recordings;
the test reads the pitches the device actually played after a screen appeared. Nothing is mocked."""

from __future__ import annotations

import array
import math
import shutil
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.questionnaire.answers import start_questionnaire
from kiosk.speech import SHIPPED_DIR, Prompt
from kiosk.ui import spoken as voice
from kiosk.ui.sounds import DEFAULT_VOLUME, Prompts, stored_volume
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
from tests.conftest import closed_all_day_today
from tests.ui.conftest import AUDIO_SINK, FAST, pump, tap, wait_until

ONE_COUNTER = (("Q1", "Quầy 1 — Tư pháp, hộ tịch"),)
SLOW = replace(FAST, thanks_s=0.8, invite_after_s=0.3, idle_s=60, invite_idle_s=60, reasons_idle_s=60,
               answering_idle_s=60)
TRUNG_TAM = load_catalogue(questionnaire_dirs()).get("trung-tam")
Q1, Q2 = TRUNG_TAM.for_channel("kiosk")[:2]

RATE = 44100         # what SDL2_mixer opens the device at (Kivy's audio_sdl2): 16-bit stereo frames
WINDOW = RATE // 20  # pitches are read 50 ms at a time
# One pitch a recording, far enough apart to tell by counting zero crossings in 50 ms (±10 Hz).
PITCHES = {"question": 300, "level-RKHL": 450, "reasons": 600, "thanks": 750, "pick": 900, "counter-Q2": 1050,
           f"invite-{TRUNG_TAM.id}": 1200, f"{TRUNG_TAM.id}-{Q1.id}": 1350, f"{TRUNG_TAM.id}-{Q2.id}": 1500,
           "thanks-questionnaire": 1650, "closed": 1800, "level-RHL": 1950, "warning": 2100}


def tone(path: Path, hz: int, seconds: float = 0.4, rate: int = 16000) -> None:
    """A recording: a sine at ``hz``, half of full scale, 16 kHz mono (as a centre's WAV would be)."""
    samples = array.array("h", (int(16383 * math.sin(2 * math.pi * hz * i / rate)) for i in range(int(seconds * rate))))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


class Sink:
    """What the audio device played, read back from SDL's disk output."""

    def mark(self) -> int:
        """Where the output is now: a test reads what was played after it."""
        return AUDIO_SINK.stat().st_size // 4 * 4 if AUDIO_SINK.exists() else 0

    def left(self, since: int) -> array.array:
        """The left channel's samples played since ``since``."""
        if not AUDIO_SINK.exists():
            return array.array("h")
        with open(AUDIO_SINK, "rb") as f:
            f.seek(since)
            data = f.read()
        frames = array.array("h")
        frames.frombytes(data[: len(data) // 4 * 4])
        return frames[0::2]

    def pitches(self, since: int) -> list[int]:
        """The pitch of each 50 ms played since ``since`` that is sound all through (rounded to 10 Hz)."""
        left, out = self.left(since), []
        for start in range(0, len(left) - WINDOW, WINDOW):
            w = left[start:start + WINDOW]
            tenth = WINDOW // 10
            if any(max(abs(s) for s in w[i:i + tenth]) < 1000 for i in range(0, WINDOW - tenth + 1, tenth)):
                continue  # silence, or a prompt starting or ending inside the window
            crossings = sum(1 for a, b in zip(w, w[1:]) if (a < 0) != (b < 0))
            out.append(round(crossings * 10, -1))  # crossings in 1/20 s: twice the pitch / 20
        return out

    def peak(self, since: int) -> int:
        """The loudest sample played since ``since``."""
        left = self.left(since)
        return max((abs(s) for s in left), default=0)

    def heard(self, name: str, since: int) -> bool:
        """Was the recording ``name`` played since ``since``, all of it? (Its 0.4 s hold 7 whole windows of
        50 ms; 5 allow for where the windows fall. A prompt cut short by the next one is not heard.)"""
        return sum(1 for p in self.pitches(since) if abs(p - PITCHES[name]) <= 20) >= 5


@pytest.fixture
def sink():
    return Sink()


@pytest.fixture
def recordings(tmp_path) -> Path:
    """A centre's assets/sounds/ with a recording of each prompt under test (and no shipped renderings)."""
    folder = tmp_path / "sounds"
    folder.mkdir()
    for name, hz in PITCHES.items():
        tone(folder / f"{name}.wav", hz)
    return folder


def speaking(recordings: Path, tmp_path: Path, volume: int = DEFAULT_VOLUME) -> Prompts:
    return Prompts(True, folder=recordings, cache=tmp_path / "cache", shipped=tmp_path / "none", volume=volume)


def hear(sink: Sink, name: str, since: int) -> None:
    # SDL's disk driver writes in real time on its own thread: on a loaded machine the sound reaches the file
    # seconds late (a CI run once waited more than 10 s); waiting longer costs nothing when it comes at once.
    wait_until(lambda: sink.heard(name, since), timeout=30, what=f"the prompt {name!r} on the audio output")


def test_each_citizen_screen_says_its_prompt_as_it_appears_and_each_card_its_label_as_touched(
        kiosk_factory, sink, recordings, tmp_path):
    mark = sink.mark()
    # Long limits: a loaded machine's slow frames must not let the reasons or the thank-you time out under the test.
    app = kiosk_factory(counters=ONE_COUNTER, timings=replace(SLOW, thanks_s=2.0),
                        prompts=speaking(recordings, tmp_path))
    assert app.sm.current == "rating"
    hear(sink, "question", mark)

    mark = sink.mark()
    tap(app.screens["rating"].level_buttons[-1])  # Rất không hài lòng: its label as touched, then the reasons
    assert app.sm.current == "reasons"
    hear(sink, "level-RKHL", mark)
    hear(sink, "reasons", mark)

    mark = sink.mark()
    tap(app.screens["reasons"].skip)
    assert app.sm.current == "thanks"
    hear(sink, "thanks", mark)

    mark = sink.mark()
    wait_until(lambda: app.sm.current == "rating", what="the rating screen again")
    hear(sink, "question", mark)


def test_the_counter_picker_says_its_question_and_each_counters_name_as_touched(kiosk_factory, sink, recordings,
                                                                                  tmp_path):
    mark = sink.mark()
    app = kiosk_factory(prompts=speaking(recordings, tmp_path))
    assert app.sm.current == "pick"
    hear(sink, "pick", mark)
    mark = sink.mark()
    tap(app.screens["pick"].buttons[1])
    assert app.sm.current == "rating"
    hear(sink, "counter-Q2", mark)
    hear(sink, "question", mark)  # after the name, not instead of it


def test_the_invitation_and_each_question_of_the_questionnaire_are_said_as_they_appear(kiosk_factory, sink,
                                                                                         recordings, tmp_path):
    app = kiosk_factory(counters=ONE_COUNTER, timings=SLOW, prompts=speaking(recordings, tmp_path))
    start_questionnaire(app.store, TRUNG_TAM)
    app.go_home()
    pump(2)
    mark = sink.mark()
    tap(app.screens["rating"].level_buttons[0])
    hear(sink, "level-RHL", mark)
    wait_until(lambda: app.sm.current == "invite", what="the invitation")
    mark = sink.mark()
    hear(sink, f"invite-{TRUNG_TAM.id}", mark)

    mark = sink.mark()
    tap(app.screens["invite"].accept)
    assert app.sm.current == "question"
    hear(sink, f"{TRUNG_TAM.id}-{Q1.id}", mark)

    mark = sink.mark()  # the same screen, the next question: said too
    tap(app.screens["question"].cards[0])
    assert app.questionnaire.walk.current.id == Q2.id
    hear(sink, f"{TRUNG_TAM.id}-{Q2.id}", mark)

    mark = sink.mark()
    tap(app.screens["question"].finish)
    assert app.sm.current == "thanks"
    hear(sink, "thanks-questionnaire", mark)


def test_the_closed_screen_says_so(kiosk_factory, sink, recordings, tmp_path):
    from rating.hours import parse_hours
    app = kiosk_factory(counters=ONE_COUNTER, prompts=speaking(recordings, tmp_path))
    app.cfg = type(app.cfg)(**{**app.cfg.__dict__, "hours": parse_hours([closed_all_day_today()])})
    mark = sink.mark()
    app.go_home()
    assert app.sm.current == "closed"
    hear(sink, "closed", mark)


def test_the_timeout_warning_is_said_as_it_appears(kiosk_factory, sink, recordings, tmp_path):
    timings = replace(FAST, reasons_idle_s=60, warn_s=20)
    app = kiosk_factory(counters=ONE_COUNTER, timings=timings, prompts=speaking(recordings, tmp_path))
    tap(app.screens["rating"].level_buttons[-1])
    assert app.sm.current == "reasons"
    mark = sink.mark()
    app.clock.advance(45)  # 15 s of the 60 left: the warning is due
    wait_until(lambda: app.warning.shown, what="the warning")
    hear(sink, "warning", mark)


def test_the_shipped_rendering_is_said_where_nothing_was_recorded(kiosk_factory, sink, tmp_path):
    empty = tmp_path / "sounds"
    empty.mkdir()
    prompts = Prompts(True, folder=empty, cache=tmp_path / "cache", shipped=SHIPPED_DIR)
    mark = sink.mark()
    app = kiosk_factory(counters=ONE_COUNTER, prompts=prompts)
    question = voice.question(app.cfg, "vi")
    assert prompts.find(question) == SHIPPED_DIR / f"{question.stem}.ogg"
    wait_until(lambda: len(sink.pitches(mark)) >= 10, timeout=10, what="half a second of speech on the output")
    assert prompts.said[-1] == question


def test_a_recording_wins_over_the_shipped_rendering(kiosk_factory, sink, tmp_path):
    folder = tmp_path / "sounds"
    folder.mkdir()
    tone(folder / "question.wav", PITCHES["question"])
    mark = sink.mark()
    kiosk_factory(counters=ONE_COUNTER, prompts=Prompts(True, folder=folder, shipped=SHIPPED_DIR))
    hear(sink, "question", mark)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng (make system-packages)")
def test_a_centres_own_question_is_rendered_once_into_the_data_folder_and_then_said(kiosk_factory, sink):
    own = "Ông/Bà thấy cán bộ hôm nay làm việc thế nào?"
    app = kiosk_factory(counters=ONE_COUNTER, kiosk_extra=f'sounds = true\nquestion = "{own}"\n')
    prompt = voice.question(app.cfg, "vi")
    assert prompt.text == own and app.prompts.enabled  # the real configuration: [kiosk] sounds = true
    assert app.prompts.renderer.wait(timeout=60), "the renderer did not finish"
    rendered = app.cfg.data_dir / "sounds" / f"{prompt.stem}.wav"
    assert rendered.is_file() and app.prompts.find(prompt) == rendered
    mark = sink.mark()
    app.show("thanks")
    app.show("rating")
    wait_until(lambda: len(sink.pitches(mark)) >= 10, timeout=10, what="the centre's question on the output")
    assert app.prompts.said[-1] == prompt
    before = app.prompts.renderer.rendered
    assert app.prompts.prepare([prompt]) == 0 and app.prompts.renderer.rendered == before  # once


def test_with_sounds_off_nothing_is_said(kiosk_factory, sink):
    mark = sink.mark()
    app = kiosk_factory()  # the shipped configuration: sounds off
    assert not app.prompts.enabled
    tap(app.screens["pick"].buttons[0])
    tap(app.screens["rating"].level_buttons[0])
    wait_until(lambda: app.sm.current == "thanks", what="the thank-you")
    pump(10)
    assert app.prompts.said == [] and sink.peak(mark) == 0


def test_the_volume_the_manager_sets_is_kept_on_the_device_and_heard(kiosk_factory, sink, recordings, tmp_path):
    from tests.ui.test_manager import open_manager
    app = kiosk_factory(counters=ONE_COUNTER, prompts=speaking(recordings, tmp_path, volume=80))
    manager = open_manager(app)
    tap(manager.tab_buttons["status"])
    pump(3)
    row = manager.status.ids.volume
    assert row.text == "Âm lượng tiếng nói: 80 %"
    loud = sink.mark()
    tap(row.ids.louder)  # 90 %, and the question said at it
    hear(sink, "question", loud)
    for _ in range(5):
        tap(row.ids.quieter)
    assert row.text == "Âm lượng tiếng nói: 40 %" and stored_volume(app.store) == 40
    wait_until(lambda: app.prompts._now is None or app.prompts._now.state == "stop", what="the last step's prompt")
    quiet = sink.mark()
    app.prompts.say([Prompt("thanks", "")])  # a sound not played before, at the volume kept
    hear(sink, "thanks", quiet)
    # Less than half the loudness is less than half the samples' size (SDL2_mixer scales linearly): 40 % against 90 %.
    ratio = sink.peak(quiet) / sink.peak(loud)
    assert 0.35 < ratio < 0.55, ratio


def test_an_app_that_has_stopped_says_nothing_when_a_timer_of_its_comes_due(kiosk_factory, sink, recordings, tmp_path):
    """Its prompts are closed with it: a thank-you's return or an idle reset still scheduled must not speak
    (and hold an audio channel another player then takes for its own — the two spoken tests that once failed
    only after the rest of the suite were hearing a stopped app)."""
    app = kiosk_factory(counters=ONE_COUNTER, prompts=speaking(recordings, tmp_path))
    pump(3)
    app.dispatch("on_stop")
    said = len(app.prompts.said)
    app.show("thanks")
    app.show("rating")
    pump(3)
    assert len(app.prompts.said) == said and app.prompts._now is None

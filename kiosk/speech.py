"""Spoken prompts without Kivy: what a prompt is, where its sound is, and the offline engine that renders
the texts nobody recorded and nothing shipped (EN 301 549 5.1.3.1: a closed kiosk speaks what it shows).

A prompt has a name (the file a centre records it under) and a text (what the screen says). Its sound is,
first found first:

1. a recording in ``assets/sounds/``: ``<name>.wav`` or ``<name>.ogg`` (``<name>.en.wav`` in English) —
   a person's voice wins over the engine;
2. the shipped rendering in ``assets/sounds/rendered/``, named after the text (:attr:`Prompt.stem`), so a
   centre that changes a text is never spoken the old one;
3. the engine's rendering of the same name in the data folder's ``sounds/`` (the centre's own question,
   counters and questionnaires), made once by :class:`Renderer` on its own thread, never on a tap's path.

The engine is espeak-ng (a Debian package with a Vietnamese voice, ``vi``): it runs offline, fetches no
model, and renders a sentence in a few milliseconds on a Raspberry Pi.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

log = logging.getLogger("kiosk.speech")

SOUNDS_DIR = Path(__file__).resolve().parents[1] / "assets" / "sounds"
SHIPPED_DIR = SOUNDS_DIR / "rendered"
RECORDED_EXTS = (".wav", ".ogg")
RENDERED_EXTS = (".ogg", ".wav")  # shipped: Ogg Vorbis (small); the device's own renderings: WAV (no encoder)
ENGINE = "espeak-ng"
VOICES = {"vi": "vi", "en": "en"}   # espeak-ng's voice for each screen language
WORDS_PER_MINUTE = 145              # a little slower than espeak-ng's 175: older citizens, a noisy hall
# Part of every rendering's name: a new voice or speed renders every text again instead of mixing voices.
ENGINE_ID = f"{ENGINE}:{WORDS_PER_MINUTE}"


def speakable(text: str) -> str:
    """The words as the engine should read them: no-break spaces and line breaks as plain spaces,
    "Ông/Bà" as two words, and markup-free."""
    text = text.replace("\u00a0", " ").replace("\n", " ").replace("/", " ").replace("·", ",")
    return " ".join(text.split())


@dataclass(frozen=True)
class Prompt:
    """One thing the kiosk says: ``name`` is the recording's file name (without extension), ``text`` the
    words on the screen, ``lang`` the language they are in."""

    name: str
    text: str
    lang: str = "vi"

    @property
    def recording(self) -> str:
        """The file name a centre records it under, without extension: ``question``, ``question.en``."""
        return self.name if self.lang == "vi" else f"{self.name}.{self.lang}"

    @property
    def stem(self) -> str:
        """The engine's rendering's file name, without extension: the language and a hash of the words and
        the voice, so a changed text or voice is a new file."""
        digest = hashlib.sha256(f"{ENGINE_ID}\n{self.lang}\n{speakable(self.text)}".encode()).hexdigest()
        return f"{self.lang}-{digest[:16]}"


def find(prompt: Prompt, recorded: Path = SOUNDS_DIR, shipped: Path = SHIPPED_DIR,
         cache: Path | None = None) -> Path | None:
    """The sound file for ``prompt`` (a recording, else the shipped rendering, else the device's), or None."""
    candidates = [recorded / f"{prompt.recording}{ext}" for ext in RECORDED_EXTS]
    candidates += [shipped / f"{prompt.stem}{ext}" for ext in RENDERED_EXTS]
    if cache is not None:
        candidates.append(cache / f"{prompt.stem}.wav")
    return next((p for p in candidates if p.is_file()), None)


def engine_problem() -> str | None:
    """Why the engine cannot render (one line), or None."""
    if shutil.which(ENGINE) is None:
        return (f"{ENGINE} is not installed (apt-get install {ENGINE}): the centre's own texts are not spoken; "
                f"the shipped prompts and recordings still are")
    return None


def render(prompt: Prompt, folder: Path, timeout_s: float = 60.0) -> Path:
    """Render ``prompt`` with the engine into ``folder/<stem>.wav`` and return the path.

    Written to a temporary file and renamed: a half-written file is never played. Raises ``OSError`` or
    ``subprocess.SubprocessError`` when the engine fails."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{prompt.stem}.wav"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".render-", suffix=".wav")
    os.close(fd)
    try:
        # The text on standard input, not the command line: a centre's text starting with "-" is not an option.
        subprocess.run([ENGINE, "-v", VOICES.get(prompt.lang, prompt.lang), "-s", str(WORDS_PER_MINUTE),
                        "-w", tmp, "--stdin"], input=speakable(prompt.text).encode("utf-8"),
                       check=True, capture_output=True, timeout=timeout_s)
        if os.path.getsize(tmp) <= 44:  # a WAV header and no sound
            raise OSError(f"{ENGINE} rendered no sound for {prompt.name!r}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


class Renderer:
    """Renders prompts nobody recorded or shipped into ``cache``, one at a time on its own thread.

    :meth:`request` only queues (a tap never waits for the engine); a prompt already found anywhere is
    skipped; each is rendered at most once a run, even when it fails (logged once, without its words:
    a centre's question is not a secret, but a log is not the place to read it)."""

    def __init__(self, cache: Path, recorded: Path = SOUNDS_DIR, shipped: Path = SHIPPED_DIR):
        self.cache, self.recorded, self.shipped = cache, recorded, shipped
        self._queue: queue.Queue[Prompt | None] = queue.Queue()
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._warned = False
        self.rendered = 0

    def request(self, prompts: Iterable[Prompt]) -> int:
        """Queue the prompts that have no sound yet; returns how many were queued."""
        n = 0
        for prompt in prompts:
            with self._lock:
                if prompt.stem in self._seen:
                    continue
                self._seen.add(prompt.stem)
            if find(prompt, self.recorded, self.shipped, self.cache) is not None:
                continue
            self._queue.put(prompt)
            n += 1
        if n:
            self._start()
        return n

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="speech-renderer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                prompt = self._queue.get(timeout=5.0)
            except queue.Empty:
                return  # nothing more to do: the thread ends (the next request starts another)
            if prompt is None:
                return
            try:
                self.render_one(prompt)
            finally:
                self._queue.task_done()

    def render_one(self, prompt: Prompt) -> Path | None:
        """Render one prompt now (on the caller's thread); None when the engine could not."""
        problem = engine_problem()
        if problem is not None:
            if not self._warned:
                log.warning("%s", problem)
                self._warned = True
            return None
        try:
            path = render(prompt, self.cache)
        except (OSError, subprocess.SubprocessError) as e:
            log.warning("could not render the prompt %r (%s): %s", prompt.name, prompt.lang, str(e).splitlines()[0]
                        if str(e) else type(e).__name__)
            return None
        self.rendered += 1
        return path

    def wait(self, timeout: float | None = None) -> bool:
        """Until everything queued so far is rendered (for tests and the CLI); True if it was."""
        done = threading.Event()

        def joiner():
            self._queue.join()
            done.set()

        threading.Thread(target=joiner, daemon=True).start()
        return done.wait(timeout)

    def stop(self) -> None:
        """Let the thread end after what it is rendering now."""
        self._queue.put(None)

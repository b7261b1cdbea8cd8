"""Spoken prompts: the sound of what a citizen screen shows, played when the screen appears and for each card
as it is touched (EN 301 549 5.1.3.1). Off by default; ``[kiosk] sounds = true`` turns all of it on.

Where a prompt's sound comes from (a recording, the shipped rendering, the device's own) is
:mod:`kiosk.speech`; what each screen says is :mod:`kiosk.ui.spoken`. Playback is Kivy's SoundLoader
(SDL2_mixer): the system's default output, the speaker or a headphone jack, at the volume the manager
sets (a setting kept on the device).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence

from ..speech import RECORDED_EXTS, SHIPPED_DIR, SOUNDS_DIR, Prompt, Renderer, find

log = logging.getLogger("kiosk.ui")

VOLUME_SETTING = "sound_volume"  # the store's settings table: 0–100, set from the manager's status tab
DEFAULT_VOLUME = 80
VOLUME_STEP = 10
_LOADED = 24  # decoded sounds kept (a prompt decoded is ~170 KB a second of speech; the Pi has little memory)


def stored_volume(store) -> int:
    """The volume the manager set (0–100), else :data:`DEFAULT_VOLUME`; a damaged value reads as the default."""
    try:
        value = int(store.get_setting(VOLUME_SETTING) or DEFAULT_VOLUME)
    except (TypeError, ValueError):
        return DEFAULT_VOLUME
    return max(0, min(100, value))


def save_volume(store, volume: int) -> int:
    """Keep the volume (clamped to 0–100) on the device; returns it."""
    volume = max(0, min(100, int(volume)))
    store.set_setting(VOLUME_SETTING, str(volume))
    return volume


class Prompts:
    """Plays prompts when enabled; silent and harmless otherwise (no device, no codec, no file: voting goes on).

    One voice at a time: a touched card's label cuts whatever was playing; a screen's prompt cuts another
    screen's, but waits for a label still being said ("Hài lòng", then "Cảm ơn Ông/Bà!")."""

    def __init__(self, enabled: bool, folder: Path = SOUNDS_DIR, cache: Path | None = None,
                 volume: int = DEFAULT_VOLUME, shipped: Path | None = None):
        self.enabled, self.folder, self.cache = enabled, folder, cache
        self.shipped = shipped if shipped is not None else (SHIPPED_DIR if folder == SOUNDS_DIR else folder / "rendered")
        self.volume = volume
        self.renderer = Renderer(cache, folder, self.shipped) if (enabled and cache is not None) else None
        self._cache: OrderedDict[Path, object] = OrderedDict()
        self._now = None            # the Sound playing
        self._now_touch = False     # ... a touched card's label
        self._queue: list[Path] = []
        self.said: list[Prompt] = []  # what was started, in order (the manager's "Thử loa" and the tests read it)

    # --- finding -------------------------------------------------------------------------------

    def path(self, name: str) -> Path | None:
        """The recording for a prompt's name, if there is one."""
        return next((p for ext in RECORDED_EXTS if (p := self.folder / f"{name}{ext}").is_file()), None)

    def find(self, prompt: Prompt) -> Path | None:
        """The sound for ``prompt``: a recording, else the shipped rendering, else the device's own."""
        return find(prompt, self.folder, self.shipped, self.cache)

    def prepare(self, prompts: Iterable[Prompt]) -> int:
        """Render, on the renderer's thread, the prompts that have no sound yet; returns how many were queued."""
        if not self.enabled or self.renderer is None:
            return 0
        return self.renderer.request(prompts)

    # --- playing -------------------------------------------------------------------------------

    def play(self, name: str) -> bool:
        """Play a recording by name (``question``, ``thanks``); True if a sound was started."""
        if not self.enabled:
            return False
        path = self.path(name)
        return path is not None and self._start([path], touch=False)

    def say(self, prompts: Sequence[Prompt], touch: bool = False) -> bool:
        """Say ``prompts`` one after another; ``touch``: a card's label (it cuts whatever plays). True if a sound
        was started or queued. A prompt with no sound yet is asked of the renderer and skipped this time."""
        if not self.enabled or not prompts:
            return False
        paths = []
        for prompt in prompts:
            path = self.find(prompt)
            if path is None:
                self.prepare([prompt])  # next time (never on this tap's path: the renderer's thread)
                continue
            paths.append(path)
            self.said.append(prompt)
        return bool(paths) and self._start(paths, touch)

    def stop(self) -> None:
        """Silence, and forget what was queued."""
        self._queue = []
        now, self._now = self._now, None
        if now is not None:
            now.stop()

    def close(self) -> None:
        """Silence for good: the app has stopped, and a timer of its still due (the thank-you's return, an
        idle reset) must not speak — nor keep an SDL channel that another player then takes for its own."""
        self.stop()
        self.enabled = False

    def set_volume(self, volume: int) -> None:
        """0–100, from now on (also the prompt playing)."""
        self.volume = max(0, min(100, int(volume)))
        if self._now is not None:
            self._now.volume = self.volume / 100

    def _start(self, paths: list[Path], touch: bool) -> bool:
        if not touch and self._now is not None and self._now_touch and self._now.state == "play":
            self._queue = paths  # after the label the finger is still hearing
            return True
        self.stop()
        self._now_touch = touch
        self._queue = paths
        return self._next()

    def _next(self, *_) -> bool:
        while self._queue:
            path = self._queue.pop(0)
            sound = self._load(path)
            if sound is None:
                continue
            self._now = sound
            sound.volume = self.volume / 100
            sound.play()
            return True
        self._now, self._now_touch = None, False
        return False

    def _finished(self, sound) -> None:
        if sound is self._now:  # ended by itself, not stopped for another: the next in line
            self._now_touch = False
            self._next()

    def _load(self, path: Path):
        sound = self._cache.get(path)
        if sound is None:
            from kivy.core.audio import SoundLoader
            sound = SoundLoader.load(str(path))
            if sound is None:  # no audio device or codec: voting goes on without sound
                log.warning("cannot play %s", path)
                return None
            sound.bind(on_stop=self._finished)
            self._cache[path] = sound
            while len(self._cache) > _LOADED:
                old_path, old = self._cache.popitem(last=False)
                if old is not self._now:
                    old.unload()
        self._cache.move_to_end(path)
        return sound

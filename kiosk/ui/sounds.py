"""Optional spoken prompts: short audio files from assets/sounds/, played when a screen appears."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("kiosk.ui")

SOUNDS_DIR = Path(__file__).resolve().parents[2] / "assets" / "sounds"


class Prompts:
    """Plays ``<name>.wav`` (or ``.ogg``) from ``folder`` when enabled; silent and harmless otherwise."""

    def __init__(self, enabled: bool, folder: Path = SOUNDS_DIR):
        self.enabled, self.folder = enabled, folder
        self._cache: dict[str, object] = {}

    def path(self, name: str) -> Path | None:
        """The file for a prompt, if there is one."""
        for ext in (".wav", ".ogg"):
            p = self.folder / f"{name}{ext}"
            if p.is_file():
                return p
        return None

    def play(self, name: str) -> bool:
        """Play a prompt; True if a sound was started."""
        if not self.enabled:
            return False
        path = self.path(name)
        if path is None:
            return False
        if name not in self._cache:
            from kivy.core.audio import SoundLoader
            self._cache[name] = SoundLoader.load(str(path))
        sound = self._cache[name]
        if sound is None:  # no audio device or codec: voting goes on without sound
            log.warning("cannot play %s", path)
            return False
        sound.stop()
        sound.play()
        return True

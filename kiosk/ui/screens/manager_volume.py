"""The spoken prompts' volume on the manager's status tab: "Âm lượng tiếng nói: 80 %" with − and +, kept on the
device (:func:`kiosk.ui.sounds.save_volume`); each step says the rating screen's question at the new volume, so
the manager hears what a citizen will (the speaker or the headphone jack, whichever is plugged in). With
sounds off it says how to turn them on. Layout in ``kiosk/ui/kv/manager_volume.kv``."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from rating.bilingual import Texts
from .. import spoken as voice
from ..sounds import VOLUME_STEP, save_volume

KV = Path(__file__).resolve().parents[1] / "kv" / "manager_volume.kv"

# This row's words (its own catalogue: the manager's tabs are being reworked beside it).
TEXTS = Texts({
    "volume": ("Âm lượng tiếng nói: {percent} %", "Spoken prompts' volume: {percent} %"),
    "volume_off": ("Tiếng nói: tắt (bật bằng sounds = true trong mục [kiosk] của tệp cấu hình)",
                   "Spoken prompts: off (turn on with sounds = true in the configuration's [kiosk] section)"),
    "louder": ("To hơn", "Louder"),
    "quieter": ("Nhỏ hơn", "Quieter"),
})


class VolumeRow(BoxLayout):
    """− / + for the spoken prompts' volume (steps of :data:`VOLUME_STEP`), shown with the status tab."""

    fs = NumericProperty(16)
    app = ObjectProperty(None, allownone=True)
    text = StringProperty("")
    enabled = BooleanProperty(False)
    volume = NumericProperty(0)
    louder_text = StringProperty("")
    quieter_text = StringProperty("")

    def refresh(self, app) -> None:
        """Read the volume and draw it in the app's language."""
        self.app = app
        self.enabled = bool(app.prompts.enabled)
        self.volume = app.prompts.volume
        lang = app.lang
        self.louder_text, self.quieter_text = TEXTS.text("louder", lang), TEXTS.text("quieter", lang)
        self.text = TEXTS.text("volume", lang, percent=app.prompts.volume) if self.enabled \
            else TEXTS.text("volume_off", lang)

    def step(self, direction: int) -> int:
        """One step louder (1) or quieter (-1): kept on the device, and said at the new volume."""
        app = self.app
        app.touched()
        volume = save_volume(app.store, app.prompts.volume + direction * VOLUME_STEP)
        app.prompts.set_volume(volume)
        app.prompts.say([voice.question(app.cfg, app.lang)])
        self.refresh(app)
        return volume


if str(KV) not in {str(Path(f).resolve()) for f in Builder.files}:   # once, whoever loads the tabs first
    Builder.load_file(str(KV))

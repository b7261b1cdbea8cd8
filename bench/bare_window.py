"""A bare Kivy window, configured as the kiosk is (kiosk.ui.setup, windowed), that prints "ready <time>"
after its first drawn frame and exits, as `main.py run --exit-when-ready` does: the floor the kiosk's
cold start is compared with in bench_ui.py."""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.ui.setup import configure_kivy  # noqa: E402

configure_kivy(Path(tempfile.mkdtemp()), kiosk_mode=False)

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402


class Bare(App):
    """An empty window."""

    def build(self):
        def ready(_dt):
            print(f"ready {time.time():.3f}", flush=True)
            self.stop()
        Clock.schedule_once(lambda _dt: Clock.schedule_once(ready, 0), 0)
        return Widget()


if __name__ == "__main__":
    Bare().run()

"""Kiosk mode is configured from the project: own KIVY_HOME, full-screen, no Escape, one input provider."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import json, sys
from pathlib import Path
from kiosk.ui.setup import configure_kivy
configure_kivy(Path(sys.argv[1]), kiosk_mode=True)
import os
from kivy.config import Config
print(json.dumps({"home": os.environ["KIVY_HOME"], "escape": Config.get("kivy", "exit_on_escape"),
                  "fullscreen": Config.get("graphics", "fullscreen"), "borderless": Config.get("graphics", "borderless"),
                  "gl_thread": Config.get("graphics", "verify_gl_main_thread"),
                  "inputs": dict(Config.items("input"))}))
"""


def test_kiosk_mode_is_full_screen_without_escape_with_one_input_provider(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "data")], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path / "home")}, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["home"] == str(tmp_path / "data" / "kivy")
    assert (got["escape"], got["fullscreen"], got["borderless"], got["gl_thread"]) == ("0", "auto", "1", "1")
    assert got["inputs"] == {"mouse": "mouse,disable_multitouch"}  # two providers would double every tap
    assert not (tmp_path / "home" / ".kivy").exists()  # nothing from or into the user's ~/.kivy

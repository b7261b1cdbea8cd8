"""Kivy's configuration, owned by the project: call :func:`configure_kivy` before importing Kivy.

Kiosk hardening lives here: its own KIVY_HOME under the data folder (nothing from the user's
~/.kivy), full-screen and borderless, Escape does not exit, and a single input provider so that
one tap on a touchscreen is one event (two providers on one device double every tap).
"""

from __future__ import annotations

import os
from pathlib import Path


def configure_kivy(data_dir: Path, *, kiosk_mode: bool = True, size: tuple[int, int] = (1280, 800)) -> None:
    """Set Kivy's environment and config. Must run before the first ``import kivy``."""
    home = Path(data_dir) / "kivy"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(home)
    os.environ.setdefault("KIVY_NO_ARGS", "1")        # our command line is ours, not Kivy's
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")  # Kivy logs to KIVY_HOME/logs
    os.environ.setdefault("KIVY_NO_FILELOG", "0")
    from kivy.config import Config
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("kivy", "log_maxfiles", "20")
    Config.set("graphics", "verify_gl_main_thread", "1")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "0" if kiosk_mode else "1")
    Config.set("graphics", "fullscreen", "auto" if kiosk_mode else "0")
    Config.set("graphics", "borderless", "1" if kiosk_mode else "0")
    Config.set("graphics", "show_cursor", "0" if kiosk_mode else "1")
    # One provider: under X a touchscreen arrives as the pointer through SDL's mouse events.
    for option in list(Config.options("input")) if Config.has_section("input") else []:
        Config.remove_option("input", option)
    if not Config.has_section("input"):
        Config.add_section("input")
    Config.set("input", "mouse", "mouse,disable_multitouch")

"""Kivy's configuration, owned by the project: call :func:`configure_kivy` before importing Kivy.

Kiosk hardening lives here: its own KIVY_HOME under the data folder (nothing from the user's
~/.kivy), full-screen and borderless, Escape does not exit, and a single input provider so that
one tap on a touchscreen is one event (two providers on one device double every tap).

Full-screen without a window manager (bare X under ``xinit``): Kivy's ``fullscreen = auto`` asks
the window manager, and with none the X window keeps its configured size — drawing clipped and
shifted, taps landing on the wrong button. So in kiosk mode the configured size *is* the screen's,
read from the X server before the window exists; with a window manager (or a Wayland kiosk
compositor such as cage, which sizes every window itself) the result is the same.
"""

from __future__ import annotations

import os
import ctypes
import ctypes.util
from pathlib import Path

from .fonts import BOLD, REGULAR


def x_screen_size(display: str | None = None) -> tuple[int, int] | None:
    """The X screen's size in pixels (``DISPLAY``, or ``display``), or None without an X server.

    Read with libX11 through ctypes: it is there wherever SDL2 opens an X window, and it answers
    before Kivy creates its window (after creation Kivy reports the size it asked for, not the real one).
    """
    path = ctypes.util.find_library("X11")
    if not path or not (display or os.environ.get("DISPLAY")):
        return None
    try:
        xlib = ctypes.CDLL(path)
    except OSError:
        return None
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    for fn in (xlib.XDefaultScreen, xlib.XCloseDisplay):
        fn.argtypes = [ctypes.c_void_p]
    xlib.XDisplayWidth.argtypes = xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    dpy = xlib.XOpenDisplay(display.encode() if display else None)
    if not dpy:
        return None
    try:
        screen = xlib.XDefaultScreen(dpy)
        return int(xlib.XDisplayWidth(dpy, screen)), int(xlib.XDisplayHeight(dpy, screen))
    finally:
        xlib.XCloseDisplay(dpy)


def display_problem() -> str | None:
    """Why the X display named by ``DISPLAY`` cannot be used (one line), or None.

    With no X server behind ``DISPLAY`` (not started yet, or gone), SDL quietly falls back to an
    off-screen window: the kiosk would run with nothing on the panel, and never stop for systemd to
    start it again. Wayland (``WAYLAND_DISPLAY``) or an explicit SDL/Kivy driver choice is left alone.
    """
    display = os.environ.get("DISPLAY")
    if not display or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER") \
            or os.environ.get("KIVY_WINDOW"):
        return None
    path = ctypes.util.find_library("X11")
    if not path:
        return None  # no libX11 to ask: let SDL try
    if x_screen_size(display) is None:
        return (f"the X display {display} cannot be opened (is the X server running, and may this user use it?); "
                f"nothing would show on the screen, so the kiosk stops")
    return None


def multisamples(dri: Path = Path("/dev/dri")) -> int:
    """Anti-aliasing samples for the window: 2 (Kivy's default) when a GPU renders (a DRM render node
    exists), else 0.

    With no GPU, Mesa's software renderer (llvmpipe) draws the window, and there multisampling (4x)
    makes every frame 3–5 times slower — 40–70 ms instead of ~14 ms at 1920x1080 on a small kiosk PC,
    past the 50 ms a tap's thank-you may take. Without it only the faces' edges lose their smoothing;
    text is unaffected."""
    try:
        return 2 if any(dri.glob("renderD*")) else 0
    except OSError:
        return 0


def window_size(wanted: tuple[int, int], screen: tuple[int, int] | None) -> tuple[int, int]:
    """The window of ``--windowed`` (``make run``): ``wanted``, but no wider or taller than the screen. An
    800x480 panel with no window manager showed the top-left of a 1280x800 window and cut the rest off."""
    if screen is None:
        return wanted
    return min(wanted[0], screen[0]), min(wanted[1], screen[1])


def configure_kivy(data_dir: Path, *, kiosk_mode: bool = True, size: tuple[int, int] = (1280, 800)) -> None:
    """Set Kivy's environment and config. Must run before the first ``import kivy``."""
    home = Path(data_dir) / "kivy"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(home)
    os.environ.setdefault("KIVY_NO_ARGS", "1")        # our command line is ours, not Kivy's
    # The kiosk's own log (kiosk.logs: a rotating file and stderr) takes Kivy's records: main.py runs
    # Kivy in KIVY_LOG_MODE=PYTHON. Kivy's no-file-log variable is left unset: any value turns it off.
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    from kivy.config import Config
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("kivy", "log_maxfiles", "20")
    Config.set("graphics", "verify_gl_main_thread", "1")
    Config.set("graphics", "multisamples", str(multisamples()))
    if kiosk_mode:
        size = x_screen_size() or size  # the whole screen, whatever it is (see the module's docstring)
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    else:
        screen = x_screen_size()
        size = window_size(size, screen)
        if screen is not None and (size[0] >= screen[0] or size[1] >= screen[1]):
            # as large as the screen in a direction: at its corner, so nothing is off the edge (without a
            # window manager nobody else places it)
            Config.set("graphics", "position", "custom")
            Config.set("graphics", "left", "0")
            Config.set("graphics", "top", "0")
    # Noto Sans under Kivy's default name: every label draws Vietnamese from the shipped font.
    Config.set("kivy", "default_font", repr(["Roboto", str(REGULAR), str(REGULAR), str(BOLD), str(BOLD)]))
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

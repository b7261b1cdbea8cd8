"""Where an installed kiosk keeps what: the one list of paths the installer, the updater and the units share.

Releases sit side by side under ``/opt/rating-kiosk/releases/<release>``, each with its own ``.venv``;
``/opt/rating-kiosk/current`` is a symbolic link to the one that runs, and the units name paths under it.
With a scratch root (``--root DIR``) every path is the same one under DIR.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PREFIX = "/opt/rating-kiosk"
USER = "kiosk"
# dialout: the serial button boxes (/dev/ttyUSB*, /dev/ttyACM*); video, input, tty: the screen, the touch
# panel and the keyboard under cage or bare X; render: Mesa's GPU device on a Raspberry Pi.
GROUPS = ("dialout", "video", "input", "tty", "render")
UDEV_RULE = "/etc/udev/rules.d/99-rating-box.rules"
SYSTEMD_DIR = "/etc/systemd/system"
# --screen → the unit in deploy/ that shows it; "none" is headless (button boxes only).
UNITS = {"cage": "rating-kiosk.service", "xinit": "rating-kiosk-xinit.service", "none": "rating-kiosk-headless.service"}
DEFAULT_CONFIG = "/etc/kiosk/kiosk.toml"  # the path the shipped units name; the installer writes the real one


@dataclass(frozen=True)
class Layout:
    """The installed kiosk's paths, under ``root`` ("/" on a real kiosk)."""

    root: Path = Path("/")

    def at(self, absolute: str | Path) -> Path:
        """``absolute`` (a path on the kiosk) under this layout's root."""
        return self.root / str(absolute).lstrip("/")

    @property
    def prefix(self) -> Path:
        return self.at(PREFIX)

    @property
    def releases(self) -> Path:
        return self.prefix / "releases"

    @property
    def current(self) -> Path:
        """The link to the running release."""
        return self.prefix / "current"

    def release(self, name: str) -> Path:
        return self.releases / name

    def python(self, release: Path) -> Path:
        return release / ".venv" / "bin" / "python"

    def unit(self, name: str) -> Path:
        return self.at(SYSTEMD_DIR) / name

    @property
    def udev_rule(self) -> Path:
        return self.at(UDEV_RULE)

    def running_release(self) -> Path | None:
        """The release ``current`` points to, or None before the first install."""
        if not self.current.is_symlink():
            return None
        return self.releases / Path(self.current.readlink()).name

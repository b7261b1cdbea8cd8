"""The kiosk's movable clock: libfaketime reading a timestamp file that the soak rewrites.

Every process of the kiosk's side (the headless kiosk, ``sync``) is started with :meth:`FakeClock.env`;
:meth:`FakeClock.jump` moves all of them at once, forward or back, while they run.
"""

from __future__ import annotations

from pathlib import Path

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")
SHIM = Path(__file__).resolve().parent / "shim"


class FakeClock:
    """An offset from the real time, in seconds, shared through ``path``."""

    def __init__(self, path: Path):
        self.path = path
        self.offset_s = 0
        self.jumps: list[dict] = []
        self._write()

    @staticmethod
    def problem() -> str | None:
        """Why a fake clock cannot be had here, or None."""
        if not LIBFAKETIME.exists():
            return f"libfaketime not found at {LIBFAKETIME} (apt-get install faketime)"
        return None

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` with libfaketime preloaded, following the timestamp file at every call."""
        return {**base, "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME_TIMESTAMP_FILE": str(self.path),
                "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1", "DONT_FAKE_MONOTONIC": "1",
                # time.sleep is broken under FAKETIME_DONT_FAKE_MONOTONIC: see shim/sitecustomize.py
                "PYTHONPATH": f"{SHIM}:{base.get('PYTHONPATH', '')}".rstrip(":")}

    def jump(self, offset_s: int, at_s: float) -> None:
        """Set the clocks to real time + ``offset_s`` (a jump of the difference), noting when."""
        self.jumps.append({"at_s": round(at_s, 1), "from_offset_s": self.offset_s, "to_offset_s": offset_s})
        self.offset_s = offset_s
        self._write()

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{self.offset_s:+d}\n")
        tmp.replace(self.path)  # a reader never sees a half-written file

"""Render the shipped spoken prompts into ``assets/sounds/rendered/``: every text the kiosk ships (the citizen
screens in Vietnamese and English, every scale's levels, the reasons, the shipped questionnaires), with the
engine the kiosk itself uses (:mod:`kiosk.speech`: espeak-ng), as Ogg Vorbis at 16 kHz mono (small, and
SDL2_mixer decodes it without any other library). Renderings no text needs any more are removed, and
``index.tsv`` says which file says what. Needs espeak-ng and oggenc (``apt-get install espeak-ng vorbis-tools``).

    python scripts/render_prompts.py          # render what is missing, remove what is stale
    python scripts/render_prompts.py --check  # exit 1 when a shipped text has no rendering (for CI)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.speech import SHIPPED_DIR, render, speakable  # noqa: E402
from kiosk.ui.spoken import shipped  # noqa: E402


def encode(wav: Path, target: Path) -> None:
    """WAV to Ogg Vorbis, 16 kHz mono, quality 0 (about 3 KB a second of speech)."""
    tmp = target.with_suffix(".tmp")
    subprocess.run(["oggenc", "-Q", "--resample", "16000", "-q", "0", "-o", str(tmp), str(wav)], check=True)
    tmp.replace(target)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_known_args(argv)[1]
    check = "--check" in args
    prompts = shipped()
    wanted = {p.stem: p for p in prompts}
    missing = [p for p in prompts if not (SHIPPED_DIR / f"{p.stem}.ogg").is_file()]
    if check:
        for p in missing:
            print(f"not rendered: {p.name} ({p.lang}): {p.text}")
        return 1 if missing else 0
    SHIPPED_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for p in missing:
            encode(render(p, Path(tmp)), SHIPPED_DIR / f"{p.stem}.ogg")
            print(f"rendered {p.name} ({p.lang})")
    for stale in SHIPPED_DIR.glob("*.ogg"):
        if stale.stem not in wanted:
            stale.unlink()
            print(f"removed {stale.name}")
    lines = ["file\tname\tlang\ttext"] + [f"{stem}.ogg\t{p.name}\t{p.lang}\t{speakable(p.text)}"
                                          for stem, p in sorted(wanted.items(), key=lambda kv: (kv[1].name, kv[1].lang))]
    (SHIPPED_DIR / "index.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in SHIPPED_DIR.glob("*.ogg"))
    print(f"{len(wanted)} prompts, {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

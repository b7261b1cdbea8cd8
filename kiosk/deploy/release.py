"""A release: one copy of the kiosk's code with its own virtual environment, beside the others.

A release is named ``<version>-<digest>``, the digest of its files: the same code gives the same name, so
installing it twice finds it there, and two builds of one version never overwrite each other. Only what
a kiosk runs is installed: the package with its ``kiosk`` extra (Kivy, pyserial, requests), never the
central service's or the tests' packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .layout import Layout
from .system import DeployError, System

# Not part of a release: the tests and benchmarks, the documentation's pictures, a developer's own
# environment, data and caches. (A kiosk's data lives in its data_dir, never in a release.)
SKIP_TOP = {".git", ".venv", "tests", "bench", "build", "data", "docs", ".pytest_cache", ".mypy_cache"}
SKIP_ANYWHERE = {"__pycache__"}
COMPLETE = ".release-complete"  # written last: a release without it was cut short and is made again
EXTRA = "kiosk"

# Printed by a release's own interpreter: what its store code knows. A release from before the schema
# rule (kiosk.db without readable_by) reads no store newer than its own schema.
_FACTS = """
import json, kiosk.db as db, kiosk.store as st
floor = db.floor_of(st.MIGRATIONS, st.SCHEMA_VERSION) if hasattr(db, "floor_of") else st.SCHEMA_VERSION
print(json.dumps({"schema": st.SCHEMA_VERSION, "readable_by": floor, "reads_newer": hasattr(db, "readable_by")}))
"""


def _files(source: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(source):
        rel = Path(dirpath).relative_to(source)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_ANYWHERE and not (rel == Path(".") and d in SKIP_TOP))
        out += [rel / f for f in sorted(filenames) if not f.endswith((".pyc", ".pyo"))]
    return out


def release_name(source: Path) -> str:
    """``<version>-<12 hex digits>``: the project's version and a digest of the release's files."""
    try:
        version = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as e:
        raise DeployError(f"{source}: not a kiosk release (its pyproject.toml cannot be read: {e})") from None
    h = hashlib.sha256()
    for rel in _files(source):
        h.update(rel.as_posix().encode() + b"\0" + (source / rel).read_bytes() + b"\0")
    return f"{version}-{h.hexdigest()[:12]}"


@contextmanager
def unpacked(source: Path) -> Iterator[Path]:
    """``source`` as a folder: a folder as it is, a ``.tar.gz``/``.tar`` unpacked (its one top folder)."""
    if source.is_dir():
        yield source
        return
    if not tarfile.is_tarfile(source):
        raise DeployError(f"{source}: neither a release folder nor a .tar.gz of one")
    with tempfile.TemporaryDirectory(prefix="kiosk-release-") as tmp:
        with tarfile.open(source) as tar:
            tar.extractall(tmp, filter="data")
        tops = list(Path(tmp).iterdir())
        yield tops[0] if len(tops) == 1 and tops[0].is_dir() else Path(tmp)


def prepare(source: Path, layout: Layout, system: System, python: Path | None = None) -> Path:
    """Put the release in ``source`` under ``releases/`` (once), with its environment and byte-code; return it.

    ``python``: an interpreter that already has the kiosk's packages (tests, offline images), used
    instead of building a virtual environment with pip.
    """
    with unpacked(Path(source)) as src:
        name = release_name(src)
        target = layout.release(name)
        if (target / COMPLETE).is_file():
            system.say(f"release {name}: already installed")
            return target
        if target.exists():
            shutil.rmtree(target)  # cut short before: made again from the start
        target.parent.mkdir(parents=True, exist_ok=True)
        for rel in _files(src):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, target / rel)
    _environment(target, layout, python)
    # The code belongs to root and the kiosk cannot write byte-code beside it: compiled once, here.
    _run([str(layout.python(target)), "-m", "compileall", "-q", "-x", r"/\.venv/", str(target)], "compile the byte-code")
    (target / COMPLETE).write_text(name + "\n", encoding="utf-8")
    system.say(f"release {name}: installed in {target}")
    return target


def _environment(target: Path, layout: Layout, python: Path | None) -> None:
    py = layout.python(target)
    py.parent.mkdir(parents=True, exist_ok=True)
    if python is not None:
        # A wrapper, not a link: an interpreter reached through a link loses the environment it belongs to.
        py.write_text(f'#!/bin/sh\nexec "{python}" "$@"\n', encoding="utf-8")
        py.chmod(0o755)
        return
    _run([sys.executable, "-m", "venv", str(target / ".venv")], "create the virtual environment")
    _run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{target}[{EXTRA}]"],
         f"install the kiosk's packages (the [{EXTRA}] extra)")


def _run(cmd: list[str], what: str) -> None:
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        last = (r.stdout.strip().splitlines() or ["no output"])[-1]
        raise DeployError(f"could not {what} (exit {r.returncode}): {last}")


def kiosk_command(layout: Layout, release: Path, *args: str) -> list[str]:
    """``python main.py ARGS`` of ``release``, with its own interpreter."""
    return [str(layout.python(release)), str(release / "main.py"), *args]


def schema_facts(layout: Layout, release: Path) -> dict:
    """What ``release``'s store code knows: ``schema``, ``readable_by`` (of a store it made) and ``reads_newer``."""
    r = subprocess.run([str(layout.python(release)), "-c", _FACTS], cwd=release, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(release)})
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["no output"])[-1]
        raise DeployError(f"{release}: cannot read the release's schema version: {last}")
    return json.loads(r.stdout)


def can_open(older: dict, newer: dict) -> bool:
    """True when a release with ``older``'s facts opens a store that ``newer``'s release migrated."""
    if newer["schema"] <= older["schema"]:
        return True
    return older["reads_newer"] and newer["readable_by"] <= older["schema"]

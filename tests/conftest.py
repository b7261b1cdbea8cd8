"""Shared fixtures: real configuration files and real SQLite stores in tmp_path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.store import VoteStore

ROOT = Path(__file__).resolve().parent.parent


def write_config(folder: Path, *, scale: str = "sipas5", repeat_window_s: float = 10, extra: str = "",
                 kiosk_extra: str = "",
                 counters: tuple[tuple[str, str], ...] = (("Q1", "Quầy 1 — Tư pháp, hộ tịch"),
                                                          ("Q2", "Quầy 2 — Đất đai"),
                                                          ("Q3", "Quầy 3 — Lao động"))) -> Path:
    """Write a kiosk.toml into ``folder`` and return its path (``kiosk_extra``: more lines for [kiosk])."""
    text = textwrap.dedent(f"""\
        [kiosk]
        id = "test-01"
        centre = "Trung tâm Phục vụ hành chính công xã Thử nghiệm"
        data_dir = "data"
        scale = "{scale}"
        timezone = "Asia/Ho_Chi_Minh"
        repeat_window_s = {repeat_window_s}
        """) + kiosk_extra
    for cid, name in counters:
        text += f'\n[[counters]]\nid = "{cid}"\nname = "{name}"\n'
    path = folder / "kiosk.toml"
    path.write_text(text + textwrap.dedent(extra), encoding="utf-8")
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def config(config_path: Path):
    return load_config(config_path)


@pytest.fixture
def store(config):
    with VoteStore.from_config(config) as s:
        yield s


def sigint_as_a_terminal_sends_it() -> None:
    """``preexec_fn`` for a child that a test stops with SIGINT (Ctrl-C): the default action again, which Python
    turns into KeyboardInterrupt. A child inherits an ignored SIGINT, and a run started as a background job
    of a non-interactive shell (or under nohup) ignores it: the child would never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args: str, config: Path | None = None, timeout: float = 120, env: dict | None = None,
            input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python main.py ARGS`` as a user would, and capture what it prints."""
    cmd = [sys.executable, str(ROOT / "main.py"), *args]
    if config is not None:
        cmd += ["--config", str(config)]
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("KIOSK_CONFIG", None) if env is None or "KIOSK_CONFIG" not in env else None
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env, input=input, cwd=cwd)


def synthetic_votes(config_path: Path, days: int, per_day: int, seed: int, end=None) -> int:
    """Synthetic votes (``kiosk.demo``'s generator, marked ``demo``) recorded into a test centre's store
    through the store's API, ending at ``end`` (an aware datetime; default now: only for a test that does
    not care which day it is); the ``demo-data`` command itself refuses a real centre's store."""
    from datetime import datetime
    from kiosk import demo
    from kiosk.config import ensure_data_dir
    config = load_config(config_path)
    ensure_data_dir(config)
    with VoteStore.from_config(config) as store:
        return store.record_votes(demo.demo_votes(config.counters, config.scale, config.tz, days, per_day, seed,
                                                  end or datetime.now(config.tz)))


def closed_all_day_today() -> str:
    """Opening hours that exclude the whole of today in the centre's time zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from rating.hours import DAYS
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).weekday()
    return f"{DAYS[(today + 1) % 7]} 08:00-17:00"

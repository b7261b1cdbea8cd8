"""The soak's processes: PostgreSQL, the central service, the headless kiosk and the sync runs.

Each can be killed with SIGKILL and started again; none is asked nicely, except the kiosk at the very
end (its memory and open files are read first).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.pg_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what: str, timeout: float, interval: float = 0.2) -> None:
    """Poll ``predicate`` until it holds; raise naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def base_env() -> dict[str, str]:
    """The environment of every child: this checkout first on the path, no kiosk config inherited."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("KIOSK_CONFIG", None)
    return env


class Database:
    """A durable PostgreSQL cluster (commits survive a crash) with the service's database in it."""

    def __init__(self):
        self.server = PostgresServer(durable=True)
        self.url = self.server.new_database()
        self.kills = 0

    def kill9(self) -> None:
        """SIGKILL every process of the cluster at once, as a crash of the database machine's service."""
        self.kills += 1
        try:
            os.killpg(self.server.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.server.proc.wait(timeout=30)
        # The backends leave with the postmaster; wait until none holds the data folder.
        wait_for(lambda: not _holders(self.server.folder / "data"), "PostgreSQL's processes to end", 30)

    def start(self) -> None:
        """Start again after :meth:`kill9` (crash recovery runs)."""
        self.server.restart()

    @property
    def up(self) -> bool:
        """Whether the server process runs."""
        return self.server.proc.poll() is None

    def stop(self) -> None:
        """Stop the cluster and remove its folder."""
        self.server.stop()


def _holders(folder: Path) -> list[int]:
    """PIDs of processes whose working directory is ``folder`` (PostgreSQL's run in their data folder)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == str(folder):
                found.append(int(pid))
        except OSError:
            continue
    return found


class Central:
    """``python main.py serve`` on a fixed port, against the database."""

    def __init__(self, folder: Path, db_url: str, registry: Path):
        self.folder, self.db_url, self.registry = folder, db_url, registry
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.kills = self.starts = 0

    def start(self, timeout: float = 120) -> None:
        """Start the service and wait until it answers /healthz (it migrates on the first start)."""
        self.starts += 1
        log = open(self.folder / "central.log", "ab")
        self.proc = subprocess.Popen([sys.executable, str(MAIN), "serve", "--db", self.db_url, "--kiosks",
                                      str(self.registry), "--port", str(self.port)],
                                     stdout=log, stderr=subprocess.STDOUT, env=base_env(), cwd=self.folder,
                                     start_new_session=True)
        log.close()
        wait_for(self._healthy, "the central service to answer", timeout)

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"the central service exited ({self.proc.returncode}); "
                               f"see {self.folder / 'central.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                return True
        except OSError:
            return False

    def kill9(self) -> None:
        """SIGKILL the service."""
        self.kills += 1
        self.proc.kill()
        self.proc.wait()

    @property
    def up(self) -> bool:
        """Whether the service's process runs."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Stop it at the end."""
        if self.up:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Kiosk:
    """``python main.py run --headless`` under the fake clock; its lives, and its memory and files."""

    def __init__(self, folder: Path, config: Path, env: dict[str, str]):
        self.folder, self.config, self.env = folder, config, env
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.lives = 0
        self.kills = 0

    def start(self) -> None:
        """Start a new life of the kiosk."""
        self.lives += 1
        log = open(self.folder / "kiosk.out", "ab")
        self.proc = subprocess.Popen([sys.executable, str(MAIN), "run", "--headless", "--config", str(self.config)],
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.folder,
                                     start_new_session=True)
        log.close()
        self.started_at = time.monotonic()

    def kill9(self) -> None:
        """SIGKILL the kiosk, whatever it is doing."""
        self.kills += 1
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; its exit status."""
        self.proc.terminate()
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    @property
    def up(self) -> bool:
        """Whether the kiosk's process runs."""
        return self.proc is not None and self.proc.poll() is None

    def sample(self) -> dict | None:
        """Its resident memory (kB) and open file descriptors now, or None if it is not running."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            fds = len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except (OSError, AttributeError):
            return None
        rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
        if rss is None:
            return None  # a zombie has no memory left to read
        return {"life": self.lives, "age_s": round(time.monotonic() - self.started_at, 1), "rss_kb": rss, "fds": fds}


class SyncLoop:
    """``python main.py sync`` run again and again on a thread, as often as a busy kiosk would; now
    and then one run is killed with SIGKILL in the middle."""

    def __init__(self, folder: Path, config: Path, env: dict[str, str], rng, gap_s=(2.0, 6.0),
                 kill_chance: float = 0.05):
        self.folder, self.config, self.env, self.rng = folder, config, env, rng
        self.gap_s, self.kill_chance = gap_s, kill_chance
        self.runs = {"complete": 0, "incomplete": 0, "killed": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sync-loop", daemon=True)

    def start(self) -> "SyncLoop":
        """Start the loop."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the run in progress."""
        self._stop.set()
        self._thread.join(300)

    def run_once(self, kill_after_s: float | None = None) -> int:
        """One ``sync`` run; its exit status (-9 when it was killed)."""
        with open(self.folder / "sync.out", "ab") as log:
            proc = subprocess.Popen([sys.executable, str(MAIN), "sync", "--attempts", "2",
                                     "--config", str(self.config)],
                                    stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.folder)
        try:
            return proc.wait(kill_after_s if kill_after_s is not None else 300)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def _loop(self) -> None:
        while not self._stop.wait(self.rng.uniform(*self.gap_s)):
            kill_after = self.rng.uniform(0.3, 3.0) if self.rng.random() < self.kill_chance else None
            code = self.run_once(kill_after)
            self.runs["killed" if code == -signal.SIGKILL else "complete" if code == 0 else "incomplete"] += 1

"""The documented deployment — nginx (central/deploy/nginx-central.conf) in front of the service —
keeps accepting kiosks' batches while 1,000 idle and 1,000 byte-a-second connections are open."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.store import VoteStore
from sync.client import SyncClient, describe
from tests.sync_helpers import central_service, sync_config

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = Path(__file__).resolve().parent.parent / "central" / "deploy" / "nginx-central.conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def proxied(tmp_path):
    """The service behind a real nginx (its own prefix and config in tmp_path, in the foreground)."""
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed (Debian: nginx-light)")
    with central_service(tmp_path) as (upstream, app):
        prefix = tmp_path / "nginx"
        for d in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "logs"):
            (prefix / d).mkdir(parents=True, exist_ok=True)
        port = free_port()
        conf = CONF.read_text().replace("@PREFIX@", str(prefix)).replace("@LISTEN@", f"127.0.0.1:{port}") \
            .replace("@UPSTREAM@", upstream.removeprefix("http://")) \
            .replace("@STATIC@", str(Path(__file__).resolve().parent.parent / "central" / "static"))
        conf = conf.replace("worker_processes auto;", "worker_processes 1;\ndaemon off;\npid " + str(prefix / "nginx.pid")
                            + ";\nerror_log " + str(prefix / "logs/error.log") + " warn;"
                            + ("\nuser root;" if os.geteuid() == 0 else ""))
        (prefix / "nginx.conf").write_text(conf)
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e",
                                 str(prefix / "logs/error.log")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode()}")
                time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}", app
        finally:
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_kiosks_are_served_while_a_thousand_idle_and_a_thousand_trickling_connections_are_open(proxied, tmp_path):
    url, app = proxied
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    host, port = url.removeprefix("http://").split(":")
    idle, trickling = [], []
    stop = threading.Event()
    try:
        for _ in range(1000):
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        for _ in range(1000):
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b"P")   # the start of a request head, then a byte a second
            trickling.append(s)

        def trickle():
            # Bounded: at most 30 bytes each, and it stops with the test.
            for i in range(30):
                if stop.wait(1.0):
                    return
                for s in trickling:
                    try:
                        s.send(b"O"[:1])
                    except OSError:
                        pass

        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        config = load_config(sync_config(tmp_path, url, batch_size=100))
        with VoteStore.from_config(config) as store:
            t0 = datetime(2026, 11, 2, 8, tzinfo=config.tz)
            store.record_votes({"counter_id": "Q1", "level": "HL", "at": t0 + timedelta(seconds=61 * i)}
                               for i in range(1000))
            started = time.monotonic()
            result = SyncClient(config, store).run()
            assert result.complete, describe(result)
            assert result.sent == 1000 and result.batches == 10
        # The sync ran while every idle and trickling socket was still connected (they are only dropped
        # by nginx's timeouts, 10-15 s after they opened).
        assert time.monotonic() - started < 10
        still_open = sum(1 for s in idle if _open(s))
        assert still_open > 900
    finally:
        stop.set()
        for s in idle + trickling:
            s.close()
    assert app.store.query("SELECT count(*) FROM votes")[0][0] == 1000


def _open(s: socket.socket) -> bool:
    """True while the peer has not closed the connection."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)

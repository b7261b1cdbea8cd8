"""Check-ins (issue 17): what one costs the service, and what checking in costs the kiosk.

The service runs as ``python main.py serve`` in a process of its own (SQLite); its CPU time is read from
/proc, so the figures are requests per second of one core. In the same run, the same client sends
check-ins and bare authenticated requests (a signed ``POST /v1/batches`` with no rows: the signature
checked, nothing stored). Goal: check-ins ≥ 0.5× the bare request's rate.

The kiosk's side: ``SyncClient.checkin()`` (its health read from the store and the data folder, signed,
sent, the outcome kept) timed in CPU seconds, as the share of one core at one check-in every
``[sync] checkin_every_s`` (300 s). Goal: < 1 %. Size: BENCH_CHECKINS (requests per kind, default 2000).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, verdict  # noqa: E402

N = int(os.environ.get("BENCH_CHECKINS", "2000"))
SECRET = "bench-secret-0123456789abcdef"


def _cpu_s(pid: int) -> float:
    """A process's user + system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve(folder: Path) -> tuple[subprocess.Popen, str]:
    (folder / "kiosks.toml").write_text(f'[[kiosks]]\nid = "bench-01"\ncentre = "Trung tâm bench"\nsecret = "{SECRET}"\n',
                                        encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--kiosks", str(folder / "kiosks.toml"),
                             "--db", str(folder / "central.db"), "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"the service did not start: {line!r}")
    return proc, f"http://127.0.0.1:{m.group(1)}"


def _rate(session, url: str, path: str, body: bytes, pid: int) -> tuple[float, float]:
    """Requests per CPU-second of the service and per wall second, for N signed POSTs of ``body``."""
    from rating import signing
    cpu0, wall0 = _cpu_s(pid), time.perf_counter()
    for _ in range(N):
        headers = signing.signed_headers("bench-01", SECRET.encode(), int(time.time()), "POST", path, body)
        r = session.post(url + path, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=30)
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
    return N / max(1e-9, _cpu_s(pid) - cpu0), N / (time.perf_counter() - wall0)


def bench_server(folder: Path) -> None:
    import requests

    from kiosk.config import load_config
    from kiosk.store import VoteStore
    from rating import checkin, wire
    from sync.client import SyncClient
    proc, url = _serve(folder)
    try:
        session = requests.Session()
        config_path = folder / "kiosk.toml"
        config_path.write_text(f'[kiosk]\nid = "bench-01"\ncentre = "Trung tâm bench"\ndata_dir = "data"\n'
                               f'opening_hours = ["Mon-Fri 07:30-11:30 13:30-17:00"]\n'
                               f'[[counters]]\nid = "Q1"\nname = "Quầy 1"\n'
                               f'[sync]\nurl = "{url}"\nsecret = "{SECRET}"\n', encoding="utf-8")
        config = load_config(config_path)
        with VoteStore.from_config(config) as store:
            for _ in range(50):
                store.record_vote("Q1", "HL")
            client = SyncClient(config, store)
            status = client.status()
            body = checkin.encode_checkin("bench-01", status, checkin.NO_SETTINGS, config.hours, config.timezone)
            bare = wire.encode_batch("bench-01", [], [], [])
            _rate(session, url, "/v1/batches", bare, proc.pid)   # warm both paths up
            _rate(session, url, checkin.CHECKIN_PATH, body, proc.pid)
            bare_cpu, bare_wall = _rate(session, url, "/v1/batches", bare, proc.pid)
            chk_cpu, chk_wall = _rate(session, url, checkin.CHECKIN_PATH, body, proc.pid)
            print(f"  bare authenticated request             {bare_cpu:8.0f} req/s per core ({bare_wall:.0f}/s wall, one client)")
            print(f"  check-in ({len(body)} B, stored)            {chk_cpu:8.0f} req/s per core ({chk_wall:.0f}/s wall, one client)")
            verdict("check-in ÷ bare request (per core)", chk_cpu / bare_cpu, 0.5, "×", lower_is_better=False)
            bench_kiosk(client)
    finally:
        proc.terminate()
        proc.wait(10)


def bench_kiosk(client) -> None:
    """The kiosk's CPU for one check-in (the health read, the signing, the request, the outcome kept)."""
    from rating.checkin import CHECKIN_EVERY_S
    rounds = max(50, N // 10)
    cpu0 = time.process_time()
    for _ in range(rounds):
        if not client.checkin().ok:
            raise RuntimeError("a check-in failed")
    per = (time.process_time() - cpu0) / rounds
    print(f"  kiosk CPU per check-in                 {per * 1000:8.2f} ms ({per / CHECKIN_EVERY_S * 100:.4f} % of a core)")
    verdict(f"kiosk CPU at one check-in every {CHECKIN_EVERY_S} s", per / CHECKIN_EVERY_S * 100, 1.0, " % of a core")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-checkins-") as folder:
        bench_server(Path(folder))


if __name__ == "__main__":
    main()

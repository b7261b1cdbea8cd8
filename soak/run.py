"""The soak's schedule: start everything, break things at random for the given minutes, drain, judge.

The first 40 % of the time the kiosk is killed with SIGKILL every minute or two; after that it lives on
(its memory and open files are judged over that long life) while the service and its database go on
being killed and the network cut. The kiosk's clock jumps 2 hours forward at 25 % and back at 70 %.
"""

from __future__ import annotations

import json
import random
import secrets
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.crashloop import STABLE_S   # a kiosk life this long is not part of a crash loop
from kiosk.syncstate import SyncState

from . import check
from .boxes import Pressers, config_lines
from .clock import FakeClock
from .parts import Central, Database, Kiosk, SyncLoop, base_env
from .proxy import CLEAN, CuttableProxy

KIOSK_ID = "soak-01"
SAMPLE_EVERY_S = 5.0
JUMP_S = 2 * 3600
SYNC_TIMEOUT_S = 3       # the kiosk's [sync] timeout_s: a cut costs each try this long
STALL_S = 4.0            # the proxy's stalled answers come after the kiosk stopped waiting
DRAIN_TIMEOUT_S = 300.0


@dataclass
class Plan:
    """When things happen, in seconds from the start; drawn from ``seed``."""
    minutes: float
    seed: int
    rng: random.Random = field(init=False)

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    @property
    def duration_s(self) -> float:
        return self.minutes * 60

    @property
    def kiosk_kills_until_s(self) -> float:
        return 0.4 * self.duration_s

    @property
    def jumps(self) -> list[tuple[float, int]]:
        return [(0.25 * self.duration_s, JUMP_S), (0.7 * self.duration_s, 0)]

    def kiosk_life(self, short_streak: int) -> float:
        """How long the kiosk's next life lasts before its kill. Never four short lives in a row: the
        kiosk takes a fifth start within 10 minutes after four that ran less than two minutes for a crash
        loop (kiosk/crashloop.py) and stops taking votes, as it should; the soak kills it, it is not looping."""
        return self.rng.uniform(20, 100) if short_streak < 2 else self.rng.uniform(STABLE_S + 20, STABLE_S + 80)

    def kiosk_down(self) -> float:
        return self.rng.uniform(0.5, 6)

    def server_gap(self) -> float:
        return self.rng.uniform(45, 120)

    def server_down(self) -> float:
        return self.rng.uniform(2, 20)

    def cut_gap(self) -> float:
        return self.rng.uniform(40, 110)

    def cut_length(self) -> float:
        return self.rng.uniform(8, 40)


def kiosk_config(folder: Path, url: str, secret: str) -> Path:
    """The soak kiosk's configuration: three counters, three boxes on two lines, sync through the proxy."""
    text = (f'[kiosk]\nid = "{KIOSK_ID}"\ncentre = "Trung tâm Phục vụ hành chính công xã Thử tải"\n'
            'data_dir = "data"\nscale = "sipas5"\ntimezone = "Asia/Ho_Chi_Minh"\nrepeat_window_s = 10\n')
    for cid in ("Q1", "Q2", "Q3"):
        text += f'\n[[counters]]\nid = "{cid}"\nname = "Quầy {cid[1]}"\n'
    text += config_lines(folder)
    text += (f'\n[sync]\nurl = "{url}"\nsecret = "{secret}"\nwindow = "22:00-05:00"\nbatch_size = 200\n'
             f'timeout_s = {SYNC_TIMEOUT_S}\n')
    path = folder / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def registry(folder: Path, secret: str) -> Path:
    """The service's kiosk registry: the one soak kiosk."""
    path = folder / "kiosks.toml"
    path.write_text(f'[[kiosks]]\nid = "{KIOSK_ID}"\ncentre = "Trung tâm Thử tải"\nsecret = "{secret}"\n',
                    encoding="utf-8")
    return path


class Soak:
    """One soak run in ``folder`` (emptied first)."""

    def __init__(self, folder: Path, minutes: float, seed: int, say=print):
        folder = folder.resolve()   # the children run in it: their paths must not be relative to here
        self.folder, self.plan, self.say = folder, Plan(minutes, seed), say
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.samples: list[dict] = []
        self.events: list[dict] = []
        self.unexpected_exits: list[str] = []
        self.t0 = time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.t0

    def note(self, what: str, **detail) -> None:
        """Record an event (and say it)."""
        self.events.append({"at_s": round(self.elapsed(), 1), "event": what, **detail})
        self.say(f"  [{self.elapsed():7.1f} s] {what}" + "".join(f" {k}={v}" for k, v in detail.items()))

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> dict:
        """Start, break, drain, judge; the summary (also written as ``summary.json`` in the folder)."""
        secret = secrets.token_hex(16)   # never printed: the files hold it, the summary does not
        self.say(f"soak: {self.plan.minutes:g} min, seed {self.plan.seed}, in {self.folder}")
        self.db = Database()
        try:
            self.central = Central(self.folder, self.db.url, registry(self.folder, secret))
            self.central.start()
            self.proxy = CuttableProxy(("127.0.0.1", self.central.port), seed=self.plan.seed, stall_s=STALL_S)
            config = kiosk_config(self.folder, self.proxy.url, secret)
            self.clock = FakeClock(self.folder / "faketime")
            env = self.clock.env(base_env())
            self.pressers = Pressers(self.folder, self.plan.seed).start()
            self.kiosk = Kiosk(self.folder, config, env)
            self.kiosk.start()
            self.sync = SyncLoop(self.folder, config, env, random.Random(self.plan.seed + 1)).start()
            self.t0 = time.monotonic()
            self._break_things()
            return self._drain_and_judge(config)
        finally:
            for stop in (lambda: self.pressers.stop(), lambda: self.sync.stop(),
                         lambda: self.kiosk.up and self.kiosk.kill9(), lambda: self.pressers.unplug(),
                         lambda: self.central.stop(), lambda: self.proxy.close(), self.db.stop):
                try:
                    stop()
                except Exception:  # noqa: BLE001 — the tidying of one part must not hide the others'
                    pass

    def _break_things(self) -> None:
        plan = self.plan
        next_sample = 0.0
        next_kiosk_kill, short_streak = plan.kiosk_life(0), 0
        kiosk_back_at = None
        next_server_kill, server_back_at, server_target = plan.server_gap(), None, "central"
        next_cut, cut_ends = plan.cut_gap(), None
        jumps = list(plan.jumps)
        while (now := self.elapsed()) < plan.duration_s:
            if now >= next_sample:
                if (s := self.kiosk.sample()) is not None:
                    self.samples.append({"at_s": round(now, 1), **s})
                next_sample = now + SAMPLE_EVERY_S
            if kiosk_back_at is None and not self.kiosk.up:
                self.unexpected_exits.append(f"kiosk exited by itself ({self.kiosk.proc.returncode}) at {now:.0f} s")
                self.note("kiosk exited by itself", code=self.kiosk.proc.returncode)
                kiosk_back_at = now
            if kiosk_back_at is not None and now >= kiosk_back_at:
                self.kiosk.start()
                kiosk_back_at, next_kiosk_kill = None, now + plan.kiosk_life(short_streak)
                self.note("kiosk started", life=self.kiosk.lives)
            if now >= next_kiosk_kill and now < plan.kiosk_kills_until_s and self.kiosk.up:
                short_streak = short_streak + 1 if time.monotonic() - self.kiosk.started_at < STABLE_S + 5 else 0
                self.kiosk.kill9()
                kiosk_back_at = now + plan.kiosk_down()
                self.note("kill -9 kiosk", life=self.kiosk.lives)
            if server_back_at is None and now >= next_server_kill:
                if server_target == "central":
                    self.central.kill9()
                else:
                    self.db.kill9()
                server_back_at = now + plan.server_down()
                self.note(f"kill -9 {server_target}")
            elif server_back_at is not None and now >= server_back_at:
                if server_target == "central":
                    self.central.start()
                else:
                    self.db.start()
                self.note(f"{server_target} restarted")
                server_back_at, next_server_kill = None, self.elapsed() + plan.server_gap()
                server_target = "postgresql" if server_target == "central" else "central"
            if server_back_at is None and not self.central.up:
                self.unexpected_exits.append(f"central service exited by itself at {now:.0f} s")
                self.note("central exited by itself")
                self.central.start()
            if cut_ends is None and now >= next_cut:
                self.proxy.cut()
                cut_ends = now + plan.cut_length()
                self.note("network cut")
            elif cut_ends is not None and now >= cut_ends:
                self.proxy.restore()
                cut_ends, next_cut = None, now + plan.cut_gap()
                self.note("network restored")
            if jumps and now >= jumps[0][0]:
                _, offset = jumps.pop(0)
                self.clock.jump(offset, now)
                self.note("clock jump", to_offset_s=offset)
            time.sleep(0.5)
        # Put everything right for the drain.
        if cut_ends is not None:
            self.proxy.restore()
            self.note("network restored")
        if server_back_at is not None:
            (self.central.start if server_target == "central" else self.db.start)()
            self.note(f"{server_target} restarted")
        if not self.kiosk.up:
            self.kiosk.start()
            self.note("kiosk started", life=self.kiosk.lives)

    def _drain_and_judge(self, config: Path) -> dict:
        self.note("stopping the presses")
        self.pressers.stop()
        self.sync.stop()
        self.proxy.set_faults(CLEAN)
        syncs = 0
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while True:
            syncs += 1
            if (s := self.kiosk.sample()) is not None:   # the kiosk's life goes on: keep measuring it
                self.samples.append({"at_s": round(self.elapsed(), 1), **s})
            if self.sync.run_once() == 0:
                break
            if not self._waiting():
                self.note("the final sync left rows in quarantine")
                break
            time.sleep(1)
            if time.monotonic() > deadline:
                self.note("the final sync did not complete")
                break
        self.note("final sync ended", runs=syncs)
        if (s := self.kiosk.sample()) is not None:
            self.samples.append({"at_s": round(self.elapsed(), 1), **s})
        stop_code = self.kiosk.stop()
        self.note("kiosk stopped (SIGTERM)", code=stop_code)
        kiosk_votes, quarantined, chain = self._kiosk_store(config)
        server, held = self._server_votes()
        from kiosk.config import load_config
        scale = load_config(config).scale
        votes = check.compare(self.pressers.as_dicts(), kiosk_votes, server, quarantined,
                              lambda key: scale.by_key(key).code)
        memory = check.flatness(self.samples)
        problems = [*votes["problems"], *memory["problems"], *self.unexpected_exits]
        if chain:
            problems.append(f"the kiosk's store: {chain}")
        if stop_code != 0:
            problems.append(f"the kiosk exited {stop_code} on SIGTERM")
        tracebacks = _count(self.folder / "kiosk.out", "Traceback")
        crash_loops = _count(self.folder / "kiosk.out", "crash loop")
        if crash_loops:
            problems.append(f"the kiosk took {crash_loops} start(s) for a crash loop (kiosk.out)")
        summary = {
            "ok": not problems,
            "minutes": self.plan.minutes, "seed": self.plan.seed,
            "votes": {k: v for k, v in votes.items() if k != "problems"},
            "held_back_on_server": held,
            "kills": {"kiosk": self.kiosk.kills, "central": self.central.kills, "postgresql": self.db.kills,
                      "sync_runs": self.sync.runs["killed"]},
            "kiosk_lives": self.kiosk.lives,
            "network_cuts": self.proxy.cuts,
            "proxy_faults": dict(self.proxy.seen),
            "clock_jumps": self.clock.jumps,
            "sync_runs": {**self.sync.runs, "final": syncs},
            "memory": {k: v for k, v in memory.items() if k != "problems"},
            "kiosk_tracebacks": tracebacks,
            "kiosk_crash_loop_lines": crash_loops,
            "problems": problems,
            "events": self.events,
            "samples": self.samples,
        }
        (self.folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        return summary

    def _waiting(self) -> int:
        """Votes and reasons still waiting to be sent (quarantined ones are not: they wait for a person)."""
        raw = sqlite3.connect(f"file:{self.folder / 'data' / 'votes.db'}?mode=ro", uri=True)
        try:
            return sum(raw.execute(f"SELECT count(*) FROM {table} WHERE sync_state = ?",
                                   (SyncState.PENDING,)).fetchone()[0] for table in ("votes", "vote_reasons"))
        finally:
            raw.close()

    def _kiosk_store(self, config: Path) -> tuple[list[check.KioskVote], list[str], str | None]:
        from kiosk.store import VoteStore
        db = self.folder / "data" / "votes.db"
        with VoteStore.open(db, kiosk_id=KIOSK_ID, tz=ZoneInfo("Asia/Ho_Chi_Minh"), create=False) as store:
            integrity = store.integrity_check()
            brk = store.verify_chain()
        chain = None if integrity == ["ok"] and brk is None else f"integrity {integrity}, chain {brk}"
        raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            votes = [check.KioskVote(*row) for row in
                     raw.execute("SELECT uuid, seq, source, box_seq, level FROM votes ORDER BY seq")]
            quarantined = [row[0] for row in raw.execute("SELECT vote_uuid FROM sync_quarantine")]
        finally:
            raw.close()
        return votes, quarantined, chain

    def _server_votes(self) -> tuple[list[str], dict]:
        import psycopg
        with psycopg.connect(self.db.url) as conn:
            uuids = [row[0] for row in conn.execute("SELECT uuid FROM votes WHERE kiosk_id = %s", (KIOSK_ID,))]
            held = dict(conn.execute("SELECT held_back, count(*) FROM votes WHERE kiosk_id = %s "
                                     "AND held_back IS NOT NULL GROUP BY held_back", (KIOSK_ID,)).fetchall())
        return uuids, held


def _count(path: Path, needle: str) -> int:
    try:
        return path.read_text(errors="replace").count(needle)
    except OSError:
        return 0


def figures(summary: dict) -> str:
    """The summary as the lines a person reads."""
    v, m, k = summary["votes"], summary["memory"], summary["kills"]
    lines = [
        f"soak: {summary['minutes']:g} min (seed {summary['seed']}): {'OK' if summary['ok'] else 'PROBLEMS'}",
        f"  presses {v['presses']}, ACKed {v['acked']}, not ACKed {v['not_acked']}",
        f"  stored {v['stored']} (of them stored but not ACKed: {v['stored_not_acked']}), on server {v['on_server']}"
        f" (held back for the clock: {sum(summary['held_back_on_server'].values())})",
        f"  ACKed and on the server exactly once: {v['acked_on_server_once']} of {v['acked']}; duplicates: store "
        f"{v['duplicates_in_store']}, server {v['duplicates_on_server']}; missing: store {v['missing_in_store']}, "
        f"server {v['missing_on_server']}; quarantined {v['quarantined']}",
        f"  kill -9: kiosk {k['kiosk']}, central {k['central']}, postgresql {k['postgresql']}, sync runs "
        f"{k['sync_runs']}; network cuts {summary['network_cuts']}; clock jumps {len(summary['clock_jumps'])}",
        f"  sync runs: {summary['sync_runs']}",
    ]
    if "rss_kb_end" in m:
        lines.append(f"  kiosk life {m['life']} ({m['age_s']:.0f} s): RSS {m['rss_kb_after_warmup'] / 1024:.1f} MB "
                     f"after warm-up, {m['rss_kb_end'] / 1024:.1f} MB at the end (max {m['rss_kb_max'] / 1024:.1f}); "
                     f"open files {m['fds_after_warmup']:.0f} → {m['fds_end']:.0f} (max {m['fds_max']})")
    lines += [f"  PROBLEM: {p}" for p in summary["problems"]]
    return "\n".join(lines)

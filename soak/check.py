"""The soak's verdicts, as pure functions of what was recorded: no process, no file.

A press maps to a vote by its box and seq: the kiosk stores a box's press with source ``serial:<box>``
and ``box_seq`` = the press's seq (``hardware/reader.py``), and the soak's boxes never lose power, so
their seq numbers never repeat. The vote's UUID then names it on the server.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

WARMUP_S = 60.0            # a kiosk life's first minute: imports, caches, the first sync's connections
RSS_GROWTH_LIMIT_KB = 4096  # "flat": at most 4 MB more at the end than after warm-up...
RSS_GROWTH_LIMIT_PCT = 10.0  # ...and at most 10 % more
FDS_GROWTH_LIMIT = 2       # a socket or a WAL file open at the moment of a sample


@dataclass(frozen=True)
class KioskVote:
    """A vote as the kiosk's store holds it (the fields the check needs)."""
    uuid: str
    seq: int
    source: str
    box_seq: int | None
    level: str


def compare(presses: list[dict], kiosk: list[KioskVote], server: list[str], quarantined: list[str],
            level_of_key) -> dict:
    """Every ACKed press in the kiosk's store exactly once, and its UUID on the server exactly once.

    ``presses``: dicts with ``box``, ``seq``, ``key``, ``acked``; ``server``: the UUID of every vote
    row the service holds for this kiosk (a UUID twice is a duplicate); ``level_of_key``: key → level
    code. Returns the figures and a list of ``problems`` (empty when all is well).
    """
    problems: list[str] = []
    by_press: dict[tuple[int, int], list[KioskVote]] = defaultdict(list)
    for v in kiosk:
        if v.source.startswith("serial:") and v.box_seq is not None:
            by_press[(int(v.source.split(":", 1)[1]), v.box_seq)].append(v)
    on_server = Counter(server)
    kiosk_uuids = Counter(v.uuid for v in kiosk)
    acked = [p for p in presses if p["acked"]]
    missing_in_store, wrong_level, missing_on_server, twice_on_server = [], [], [], []
    for p in acked:
        votes = by_press.get((p["box"], p["seq"]), [])
        if not votes:
            missing_in_store.append(p)
            continue
        if votes[0].level != level_of_key(p["key"]):
            wrong_level.append((p, votes[0].level))
        n = on_server.get(votes[0].uuid, 0)
        if n == 0:
            missing_on_server.append(p)
        elif n > 1:
            twice_on_server.append(p)
    store_duplicates = {k: [v.seq for v in vs] for k, vs in by_press.items() if len(vs) > 1}
    server_duplicates = sum(n - 1 for n in on_server.values() if n > 1)
    not_on_server = [u for u in kiosk_uuids if u not in on_server]
    unknown_on_server = [u for u in on_server if u not in kiosk_uuids]
    for what, items in (("ACKed press(es) not in the kiosk's store", missing_in_store),
                        ("ACKed press(es) stored with another level than their key's", wrong_level),
                        ("ACKed press(es) stored but not on the server", missing_on_server),
                        ("ACKed press(es) on the server more than once", twice_on_server),
                        ("press(es) stored more than once in the kiosk (box, seq: kiosk seqs)",
                         list(store_duplicates.items())),
                        ("vote(s) of the kiosk's store not on the server", not_on_server),
                        ("vote(s) on the server the kiosk's store does not hold", unknown_on_server),
                        ("vote(s) held in the kiosk's quarantine", quarantined)):
        if items:
            problems.append(f"{len(items)} {what}, e.g. {items[:3]}")
    if server_duplicates:
        problems.append(f"{server_duplicates} duplicate vote row(s) on the server")
    return {
        "presses": len(presses),
        "acked": len(acked),
        "not_acked": len(presses) - len(acked),
        "stored": len(kiosk),
        "stored_from_presses": sum(len(vs) for vs in by_press.values()),
        "stored_not_acked": len(by_press) - (len(acked) - len(missing_in_store)),
        "on_server": sum(on_server.values()),
        "acked_on_server_once": len(acked) - len(missing_in_store) - len(missing_on_server) - len(twice_on_server),
        "duplicates_in_store": sum(len(vs) - 1 for vs in store_duplicates.values()),
        "duplicates_on_server": server_duplicates,
        "missing_in_store": len(missing_in_store),
        "acked_missing_on_server": len(missing_on_server),
        "missing_on_server": len(not_on_server),
        "quarantined": len(quarantined),
        "problems": problems,
    }


def flatness(samples: list[dict], warmup_s: float = WARMUP_S) -> dict:
    """Memory and open files of the kiosk's longest life: after warm-up vs at the end.

    ``samples``: dicts with ``life``, ``age_s``, ``rss_kb``, ``fds``. The figure after warm-up is the
    median of the samples in the minute after ``warmup_s``; at the end, the median
    of its last 30 s (a median, because one sample may fall in the middle of a sync or a commit).
    """
    lives: dict[int, list[dict]] = defaultdict(list)
    for s in samples:
        lives[s["life"]].append(s)
    if not lives:
        return {"ok": False, "problems": ["no sample of the kiosk's memory was taken"]}
    life, rows = max(lives.items(), key=lambda kv: kv[1][-1]["age_s"])
    after = [s for s in rows if warmup_s <= s["age_s"] < warmup_s + 60]
    last = rows[-1]["age_s"]
    end = [s for s in rows if s["age_s"] >= last - 30]
    if not after or last < warmup_s + 120:
        return {"ok": False, "life": life, "age_s": last,
                "problems": [f"the kiosk's longest life ({last:.0f} s) is too short to judge: warm-up "
                             f"{warmup_s:.0f} s, then two minutes at least"]}
    rss0, rss1 = statistics.median(s["rss_kb"] for s in after), statistics.median(s["rss_kb"] for s in end)
    fds0, fds1 = statistics.median(s["fds"] for s in after), statistics.median(s["fds"] for s in end)
    problems = []
    if rss1 - rss0 > RSS_GROWTH_LIMIT_KB or rss1 > rss0 * (1 + RSS_GROWTH_LIMIT_PCT / 100):
        problems.append(f"memory grew from {rss0:.0f} kB to {rss1:.0f} kB")
    if fds1 - fds0 > FDS_GROWTH_LIMIT:
        problems.append(f"open files grew from {fds0:.0f} to {fds1:.0f}")
    return {"ok": not problems, "life": life, "age_s": rows[-1]["age_s"],
            "rss_kb_after_warmup": rss0, "rss_kb_end": rss1, "rss_kb_max": max(s["rss_kb"] for s in rows),
            "fds_after_warmup": fds0, "fds_end": fds1, "fds_max": max(s["fds"] for s in rows),
            "problems": problems}

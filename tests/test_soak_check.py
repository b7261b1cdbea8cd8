"""The soak's verdicts (soak/check.py), on recorded figures: what counts as lost, duplicated or leaking.
The soak itself runs for half an hour (`make soak`); its judge is tested here in a moment."""

from __future__ import annotations

from soak.check import KioskVote, compare, flatness

LEVELS = {1: "RHL", 2: "HL", 3: "BT", 4: "KHL", 5: "RKHL"}


def press(box, seq, key=1, acked=True):
    return {"box": box, "seq": seq, "key": key, "acked": acked, "sends": 1}


def vote(n, box, box_seq, level="RHL"):
    return KioskVote(f"u{n}", n, f"serial:{box}", box_seq, level)


def judge(presses, kiosk, server=None, quarantined=()):
    server = [v.uuid for v in kiosk] if server is None else server
    return compare(presses, kiosk, server, list(quarantined), LEVELS.__getitem__)


def test_every_acked_press_stored_and_on_the_server_once_is_no_problem():
    result = judge([press(1, 0), press(1, 1, 2), press(3, 0, acked=False)], [vote(1, 1, 0), vote(2, 1, 1, "HL")])
    assert result["problems"] == []
    assert (result["acked"], result["stored"], result["on_server"], result["acked_on_server_once"]) == (2, 2, 2, 2)


def test_a_press_stored_but_never_acked_is_counted_not_blamed():
    result = judge([press(1, 0, acked=False)], [vote(1, 1, 0)])
    assert result["problems"] == [] and result["stored_not_acked"] == 1


def test_an_acked_press_missing_from_the_store_is_a_problem():
    result = judge([press(1, 0), press(1, 1)], [vote(1, 1, 0)])
    assert result["missing_in_store"] == 1 and "not in the kiosk's store" in result["problems"][0]


def test_a_press_stored_twice_is_a_duplicate():
    result = judge([press(2, 5)], [vote(1, 2, 5), vote(2, 2, 5)])
    assert result["duplicates_in_store"] == 1
    assert any("stored more than once" in p for p in result["problems"])


def test_a_vote_twice_on_the_server_is_a_duplicate():
    kiosk = [vote(1, 1, 0)]
    result = judge([press(1, 0)], kiosk, server=["u1", "u1"])
    assert result["duplicates_on_server"] == 1 and len(result["problems"]) == 2


def test_an_acked_vote_missing_on_the_server_or_quarantined_is_a_problem():
    result = judge([press(1, 0), press(1, 1)], [vote(1, 1, 0), vote(2, 1, 1)], server=["u1"], quarantined=["u2"])
    assert result["acked_missing_on_server"] == 1 and result["missing_on_server"] == 1
    assert any("quarantine" in p for p in result["problems"])


def test_a_press_stored_under_another_key_is_a_problem():
    result = judge([press(1, 0, key=5)], [vote(1, 1, 0, "RHL")])
    assert any("another level" in p for p in result["problems"])


def life(rss_at, fds_at=lambda t: 12, life=2, until=300):
    return [{"life": life, "age_s": t, "rss_kb": rss_at(t), "fds": fds_at(t)} for t in range(0, until + 1, 5)]


def test_memory_that_levels_off_after_warm_up_is_flat():
    result = flatness(life(lambda t: 60_000 if t < 60 else 80_000 + (t % 10) * 10))
    assert result["ok"], result["problems"]
    assert abs(result["rss_kb_end"] - result["rss_kb_after_warmup"]) < 100


def test_memory_that_keeps_growing_is_a_leak():
    result = flatness(life(lambda t: 80_000 + t * 40))
    assert not result["ok"] and "memory grew" in result["problems"][0]


def test_open_files_that_keep_growing_are_a_leak():
    result = flatness(life(lambda t: 80_000, fds_at=lambda t: 12 + t // 30))
    assert not result["ok"] and "open files grew" in result["problems"][0]


def test_the_longest_life_is_judged_and_a_short_one_is_said_too_short():
    short = life(lambda t: 80_000 + t * 1000, life=1, until=100)
    assert not flatness(short)["ok"] and "too short" in flatness(short)["problems"][0]
    assert flatness(short + life(lambda t: 80_000, life=2))["ok"]

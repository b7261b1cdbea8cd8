"""A button box that restarts counts its presses from seq 0 again: those presses are new votes, never
resends — whether the kiosk heard its HELLO or not, with or without a heartbeat between.

A resend is the same frame (box, seq, key), and either the same boot identifier (protocol 1.1) or the
box's latest press within the seconds a box resends for. The rule is tested alone with an injected
clock, then through real pseudo-terminals with the simulated box losing its power.
"""

from __future__ import annotations

import time

import pytest

from hardware.protocol import Heartbeat, Rate, encode
from hardware.reader import DEDUPE_WINDOW_S, RESEND_WINDOW_S, PortReader, Presses
from hardware.simulator import VirtualBox
from rating.scales import get_scale

SIPAS = get_scale("sipas5")


def level(key: int) -> str:
    return SIPAS.by_key(key).code


def press(presses: Presses, seq: int, key: int, at: float, boot: int | None = None) -> str:
    """What the reader does with one RATE frame: classify it, and remember it when it is stored."""
    kind = presses.classify(seq, level(key), boot, at)
    if kind == "restarted":
        presses.forget()
    if kind != "resend":
        presses.remember(seq, level(key), boot, at)
    return kind


# --- the rule, with an injected clock -------------------------------------------------------------

def test_three_power_ups_a_few_seconds_apart_without_a_hello_are_fifteen_new_presses():
    presses, at, kinds = Presses(), 0.0, []
    for script in ((5, 4, 3, 2, 1), (1, 2, 3, 4, 5), (3, 3, 1, 1, 2)):
        for seq, key in enumerate(script):
            kinds.append(press(presses, seq, key, at))
            at += 0.5
        at += 2.0  # the box loses power and comes back; its HELLO is never read
    assert "resend" not in kinds
    assert kinds.count("restarted") == 2


def test_a_restart_whose_first_press_has_the_same_key_as_the_last_is_still_a_new_press():
    presses = Presses()
    for seq in range(3):
        press(presses, seq, 1, at=seq * 0.5)
    # Power lost, back within a second, the same key pressed: seq 0 is behind the latest press (2).
    assert press(presses, 0, 1, at=2.0) == "restarted"


def test_a_resend_of_the_latest_press_is_recognised_until_the_end_of_the_resend_window():
    presses = Presses()
    press(presses, 7, 2, at=100.0)
    assert presses.classify(7, level(2), None, 100.0 + RESEND_WINDOW_S) == "resend"
    assert presses.classify(7, level(2), None, 100.0 + RESEND_WINDOW_S + 0.001) != "resend"


def test_the_same_seq_with_another_key_is_never_a_resend():
    presses = Presses()
    press(presses, 0, 5, at=0.0)
    assert press(presses, 0, 1, at=0.1) == "restarted"


def test_an_older_press_than_the_latest_is_not_resent_by_firmware_without_a_boot_identifier():
    presses = Presses()
    press(presses, 0, 2, at=0.0)
    press(presses, 1, 3, at=0.5)
    assert press(presses, 0, 2, at=1.0) == "restarted"


def test_a_seq_behind_the_latest_press_tells_of_a_restart_even_once_the_earlier_presses_are_forgotten():
    presses = Presses()
    press(presses, 5, 1, at=0.0)
    assert press(presses, 0, 1, at=DEDUPE_WINDOW_S + 10) == "restarted"


def test_a_seq_that_wraps_past_65535_is_a_new_press_not_a_restart():
    presses = Presses()
    press(presses, 65535, 1, at=0.0)
    assert press(presses, 0, 1, at=0.5) == "new"


def test_with_a_boot_identifier_a_resend_is_recognised_for_the_whole_dedupe_window():
    presses = Presses()
    press(presses, 3, 4, at=0.0, boot=911)
    assert presses.classify(3, level(4), 911, DEDUPE_WINDOW_S - 1) == "resend"


def test_with_a_boot_identifier_the_same_seq_and_key_after_a_power_up_is_a_new_press():
    presses = Presses()
    press(presses, 0, 1, at=0.0, boot=911)
    assert press(presses, 0, 1, at=0.3, boot=12) == "restarted"


def test_a_forgotten_box_takes_seq_0_as_a_new_press():
    presses = Presses()
    press(presses, 9, 1, at=0.0)
    presses.forget()  # a HELLO, or a heartbeat whose uptime went down
    assert press(presses, 9, 1, at=0.1) == "new"


# --- through real pseudo-terminals ----------------------------------------------------------------

def levels_stored(store) -> list[str]:
    return [lvl for (lvl,) in store.query("SELECT level FROM votes ORDER BY seq")]


@pytest.mark.parametrize("boot_id", [False, True], ids=["protocol-1.0", "protocol-1.1"])
@pytest.mark.parametrize("heartbeat_between", [False, True], ids=["no-heartbeat", "heartbeat"])
@pytest.mark.parametrize("hello_heard", [False, True], ids=["hello-lost", "hello-heard"])
def test_a_box_reset_mid_session_loses_no_press(tmp_path, store, hello_heard, heartbeat_between, boot_id):
    box = VirtualBox(tmp_path / "box1", boxes=(1,), heartbeat_s=None, boot_id=boot_id).plug()
    reader = PortReader(box.port, {1: "Q1"}, store, SIPAS).start()
    try:
        assert reader.wait_connected(5)
        results = []
        for n, script in enumerate(((5, 4, 3, 2, 1), (1, 2, 3, 4, 5), (3, 3, 1, 1, 2))):
            if n:
                box.power_cycle(hello=hello_heard)
                assert reader.wait_connected(5)
                if heartbeat_between:
                    box.send(Heartbeat(1, 1))
            elif heartbeat_between:
                box.send(Heartbeat(1, 3600))
            results += [box.press(key) for key in script]
        assert all(r.acked for r in results)
        assert levels_stored(store) == [level(k) for k in (5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 3, 3, 1, 1, 2)]
        assert store.verify_chain() is None
    finally:
        reader.stop()
        box.unplug()


def test_a_box_restart_noticed_from_its_presses_is_counted_in_its_health(tmp_path, store):
    box = VirtualBox(tmp_path / "box1", boxes=(1,), heartbeat_s=None).plug()
    reader = PortReader(box.port, {1: "Q1"}, store, SIPAS).start()
    try:
        assert reader.wait_connected(5)
        assert box.press(2).acked and box.press(2).acked
        box.power_cycle(hello=False)
        assert reader.wait_connected(5)
        assert box.press(2).acked
        _, (health,) = reader.health()
        assert (health.presses, health.resends, health.restarts) == (3, 0, 1)
    finally:
        reader.stop()
        box.unplug()


def test_a_resend_read_after_a_slow_commit_is_still_one_vote(tmp_path, store):
    """The window runs from the ACK, not from the press: resends queued behind a slow COMMIT count once."""
    box = VirtualBox(tmp_path / "box1", boxes=(1,), heartbeat_s=None).plug()
    now = [1000.0]
    reader = PortReader(box.port, {1: "Q1"}, store, SIPAS, clock=lambda: now[0]).start()
    try:
        assert reader.wait_connected(5)
        frame = encode(Rate(1, 3, 41))
        box.send_raw(frame)
        deadline = time.monotonic() + 5
        while store.count() < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        now[0] += RESEND_WINDOW_S  # the last of the resends, read at the end of the window
        box.send_raw(frame)
        while len(box.acks) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(box.acks) == 2 and store.count() == 1
    finally:
        reader.stop()
        box.unplug()

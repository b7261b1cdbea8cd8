"""The serial reader through real pseudo-terminals: one press, one durable vote, one ACK after COMMIT."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from hardware.ports import PortSpecError, UsbId, find_usb_device, parse_usb_spec
from hardware.protocol import Ack, Hello, Heartbeat, Rate, encode
from hardware.reader import ButtonBoxes, PortReader
from hardware.simulator import VirtualBox
from kiosk.config import ButtonBox
from rating.scales import get_scale
from kiosk.store import VoteStore
from tests.conftest import closed_all_day_today


def wait_for(predicate, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def box(tmp_path):
    with VirtualBox(tmp_path / "box1", boxes=(1, 2), heartbeat_s=None) as b:
        yield b


@pytest.fixture
def reader(box, store):
    r = PortReader(box.port, {1: "Q1", 2: "Q2"}, store, get_scale("sipas5")).start()
    assert r.wait_connected(5)
    yield r
    r.stop()


def votes(store):
    return store.query("SELECT counter_id, level, source, box_seq FROM votes ORDER BY seq")


def test_a_press_becomes_one_vote_that_is_committed_before_the_ack(box, reader, store):
    seen_at_ack = []

    def look_in_the_database(ack):  # from another connection, the moment the ACK reaches the box
        raw = sqlite3.connect(store.path)
        seen_at_ack.append(raw.execute("SELECT count(*) FROM votes WHERE box_seq = ?", (ack.seq,)).fetchone()[0])
        raw.close()
    box.on_ack = look_in_the_database
    results = [box.press(k) for k in (1, 2, 3)]
    assert all(r.acked and r.sends == 1 for r in results)
    assert seen_at_ack == [1, 1, 1]
    assert votes(store) == [("Q1", "RHL", "serial:1", 0), ("Q1", "HL", "serial:1", 1), ("Q1", "BT", "serial:1", 2)]


def test_keys_map_to_levels_from_the_best_and_boxes_to_their_counters(box, reader, store):
    for key, b in [(1, 1), (2, 1), (3, 2), (4, 2), (5, 1)]:
        assert box.press(key, box=b).acked
    assert [(c, lvl) for c, lvl, _, _ in votes(store)] == [
        ("Q1", "RHL"), ("Q1", "HL"), ("Q2", "BT"), ("Q2", "KHL"), ("Q1", "RKHL")]


def test_a_frame_written_one_byte_at_a_time_is_one_vote(box, reader, store):
    for byte in encode(Rate(1, 2, 40)):
        box.send_raw(bytes([byte]))
        time.sleep(0.002)
    wait_for(lambda: Ack(1, 40) in box.acks, what="ACK")
    assert votes(store) == [("Q1", "HL", "serial:1", 40)]


def test_many_frames_in_one_write_are_all_votes(box, reader, store):
    box.send_raw(b"".join(encode(Rate(1, 1 + i % 5, i)) for i in range(20)))
    wait_for(lambda: len(box.acks) == 20, what="20 ACKs")
    assert len(votes(store)) == 20


def test_garbage_between_frames_is_counted_and_the_frames_still_count(box, reader, store):
    box.send_raw(b"\x00\xffnoise" + encode(Rate(1, 1, 1)) + b"more noise\r\n" + encode(Rate(2, 2, 2)))
    wait_for(lambda: len(box.acks) == 2, what="2 ACKs")
    port, _ = reader.health()
    assert port.invalid["garbage"] == 2
    assert len(votes(store)) == 2


def test_every_kind_of_invalid_frame_is_dropped_counted_and_unacked(box, reader, store):
    bad = [
        b"$RATE,1,1,17*00\r\n",                                  # checksum
        b"$VOTE,1,1,17*" + b"%02X" % 0 + b"\r\n",               # syntax/checksum of an unknown type
        encode(Hello(1, "x")).replace(b"HELLO", b"HELLX"),      # checksum no longer matches
        b"$" + b"A" * 90 + b"\r\n",                              # oversize
        b"$RATE,1,1\xc3\xa9,17*00\r\n",                          # non-ASCII
        encode(Rate(7, 1, 1)),                                   # box 7 is not on this port
        encode(Ack(1, 3)),                                       # only the kiosk sends ACKs
    ]
    from hardware.protocol import encode_body
    bad += [encode_body("VOTE,1,1,17"), encode_body("RATE,1,1"), encode_body("RATE,1,6,1")]  # type, fields, key>5
    for frame in bad:
        box.send_raw(frame)
    box.send_raw(encode(Rate(1, 1, 99)))  # and the reader is still alive afterwards
    wait_for(lambda: Ack(1, 99) in box.acks, what="ACK after the bad frames")
    assert box.acks == [Ack(1, 99)]
    assert len(votes(store)) == 1
    port, _ = reader.health()
    assert port.invalid_total == len(bad)
    assert {"checksum", "oversize", "non_ascii", "unknown_box", "unexpected", "unknown_type", "fields",
            "key_range"} <= set(port.invalid)


def test_a_resent_press_is_one_vote_acked_every_time(box, reader, store):
    frame = encode(Rate(1, 3, 500))
    for _ in range(4):  # the first send and three resends, as firmware does when ACKs are lost
        box.send_raw(frame)
    wait_for(lambda: box.acks.count(Ack(1, 500)) == 4, what="4 ACKs")
    assert votes(store) == [("Q1", "BT", "serial:1", 500)]
    _, boxes = reader.health()
    assert boxes[0].resends == 3


def test_a_hello_means_a_rebooted_box_whose_seq_starts_over(box, reader, store):
    box.send_raw(encode(Rate(1, 1, 0)))
    wait_for(lambda: len(box.acks) == 1)
    box.send(Hello(1, "fw-2"))
    box.send_raw(encode(Rate(1, 1, 0)))
    wait_for(lambda: len(box.acks) == 2)
    assert len(votes(store)) == 2


def test_ten_boxes_pressing_at_once_each_get_every_vote(tmp_path, store):
    boxes = [VirtualBox(tmp_path / f"box{i}", boxes=(i,), heartbeat_s=None).plug() for i in range(1, 11)]
    config = SimpleNamespace(scale=get_scale("sipas5"),
                             button_boxes=[ButtonBox(b.port, i, ("Q1", "Q2", "Q3")[i % 3]) for i, b in enumerate(boxes, 1)])
    readers = ButtonBoxes(config, store).start()
    try:
        for r in readers:
            assert r.wait_connected(5)
        results = []
        def press_many(b):
            results.extend(b.press(1 + n % 5) for n in range(20))
        threads = [threading.Thread(target=press_many, args=(b,)) for b in boxes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 200 and all(r.acked for r in results)
        assert store.count() == 200
        assert store.verify_chain() is None
        assert sorted(store.query("SELECT DISTINCT source FROM votes")) == sorted((f"serial:{i}",) for i in range(1, 11))
    finally:
        readers.stop()
        for b in boxes:
            b.unplug()


def test_unplug_and_replug_many_times_resumes_without_losing_or_duplicating(box, reader, store):
    for cycle in range(6):
        box.unplug()
        wait_for(lambda: not reader.health()[0].connected, what="the reader to notice the unplug")
        time.sleep(0.1)
        started = time.monotonic()
        box.replug()
        wait_for(lambda: reader.health()[0].connected, timeout=2.0, what="reconnect within 2 s")
        assert time.monotonic() - started < 2.0
        assert box.press(1 + cycle % 5).acked
    assert store.count() == 6
    assert reader.health()[0].connects == 7


def test_a_press_whose_ack_was_lost_in_an_unplug_is_not_duplicated_after_replug(box, reader, store):
    frame = encode(Rate(1, 2, 321))
    box.send_raw(frame)
    wait_for(lambda: store.count() == 1, what="the vote")
    box.unplug()  # the ACK (if written) is lost with the cable
    wait_for(lambda: not reader.health()[0].connected, what="the reader to notice the unplug")
    box.replug()
    wait_for(lambda: reader.health()[0].connects == 2, timeout=2.0, what="the reconnect")
    acks_before = len(box.acks)
    box.send_raw(frame)  # the box resends the press it never saw acknowledged
    wait_for(lambda: len(box.acks) > acks_before, what="the ACK for the resend")
    assert store.count() == 1


def test_a_resend_after_a_kiosk_restart_is_not_a_second_vote(box, store):
    first = PortReader(box.port, {1: "Q1"}, store, get_scale("sipas5")).start()
    assert first.wait_connected(5)
    box.send_raw(encode(Rate(1, 1, 77)))
    wait_for(lambda: store.count() == 1)
    first.stop()
    second = PortReader(box.port, {1: "Q1"}, store, get_scale("sipas5")).start()
    try:
        assert second.wait_connected(5)
        box.send_raw(encode(Rate(1, 1, 77)))
        wait_for(lambda: box.acks.count(Ack(1, 77)) == 2)
        assert store.count() == 1
    finally:
        second.stop()


def test_box_health_tracks_hello_heartbeat_presses_and_connection(box, reader, store):
    box.send(Hello(1, "nut-bam-1.4"))
    box.send(Heartbeat(1, 120))
    assert box.press(2).acked
    wait_for(lambda: reader.health()[1][0].uptime_s == 120)
    port, boxes = reader.health()
    b1, b2 = boxes
    assert port.connected and port.device == box.device
    assert (b1.firmware, b1.presses, b1.heard, b1.port_connected) == ("nut-bam-1.4", 1, True, True)
    assert b1.last_hello and b1.last_heartbeat and b1.last_rate
    assert (b2.firmware, b2.heard) == (None, False)
    box.unplug()
    wait_for(lambda: not reader.health()[0].connected)
    assert reader.health()[1][0].port_connected is False


def test_a_key_beyond_a_three_level_scale_is_dropped(box, config):
    store3 = VoteStore.from_config(replace(config, scale_id="onestop3"))
    r = PortReader(box.port, {1: "Q1"}, store3, get_scale("onestop3")).start()
    try:
        assert r.wait_connected(5)
        box.send_raw(encode(Rate(1, 4, 1)) + encode(Rate(1, 3, 2)))
        wait_for(lambda: Ack(1, 2) in box.acks)
        assert store3.query("SELECT level, scale FROM votes") == [("KHL", "onestop3")]
        assert r.health()[0].invalid == {"key_range": 1}
    finally:
        r.stop()
        store3.close()


def test_a_vote_the_store_refuses_is_not_acked(box, reader, store):
    store.conn.execute("PRAGMA query_only = ON")  # the database refuses writes, as a failing disk would
    box.send_raw(encode(Rate(1, 1, 5)))
    wait_for(lambda: reader.health()[1][0].store_errors == 1)
    time.sleep(0.1)
    assert Ack(1, 5) not in box.acks
    store.conn.execute("PRAGMA query_only = OFF")
    box.send_raw(encode(Rate(1, 1, 5)))  # the box's resend now succeeds
    wait_for(lambda: Ack(1, 5) in box.acks)
    assert store.count() == 1


def test_usb_ports_are_found_by_identity_and_ambiguity_is_an_error():
    ports = [SimpleNamespace(device="/dev/ttyUSB0", vid=0x0403, pid=0x6001, serial_number="A1"),
             SimpleNamespace(device="/dev/ttyUSB1", vid=0x0403, pid=0x6001, serial_number="B2"),
             SimpleNamespace(device="/dev/ttyACM0", vid=0x2341, pid=0x0043, serial_number=None)]
    assert parse_usb_spec("/dev/ttyUSB0") is None
    assert find_usb_device(parse_usb_spec("usb:0403:6001:B2"), ports) == "/dev/ttyUSB1"
    assert find_usb_device(parse_usb_spec("usb:2341:0043"), ports) == "/dev/ttyACM0"
    assert find_usb_device(UsbId(0x1A86, 0x7523), ports) is None
    with pytest.raises(PortSpecError, match="add the serial number"):
        find_usb_device(parse_usb_spec("usb:0403:6001"), ports)
    with pytest.raises(PortSpecError):
        parse_usb_spec("usb:403:6001")


def test_a_press_outside_opening_hours_still_counts_and_is_marked(box, store):
    from rating.hours import parse_hours
    store.hours = parse_hours([closed_all_day_today()])  # the store marks the vote, from its own time
    r = PortReader(box.port, {1: "Q1"}, store, get_scale("sipas5")).start()
    try:
        assert r.wait_connected(5)
        assert box.press(1).acked
        assert store.query("SELECT level, out_of_hours FROM votes") == [("RHL", 1)]
    finally:
        r.stop()

"""A condition that repeats is logged once per period, with how often it came meanwhile."""

from __future__ import annotations

from rating.throttled_log import ConditionLog, ThrottledLog


def test_a_repeated_line_is_written_once_a_period_and_says_how_many_were_held_back():
    lines, now = [], [100.0]
    log = ThrottledLog(lambda msg, *args: lines.append(msg % args), every_s=10, clock=lambda: now[0])
    for i in range(4):
        log("port %s: bad frame %d", "/dev/ttyUSB0", i)
        now[0] += 4
    assert lines == ["port /dev/ttyUSB0: bad frame 0", "port /dev/ttyUSB0: bad frame 3 (+2 more since the last line)"]
    now[0] += 10
    log("port %s: bad frame %d", "/dev/ttyUSB0", 4)
    assert lines[-1] == "port /dev/ttyUSB0: bad frame 4", "nothing held since the last line"


def test_a_condition_is_said_once_when_it_begins_and_once_when_it_clears_with_how_often_it_was_met():
    lines = []
    conditions = ConditionLog(lambda text: lines.append(("begin", text)), lambda text: lines.append(("end", text)))
    assert conditions.met("disk_full", "the disk is full")
    for _ in range(4):
        assert not conditions.met("disk_full", "the disk is full")
    conditions.clear("gone", "never met: nothing to say")
    conditions.clear("disk_full", "room again ({times} refused)")
    conditions.clear("disk_full", "said only once")
    assert lines == [("begin", "the disk is full"), ("end", "room again (5 refused)")]
    assert not conditions.active("disk_full")

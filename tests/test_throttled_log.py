"""A condition that repeats is logged once per period, with how often it came meanwhile."""

from __future__ import annotations

from rating.throttled_log import ThrottledLog


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

"""Loaded (through PYTHONPATH) only into the soak's processes that run under libfaketime.

libfaketime 0.9.10 (Debian 12) hangs Python's threading waits unless the monotonic clock is left alone
(FAKETIME_DONT_FAKE_MONOTONIC=1), and then answers ``time.sleep`` (clock_nanosleep with an absolute
monotonic deadline) with EINVAL. ``select`` takes a relative timeout and is untouched, so sleep with it:
the code under test keeps calling ``time.sleep`` as it always does.
"""

import select
import time


def _sleep(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        select.select([], [], [], left)


time.sleep = _sleep

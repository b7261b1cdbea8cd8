"""Child process for the crash test: records votes forever, printing each UUID once it is acknowledged.

Usage: python vote_forever.py DB_PATH
A line is printed only after record_vote() returned, i.e. after COMMIT: exactly what a kiosk would
acknowledge to a citizen or a button box.
"""

import sys
from zoneinfo import ZoneInfo

from kiosk.store import VoteStore

LEVELS = ("RHL", "HL", "BT", "KHL", "RKHL")


def main() -> None:
    store = VoteStore.open(sys.argv[1], kiosk_id="crash-test", tz=ZoneInfo("Asia/Ho_Chi_Minh"), repeat_window_s=0.5)
    print("ready", flush=True)
    n = 0
    while True:
        vote = store.record_vote(("Q1", "Q2", "Q3")[n % 3], LEVELS[n % 5])
        sys.stdout.write(vote.uuid + "\n")
        sys.stdout.flush()
        n += 1


if __name__ == "__main__":
    main()

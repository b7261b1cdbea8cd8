"""``python -m soak [--minutes N] [--seed S] [--out PATH]``: run the soak, print its figures, write the JSON.

Exit 0 when every ACKed press is on the server exactly once and the kiosk's memory and open files stayed
flat; 1 otherwise; 2 when it cannot run here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

from .clock import FakeClock
from .parts import ROOT
from .run import Soak, figures


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, report."""
    p = argparse.ArgumentParser(prog="python -m soak", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "30")),
                   help="how long to break things (default: SOAK_MINUTES, or 30)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", random.randrange(10**6))),
                   help="the random schedule's seed (default: SOAK_SEED, or random; printed)")
    p.add_argument("--folder", type=Path, default=ROOT / "build" / "soak" / "run",
                   help="where the run's files go (emptied first; default build/soak/run)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "soak" / "summary.json",
                   help="the figures as JSON (default build/soak/summary.json)")
    args = p.parse_args(argv)
    if args.minutes < 2:
        print(f"error: --minutes {args.minutes:g}: at least 2 (a warm-up minute, then a minute to judge)",
              file=sys.stderr)
        return 2
    if (problem := FakeClock.problem()):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        summary = Soak(args.folder, args.minutes, args.seed).run()
    except RuntimeError as e:   # a part that would not start (PostgreSQL, the service): said in one line
        print(f"error: the soak could not run: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:   # every part was stopped on the way out (Soak.run's finally)
        print("soak interrupted: no figures", file=sys.stderr)
        return 130
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    print(figures(summary))
    print(f"figures: {args.out}; logs: {args.folder}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

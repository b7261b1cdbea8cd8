"""The kiosk's sync subcommand: ``sync`` (send now, or show status). ``serve`` is the central service's (central.commands)."""

from __future__ import annotations

import json
import logging
import sys

from kiosk import outbox
from kiosk.config import load_config
from kiosk.backup import open_store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def cmd_sync(args) -> int:
    """Send every waiting vote now; exit 0 only when nothing is left unsynced."""
    from .client import SyncClient, describe
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    config = load_config(args.config)
    with open_store(config) as store:
        if args.release_quarantine:
            released = outbox.release_quarantine(store)
            votes, answers = released["votes"], released["responses"] + released["answers"]
            print(f"đã đưa lại {votes} phiếu đánh giá và {answers} câu trả lời bị từ chối vào hàng chờ gửi "
                  f"(released {votes} vote(s) and {answers} questionnaire row(s) back into the outbox)")
        if args.status:
            print(json.dumps(outbox.status(store), ensure_ascii=False, indent=2))
            return EXIT_OK
        if config.sync is None:
            print(f"error: {config.source}: no [sync] section (url and secret): nothing to sync to", file=sys.stderr)
            return EXIT_USAGE
        result = SyncClient(config, store, attempts=args.attempts).run()
        (logging.getLogger("kiosk.sync").info if result.complete else logging.getLogger("kiosk.sync").warning)(
            "sync (command line) to %s: %s", config.sync.url, describe(result).replace("\n", "; "))
        print(f"sync to {config.sync.url}: " + describe(result))
        return EXIT_OK if result.complete else EXIT_FAILED


def register(add) -> None:
    """Add the sync subcommands to the command line."""
    p = add("sync", cmd_sync, "send waiting votes to the central service now")
    p.add_argument("--status", action="store_true", help="print the outbox and the last runs as JSON, send nothing")
    p.add_argument("--attempts", type=int, default=6, metavar="N",
                   help="tries per batch before giving up until the next run (default 6, with backoff)")
    p.add_argument("--release-quarantine", action="store_true",
                   help="put votes the server refused back into the outbox (after fixing the cause)")

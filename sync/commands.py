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
        client = SyncClient(config, store, attempts=args.attempts)
        # A check-in first (issue 17): the service hears from the kiosk even when the batch cannot go, and
        # its answer says whether newer settings wait. A failed check-in never stops the sync.
        checked = client.checkin()
        if not checked.ok:
            print(f"check-in: {checked.error}", file=sys.stderr)
        result = client.run()
        (logging.getLogger("kiosk.sync").info if result.complete else logging.getLogger("kiosk.sync").warning)(
            "sync (command line) to %s: %s", config.sync.url, describe(result).replace("\n", "; "))
        print(f"sync to {config.sync.url}: " + describe(result))
        return EXIT_OK if result.complete else EXIT_FAILED


def cmd_restore(args) -> int:
    """Restore the store from a backup (reconciled with the service) or from the service alone."""
    from pathlib import Path

    from kiosk.restore import describe, restore
    from .takeback import ChainFetcher
    if bool(args.path) == bool(args.from_central):
        print("error: give a backup file (restore PATH) or --from-central, one of the two; nothing was changed",
              file=sys.stderr)
        return EXIT_USAGE
    config = load_config(args.config)
    if config.sync is None and args.from_central:
        print(f"error: {config.source}: no [sync] section (url and secret): there is no central service to "
              "restore from; nothing was changed", file=sys.stderr)
        return EXIT_USAGE
    fetch = ChainFetcher(config) if config.sync is not None else None
    out = restore(config, Path(args.path) if args.path else None, fetch)
    for line in describe(out):
        print(line)
    return EXIT_OK


def register(add) -> None:
    """Add the sync subcommands (``sync``, ``enrol``) to the command line."""
    from .enrol import register as register_enrol
    register_enrol(add)
    p = add("sync", cmd_sync, "send waiting votes to the central service now")
    p.add_argument("--status", action="store_true", help="print the outbox and the last runs as JSON, send nothing")
    p.add_argument("--attempts", type=int, default=6, metavar="N",
                   help="tries per batch before giving up until the next run (default 6, with backoff)")
    p.add_argument("--release-quarantine", action="store_true",
                   help="put votes the server refused back into the outbox (after fixing the cause)")

    p = add("restore", cmd_restore, "restore the vote store from a backup file, taking back from the central "
                                    "service what it holds beyond it; or, with --from-central, from the service")
    p.add_argument("path", nargs="?", metavar="PATH", help="a backup of this kiosk's store (it must verify)")
    p.add_argument("--from-central", action="store_true",
                   help="rebuild the store from the rows the central service holds (and the current file's unsynced ones)")

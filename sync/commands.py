"""The sync subcommands: ``sync`` (send now, or show status) and ``serve`` (the reference central service)."""

from __future__ import annotations

import json
import logging
import os
import sys

from kiosk import outbox
from kiosk.config import load_config
from kiosk.store import VoteStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def cmd_sync(args) -> int:
    """Send every waiting vote now; exit 0 only when nothing is left unsynced."""
    from .client import SyncClient, describe
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    config = load_config(args.config)
    with VoteStore.from_config(config) as store:
        if args.release_quarantine:
            print(f"released {outbox.release_quarantine(store)} quarantined vote(s) back into the outbox")
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


def cmd_serve(args) -> int:
    """Run the reference central service under the standard library's WSGI server."""
    from .registry import RegistryError
    from .server import make_app, stdlib_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    token = args.report_token or os.environ.get("CENTRAL_REPORT_TOKEN")
    try:
        app = make_app(args.db, args.kiosks, token)
    except RegistryError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE

    with stdlib_server(app, args.host, args.port) as httpd:
        print(f"central service on http://{args.host}:{httpd.server_port} (database {args.db}, "
              f"{len(app.registry)} kiosk(s); reports {'on' if token else 'off: no --report-token'})", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def register(add) -> None:
    """Add the sync subcommands to the command line."""
    p = add("sync", cmd_sync, "send waiting votes to the central service now")
    p.add_argument("--status", action="store_true", help="print the outbox and the last runs as JSON, send nothing")
    p.add_argument("--attempts", type=int, default=6, metavar="N",
                   help="tries per batch before giving up until the next run (default 6, with backoff)")
    p.add_argument("--release-quarantine", action="store_true",
                   help="put votes the server refused back into the outbox (after fixing the cause)")
    p = add("serve", cmd_serve, "run the reference central scoring service")
    p.set_defaults(log_to_file=False)  # the central service is not this kiosk: no kiosk log folder
    p.add_argument("--kiosks", required=True, metavar="PATH", help="the kiosk registry (TOML: id, centre, secret)")
    p.add_argument("--db", default="central.db", metavar="PATH", help="the service's SQLite database")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--report-token", metavar="TOKEN",
                   help="bearer token for /v1/reports (or CENTRAL_REPORT_TOKEN; off when neither)")

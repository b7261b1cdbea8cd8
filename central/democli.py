"""``make central``: the demo city served on the embedded SQLite database (Django set up first)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """``make central``: a demo on the embedded SQLite database, served until interrupted."""
    import argparse
    import logging
    import os

    from central.app import make_app
    from central.server import create
    p = argparse.ArgumentParser(prog="python -m central.democli", description=main.__doc__)
    p.add_argument("--db", default="build/central-demo/central.db")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.add_argument("--communes", type=int, default=8)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("CENTRAL_ALLOWED_HOSTS", f"{args.host},localhost,127.0.0.1")
    app = make_app(args.db, report_token=None)
    from central.demo import DEMO_PASSWORD, build
    from central.models import Unit
    from central.runtime import activate
    activate(app.runtime)
    if not Unit.objects.exists():
        print(f"building the demo city in {args.db} (a minute)…", flush=True)
        made = build(communes=args.communes, days=90, per_day=40)
    else:
        made = {"communes": list(Unit.objects.filter(kind="commune").order_by("id").values_list("id", flat=True))}
    server = create(app, args.host, args.port)
    url = f"http://{args.host}:{server.effective_port}/login/"
    print(f"\nDemo central service: {url}\n"
          f"  admin (everything):           admin / {DEMO_PASSWORD}\n"
          f"  city (Sở Nội vụ, read):       so-noi-vu / {DEMO_PASSWORD}\n"
          f"  commune ({made['communes'][0]}): xa-{made['communes'][0].removeprefix('xa-')} / {DEMO_PASSWORD}\n"
          "Ctrl-C stops it.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

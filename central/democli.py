"""``make central``: the demo city served on the embedded SQLite database (Django set up first)."""

from __future__ import annotations


ROLE_WORDS = {"admin": "admin (everything)", "city": "city (Sở Nội vụ, read)", "commune": "commune", "centre": "centre"}


def login_text(password: str) -> str:
    """The logins to print: every account that exists in the demo database (read from it, so a second
    run prints the same working logins as the first), with the demo password."""
    from central.demo import demo_logins
    lines = []
    for role, unit, username in demo_logins():
        label = ROLE_WORDS.get(role, role) + (f" ({unit})" if unit else "")
        lines.append(f"  {label + ':':40} {username} / {password}")
    return "\n".join(lines) + "\n  (the demo password, unless an account's password was changed)"


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
    from central.demo import DEMO_PASSWORD, DEMO_TAG, build, build_questionnaire_demo
    from central.models import QResponse, Unit
    from central.runtime import activate
    activate(app.runtime)
    if not Unit.objects.exists():
        print(f"building the demo city in {args.db} (a minute)…", flush=True)
        build(communes=args.communes, days=90, per_day=40)
    if not QResponse.objects.filter(entered_by=DEMO_TAG).exists():   # also for a demo database made before them
        print("adding demo questionnaire responses (kiosk, phone, paper; tagged entered_by='demo')…", flush=True)
        build_questionnaire_demo()
    server = create(app, args.host, args.port)
    url = f"http://{args.host}:{server.effective_port}/login/"
    print(f"\nDemo central service: {url}\n{login_text(DEMO_PASSWORD)}\nCtrl-C stops it.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

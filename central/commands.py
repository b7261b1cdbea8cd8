"""The service's subcommands: ``serve`` (the central service under waitress), ``central-user``,
``central-alerts`` (one run of the alert mailer, for a systemd timer beside gunicorn) and
``central-served-token`` (a commune's token for ``POST /v1/served``).

Django is imported only when one of them runs, so the kiosk's command line never loads it.
"""

from __future__ import annotations

import logging
import os
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _db(args) -> str:
    return args.db or os.environ.get("DATABASE_URL") or os.environ.get("CENTRAL_DB") or "central.db"


def exposure_problem(host: str, behind_proxy: str | None) -> str | None:
    """Why ``serve`` must not listen on ``host``, or None. waitress alone, reachable from other
    machines, is held by a few thousand idle or trickling connections that nginx would have absorbed
    (docs/central.md): it listens on the loopback address behind nginx, or elsewhere only when the
    operator names the proxy on another machine that stands in front (``--behind-proxy ADDRESS``)."""
    import ipaddress
    import socket
    if behind_proxy:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return "not an address of this machine"
    if all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        return None
    return ("serve listens on 127.0.0.1 with nginx in front (docs/central.md): alone on an address other "
            "machines reach, slow or idle clients can hold it. With a proxy on another machine in front, "
            "add --behind-proxy PROXY_ADDRESS")


def cmd_serve(args) -> int:
    """Migrate the database, import the registry file, and serve under waitress until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from central.registry_file import RegistryError

    from central.app import make_app
    from central.runtime import SettingError
    from central.server import create

    token = args.report_token or os.environ.get("CENTRAL_REPORT_TOKEN")
    problem = exposure_problem(args.host, args.behind_proxy)
    if problem:
        print(f"error: --host {args.host}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    db = _db(args)
    try:
        app = make_app(db, args.kiosks, token)
    except RegistryError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except SettingError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:  # a database that cannot be reached or opened: say which, without a traceback
        print(f"error: cannot open the database {_shown(db)}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    from central.alerts import start_mailer
    from central.models import Kiosk
    start_mailer(app.runtime.alias)
    extra = {}
    if args.behind_proxy:
        from central.remote import trust
        trust(args.behind_proxy)
        extra["trusted_proxy"] = args.behind_proxy
    server = create(app, args.host, args.port, **extra)
    held = f"{Kiosk.objects.filter(retired_at__isnull=True).count()} kiosk(s)" if app.ready else \
        "NOT REACHABLE: answering 503 until it is"
    print(f"central service on http://{args.host}:{server.effective_port} (database {_shown(db)}, {held}; "
          f"reports {'on' if token else 'off: no --report-token'})", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _shown(db: str) -> str:
    """The database for a log line, without a password in a URL."""
    if "://" in db and "@" in db:
        scheme, rest = db.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return db


def cmd_central_user(args) -> int:
    """``central-user add NAME --role … [--unit ID] --password-stdin``: create or update an account."""
    from central.app import make_app
    if not args.password_stdin:
        print("error: give the password on standard input with --password-stdin (never on the command line)",
              file=sys.stderr)
        return EXIT_USAGE
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        make_app(_db(args))
    except Exception as e:
        print(f"error: cannot open the database {_shown(_db(args))}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    from central.accounts import AccountError, add_user
    try:
        add_user(args.name, args.role, args.unit, password)
    except AccountError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"account {args.name!r} ({args.role}{', unit ' + args.unit if args.unit else ''}) saved")
    return EXIT_OK


def cmd_central_alerts(args) -> int:
    """``central-alerts [--db …]``: mail the alerts not mailed yet today, once, and exit.

    Under gunicorn nothing runs in the background, so a systemd timer runs this (see
    deploy/central-alerts.timer). It is idempotent: each alert is remembered in the audit log when
    mailed, so a second run the same day sends nothing new."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from central.app import make_app
    db = _db(args)
    try:
        app = make_app(db)
    except Exception as e:
        print(f"error: cannot open the database {_shown(db)}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    from central.alerts import AlertConfigError, send_alerts
    from central.runtime import activate, deactivate
    to = [a.strip() for a in args.to.split(",") if a.strip()] if args.to else None
    token = activate(app.runtime)
    try:
        sent = send_alerts(app.runtime.alias, host=args.smtp_host, port=args.smtp_port, to=to, required=True)
    except AlertConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:   # the mail server refused or is down: the next run tries again
        print(f"error: cannot send the alert e-mail: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        deactivate(token)
    print(f"{sent} alert(s) mailed" if sent else "no new alert to mail")
    return EXIT_OK


def cmd_central_enrolment(args) -> int:
    """``central-enrolment new KIOSK_ID --unit ID [--db …]``: a one-time enrolment code for a kiosk, printed
    alone on the last line (scripts read it there); the line before says what to do with it."""
    from central.app import make_app
    db = _db(args)
    try:
        app = make_app(db)
    except Exception as e:
        print(f"error: cannot open the database {_shown(db)}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    from datetime import datetime, timezone
    from central.enrolment import EnrolmentRefusal, centre_for_unit, issue
    from central.models import AuditEntry
    from central.texts import local_time
    from central.runtime import activate, deactivate
    from rating.enrolment import CODE_VALID
    token = activate(app.runtime)
    try:
        now = datetime.fromtimestamp(app.runtime.clock(), timezone.utc)
        try:
            centre = centre_for_unit(args.unit)
            code = issue(args.kiosk_id, centre, now, by="(command line)")
        except EnrolmentRefusal as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_USAGE
        AuditEntry.objects.create(username="(command line)", action="enrolment_code",
                                  detail=f"{args.kiosk_id} ({centre.id})")
    finally:
        deactivate(token)
    until = local_time((now + CODE_VALID).isoformat())
    print(f"enrolment code for kiosk {args.kiosk_id!r} ({centre.name}), valid once until {until}; "
          f"on the device: python main.py enrol <service URL> CODE")
    print(code)
def cmd_central_served_token(args) -> int:
    """``central-served-token new --unit ID [--label TEXT] [--db …]``: a new token for a commune's one-stop system
    to ``POST /v1/served``, printed once (only its SHA-256 is kept)."""
    from datetime import datetime, timezone
    from central.app import make_app
    db = _db(args)
    try:
        make_app(db)
    except Exception as e:
        print(f"error: cannot open the database {_shown(db)}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    from central.models import Unit
    from central.served import ServedRefusal, new_token
    unit = Unit.objects.filter(id=args.unit).first()
    if unit is None:
        print(f"error: --unit {args.unit!r}: no such commune", file=sys.stderr)
        return EXIT_USAGE
    try:
        token = new_token(unit, "cli", datetime.now(timezone.utc), args.label or "")
    except ServedRefusal as e:
        print(f"error: --unit {args.unit!r}: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"served token for {unit.name} ({unit.id}), shown once — give it to the one-stop system as "
          f"'Authorization: Bearer <token>' on POST /v1/served:", file=sys.stderr)
    print(token)   # alone on standard output, for a script to capture
    return EXIT_OK


def cmd_central_settings(args) -> int:
    """``central-settings set (--unit ID | --kiosk ID) --file FRAGMENT.toml [--db …]``: keep a fragment (the
    kiosk TOML's own sections and keys) as a commune's or centre's defaults, or a kiosk's overrides; one the
    kiosk could not apply is refused with the key named, and nothing is kept."""
    from pathlib import Path
    from central.app import make_app
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: --file {args.file}: cannot read it: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
        return EXIT_USAGE
    db = _db(args)
    try:
        app = make_app(db)
    except Exception as e:
        print(f"error: cannot open the database {_shown(db)}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    from datetime import datetime, timezone
    from central import managed_settings as ms
    from central.runtime import activate, deactivate
    token = activate(app.runtime)
    try:
        now = datetime.fromtimestamp(app.runtime.clock(), timezone.utc)
        try:
            target = ms.target_for_unit(args.unit) if args.unit else ms.target_for_kiosk(args.kiosk)
            row = ms.save(target, ms.parse_toml(text, str(path)), "(command line)", "", now)
        except ms.SettingsRefusal as e:
            print(f"error: {path}: {e}; nothing was changed", file=sys.stderr)
            return EXIT_USAGE
    finally:
        deactivate(token)
    print(f"settings of {target.label} ({target.name}) saved as version {row.id}; its kiosks take them at "
          "their next check-in or sync")
    return EXIT_OK


def cmd_central_campaign(args) -> int:
    """``central-campaign start QUESTIONNAIRE [--unit ID]… --until YYYY-MM-DD [--mode invite|replace] [--from
    YYYY-MM-DD] [--db …]``: start a campaign on every kiosk of the units given (every commune by default);
    ``central-campaign stop ID``; ``central-campaign list``. Each kiosk receives it at its next check-in."""
    from datetime import date, datetime, timezone
    from central.app import make_app
    db = _db(args)
    try:
        app = make_app(db)
    except Exception as e:
        print(f"error: cannot open the database {_shown(db)}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    from central import campaigns
    from central.models import AuditEntry, Campaign, Unit
    from central.runtime import activate, deactivate
    from rating.period import LOCAL_TZ
    token = activate(app.runtime)
    try:
        now = datetime.fromtimestamp(app.runtime.clock(), timezone.utc)
        if args.action == "list":
            for c in Campaign.objects.order_by("id"):
                units = ", ".join(c.units.values_list("unit_id", flat=True))
                state = "stopped" if c.stopped_at else "on"
                print(f"{c.id}\t{c.questionnaire_id} v{c.version}\t{c.mode}\t{c.d_from}..{c.d_until}\t{state}\t{units}")
            return EXIT_OK
        if args.action == "stop":
            c = Campaign.objects.filter(id=int(args.target)).first() if args.target.isdigit() else None
            if c is None:
                print(f"error: no campaign {args.target[:20]!r} (central-campaign list shows them)", file=sys.stderr)
                return EXIT_USAGE
            campaigns.stop(c, now)
            AuditEntry.objects.create(username="(command line)", action="campaign_stop", detail=str(c.id))
            print(f"campaign {c.id} stopped: the kiosks stop it at their next check-in")
            return EXIT_OK
        problems = [f"--{name} {text!r}: expected a day as YYYY-MM-DD" for name, text in
                    (("until", args.until), ("from", args.date_from)) if text and not _is_day(text)]
        if args.until is None:
            problems.insert(0, "--until YYYY-MM-DD is required: the campaign's last day")
        if problems:
            print(f"error: {problems[0]}", file=sys.stderr)
            return EXIT_USAGE
        units = Unit.objects.filter(id__in=args.unit or [])
        held = {u.id: u for u in units}
        unknown = [u for u in args.unit or [] if u not in held or held[u].kind not in ("commune", "centre")]
        if unknown:
            print(f"error: --unit {unknown[0]!r}: no commune or centre of that id (the ids are on the registry page)",
                  file=sys.stderr)
            return EXIT_USAGE
        chosen = [held[u] for u in dict.fromkeys(args.unit)] if args.unit else campaigns.top_units()
        try:
            c = campaigns.start(args.target, chosen, date.fromisoformat(args.date_from) if args.date_from else None,
                                date.fromisoformat(args.until), args.mode, "(command line)", now,
                                now.astimezone(LOCAL_TZ).date())
        except campaigns.CampaignRefusal as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_USAGE
        AuditEntry.objects.create(username="(command line)", action="campaign_start",
                                  detail=f"{c.id}: {c.questionnaire_id} v{c.version} {c.mode} {c.d_from}..{c.d_until} "
                                         f"in {len(chosen)} unit(s)"[:500])
        print(f"campaign {c.id}: {c.questionnaire_id} v{c.version} ({c.mode}) from {c.d_from} until {c.d_until} in "
              f"{len(chosen)} unit(s); each kiosk starts it at its next check-in")
        return EXIT_OK
    finally:
        deactivate(token)


def _is_day(text: str) -> bool:
    from datetime import date
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def register(add) -> None:
    """Add ``serve``, ``central-user``, ``central-alerts`` and ``central-enrolment`` to the command line."""
    p = add("serve", cmd_serve, "run the central scoring service (waitress; put nginx in front in production)")
    p.set_defaults(log_to_file=False)  # the central service is not this kiosk: no kiosk log folder
    p.add_argument("--kiosks", metavar="PATH", help="a kiosk registry file to import at start (TOML: id, centre, secret)")
    p.add_argument("--db", default=None, metavar="PATH_OR_URL",
                   help="a SQLite file or postgresql://… (default: DATABASE_URL, CENTRAL_DB, or central.db)")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1, behind nginx); another needs --behind-proxy")
    p.add_argument("--port", type=int, default=8080, help="the port to listen on (default 8080)")
    p.add_argument("--behind-proxy", metavar="PROXY_ADDRESS", default=None,
                   help="the address of the proxy on another machine in front of a non-loopback --host: its "
                        "X-Forwarded-For is believed (the login throttle and the phone page count each client)")
    p.add_argument("--report-token", metavar="TOKEN",
                   help="bearer token for /v1/reports (or CENTRAL_REPORT_TOKEN; off when neither)")
    p = add("central-user", cmd_central_user, "manage the central service's accounts")
    p.set_defaults(log_to_file=False)
    p.add_argument("action", choices=["add"])
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["admin", "city", "commune", "centre"])
    p.add_argument("--unit", metavar="ID", help="the commune or centre the account may see (commune/centre roles)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--db", default=None, metavar="PATH_OR_URL")
    p = add("central-alerts", cmd_central_alerts,
            "mail the central service's new alerts once and exit (run by a systemd timer beside gunicorn)")
    p.set_defaults(log_to_file=False)
    p.add_argument("--db", default=None, metavar="PATH_OR_URL",
                   help="a SQLite file or postgresql://… (default: DATABASE_URL, CENTRAL_DB, or central.db)")
    p.add_argument("--smtp-host", default=None, metavar="HOST", help="the mail server (default: CENTRAL_SMTP_HOST)")
    p.add_argument("--smtp-port", type=int, default=None, metavar="PORT", help="its port (default: CENTRAL_SMTP_PORT or 25)")
    p.add_argument("--to", default=None, metavar="ADDRESSES",
                   help="comma-separated recipients (default: CENTRAL_ALERT_TO)")
    p = add("central-enrolment", cmd_central_enrolment,
            "make a one-time enrolment code for a kiosk (the device runs: python main.py enrol URL CODE)")
    p.set_defaults(log_to_file=False)
    p.add_argument("action", choices=["new"])
    p.add_argument("kiosk_id", metavar="KIOSK_ID", help="the kiosk's id (new, or registered: its device replaced)")
    p.add_argument("--unit", required=True, metavar="ID",
                   help="the centre the kiosk stands in (or a commune with one centre), by its id")
    p.add_argument("--db", default=None, metavar="PATH_OR_URL",   # the contract's [--db …] (lost in a merge)
                   help="a SQLite file or postgresql://… (default: DATABASE_URL, CENTRAL_DB, or central.db)")
    p = add("central-settings", cmd_central_settings,
            "set a commune's, centre's or kiosk's managed settings from a TOML fragment (the kiosk file's own keys)")
    p.set_defaults(log_to_file=False)
    p.add_argument("action", choices=["set"])
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", metavar="ID", help="a commune or a centre, by its id (defaults for its kiosks)")
    which.add_argument("--kiosk", metavar="ID", help="a kiosk, by its id (its own overrides)")
    p.add_argument("--file", required=True, metavar="FRAGMENT.toml",
                   help="the settings: [kiosk] question/opening_hours/language, [[counters]], [report]")
    p.add_argument("--db", default=None, metavar="PATH_OR_URL",
                   help="a SQLite file or postgresql://… (default: DATABASE_URL, CENTRAL_DB, or central.db)")
    p = add("central-campaign", cmd_central_campaign,
            "start a questionnaire campaign on the kiosks of some communes (all by default), stop or list them")
    p.set_defaults(log_to_file=False)
    p.add_argument("action", choices=["start", "stop", "list"])
    p.add_argument("target", nargs="?", default="", metavar="QUESTIONNAIRE|ID",
                   help="start: the questionnaire's id (such as trung-tam); stop: the campaign's number")
    p.add_argument("--unit", action="append", metavar="ID",
                   help="a commune (or centre) to run it in, by its id; repeat for more (default: every commune)")
    p.add_argument("--until", default=None, metavar="YYYY-MM-DD", help="the campaign's last day (required to start)")
    p.add_argument("--from", dest="date_from", default=None, metavar="YYYY-MM-DD", help="its first day (default: today)")
    from rating.campaign import MODES
    p.add_argument("--mode", choices=MODES, default="invite",
                   help="invite: ask after the rating (default); replace: the questionnaire instead of the rating")
    p.add_argument("--db", default=None, metavar="PATH_OR_URL",
                   help="a SQLite file or postgresql://… (default: DATABASE_URL, CENTRAL_DB, or central.db)")
    p = add("central-served-token", cmd_central_served_token,
            "make a commune's token for POST /v1/served (its one-stop system's served transactions)")
    p.set_defaults(log_to_file=False)
    p.add_argument("action", choices=["new"])
    p.add_argument("--unit", required=True, metavar="ID", help="the commune the token posts for")
    p.add_argument("--label", default=None, metavar="TEXT", help="a note to tell tokens apart on the page")
    p.add_argument("--db", default=None, metavar="PATH_OR_URL",
                   help="a SQLite file or postgresql://… (default: DATABASE_URL, CENTRAL_DB, or central.db)")

"""Entry point: ``python main.py [COMMAND] …`` — parses the command line and hands off.

The domain's subcommands live in ``kiosk.cli``; the button boxes, the touch UI and sync register
theirs here, so that the domain never imports them.
"""

import argparse
import os
import sys
from functools import partial

from kiosk import cli


def has_display() -> bool:
    """True when a window can be opened (X11 or Wayland, or a Kivy window provider chosen explicitly)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("KIVY_WINDOW"))


NO_DISPLAY = ("no display found (DISPLAY is not set): running headless — button boxes and the vote store "
              "only, one log line per vote; Ctrl-C dừng / Ctrl-C stops it")


def cmd_run(args) -> int:
    """Run the kiosk: one runtime (store, button boxes, sync), with the touch screen as its face when
    there is a display, else headless."""
    import logging

    from hardware.headless import headless_face, no_boxes_message, start_button_boxes
    from kiosk.backup import open_store
    from kiosk.backup_schedule import start_nightly_backup
    from kiosk.crashloop import STABLE_S, crash_loop_check, mark_stable
    from kiosk.config import ensure_data_dir, load_config
    from kiosk.runtime import Runtime
    from sync.background import start_background_sync, start_checkins
    from sync.startup import chain_on_service
    config = load_config(args.config)
    ensure_data_dir(config)
    _log_to(config)
    log = logging.getLogger("kiosk")
    face, reason = headless_face, None
    if not args.headless and not has_display():
        reason = NO_DISPLAY
    elif not args.headless:
        face, reason = _touch_face(args, config)
        _log_to(config)  # again: importing Kivy may have put its own handlers on the root logger
    if face is None:
        log.error("%s", reason)
        return 2
    if reason:
        log.warning("%s", reason)
    if config.is_demo:
        log.warning("the embedded demo centre (no --config, no KIOSK_CONFIG): every vote goes to %s as a demo "
                    "vote, apart from any real centre's data and never counted as evidence", config.db_path)
    # Only the embedded demo centre simulates a box by itself: a real centre's votes never mix with
    # simulated ones (and simulated presses are stored as demo votes in any case).
    simulate = args.simulate or (reason is not None and config.is_demo and not config.button_boxes)
    if simulate and not config.is_demo:
        config = config.as_rehearsal()
        ensure_data_dir(config)
        log.warning("--simulate on %s: a rehearsal; every vote goes to %s as a demo vote and is never synced "
                    "(the centre's own votes.db is not touched)", config.kiosk_id, config.db_path)
    if face is headless_face and not config.button_boxes and not simulate:
        log.error("%s", no_boxes_message(config))
        return 2
    runtime = Runtime(config, open_store=open_store, button_boxes=partial(start_button_boxes, simulate=simulate),
                      services=[start_background_sync, start_checkins, start_nightly_backup],
                      checks=[crash_loop_check, chain_on_service], stable=(STABLE_S, partial(mark_stable, config)))
    # A damaged store: with a screen, say so on it and stay up (a restart meets the same file); headless,
    # the runtime raises it and the command line prints it in one line (README, "Troubleshooting").
    return runtime.run(face, out_of_service=None if face is headless_face else _out_of_service_face())


def _out_of_service_face():
    """The touch screen's out-of-service notice (kiosk.ui.out_of_service), imported when Kivy is."""
    from kiosk.ui.out_of_service import show
    return show


def _log_to(config) -> None:
    """The log file and stderr; a log folder that cannot be written never keeps the kiosk from voting."""
    import logging

    from kiosk.logs import LogSetupError, setup_logging
    try:
        setup_logging(config.log_dir, thread_errors=True)
    except LogSetupError as e:
        setup_logging(None, thread_errors=True)
        logging.getLogger("kiosk").error("%s; logging to standard error only", e)


def _touch_face(args, config):
    """The touch screen as the runtime's face, or the headless face and why when Kivy cannot start, or
    (None, why) when DISPLAY names an X server that cannot be opened: nothing could be shown."""
    from hardware.headless import headless_face
    from kiosk.ui.setup import configure_kivy, display_problem
    problem = display_problem()
    if problem:
        return None, problem
    # Before anything imports Kivy: its home, logging and window settings are read at import. In
    # PYTHON log mode Kivy neither adds its handlers nor replaces sys.stderr; kiosk.logs owns both.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    configure_kivy(config.data_dir, kiosk_mode=not args.windowed)
    try:
        from kiosk.ui.app import run_app
    except ImportError as e:
        return headless_face, f"the touch screen is not available ({e}): running headless"
    from sync.enrol import for_screen
    return partial(run_app, args=args, enrol=for_screen(config)), None   # the manager's "Đăng ký máy với máy chủ"


def register_run(add) -> None:
    """Add ``run``, which the hardware and the UI share."""
    p = add("run", cmd_run, "run the kiosk (touch screen and button boxes); the default command")
    p.add_argument("--headless", action="store_true", help="no window: button boxes and the vote store only")
    p.add_argument("--simulate", action="store_true",
                   help="add a virtual button box (on the first counter) that presses random keys")
    p.add_argument("--windowed", action="store_true", help="a normal window instead of full-screen kiosk mode")
    p.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(log_to_file=False)  # run sets up its log itself, around the face it chooses


def register_doctor(add) -> None:
    """Add ``doctor`` (kiosk.doctor), with sync's reachability and the button boxes' ports as its probes."""
    from kiosk.doctor import Probes, register

    def probes() -> Probes:
        from hardware.ports import resolve
        from sync.reach import reachable
        return Probes(reach=reachable, port_present=lambda spec: resolve(spec) is not None)

    register(add, probes)


def extensions():
    """The subcommands of the rooms the domain may not import."""
    from hardware.commands import register as hardware_commands
    from central.commands import register as central_commands
    from sync.commands import register as sync_commands
    return [register_run, hardware_commands, sync_commands, central_commands, register_doctor]


if __name__ == "__main__":
    sys.exit(cli.main(extensions=extensions()))

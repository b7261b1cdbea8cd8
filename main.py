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


def cmd_run(args) -> int:
    """Run the kiosk: the touch screen when there is a display, else the button boxes alone."""
    from hardware.commands import cmd_run_headless
    from sync.background import start_background_sync
    services = [start_background_sync]
    if args.headless:
        return cmd_run_headless(args, services=services)
    if not has_display():
        return cmd_run_headless(args, services=services,
                                reason="no display found (DISPLAY is not set): running headless — "
                                       "button boxes and the vote store only, one log line per vote")
    from kiosk.config import load_config
    from kiosk.ui.setup import configure_kivy
    # Before anything imports Kivy: its home, logging and window settings are read at import.
    configure_kivy(load_config(args.config).data_dir, kiosk_mode=not args.windowed)
    try:
        from kiosk.ui.app import run_app
    except ImportError as e:
        return cmd_run_headless(args, services=services,
                                reason=f"the touch screen is not available ({e}): running headless")
    return run_app(args, services=services, button_boxes=partial(start_button_boxes, simulate=args.simulate))


def start_button_boxes(config, store, on_vote, simulate=False):
    """The serial readers for the touch-screen kiosk; with ``simulate``, a virtual box pressing keys too."""
    from hardware.headless import start_random_presser, with_simulated_box
    from hardware.reader import ButtonBoxes
    if not config.button_boxes and not simulate:
        return config, None
    if simulate:
        config, sim = with_simulated_box(config)
        start_random_presser(sim, len(config.scale.levels))
    return config, ButtonBoxes(config, store, on_vote=on_vote).start()


def register_run(add) -> None:
    """Add ``run``, which the hardware and the UI share."""
    p = add("run", cmd_run, "run the kiosk (touch screen and button boxes); the default command")
    p.add_argument("--headless", action="store_true", help="no window: button boxes and the vote store only")
    p.add_argument("--simulate", action="store_true",
                   help="add a virtual button box (on the first counter) that presses random keys")
    p.add_argument("--windowed", action="store_true", help="a normal window instead of full-screen kiosk mode")
    p.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)


def extensions():
    """The subcommands of the rooms the domain may not import."""
    from hardware.commands import register as hardware_commands
    from central.commands import register as central_commands
    from sync.commands import register as sync_commands
    return [register_run, hardware_commands, sync_commands, central_commands]


if __name__ == "__main__":
    sys.exit(cli.main(extensions=extensions()))

"""The button boxes' subcommands: ``simulate-buttons``, and the headless part of ``run``."""

from __future__ import annotations

import logging

from kiosk.config import load_config

from . import simulator
from .headless import run_headless


def cmd_simulate(args) -> int:
    """A virtual button box on a pseudo-terminal."""
    return simulator.main(args)


def cmd_run_headless(args, reason: str | None = None, services=()) -> int:
    """Run the button boxes and the store with no window."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = load_config(args.config)
    simulate = getattr(args, "simulate", False)
    if reason:
        logging.getLogger("kiosk").warning("%s", reason)
        simulate = simulate or not config.button_boxes
    return run_headless(config, simulate=simulate, services=services)


def register(add) -> None:
    """Add the hardware subcommands to the command line."""
    p = add("simulate-buttons", cmd_simulate, "a virtual serial button box on a pseudo-terminal")
    simulator.add_arguments(p)

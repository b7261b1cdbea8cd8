"""The button boxes' subcommands: ``simulate-buttons`` (``run``'s headless face is in :mod:`.headless`)."""

from __future__ import annotations

from . import simulator


def cmd_simulate(args) -> int:
    """A virtual button box on a pseudo-terminal."""
    return simulator.main(args)


def register(add) -> None:
    """Add the hardware subcommands to the command line."""
    p = add("simulate-buttons", cmd_simulate, "a virtual serial button box on a pseudo-terminal")
    p.set_defaults(log_to_file=False)  # a stand-in for a box, not the kiosk: it writes no kiosk log
    simulator.add_arguments(p)

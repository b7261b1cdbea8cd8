"""The soak (``make soak``): the headless kiosk, simulated button boxes and the central service on
PostgreSQL, run for ``SOAK_MINUTES`` under kill -9, network cuts and a clock jump; then every ACKed
press is looked for in the kiosk's store and on the server, and the kiosk's memory and open files
are judged flat or not. Not part of ``make test``: it takes half an hour.

Modules: :mod:`soak.parts` (the processes), :mod:`soak.boxes` (the pressers), :mod:`soak.proxy` (the
network that can be cut), :mod:`soak.clock` (the kiosk's movable clock), :mod:`soak.check` (the
verdicts, pure), :mod:`soak.run` (the schedule and the summary).
"""

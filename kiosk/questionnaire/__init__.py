"""Questionnaires: one definition (a TOML file), answers at the kiosk, on a phone or on paper, one analysis.

Modules, each with one job:

- :mod:`.model` — the parsed questionnaire (elements, questions, channels);
- :mod:`.loader` — reading and validating TOML files, the catalogue of shipped and centre files;
- :mod:`.schema` — the store's tables (schema v4 of the vote database);
- :mod:`.answers` — recording responses and answers, the answers' hash chain, start/stop state;
- :mod:`.flow` — one citizen's walk through the questions (skip, back, keypad digits), for the screens;
- :mod:`.outbox` — the rows waiting for the central service;
- :mod:`.analysis` — satisfied shares, element and overall indexes (portable SQL);
- :mod:`.commands` — the ``questionnaire`` subcommand.

This package's ``__init__`` imports nothing, so that :mod:`kiosk.store` can import the schema
without a cycle.
"""

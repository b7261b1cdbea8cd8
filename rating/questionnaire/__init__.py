"""Questionnaire definitions (the parsed model, the TOML loader and catalogue) and their analysis:
shared by the kiosk and the central service. The kiosk's own parts (its tables, answers, flow,
outbox and commands) are in :mod:`kiosk.questionnaire`."""

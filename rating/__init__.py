"""The shared domain of the rating kiosk and the central service: the wire contract, the chained
log's rules, scales, periods, the report model and its renderers, questionnaire definitions and
analysis.

It imports neither the kiosk application (``kiosk``, ``hardware``, ``sync``) nor the central service
(``central``), nor Kivy, pyserial, requests or Django: both ends import it. See ``docs/architecture.md``.
"""

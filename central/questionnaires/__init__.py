"""The questionnaire on the central service (issue 11): the phone page behind the QR poster, the
printed paper form and its data-entry page, and the analysis pages. The questionnaire itself (files,
model, analysis SQL) is the kiosk's Kivy-free domain, :mod:`kiosk.questionnaire`; answers from every
channel go into the same two tables, ``q_responses`` and ``q_answers`` (see central/models.py)."""

"""The central scoring service: a Django application on SQLite (embedded) or PostgreSQL (production).

Kiosks send signed batches to ``POST /v1/batches`` (the wire contract is :mod:`rating.wire`); people
read the results on server-rendered pages. Settings come from the environment (:mod:`central.settings`).
"""

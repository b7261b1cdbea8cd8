"""WSGI entry point for gunicorn or waitress: ``gunicorn central.wsgi:application``."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "central.settings")

from central.app import app_from_env  # noqa: E402

application = app_from_env()

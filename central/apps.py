"""The Django application config."""

from django.apps import AppConfig


class CentralConfig(AppConfig):
    """The central service's models, views and migrations."""
    name = "central"
    default_auto_field = "django.db.models.BigAutoField"

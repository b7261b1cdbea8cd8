"""Accounts and roles: admin (everything), city (every commune, read), commune (its own centres),
centre (its own centre). Password rules are Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from central.models import Profile, Unit

UNIT_ROLES = {"commune": "commune", "centre": "centre"}


class AccountError(ValueError):
    """An account that cannot be created as asked, and why."""


class NotOnlyWhitespaceValidator:
    """Refuses a password that is only spaces, tabs or other blanks, zero-width ones included (Django's
    length rule counts them, and a password nobody can see is typed wrong or guessed)."""

    def validate(self, password: str, user=None) -> None:
        """Raise ValidationError for a password with no visible character."""
        if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in password):
            raise ValidationError("This password has only blank characters (spaces, tabs).",
                                  code="password_only_whitespace")

    def get_help_text(self) -> str:
        """The rule, as shown beside the password field."""
        return "Your password must contain characters other than spaces and tabs."


def add_user(name: str, role: str, unit_id: str | None, password: str):
    """Create (or update) an account; commune and centre roles need a unit of their kind."""
    unit = None
    if role in UNIT_ROLES:
        if not unit_id:
            raise AccountError(f"role {role} needs --unit (the {role} the account may see)")
        unit = Unit.objects.filter(id=unit_id).first()
        if unit is None:
            raise AccountError(f"no unit {unit_id!r}")
        if unit.kind != UNIT_ROLES[role]:
            raise AccountError(f"unit {unit_id!r} is a {unit.kind}, not a {role}")
    elif unit_id:
        raise AccountError(f"role {role} sees every unit: --unit does not apply")
    User = get_user_model()
    user = User.objects.filter(username=name).first() or User(username=name)
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise AccountError("the password is refused: " + " ".join(e.messages)) from None
    with transaction.atomic():
        user.set_password(password)
        user.is_staff = user.is_superuser = role == "admin"
        user.save()
        Profile.objects.update_or_create(user=user, defaults={"role": role, "unit": unit})
    return user

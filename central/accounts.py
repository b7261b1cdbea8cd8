"""Accounts and roles: admin (everything), city (every commune, read), commune (its own centres),
centre (its own centre). Password rules are Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from central.models import Profile, Unit

UNIT_ROLES = {"commune": "commune", "centre": "centre"}


class AccountError(ValueError):
    """An account that cannot be created as asked, and why."""


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

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


ACCOUNT_NAME_MAX = 64


def name_problem(name: str) -> str | None:
    """What is wrong with an account name, or None. A name is what a person types at the login form:
    1-64 characters, letters (any script), digits, ``.``, ``_``, ``-`` and ``@``; no space, no
    invisible character (a zero-width space makes a second "admin"), no markup."""
    if not 1 <= len(name) <= ACCOUNT_NAME_MAX:
        return f"must be 1-{ACCOUNT_NAME_MAX} characters"
    if unicodedata.normalize("NFC", name) != name:
        return "must be written in Unicode's composed form (NFC), as keyboards type it"
    bad = sorted({ch for ch in name if not (ch.isalnum() or ch in "._-@")})
    if bad:
        shown = ", ".join(f"U+{ord(ch):04X}" if not ch.isprintable() or ch.isspace() else repr(ch) for ch in bad)
        return f"may hold only letters, digits, '.', '_', '-' and '@' (not {shown})"
    return None


def look_alike(name: str) -> str:
    """The form two names share when a person could take one for the other: compatibility-normalised
    (NFKC: full-width letters, ligatures) and case-folded (``ADMIN`` is ``admin``)."""
    return unicodedata.normalize("NFKC", name).casefold()


def add_user(name: str, role: str, unit_id: str | None, password: str):
    """Create (or update) an account; commune and centre roles need a unit of their kind. A name
    that breaks :func:`name_problem`, or that looks like another account's (:func:`look_alike`), is
    refused."""
    problem = name_problem(name)
    if problem:
        raise AccountError(f"the account name {name!r} {problem}")
    User = get_user_model()
    twins = [u for u in User.objects.exclude(username=name).values_list("username", flat=True)
             if look_alike(u) == look_alike(name)]
    if twins:
        raise AccountError(f"the account name {name!r} looks like the existing account {twins[0]!r}: "
                           "choose a name nobody can take for it")
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

"""The kiosk registry in the database: import the registry file, register, rotate, retire, authenticate."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from rating import signing
from rating.problems import Problem
from central.registry_file import load_registry
from rating.wire import KIOSK_ID_RE

from central.models import Kiosk, Unit

ROTATION_OVERLAP = timedelta(days=7)
# The demo city's kiosks (make central, central.demo) have fixed secrets with this prefix; the registry's
# own secrets are random and never start with it. Reports of those kiosks are marked as test data.
DEMO_SECRET_PREFIX = "demo-secret-"


class RegistryRefusal(ValueError):
    """A registry change that cannot be made, and why."""


def slug(name: str) -> str:
    """An ASCII id from a Vietnamese name: ``Trung tâm xã Ninh Giang`` → ``trung-tam-xa-ninh-giang``."""
    text = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:64] or "unit"


def centre_for(name: str) -> Unit:
    """The centre unit of that name, created (under no commune yet) when new."""
    unit = Unit.objects.filter(kind="centre", name=name).first()
    if unit is None:
        unit = Unit.objects.create(id=_free_id(slug(name)), kind="centre", name=name)
    return unit


def _free_id(base: str) -> str:
    candidate, n = base, 1
    while Unit.objects.filter(id=candidate).exists():
        n += 1
        candidate = f"{base[:60]}-{n}"
    return candidate


def import_file(path: str | Path) -> int:
    """Import the registry file (``--kiosks``) into the database: new kiosks added, secrets and centres
    updated; kiosks missing from the file are kept (retire them on the web). Returns how many."""
    entries = load_registry(path)
    with transaction.atomic():
        for e in entries.values():
            centre = centre_for(e.centre) if e.centre else None
            Kiosk.objects.update_or_create(id=e.id, defaults={"centre": centre, "secret": e.secret.reveal().decode("utf-8"),
                                                              "retired_at": None})
    return len(entries)


def register(kiosk_id: str, centre: Unit) -> str:
    """Register a kiosk; return its new secret (shown once; only the kiosk and the service keep it)."""
    if not KIOSK_ID_RE.match(kiosk_id):
        raise RegistryRefusal(f"kiosk id {kiosk_id!r} must be ASCII letters, digits, '.', '_' or '-' "
                              "(it travels in an HTTP header)")
    if Kiosk.objects.filter(id=kiosk_id).exists():
        raise RegistryRefusal(f"kiosk {kiosk_id!r} is already registered")
    secret = secrets.token_urlsafe(32)
    Kiosk.objects.create(id=kiosk_id, centre=centre, secret=secret)
    return secret


def rotate(kiosk: Kiosk, now: datetime | None = None) -> str:
    """Give the kiosk a new secret; the old one keeps working for :data:`ROTATION_OVERLAP` so the kiosk
    can be updated meanwhile. Returns the new secret (shown once)."""
    now = now or timezone.now()
    kiosk.previous_secret, kiosk.previous_until = kiosk.secret, now + ROTATION_OVERLAP
    kiosk.secret = secrets.token_urlsafe(32)
    kiosk.save()
    return kiosk.secret


def retire(kiosk: Kiosk, now: datetime | None = None) -> None:
    """Stop accepting batches from the kiosk; its votes stay."""
    kiosk.retired_at = now or timezone.now()
    kiosk.save()


def authenticate(kiosk_id: str, timestamp: str | None, signature: str | None, method: str, path: str, body: bytes,
                 now: float, window_s: int) -> Kiosk:
    """The kiosk whose (current, or previous within the overlap) secret signed the request; raise
    :class:`rating.signing.SignatureError` otherwise."""
    kiosk = Kiosk.objects.filter(id=kiosk_id, retired_at__isnull=True).first() if KIOSK_ID_RE.match(kiosk_id) else None
    if kiosk is None:
        raise signing.SignatureError(Problem.UNKNOWN_KIOSK, kiosk=kiosk_id[:64])
    try:
        signing.verify(kiosk.secret.encode(), timestamp, signature, method, path, body, now, window_s)
    except signing.SignatureError as e:
        overlap = kiosk.previous_secret and kiosk.previous_until and kiosk.previous_until.timestamp() > now
        if e.problem is not Problem.BAD_SIGNATURE or not overlap:
            raise
        signing.verify(kiosk.previous_secret.encode(), timestamp, signature, method, path, body, now, window_s)
    return kiosk


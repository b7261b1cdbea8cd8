"""Enrolment: a new kiosk fetches its id and secret with a one-time code, instead of a secret copied by hand.

The city's administrator makes a code on the registry page (or ``central-enrolment new``); the device
runs ``python main.py enrol URL CODE``, which sends the code to ``POST /v1/enrol`` and writes the
configuration it answers with. Both ends read this module: the code's alphabet and form, its hash (the
service keeps only that), the request and the answer.

A code is 12 symbols from an alphabet without look-alikes (no 0/O, 1/I/L, U), shown in three groups of
four: ``KX7M-4PQR-9TWC``. That is 30^12 ≈ 2^59 codes; with a code valid for a day, single use, and the
service throttling wrong codes per address (:mod:`central.enrolment`), trying codes cannot work.
Case, spaces and dashes do not matter, so a person can type it as they read it, and a USB scanner can
type it from the QR code.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rating.signing import secret_problem
from rating.wire import KIOSK_ID_RE as _KIOSK_ID_RE, BadBatch, decode_json

ENROL_PATH = "/v1/enrol"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_SYMBOLS = 12
CODE_GROUP = 4
CODE_VALID = timedelta(hours=24)     # said on the registry page; short, so a code written down goes stale
MAX_REQUEST_BYTES = 4096
# The QR code's text: what a USB scanner types on the manager screen. The service's address and the code,
# so one scan says both (the command line takes them as two arguments).
QR_PREFIX = "KIOSK-ENROL "


class BadEnrolment(ValueError):
    """An enrolment request or answer that breaks this contract (the message names the field)."""


def new_code() -> str:
    """A fresh code, shown form (``XXXX-XXXX-XXXX``)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_SYMBOLS))
    return shown(raw)


def shown(raw: str) -> str:
    """A normalised code in groups of :data:`CODE_GROUP`."""
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, len(raw), CODE_GROUP))


def normalise(text: object) -> str | None:
    """The code as typed or scanned (any case, spaces and dashes anywhere) in its shown form, or None
    when it cannot be a code."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    raw = re.sub(r"[\s-]+", "", text).upper()
    if len(raw) != CODE_SYMBOLS or any(c not in CODE_ALPHABET for c in raw):
        return None
    return shown(raw)


def code_hash(code: str) -> str:
    """What the service keeps of a code: the SHA-256 of its normalised form (hex). A code has ~59 bits
    and lives a day, so a stolen table of hashes gives nobody a usable code."""
    norm = normalise(code)
    if norm is None:
        raise BadEnrolment("not an enrolment code")
    return hashlib.sha256(norm.encode("ascii")).hexdigest()


def qr_text(url: str, code: str) -> str:
    """The text of the code's QR (the service's address and the code)."""
    return f"{QR_PREFIX}{url.rstrip('/')} {code}"


def parse_scanned(text: str) -> tuple[str, str] | None:
    """(url, code) from a scanned QR's text, or None."""
    if not isinstance(text, str) or not text.startswith(QR_PREFIX):
        return None
    parts = text[len(QR_PREFIX):].split()
    if len(parts) != 2 or not re.match(r"^https?://", parts[0]) or normalise(parts[1]) is None:
        return None
    return parts[0], normalise(parts[1])


# --- the request (kiosk -> service) and the answer ----------------------------------------------------

def encode_request(code: str, kiosk_id: str | None, software_version: str | None) -> bytes:
    """The body of ``POST /v1/enrol``. ``kiosk_id`` is the kiosk the device's configuration already
    names (None for a fresh device, or with ``--force``): a code for another kiosk is then refused
    without being used up."""
    return json.dumps({"code": code, "kiosk_id": kiosk_id, "software_version": software_version}).encode()


@dataclass(frozen=True)
class Request:
    """A checked enrolment request."""
    code: str
    kiosk_id: str | None
    software_version: str | None


def parse_request(body: bytes) -> Request:
    """Check a request's body; raise :class:`BadEnrolment` naming the field."""
    try:
        data = decode_json(body)
    except BadBatch as e:
        raise BadEnrolment(str(e)) from None
    if not isinstance(data, dict):
        raise BadEnrolment("the body must be a JSON object")
    unknown = sorted(k for k in data if k not in ("code", "kiosk_id", "software_version"))
    if unknown:
        raise BadEnrolment(f"unknown field(s) {', '.join(repr(k)[:40] for k in unknown[:5])} "
                           "(known: code, kiosk_id, software_version)")
    code = normalise(data.get("code"))
    if code is None:
        raise BadEnrolment(f"'code' must be an enrolment code of {CODE_SYMBOLS} letters and digits, "
                           "e.g. KX7M-4PQR-9TWC")
    kiosk_id = data.get("kiosk_id")
    if kiosk_id is not None and not (isinstance(kiosk_id, str) and _KIOSK_ID_RE.match(kiosk_id)):
        raise BadEnrolment("'kiosk_id' must be null or a kiosk id (ASCII letters, digits, '.', '_', '-')")
    version = data.get("software_version")
    if version is not None and not (isinstance(version, str) and 0 < len(version) <= 40 and version.isprintable()):
        raise BadEnrolment("'software_version' must be null or a version of at most 40 characters")
    return Request(code, kiosk_id, version)


def answer(kiosk_id: str, centre: str, secret: str, settings: dict[str, Any] | None = None,
           settings_version: str | None = None) -> dict[str, Any]:
    """The answer to an accepted code: the kiosk's id, its centre's name, its secret and its managed
    settings (``settings``: the kiosk TOML's own sections and keys; empty until the service manages any)."""
    return {"kiosk_id": kiosk_id, "centre": centre, "secret": secret, "settings": settings or {},
            "settings_version": settings_version}


@dataclass(frozen=True)
class Answer:
    """A checked answer, as the device reads it."""
    kiosk_id: str
    centre: str
    secret: str
    settings: dict[str, Any]
    settings_version: str | None

    def __repr__(self) -> str:   # the secret never shows in a log or a traceback
        return f"Answer(kiosk_id={self.kiosk_id!r}, centre={self.centre!r}, secret='***')"


def parse_answer(data: Any) -> Answer:
    """Check the service's answer; raise :class:`BadEnrolment` naming what is wrong."""
    if not isinstance(data, dict):
        raise BadEnrolment("the answer is not a JSON object")
    kiosk_id, centre, secret = data.get("kiosk_id"), data.get("centre"), data.get("secret")
    if not (isinstance(kiosk_id, str) and _KIOSK_ID_RE.match(kiosk_id)):
        raise BadEnrolment("the answer's 'kiosk_id' is not a kiosk id")
    if not (isinstance(centre, str) and centre.strip()):
        raise BadEnrolment("the answer's 'centre' is empty")
    if secret_problem(secret):
        raise BadEnrolment(f"the answer's 'secret': {secret_problem(secret)}")
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise BadEnrolment("the answer's 'settings' is not an object")
    version = data.get("settings_version")
    return Answer(kiosk_id, centre.strip(), secret, settings, version if isinstance(version, str) else None)

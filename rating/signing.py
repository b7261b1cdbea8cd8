"""Request signing between a kiosk and the central service: HMAC-SHA256 over what matters.

The string to sign is four lines joined by ``\\n``:

    <timestamp>          Unix seconds, as sent in X-Kiosk-Timestamp
    <METHOD>             upper case, e.g. POST
    <path>               the request path with its query string, e.g. /v1/batches
    <hex sha256 of body> lower case; of the empty string for a request without a body

The signature is the lower-case hex HMAC-SHA256 of that string under the kiosk's secret. Headers:
``X-Kiosk-Id``, ``X-Kiosk-Timestamp``, ``X-Kiosk-Signature``. The server recomputes it and compares
with :func:`hmac.compare_digest`, and refuses timestamps outside its window (default ±300 s).
"""

from __future__ import annotations

import hashlib
import hmac

from rating.problems import Problem, Refused

HEADER_ID = "X-Kiosk-Id"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_SIGNATURE = "X-Kiosk-Signature"
DEFAULT_WINDOW_S = 300
# A kiosk's shared secret, on both ends (the kiosk's [sync], the service's registry): long enough that it
# cannot be guessed by trying. The service makes 43-character ones (secrets.token_urlsafe(32)).
MIN_SECRET_CHARS = 16


def secret_problem(secret: object) -> str | None:
    """Why ``secret`` cannot be a kiosk's shared secret (for a configuration's list of problems), or None."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_CHARS:
        return f"the secret must be at least {MIN_SECRET_CHARS} characters"
    return None


def hmac_sha256(key: bytes, message: bytes) -> str:
    """Hex HMAC-SHA256 (RFC 2104 with SHA-256; checked against the RFC 4231 test vectors)."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def string_to_sign(timestamp: int, method: str, path: str, body: bytes) -> bytes:
    """The exact bytes that are signed (see the module docstring)."""
    return f"{timestamp}\n{method.upper()}\n{path}\n{hashlib.sha256(body).hexdigest()}".encode("ascii")


def sign(secret: bytes, timestamp: int, method: str, path: str, body: bytes) -> str:
    """The signature for one request."""
    return hmac_sha256(secret, string_to_sign(timestamp, method, path, body))


def signed_headers(kiosk_id: str, secret: bytes, timestamp: int, method: str, path: str, body: bytes) -> dict[str, str]:
    """The three headers a signed request carries."""
    return {HEADER_ID: kiosk_id, HEADER_TIMESTAMP: str(timestamp),
            HEADER_SIGNATURE: sign(secret, timestamp, method, path, body)}


class SignatureError(Refused):
    """Why a request's signature is refused: one of the catalogue's 401 entries (:mod:`rating.problems`)."""


def verify(secret: bytes, timestamp: str | None, signature: str | None, method: str, path: str, body: bytes,
           now: float, window_s: int = DEFAULT_WINDOW_S) -> int:
    """Check a request's timestamp and signature; return the timestamp or raise :class:`SignatureError`."""
    if not timestamp or not signature:
        raise SignatureError(Problem.UNSIGNED, timestamp_header=HEADER_TIMESTAMP, signature_header=HEADER_SIGNATURE)
    # isdigit() alone accepts "²" (a byte 0xb2 read as Latin-1), which int() then refuses.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise SignatureError(Problem.BAD_TIMESTAMP, timestamp_header=HEADER_TIMESTAMP)
    ts = int(timestamp)
    expected = sign(secret, ts, method, path, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise SignatureError(Problem.BAD_SIGNATURE)
    if abs(now - ts) > window_s:
        # server_time goes into the answer: a kiosk corrects its clock from it (or from Date) and sends again.
        raise SignatureError(Problem.STALE_TIMESTAMP, offset=now - ts, window_s=window_s, server_time=int(now))
    return ts


class Secret:
    """A shared secret that never shows itself in a log, a traceback or a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> bytes:
        """The secret's bytes, for signing. Call only where it is used."""
        return self._value.encode("utf-8")

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(Secret)

"""The client's address, one rule for every page: the login throttle, the audit log's ``remote`` and
the phone page's rate limit and burst flags.

With nginx in front every request reaches waitress from 127.0.0.1, so the socket's address says
nothing about the person: five wrong passwords anywhere would lock everyone out. Our nginx sets
``X-Forwarded-For`` to the client's address (overwriting any a client sent); it is believed only when
the request came from a trusted proxy — the local one (a loopback peer), or the proxy on another
machine named by ``serve --behind-proxy ADDRESS`` or ``CENTRAL_TRUSTED_PROXY`` (for gunicorn) — else the
socket's address is the client's.
"""

from __future__ import annotations

import os

LOOPBACK = ("127.0.0.1", "::1")
TRUSTED: set[str] = {*LOOPBACK, *filter(None, os.environ.get("CENTRAL_TRUSTED_PROXY", "").split(","))}


def trust(address: str) -> None:
    """Believe ``X-Forwarded-For`` from the proxy at ``address`` too."""
    TRUSTED.add(address.strip())


def client_address(request) -> str:
    """The client's address: ``X-Forwarded-For``'s last entry when the request came from a trusted
    proxy, else the socket's (``REMOTE_ADDR``); at most 64 characters."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if remote in TRUSTED and forwarded:
        return forwarded.split(",")[-1].strip()[:64]
    return remote[:64]

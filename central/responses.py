"""The service's JSON answers: a refusal (:class:`rating.problems.Refused`, an entry of the one error
catalogue) as ``{"error", "reason", …}``, and the headers every API answer carries. Used by the API's
views and by the edge (central.edge)."""

from __future__ import annotations

import json
from email.utils import formatdate
from typing import Any

from django.http import HttpResponse

from rating.problems import Refused

from central.runtime import current


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """JSON, UTF-8 (a lone surrogate a client sent is escaped, never a crash), with ``Date`` and no caching."""
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8", "backslashreplace")
    response = HttpResponse(payload, status=status, content_type="application/json; charset=utf-8")
    for k, v in (headers or {}).items():
        response[k] = v
    return stamp(response)


def stamp(response: HttpResponse) -> HttpResponse:
    """The headers every API answer has: ``Date`` (kiosks correct their clock from it) and no-store."""
    response["Date"] = formatdate(current().clock(), usegmt=True)
    response["Cache-Control"] = "no-store"
    return response


def problem_response(e: Refused) -> HttpResponse:
    """A refusal as JSON ``{"error", "reason", …}`` (the catalogue entry's body)."""
    return json_response(e.body(), e.status, e.headers)

"""Issuing II.7 tables (issue 18): every workbook, PDF and JSON model the service makes gets its
verification code (:mod:`rating.report.issued`), stored with what the table says, so that the public
page ``/kiem-tra/<code>`` (:mod:`central.public`) can show an inspector what a printed page must say."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from django.db import IntegrityError, transaction

from rating.report.issued import VERIFY_PATH, code_of, normalise, period_heads, table_facts

from central.models import VerificationCode
from central.runtime import current
from central.source import Source


def issue(model, unit_id: str, alias: str, base_url: str = "") -> str:
    """Give ``model`` (a built :class:`rating.report.model.ReportModel`) its verification code and the link
    that checks it (``base_url`` + ``/kiem-tra/<code>``), storing the table's facts the first time that
    code is issued; the same table issued again keeps its code and its first record."""
    heads = period_heads(Source(alias), model.verification.kiosk_ids, model.period.d_from, model.period.d_to)
    facts = table_facts(model, unit_id, heads)
    code = code_of(facts)
    if not VerificationCode.objects.using(alias).filter(code=code).exists():
        try:
            with transaction.atomic(using=alias):
                VerificationCode.objects.using(alias).create(
                    code=code, unit_id=unit_id, d_from=facts["from"], d_to=facts["to"],
                    facts=json.dumps(facts, ensure_ascii=False, sort_keys=True),
                    issued_at=datetime.fromtimestamp(current().clock(), timezone.utc).isoformat(timespec="seconds"))
        except IntegrityError:   # issued at the same moment by another request: the same facts, kept once
            pass
    model.verification_code = code
    model.verification_url = base_url.rstrip("/") + VERIFY_PATH + code if base_url else ""
    model.verification_qr = qr_modules(model.verification_url or code)
    return code


def lookup(text: str, alias: str) -> tuple[str, dict[str, Any], str] | None:
    """The code as stored, the facts of the table it was issued for and when (ISO, UTC), or None for a
    code never issued (or text that cannot be a code)."""
    code = normalise(text)
    if code is None:
        return None
    row = VerificationCode.objects.using(alias).filter(code=code).first()
    return None if row is None else (row.code, json.loads(row.facts), row.issued_at)


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of dark (True) and light modules, quiet zone included (segno, pure
    Python, error correction M): the II.7 renderers draw it (the PDF as vectors, the workbook as a PNG)."""
    import segno
    return [[bool(m) for m in row] for row in segno.make(text, error="m", micro=False).matrix_iter(border=4)]

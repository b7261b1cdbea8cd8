"""The verification code of an issued II.7 table (issue 18): what makes a printed page checkable.

The central service issues every II.7 workbook and PDF it makes with a short code, printed after the
words :data:`CODE_WORDS` with its QR; its public page ``/kiem-tra/<code>`` shows what that table must
say. The code is a digest of the table's content — the unit, the period, the scale, the counted votes
per level, the flagged repeats, the digest of the period's votes and each kiosk's chain head *in the
period* (its last vote dated in the period: a head that moves on with tomorrow's votes would give the
same table another code) — so the same table always has the same code, and a table whose figures
differ has another one.

:data:`CODE_LENGTH` characters of base32 (A–Z, 2–7: no 0/O or 1/I to misread), 50 bits: a code
guessed at random resolves about once in 10^15 tries.

The kiosk's own II.7 has no code: it is not issued by the service (:data:`NOT_ISSUED` says so in its
Kiểm chứng section).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date
from typing import Any, Sequence

from rating.totals import VoteSource

CODE_WORDS = "Mã kiểm tra"
CODE_LENGTH = 10
CODE_RE = re.compile(r"^[A-Z2-7]{%d}$" % CODE_LENGTH)
VERIFY_PATH = "/kiem-tra/"   # the public page of a code: VERIFY_PATH + code
NOT_ISSUED = ("Không có: bảng này do máy kiosk tự lập, không do máy chủ trung tâm cấp; đối chiếu bằng mã "
              "kiểm chứng SHA-256 ở trên.")
CHECK_AT = "Kiểm tra tại"


def period_heads(source: VoteSource, kiosk_ids: Sequence[str], d_from: date, d_to: date) -> list[dict[str, Any]]:
    """Each kiosk's chain head in the period: the seq and hash of its last vote dated ``d_from``..``d_to``
    (every vote, flagged ones too, as the Kiểm chứng digest reads them); a kiosk without one is left out."""
    out = []
    for kiosk in sorted(kiosk_ids):
        rows = source.query("SELECT seq, hash FROM votes WHERE kiosk_id = ? AND local_date BETWEEN ? AND ? "
                            "ORDER BY seq DESC LIMIT 1", [kiosk, d_from.isoformat(), d_to.isoformat()])
        if rows:
            out.append({"kiosk_id": kiosk, "seq": int(rows[0][0]), "hash": rows[0][1]})
    return out


def table_facts(model, unit_id: str, heads: list[dict[str, Any]]) -> dict[str, Any]:
    """What the issued table says, as stored with its code and shown on ``/kiem-tra/<code>``: JSON-ready.
    ``model`` is a :class:`rating.report.model.ReportModel`."""
    total = model.summary.total
    return {
        "unit": unit_id,
        "unit_name": model.unit.centre or model.unit.unit,
        "from": model.period.d_from.isoformat(),
        "to": model.period.d_to.isoformat(),
        "period": model.period.label,
        "scale": model.scale,
        # In the scale's order (a list: stored JSON sorts an object's keys), best level first.
        "levels": [{"level": code, "label": model.level_labels.get(code, code), "n": int(total.levels.get(code, 0))}
                   for code in model.codes],
        "counted": int(total.total),
        "satisfied": int(total.satisfied),
        "satisfied_pct": total.satisfied_pct,
        "ci_low": total.ci_low,
        "ci_high": total.ci_high,
        "flagged": int(model.verification.flagged),
        "target_pct": model.target_pct,
        "votes_sha256": model.verification.votes_sha256,
        "heads": heads,
    }


# What the code is a digest of: the figures, not the words around them (a label's wording may improve
# in a later release; the same figures keep their code).
_CODED = ("unit", "from", "to", "scale", "levels", "counted", "flagged", "votes_sha256", "heads")


def code_of(facts: dict[str, Any]) -> str:
    """The verification code of a table's facts (:func:`table_facts`): the first :data:`CODE_LENGTH`
    characters of the base32 SHA-256 of their canonical JSON (keys sorted, no spaces)."""
    coded = {k: facts[k] for k in _CODED}
    coded["levels"] = [[lv["level"], lv["n"]] for lv in facts["levels"]]
    canonical = json.dumps(coded, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return base64.b32encode(hashlib.sha256(canonical.encode("utf-8")).digest()).decode("ascii")[:CODE_LENGTH]


def normalise(text: str) -> str | None:
    """A code as typed or scanned (any case, spaces or dashes between groups), or None when it cannot be one."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if CODE_RE.match(code) else None


def qr_png(modules: list[list[bool]], scale: int = 4) -> bytes:
    """The QR code's ``modules`` (rows of dark True / light False, quiet zone included — made by the service,
    :func:`central.issued.issue`, with segno) as a greyscale PNG, each module ``scale`` pixels: the standard
    library's zlib is all a PNG needs, so the shared domain (and the kiosk) never import a QR library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    size = len(modules) * scale
    raw = b"".join(b"\x00" + bytes(0 if dark else 255 for dark in row for _ in range(scale))
                   for row in modules for _ in range(scale))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

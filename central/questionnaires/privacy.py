"""Personal data kept out of the citizens' free text: long runs of digits (phone numbers, citizen ID
numbers, bank accounts) are masked before a comment is stored, on every channel the service writes.

The questionnaire never asks for a name, phone number or ID number, but a citizen may write one in a
comment ("gọi lại cho tôi số 0912 345 678"). A run of 8 or more digits, with single spaces, dots or
dashes allowed between them, is such a number: Vietnamese phone numbers have 10 digits, CCCD 12, old
CMND 9. Shorter numbers (a year, a form number, "quầy 2") stay as written.
"""

from __future__ import annotations

import re

MASK = "[số đã ẩn]"
MIN_DIGITS = 8
NUMBER_RE = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){%d,}(?!\d)" % (MIN_DIGITS - 1))


def mask_numbers(text: str) -> str:
    """``text`` with every run of 8 or more digits (spaces, dots or dashes allowed inside) replaced by
    :data:`MASK`: "số điện thoại 0912345678" → "số điện thoại [số đã ẩn]"."""
    return NUMBER_RE.sub(MASK, text)

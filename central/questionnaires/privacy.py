"""Personal data kept out of the citizens' free text: numbers that could be a phone, a citizen ID or a
bank account, and e-mail addresses, are masked before a comment is stored, on every channel the
service writes.

The questionnaire never asks for a name, phone number or ID number, but a citizen may write one in a
comment ("gọi lại cho tôi số 0912 345 678"), spelled as people spell them: ``(0912) 345 678``,
``0912. 345. 678``, ``0912/345/678``, ``+84 912 345 678``, with double spaces, tabs or a line break
inside. A run that reads as 8 or more digits once those separators are removed is such a number
(Vietnamese phone numbers have 10 digits, CCCD 12, old CMND 9). Shorter numbers (a year, a form
number, "quầy 2") and a date written ``dd/mm/yyyy`` stay as written.
"""

from __future__ import annotations

import re

MASK = "[số đã ẩn]"
EMAIL_MASK = "[email đã ẩn]"
MIN_DIGITS = 8
# A digit, then digits with up to three separator characters between each two: spaces of any kind
# (tabs, line breaks), dots, dashes, slashes, brackets; an optional leading + or bracket.
_SEP = r"[\s.\-/()\[\]]{0,3}"
NUMBER_RE = re.compile(r"(?<![\d\w])[+(\[]{0,2}\d(?:%s\d)+\)?" % _SEP)
EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
DATE_RE = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}")


def _mask_number(m: re.Match) -> str:
    run = m.group(0)
    if sum(ch.isdigit() for ch in run) < MIN_DIGITS or DATE_RE.fullmatch(run.strip("()[]+")):
        return run
    return MASK


def mask_numbers(text: str) -> str:
    """``text`` with every e-mail address and every run that reads as 8 or more digits (separators
    allowed inside, see the module) replaced by :data:`EMAIL_MASK` or :data:`MASK`:
    "số điện thoại (0912) 345 678" → "số điện thoại [số đã ẩn]"."""
    return NUMBER_RE.sub(_mask_number, EMAIL_RE.sub(EMAIL_MASK, text))

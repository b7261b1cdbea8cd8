"""The five SIPAS elements: what a citizen can say was wrong after a low rating.

The codes are stored with the vote and synced; the labels are shown on screen. The order is the
one the SIPAS survey uses.
"""

from __future__ import annotations

ELEMENTS: dict[str, tuple[str, str]] = {
    "access": ("Tiếp cận dịch vụ", "Access to the service"),
    "procedure": ("Thủ tục hành chính", "Administrative procedure"),
    "officer": ("Công chức giải quyết", "The officer who handled it"),
    "result": ("Kết quả giải quyết", "The outcome"),
    "feedback": ("Tiếp nhận và xử lý góp ý", "Handling of feedback"),
}


def label(code: str, lang: str = "vi") -> str:
    """The element's label in Vietnamese (``vi``) or English (``en``)."""
    vi, en = ELEMENTS[code]
    return vi if lang == "vi" else en

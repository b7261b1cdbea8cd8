"""The five SIPAS elements: what a citizen can say was wrong after a low rating.

The codes are stored with the vote and synced; the labels are shown on screen. The order is the
one the SIPAS survey uses.
"""

from __future__ import annotations

from rating.bilingual import Texts

# Read a label with ELEMENTS.text(code, lang); iterate ELEMENTS for the codes in the survey's order.
ELEMENTS = Texts({
    "access": ("Tiếp cận dịch vụ", "Access to the service"),
    "procedure": ("Thủ tục hành chính", "Administrative procedure"),
    "officer": ("Công chức giải quyết", "The officer who handled it"),
    "result": ("Kết quả giải quyết", "The outcome"),
    "feedback": ("Tiếp nhận và xử lý góp ý", "Handling of feedback"),
})

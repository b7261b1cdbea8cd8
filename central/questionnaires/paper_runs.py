"""Numbered paper forms (issue 17): each print run is recorded with its numbers, so the next run continues
after the highest number issued (a second run that started again at 1 printed forms that could never be
entered: the numbers were taken); forms come back entered, or are marked returned (kept, not entered) or
void (spoilt, lost); :func:`reconcile` says how many of each, per centre.

Numbers are per centre and questionnaire version, as the entry page's duplicate check is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max

from rating.questionnaire.model import Questionnaire

from central.models import PaperMark, PaperRun, QResponse
from central.runtime import current

MAX_FORM_NO = 999_999_999
MARKS = ("returned", "void")
RANGES_RE = re.compile(r"^(\d{1,9})(?:-(\d{1,9}))?\Z")
MAX_MARKED_AT_ONCE = 5000


class PaperRefusal(ValueError):
    """A print run or a mark that cannot be made as asked, and why (one line)."""


def _runs(centre_id: str, q: Questionnaire):
    return PaperRun.objects.filter(centre_id=centre_id, questionnaire_id=q.id, version=q.version)


def next_number(centre_id: str, q: Questionnaire) -> int:
    """The first number of the next print run: one after the highest issued (1 for the first run)."""
    return (_runs(centre_id, q).aggregate(m=Max("last"))["m"] or 0) + 1


def record_run(centre_id: str, q: Questionnaire, first: int | None, count: int, by: str,
               now: datetime) -> tuple[int, int, bool]:
    """Record a print run of ``count`` forms and return ``(first, last, reprint)``.

    Without ``first`` the run continues after the highest number issued. With ``first``: a range wholly
    issued already is a reprint (lost sheets; nothing recorded), a range that touches no issued number is
    recorded (a gap is allowed), and one that overlaps an issued range partly is refused — two forms
    would carry the same number."""
    for _ in range(5):   # two clerks printing at once: the unique first makes one of them take the next numbers
        start = first if first is not None else next_number(centre_id, q)
        last = start + count - 1
        if last > MAX_FORM_NO:
            raise PaperRefusal(f"numbers end at {MAX_FORM_NO}")
        overlapping = list(_runs(centre_id, q).filter(first__lte=last, last__gte=start).order_by("first"))
        if overlapping:
            covered = sum(min(r.last, last) - max(r.first, start) + 1 for r in overlapping)
            if covered == count:
                return start, last, True
            issued = ", ".join(f"{r.first}–{r.last}" for r in overlapping)
            raise PaperRefusal(f"forms {issued} are already issued; the next free number is {next_number(centre_id, q)}")
        try:
            with transaction.atomic(using=current().alias):
                PaperRun.objects.create(centre_id=centre_id, questionnaire_id=q.id, version=q.version, first=start,
                                        last=last, printed_by=by[:150], printed_at=now)
            return start, last, False
        except IntegrityError:
            if first is not None:
                raise PaperRefusal(f"forms from {first} were issued meanwhile; the next free number is "
                                   f"{next_number(centre_id, q)}") from None
    raise PaperRefusal("many print runs at once: print again")


def parse_numbers(text: str) -> list[int]:
    """``"12, 15-18"`` → ``[12, 15, 16, 17, 18]``; :class:`PaperRefusal` naming the part that is not a number
    or a range."""
    out: set[int] = set()
    for part in (p for p in re.split(r"[,;\s]+", re.sub(r"\s*[-–]\s*", "-", text.strip())) if p):
        m = RANGES_RE.match(part)
        a, b = (int(m[1]), int(m[2] or m[1])) if m else (0, -1)
        if not m or not 1 <= a <= b:
            raise PaperRefusal(f"{part.strip()[:20]!r} is not a form number or a range such as 15-18")
        if b - a + 1 + len(out) > MAX_MARKED_AT_ONCE:
            raise PaperRefusal(f"at most {MAX_MARKED_AT_ONCE} forms at a time")
        out.update(range(a, b + 1))
    if not out:
        raise PaperRefusal("give the form numbers, such as 12, 15-18")
    return sorted(out)


def _entered(centre_ids: list[str], q: Questionnaire) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {c: set() for c in centre_ids}
    for centre, no in QResponse.objects.filter(centre_id__in=centre_ids, questionnaire_id=q.id, version=q.version,
                                               channel="paper").exclude(form_no="").values_list("centre_id", "form_no"):
        if no.isdigit():
            out[centre].add(int(no))
    return out


def mark(centre_id: str, q: Questionnaire, numbers: list[int], state: str, by: str, now: datetime) -> int:
    """Mark forms returned or void (``state`` ``"clear"`` takes the mark off); refuse a number never issued
    or already entered (its answers are stored: it came back). Returns how many were marked."""
    if state not in (*MARKS, "clear"):
        raise PaperRefusal(f"a form is marked {' or '.join(MARKS)} (or cleared), not {state!r}")
    runs = list(_runs(centre_id, q).values_list("first", "last"))
    missing = [n for n in numbers if not any(a <= n <= b for a, b in runs)]
    if missing:
        raise PaperRefusal(f"form {missing[0]} was never issued" + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""))
    entered = sorted(_entered([centre_id], q)[centre_id] & set(numbers))
    if entered and state != "clear":
        raise PaperRefusal(f"form {entered[0]} is entered already: its answers are stored")
    with transaction.atomic(using=current().alias):
        held = PaperMark.objects.filter(centre_id=centre_id, questionnaire_id=q.id, version=q.version, form_no__in=numbers)
        held.delete()
        if state != "clear":
            PaperMark.objects.bulk_create([PaperMark(centre_id=centre_id, questionnaire_id=q.id, version=q.version,
                                                     form_no=n, state=state, marked_by=by[:150], marked_at=now)
                                           for n in numbers])
    return len(numbers)


@dataclass
class Reconciled:
    """A centre's paper forms: issued in print runs, entered, marked returned or void, and still out."""
    runs: list[tuple[int, int]] = field(default_factory=list)
    issued: int = 0
    entered: int = 0
    returned: int = 0
    void: int = 0
    entered_unissued: int = 0     # entered under a number no run issued (forms printed before runs were recorded)

    @property
    def out(self) -> int:
        """Issued and not back yet (neither entered, returned nor void)."""
        return self.issued - self.entered - self.returned - self.void


def reconcile(centre_ids: list[str], q: Questionnaire) -> dict[str, Reconciled]:
    """Each centre's paper forms of ``q``: issued, entered, returned, void, and still out."""
    out = {c: Reconciled() for c in centre_ids}
    for c, a, b in PaperRun.objects.filter(centre_id__in=centre_ids, questionnaire_id=q.id, version=q.version) \
            .order_by("first").values_list("centre_id", "first", "last"):
        out[c].runs.append((a, b))
        out[c].issued += b - a + 1
    for c, numbers in _entered(centre_ids, q).items():
        inside = sum(1 for n in numbers if any(a <= n <= b for a, b in out[c].runs))
        out[c].entered, out[c].entered_unissued = inside, len(numbers) - inside
    for c, state in PaperMark.objects.filter(centre_id__in=centre_ids, questionnaire_id=q.id, version=q.version) \
            .values_list("centre_id", "state"):
        setattr(out[c], state, getattr(out[c], state) + 1)
    return out

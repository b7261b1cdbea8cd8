"""Acting on low ratings (issue 18): "Việc cần khắc phục".

An **item** is the low ratings (KHL, RKHL: counted votes, on any scale — a repeat, a demo vote or a vote held
back for its kiosk's clock is not one) of one counter of one kiosk in one week, Monday to Sunday. It is
computed from the votes whenever it is read, so a late sync adds to it; only the people's steps are stored
(:class:`central.models.ActionItem`): acknowledged, an action written, closed. It is due
:data:`rating.workdays.DUE_WORKING_DAYS` working days after the day of its first low rating, and overdue
after that day while not closed.

**Anonymous.** An item holds counts, levels, the SIPAS reasons the voters named, and the hours (never finer)
at which the low ratings were given — never a vote's UUID, sequence number or exact time. Officer codes (an
officer's code is not a citizen's data; the commune's page already lists each officer's rate) are shown to
the centre and the commune, who act with the officer; the II.7 annex, filed beyond the commune, leaves them out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction

from rating import vnformat
from rating.deadlines import reminders
from rating.rate import count_filter
from rating.report.model import ActionLine
from rating.sipas import ELEMENTS
from rating.workdays import DUE_WORKING_DAYS, add_working_days

from central import counter_names
from central.models import ActionItem, Kiosk
from central.source import Source

LOW_LEVELS = ("KHL", "RKHL")
ALERT_LOOKBACK_DAYS = 120    # overdue items are looked for this far back (older ones still show on the page)
MAX_ACTION_CHARS = 2000
STEPS = ("acknowledge", "action", "close")


class ActionRefusal(ValueError):
    """A step that cannot be taken as asked, and why (one line, shown on the page)."""


@dataclass
class Item:
    """One item: a counter's low ratings in a week, with the people's steps (``state``, or None)."""
    kiosk_id: str
    counter_id: str
    counter_name: str
    week: date                                                              # its Monday
    levels: dict[str, int] = field(default_factory=lambda: {lv: 0 for lv in LOW_LEVELS})
    reasons: dict[str, int] = field(default_factory=dict)                  # SIPAS element -> times named
    hours: dict[tuple[str, int], int] = field(default_factory=dict)        # (day, hour) -> low ratings
    officers: dict[str, int] = field(default_factory=dict)                 # officer code ('' none) -> low ratings
    first_day: date | None = None
    state: ActionItem | None = None

    @property
    def low(self) -> int:
        """How many low ratings."""
        return sum(self.levels.values())

    @property
    def due(self) -> date:
        """15 working days after the week's first low rating."""
        return add_working_days(self.first_day, DUE_WORKING_DAYS)

    @property
    def status(self) -> str:
        """``moi`` (new), ``da_nhan`` (acknowledged), ``da_co_bien_phap`` (an action written), ``da_dong`` (closed)."""
        s = self.state
        if s is None:
            return "moi"
        if s.closed_at:
            return "da_dong"
        if s.action:
            return "da_co_bien_phap"
        return "da_nhan" if s.acknowledged_at else "moi"

    def overdue(self, today: date) -> bool:
        """Not closed, and its due day has passed."""
        return self.status != "da_dong" and today > self.due

    @property
    def key(self) -> str:
        """What a form names the item by."""
        return f"{self.kiosk_id}|{self.counter_id}|{self.week.isoformat()}"


def monday(d: date) -> date:
    """The Monday of ``d``'s week."""
    return d - timedelta(days=d.weekday())


def _in(ids) -> str:
    return ", ".join("?" * len(ids))


def items(source: Source, kiosks: list[str], d_from: date, d_to: date) -> list[Item]:
    """The items of every week that meets ``d_from``..``d_to`` (whole weeks: a week across the period's edge
    is read whole), for ``kiosks``, with their steps; by week (newest first), kiosk and counter."""
    if not kiosks:
        return []
    first, last = monday(d_from), monday(d_to) + timedelta(days=6)
    where = (f"v.kiosk_id IN ({_in(kiosks)}) AND v.local_date BETWEEN ? AND ? AND v.level IN ({_in(LOW_LEVELS)}) "
             f"AND v.flag IS NULL{count_filter(source, 'v.')}")
    params = [*kiosks, first.isoformat(), last.isoformat(), *LOW_LEVELS]
    found: dict[tuple[str, str, date], Item] = {}

    def item(kiosk: str, counter: str, day: str) -> Item:
        key = (kiosk, counter, monday(date.fromisoformat(day)))
        if key not in found:
            found[key] = Item(kiosk, counter, "", key[2])
        return found[key]

    for kiosk, counter, day, hour, level, officer, n in source.query(
            "SELECT v.kiosk_id, v.counter_id, v.local_date, substr(v.local_time, 12, 2), v.level, "
            f"coalesce(v.officer, ''), count(*) FROM votes v WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6", params):
        it, n = item(kiosk, counter, day), int(n)
        it.levels[level] += n
        it.hours[(day, int(hour))] = it.hours.get((day, int(hour)), 0) + n
        it.officers[officer] = it.officers.get(officer, 0) + n
        d = date.fromisoformat(day)
        it.first_day = d if it.first_day is None else min(it.first_day, d)
    # CROSS JOIN as the report's reasons: SQLite walks the few reasons and looks each vote up by its uuid.
    for kiosk, counter, day, element, n in source.query(
            "SELECT v.kiosk_id, v.counter_id, v.local_date, r.element, count(*) FROM vote_reasons r CROSS JOIN votes v "
            f"WHERE v.uuid = r.vote_uuid AND {where} GROUP BY 1, 2, 3, 4", params):
        it = item(kiosk, counter, day)
        it.reasons[element] = it.reasons.get(element, 0) + int(n)
    # Each week's items under the names in force that week, not today's (issue 17).
    names = {week: counter_names.names_in_force(source, kiosks, week, week + timedelta(days=6))
             for week in {w for _, _, w in found}}
    states = {(s.kiosk_id, s.counter_id, s.week): s for s in ActionItem.objects.using(source.alias).filter(
        kiosk_id__in=kiosks, week__gte=first.isoformat(), week__lte=last.isoformat())}
    out = []
    for (kiosk, counter, week), it in found.items():
        if it.first_day is None:   # reasons without a low rating cannot be (a reason belongs to its vote)
            continue
        it.counter_name = names[week].get((kiosk, counter), "")
        it.state = states.get((kiosk, counter, week.isoformat()))
        out.append(it)
    return sorted(out, key=lambda i: (-i.week.toordinal(), i.kiosk_id, i.counter_id))


def open_items(source: Source, kiosks: list[str], d_from: date, d_to: date, today: date) -> list[Item]:
    """What a page lists: the items of the period, and the items not closed of the
    :data:`ALERT_LOOKBACK_DAYS` before it (an overdue item never hides behind the period chosen)."""
    out = items(source, kiosks, min(d_from, d_to - timedelta(days=ALERT_LOOKBACK_DAYS)), d_to)
    return [i for i in out if i.week + timedelta(days=6) >= d_from or i.status != "da_dong"]


def step(alias: str, kiosks: list[str], key: str, what: str, text: str, by: str, now: datetime) -> ActionItem:
    """Take a step on the item named ``key`` (one of ``kiosks``): ``acknowledge``; ``action`` (write what was
    done, which acknowledges too; written again, it replaces the words); ``close`` (only once an action is
    written: closing is the evidence that something was done). Raises :class:`ActionRefusal` saying why."""
    try:
        kiosk, counter, week_text = key.split("|")
        week = date.fromisoformat(week_text)
    except ValueError:
        raise ActionRefusal(f"{key[:80]!r} is not an item") from None
    if kiosk not in kiosks or week != monday(week):
        raise ActionRefusal(f"{key[:80]!r} is not an item of this unit")
    if what not in STEPS:
        raise ActionRefusal(f"unknown step {what[:20]!r} (one of {', '.join(STEPS)})")
    found = [i for i in items(Source(alias), [kiosk], week, week) if i.counter_id == counter and i.week == week]
    if not found:
        raise ActionRefusal(f"no low rating at counter {counter[:64]!r} of {kiosk} in the week of {vnformat.day(week)}")
    text = (text or "").strip()
    with transaction.atomic(using=alias):
        row, _ = ActionItem.objects.using(alias).select_for_update().get_or_create(
            kiosk_id=kiosk, counter_id=counter, week=week.isoformat())
        if row.closed_at is not None:
            raise ActionRefusal("this item is closed")
        if what in ("acknowledge", "action") and row.acknowledged_at is None:
            row.acknowledged_at, row.acknowledged_by = now, by
        if what == "action":
            if not text:
                raise ActionRefusal("write the action taken")
            if len(text) > MAX_ACTION_CHARS:
                raise ActionRefusal(f"the action is longer than {MAX_ACTION_CHARS} characters")
            row.action, row.action_at, row.action_by = text, now, by
        if what == "close":
            if not row.action:
                raise ActionRefusal("write the action taken before closing the item")
            row.closed_at, row.closed_by = now, by
        row.save(using=alias)
    return row


STATUS_WORDS = {"moi": ("Mới", "New"), "da_nhan": ("Đã tiếp nhận", "Acknowledged"),
                "da_co_bien_phap": ("Đã có biện pháp", "Action written"), "da_dong": ("Đã khắc phục", "Closed"),
                "qua_han": ("Quá hạn", "Overdue")}


def status_words(it: Item, today: date, lang: str = "vi") -> str:
    """The item's state in words, overdue said first: "Quá hạn — Đã tiếp nhận", "Đã khắc phục 20/11/2026"."""
    vi = lang != "en"
    words = STATUS_WORDS[it.status][0 if vi else 1]
    if it.status == "da_dong":
        from rating.period import LOCAL_TZ
        return f"{words} {vnformat.day(it.state.closed_at.astimezone(LOCAL_TZ).date())}"
    if it.overdue(today):
        return f"{STATUS_WORDS['qua_han'][0 if vi else 1]} — {words}"
    return words


def levels_words(it: Item) -> str:
    """"KHL 3, RKHL 1" (levels with none left out)."""
    return ", ".join(f"{lv} {vnformat.integer(n)}" for lv, n in it.levels.items() if n)


def reasons_words(it: Item, lang: str = "vi") -> str:
    """The reasons named, most named first: "Thời gian giải quyết 2; Thái độ 1"."""
    named = sorted(it.reasons.items(), key=lambda e: (-e[1], e[0]))
    return "; ".join(f"{ELEMENTS.text(code, lang) if code in ELEMENTS else code} {n}" for code, n in named)


def hours_words(it: Item) -> str:
    """When, to the hour: "02/11 9 h (2), 04/11 14 h"."""
    out = []
    for (day, hour), n in sorted(it.hours.items()):
        d = date.fromisoformat(day)
        out.append(f"{d.day:02d}/{d.month:02d} {hour} h" + (f" ({n})" if n > 1 else ""))
    return ", ".join(out)


def week_words(it: Item) -> str:
    """"02/11/2026 – 08/11/2026"."""
    return vnformat.period(it.week, it.week + timedelta(days=6))


def annex(source: Source, kiosks: list[str], d_from: date, d_to: date, today: date) -> list[ActionLine]:
    """The II.7 annex's lines: the items that arose in the period (their first low rating in it: a week across
    the edge of two periods is filed once), oldest first, without officer codes."""
    out = []
    for it in sorted(items(source, kiosks, d_from, d_to), key=lambda i: (i.week, i.kiosk_id, i.counter_id)):
        if not d_from <= it.first_day <= d_to:
            continue
        counter = f"{it.counter_id} — {it.counter_name}" if it.counter_name else it.counter_id
        out.append(ActionLine(counter, week_words(it), it.low, levels_words(it), reasons_words(it),
                              vnformat.day(it.due), status_words(it, today), it.state.action if it.state else ""))
    return out


def alerts(source: Source, kiosks: list[str], now: datetime) -> list[tuple[str, str, dict]]:
    """(kind, subject, figures) of the alerts of acting on low ratings: per kiosk, its items overdue
    (``actions_overdue``); per commune of those kiosks, a plan's deadline within
    :data:`rating.deadlines.REMIND_DAYS` (``deadline_<key>``)."""
    from rating.period import LOCAL_TZ
    today = now.astimezone(LOCAL_TZ).date()
    out = []
    late: dict[str, list[Item]] = defaultdict(list)
    for it in items(source, kiosks, today - timedelta(days=ALERT_LOOKBACK_DAYS), today):
        if it.overdue(today):
            late[it.kiosk_id].append(it)
    for kiosk, its in sorted(late.items()):
        out.append(("actions_overdue", kiosk, {"overdue": len(its), "due": vnformat.day(min(i.due for i in its))}))
    communes = sorted({(k.centre.parent or k.centre).name for k in Kiosk.objects.using(source.alias)
                       .filter(id__in=kiosks, retired_at__isnull=True).select_related("centre__parent")
                       if k.centre is not None})
    for r in reminders(today):
        if r.remind:
            for name in communes:
                out.append((f"deadline_{r.deadline.key}", name, {"days": r.days_left, "due": vnformat.day(r.due)}))
    return out

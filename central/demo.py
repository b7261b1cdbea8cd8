"""Sample communes, centres, kiosks, votes and accounts for a demo (``make central``) and the tests.

Votes are made as a kiosk makes them (chained, hashed) and stored through the real ingest path.
"""

from __future__ import annotations

import random
import uuid as uuidlib
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

from rating.chain import GENESIS_HASH, VOTES
from rating.wire import check_vote

from central import ingest
from central.accounts import add_user
from central.registry import DEMO_SECRET_PREFIX
from central.models import Kiosk, Unit

TZ = timezone(timedelta(hours=7))
COMMUNES = ["Ninh Giang", "Vĩnh Bảo", "Tiên Lãng", "Kiến Thụy", "An Lão", "Thủy Nguyên", "Cát Hải", "Bạch Long Vĩ"]
COUNTERS = [("Q1", "Quầy 1 — Tư pháp, hộ tịch"), ("Q2", "Quầy 2 — Đất đai"), ("Q3", "Quầy 3 — Văn hóa - Xã hội")]
DEMO_PASSWORD = "demo-Hai-Phong-2026"


def make_votes(kiosk_id: str, days: list[date], per_day: int, quality: float, rng: random.Random,
               start_seq: int = 1, prev: str = GENESIS_HASH) -> Iterator[dict]:
    """Chained votes for one kiosk as its store would record them (``quality``: share satisfied)."""
    seq = start_seq
    for day in days:
        if day.weekday() == 6:
            continue
        for i in range(per_day):
            hour = rng.choice((7, 8, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16))
            at = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=TZ)
            good = rng.random() < quality
            level = rng.choice(("RHL", "HL", "HL")) if good else rng.choice(("BT", "KHL", "RKHL"))
            counter = COUNTERS[i % len(COUNTERS)][0]
            v = {"seq": seq, "uuid": str(uuidlib.UUID(int=rng.getrandbits(128), version=4)), "kiosk_id": kiosk_id,
                 "counter_id": counter, "officer": f"CB{(i % 5) + 1:02d}", "level": level, "scale": "sipas5",
                 "source": "touch", "local_time": at.isoformat(timespec="milliseconds"), "box_seq": None,
                 "flag": "repeat" if rng.random() < 0.01 else None, "prev_hash": prev}
            v["hash"] = VOTES.hash(v)
            prev = v["hash"]
            seq += 1
            yield v


def demo_logins() -> list[tuple[str, str, str]]:
    """The accounts that exist, as ``(role, unit name or "", username)``: admin, city, commune, centre,
    each by name — what ``make central`` prints, on the first run and on every later one."""
    from django.contrib.auth import get_user_model
    order = {"admin": 0, "city": 1, "commune": 2, "centre": 3}
    users = get_user_model().objects.filter(central__isnull=False).select_related("central__unit")
    found = [(u.central.role, u.central.unit.name if u.central.unit else "", u.username) for u in users]
    return sorted(found, key=lambda x: (order.get(x[0], 9), x[1], x[2]))


def build(alias: str = "default", communes: int = 6, days: int = 60, per_day: int = 30, today: date | None = None,
          seed: int = 7, accounts: bool = True) -> dict[str, list[str]]:
    """Create the city, ``communes`` communes with a centre and a kiosk each, votes for ``days`` days,
    and (with ``accounts``) the demo accounts. Returns the ids made."""
    rng = random.Random(seed)
    today = today or datetime.now(TZ).date()
    city, _ = Unit.objects.get_or_create(id="hai-phong", defaults={"kind": "city", "name": "Thành phố Hải Phòng"})
    span = [today - timedelta(days=d) for d in range(days, 0, -1)]
    made: dict[str, list[str]] = {"communes": [], "centres": [], "kiosks": []}
    now = datetime.now(timezone.utc)
    for n, name in enumerate((COMMUNES * 20)[:communes]):
        suffix = "" if n < len(COMMUNES) else f" {n // len(COMMUNES) + 1}"
        from central.registry import slug
        cid = slug(f"xa {name}{suffix}")
        commune, _ = Unit.objects.get_or_create(id=cid, defaults={"kind": "commune", "name": f"Xã {name}{suffix}",
                                                                  "parent": city})
        centre, _ = Unit.objects.get_or_create(id=f"tt-{cid}", defaults={
            "kind": "centre", "name": f"Trung tâm Phục vụ hành chính công xã {name}{suffix}", "parent": commune})
        kid = f"{cid}-01"
        Kiosk.objects.get_or_create(id=kid, defaults={"centre": centre, "secret": f"{DEMO_SECRET_PREFIX}{kid}-0123456789"})
        quality = 0.8 + 0.18 * rng.random()
        votes = [check_vote(v, kid, i) for i, v in enumerate(make_votes(kid, span, per_day, quality, rng))]
        for i in range(0, len(votes), 5000):
            ingest.ingest(alias, kid, votes[i:i + 5000], [], [{"id": c, "name": nm} for c, nm in COUNTERS], None, now,
                          int(now.timestamp()))
        # Reasons after about half the low ratings, spread over the whole span as citizens give them (the
        # first 40 alone all fell before the pages' default last 30 days, which then showed none).
        low = [v for v in votes if v["level"] in ("KHL", "RKHL") and rng.random() < 0.5]
        reasons = [{"vote_uuid": v["uuid"], "element": rng.choice(("procedure", "officer", "access", "result")),
                    "recorded_at": v["local_time"]} for v in low]
        ingest.ingest(alias, kid, [], reasons, [], {"software_version": "0.1.0", "waiting_votes": 0, "button_boxes": 1,
                                                   "free_disk_mb": 12000, "clock_skew_s": 0.4}, now, int(now.timestamp()))
        made["communes"].append(cid)
        made["centres"].append(centre.id)
        made["kiosks"].append(kid)
    if accounts:
        add_user("admin", "admin", None, DEMO_PASSWORD)
        add_user("so-noi-vu", "city", None, DEMO_PASSWORD)
        add_user("xa-" + made["communes"][0].removeprefix("xa-"), "commune", made["communes"][0], DEMO_PASSWORD)
        # The centre's own account (a centre sees its centre; it enters paper forms): printed by make central.
        add_user("tt-" + made["communes"][0].removeprefix("xa-"), "centre", made["centres"][0], DEMO_PASSWORD)
    return made



DEMO_TAG = "demo"   # entered_by of every demo questionnaire response: clearly not a citizen's
DEMO_RESPONSES = {"kiosk": 30, "phone": 12, "paper": 8}   # per centre and questionnaire


def build_questionnaire_demo(centres: list[str] | None = None, seed: int = 11,
                             per_channel: dict[str, int] | None = None) -> int:
    """Questionnaire responses for the demo, so a newcomer's analysis page is not empty: for every
    centre and offered questionnaire, kiosk, phone and paper responses dated today (the current
    quarter), stored through the service's own writer and tagged ``entered_by = "demo"`` (phone rows
    also ``device = "demo"``, paper rows form numbers from 9001). Returns the number of responses made."""
    from central.models import QAnswer, QResponse
    from central.questionnaires import catalogue
    from central.questionnaires.store import Given, save_response
    rng = random.Random(seed)
    per_channel = per_channel or DEMO_RESPONSES
    units = Unit.objects.filter(kind="centre").order_by("id")
    if centres is not None:
        units = units.filter(id__in=centres)
    made = 0
    for centre in units:
        kiosk = Kiosk.objects.filter(centre=centre).order_by("id").values_list("id", flat=True).first() or ""
        quality = 0.75 + 0.2 * rng.random()
        for q in catalogue.offered():
            scale_ids = {x.id for x in q.scale_questions()}
            for channel, count in per_channel.items():
                asked = q.for_channel(channel)
                for n in range(count):
                    choices = {}
                    for question in asked:
                        if question.kind == "text":
                            continue
                        codes = list(question.codes)
                        if rng.random() < 0.08:
                            choices[question.id] = None          # skipped, as citizens do
                        elif question.id in scale_ids:
                            good = rng.random() < quality
                            choices[question.id] = rng.choice(codes[:2] if good else codes[2:] or codes)
                        else:
                            choices[question.id] = rng.choice(codes)
                    given = Given(choices, {x.id: "" for x in asked if x.kind == "text"})
                    row = save_response(q, centre, channel, given, entered_by=DEMO_TAG,
                                        device=DEMO_TAG if channel == "phone" else "",
                                        form_no=str(9001 + n) if channel == "paper" else "")
                    if channel == "kiosk" and kiosk:
                        QResponse.objects.filter(uuid=row.uuid).update(kiosk_id=kiosk, counter_id=COUNTERS[0][0])
                        QAnswer.objects.filter(response_uuid=row.uuid).update(kiosk_id=kiosk)
                    made += 1
    return made

"""The service's tables. Votes and their roll-ups are written with set-based SQL (:mod:`central.ingest`);
the models give them migrations, the admin-side pages an ORM, and the report model the kiosk's
column names (``votes``, ``vote_reasons``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

UNIT_KINDS = (("city", "Thành phố"), ("commune", "Xã / phường / đặc khu"), ("centre", "Trung tâm PVHCC"))
ROLES = (("admin", "Quản trị"), ("city", "Thành phố"), ("commune", "Xã / phường"), ("centre", "Trung tâm"))


class Unit(models.Model):
    """The city, a commune (xã, phường, đặc khu) or a commune's centre; kiosks belong to a centre."""
    id = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=16, choices=UNIT_KINDS)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    target_pct = models.FloatField(default=90.0)

    class Meta:
        db_table = "units"

    def __str__(self) -> str:
        return self.name


class Kiosk(models.Model):
    """A registered kiosk: its secret (a shared HMAC key, so kept, not hashed), the previous one while a
    rotation overlaps, and when it was retired."""
    id = models.CharField(max_length=64, primary_key=True)
    centre = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="kiosks")
    secret = models.CharField(max_length=200)
    previous_secret = models.CharField(max_length=200, blank=True, default="")
    previous_until = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "kiosks"


class Vote(models.Model):
    """One vote, as the kiosk stored it (the wire fields) plus what the service derives."""
    uuid = models.CharField(max_length=36, primary_key=True)
    kiosk_id = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    counter_id = models.CharField(max_length=64)
    officer = models.CharField(max_length=64, null=True)
    level = models.CharField(max_length=8)
    scale = models.CharField(max_length=16)
    source = models.CharField(max_length=16)
    local_time = models.CharField(max_length=40)
    box_seq = models.IntegerField(null=True)
    flag = models.CharField(max_length=16, null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    local_date = models.CharField(max_length=10)
    ts_ms = models.BigIntegerField()
    out_of_hours = models.IntegerField(null=True)   # the kiosk store's column; not on the wire (yet)
    received_at = models.CharField(max_length=32)
    # Why the vote is held apart from every count (its kiosk's clock: "clock_ahead", "clock_behind"), or
    # null. Set at ingest, cleared only by a person (central.held_back): never deleted, never counted meanwhile.
    held_back = models.CharField(max_length=16, null=True)
    # Why the kiosk itself could not trust its clock when it took the vote (rating.vote's reasons), or null:
    # counted, but a report says how many it filed under a day (the wire's optional field).
    clock_suspect = models.CharField(max_length=24, null=True)
    # The keyed hash of the transaction's ticket or dossier number (the wire's optional ticket_hash, issue 18), or
    # null: a vote tied to a transaction. Only the kiosk holds the key: the service cannot tell the number.
    ticket_hash = models.CharField(max_length=64, null=True)

    class Meta:
        db_table = "votes"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "seq"], name="votes_kiosk_seq")]
        indexes = [models.Index(fields=["local_date", "kiosk_id"], name="votes_by_day"),
                   # Demo votes are few and left out of the roll-ups: a receipt adds them back from here
                   # (a kiosk without any costs one empty index probe).
                   models.Index(fields=["kiosk_id", "local_date"], condition=models.Q(source="demo"),
                                name="votes_demo"),
                   # Held-back votes are few: the health page counts them per kiosk from here.
                   models.Index(fields=["kiosk_id", "held_back"], condition=models.Q(held_back__isnull=False),
                                name="votes_held_back"),
                   # Votes a kiosk marked out of hours are few: the gaming checks list them from here.
                   models.Index(fields=["kiosk_id", "local_date"], condition=models.Q(out_of_hours=1),
                                name="votes_out_of_hours")]


class VoteReason(models.Model):
    """A SIPAS element a voter named for a low rating."""
    vote_uuid = models.CharField(max_length=36)
    element = models.CharField(max_length=32)
    recorded_at = models.CharField(max_length=40)
    received_at = models.CharField(max_length=32)

    class Meta:
        db_table = "vote_reasons"
        constraints = [models.UniqueConstraint(fields=["vote_uuid", "element"], name="vote_reasons_key")]


class CounterName(models.Model):
    """A counter's name as its kiosk last said, with the signed time of the batch that said it (so a
    replayed older batch cannot revert it)."""
    kiosk_id = models.CharField(max_length=64)
    counter_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    sent_ts = models.BigIntegerField(default=0)

    class Meta:
        db_table = "counters"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "counter_id"], name="counters_key")]


class CounterNameHistory(models.Model):
    """Each name a kiosk gave a counter, from the signed time (``from_ts``) of the first batch that
    carried it (issue 17): reports show the name in force in their period (central.counter_names)."""
    kiosk_id = models.CharField(max_length=64)
    counter_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    from_ts = models.BigIntegerField()
    received = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        db_table = "counter_name_history"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "counter_id", "from_ts"],
                                               name="counter_name_history_key")]


class DailyTotal(models.Model):
    """Votes per kiosk, day, counter, officer, scale, level and flag: what pages and receipts read."""
    kiosk_id = models.CharField(max_length=64)
    local_date = models.CharField(max_length=10)
    counter_id = models.CharField(max_length=64)
    officer = models.CharField(max_length=64, default="")   # '' for none: part of the unique key
    scale = models.CharField(max_length=16)
    level = models.CharField(max_length=8)
    flagged = models.IntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "daily_totals"
        constraints = [models.UniqueConstraint(
            fields=["kiosk_id", "local_date", "counter_id", "officer", "scale", "level", "flagged"],
            name="daily_totals_key")]
        # No index by day: pages ask for some kiosks over a period, which the key (kiosk_id, local_date, …)
        # answers; an index by day lured the planner into reading every kiosk's rows.


class KioskDay(models.Model):
    """Votes per kiosk, day, scale, level and flag — the overview's roll-up (a city-year is ~200,000 rows).
    Keyed by scale too, so the overview and the alerts leave votes on another scale apart, as the report does."""
    kiosk_id = models.CharField(max_length=64)
    local_date = models.CharField(max_length=10)
    scale = models.CharField(max_length=16, default="sipas5")
    level = models.CharField(max_length=8)
    flagged = models.IntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "kiosk_days"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "local_date", "scale", "level", "flagged"],
                                               name="kiosk_days_scale_key")]
        # The overview reads every kiosk over a period: a covering index by day answers it from the index.
        indexes = [models.Index(fields=["local_date", "kiosk_id", "scale", "level", "flagged", "n"],
                                name="kiosk_days_by_day_scale")]


class ReasonDay(models.Model):
    """Reasons per kiosk, day (of the vote) and SIPAS element: the commune page's reasons table."""
    kiosk_id = models.CharField(max_length=64)
    local_date = models.CharField(max_length=10)
    element = models.CharField(max_length=32)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "reason_days"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "local_date", "element"], name="reason_days_key")]


class HourTotal(models.Model):
    """Votes per kiosk, day, hour and level: the hour × weekday heat map."""
    kiosk_id = models.CharField(max_length=64)
    local_date = models.CharField(max_length=10)
    hour = models.IntegerField()
    scale = models.CharField(max_length=16)
    level = models.CharField(max_length=8)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "hour_totals"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "local_date", "hour", "scale", "level"],
                                               name="hour_totals_key")]


class ChainState(models.Model):
    """How far a kiosk's chain reaches (its highest seq and that vote's hash) and how many votes are held;
    also the row an ingest locks, so one kiosk's batches are checked one at a time."""
    kiosk_id = models.CharField(max_length=64, primary_key=True)
    head_seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    votes = models.BigIntegerField(default=0)

    class Meta:
        db_table = "chain_state"


class ChainIssue(models.Model):
    """A break or an edited vote found in a kiosk's chain."""
    kiosk_id = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=16)
    detail = models.CharField(max_length=300)
    detected_at = models.CharField(max_length=32)

    class Meta:
        db_table = "chain_issues"
        indexes = [models.Index(fields=["kiosk_id", "seq"], name="chain_issues_by_kiosk")]


class ChainGap(models.Model):
    """A run of missing sequence numbers, first to last: one row however many are missing."""
    kiosk_id = models.CharField(max_length=64)
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    detected_at = models.CharField(max_length=32)

    class Meta:
        db_table = "chain_gaps"
        indexes = [models.Index(fields=["kiosk_id", "first_seq"], name="chain_gaps_by_kiosk")]


class Conflict(models.Model):
    """A vote refused because its UUID or sequence number was already held with other content."""
    kiosk_id = models.CharField(max_length=64)
    uuid = models.CharField(max_length=36)
    detail = models.CharField(max_length=300)
    at = models.CharField(max_length=32)

    class Meta:
        db_table = "conflicts"


class KioskStatus(models.Model):
    """The small status each sync sends (software version, waiting votes, …) and when it came."""
    kiosk_id = models.CharField(max_length=64, primary_key=True)
    last_sync_at = models.CharField(max_length=32)
    status = models.JSONField(default=dict)

    class Meta:
        db_table = "kiosk_status"


class EnrolmentCode(models.Model):
    """A one-time enrolment code for a kiosk (rating.enrolment): only its hash is kept, it expires, and it
    is used once — the kiosk it enrols gets its secret from the answer, never from a person's hands."""
    code_hash = models.CharField(max_length=64, primary_key=True)
    kiosk_id = models.CharField(max_length=64)
    centre = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, default="")
    used_at = models.DateTimeField(null=True, blank=True)
    used_from = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "enrolment_codes"
        indexes = [models.Index(fields=["kiosk_id", "expires_at"], name="enrolment_codes_by_kiosk")]


class KioskCheckin(models.Model):
    """A kiosk's latest check-in (rating.checkin): when it came, the health it carried (the batch's status
    fields), the settings version it runs and its opening hours (the service judges its silence in them)."""
    kiosk_id = models.CharField(max_length=64, primary_key=True)
    at = models.CharField(max_length=32)
    status = models.JSONField(default=dict)
    settings_version = models.CharField(max_length=64, default="0")
    opening_hours = models.JSONField(default=list)
    timezone = models.CharField(max_length=64, default="Asia/Ho_Chi_Minh")
    settings_rejected = models.JSONField(null=True, default=None)   # {"version", "reason"} the kiosk refused

    class Meta:
        db_table = "kiosk_checkins"


class Profile(models.Model):
    """A person's role and, for commune and centre roles, the one unit they may see."""
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="central")
    role = models.CharField(max_length=16, choices=ROLES)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        db_table = "central_profile"


class AuditEntry(models.Model):
    """Who did what: logins (and failed ones), exports, registry changes."""
    at = models.DateTimeField(auto_now_add=True)
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=32)
    detail = models.CharField(max_length=500, blank=True, default="")
    remote = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "audit_log"
        indexes = [models.Index(fields=["action", "remote", "at"], name="audit_by_action")]


# --- The questionnaire (issue 11): the kiosk store's tables and column names, so the kiosk's analysis
# SQL (rating.questionnaire.analysis) runs here unchanged, plus what only the centre's other channels
# have. ``centre_id`` is the centre a response belongs to (its kiosk's centre, or the centre of the
# phone link or paper form): a commune's analysis filters by it. Kiosk answers carry their chain
# (prev_hash, hash); phone and paper answers have none (empty strings).

class QDefinition(models.Model):
    """A questionnaire version as it was answered: its canonical JSON and hash (the file may go)."""
    questionnaire_id = models.CharField(max_length=64)
    version = models.IntegerField()
    definition_hash = models.CharField(max_length=64)
    definition = models.TextField()
    registered_at = models.CharField(max_length=32)

    class Meta:
        db_table = "q_definitions"
        constraints = [models.UniqueConstraint(fields=["questionnaire_id", "version"], name="q_definitions_key")]


class QResponse(models.Model):
    """One citizen's response, on any channel. ``device`` is the phone's cookie token, hashed (never the
    token itself); ``form_no`` the paper form's number; ``flag`` marks a suspicious burst (kept, never deleted)."""
    uuid = models.CharField(max_length=36, primary_key=True)
    kiosk_id = models.CharField(max_length=64, default="")        # '' for phone and paper
    centre_id = models.CharField(max_length=64)
    questionnaire_id = models.CharField(max_length=64)
    version = models.IntegerField()
    definition_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=8)                      # kiosk | phone | paper
    counter_id = models.CharField(max_length=64, null=True)
    started_at = models.CharField(max_length=40)
    local_date = models.CharField(max_length=10)
    finished_at = models.CharField(max_length=40, null=True)
    device = models.CharField(max_length=64, default="")
    form_no = models.CharField(max_length=32, default="")
    flag = models.CharField(max_length=16, null=True)
    entered_by = models.CharField(max_length=150, default="")
    received_at = models.CharField(max_length=32)

    class Meta:
        db_table = "q_responses"
        constraints = [
            # A paper form is entered once per centre and questionnaire version (a second entry is caught).
            models.UniqueConstraint(fields=["centre_id", "questionnaire_id", "version", "form_no"],
                                    condition=~models.Q(form_no=""), name="q_responses_form_once"),
        ]
        indexes = [
            models.Index(fields=["questionnaire_id", "version", "local_date", "channel"], name="q_responses_by_day"),
            models.Index(fields=["centre_id", "questionnaire_id", "version", "device"], name="q_responses_by_device"),
        ]


class QAnswer(models.Model):
    """One answer given (a skip has no choice); an answer given again ``replaces`` the earlier one,
    which is then marked ``replaced`` (the analysis counts only current answers)."""
    uuid = models.CharField(max_length=36, primary_key=True)
    seq = models.BigIntegerField(null=True)                       # the kiosk's answer chain; null off the kiosk
    response_uuid = models.CharField(max_length=36)
    kiosk_id = models.CharField(max_length=64, default="")
    centre_id = models.CharField(max_length=64)
    questionnaire_id = models.CharField(max_length=64)
    version = models.IntegerField()
    definition_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=8)
    counter_id = models.CharField(max_length=64, null=True)
    question_id = models.CharField(max_length=64)
    choice = models.CharField(max_length=16, null=True)
    text = models.TextField(null=True)
    replaces = models.CharField(max_length=36, null=True)
    local_time = models.CharField(max_length=40)
    local_date = models.CharField(max_length=10)
    prev_hash = models.CharField(max_length=64, default="")
    hash = models.CharField(max_length=64, default="")
    replaced = models.IntegerField(default=0)
    received_at = models.CharField(max_length=32)

    class Meta:
        db_table = "q_answers"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "seq"], condition=~models.Q(kiosk_id=""),
                                               name="q_answers_kiosk_seq")]
        indexes = [
            models.Index(fields=["response_uuid", "question_id"], name="q_answers_by_response"),
            # The analysis's GROUP BY order, as on the kiosk (see kiosk/questionnaire/schema.py).
            models.Index(fields=["questionnaire_id", "version", "replaced", "channel", "question_id", "choice",
                                 "local_date"], name="q_answers_analysis"),
            models.Index(fields=["centre_id", "questionnaire_id", "version", "local_date"], name="q_answers_by_centre"),
        ]


class QChainState(models.Model):
    """How far a kiosk's answer chain reaches (its highest answer seq and that answer's hash) and how
    many answers are held; also the row a questionnaire ingest locks, one kiosk's batches one at a time."""
    kiosk_id = models.CharField(max_length=64, primary_key=True)
    head_seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    answers = models.BigIntegerField(default=0)

    class Meta:
        db_table = "q_chain_state"


class QChainIssue(models.Model):
    """A break or an edited answer found in a kiosk's answer chain (gaps are head_seq - answers)."""
    kiosk_id = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=16)
    detail = models.CharField(max_length=300)
    detected_at = models.CharField(max_length=32)

    class Meta:
        db_table = "q_chain_issues"
        indexes = [models.Index(fields=["kiosk_id", "seq"], name="q_chain_issues_by_kiosk")]


# --- Served transactions (issue 18): the response rate's denominator, per day, kiosk and counter. ----------

SERVED_VIA = (("form", "typed on the page"), ("csv", "a CSV uploaded on the page"), ("api", "POST /v1/served"))


class ServedCount(models.Model):
    """How many transactions a counter of a kiosk served on a day, as the centre typed or uploaded it or the
    one-stop system posted it (``via``); a new number for the same day replaces the old (who and when kept)."""
    kiosk_id = models.CharField(max_length=64)
    local_date = models.CharField(max_length=10)
    counter_id = models.CharField(max_length=64)
    served = models.IntegerField()
    via = models.CharField(max_length=8, choices=SERVED_VIA)
    updated_by = models.CharField(max_length=150, blank=True, default="")   # an account, or "token:<id>"
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "served_counts"
        # The key is also the pages' lookup: some kiosks over a period (the roll-ups' order).
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "local_date", "counter_id"], name="served_key")]


class ServedToken(models.Model):
    """A commune's token for ``POST /v1/served``: only its SHA-256 is kept (the token is shown once)."""
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="served_tokens")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True, default="")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "served_tokens"


class VerificationCode(models.Model):
    """An II.7 table the service issued (issue 18): its verification code and what the table says (the
    facts of :func:`rating.report.issued.table_facts`, as JSON), kept from the first issue on — so that
    ``/kiem-tra/<code>`` shows an inspector what a printed page must say."""
    code = models.CharField(max_length=16, primary_key=True)
    unit_id = models.CharField(max_length=64)
    d_from = models.CharField(max_length=10)
    d_to = models.CharField(max_length=10)
    facts = models.TextField()
    issued_at = models.CharField(max_length=32)

    class Meta:
        db_table = "verification_codes"
        indexes = [models.Index(fields=["unit_id", "d_from"], name="verification_codes_by_unit")]


class AnomalyNote(models.Model):
    """A commune's explanation of a gaming-check finding (central.anomalies): kept with who wrote it and
    when (also an audit line), shown beside the finding and in the II.7 annex of any period that covers
    the finding's days. Never edited: a second explanation is a second row."""
    finding = models.CharField(max_length=200)          # the finding's id, "check:key" (stable across runs)
    centre = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="anomaly_notes")
    check = models.CharField(max_length=32)
    first_day = models.CharField(max_length=10)
    last_day = models.CharField(max_length=10)
    text = models.TextField()
    written_by = models.CharField(max_length=150)
    written_at = models.DateTimeField()

    class Meta:
        db_table = "anomaly_notes"
        indexes = [models.Index(fields=["finding"], name="anomaly_notes_by_finding"),
                   models.Index(fields=["centre", "first_day"], name="anomaly_notes_by_centre")]


class SettingsChange(models.Model):
    """One saved version of a level's managed settings (issue 17; rating.managed): a commune's or a centre's
    defaults (``level`` "unit") or a kiosk's overrides ("kiosk"). Rows are only added: the newest of a level
    is in force, the others are its history; ``id`` orders them and makes the kiosk's version number."""
    id = models.BigAutoField(primary_key=True)
    level = models.CharField(max_length=8)          # "unit" | "kiosk"
    target = models.CharField(max_length=64)        # the unit's or the kiosk's id
    fragment = models.JSONField(default=dict)       # the kiosk TOML's own sections and keys
    at = models.DateTimeField()
    by = models.CharField(max_length=150, default="")

    class Meta:
        db_table = "managed_settings"
        indexes = [models.Index(fields=["level", "target", "id"], name="managed_settings_by_target")]


# --- Acting on low ratings (issue 18): "Việc cần khắc phục" -------------------------------------------------

class ActionItem(models.Model):
    """What a centre did about the low ratings (KHL, RKHL) of one counter of one kiosk in one week (``week``:
    its Monday). The item itself — counts, levels, reasons, its due date — is computed from the votes
    (:mod:`central.actions`); this row holds only the people's steps: acknowledged, an action written, closed
    (each with who and when). Nothing in it identifies a citizen."""
    kiosk_id = models.CharField(max_length=64)
    counter_id = models.CharField(max_length=64)
    week = models.CharField(max_length=10)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True, default="")
    action = models.TextField(blank=True, default="")
    action_at = models.DateTimeField(null=True, blank=True)
    action_by = models.CharField(max_length=150, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        db_table = "action_items"
        constraints = [models.UniqueConstraint(fields=["kiosk_id", "counter_id", "week"], name="action_items_key")]


# --- Campaigns and paper form numbering (issue 17) -------------------------------------------------------

CAMPAIGN_MODES = (("invite", "after the rating"), ("replace", "instead of the rating"))


class Campaign(models.Model):
    """A questionnaire version started on every kiosk of some units (``CampaignUnit``), with a mode and its
    days; delivered in the check-in's answer (rating.campaign). ``owner`` is the commune that started it
    (null: the city); ``stopped_at`` ends it before its last day."""
    questionnaire_id = models.CharField(max_length=64)
    version = models.IntegerField()
    definition_hash = models.CharField(max_length=64)
    mode = models.CharField(max_length=8, choices=CAMPAIGN_MODES)
    d_from = models.CharField(max_length=10)
    d_until = models.CharField(max_length=10)
    owner = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "campaigns"


class CampaignUnit(models.Model):
    """A commune (or a centre) a campaign runs in, and the households typed for its sample (null: the
    served transactions of the year before the campaign)."""
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    households = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "campaign_units"
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="campaign_units_key")]


class CampaignKiosk(models.Model):
    """What a kiosk last reported of a campaign in its check-in (rating.campaign.STATES) and why."""
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="kiosks")
    kiosk_id = models.CharField(max_length=64)
    state = models.CharField(max_length=16)
    reason = models.CharField(max_length=200, blank=True, default="")
    at = models.CharField(max_length=32)

    class Meta:
        db_table = "campaign_kiosks"
        constraints = [models.UniqueConstraint(fields=["campaign", "kiosk_id"], name="campaign_kiosks_key")]


class PaperRun(models.Model):
    """A print run of numbered paper forms, ``first`` to ``last``, for a centre and questionnaire version:
    the next run continues after the highest number issued (a unique ``first`` keeps two clerks printing at
    once from getting the same numbers)."""
    centre_id = models.CharField(max_length=64)
    questionnaire_id = models.CharField(max_length=64)
    version = models.IntegerField()
    first = models.BigIntegerField()
    last = models.BigIntegerField()
    printed_by = models.CharField(max_length=150, blank=True, default="")
    printed_at = models.DateTimeField()

    class Meta:
        db_table = "paper_runs"
        constraints = [models.UniqueConstraint(fields=["centre_id", "questionnaire_id", "version", "first"],
                                               name="paper_runs_key")]


PAPER_MARKS = (("returned", "returned blank or unreadable, kept"), ("void", "spoilt, lost or destroyed"))


class PaperMark(models.Model):
    """A form marked by the office as returned (back at the centre, not entered) or void; an entered form
    needs no mark (entering it says it came back)."""
    centre_id = models.CharField(max_length=64)
    questionnaire_id = models.CharField(max_length=64)
    version = models.IntegerField()
    form_no = models.BigIntegerField()
    state = models.CharField(max_length=8, choices=PAPER_MARKS)
    marked_by = models.CharField(max_length=150, blank=True, default="")
    marked_at = models.DateTimeField()

    class Meta:
        db_table = "paper_marks"
        constraints = [models.UniqueConstraint(fields=["centre_id", "questionnaire_id", "version", "form_no"],
                                               name="paper_marks_key")]

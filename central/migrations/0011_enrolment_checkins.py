"""Enrolment codes (kept hashed, single use, expiring) and each kiosk's latest check-in (issue 17)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("central", "0010_votes_clock_suspect")]

    operations = [
        migrations.CreateModel(
            name="EnrolmentCode",
            fields=[
                ("code_hash", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("kiosk_id", models.CharField(max_length=64)),
                ("centre", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to="central.unit")),
                ("created_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("created_by", models.CharField(default="", max_length=150)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("used_from", models.CharField(blank=True, default="", max_length=64)),
            ],
            options={"db_table": "enrolment_codes",
                     "indexes": [models.Index(fields=["kiosk_id", "expires_at"], name="enrolment_codes_by_kiosk")]},
        ),
        migrations.CreateModel(
            name="KioskCheckin",
            fields=[
                ("kiosk_id", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("at", models.CharField(max_length=32)),
                ("status", models.JSONField(default=dict)),
                ("settings_version", models.CharField(default="0", max_length=64)),
                ("opening_hours", models.JSONField(default=list)),
                ("timezone", models.CharField(default="Asia/Ho_Chi_Minh", max_length=64)),
            ],
            options={"db_table": "kiosk_checkins"},
        ),
    ]

"""Managed settings (issue 17): each commune's, centre's and kiosk's versions, and what a kiosk refused."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("central", "0014_anomaly_notes")]

    operations = [
        migrations.CreateModel(
            name="SettingsChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("level", models.CharField(max_length=8)),
                ("target", models.CharField(max_length=64)),
                ("fragment", models.JSONField(default=dict)),
                ("at", models.DateTimeField()),
                ("by", models.CharField(default="", max_length=150)),
            ],
            options={"db_table": "managed_settings",
                     "indexes": [models.Index(fields=["level", "target", "id"], name="managed_settings_by_target")]},
        ),
        migrations.AddField(
            model_name="kioskcheckin",
            name="settings_rejected",
            field=models.JSONField(default=None, null=True),
        ),
    ]

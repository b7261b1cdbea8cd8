"""kiosk_days keyed by scale: the overview and the alerts leave votes on another scale apart, as the II.7
report does. The roll-up is rebuilt from the votes (set-based), so a database of any age comes out right."""

from django.db import migrations, models

_FLAGGED = "CASE WHEN flag IS NULL THEN 0 ELSE 1 END"


def rebuild(apps, schema_editor):
    """kiosk_days from the counted votes (not demo, not held back), as central.rollups does it."""
    with schema_editor.connection.cursor() as cur:
        cur.execute("DELETE FROM kiosk_days")
        cur.execute(f"INSERT INTO kiosk_days (kiosk_id, local_date, scale, level, flagged, n) "
                    f"SELECT kiosk_id, local_date, scale, level, {_FLAGGED}, count(*) FROM votes "
                    f"WHERE source <> 'demo' AND held_back IS NULL "
                    f"GROUP BY kiosk_id, local_date, scale, level, {_FLAGGED}")


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0008_votes_held_back'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='kioskday', name='kiosk_days_key'),
        migrations.RemoveIndex(model_name='kioskday', name='kiosk_days_by_day'),
        migrations.AddField(model_name='kioskday', name='scale',
                            field=models.CharField(default='sipas5', max_length=16)),
        migrations.AddConstraint(
            model_name='kioskday',
            constraint=models.UniqueConstraint(fields=('kiosk_id', 'local_date', 'scale', 'level', 'flagged'),
                                               name='kiosk_days_scale_key'),
        ),
        migrations.AddIndex(
            model_name='kioskday',
            index=models.Index(fields=['local_date', 'kiosk_id', 'scale', 'level', 'flagged', 'n'],
                               name='kiosk_days_by_day_scale'),
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]

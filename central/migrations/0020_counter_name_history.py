"""Counter names through time (issue 17), started from the names the service holds now (each from the
batch that set it; a report for an earlier period shows a counter's first known name)."""

from django.db import migrations, models


def copy_current(apps, schema_editor):
    alias = schema_editor.connection.alias
    current = apps.get_model("central", "CounterName").objects.using(alias)
    history = apps.get_model("central", "CounterNameHistory")
    history.objects.using(alias).bulk_create(
        [history(kiosk_id=c.kiosk_id, counter_id=c.counter_id, name=c.name, from_ts=c.sent_ts) for c in current.all()])


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0019_campaigns'),
    ]

    operations = [
        migrations.CreateModel(
            name='CounterNameHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kiosk_id', models.CharField(max_length=64)),
                ('counter_id', models.CharField(max_length=64)),
                ('name', models.CharField(max_length=200)),
                ('from_ts', models.BigIntegerField()),
                ('received', models.CharField(blank=True, default='', max_length=32)),
            ],
            options={
                'db_table': 'counter_name_history',
                'constraints': [models.UniqueConstraint(fields=('kiosk_id', 'counter_id', 'from_ts'),
                                                        name='counter_name_history_key')],
            },
        ),
        migrations.RunPython(copy_current, migrations.RunPython.noop),
    ]

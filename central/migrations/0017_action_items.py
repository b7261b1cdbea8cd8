"""The people's steps on the items of "Việc cần khắc phục" (issue 18). Depends on 0013 (the lead re-chains
after 0014–0016)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0015_managed_settings'),
    ]

    operations = [
        migrations.CreateModel(
            name='ActionItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kiosk_id', models.CharField(max_length=64)),
                ('counter_id', models.CharField(max_length=64)),
                ('week', models.CharField(max_length=10)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('acknowledged_by', models.CharField(blank=True, default='', max_length=150)),
                ('action', models.TextField(blank=True, default='')),
                ('action_at', models.DateTimeField(blank=True, null=True)),
                ('action_by', models.CharField(blank=True, default='', max_length=150)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('closed_by', models.CharField(blank=True, default='', max_length=150)),
            ],
            options={
                'db_table': 'action_items',
                'constraints': [models.UniqueConstraint(fields=('kiosk_id', 'counter_id', 'week'), name='action_items_key')],
            },
        ),
    ]

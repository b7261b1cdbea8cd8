"""Served transactions per day, kiosk and counter (issue 18), and the communes' tokens for POST /v1/served."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0011_enrolment_checkins'),
    ]

    operations = [
        migrations.CreateModel(
            name='ServedCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kiosk_id', models.CharField(max_length=64)),
                ('local_date', models.CharField(max_length=10)),
                ('counter_id', models.CharField(max_length=64)),
                ('served', models.IntegerField()),
                ('via', models.CharField(choices=[('form', 'typed on the page'), ('csv', 'a CSV uploaded on the page'), ('api', 'POST /v1/served')], max_length=8)),
                ('updated_by', models.CharField(blank=True, default='', max_length=150)),
                ('updated_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'served_counts',
                'constraints': [models.UniqueConstraint(fields=('kiosk_id', 'local_date', 'counter_id'), name='served_key')],
            },
        ),
        migrations.CreateModel(
            name='ServedToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('label', models.CharField(blank=True, default='', max_length=100)),
                ('created_by', models.CharField(blank=True, default='', max_length=150)),
                ('created_at', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='served_tokens', to='central.unit')),
            ],
            options={
                'db_table': 'served_tokens',
            },
        ),
    ]

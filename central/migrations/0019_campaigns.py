"""Campaigns (a questionnaire started on the kiosks of the units picked, what each kiosk reported) and the
numbered paper print runs with the forms marked returned or void (issue 17)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0018_vote_ticket'),
    ]

    operations = [
        migrations.CreateModel(
            name='Campaign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('questionnaire_id', models.CharField(max_length=64)),
                ('version', models.IntegerField()),
                ('definition_hash', models.CharField(max_length=64)),
                ('mode', models.CharField(choices=[('invite', 'after the rating'), ('replace', 'instead of the rating')], max_length=8)),
                ('d_from', models.CharField(max_length=10)),
                ('d_until', models.CharField(max_length=10)),
                ('created_by', models.CharField(blank=True, default='', max_length=150)),
                ('created_at', models.DateTimeField()),
                ('stopped_at', models.DateTimeField(blank=True, null=True)),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='central.unit')),
            ],
            options={
                'db_table': 'campaigns',
            },
        ),
        migrations.CreateModel(
            name='PaperMark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('centre_id', models.CharField(max_length=64)),
                ('questionnaire_id', models.CharField(max_length=64)),
                ('version', models.IntegerField()),
                ('form_no', models.BigIntegerField()),
                ('state', models.CharField(choices=[('returned', 'returned blank or unreadable, kept'), ('void', 'spoilt, lost or destroyed')], max_length=8)),
                ('marked_by', models.CharField(blank=True, default='', max_length=150)),
                ('marked_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'paper_marks',
                'constraints': [models.UniqueConstraint(fields=('centre_id', 'questionnaire_id', 'version', 'form_no'), name='paper_marks_key')],
            },
        ),
        migrations.CreateModel(
            name='PaperRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('centre_id', models.CharField(max_length=64)),
                ('questionnaire_id', models.CharField(max_length=64)),
                ('version', models.IntegerField()),
                ('first', models.BigIntegerField()),
                ('last', models.BigIntegerField()),
                ('printed_by', models.CharField(blank=True, default='', max_length=150)),
                ('printed_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'paper_runs',
                'constraints': [models.UniqueConstraint(fields=('centre_id', 'questionnaire_id', 'version', 'first'), name='paper_runs_key')],
            },
        ),
        migrations.CreateModel(
            name='CampaignKiosk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kiosk_id', models.CharField(max_length=64)),
                ('state', models.CharField(max_length=16)),
                ('reason', models.CharField(blank=True, default='', max_length=200)),
                ('at', models.CharField(max_length=32)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='kiosks', to='central.campaign')),
            ],
            options={
                'db_table': 'campaign_kiosks',
                'constraints': [models.UniqueConstraint(fields=('campaign', 'kiosk_id'), name='campaign_kiosks_key')],
            },
        ),
        migrations.CreateModel(
            name='CampaignUnit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('households', models.IntegerField(blank=True, null=True)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='units', to='central.campaign')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='central.unit')),
            ],
            options={
                'db_table': 'campaign_units',
                'constraints': [models.UniqueConstraint(fields=('campaign', 'unit'), name='campaign_units_key')],
            },
        ),
    ]

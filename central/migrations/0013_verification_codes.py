"""The II.7 tables the service issued, by verification code (issue 18)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0012_served_counts'),
    ]

    operations = [
        migrations.CreateModel(
            name='VerificationCode',
            fields=[
                ('code', models.CharField(max_length=16, primary_key=True, serialize=False)),
                ('unit_id', models.CharField(max_length=64)),
                ('d_from', models.CharField(max_length=10)),
                ('d_to', models.CharField(max_length=10)),
                ('facts', models.TextField()),
                ('issued_at', models.CharField(max_length=32)),
            ],
            options={
                'db_table': 'verification_codes',
                'indexes': [models.Index(fields=['unit_id', 'd_from'], name='verification_codes_by_unit')],
            },
        ),
    ]

"""Votes whose kiosk's clock cannot be right are held apart from every count until a person looks."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0007_perf_demo_votes'),
    ]

    operations = [
        migrations.AddField(
            model_name='vote',
            name='held_back',
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddIndex(
            model_name='vote',
            index=models.Index(condition=models.Q(('held_back__isnull', False)), fields=['kiosk_id', 'held_back'],
                               name='votes_held_back'),
        ),
    ]

"""A kiosk's own doubt about its clock when it took a vote (the wire's optional clock_suspect), stored."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0009_kiosk_days_by_scale'),
    ]

    operations = [
        migrations.AddField(
            model_name='vote',
            name='clock_suspect',
            field=models.CharField(max_length=24, null=True),
        ),
    ]

"""A vote tied to a transaction (issue 18): the wire's optional ticket_hash, the keyed hash of the ticket or
dossier number (never the number), stored; the reports count "ratings tied to a transaction" from it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('central', '0017_action_items'),
    ]

    operations = [
        migrations.AddField(
            model_name='vote',
            name='ticket_hash',
            field=models.CharField(max_length=64, null=True),
        ),
    ]

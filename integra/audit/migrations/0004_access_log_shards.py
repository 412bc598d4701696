"""The access log in several hash chains (``shard``), each numbered on its own.

Existing rows become chain 0 in format version 1 (their hashes do not cover the chain or the
version, see ``integra/audit/chain.py``); new rows are version 2. Adding the columns with a
constant default rewrites no row, so no UPDATE reaches the append-only trigger. Stop every
writer of the old code before migrating: it would number rows across all chains.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_accesslog_subject_org_index"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="accesslog",
            options={
                "ordering": ["-id"],
                "verbose_name": "accesso registrato",
                "verbose_name_plural": "registro degli accessi",
            },
        ),
        migrations.AddField(
            model_name="accesslog",
            name="shard",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="catena"),
        ),
        # Version 1 for the rows already there, then 2 as the default of new rows.
        migrations.AddField(
            model_name="accesslog",
            name="version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="formato"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="version",
            field=models.PositiveSmallIntegerField(default=2, verbose_name="formato"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="seq",
            field=models.BigIntegerField(verbose_name="progressivo"),
        ),
        migrations.AddConstraint(
            model_name="accesslog",
            constraint=models.UniqueConstraint(
                fields=("shard", "seq"), name="accesslog_shard_seq_uniq"
            ),
        ),
    ]

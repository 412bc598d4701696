# The access log grows without end: build the index without locking writers out.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0002_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="accesslog",
            index=models.Index(
                fields=["subject_organization_id", "at"], name="accesslog_subject_org_at_idx"
            ),
        ),
    ]

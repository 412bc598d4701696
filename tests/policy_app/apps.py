from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _let_flush_truncate_the_access_log(using: str = "default", **kwargs: Any) -> None:
    """Let Django's ``flush`` empty the access log between transactional tests.

    The access log refuses TRUNCATE (a statement trigger), and ``flush`` — run after every
    ``django_db(transaction=True)`` test — truncates every table. In the *test* database only,
    that one trigger is disabled; ``tests/audit/test_integrity.py`` enables it again inside its
    own transaction to prove the refusal. The UPDATE/DELETE trigger stays on everywhere.
    """
    from integra.audit.models import AccessLog

    (trigger,) = (t for t in AccessLog._meta.triggers if t.name == "accesslog_no_truncate")  # type: ignore[attr-defined]
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{AccessLog._meta.db_table}" '
            f'DISABLE TRIGGER "{trigger.get_pgid(AccessLog)}"'
        )


class PolicyAppConfig(AppConfig):
    name = "tests.policy_app"
    label = "policy_app"

    def ready(self) -> None:
        from tests.policy_app import access  # noqa: F401

        post_migrate.connect(_let_flush_truncate_the_access_log, sender=self)

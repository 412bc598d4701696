"""``manage.py check --deploy``: the audit trail's production settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not getattr(settings, "DATABASE_APP_ROLE", ""):
        messages.append(
            Warning(
                "The application connects to the database as the owner of the tables.",
                hint=(
                    "Set DATABASE_URL to a role that owns nothing and DATABASE_OWNER_URL to the "
                    "owner (README, 'Database roles'): otherwise whoever holds the "
                    "application's credentials can rewrite the audit trail."
                ),
                id="audit.W001",
            )
        )
    if not getattr(settings, "AUDIT_CHECKPOINT_KEY", ""):
        messages.append(
            Warning(
                "AUDIT_CHECKPOINT_KEY is not set: audit checkpoints are signed with a key "
                "generated into AUDIT_CHECKPOINT_KEY_FILE.",
                hint=(
                    "Give a random key of at least 32 characters in the environment, kept "
                    "out of the database administrators' reach."
                ),
                id="audit.W002",
            )
        )
    return messages

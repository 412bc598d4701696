"""``check --deploy`` warns when the application could rewrite the audit trail or the
checkpoints are signed with a generated key."""

from __future__ import annotations

from integra.audit.checks import audit_settings_check


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_production_settings_give_no_warning(settings) -> None:
    settings.DATABASE_APP_ROLE = "integra_app"
    settings.AUDIT_CHECKPOINT_KEY = "k" * 32
    assert audit_settings_check() == []


def test_one_role_for_everything_is_warned(settings) -> None:
    settings.DATABASE_APP_ROLE = ""
    settings.AUDIT_CHECKPOINT_KEY = "k" * 32
    assert ids(audit_settings_check()) == ["audit.W001"]


def test_generated_checkpoint_key_is_warned(settings) -> None:
    settings.DATABASE_APP_ROLE = "integra_app"
    settings.AUDIT_CHECKPOINT_KEY = ""
    assert ids(audit_settings_check()) == ["audit.W002"]

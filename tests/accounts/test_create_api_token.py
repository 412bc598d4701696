"""manage.py create_api_token"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from integra.accounts.models import ApiToken
from integra.core.permissions import Role
from tests.factories import MembershipFactory, UserFactory


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_the_token_on_the_last_line_and_it_works(social_worker) -> None:
    lines = run(social_worker.user.username, "--name", "integrazione")
    raw = lines[-1]
    assert raw.startswith("itg_") and " " not in raw
    assert "Comune di Alfa" in lines[0]
    token = ApiToken.objects.get()
    assert token.name == "integrazione"
    assert token.expires_at is None

    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["membership_id"] == social_worker.pk


def test_organization_code_chooses_among_several(social_worker, org_b) -> None:
    nurse = MembershipFactory(user=social_worker.user, organization=org_b, roles=[Role.NURSE])
    raw = run(social_worker.user.username, "--organization", "asst-beta")[-1]
    assert ApiToken.objects.get().membership == nurse
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert me["organization"] == "ASST Beta"
    assert me["roles"] == ["nurse"]


def test_ambiguous_membership_lists_the_choices(social_worker, org_b) -> None:
    MembershipFactory(user=social_worker.user, organization=org_b, roles=[Role.NURSE])
    with pytest.raises(CommandError) as err:
        run(social_worker.user.username)
    message = str(err.value)
    assert "appartiene a più enti" in message
    assert "--organization" in message
    assert "asst-beta  ASST Beta (Infermiere)" in message
    assert "comune-alfa  Comune di Alfa (Assistente sociale)" in message
    assert not ApiToken.objects.exists()


def test_expires_days(social_worker) -> None:
    before = timezone.now()
    run(social_worker.user.username, "--expires-days", "30")
    token = ApiToken.objects.get()
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nessuno"], "Operatore «nessuno» inesistente o disattivato."),
        (["senza-ente"], "L'operatore «senza-ente» non ha appartenenze attive a un ente."),
        (
            ["senza-ente", "--organization", "comune-alfa"],
            "non ha un'appartenenza attiva presso l'ente con codice «comune-alfa».",
        ),
        (
            ["senza-ente", "--expires-days", "0"],
            "--expires-days deve essere un numero intero di giorni, almeno 1.",
        ),
    ],
)
def test_errors_are_italian_command_errors(args, message) -> None:
    UserFactory(username="senza-ente")
    with pytest.raises(CommandError) as err:
        run(*args)
    assert message in str(err.value)
    assert not ApiToken.objects.exists()


def test_command_exits_non_zero_from_the_shell(social_worker, org_b, capsys) -> None:
    MembershipFactory(user=social_worker.user, organization=org_b, roles=[Role.NURSE])
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "create_api_token", social_worker.user.username])
    assert exit_info.value.code == 1
    assert "appartiene a più enti" in capsys.readouterr().err

"""manage.py create_api_token"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from integra.accounts.models import ApiToken
from integra.core.permissions import Role
from tests.factories import MembershipFactory, UserFactory
from tests.production import REPO, production_environment


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


# --- the README's command as a new user types it ---------------------------------------------


def test_beside_the_demo_manage_py_needs_no_secret_key(monkeypatch) -> None:
    """With DATABASE_URL unset (the embedded PostgreSQL in ./var that `make demo` runs on),
    manage.py allows the development key, as the demo's own commands do: the README's
    `.venv/bin/python manage.py create_api_token assistente.sociale` works as written."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INTEGRA_ALLOW_INSECURE_KEY", raising=False)
    monkeypatch.setattr(sys, "argv", ["manage.py", "create_api_token", "assistente.sociale"])
    seen: dict[str, object] = {}

    def execute(argv: list[str]) -> None:
        seen.update(argv=argv, allow=os.environ.get("INTEGRA_ALLOW_INSECURE_KEY"))

    monkeypatch.setattr("django.core.management.execute_from_command_line", execute)
    runpy.run_path(str(REPO / "manage.py"), run_name="__main__")
    assert seen == {
        "argv": ["manage.py", "create_api_token", "assistente.sociale"],
        "allow": "1",
    }


def test_on_a_server_database_manage_py_leaves_the_key_to_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://integra_app@db.example.internal/integra")
    monkeypatch.delenv("INTEGRA_ALLOW_INSECURE_KEY", raising=False)
    monkeypatch.setattr(sys, "argv", ["manage.py", "check"])
    seen: dict[str, object] = {}
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: seen.update(allow=os.environ.get("INTEGRA_ALLOW_INSECURE_KEY")),
    )
    runpy.run_path(str(REPO / "manage.py"), run_name="__main__")
    assert seen == {"allow": None}


def _shell(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "create_api_token", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_from_the_shell_in_production(org_a, make_membership) -> None:
    """The documented production environment (a server database, a secret key): the token
    printed by the command works against the API."""
    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    result = _shell(production_environment(), membership.user.username)
    assert result.returncode == 0, result.stderr
    raw = result.stdout.splitlines()[-1]
    assert raw.startswith("itg_")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["membership_id"] == membership.pk


@pytest.mark.django_db
def test_from_the_shell_in_production_without_a_key_it_refuses() -> None:
    result = _shell(production_environment(SECRET_KEY=""), "assistente.sociale")
    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert not ApiToken.objects.exists()

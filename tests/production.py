"""The documented production environment (deploy/integra.env.example), for tests that start
Integra in a subprocess as production would: no variable inherited from the test run."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = REPO / "deploy" / "integra.env.example"


def database_url(*, role: str = "", password: str = "") -> str:
    """The URL of the test database this run uses (a server or the embedded PostgreSQL), as
    the owner this run connects as, or as ``role``."""
    settings_dict = connection.settings_dict
    socket_dir = settings_dict.get("OPTIONS", {}).get("host")  # the embedded server's socket
    address = (
        f"/{settings_dict['NAME']}?host={socket_dir}"
        if socket_dir
        else f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
        f"/{settings_dict['NAME']}"
    )
    user = role or settings_dict["USER"]
    secret = password if role else settings_dict["PASSWORD"] or ""
    return f"postgres://{user}:{secret}@{address}"


def documented_environment() -> dict[str, str]:
    """KEY=VALUE lines of the example file, as written."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def production_environment(**overrides: str) -> dict[str, str]:
    """The example file with a real secret key and this run's database, on a bare process
    environment (PATH and HOME only): nothing from the test run (INTEGRA_ALLOW_INSECURE_KEY,
    DEBUG...) leaks in. An override of "" removes the variable."""
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env.update(documented_environment())
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        # The two roles of README "Database roles": the app connects as the one that owns
        # nothing, migrations as the owner.
        DATABASE_URL=database_url(
            role=settings.DATABASE_APP_ROLE, password=settings.DATABASE_APP_PASSWORD or ""
        ),
        DATABASE_OWNER_URL=database_url(),
        DJANGO_SETTINGS_MODULE="integra.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value != ""}

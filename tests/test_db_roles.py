"""``integra/db_roles.py``: reading the roles from the URLs, and what ``make db`` does with the
environment. (Creating roles needs a superuser: ``make``, ``.ci/run`` and the embedded server
do it; the suite itself runs as the application's role, see tests/security.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from integra.db_roles import (
    RoleLogin,
    database_name,
    ensure_database_roles,
    ensure_from_environment,
)


def test_role_and_password_from_a_url() -> None:
    assert RoleLogin.from_url("postgres://integra_app:s%40cret@db:5432/integra") == RoleLogin(
        "integra_app", "s@cret"
    )
    assert RoleLogin.from_url("postgresql://integra_owner@/integra?host=/var/run") == RoleLogin(
        "integra_owner", None
    )
    with pytest.raises(ValueError, match="names no user"):
        RoleLogin.from_url("postgres://db:5432/integra")


def test_database_name_from_a_url() -> None:
    assert database_name("postgresql://integra_app@/integra?host=/var/run") == "integra"
    with pytest.raises(ValueError, match="names no database"):
        database_name("postgres://integra_app:pw@db:5432")


def test_one_role_for_both_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="two different roles"):
        ensure_database_roles(
            admin_url="postgres://postgres@unreachable.invalid/postgres",
            database="integra",
            owner=RoleLogin("integra"),
            app=RoleLogin("integra"),
        )


def test_without_an_admin_url_a_server_is_left_alone(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://integra_app@unreachable.invalid/integra")
    monkeypatch.delenv("DATABASE_ADMIN_URL", raising=False)
    assert ensure_from_environment(Path(".")) == (
        "DATABASE_ADMIN_URL unset: the database roles are left as they are"
    )


@pytest.mark.parametrize(
    ("owner_url", "message"),
    [
        ("", "DATABASE_OWNER_URL must name the owner role"),
        ("postgres://integra_owner@unreachable.invalid/other", "must name the same database"),
    ],
)
def test_inconsistent_urls_are_refused(monkeypatch, owner_url: str, message: str) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://integra_app@unreachable.invalid/integra")
    monkeypatch.setenv("DATABASE_ADMIN_URL", "postgres://postgres@unreachable.invalid/postgres")
    monkeypatch.setenv("DATABASE_OWNER_URL", owner_url)
    with pytest.raises(SystemExit, match=message):
        ensure_from_environment(Path("."))

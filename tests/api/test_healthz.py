"""GET /healthz (integra/core/views.py): for load balancers and monitoring, no login."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from integra.core.permissions import Role


@pytest.mark.django_db
def test_healthz_ok_without_login(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client: Client, monkeypatch) -> None:
    class DownDatabase:
        def cursor(self):
            raise OperationalError("server closed the connection unexpectedly")

    # Only the probe's connection is replaced: sessions and middleware keep the real one.
    monkeypatch.setattr("integra.core.views.connection", DownDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_healthz_is_reachable_for_an_admin_without_second_factor(
    client: Client, org_a, make_membership
) -> None:
    admin = make_membership(org_a, Role.ORG_ADMIN)
    client.force_login(admin.user)
    assert client.get("/").status_code == 302  # everything else waits for the code
    assert client.get("/healthz").status_code == 200

"""The API documentation page loads its assets from our own static files, never from a CDN."""

from __future__ import annotations

import re

import pytest


@pytest.mark.django_db
def test_swagger_ui_uses_bundled_static_files(client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    assert all(a.startswith("/static/") for a in assets), assets

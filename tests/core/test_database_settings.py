"""The database session the application opens (integra/settings.py)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_jit_is_off_for_the_web_workload() -> None:
    # Issue 11: at one million persons the JIT compiled for about a second on a list query.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

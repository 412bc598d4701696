"""The shared world of the security tests, built once per module.

The world is written inside a transaction opened for the module and rolled back when the module
ends: each test runs in a savepoint of it (pytest-django's ``db``), so what a test writes is
undone, the world stays as built, and nothing is ever committed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test.utils import override_settings

from tests.security.world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    files = override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"))
    files.enable()
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            files.disable()
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        files.disable()


@pytest.fixture(autouse=True)
def _person_gate_template_guard(db, _person_gate_template_guard):
    """Every test of the package uses the database: in a savepoint of the module's world.

    Requested before the suite's template guard (tests/conftest.py), so the guard's check after
    the test (the persons its pages loaded, read as their actor) still finds the database."""
    return _person_gate_template_guard

"""Settings for the test suite: the product settings plus a test-only app used to prove the
access policy on a model that carries health fields."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("INTEGRA_ALLOW_INSECURE_KEY", "1")
os.environ.setdefault("AXES_FAILURE_LIMIT", "3")

from integra.settings import *  # noqa: F403
from integra.settings import DATABASE_APP_ROLE, DATABASE_OWNER, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.policy_app"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = 3

# The test database is created and migrated by the owner; every test then runs as the
# application's role (tests/db_roles.py). With one superuser DATABASE_URL, the suite uses an
# `integra_app` role of its own.
DATABASE_APP_PASSWORD = DATABASES["default"].get("PASSWORD") if DATABASE_APP_ROLE else ""
DATABASES["default"].update(
    {key: DATABASE_OWNER.get(key) or "" for key in ("USER", "PASSWORD", "HOST", "PORT")}
)
DATABASES["default"]["OPTIONS"] = dict(DATABASE_OWNER.get("OPTIONS") or {})
DATABASE_APP_ROLE = DATABASE_APP_ROLE or "integra_app"

# Checkpoints of the audit trail only where a test asks for them, never into ./var.
AUDIT_CHECKPOINT_INTERVAL = 0
_AUDIT_DIR = Path(tempfile.mkdtemp(prefix="integra-test-audit-"))
AUDIT_CHECKPOINT_FILE = str(_AUDIT_DIR / "checkpoints.jsonl")
AUDIT_CHECKPOINT_KEY = "test-checkpoint-key-not-secret"
AUDIT_CHECKPOINT_KEY_FILE = _AUDIT_DIR / "checkpoint.key"

# Tests run over plain http, like the demo: no redirect to https, cookies sent without TLS.
# The production defaults are checked in a subprocess (tests/core/test_deploy_settings.py).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

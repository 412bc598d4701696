"""Settings for the test suite: the product settings plus a test-only app used to prove the
access policy on a model that carries health fields."""

import os

os.environ.setdefault("INTEGRA_ALLOW_INSECURE_KEY", "1")
os.environ.setdefault("AXES_FAILURE_LIMIT", "3")

from integra.settings import *  # noqa: F403
from integra.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.policy_app"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = 3

# Tests run over plain http, like the demo: no redirect to https, cookies sent without TLS.
# The production defaults are checked in a subprocess (tests/core/test_deploy_settings.py).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

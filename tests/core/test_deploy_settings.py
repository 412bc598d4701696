"""Production as documented (README "Running in production", deploy/integra.env.example):
`check --deploy` is clean, the secure defaults hold outside DEBUG and not in the demo, a missing
SECRET_KEY stops the start, and gunicorn serves with the security headers."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.production import REPO, documented_environment, production_environment

MANAGE = [sys.executable, str(REPO / "manage.py")]
HOST = "integra.example.it"


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_example_file_names_every_production_setting() -> None:
    documented = documented_environment()
    assert documented["DEBUG"] == "0"
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"} <= set(
        documented
    )
    assert documented["TRUSTED_PROXY_COUNT"] == "1"


@pytest.mark.django_db
def test_check_deploy_gives_no_warning_with_the_documented_environment() -> None:
    result = run(
        [*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], production_environment()
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.django_db
def test_check_deploy_names_what_is_missing_without_the_secure_defaults() -> None:
    """The test above can fail: each default turned off is a warning."""
    env = production_environment(
        SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0", SECURE_COOKIES="0"
    )
    result = run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


SHOW_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'preload': s.SECURE_HSTS_PRELOAD, "
    "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
    "'proxy_header': getattr(s, 'SECURE_PROXY_SSL_HEADER', None)}))"
)


@pytest.mark.django_db
def test_secure_by_default_outside_debug() -> None:
    result = run([sys.executable, "-c", SHOW_SETTINGS], production_environment())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "redirect": True,
        "hsts": 365 * 24 * 3600,
        "subdomains": True,
        "preload": True,
        "session_secure": True,
        "csrf_secure": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


@pytest.mark.django_db
def test_the_demo_stays_on_plain_http() -> None:
    """`make demo` runs with DEBUG=1 on http://127.0.0.1, with no proxy in front."""
    env = production_environment(DEBUG="1", SECRET_KEY="", TRUSTED_PROXY_COUNT="")
    result = run([sys.executable, "-c", SHOW_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "redirect": False,
        "hsts": 0,
        "subdomains": True,
        "preload": True,
        "session_secure": False,
        "csrf_secure": False,
        "proxy_header": None,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command",
    [
        [*MANAGE, "check"],
        [sys.executable, "-c", "import integra.wsgi"],  # what gunicorn loads
    ],
    ids=["manage.py", "wsgi"],
)
def test_production_refuses_to_start_without_a_secret_key(command: list[str]) -> None:
    result = run(command, production_environment(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


# --- gunicorn, as `make serve` starts it ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gunicorn(db) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = production_environment(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:integra.gunicorn_config", "integra.wsgi"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                get(port, "/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"gunicorn did not start:\n{output}")
                time.sleep(0.3)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(port: int, path: str, *, https: bool = False) -> tuple[http.client.HTTPResponse, bytes]:
    """One request as the reverse proxy would send it (X-Forwarded-Proto for TLS clients)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": HOST, "X-Forwarded-For": "203.0.113.7"}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_gunicorn_serves_with_the_security_headers(gunicorn) -> None:
    port, process = gunicorn

    health, body = get(port, "/healthz")  # a load balancer's probe, plain http: not redirected
    assert health.status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}

    plain, _ = get(port, "/account/login/")
    assert plain.status == 301
    assert plain.getheader("Location") == f"https://{HOST}/account/login/"

    login, body = get(port, "/account/login/?next=/persone/%3Fq%3DRossi", https=True)
    assert login.status == 200
    assert "Accedi a Integra" in body.decode()
    assert login.getheader("Strict-Transport-Security") == (
        "max-age=31536000; includeSubDomains; preload"
    )
    policy = login.getheader("Content-Security-Policy") or ""
    assert "script-src 'self' 'report-sample'" in policy and "unsafe" not in policy
    assert login.getheader("X-Frame-Options") == "DENY"
    assert login.getheader("X-Content-Type-Options") == "nosniff"
    assert login.getheader("Referrer-Policy") == "same-origin"
    csrf_cookie = next(c for c in login.headers.get_all("Set-Cookie") or [] if "csrftoken" in c)
    assert "Secure" in csrf_cookie

    api, body = get(port, "/api/v1/me", https=True)
    assert api.status == 401
    assert api.getheader("Content-Type") == "application/problem+json"
    assert "no-store" in (api.getheader("Cache-Control") or "")

    static, _ = get(port, "/static/integra/js/integra.js", https=True)
    assert static.status == 200

    process.terminate()
    process.wait(timeout=30)
    log = process.stdout.read() if process.stdout else ""
    # The access log has the path and the request id, never the query string.
    assert '"GET /account/login/ HTTP/1.1" 200' in log
    assert "Rossi" not in log
    assert login.getheader("X-Request-ID") in log

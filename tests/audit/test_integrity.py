"""Tamper evidence: a chain names its first altered, missing or relinked row; the triggers
refuse UPDATE, DELETE and TRUNCATE even to the owner of the tables; ``manage.py verify_audit``
reports in Italian and exits non-zero on a broken chain or an unexpected head. (The checkpoints
outside the database are in ``test_checkpoints.py``; what the application's role may not do at
all is in ``tests/security/test_audit_integrity.py``.)"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from integra.audit.chain import GENESIS_HASH, row_hash
from integra.audit.models import AccessLog
from integra.audit.selectors import ChainBreakReason, ChainHead, access_log_verify
from integra.audit.services import access_log_record
from tests.audit.helpers import tamper
from tests.db_roles import acting_as_owner

REPO = Path(__file__).resolve().parents[2]


def write_rows(count: int) -> list[AccessLog]:
    for n in range(1, count + 1):
        access_log_record(actor=None, subject=("policy_app.casenote", str(n), f"Nota {n}"))
    return list(AccessLog.objects.order_by("seq"))  # no operator: all in chain 0


def verify_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


pytestmark = pytest.mark.django_db


# --- the chain -----------------------------------------------------------------------------------


def test_empty_log_is_intact() -> None:
    report = access_log_verify()
    assert (report.ok, report.rows_checked, report.chains, report.breaks) == (True, 0, (), ())
    assert report.head(0) == ChainHead(0, 0, 0, GENESIS_HASH)


def test_rows_link_to_the_previous_hash() -> None:
    rows = write_rows(3)
    assert [(r.shard, r.seq, r.version) for r in rows] == [(0, 1, 2), (0, 2, 2), (0, 3, 2)]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    # The stored hash is the hash of the stored values.
    from django.forms.models import model_to_dict

    values = model_to_dict(rows[1]) | {"user_id": None, "organization_id": None}
    assert row_hash(values) == rows[1].hash
    report = access_log_verify(chunk_size=2)  # several chunks
    assert (report.ok, report.rows_checked) == (True, 3)
    assert report.chains == (ChainHead(0, 3, 3, rows[2].hash),)


def test_altered_middle_row_is_named() -> None:
    rows = write_rows(5)
    tamper("UPDATE audit_accesslog SET subject_id = '999' WHERE seq = 3")

    report = access_log_verify()

    assert not report.ok
    assert report.first_break is not None
    assert (report.first_break.shard, report.first_break.seq) == (0, 3)
    assert report.first_break.row_id == rows[2].pk
    assert report.first_break.reason == ChainBreakReason.ALTERED_ROW
    assert report.first_break.reason_label == "riga alterata"
    assert report.chains == (ChainHead(0, 3, 2, rows[1].hash),)


def test_altered_row_with_recomputed_hash_breaks_the_next_link() -> None:
    rows = write_rows(5)
    forged = AccessLog.objects.values().get(seq=3) | {"subject_id": "999"}
    tamper(
        "UPDATE audit_accesslog SET subject_id = '999', hash = %s WHERE seq = 3",
        [row_hash(forged)],
    )

    report = access_log_verify()

    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.row_id) == (4, rows[3].pk)
    assert report.first_break.reason_label == "collegamento interrotto"


def test_deleted_middle_row_is_named_by_its_seq() -> None:
    rows = write_rows(5)
    tamper("DELETE FROM audit_accesslog WHERE seq = 2")

    report = access_log_verify()

    assert report.first_break is not None
    assert report.first_break.seq == 2
    assert report.first_break.row_id == rows[2].pk  # detected at the row that follows
    assert report.first_break.reason_label == "riga mancante"


def test_deleted_first_row_is_named() -> None:
    write_rows(2)
    tamper("DELETE FROM audit_accesslog WHERE seq = 1")
    report = access_log_verify()
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.reason) == (1, ChainBreakReason.MISSING_ROW)


# --- the triggers (even the owner must switch them off first) -----------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_accesslog SET subject_id = '999' WHERE seq = 1",
        "DELETE FROM audit_accesslog WHERE seq = 1",
    ],
)
def test_update_and_delete_are_refused_to_the_owner(statement: str) -> None:
    write_rows(2)
    with (
        acting_as_owner(),
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert access_log_verify().ok


def test_orm_update_and_delete_are_refused_to_the_owner() -> None:
    write_rows(1)
    with acting_as_owner():
        with pytest.raises(DatabaseError), transaction.atomic():
            AccessLog.objects.update(purpose="riscritta")
        with pytest.raises(DatabaseError), transaction.atomic():
            AccessLog.objects.all().delete()
    assert AccessLog.objects.get().purpose == ""


def test_truncate_is_refused_to_the_owner() -> None:
    write_rows(1)
    with (
        acting_as_owner(),
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_accesslog")
    assert AccessLog.objects.count() == 1


# --- the command ---------------------------------------------------------------------------------


def test_command_reports_an_intact_chain_and_its_head() -> None:
    rows = write_rows(4)
    code, out, err = verify_command()
    assert code == 0, err
    assert "Registro degli accessi integro: 4 righe verificate (catene: 1)." in out
    assert f"Catena 0: ultima riga integra 4, hash {rows[-1].hash}" in out
    assert "Storico delle modifiche integro:" in out
    # No checkpoint yet: intact, but said plainly that a cut tail would go unnoticed.
    assert "Nessun punto di controllo" in err


def test_command_names_the_altered_row_and_fails() -> None:
    rows = write_rows(5)
    tamper("UPDATE audit_accesslog SET subject_id = '999' WHERE seq = 3")
    code, out, err = verify_command()
    assert code == 1
    assert f"riga alterata alla riga con progressivo 3 della catena 0 (id {rows[2].pk})" in err
    assert "Registro degli accessi integro:" not in out


def test_command_names_the_missing_row_and_fails() -> None:
    write_rows(5)
    tamper("DELETE FROM audit_accesslog WHERE seq = 4")
    code, _, err = verify_command()
    assert code == 1
    assert "riga mancante alla riga con progressivo 4 della catena 0" in err


def test_expect_head_detects_a_removed_tail() -> None:
    rows = write_rows(5)
    head = rows[-1].hash
    assert verify_command("--expect-head", head)[0] == 0

    tamper("DELETE FROM audit_accesslog WHERE seq >= 4")
    assert access_log_verify().ok  # a shorter chain is still a chain ...
    code, _, err = verify_command("--expect-head", head)  # ... but not the one we recorded
    assert code == 1
    assert "non è in nessuna catena" in err


def test_expect_head_accepts_a_chain_that_grew_since() -> None:
    head = write_rows(3)[-1].hash
    write_rows(2)
    assert verify_command("--expect-head", head)[0] == 0


def test_expect_head_must_be_a_hash() -> None:
    with pytest.raises(CommandError, match="64 caratteri"):
        call_command("verify_audit", "--expect-head", "abc")


def test_help_documents_expect_head() -> None:
    from integra.audit.management.commands.verify_audit import Command

    help_text = " ".join(Command().create_parser("manage.py", "verify_audit").format_help().split())
    assert "--expect-head" in help_text
    assert "cancellazione delle ultime righe" in help_text
    assert "punti di controllo" in help_text


@pytest.mark.django_db(transaction=True)
def test_command_exit_status_from_the_shell(settings) -> None:
    """The process exit status is what a scheduler or a monitoring probe sees."""
    write_rows(3)
    settings_dict = connection.settings_dict
    socket_dir = settings_dict.get("OPTIONS", {}).get("host")  # the embedded server's socket
    address = (
        f"/{settings_dict['NAME']}?host={socket_dir}"
        if socket_dir
        else f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
        f"/{settings_dict['NAME']}"
    )
    url = f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@{address}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_OWNER_URL": url,
        "INTEGRA_ALLOW_INSECURE_KEY": "1",
        "DJANGO_SETTINGS_MODULE": "integra.settings",
        "AUDIT_CHECKPOINT_FILE": settings.AUDIT_CHECKPOINT_FILE,
        "AUDIT_CHECKPOINT_KEY": settings.AUDIT_CHECKPOINT_KEY,
    }
    command = [sys.executable, str(REPO / "manage.py"), "verify_audit"]

    intact = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stderr
    assert "3 righe verificate" in intact.stdout

    with transaction.atomic():
        tamper("UPDATE audit_accesslog SET purpose = 'riscritta' WHERE seq = 2")
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1
    assert "riga alterata alla riga con progressivo 2 della catena 0" in broken.stderr

"""Checkpoints outside the database (``integra/audit/checkpoints.py``): signed lines that record
each chain's head and how far each history table reaches, so that ``verify_audit`` finds a cut
tail, a reused position, a forged or removed checkpoint and history rows removed."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import stat

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from integra.audit import checkpoints
from integra.audit.checkpoints import (
    CheckpointProblemReason,
    checkpoint_if_due,
    checkpoint_key,
    checkpoint_write,
    checkpoints_read,
)
from integra.audit.history import append_only_trigger_names
from integra.audit.models import AccessLog
from integra.audit.selectors import ChainBreakReason, HistoryProblemReason, audit_verify
from integra.audit.services import access_log_record
from tests.audit.helpers import log_rows, tamper
from tests.db_roles import acting_as_owner
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

RegionEvent = apps.get_model("core", "RegionEvent")
_codes = itertools.count(50)


def new_region():
    """A region of its own (the factory reuses one code): one insert in core_regionevent."""
    code = next(_codes)
    return RegionFactory(istat_code=str(code), name=f"Regione {code}")


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def verify_command() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def chain_zero(count: int) -> list[AccessLog]:
    """``count`` rows with no organisation: all in chain 0, numbered 1..count."""
    return log_rows(*({"subject_id": str(n)} for n in range(1, count + 1)))


# --- what a checkpoint records --------------------------------------------------------------------


def test_checkpoint_records_every_chain_head_and_history_reach(checkpoint_file) -> None:
    zero = chain_zero(2)
    three = log_rows({"organization_id": 3}, {"organization_id": 3}, {"organization_id": 3})
    before = RegionEvent.objects.count()
    new_region(), new_region()
    top = RegionEvent.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first()

    written = checkpoint_write()

    (record,) = lines(checkpoint_file)
    assert record["chains"] == [[0, 2, zero[-1].hash], [3, 3, three[-1].hash]]
    assert written.chains == {0: (2, zero[-1].hash), 3: (3, three[-1].hash)}
    assert record["history"]["core_regionevent"] == [top, before + 2]
    assert record["prev"] == "0" * 64
    assert record["database"] == connection.settings_dict["NAME"]
    log = checkpoints_read()
    assert log.problems == ()
    assert [c.line for c in log.checkpoints] == [1]
    assert log.last is not None and log.last.chains == written.chains


def test_next_checkpoint_links_to_the_line_before_and_counts_only_new_rows(
    checkpoint_file,
) -> None:
    new_region()
    checkpoint_write()
    first = lines(checkpoint_file)[0]
    new_region(), new_region(), new_region()

    checkpoint_write()

    raw_first = checkpoint_file.read_text().splitlines()[0]
    second = lines(checkpoint_file)[1]
    assert second["prev"] == hashlib.sha256(raw_first.encode()).hexdigest()
    top, count = first["history"]["core_regionevent"]
    assert second["history"]["core_regionevent"][1] == count + 3
    assert second["history"]["core_regionevent"][0] > top
    assert checkpoints_read().problems == ()


def test_without_a_key_one_is_generated_once_readable_by_the_owner_only(settings, tmp_path) -> None:
    settings.AUDIT_CHECKPOINT_KEY = ""
    settings.AUDIT_CHECKPOINT_KEY_FILE = tmp_path / "keys" / "checkpoint.key"
    assert checkpoint_key() is None  # reading never creates one

    checkpoint_write()

    key_file = settings.AUDIT_CHECKPOINT_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = checkpoint_key()
    assert key is not None and len(key) == 64
    checkpoint_write()
    assert checkpoint_key() == key
    assert checkpoints_read().problems == ()


def test_automatic_checkpoint_at_most_once_per_interval(
    settings, checkpoint_file, monkeypatch
) -> None:
    settings.AUDIT_CHECKPOINT_INTERVAL = 60
    monkeypatch.setattr(checkpoints, "_state", checkpoints._State())
    clock = iter([1000.0, 1030.0, 1061.0])
    monkeypatch.setattr(checkpoints, "_clock", lambda: next(clock))

    checkpoint_if_due()  # first: written
    checkpoint_if_due()  # 30 s later: not due
    checkpoint_if_due()  # 61 s after the first: written

    assert len(lines(checkpoint_file)) == 2


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_outside_a_transaction_is_checkpointed(
    settings, checkpoint_file, monkeypatch
) -> None:
    settings.AUDIT_CHECKPOINT_INTERVAL = 60
    monkeypatch.setattr(checkpoints, "_state", checkpoints._State())

    with transaction.atomic():
        access_log_record(actor=None, subject=("policy_app.casenote", "1", "Nota"))
    assert not checkpoint_file.exists()  # inside a transaction: never

    access_log_record(actor=None, subject=("policy_app.casenote", "2", "Nota"))

    (record,) = lines(checkpoint_file)
    assert [shard_seq[:2] for shard_seq in record["chains"]] == [[0, 2]]


# --- what verification finds --------------------------------------------------------------------


def test_intact_trail_with_checkpoints() -> None:
    chain_zero(3)
    checkpoint_write()
    chain_zero(2)  # grew since: fine
    report = audit_verify()
    assert report.ok
    assert report.access_log.head(0).seq == 5
    assert len(report.checkpoints.checkpoints) == 1


def test_cut_tail_after_a_checkpoint_is_found() -> None:
    chain_zero(5)
    checkpoint_write()
    tamper("DELETE FROM audit_accesslog WHERE shard = 0 AND seq >= 4")

    report = audit_verify()

    assert not report.ok
    (broken,) = report.access_log.breaks
    assert (broken.shard, broken.seq, broken.row_id) == (0, 4, None)
    assert broken.reason == ChainBreakReason.CUT_TAIL
    assert report.access_log.head(0).seq == 3  # what is left is itself a valid chain


def test_whole_chain_removed_after_a_checkpoint_is_found() -> None:
    log_rows({"organization_id": 5})
    checkpoint_write()
    tamper("DELETE FROM audit_accesslog WHERE shard = 5")
    (broken,) = audit_verify().access_log.breaks
    assert (broken.shard, broken.seq, broken.reason) == (5, 1, ChainBreakReason.CUT_TAIL)


def test_reused_position_after_a_cut_is_found() -> None:
    rows = chain_zero(5)
    checkpoint_write()
    tamper("DELETE FROM audit_accesslog WHERE shard = 0 AND seq = 5")
    (again,) = chain_zero(1)  # the writer takes position 5 again, with another hash
    assert (again.seq, again.hash != rows[-1].hash) == (5, True)

    (broken,) = audit_verify().access_log.breaks

    assert (broken.shard, broken.seq, broken.row_id) == (0, 5, again.pk)
    assert broken.reason == ChainBreakReason.REWRITTEN


def test_checkpoint_taken_after_a_cut_goes_back_and_is_reported(checkpoint_file) -> None:
    chain_zero(5)
    checkpoint_write()
    tamper("DELETE FROM audit_accesslog WHERE shard = 0 AND seq >= 4")
    checkpoint_write()  # a later checkpoint sees the shorter chain

    report = audit_verify()

    (problem,) = report.checkpoints.problems
    assert (problem.line, problem.reason) == (2, CheckpointProblemReason.WENT_BACK)
    assert problem.detail == "catena 0: 5 → 3"
    assert report.access_log.breaks[0].reason == ChainBreakReason.CUT_TAIL


def test_forged_checkpoint_is_refused(checkpoint_file, settings) -> None:
    chain_zero(2)
    checkpoint_write()
    record = lines(checkpoint_file)[0]
    # Someone without the key rewrites the line to record a shorter chain ...
    record["chains"] = [[0, 1, record["chains"][0][2]]]
    checkpoint_file.write_text(json.dumps(record) + "\n")
    # ... or adds a line signed with a key of their own.
    settings.AUDIT_CHECKPOINT_KEY = "a-key-the-forger-chose-for-himself"
    checkpoint_write()
    settings.AUDIT_CHECKPOINT_KEY = "test-checkpoint-key-" + checkpoint_file.parent.name

    log = checkpoints_read()

    assert [(p.line, p.reason) for p in log.problems] == [
        (1, CheckpointProblemReason.BAD_MAC),
        (2, CheckpointProblemReason.BAD_MAC),
    ]
    assert log.checkpoints == ()
    assert not audit_verify().ok


def test_checkpoint_line_removed_from_the_file_is_found(checkpoint_file) -> None:
    for _ in range(3):
        chain_zero(1)
        checkpoint_write()
    first, _second, third = checkpoint_file.read_text().splitlines()
    checkpoint_file.write_text(first + "\n" + third + "\n")

    (problem,) = checkpoints_read().problems

    assert (problem.line, problem.reason) == (2, CheckpointProblemReason.BROKEN_LINK)


def test_unreadable_line_is_reported(checkpoint_file) -> None:
    checkpoint_write()
    with checkpoint_file.open("a") as handle:
        handle.write("not json\n")
    (problem,) = checkpoints_read().problems
    assert (problem.line, problem.reason) == (2, CheckpointProblemReason.UNREADABLE)


def test_checkpoints_without_the_key_cannot_be_verified(
    checkpoint_file, settings, tmp_path
) -> None:
    checkpoint_write()
    settings.AUDIT_CHECKPOINT_KEY = ""
    settings.AUDIT_CHECKPOINT_KEY_FILE = tmp_path / "missing.key"
    log = checkpoints_read()
    assert [p.reason for p in log.problems] == [CheckpointProblemReason.NO_KEY]
    assert not audit_verify().ok


# --- the history tables -------------------------------------------------------------------------


def test_history_rows_removed_after_a_checkpoint_are_found() -> None:
    first, _second, _third = new_region(), new_region(), new_region()
    checkpoint_write()
    oldest = RegionEvent.objects.filter(pgh_obj_id=first.pk).values_list("pgh_id", flat=True)
    tamper("DELETE FROM core_regionevent WHERE pgh_id = %s", [oldest[0]], table="core_regionevent")

    problems = audit_verify().history.problems

    assert [(p.table, p.reason) for p in problems] == [
        ("core_regionevent", HistoryProblemReason.ROWS_MISSING)
    ]


def test_history_tail_cut_after_a_checkpoint_is_found() -> None:
    new_region(), new_region()
    checkpoint_write()
    top, below = RegionEvent.objects.order_by("-pgh_id").values_list("pgh_id", flat=True)[:2]
    tamper("DELETE FROM core_regionevent WHERE pgh_id = %s", [top], table="core_regionevent")

    (problem,) = audit_verify().history.problems

    assert (problem.table, problem.reason) == ("core_regionevent", HistoryProblemReason.CUT_TAIL)
    assert problem.detail == f"pgh_id {below} < {top}"


def test_history_count_is_carried_forward_after_rows_were_removed(checkpoint_file) -> None:
    """A checkpoint taken after a deletion still expects the rows counted before it."""
    new_region(), new_region()
    checkpoint_write()
    counted = lines(checkpoint_file)[0]["history"]["core_regionevent"][1]
    oldest = RegionEvent.objects.order_by("pgh_id").values_list("pgh_id", flat=True)[0]
    tamper("DELETE FROM core_regionevent WHERE pgh_id = %s", [oldest], table="core_regionevent")
    new_region()

    checkpoint_write()

    assert lines(checkpoint_file)[1]["history"]["core_regionevent"][1] == counted + 1
    assert RegionEvent.objects.count() == counted
    (problem,) = audit_verify().history.problems
    assert problem.reason == HistoryProblemReason.ROWS_MISSING


def test_history_trigger_switched_off_is_found() -> None:
    from integra.core.models import Region

    (update_delete, truncate) = append_only_trigger_names(RegionEvent)
    assert append_only_trigger_names(Region) == []  # only the history is guarded here
    with acting_as_owner(), connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE core_regionevent DISABLE TRIGGER "{update_delete}"')
        cursor.execute(f'ALTER TABLE core_regionevent ENABLE REPLICA TRIGGER "{truncate}"')

    problems = audit_verify().history.problems

    assert [(p.table, p.reason, p.detail) for p in problems] == [
        ("core_regionevent", HistoryProblemReason.TRIGGER_DISABLED, update_delete),
        ("core_regionevent", HistoryProblemReason.TRIGGER_DISABLED, truncate),
    ]


def test_access_log_trigger_dropped_is_found() -> None:
    (update_delete, _truncate) = append_only_trigger_names(AccessLog)
    with acting_as_owner(), connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER "{update_delete}" ON audit_accesslog')

    problems = audit_verify().history.problems

    assert [(p.table, p.reason) for p in problems] == [
        ("audit_accesslog", HistoryProblemReason.TRIGGER_MISSING)
    ]


# --- the commands -------------------------------------------------------------------------------


def test_audit_checkpoint_command(checkpoint_file) -> None:
    chain_zero(3)
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert f"Punto di controllo scritto in {checkpoint_file}: 1 catene (3 righe)" in out.getvalue()
    call_command("audit_checkpoint", "--full", stdout=io.StringIO())
    assert len(lines(checkpoint_file)) == 2
    assert checkpoints_read().problems == ()


def test_verify_audit_reports_checkpoints_and_a_cut_tail(checkpoint_file) -> None:
    chain_zero(4)
    checkpoint_write()
    code, out, err = verify_command()
    assert code == 0, err
    assert "Punti di controllo verificati: 1 di 1" in out
    assert "Nessun punto di controllo" not in err

    tamper("DELETE FROM audit_accesslog WHERE shard = 0 AND seq = 4")
    code, out, err = verify_command()

    assert code == 1
    assert (
        "Registro degli accessi NON integro: righe finali rimosse dopo un punto di controllo "
        "alla riga con progressivo 4 della catena 0 (righe assenti)."
    ) in err


def test_verify_audit_reports_a_forged_checkpoint(checkpoint_file) -> None:
    chain_zero(1)
    checkpoint_write()
    with checkpoint_file.open("a") as handle:
        handle.write(json.dumps({"v": 1, "chains": [], "history": {}, "mac": "f" * 64}) + "\n")
    code, _out, err = verify_command()
    assert code == 1
    assert (
        f"Punto di controllo alla riga 2 di {checkpoint_file}: firma non valida: punto di "
        "controllo falsificato o alterato."
    ) in err

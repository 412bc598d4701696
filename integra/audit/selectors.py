"""Reads of the audit app: the access log for auditors, and verification of its chains."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from psycopg import sql

from integra.audit.chain import CHAINED_FIELDS, GENESIS_HASH, row_hash
from integra.audit.checkpoints import Checkpoint, CheckpointLog, checkpoints_read
from integra.audit.history import append_only_trigger_names, history_event_models
from integra.audit.models import AccessLog
from integra.audit.persons import person_ids_matching
from integra.audit.privileges import audit_tables
from integra.core.access import Actor, require, scoped
from integra.core.permissions import Permission

# Access records are legal records of an Italian public administration: their days are days in
# Rome whatever the operator's browser says.
AUDIT_TIME_ZONE = ZoneInfo("Europe/Rome")


class ChainBreakReason(models.TextChoices):
    ALTERED_ROW = "altered_row", _("riga alterata")
    MISSING_ROW = "missing_row", _("riga mancante")
    BROKEN_LINK = "broken_link", _("collegamento interrotto")
    BAD_SEQ = "bad_seq", _("progressivo non valido")
    CUT_TAIL = "cut_tail", _("righe finali rimosse dopo un punto di controllo")
    REWRITTEN = "rewritten", _("riga diversa da quella registrata nel punto di controllo")


@dataclass(frozen=True)
class ChainBreak:
    """The first row of a chain that does not fit: ``seq`` is the position in the chain that
    is wrong (for a missing row, the missing position) and ``row_id`` the row where it was
    detected (none for rows missing at the end)."""

    shard: int
    seq: int
    row_id: int | None
    reason: ChainBreakReason

    @property
    def reason_label(self) -> str:
        return str(self.reason.label)


@dataclass(frozen=True)
class ChainHead:
    """One chain as verified: ``seq``/``hash`` of its last row verified intact."""

    shard: int
    rows_checked: int
    seq: int
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """Every chain of the access log, and the first break of each broken one."""

    chains: tuple[ChainHead, ...]
    breaks: tuple[ChainBreak, ...]

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def rows_checked(self) -> int:
        return sum(chain.rows_checked for chain in self.chains)

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None

    def head(self, shard: int) -> ChainHead:
        for chain in self.chains:
            if chain.shard == shard:
                return chain
        return ChainHead(shard, 0, 0, GENESIS_HASH)


class _ChainWalk:
    """Verifies one chain row by row, against the checkpointed ``expected`` hashes."""

    def __init__(self, shard: int, expected: Mapping[int, str]) -> None:
        self.shard = shard
        self.expected = expected
        self.rows = 0
        self.seq = 0
        self.hash = GENESIS_HASH
        self.broken: ChainBreak | None = None

    def add(self, row: dict[str, Any]) -> None:
        if self.broken is not None:
            return
        self.rows += 1
        seq = self.seq + 1
        reason: ChainBreakReason | None = None
        if row["seq"] > seq:
            reason = ChainBreakReason.MISSING_ROW
        elif row["seq"] < seq:
            seq, reason = row["seq"], ChainBreakReason.BAD_SEQ
        elif row["prev_hash"] != self.hash:
            reason = ChainBreakReason.BROKEN_LINK
        elif _hash_or_none(row) != row["hash"]:
            reason = ChainBreakReason.ALTERED_ROW
        elif self.expected.get(seq, row["hash"]) != row["hash"]:
            reason = ChainBreakReason.REWRITTEN
        if reason is not None:
            self.broken = ChainBreak(self.shard, seq, row["id"], reason)
            return
        self.seq, self.hash = seq, row["hash"]

    def finish(self) -> tuple[ChainHead, ChainBreak | None]:
        if self.broken is None and self.expected and max(self.expected) > self.seq:
            self.broken = ChainBreak(self.shard, self.seq + 1, None, ChainBreakReason.CUT_TAIL)
        return ChainHead(self.shard, self.rows, self.seq, self.hash), self.broken


def _hash_or_none(row: dict[str, Any]) -> str | None:
    try:
        return row_hash(row)
    except ValueError:  # a format version this code does not know
        return None


def access_log_verify(
    *, expected: Mapping[int, Mapping[int, str]] | None = None, chunk_size: int = 5000
) -> ChainReport:
    """Walk every chain in order and report the first row of each that does not fit.

    ``expected`` maps a chain to the hashes that checkpoints recorded for some of its
    positions (``checkpoints.CheckpointLog.expected_chains``): a recorded row that is missing
    (a cut tail) or different (a position reused after a cut) breaks the chain too. Without
    checkpoints a removed tail leaves a shorter chain that is intact.
    """
    expected = expected or {}
    rows: Iterator[dict[str, Any]] = (
        AccessLog.objects.order_by("shard", "seq")
        .values("id", "hash", *CHAINED_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    walks: dict[int, _ChainWalk] = {}
    for row in rows:
        shard = row["shard"]
        walk = walks.get(shard)
        if walk is None:
            walk = walks[shard] = _ChainWalk(shard, expected.get(shard, {}))
        walk.add(row)
    for shard, recorded in expected.items():
        if shard not in walks and recorded:
            walks[shard] = _ChainWalk(shard, recorded)
    heads, breaks = [], []
    for shard in sorted(walks):
        head, broken = walks[shard].finish()
        heads.append(head)
        if broken is not None:
            breaks.append(broken)
    return ChainReport(tuple(heads), tuple(breaks))


class HistoryProblemReason(models.TextChoices):
    TRIGGER_MISSING = "trigger_missing", _("protezione append-only assente")
    TRIGGER_DISABLED = "trigger_disabled", _("protezione append-only disattivata")
    TABLE_MISSING = "table_missing", _("tabella assente")
    CUT_TAIL = "cut_tail", _("righe finali rimosse dopo un punto di controllo")
    ROWS_MISSING = "rows_missing", _("righe rimosse dopo un punto di controllo")


@dataclass(frozen=True)
class HistoryProblem:
    table: str
    reason: HistoryProblemReason
    detail: str = ""

    @property
    def reason_label(self) -> str:
        return str(self.reason.label)


@dataclass(frozen=True)
class HistoryReport:
    """The history (pghistory event) tables: protected, and reaching at least as far as the
    last checkpoint recorded."""

    tables: int
    compared: int
    problems: tuple[HistoryProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# A trigger fires in normal sessions when enabled as 'O' (origin) or 'A' (always).
_FIRING = {"O", "A"}


def _trigger_states(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
            [table],
        )
        return {name: str(state) for name, state in cursor.fetchall()}


def _existing_tables(tables: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL", [tables]
        )
        return {row[0] for row in cursor.fetchall()}


def history_verify(*, last: Checkpoint | None = None) -> HistoryReport:
    """Check every history table's append-only triggers (present and firing), and that none
    holds fewer rows, or reaches a lower ``pgh_id``, than the ``last`` checkpoint recorded.

    The access log's own triggers are checked too (its rows are checked by the chains).
    """
    problems: list[HistoryProblem] = []
    guarded: list[type[models.Model]] = [AccessLog, *history_event_models()]
    tables = [model._meta.db_table for model in guarded]
    recorded = dict(last.history) if last is not None else {}
    present = _existing_tables(sorted({*tables, *recorded}))
    for model in guarded:
        table = model._meta.db_table
        if table not in present:
            problems.append(HistoryProblem(table, HistoryProblemReason.TABLE_MISSING))
            continue
        states = _trigger_states(table)
        for name in append_only_trigger_names(model):
            if name not in states:
                problems.append(HistoryProblem(table, HistoryProblemReason.TRIGGER_MISSING, name))
            elif states[name] not in _FIRING:
                problems.append(HistoryProblem(table, HistoryProblemReason.TRIGGER_DISABLED, name))
    compared = 0
    for table, (top, count) in sorted(recorded.items()):
        if table not in present:
            problems.append(HistoryProblem(table, HistoryProblemReason.TABLE_MISSING))
            continue
        compared += 1
        query = sql.SQL(
            "SELECT coalesce(max(pgh_id), 0), count(*) FILTER (WHERE pgh_id <= %s) FROM {}"
        ).format(sql.Identifier(table))
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute(query.as_string(connection.connection), [top])
            now_top, now_count = cursor.fetchone()
        if now_top < top:
            problems.append(
                HistoryProblem(table, HistoryProblemReason.CUT_TAIL, f"pgh_id {now_top} < {top}")
            )
        elif now_count < count:
            problems.append(
                HistoryProblem(table, HistoryProblemReason.ROWS_MISSING, f"{now_count} < {count}")
            )
    return HistoryReport(len(guarded) - 1, compared, tuple(problems))


def role_warnings() -> list[str]:
    """What the database role this process connects as could do to the audit trail.

    The application's role must own nothing and only read and append to the audit tables;
    returns the tables where it could do more (empty when it cannot).
    """
    tables = audit_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) AS t"
            " JOIN pg_class c ON c.oid = to_regclass(t)"
            " WHERE pg_has_role(current_user, c.relowner, 'USAGE')"
            " OR has_table_privilege(current_user, c.oid, 'UPDATE, DELETE, TRUNCATE')"
            " ORDER BY t",
            [tables],
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class AuditReport:
    """Everything ``verify_audit`` checks: the access log's chains against the checkpoints,
    the checkpoint file itself, and the history tables."""

    access_log: ChainReport
    checkpoints: CheckpointLog
    history: HistoryReport

    @property
    def ok(self) -> bool:
        return self.access_log.ok and not self.checkpoints.problems and self.history.ok


def audit_verify(*, chunk_size: int = 5000) -> AuditReport:
    """Verify the whole audit trail.

    The checkpoint file is read first: every row it names was committed before this walk
    begins, so a row missing from the walk is a row removed, not one not yet visible.
    """
    log = checkpoints_read()
    chains = access_log_verify(expected=log.expected_chains(), chunk_size=chunk_size)
    history = history_verify(last=log.last)
    return AuditReport(chains, log, history)


@dataclass(frozen=True)
class AccessLogFilters:
    date_from: date | None = None
    date_to: date | None = None
    username: str = ""
    subject_type: str = ""
    subject_id: str = ""
    outcome: str = ""
    action: str = ""
    # A person's number, code or name (``persons.person_ids_matching``).
    person: str = ""

    def as_detail(self) -> dict[str, str]:
        """The filters that are set, as text (what an export or a listing recorded)."""
        return {key: str(value) for key, value in asdict(self).items() if value}


# No access can be older or newer than these days: a bound beyond them filters nothing (and
# would not survive the conversion to UTC).
_FIRST_DAY = date(2000, 1, 1)
_LAST_DAY = date(9000, 12, 31)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=AUDIT_TIME_ZONE)


def access_log_list(*, actor: Actor, filters: AccessLogFilters) -> QuerySet[AccessLog]:
    """Accesses visible to an auditor, newest first, narrowed by the filters.

    Dates are days in Europe/Rome, both ends included. ``person`` names the person concerned
    by number, code or name, among the persons the auditor may identify
    (``integra/audit/persons.py``); a text that names nobody gives no rows.
    """
    require(actor, Permission.AUDIT_VIEW)
    qs = scoped(actor, AccessLog).select_related("organization", "user")
    if filters.date_from and filters.date_from > _FIRST_DAY:
        qs = qs.filter(at__gte=_start_of_day(min(filters.date_from, _LAST_DAY)))
    if filters.date_to and filters.date_to < _LAST_DAY:
        qs = qs.filter(at__lt=_start_of_day(max(filters.date_to, _FIRST_DAY) + timedelta(days=1)))
    if filters.username:
        qs = qs.filter(username__iexact=filters.username.strip())
    if filters.subject_type:
        qs = qs.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        qs = qs.filter(subject_id=filters.subject_id.strip())
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.person.strip():
        qs = qs.filter(person_id__in=person_ids_matching(actor, filters.person.strip()))
    return qs.order_by("-id")

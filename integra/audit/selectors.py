"""Reads of the audit app: the access log for auditors, and verification of its chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from integra.audit.chain import CHAINED_FIELDS, GENESIS_HASH, row_hash
from integra.audit.models import AccessLog
from integra.core.access import Actor, require, scoped
from integra.core.permissions import Permission


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    row_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def access_log_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order and report the first row that does not fit."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    rows: Iterator[dict[str, Any]] = (
        AccessLog.objects.order_by("seq").values("id", "hash", *CHAINED_FIELDS).iterator(chunk_size)
    )
    for row in rows:
        checked += 1
        if row["seq"] != expected_seq:
            missing = expected_seq if row["seq"] > expected_seq else row["seq"]
            return ChainReport(
                checked,
                expected_seq - 1,
                prev_hash,
                ChainBreak(missing, row["id"], "missing_row" if row["seq"] > expected_seq else "bad_seq"),
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(
                checked, row["seq"], prev_hash, ChainBreak(row["seq"], row["id"], "broken_link")
            )
        if row_hash(row) != row["hash"]:
            return ChainReport(
                checked, row["seq"], prev_hash, ChainBreak(row["seq"], row["id"], "altered_row")
            )
        prev_hash = row["hash"]
        expected_seq += 1
    return ChainReport(checked, expected_seq - 1, prev_hash, None)


@dataclass(frozen=True)
class AccessLogFilters:
    date_from: date | None = None
    date_to: date | None = None
    username: str = ""
    subject_type: str = ""
    subject_id: str = ""
    outcome: str = ""
    action: str = ""


def access_log_list(*, actor: Actor, filters: AccessLogFilters) -> QuerySet[AccessLog]:
    """Accesses visible to an auditor, newest first, narrowed by the filters."""
    require(actor, Permission.AUDIT_VIEW)
    qs = scoped(actor, AccessLog).select_related("organization")
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        qs = qs.filter(at__lte=datetime.combine(filters.date_to, time.max, tzinfo=tz))
    if filters.username:
        qs = qs.filter(username__iexact=filters.username)
    if filters.subject_type:
        qs = qs.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        qs = qs.filter(subject_id=filters.subject_id)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.action:
        qs = qs.filter(action=filters.action)
    return qs.order_by("-seq")

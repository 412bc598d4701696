"""Reads of the audit app: the access log for auditors, and verification of its chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from integra.audit.chain import CHAINED_FIELDS, GENESIS_HASH, row_hash
from integra.audit.models import AccessLog
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


@dataclass(frozen=True)
class ChainBreak:
    """The first row that does not fit: ``seq`` is the position in the chain that is wrong
    (for a missing row, the missing position) and ``row_id`` the row where it was detected."""

    seq: int
    row_id: int | None
    reason: ChainBreakReason

    @property
    def reason_label(self) -> str:
        return str(self.reason.label)


@dataclass(frozen=True)
class ChainReport:
    """``head_seq``/``head_hash``: the last row that was verified intact."""

    rows_checked: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def access_log_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order and report the first row that does not fit.

    A removed tail leaves a shorter chain that is intact: compare ``head_hash`` with a head
    recorded elsewhere (``verify_audit --expect-head``) to detect it.
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    rows: Iterator[dict[str, Any]] = (
        AccessLog.objects.order_by("seq")
        .values("id", "hash", *CHAINED_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    head_seq = 0
    for row in rows:
        checked += 1
        problem: ChainBreak | None = None
        if row["seq"] > expected_seq:
            problem = ChainBreak(expected_seq, row["id"], ChainBreakReason.MISSING_ROW)
        elif row["seq"] < expected_seq:
            problem = ChainBreak(row["seq"], row["id"], ChainBreakReason.BAD_SEQ)
        elif row["prev_hash"] != prev_hash:
            problem = ChainBreak(row["seq"], row["id"], ChainBreakReason.BROKEN_LINK)
        elif row_hash(row) != row["hash"]:
            problem = ChainBreak(row["seq"], row["id"], ChainBreakReason.ALTERED_ROW)
        if problem is not None:
            return ChainReport(checked, head_seq, prev_hash, problem)
        head_seq = row["seq"]
        prev_hash = row["hash"]
        expected_seq += 1
    return ChainReport(checked, head_seq, prev_hash, None)


@dataclass(frozen=True)
class AccessLogFilters:
    date_from: date | None = None
    date_to: date | None = None
    username: str = ""
    subject_type: str = ""
    subject_id: str = ""
    outcome: str = ""
    action: str = ""

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

    Dates are days in Europe/Rome, both ends included.
    """
    require(actor, Permission.AUDIT_VIEW)
    qs = scoped(actor, AccessLog).select_related("organization")
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
    return qs.order_by("-seq")

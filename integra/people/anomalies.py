"""The auditor's daily list of anomalous accesses, computed from the access log.

The Garante's inspections of health dossiers ask for alerts on anomalous accesses; what counts
as anomalous is our choice, made here and documented (DOMAIN.md, Privacy):

1. **Reads of persons not in charge** (``out_of_charge``): an operator read the content of a
   person's record — the record, its documents, codes, consents, ISEE, household, assessments,
   evidence — while their organisation neither had the person in charge that day (no
   ``CareRelationship`` active on the day) nor had registered them. Emergency accesses are
   listed here too, flagged: they are expected, but the Garante wants each one reviewed. The
   PUA's content reads are listed like anyone's: the PUA reads a record with a request in hand
   and then routes the person, so reading people it never takes or sends in charge is what an
   auditor should see. The *limited* form (only "known, contact X") is not a read of content
   and is not listed; nor are the rows with scopes of their own (PUA requests, UVM sessions),
   which an operator sees only through their PUA or their UVM.
2. **Reads far above the usual** (``spike``): an operator's allowed entries on the day are at
   least ``SPIKE_MIN_READS`` and more than ``SPIKE_FACTOR`` times the median of their daily
   entries over the ``BASELINE_DAYS`` days before, counting the days they read anything (a
   part-timer's empty days are not "usual"); with no such day the median is 0.
3. **Denied attempts in bulk** (``denied``): at least ``DENIED_MIN_ATTEMPTS`` denied entries of
   an operator on the day (ids of other organisations' rows, codes that name nobody).

Days are days in Rome. An auditor sees what ``integra/audit/access.py`` gives them: their
organisation's operators, and accesses to the records their organisation holds (rules 1 and 3);
rule 2 is about their own operators only. Three queries for the rules, whatever the log's size
(the access log's indexes on ``(organization, at)`` and ``(subject_organization_id, at)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet

from integra.audit.models import AccessAction, AccessLog, AccessOutcome
from integra.audit.selectors import AUDIT_TIME_ZONE
from integra.audit.services import ACCESS_LOG_SUBJECT, AUDIT_PURPOSE, access_log_record
from integra.core.access import Actor, require
from integra.core.permissions import Permission
from integra.organizations.models import Organization
from integra.people.emergency import EMERGENCY_PURPOSE
from integra.people.models import CareRelationship, Person

# Days no access can fall on (and bounds that survive the conversion to UTC).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(9000, 12, 31)

SPIKE_FACTOR = 3
SPIKE_MIN_READS = 50
BASELINE_DAYS = 30
DENIED_MIN_ATTEMPTS = 10

# The kinds of record that are the content of a person's dossier (rule 1).
DOSSIER_SUBJECTS = (
    "people.person",
    "people.personidentifier",
    "people.persondocument",
    "people.consent",
    "people.iseedeclaration",
    "people.householdmember",
    "assessments.assessment",
    "programs.eligibilityfact",
    "programs.screeningrecord",
)


@dataclass(frozen=True)
class OutOfChargeRead:
    user_id: int | None
    username: str
    organization_id: int | None
    organization: str
    person_id: int
    reads: int
    emergency_reads: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class ReadSpike:
    user_id: int
    username: str
    organization_id: int | None
    organization: str
    reads: int
    median: float
    active_days: int


@dataclass(frozen=True)
class DeniedBurst:
    user_id: int | None
    username: str
    organization_id: int | None
    organization: str
    attempts: int
    subjects: int


@dataclass(frozen=True)
class AnomalyReport:
    day: date
    out_of_charge: list[OutOfChargeRead] = field(default_factory=list)
    spikes: list[ReadSpike] = field(default_factory=list)
    denied: list[DeniedBurst] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.out_of_charge) + len(self.spikes) + len(self.denied)


def _start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=AUDIT_TIME_ZONE)


def _scope(organization_id: int | None) -> Q:
    """The auditor's share of the log (integra/audit/access.py); every row without one."""
    if organization_id is None:
        return Q()
    return Q(organization_id=organization_id) | Q(subject_organization_id=organization_id)


def _of_day(day: date) -> QuerySet[AccessLog]:
    return AccessLog.objects.filter(at__gte=_start(day), at__lt=_start(day + timedelta(days=1)))


def out_of_charge_reads(*, day: date, organization_id: int | None) -> list[OutOfChargeRead]:
    """Rule 1: per operator and person, the content reads of a person not in charge of the
    operator's organisation on ``day`` (one query)."""
    in_charge = CareRelationship.objects.filter(
        person_id=OuterRef("person_id"),
        organization_id=OuterRef("organization_id"),
        started_on__lte=day,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
    registered = Person.objects.filter(
        pk=OuterRef("person_id"), registered_by_id=OuterRef("organization_id")
    )
    rows = (
        _of_day(day)
        .filter(
            _scope(organization_id),
            outcome=AccessOutcome.ALLOWED,
            person_id__isnull=False,
            organization_id__isnull=False,
            subject_type__in=DOSSIER_SUBJECTS,
        )
        .exclude(detail__contains={"view": "limitata"})
        .filter(~Exists(in_charge), ~Exists(registered))
        .values("user_id", "username", "organization_id", "organization__name", "person_id")
        .annotate(
            reads=Count("id"),
            emergency_reads=Count("id", filter=Q(purpose=EMERGENCY_PURPOSE)),
            first_at=Min("at"),
            last_at=Max("at"),
        )
        .order_by("organization__name", "username", "person_id")
    )
    return [
        OutOfChargeRead(
            user_id=r["user_id"],
            username=r["username"],
            organization_id=r["organization_id"],
            organization=r["organization__name"] or "",
            person_id=int(r["person_id"] or 0),
            reads=r["reads"],
            emergency_reads=r["emergency_reads"],
            first_at=r["first_at"].astimezone(AUDIT_TIME_ZONE),
            last_at=r["last_at"].astimezone(AUDIT_TIME_ZONE),
        )
        for r in rows
    ]


def read_spikes(*, day: date, organization_id: int | None) -> list[ReadSpike]:
    """Rule 2: operators whose allowed entries on ``day`` are at least ``SPIKE_MIN_READS`` and
    more than ``SPIKE_FACTOR`` × the median of their active days in the ``BASELINE_DAYS``
    before (one query: daily counts, then the median with ``percentile_cont``)."""
    table = AccessLog._meta.db_table
    organizations = Organization._meta.db_table
    only_org = "AND organization_id = %(org)s" if organization_id is not None else ""
    sql = f"""
        WITH daily AS (
            SELECT user_id, organization_id,
                   (at AT TIME ZONE %(tz)s)::date AS day,
                   count(*) AS n, max(username) AS username
            FROM {table}
            WHERE outcome = %(allowed)s AND user_id IS NOT NULL
              AND at >= %(since)s AND at < %(until)s {only_org}
            GROUP BY user_id, organization_id, (at AT TIME ZONE %(tz)s)::date
        )
        SELECT t.user_id, t.username, t.organization_id, o.name, t.n,
               coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.n), 0) AS median,
               count(p.n) AS active_days
        FROM daily t
        LEFT JOIN daily p
          ON p.user_id = t.user_id
         AND p.organization_id IS NOT DISTINCT FROM t.organization_id
         AND p.day < t.day
        LEFT JOIN {organizations} o ON o.id = t.organization_id
        WHERE t.day = %(day)s
        GROUP BY t.user_id, t.username, t.organization_id, o.name, t.n
        HAVING t.n >= %(minimum)s
           AND t.n > %(factor)s * coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.n), 0)
        ORDER BY o.name, t.username
    """  # noqa: S608 - table names come from the models, values are parameters
    params: dict[str, Any] = {
        "tz": AUDIT_TIME_ZONE.key,
        "allowed": AccessOutcome.ALLOWED.value,
        "since": _start(day - timedelta(days=BASELINE_DAYS)),
        "until": _start(day + timedelta(days=1)),
        "org": organization_id,
        "day": day,
        "minimum": SPIKE_MIN_READS,
        "factor": SPIKE_FACTOR,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        ReadSpike(
            user_id=user_id,
            username=username or "",
            organization_id=org_id,
            organization=org_name or "",
            reads=int(n),
            median=float(median),
            active_days=int(active_days),
        )
        for user_id, username, org_id, org_name, n, median, active_days in rows
    ]


def denied_bursts(*, day: date, organization_id: int | None) -> list[DeniedBurst]:
    """Rule 3: operators with at least ``DENIED_MIN_ATTEMPTS`` denied entries on ``day``."""
    rows = (
        _of_day(day)
        .filter(_scope(organization_id), outcome=AccessOutcome.DENIED)
        .values("user_id", "username", "organization_id", "organization__name")
        .annotate(attempts=Count("id"), subjects=Count("subject_id", distinct=True))
        .filter(attempts__gte=DENIED_MIN_ATTEMPTS)
        .order_by("organization__name", "username")
    )
    return [
        DeniedBurst(
            user_id=r["user_id"],
            username=r["username"],
            organization_id=r["organization_id"],
            organization=r["organization__name"] or "",
            attempts=r["attempts"],
            subjects=r["subjects"],
        )
        for r in rows
    ]


def anomalies_compute(*, day: date, organization_id: int | None) -> AnomalyReport:
    """The three rules for ``day``: in an organisation's share of the log, or (``None``, for
    the daily command) in the whole log. Three queries (none for a day no log can hold)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        return AnomalyReport(day=day)
    return AnomalyReport(
        day=day,
        out_of_charge=out_of_charge_reads(day=day, organization_id=organization_id),
        spikes=read_spikes(day=day, organization_id=organization_id),
        denied=denied_bursts(day=day, organization_id=organization_id),
    )


def audit_anomalies(*, actor: Actor | None, day: date) -> AnomalyReport:
    """The auditor's list (``AUDIT_VIEW``) for their organisation; reading it is logged."""
    require(actor, Permission.AUDIT_VIEW)
    assert actor is not None  # require() refuses None
    report = anomalies_compute(day=day, organization_id=actor.organization_id)
    access_log_record(
        actor=actor,
        subject=ACCESS_LOG_SUBJECT,
        action=AccessAction.LIST,
        detail={"check": "anomalies", "day": day.isoformat(), "rows": report.count},
        purpose=AUDIT_PURPOSE,
    )
    return report

"""Who viewed my record: the list of accesses to a person's record, as a PDF to hand to them.

GDPR art. 15 (right of access) and the Garante's Linee guida sul Dossier sanitario (4 June 2015):
the person can obtain the list of accesses to their dossier — the unit, date and time — and
every access, viewing included, is logged and kept at least 24 months (so the default period is
the last 24 months). The registering organisation prints it: its operators who read the record
(``PERSON_VIEW``), or its auditor (``AUDIT_VIEW``, who sees the person only in the limited form
of the people gate: the report names the person by number). For anyone else the person is a 404
like a missing one. Printing it is itself logged.

Operator names are **not** printed (``SHOW_OPERATOR_NAMES``): the Garante's guidance gives the
person the unit (organisation, and the unit and role the operator acted in), the date and the
time; an operator's name is personal data of the operator, not needed for the person to check
who looked at their record (GDPR art. 5.1.c, minimisation). When a specific access needs
explaining, the person asks the organisation's data-protection officer, who reads the full
entry in the access log.

The role printed is the one the operator held *at the time of the access*: the membership's
history (pghistory events of ``accounts.Membership``) gives its roles and unit on that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integra.audit.models import AccessAction, AccessLog, AccessOutcome
from integra.audit.operators import MembershipStates, role_labels
from integra.audit.selectors import AUDIT_TIME_ZONE
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, PermissionRequired
from integra.core.permissions import Permission
from integra.organizations.models import Unit
from integra.people import gate
from integra.people.dossier_errors import DossierError, DossierErrorCode
from integra.people.emergency import EMERGENCY_PURPOSE
from integra.people.gate import PersonRef
from integra.people.models import Person

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(9000, 12, 31)
# See the module's docstring: the person gets organisation, unit, role, date and time.
SHOW_OPERATOR_NAMES = False
DEFAULT_MONTHS = 24
# A longer list is cut (the most recent rows first) with a note asking for a shorter period.
MAX_ROWS = 5000
# Stored (and hashed) in the access log.
REPORT_PURPOSE = "Diritto di accesso dell'interessato (GDPR art. 15)"

# What the ``view`` of an access-log entry means, in words for the person.
VIEW_LABELS: dict[str, Any] = {
    "anagrafica": gettext_lazy("scheda anagrafica"),
    "limitata": gettext_lazy("scheda in forma limitata (solo l'ente da contattare)"),
    "documenti": gettext_lazy("documenti"),
    "documento": gettext_lazy("file di un documento"),
    "nucleo": gettext_lazy("nucleo familiare e caregiver"),
    "isee": gettext_lazy("ISEE"),
    "consensi": gettext_lazy("consensi"),
    "modulo_consenso": gettext_lazy("modulo di consenso"),
    "storico": gettext_lazy("storico delle modifiche"),
    "valutazioni": gettext_lazy("valutazioni"),
    "andamento punteggi": gettext_lazy("andamento dei punteggi"),
    "seduta_uvm": gettext_lazy("seduta UVM"),
    "requisiti": gettext_lazy("verifica dei requisiti per le misure"),
    "evidenze": gettext_lazy("evidenze per le misure"),
    "oscuramenti": gettext_lazy("oscuramenti"),
    "apertura_accesso_emergenza": gettext_lazy("apertura dell'accesso di emergenza"),
    "registro_accessi": gettext_lazy("registro degli accessi"),
}


def months_back(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the last day of that month when it is shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)  # pragma: no cover - every month has a 28th


def default_period(today: date | None = None) -> tuple[date, date]:
    day = today or timezone.localdate()
    return months_back(day, DEFAULT_MONTHS), day


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    organization: str
    unit: str
    roles: list[str]
    operator: str
    action: str
    what: str
    purpose: str
    emergency: bool


@dataclass(frozen=True)
class AccessReport:
    person: PersonRef
    date_from: date
    date_to: date
    rows: list[AccessRow]
    total: int
    generated_at: datetime
    generated_by_organization: str
    show_operator_names: bool

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)

    @property
    def emergency_count(self) -> int:
        return sum(1 for row in self.rows if row.emergency)


def _pk(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def access_report_person(actor: Actor | None, person_id: object) -> tuple[Person, PersonRef]:
    """The person, if the actor's organisation registered them and the actor may print the
    report (an operator who reads the record, or the auditor), with the reference the people
    gate gives the actor; the same ``NotFound`` as a missing person otherwise. Nothing is
    logged here (the report is, when printed)."""
    if actor is None or actor.organization_id is None:
        raise PermissionRequired(Permission.PERSON_VIEW)
    if actor.has(Permission.PERSON_VIEW):
        person = gate.person_full(actor=actor, person_id=person_id)
        if person.registered_by_id != actor.organization_id:
            raise NotFound()
        return person, gate.full_ref_of(person)
    if actor.has(Permission.AUDIT_VIEW):
        found = Person.objects.filter(
            pk=_pk(person_id), registered_by_id=actor.organization_id
        ).first()
        if found is None:
            raise NotFound()
        return found, gate.person_ref(actor, found.pk)
    raise PermissionRequired(Permission.PERSON_VIEW)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=AUDIT_TIME_ZONE)


def _what(entry: AccessLog) -> str:
    view = (entry.detail or {}).get("view") if isinstance(entry.detail, dict) else None
    if isinstance(view, str) and view in VIEW_LABELS:
        return str(VIEW_LABELS[view])
    return entry.subject_type_label.lower()


def _row(entry: AccessLog, states: MembershipStates, units: dict[int, str]) -> AccessRow:
    roles, unit_id = states.at(entry.membership_id, entry.at)
    return AccessRow(
        at=entry.at.astimezone(AUDIT_TIME_ZONE),
        organization=entry.organization.name if entry.organization else "—",
        unit=units.get(unit_id, "") if unit_id else "",
        roles=role_labels(roles),
        operator=entry.username if SHOW_OPERATOR_NAMES else "",
        action=str(entry.get_action_display()),
        what=_what(entry),
        purpose=entry.purpose,
        emergency=entry.purpose == EMERGENCY_PURPOSE
        or "emergency_access_id" in (entry.detail or {}),
    )


def access_report(
    *,
    actor: Actor | None,
    person_id: object,
    date_from: date | None = None,
    date_to: date | None = None,
) -> AccessReport:
    """The accesses to a person's record (allowed reads of the person and of every row that
    belongs to them, merged records included) from ``date_from`` to ``date_to`` (days in
    Rome, both included; default the last 24 months), oldest first. A constant number of
    queries. Printing it is logged (``{"view": "registro_accessi"}``)."""
    person, ref = access_report_person(actor, person_id)
    assert actor is not None  # access_report_person() refuses None
    default_from, default_to = default_period()
    start, end = date_from or default_from, date_to or default_to
    if end < start:
        raise DossierError(
            DossierErrorCode.PERIOD_INVALID,
            {"date_to": [_("La data finale precede la data iniziale.")]},
        )
    person_ids = [
        person.pk,
        *Person.objects.filter(merged_into=person).values_list("pk", flat=True),
    ]
    # No access is older or newer than these days (and a bound beyond them would not survive
    # the conversion to UTC).
    first, last = min(max(start, FIRST_DAY), LAST_DAY), min(max(end, FIRST_DAY), LAST_DAY)
    entries = (
        AccessLog.objects.filter(
            person_id__in=person_ids,
            outcome=AccessOutcome.ALLOWED,
            at__gte=_day_start(first),
            at__lt=_day_start(last + timedelta(days=1)),
        )
        .select_related("organization")
        .order_by("at", "seq")
    )
    total = entries.count()
    chosen = (
        list(entries[:MAX_ROWS])
        if total <= MAX_ROWS
        else list(reversed(entries.order_by("-at", "-seq")[:MAX_ROWS]))
    )
    states = MembershipStates({e.membership_id for e in chosen if e.membership_id is not None})
    units = dict(Unit.objects.filter(pk__in=states.unit_ids()).values_list("pk", "name"))
    with translation.override("it"):  # the list is handed to the person: in Italian
        rows = [_row(entry, states, units) for entry in chosen]
    access_log_record(
        actor=actor,
        subject=person,
        action=AccessAction.PRINT,
        detail={
            "view": "registro_accessi",
            "date_from": start.isoformat(),
            "date_to": end.isoformat(),
            "rows": len(rows),
        },
        purpose=REPORT_PURPOSE,
    )
    organization = actor.organization
    return AccessReport(
        person=ref,
        date_from=start,
        date_to=end,
        rows=rows,
        total=total,
        generated_at=timezone.now().astimezone(AUDIT_TIME_ZONE),
        generated_by_organization=organization.name if organization else "",
        show_operator_names=SHOW_OPERATOR_NAMES,
    )


def access_report_html(report: AccessReport) -> str:
    with translation.override("it"):
        return render_to_string("people/access_report_pdf.html", {"report": report})


def access_report_pdf(report: AccessReport) -> bytes:
    from weasyprint import HTML  # imported here: loading it costs ~0.3 s

    return bytes(HTML(string=access_report_html(report)).write_pdf(pdf_variant="pdf/ua-1") or b"")


def access_report_file_name(report: AccessReport) -> str:
    return f"registro-accessi-persona-{report.person.id}-{report.date_to:%Y%m%d}.pdf"

"""The timeline's sources for the apps below it: PUA requests and pre-assessments (intake),
assessments and UVM sessions (assessments), documents and consents (people), and the diary's own
notes. Each reads through the access policy (``scoped``) in one query per page; a health item
shows its values only to ``HEALTH_DATA_VIEW`` (the scope already leaves out what the actor may
not read at all).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import DateTimeField, F
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integra.assessments.models import Assessment, Domain, UvmSession
from integra.core.access import Actor, scoped
from integra.core.health import may_see_health
from integra.intake.models import IntakeRequest
from integra.people.models import Consent, PersonDocument
from integra.timeline.models import CaseNote, NoteDomain
from integra.timeline.sources import (
    Cursor,
    TimelineFilters,
    TimelineItem,
    register_source,
    seek,
)


class Kind:
    INTAKE_REQUEST = "intake_request"
    PRE_ASSESSMENT = "pre_assessment"
    ASSESSMENT = "assessment"
    UVM_SESSION = "uvm_session"
    DOCUMENT = "document"
    CONSENT = "consent"
    CASE_NOTE = "case_note"


def _org_name(organization: object) -> str:
    return str(getattr(organization, "name", "") or "")


def intake_requests(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, IntakeRequest).filter(person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(pua__organization_id=filters.organization_id)
    qs = qs.select_related("pua__organization").annotate(when=F("received_at"))
    for row in seek(qs, kind=Kind.INTAKE_REQUEST, before=before, limit=limit):
        yield TimelineItem(
            when=row.when,
            kind=Kind.INTAKE_REQUEST,
            id=row.pk,
            title=_("Richiesta al PUA n. %(n)s") % {"n": row.pk},
            summary=_("%(channel)s · stato: %(state)s")
            % {"channel": row.get_channel_display(), "state": row.get_state_display()},
            organisation=_org_name(row.pua.organization),
            organization_id=row.pua.organization_id,
            url=reverse("intake:request_detail", args=[row.pk]),
            is_health=False,
        )


def pre_assessments(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    """The PUA's pre-assessment of a request: the operator's decision only (the triage's answers
    and result are health data, shown on the request's page to whoever may read them)."""
    qs = scoped(actor, IntakeRequest).filter(person_id=person_id, triage_at__isnull=False)
    if filters.organization_id is not None:
        qs = qs.filter(pua__organization_id=filters.organization_id)
    qs = qs.select_related("pua__organization").annotate(when=F("triage_at"))
    for row in seek(qs, kind=Kind.PRE_ASSESSMENT, before=before, limit=limit):
        decision = row.get_decision_need_display() if row.decision_need else ""
        yield TimelineItem(
            when=row.when,
            kind=Kind.PRE_ASSESSMENT,
            id=row.pk,
            title=_("Pre-valutazione della richiesta n. %(n)s") % {"n": row.pk},
            summary=str(decision),
            organisation=_org_name(row.pua.organization),
            organization_id=row.pua.organization_id,
            url=reverse("intake:request_detail", args=[row.pk]),
            is_health=False,
        )


def assessments(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, Assessment).filter(person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    qs = qs.select_related("organization", "instrument_version__instrument").annotate(
        when=Cast("administered_on", DateTimeField())
    )
    health_visible = may_see_health(actor)
    for row in seek(qs, kind=Kind.ASSESSMENT, before=before, limit=limit):
        instrument = row.instrument_version.instrument
        is_health = instrument.domain == Domain.HEALTH
        summary = ""
        if (health_visible or not is_health) and row.total is not None:
            summary = _("Punteggio %(total)s") % {"total": row.total}
            if row.band_label:
                summary += f" · {row.band_label}"
        yield TimelineItem(
            when=row.when,
            kind=Kind.ASSESSMENT,
            id=row.pk,
            title=str(instrument.title),
            summary=summary,
            organisation=_org_name(row.organization),
            organization_id=row.organization_id,
            url=reverse("assessments:detail", args=[row.pk]),
            is_health=is_health,
            date_only=True,
        )


def uvm_sessions(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, UvmSession).filter(person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    qs = qs.select_related("organization").annotate(when=F("scheduled_for"))
    for row in seek(qs, kind=Kind.UVM_SESSION, before=before, limit=limit):
        yield TimelineItem(
            when=row.when,
            kind=Kind.UVM_SESSION,
            id=row.pk,
            title=_("Seduta UVM"),
            summary=_("Stato: %(state)s") % {"state": row.get_state_display()},
            organisation=_org_name(row.organization),
            organization_id=row.organization_id,
            url=reverse("assessments:uvm_detail", args=[row.pk]),
            is_health=False,
        )


def documents(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, PersonDocument).filter(person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(uploaded_by__organization_id=filters.organization_id)
    qs = qs.select_related("uploaded_by__organization").annotate(when=F("created_at"))
    for row in seek(qs, kind=Kind.DOCUMENT, before=before, limit=limit):
        summary = ""
        if row.expires_on:
            summary = _("Scade il %(day)s") % {"day": row.expires_on.strftime("%d/%m/%Y")}
        yield TimelineItem(
            when=row.when,
            kind=Kind.DOCUMENT,
            id=row.pk,
            title=_("Documento registrato: %(kind)s") % {"kind": row.get_kind_display()},
            summary=summary,
            organisation=_org_name(row.uploaded_by.organization),
            organization_id=row.uploaded_by.organization_id,
            url=reverse("people:documents", args=[person_id]),
            is_health=False,
        )


def consents(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, Consent).filter(person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(recorded_by_organization_id=filters.organization_id)
    qs = qs.select_related("recorded_by_organization").annotate(
        when=Cast("decided_on", DateTimeField())
    )
    for row in seek(qs, kind=Kind.CONSENT, before=before, limit=limit):
        yield TimelineItem(
            when=row.when,
            kind=Kind.CONSENT,
            id=row.pk,
            title=_("Consenso: %(purpose)s") % {"purpose": row.get_purpose_display()},
            summary=str(row.get_status_display()),
            organisation=_org_name(row.recorded_by_organization),
            organization_id=row.recorded_by_organization_id,
            url=reverse("people:consents", args=[person_id]),
            is_health=False,
            date_only=True,
        )


def case_notes(
    actor: Actor, person_id: int, filters: TimelineFilters, before: Cursor | None, limit: int
) -> Iterator[TimelineItem]:
    qs = scoped(actor, CaseNote).filter(person_id=person_id)
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    qs = qs.select_related("organization").annotate(when=F("occurred_at"))
    diary = reverse("timeline:diary", args=[person_id])
    for row in seek(qs, kind=Kind.CASE_NOTE, before=before, limit=limit):
        yield TimelineItem(
            when=row.when,
            kind=Kind.CASE_NOTE,
            id=row.pk,
            title=_("%(kind)s (nota %(domain)s)")
            % {"kind": row.get_kind_display(), "domain": row.get_domain_display().lower()},
            # The diary is where notes are read: the whole text.
            summary=row.text,
            organisation=_org_name(row.organization),
            organization_id=row.organization_id,
            url=f"{diary}#nota-{row.pk}",
            is_health=row.domain == NoteDomain.HEALTH,
        )


register_source(Kind.INTAKE_REQUEST, intake_requests, label=gettext_lazy("Richieste al PUA"))
register_source(Kind.PRE_ASSESSMENT, pre_assessments, label=gettext_lazy("Pre-valutazioni"))
register_source(Kind.ASSESSMENT, assessments, label=gettext_lazy("Valutazioni"))
register_source(Kind.UVM_SESSION, uvm_sessions, label=gettext_lazy("Sedute UVM"))
register_source(Kind.DOCUMENT, documents, label=gettext_lazy("Documenti"))
register_source(Kind.CONSENT, consents, label=gettext_lazy("Consensi"))
register_source(Kind.CASE_NOTE, case_notes, label=gettext_lazy("Note del diario"))

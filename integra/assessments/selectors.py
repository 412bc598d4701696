"""Reads: the catalogue, a person's assessments, the series of one instrument's scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from integra.assessments.models import Assessment, Instrument, InstrumentVersion
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, get_visible, scoped
from integra.people.gate import attach_person_refs, person_full
from integra.people.models import Person


def instrument_list() -> QuerySet[InstrumentVersion]:
    """The current version of every instrument, by title."""
    return (
        InstrumentVersion.objects.filter(is_current=True)
        .select_related("instrument")
        .order_by("instrument__title")
    )


def instrument_version_get(*, code: str, version: str | None = None) -> InstrumentVersion:
    """One version (the current one without ``version``), or ``NotFound``."""
    qs = InstrumentVersion.objects.select_related("instrument").filter(instrument__code=code)
    found = qs.filter(version=version).first() if version else qs.filter(is_current=True).first()
    if found is None:
        raise NotFound()
    return found


def instrument_versions(*, code: str) -> list[InstrumentVersion]:
    return list(
        InstrumentVersion.objects.filter(instrument__code=code).order_by("-loaded_at", "-pk")
    )


def instruments_by_code() -> dict[str, Instrument]:
    return {i.code: i for i in Instrument.objects.all()}


def _assessment_queryset() -> QuerySet[Assessment]:
    return Assessment.objects.select_related(
        "instrument_version__instrument", "administered_by", "organization"
    )


def person_for_assessments(*, actor: Actor | None, person_id: int) -> Person:
    """The person, if visible with its content (``NotFound`` otherwise)."""
    return person_full(actor=actor, person_id=person_id)


def person_assessments(actor: Actor | None, person: Person) -> QuerySet[Assessment]:
    """The assessments of ``person`` that ``actor`` may read, newest first (logged)."""
    person = person_for_assessments(actor=actor, person_id=person.pk)
    qs = scoped(actor, _assessment_queryset()).filter(person=person)
    access_log_record(
        actor=actor, subject=person, action=AccessAction.VIEW, detail={"view": "valutazioni"}
    )
    return qs.order_by("-administered_on", "-pk")


def assessment_get(*, actor: Actor | None, assessment_id: int) -> Assessment:
    """One assessment the actor may read, or ``NotFound`` (logged)."""
    assessment = get_visible(actor, _assessment_queryset(), pk=assessment_id)
    attach_person_refs(actor, [assessment])
    access_log_record(actor=actor, subject=assessment, action=AccessAction.VIEW)
    return assessment


@dataclass(frozen=True)
class ScorePoint:
    assessment_id: int
    administered_on: date
    total: int | None
    band_label: str
    version: str


def score_series(actor: Actor | None, person: Person, code: str) -> list[ScorePoint]:
    """The totals of instrument ``code`` for ``person`` over time, oldest first."""
    person = person_for_assessments(actor=actor, person_id=person.pk)
    rows = (
        scoped(actor, Assessment.objects.all())
        .filter(person=person, instrument_code=code)
        .order_by("administered_on", "pk")
        .values_list("pk", "administered_on", "total", "band_label", "instrument_version__version")
    )
    points = [ScorePoint(*row) for row in rows]
    access_log_record(
        actor=actor,
        subject=person,
        action=AccessAction.VIEW,
        detail={"view": "andamento punteggi", "instrument": code},
    )
    return points


def series_by_instrument(assessments: list[Assessment]) -> dict[str, list[ScorePoint]]:
    """Series per instrument code from already-loaded assessments (no query), oldest first."""
    series: dict[str, list[ScorePoint]] = {}
    for a in sorted(assessments, key=lambda a: (a.administered_on, a.pk)):
        series.setdefault(a.instrument_code, []).append(
            ScorePoint(a.pk, a.administered_on, a.total, a.band_label, a.instrument_version.version)
        )
    return series


def instrument_version_words(*, code: str, version: str) -> str:
    """An instrument and version as a page names them: "Scheda di pre-valutazione PUA (triage),
    versione 2026.1" (the code itself only for an instrument no longer known)."""
    if not code:
        return ""
    title = Instrument.objects.filter(code=code).values_list("title", flat=True).first()
    if not version:
        return title or code
    return _("%(title)s, versione %(version)s") % {"title": title or code, "version": version}

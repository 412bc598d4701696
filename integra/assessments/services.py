"""Writes: loading instrument definitions and recording assessments."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pghistory
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.assessments import access
from integra.assessments.definitions import (
    DefinitionError,
    InstrumentDefinition,
    load_file,
    load_text,
    shipped_files,
)
from integra.assessments.errors import AssessmentError
from integra.assessments.models import Assessment, Instrument, InstrumentVersion
from integra.assessments.scoring import ScoringError, score
from integra.core.access import Actor, NotFound, PermissionRequired, get_visible
from integra.people.models import Person


class InstrumentLoadError(Exception):
    """A definition that may not be loaded; ``errors`` are Italian messages."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class LoadResult:
    version: InstrumentVersion
    created: bool


def definition_sha256(definition: InstrumentDefinition) -> str:
    """A fingerprint of the content, independent of formatting and key order in the file.

    An item's ``health`` flag counts only when set, so the fingerprints of the versions
    published before the flag existed stay what they were."""
    content = definition.model_dump(mode="json")
    for item in content.get("items") or []:
        if item.get("health") is False:
            del item["health"]
    canonical = json.dumps(
        content,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def instrument_load(
    *, definition: InstrumentDefinition, loaded_by: Any = None, make_current: bool = True
) -> LoadResult:
    """Store ``definition`` as a version of its instrument (idempotent).

    The same version with the same content is a no-op; the same version with different content
    is refused (a published version never changes: old scores would change with it). A new
    version becomes the current one unless ``make_current`` is false.
    """
    digest = definition_sha256(definition)
    data = definition.model_dump(mode="json")
    with transaction.atomic(), pghistory.context(reason="instrument_load"):
        instrument, _created = Instrument.objects.select_for_update().get_or_create(
            code=definition.code,
            defaults={"title": definition.title, "domain": definition.domain},
        )
        if instrument.domain != definition.domain:
            raise InstrumentLoadError(
                [
                    _("Lo strumento %(code)s è già registrato con un altro ambito (%(domain)s).")
                    % {"code": definition.code, "domain": instrument.get_domain_display()}
                ]
            )
        existing = InstrumentVersion.objects.filter(
            instrument=instrument, version=definition.version
        ).first()
        if existing is not None:
            if existing.sha256 != digest:
                raise InstrumentLoadError(
                    [
                        _(
                            "La versione %(version)s di %(code)s esiste già con un contenuto "
                            "diverso: una versione pubblicata non si modifica, caricane una nuova."
                        )
                        % {"version": definition.version, "code": definition.code}
                    ]
                )
            return LoadResult(version=existing, created=False)
        if make_current:
            InstrumentVersion.objects.filter(instrument=instrument, is_current=True).update(
                is_current=False
            )
            if instrument.title != definition.title:
                instrument.title = definition.title
                instrument.save(update_fields=["title"])
        version = InstrumentVersion.objects.create(
            instrument=instrument,
            version=definition.version,
            definition=data,
            sha256=digest,
            loaded_by=loaded_by,
            is_current=make_current
            or not InstrumentVersion.objects.filter(instrument=instrument).exists(),
        )
    return LoadResult(version=version, created=True)


def instrument_load_text(
    *, text: str | bytes, filename: str = "", loaded_by: Any = None
) -> LoadResult:
    """Validate and load a YAML or JSON file's content (admin upload, command)."""
    try:
        definition = load_text(text, filename=filename)
    except DefinitionError as exc:
        raise InstrumentLoadError(exc.errors) from exc
    return instrument_load(definition=definition, loaded_by=loaded_by)


def instrument_load_file(*, path: str | Path, loaded_by: Any = None) -> LoadResult:
    try:
        definition = load_file(path)
    except DefinitionError as exc:
        raise InstrumentLoadError(exc.errors) from exc
    return instrument_load(definition=definition, loaded_by=loaded_by)


def load_shipped_instruments(**kwargs: Any) -> None:
    """``post_migrate``: load the instruments shipped in ``instruments/`` (idempotent).

    A shipped version already present is left as it is; if a region has made another version
    current, a shipped version loaded for the first time does not replace it."""
    if InstrumentVersion._meta.db_table not in connection.introspection.table_names():
        return  # migrating backwards, or the app's tables not created yet
    for path in shipped_files():
        definition = load_file(path)
        has_current = InstrumentVersion.objects.filter(
            instrument__code=definition.code, is_current=True
        ).exists()
        instrument_load(definition=definition, make_current=not has_current)


def current_version(code: str) -> InstrumentVersion:
    """The version in use of instrument ``code``, or ``NotFound``."""
    version = (
        InstrumentVersion.objects.select_related("instrument")
        .filter(instrument__code=code, is_current=True)
        .first()
    )
    if version is None:
        raise NotFound()
    return version


def record_assessment(
    actor: Actor,
    person: Person,
    instrument_code: str,
    answers: Mapping[str, str],
    context: Mapping[str, str] | None,
    administered_on: date,
    notes: str = "",
) -> Assessment:
    """Score ``answers`` with the current version of the instrument and store the result.

    The person must be visible to the actor with its content (``NotFound`` otherwise); the
    actor needs the recording permission of the instrument's domain (``access.may_record``,
    else ``PermissionRequired``). Bad answers or context, or a date in the future, raise
    ``AssessmentError`` naming each; nothing is written.
    """
    if actor is None or actor.membership is None:
        raise NotFound()
    person = get_visible(actor, Person, pk=person.pk)
    try:
        version = current_version(instrument_code)
    except NotFound:
        raise AssessmentError(
            {"instrument_code": _("Strumento di valutazione sconosciuto.")}
        ) from None
    definition = version.parsed()
    if not access.may_record(actor, definition.domain):
        raise PermissionRequired(access.RECORD_PERMISSIONS[definition.domain][0])
    errors: dict[str, str] = {}
    context_keys: frozenset[str] = frozenset()
    try:
        result = score(definition, answers, context)
    except ScoringError as exc:
        errors.update(exc.item_messages)
        context_keys = exc.context_keys
        result = None
    answer_keys = frozenset(errors) - context_keys
    if administered_on > timezone.localdate():
        errors["administered_on"] = _("La data della valutazione non può essere futura.")
    if errors or result is None:
        raise AssessmentError(errors, answer_keys=answer_keys, context_keys=context_keys)
    with transaction.atomic(), pghistory.context(reason="assessment_record"):
        assessment = Assessment(
            person=person,
            instrument_code=definition.code,
            instrument_version=version,
            organization=actor.organization,
            administered_by=actor.user,
            administered_on=administered_on,
            answers=dict(answers),
            context=dict(context or {}),
            total=result.total,
            subscores=result.subscores,
            band_code=result.band_code,
            band_label=result.band_label,
            notes=notes,
        )
        assessment.full_clean()
        assessment.save()
    return assessment


def rescore(assessment: Assessment) -> Any:
    """The full result of an existing assessment, always with its own version."""
    return score(assessment.instrument_version.parsed(), assessment.answers, assessment.context)


__all__ = [
    "AssessmentError",
    "InstrumentLoadError",
    "LoadResult",
    "current_version",
    "instrument_load",
    "instrument_load_file",
    "instrument_load_text",
    "load_shipped_instruments",
    "record_assessment",
    "rescore",
]

"""Writes of the person registry: register and change a person, take a person in charge.

Every function is keyword-only, atomic, checks the permission and the visibility of the person
through the access policy, validates every field (all problems at once, in Italian, by field)
and adds the reason to the history context (pghistory) of what it writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, PermissionRequired, get_visible, require
from integra.core.models import Municipality
from integra.core.permissions import Permission
from integra.organizations.models import Organization
from integra.organizations.search import normalize
from integra.people.access import active_care_relationships, may_see_content
from integra.people.errors import PersonError, PersonErrorCode
from integra.people.identifiers import (
    IdentifierKind,
    Mismatch,
    check_identifier,
    compare_with_person,
    is_known_place,
    normalise,
    stp_valid_until,
)
from integra.people.matching import PossibleDuplicate
from integra.people.models import (
    CareRelationship,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    Person,
    PersonIdentifier,
    Sex,
)
from integra.people.selectors import person_duplicate_candidates

# The fields of a person an operator writes (status and merge belong to the merge, later).
PERSON_FIELDS = (
    "family_names",
    "given_names",
    "sex",
    "birth_date",
    "birth_place_municipality_id",
    "birth_place_code",
    "citizenships",
    "languages",
    "needs_cultural_mediator",
    "marital_status",
    "education",
    "employment",
    "living_situation",
    "residence_address",
    "residence_municipality_id",
    "domicile_address",
    "domicile_municipality_id",
    "phone",
    "email",
    "legal_guardian_name",
    "legal_guardian_kind",
    "family_doctor_name",
)
_MUNICIPALITY_FIELDS = (
    "birth_place_municipality_id",
    "residence_municipality_id",
    "domicile_municipality_id",
)
_TEXT_FIELDS = frozenset(
    {
        "family_names",
        "given_names",
        "residence_address",
        "domicile_address",
        "phone",
        "email",
        "legal_guardian_name",
        "family_doctor_name",
    }
)
_ISO_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ISO_LANGUAGE = re.compile(r"^[a-z]{2}$")
_BELFIORE = re.compile(r"^[A-Z][0-9]{3}$")
# When no identifier is marked primary, the strongest one is: the codice fiscale first.
_PRIMARY_ORDER = [
    IdentifierKind.CF,
    IdentifierKind.CF_PROVISIONAL,
    IdentifierKind.STP,
    IdentifierKind.ENI,
    IdentifierKind.TEAM,
]
# Checked by the service itself (one query each, not two).
_NOT_CLEANED = [
    "registered_by",
    "search_name",
    "merged_into",
    "birth_place_municipality",
    "residence_municipality",
    "domicile_municipality",
]
# Reason of the care relationship opened for the organisation that registers a person.
REGISTRATION_REASON = "registrazione"
CONFIRM_REASON_MAX_LENGTH = 500


class _Problems:
    """Every problem found in the input, by field, so that the operator sees them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.codes: list[PersonErrorCode] = []

    def add(
        self, field: str, message: str, code: PersonErrorCode = PersonErrorCode.PERSON_INVALID
    ) -> None:
        self.errors.setdefault(field, []).append(str(message))
        self.codes.append(code)

    def add_validation_error(self, exc: ValidationError) -> None:
        """Messages of ``full_clean``, for the fields our own checks did not already explain."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add("__all__", message)
            return
        for field, messages in exc.message_dict.items():
            name = _api_field(field)
            if name in self.errors:
                continue  # already explained by our own check, in our words
            for message in messages:
                self.add(name, message)

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        distinct = set(self.codes)
        code = self.codes[0] if len(distinct) == 1 else PersonErrorCode.PERSON_INVALID
        raise PersonError(code, self.errors)


def _api_field(model_field: str) -> str:
    return f"{model_field}_id" if f"{model_field}_id" in _MUNICIPALITY_FIELDS else model_field


def _clean_person_data(
    data: Mapping[str, Any], problems: _Problems, *, partial: bool
) -> dict[str, Any]:
    """The person fields of ``data``, trimmed and normalised; unknown keys are an error."""
    unknown = sorted(set(data) - set(PERSON_FIELDS) - {"identifiers"})
    for key in unknown:
        problems.add(key, _("Campo non previsto."))
    values: dict[str, Any] = {}
    for key in PERSON_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in _TEXT_FIELDS or key in {
            "marital_status",
            "education",
            "employment",
            "living_situation",
            "legal_guardian_kind",
        }:
            value = "" if value is None else str(value).strip()
            if "\x00" in value:
                # PostgreSQL text cannot hold NUL: refuse it as bad input, not a server error.
                problems.add(key, _("Il testo contiene caratteri non ammessi."))
                continue
        values[key] = value
    for key in ("family_names", "given_names"):
        if key in problems.errors:
            continue
        if (key in values or not partial) and not values.get(key):
            problems.add(key, _("Campo obbligatorio."))
    if "sex" in values and values["sex"] in (None, ""):
        values["sex"] = Sex.NOT_STATED
    if values.get("birth_date") and values["birth_date"] > timezone.localdate():
        problems.add("birth_date", _("La data di nascita non può essere nel futuro."))
    if "birth_place_code" in values:
        values["birth_place_code"] = normalise(values["birth_place_code"] or "")
    if "citizenships" in values:
        values["citizenships"] = _clean_codes(
            values["citizenships"] or [],
            upper=True,
            pattern=_ISO_COUNTRY,
            field="citizenships",
            message=_("«%(code)s» non è un codice di Stato ISO 3166-1 di due lettere (es. IT)."),
            problems=problems,
        )
    if "languages" in values:
        values["languages"] = _clean_codes(
            values["languages"] or [],
            upper=False,
            pattern=_ISO_LANGUAGE,
            field="languages",
            message=_("«%(code)s» non è un codice di lingua ISO 639-1 di due lettere (es. it)."),
            problems=problems,
        )
    if "needs_cultural_mediator" in values and values["needs_cultural_mediator"] is None:
        values["needs_cultural_mediator"] = False
    return values


def _clean_codes(
    raw: list[str],
    *,
    upper: bool,
    pattern: re.Pattern[str],
    field: str,
    message: str,
    problems: _Problems,
) -> list[str]:
    chosen: list[str] = []
    for item in raw:
        code = str(item).strip().replace("\x00", "")
        code = code.upper() if upper else code.lower()
        if not pattern.fullmatch(code):
            problems.add(field, message % {"code": item})
        elif code not in chosen:
            chosen.append(code)
    return chosen


def _apply_birth_place(person: Person, values: dict[str, Any], problems: _Problems) -> None:
    """Keep ``birth_place_code`` and the birth Comune consistent.

    A Comune gives its Belfiore code; a code alone names a current Comune (linked), a ceased
    one or a foreign country (``Z…``, no link). Both given and different is an error.
    """
    touched_fk = "birth_place_municipality_id" in values
    touched_code = "birth_place_code" in values
    if not (touched_fk or touched_code):
        return
    municipality: Municipality | None = person.birth_place_municipality if not touched_fk else None
    if touched_fk and values["birth_place_municipality_id"] is not None:
        municipality = Municipality.objects.filter(pk=values["birth_place_municipality_id"]).first()
        if municipality is None:
            problems.add("birth_place_municipality_id", _("Comune non trovato."))
            return
    code = values["birth_place_code"] if touched_code else ""
    if code and not _BELFIORE.fullmatch(code):
        problems.add(
            "birth_place_code", _("Il codice del luogo è una lettera seguita da tre cifre.")
        )
        return
    if code and not is_known_place(code) and (municipality is None):
        problems.add(
            "birth_place_code",
            _(
                "Il codice %(code)s non corrisponde a nessun Comune italiano (attuale o "
                "soppresso) né a uno Stato estero."
            )
            % {"code": code},
        )
        return
    if municipality is not None and code and code != municipality.belfiore_code:
        problems.add(
            "birth_place_code",
            _("Il codice %(code)s non è quello del Comune di nascita indicato (%(expected)s).")
            % {"code": code, "expected": municipality.belfiore_code},
        )
        return
    if municipality is None and code and not code.startswith("Z"):
        municipality = Municipality.objects.filter(belfiore_code=code).first()
    if touched_fk and municipality is None and not touched_code:
        code = ""  # the Comune was removed: so is its code
    person.birth_place_municipality = municipality
    person.birth_place_code = municipality.belfiore_code if municipality is not None else code


def _apply_values(person: Person, values: dict[str, Any], problems: _Problems) -> None:
    _apply_birth_place(person, values, problems)
    for key in ("residence_municipality_id", "domicile_municipality_id"):
        if key in values:
            pk = values[key]
            if pk is not None and not Municipality.objects.filter(pk=pk).exists():
                problems.add(key, _("Comune non trovato."))
                continue
            setattr(person, key, pk)
    for key, value in values.items():
        if key in _MUNICIPALITY_FIELDS or key == "birth_place_code":
            continue
        setattr(person, key, value)
    if person.legal_guardian_kind and not person.legal_guardian_name:
        problems.add(
            "legal_guardian_name",
            _("Indica il nome del tutore, curatore o amministratore di sostegno."),
        )
    person.search_name = normalize(f"{person.family_names} {person.given_names}")


def _full_clean(obj: Any, problems: _Problems, *, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        problems.add_validation_error(exc)


def _clean_identifiers(
    raw: list[Mapping[str, Any]], problems: _Problems, *, exclude_person_id: int | None = None
) -> list[PersonIdentifier]:
    """Validated, normalised identifiers (not saved); a taken code is refused without saying
    whose it is."""
    built: list[PersonIdentifier] = []
    seen: set[tuple[str, str, str]] = set()
    for index, item in enumerate(raw):
        field = f"identifiers.{index}.value"
        value = str(item.get("value") or "")
        declared = item.get("kind") or None
        country = normalise(str(item.get("issuing_country") or ""))
        team_country = country if declared == IdentifierKind.TEAM else None
        report = check_identifier(value, team_country=team_country)
        if not report.valid:
            for error in report.errors:
                problems.add(
                    field,
                    _("Identificativo %(value)s non valido: %(reason)s")
                    % {"value": report.normalised or "—", "reason": error.message},
                    PersonErrorCode.IDENTIFIER_INVALID,
                )
            continue
        assert report.kind is not None  # a valid report always has its kind
        if declared is not None and declared != report.kind:
            problems.add(
                f"identifiers.{index}.kind",
                _("Il codice %(value)s è di tipo «%(found)s», non «%(declared)s».")
                % {
                    "value": report.normalised,
                    "found": IdentifierKind(report.kind).label,
                    "declared": IdentifierKind(declared).label,
                },
                PersonErrorCode.IDENTIFIER_INVALID,
            )
            continue
        kind = IdentifierKind(report.kind)
        key = (str(kind), country if kind == IdentifierKind.TEAM else "", report.normalised)
        if key in seen:
            problems.add(
                field,
                _("Il codice %(value)s è indicato due volte.") % {"value": report.normalised},
                PersonErrorCode.IDENTIFIER_INVALID,
            )
            continue
        seen.add(key)
        issued_on: date | None = item.get("issued_on")
        valid_until: date | None = item.get("valid_until")
        if issued_on is not None and issued_on > timezone.localdate():
            problems.add(
                f"identifiers.{index}.issued_on",
                _("La data di rilascio non può essere nel futuro."),
                PersonErrorCode.IDENTIFIER_INVALID,
            )
            continue
        # STP and ENI codes last six months (circolari Min. Salute 3/8/2007 and 19/2/2008).
        if valid_until is None and issued_on and kind in (IdentifierKind.STP, IdentifierKind.ENI):
            valid_until = stp_valid_until(issued_on)
        taken = PersonIdentifier.objects.filter(kind=kind, value=report.normalised)
        if kind == IdentifierKind.TEAM:
            taken = taken.filter(issuing_country=country)
        if exclude_person_id is not None:
            taken = taken.exclude(person_id=exclude_person_id)
        if taken.exists():
            problems.add(field, _taken_message(report.normalised), PersonErrorCode.IDENTIFIER_TAKEN)
            continue
        identifier = PersonIdentifier(
            kind=kind,
            value=report.normalised,
            issuing_country=country if kind == IdentifierKind.TEAM else "",
            issued_on=issued_on,
            valid_until=valid_until,
            is_primary=bool(item.get("is_primary")),
        )
        if issued_on and valid_until and valid_until < issued_on:
            problems.add(
                f"identifiers.{index}.valid_until",
                _("La scadenza non può precedere la data di rilascio."),
                PersonErrorCode.IDENTIFIER_INVALID,
            )
        built.append(identifier)
    if sum(1 for i in built if i.is_primary) > 1:
        problems.add(
            "identifiers",
            _("Un solo identificativo può essere il principale."),
            PersonErrorCode.IDENTIFIER_INVALID,
        )
    return built


def _taken_message(value: str) -> str:
    # Never say whose: the operator may not be allowed to see that person.
    return _(
        "Il codice %(value)s è già registrato nell'anagrafe. Se la persona è la stessa, "
        "rivolgiti al PUA per essere abilitato alla sua scheda."
    ) % {"value": value}


def _choose_primary(identifiers: list[PersonIdentifier]) -> None:
    if not identifiers or any(i.is_primary for i in identifiers):
        return
    best = min(identifiers, key=lambda i: _PRIMARY_ORDER.index(IdentifierKind(i.kind)))
    best.is_primary = True


def _warnings(person: Person, identifiers: list[PersonIdentifier]) -> list[Mismatch]:
    """Where a codice fiscale disagrees with the sex, birth date or place entered."""
    found: list[Mismatch] = []
    sex = person.sex if person.sex in (Sex.MALE, Sex.FEMALE) else None
    for identifier in identifiers:
        if identifier.kind != IdentifierKind.CF:
            continue
        report = check_identifier(identifier.value)
        if report.fiscal_code is None:
            continue
        found.extend(
            compare_with_person(
                report.fiscal_code,
                sex=sex,  # type: ignore[arg-type]
                birth_date=person.birth_date,
                birth_place_code=person.birth_place_code or None,
            )
        )
    return found


def _save_identifiers(person: Person, identifiers: list[PersonIdentifier]) -> None:
    for identifier in identifiers:
        identifier.person = person
        try:
            with transaction.atomic():
                identifier.save()
        except IntegrityError:
            # Registered by someone else between our check and the insert.
            raise PersonError(
                PersonErrorCode.IDENTIFIER_TAKEN,
                {"identifiers": [_taken_message(identifier.value)]},
            ) from None


def _organization_id(actor: Actor) -> int:
    """The acting organisation (``require`` has passed, so there is a membership)."""
    if actor.organization_id is None:
        raise PermissionRequired(Permission.PERSON_EDIT)
    return actor.organization_id


def person_create(*, actor: Actor, data: Mapping[str, Any]) -> tuple[Person, list[Mismatch]]:
    """Register a person with their identifiers; the actor's organisation takes them in charge.

    Returns the person and the warnings where a codice fiscale disagrees with the data entered
    (a warning, not an error: the code may be the one that is wrong, DM 23/12/1976 allows
    omocodia, and the office that issued it decides).

    Raises :class:`PossibleDuplicate` when someone registered matches at or above
    ``PEOPLE_DUPLICATE_THRESHOLD`` and ``data`` has no ``confirm_new_person_reason``.
    """
    require(actor, Permission.PERSON_EDIT)
    data = dict(data)
    confirm_reason = str(data.pop("confirm_new_person_reason", None) or "").strip()
    problems = _Problems()
    values = _clean_person_data(data, problems, partial=False)
    person = Person(registered_by_id=_organization_id(actor))
    _apply_values(person, values, problems)
    identifiers = _clean_identifiers(list(data.get("identifiers") or []), problems)
    _full_clean(person, problems, exclude=_NOT_CLEANED)
    if len(confirm_reason) > CONFIRM_REASON_MAX_LENGTH:
        problems.add(
            "confirm_new_person_reason",
            _("Il motivo può avere al massimo %(n)d caratteri.") % {"n": CONFIRM_REASON_MAX_LENGTH},
        )
    problems.raise_if_any()
    _choose_primary(identifiers)
    # Possible duplicates across the whole registry: refused unless the operator says why this
    # is a different person (twins, homonyms); the reason goes to the history and the access log.
    likely = [
        c
        for c in person_duplicate_candidates(
            actor=actor,
            data={
                "family_names": person.family_names,
                "given_names": person.given_names,
                "birth_date": person.birth_date,
                "birth_place_code": person.birth_place_code,
                "identifiers": [{"value": i.value, "kind": i.kind} for i in identifiers],
            },
        )
        if c.certain
    ]
    if likely and not confirm_reason:
        raise PossibleDuplicate(likely)
    context: dict[str, Any] = {"reason": "person_create"}
    if confirm_reason:
        context["confirm_new_person_reason"] = confirm_reason
    with transaction.atomic(), pghistory.context(**context):
        person.save()
        _save_identifiers(person, identifiers)
        CareRelationship.objects.create(
            person=person,
            organization_id=person.registered_by_id,
            started_on=timezone.localdate(),
            reason=REGISTRATION_REASON,
            created_by=actor.membership,
        )
    if confirm_reason:
        access_log_record(
            actor=actor,
            subject=person,
            action=AccessAction.SEARCH,
            detail={
                "check": "duplicates",
                "result_count": len(likely),
                "confirm_new_person_reason": confirm_reason,
            },
        )
    return person, _warnings(person, identifiers)


def person_update(
    *, actor: Actor, person_id: object, data: Mapping[str, Any]
) -> tuple[Person, list[Mismatch]]:
    """Change the fields present in ``data`` of a person the actor may see; new identifiers in
    ``data["identifiers"]`` are added (existing ones are never removed here)."""
    require(actor, Permission.PERSON_EDIT)
    with transaction.atomic(), pghistory.context(reason="person_update"):
        person = get_visible(
            actor,
            Person.objects.select_for_update(of=("self",)).select_related(
                "birth_place_municipality"
            ),
            pk=person_id,
        )
        if not may_see_content(actor, person):
            # Without the sharing consent the record may be neither read nor changed: the
            # organisation learns only that the person is known (see person_get).
            raise NotFound()
        problems = _Problems()
        values = _clean_person_data(data, problems, partial=True)
        _apply_values(person, values, problems)
        new_identifiers = _clean_identifiers(
            list(data.get("identifiers") or []), problems, exclude_person_id=person.pk
        )
        existing = list(person.identifiers.all())
        known = {(i.kind, i.issuing_country, i.value) for i in existing}
        new_identifiers = [
            i for i in new_identifiers if (i.kind, i.issuing_country, i.value) not in known
        ]
        if any(i.is_primary for i in new_identifiers) and any(i.is_primary for i in existing):
            problems.add(
                "identifiers",
                _("La persona ha già un identificativo principale."),
                PersonErrorCode.IDENTIFIER_INVALID,
            )
        _full_clean(person, problems, exclude=_NOT_CLEANED)
        problems.raise_if_any()
        if not existing:
            _choose_primary(new_identifiers)
        person.save()
        _save_identifiers(person, new_identifiers)
    return person, _warnings(person, existing + new_identifiers)


def care_relationship_start(
    *,
    actor: Actor,
    person_id: object,
    reason: str,
    organization_id: int | None = None,
    started_on: date | None = None,
) -> CareRelationship:
    """Take a person in charge for the actor's organisation — or, from the PUA
    (``INTAKE_MANAGE``), for the organisation the request is routed to."""
    require(actor, Permission.PERSON_EDIT)
    target_id = organization_id or _organization_id(actor)
    if target_id != actor.organization_id:
        require(actor, Permission.INTAKE_MANAGE)
    with transaction.atomic(), pghistory.context(reason="care_relationship_start"):
        person = get_visible(actor, Person, pk=person_id)
        problems = _Problems()
        if not Organization.objects.filter(pk=target_id, is_active=True).exists():
            problems.add("organization_id", _("Ente non trovato."))
        if not reason.strip():
            problems.add(
                "reason",
                _("Indica il motivo della presa in carico."),
                PersonErrorCode.CARE_RELATIONSHIP_INVALID,
            )
        day = started_on or timezone.localdate()
        if active_care_relationships(
            CareRelationship.objects.filter(person=person, organization_id=target_id)
        ).exists():
            problems.add(
                "organization_id",
                _("L'ente ha già in carico questa persona."),
                PersonErrorCode.CARE_RELATIONSHIP_EXISTS,
            )
        problems.raise_if_any()
        return CareRelationship.objects.create(
            person=person,
            organization_id=target_id,
            started_on=day,
            reason=reason.strip(),
            created_by=actor.membership,
        )


def care_relationship_end(
    *, actor: Actor, relationship_id: object, ended_on: date | None = None
) -> CareRelationship:
    """Close a presa in carico of the actor's organisation (the PUA may close any): from the day
    after ``ended_on`` (default today) the organisation no longer sees the person."""
    require(actor, Permission.PERSON_EDIT)
    with transaction.atomic(), pghistory.context(reason="care_relationship_end"):
        relationship = get_visible(
            actor, CareRelationship.objects.select_for_update(of=("self",)), pk=relationship_id
        )
        if relationship.organization_id != actor.organization_id and not actor.has(
            Permission.INTAKE_MANAGE
        ):
            raise NotFound()
        problems = _Problems()
        day = ended_on or timezone.localdate()
        if relationship.ended_on is not None:
            problems.add(
                "ended_on",
                _("La presa in carico è già chiusa."),
                PersonErrorCode.CARE_RELATIONSHIP_INVALID,
            )
        elif day < relationship.started_on:
            problems.add(
                "ended_on",
                _("La fine non può precedere l'inizio della presa in carico."),
                PersonErrorCode.CARE_RELATIONSHIP_INVALID,
            )
        problems.raise_if_any()
        relationship.ended_on = day
        relationship.save(update_fields=["ended_on"])
    return relationship


# --- consent by purpose ------------------------------------------------------------------------

CONSENT_EVIDENCE_MAX_LENGTH = 2000


def consent_record(
    *,
    actor: Actor,
    person_id: object,
    purpose: str,
    status: str,
    decided_on: date,
    evidence_note: str,
    expires_on: date | None = None,
) -> Consent:
    """Record the person's decision (given or withdrawn) on one purpose.

    A decision is a new row, never a change to an earlier one: the history of what the person
    decided stays as it was. Needs ``Permission.PERSON_EDIT`` and a person the actor may see.
    """
    require(actor, Permission.PERSON_EDIT)
    organization_id = _organization_id(actor)
    membership = actor.membership
    if membership is None:
        raise PermissionRequired(Permission.PERSON_EDIT)
    errors: dict[str, list[str]] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = [_("Finalità sconosciuta: presa in carico, condivisione o ricerca.")]
    if status not in ConsentStatus.values:
        errors["status"] = [_("Stato sconosciuto: prestato (given) o revocato (withdrawn).")]
    today = timezone.localdate()
    if decided_on > today:
        errors["decided_on"] = [_("La data della decisione non può essere nel futuro.")]
    note = (evidence_note or "").strip()
    if not note:
        errors["evidence_note"] = [
            _("Indica la documentazione del consenso (es. modulo firmato, protocollo n. …).")
        ]
    elif len(note) > CONSENT_EVIDENCE_MAX_LENGTH:
        errors["evidence_note"] = [
            _("La documentazione può avere al massimo %(n)d caratteri.")
            % {"n": CONSENT_EVIDENCE_MAX_LENGTH}
        ]
    if expires_on is not None:
        if status == ConsentStatus.WITHDRAWN:
            errors["expires_on"] = [_("Una revoca non ha scadenza.")]
        elif expires_on <= decided_on:
            errors["expires_on"] = [
                _("La scadenza deve essere successiva alla data della decisione.")
            ]
    with transaction.atomic(), pghistory.context(reason="consent_record"):
        # Visibility first: an invisible person is a 404 whatever else is wrong.
        person = get_visible(actor, Person.objects.select_for_update(of=("self",)), pk=person_id)
        if errors:
            raise PersonError(PersonErrorCode.CONSENT_INVALID, errors)
        return Consent.objects.create(
            person=person,
            purpose=purpose,
            status=status,
            decided_on=decided_on,
            recorded_by=membership,
            recorded_by_organization_id=organization_id,
            evidence_note=note,
            expires_on=expires_on,
        )

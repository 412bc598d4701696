"""Writes of the person registry: register and change a person, take a person in charge.

Every function is keyword-only, atomic, checks the permission and the visibility of the person
through the access policy, validates every field (all problems at once, in Italian, by field)
and adds the reason to the history context (pghistory) of what it writes.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import (
    Actor,
    NotFound,
    PermissionRequired,
    get_visible,
    require,
    scoped,
)
from integra.core.concurrency import bump_version
from integra.core.models import Municipality
from integra.core.permissions import Permission
from integra.organizations.models import Organization
from integra.organizations.search import normalize
from integra.people import models as people_models
from integra.people import selectors as people_selectors
from integra.people.access import active_care_relationships, known_persons
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
from integra.people.matching import PossibleDuplicate, name_keys
from integra.people.models import (
    PERMIT_KINDS,
    CareBasis,
    CareRelationship,
    Consent,
    ConsentDecidedBy,
    ConsentEvidence,
    ConsentPurpose,
    ConsentStatus,
    DocumentKind,
    PermitReason,
    Person,
    PersonDocument,
    PersonIdentifier,
    Sex,
    private_storage,
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
    person_search_fields_set(person)


def person_search_fields_set(person: Person) -> None:
    """Bring ``search_name`` and ``search_keys`` in step with the names (not saved).

    Every write of a person's names calls it before saving: the services here, the merge, and
    bulk loaders (before ``bulk_create`` / ``bulk_update`` with both fields)."""
    person.search_name = normalize(f"{person.family_names} {person.given_names}")
    person.search_keys = name_keys(person.family_names, person.given_names)


def _full_clean(obj: Any, problems: _Problems, *, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        problems.add_validation_error(exc)


def _clean_identifiers(
    raw: list[Mapping[str, Any]],
    problems: _Problems,
    *,
    exclude_person_id: int | None = None,
    taken_codes: list[str] | None = None,
) -> list[PersonIdentifier]:
    """Validated, normalised identifiers (not saved). A code registered to someone else is left
    out and put in ``taken_codes``: the caller answers it as a possible duplicate, exactly like
    a duplicate found by name and birth date (an answer of its own would confirm the code)."""
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
            if taken_codes is not None:
                taken_codes.append(report.normalised)
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


def _save_identifiers(actor: Actor, person: Person, identifiers: list[PersonIdentifier]) -> None:
    for identifier in identifiers:
        identifier.person = person
        try:
            with transaction.atomic():
                identifier.save()
        except IntegrityError:
            # Registered by someone else between our check and the insert.
            raise _code_taken(actor, [identifier.value]) from None


def _code_taken(actor: Actor, codes: list[str]) -> PossibleDuplicate:
    """A code registered to another person: the same answer as any possible duplicate (who may
    not read that person learns only that someone is registered — ask the PUA)."""
    candidates = person_duplicate_candidates(
        actor=actor, data={"identifiers": [{"value": code} for code in codes]}
    )
    return PossibleDuplicate([replace(c, certain=True) for c in candidates])


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
    taken: list[str] = []
    identifiers = _clean_identifiers(
        list(data.get("identifiers") or []), problems, taken_codes=taken
    )
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
                "identifiers": [
                    *({"value": i.value, "kind": i.kind} for i in identifiers),
                    *({"value": code} for code in taken),
                ],
            },
        )
        if c.certain
    ]
    if likely and not confirm_reason:
        raise PossibleDuplicate(likely)
    if taken:
        # A reason cannot register a code twice (two persons never share one).
        raise _code_taken(actor, taken)
    context: dict[str, Any] = {"reason": "person_create"}
    if confirm_reason:
        context["confirm_new_person_reason"] = confirm_reason
    with transaction.atomic(), pghistory.context(**context):
        person.save()
        _save_identifiers(actor, person, identifiers)
        # The registering organisation takes the person in charge (CareBasis.REGISTRATION).
        _care_relationship_insert(
            actor=actor,
            person=person,
            organization_id=person.registered_by_id,
            reason=str(REGISTRATION_REASON),
            basis=CareBasis.REGISTRATION,
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
    *, actor: Actor, person_id: object, data: Mapping[str, Any], expected_version: int | None
) -> tuple[Person, list[Mismatch]]:
    """Change the fields present in ``data`` of a person the actor may see; new identifiers in
    ``data["identifiers"]`` are added (existing ones are never removed here).

    ``expected_version`` is the ``row_version`` the operator's edit was made on: another
    change since then raises ``StaleEdit`` (integra/core/concurrency.py) and nothing is written.
    ``None`` only for writes that carry no version the operator saw (none in the application:
    the page and the API always send one)."""
    require(actor, Permission.PERSON_EDIT)
    with transaction.atomic(), pghistory.context(reason="person_update"):
        person = get_visible(
            actor,
            Person.objects.select_for_update(of=("self",)).select_related(
                "birth_place_municipality"
            ),
            pk=person_id,
        )
        # First, so a stale edit is told as such; undone with the rest if the data is refused.
        person.row_version = bump_version(Person, person.pk, expected_version)
        problems = _Problems()
        values = _clean_person_data(data, problems, partial=True)
        _apply_values(person, values, problems)
        taken: list[str] = []
        new_identifiers = _clean_identifiers(
            list(data.get("identifiers") or []),
            problems,
            exclude_person_id=person.pk,
            taken_codes=taken,
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
        if taken:
            raise _code_taken(actor, taken)
        if not existing:
            _choose_primary(new_identifiers)
        person.save()
        _save_identifiers(actor, person, new_identifiers)
    return person, _warnings(person, existing + new_identifiers)


def _pk(value: object) -> int:
    """A primary key from an input value; 0 (names nothing) for anything else."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def _may_grant(actor: Actor, basis: CareBasis, target_id: int) -> None:
    """Raise ``PermissionRequired`` unless ``actor`` may give ``target_id`` access on ``basis``:
    one's own organisation with PERSON_EDIT; another one from the PUA (INTAKE_MANAGE) or, for
    the members of a UVM session the actor convenes or sits in, with a UVM permission."""
    if basis in (CareBasis.REGISTRATION, CareBasis.OWN):
        require(actor, Permission.PERSON_EDIT)
        if target_id != actor.organization_id:
            raise PermissionRequired(Permission.INTAKE_MANAGE)
    elif basis == CareBasis.PUA_ROUTING:
        require(actor, Permission.INTAKE_MANAGE)
    elif not (actor.has(Permission.UVM_PARTICIPATE) or actor.has(Permission.ASSESSMENT_PERFORM)):
        raise PermissionRequired(Permission.UVM_PARTICIPATE)  # CareBasis.UVM_MEMBER


def care_relationship_start(
    *,
    actor: Actor,
    person_id: object,
    reason: str,
    organization_id: int | None = None,
    started_on: date | None = None,
    basis: CareBasis = CareBasis.OWN,
    existing_ok: bool = False,
) -> CareRelationship:
    """Take a person in charge for an organisation: THE one path that gives an organisation
    access to a person (integra/people/access.py reads ``CareRelationship``). The actor's own
    organisation by default; another one on the ``basis`` that allows it (``_may_grant``).

    The person must be known to the actor (content not needed: the PUA routes persons it sees
    only in the limited form). With ``existing_ok`` an active relationship is returned as it is
    instead of refused.
    """
    target_id = organization_id or _organization_id(actor)
    _may_grant(actor, basis, target_id)
    with transaction.atomic(), pghistory.context(reason="care_relationship_start"):
        person = known_persons(actor, Person.objects.all()).filter(pk=_pk(person_id)).first()
        if person is None:
            get_visible(actor, Person, pk=person_id)  # the same NotFound as anywhere else
            raise NotFound()
        return _care_relationship_insert(
            actor=actor,
            person=person,
            organization_id=target_id,
            reason=reason,
            started_on=started_on,
            basis=basis,
            existing_ok=existing_ok,
        )


def _care_relationship_insert(
    *,
    actor: Actor,
    person: Person,
    organization_id: int,
    reason: str,
    basis: CareBasis,
    started_on: date | None = None,
    existing_ok: bool = False,
) -> CareRelationship:
    problems = _Problems()
    if not Organization.objects.filter(pk=organization_id, is_active=True).exists():
        problems.add("organization_id", _("Ente non trovato."))
    if not reason.strip():
        problems.add(
            "reason",
            _("Indica il motivo della presa in carico."),
            PersonErrorCode.CARE_RELATIONSHIP_INVALID,
        )
    existing = (
        active_care_relationships(
            CareRelationship.objects.filter(person=person, organization_id=organization_id)
        )
        .order_by("pk")
        .first()
    )
    if existing is not None and existing_ok and not problems.errors:
        return existing
    if existing is not None:
        problems.add(
            "organization_id",
            _("L'ente ha già in carico questa persona."),
            PersonErrorCode.CARE_RELATIONSHIP_EXISTS,
        )
    problems.raise_if_any()
    return CareRelationship.objects.create(
        person=person,
        organization_id=organization_id,
        started_on=started_on or timezone.localdate(),
        reason=reason.strip(),
        basis=basis,
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
    evidence_kind: str = ConsentEvidence.PRESENCE_DECLARATION,
    decided_by: str = ConsentDecidedBy.PERSON,
    guardian_name: str = "",
    upload: File | None = None,
) -> Consent:
    """Record the person's decision (given or withdrawn) on one purpose, with its evidence.

    A decision is a new row, never a change to an earlier one: the history of what the person
    decided stays as it was. Who may record it (Garante, Linee guida sul Dossier sanitario
    4/6/2015: the consent to the shared dossier is the person's own decision):

    * an organisation that already reads the person's record (``person_scope``);
    * or the PUA (``INTAKE_MANAGE``) of any organisation that knows of the person, with the
      person (or their guardian) present — the only way a record seen in the limited form
      becomes readable;

    anyone else gets the same 404 as for a person they cannot see. The evidence is a signed form
    (its scan uploaded) or the operator's declaration that the person was present and decided
    (``evidence_note`` says how). When the organisation that records it is not the one that
    registered the person, the registering organisation is notified.
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
    if evidence_kind not in ConsentEvidence.values:
        errors["evidence_kind"] = [
            _("Indica la prova: modulo firmato o dichiarazione di presenza.")
        ]
    checked = None
    if evidence_kind == ConsentEvidence.SIGNED_FORM:
        if upload is None:
            errors["file"] = [_("Allega la scansione del modulo firmato.")]
        else:
            checked = document_file_check(upload, errors)
    elif upload is not None:
        errors["file"] = [_("Una dichiarazione di presenza non ha un file allegato.")]
    guardian = (guardian_name or "").strip()
    errors.update(decided_by_errors(decided_by, guardian, field="decided_by"))
    stored_name = ""
    try:
        with transaction.atomic(), pghistory.context(reason="consent_record"):
            # Visibility first: a person the actor may not record for is a 404 whatever else is
            # wrong (the record's readers, or the PUA with the person present).
            locked = Person.objects.select_for_update(of=("self",))
            person = scoped(actor, locked).filter(pk=_pk(person_id)).first()
            if person is None and actor.has(Permission.INTAKE_MANAGE):
                person = known_persons(actor, locked).filter(pk=_pk(person_id)).first()
            if person is None:
                get_visible(actor, Person, pk=person_id)  # the same NotFound as elsewhere
                raise NotFound()
            if errors:
                raise PersonError(PersonErrorCode.CONSENT_INVALID, errors)
            consent = Consent(
                person=person,
                purpose=purpose,
                status=status,
                decided_on=decided_on,
                recorded_by=membership,
                recorded_by_organization_id=organization_id,
                evidence_note=note,
                evidence_kind=evidence_kind,
                decided_by=decided_by,
                guardian_name=guardian if decided_by == ConsentDecidedBy.GUARDIAN else "",
                expires_on=expires_on,
            )
            if upload is not None and checked is not None:
                content_type, file_name, _size, sha256 = checked
                consent.evidence_content_type = content_type
                consent.evidence_file_name = file_name
                consent.evidence_sha256 = sha256
                consent.evidence_file.save(file_name, upload, save=False)
                stored_name = consent.evidence_file.name or ""
            consent.save()
            if person.registered_by_id != organization_id:
                _consent_notice(actor, consent)
    except BaseException:
        if stored_name:
            private_storage.delete(stored_name)
        raise
    return consent


GUARDIAN_MAX_LENGTH = 200


def decided_by_errors(decided_by: str, guardian_name: str, *, field: str) -> dict[str, list[str]]:
    """Who expressed a decision of the person (a consent, a concealment): the person, or a
    guardian named in ``guardian_name``; the errors, by field."""
    if decided_by not in ConsentDecidedBy.values:
        return {field: [_("Indica chi ha espresso la decisione.")]}
    if decided_by == ConsentDecidedBy.GUARDIAN and not guardian_name:
        return {"guardian_name": [_("Indica il nome del tutore o dell'amministratore.")]}
    if len(guardian_name) > GUARDIAN_MAX_LENGTH:
        return {"guardian_name": [_("Al massimo %(n)d caratteri.") % {"n": GUARDIAN_MAX_LENGTH}]}
    return {}


def _consent_notice(actor: Actor, consent: Consent) -> None:
    """Tell the registering organisation that another body recorded a decision on its record
    (the person's id only: the text of a notice never names the person)."""
    from django.urls import reverse

    from integra.notices.models import NoticeKind
    from integra.notices.services import notice_send

    notice_send(
        organization_id=consent.person.registered_by_id,
        kind=NoticeKind.CONSENT_RECORDED,
        text=_(
            "%(org)s ha registrato per la persona n. %(id)s: %(purpose)s — %(status)s "
            "(decisione del %(day)s; %(evidence)s)."
        )
        % {
            "org": actor.organization.name if actor.organization else "—",
            "id": consent.person_id,
            "purpose": consent.get_purpose_display(),
            "status": consent.get_status_display(),
            "day": consent.decided_on.strftime("%d/%m/%Y"),
            "evidence": consent.get_evidence_kind_display(),
        },
        url=reverse("people:consents", args=[consent.person_id]),
        person_id=consent.person_id,
        from_organization_id=actor.organization_id,
    )


# --- documents ---------------------------------------------------------------------------------

DOCUMENT_MAX_BYTES_DEFAULT = 10 * 1024 * 1024
DOCUMENT_NUMBER_MAX_LENGTH = 50
DOCUMENT_ISSUER_MAX_LENGTH = 200
DOCUMENT_FILE_NAME_MAX_LENGTH = 120
# What a file is, by its first bytes (never by its name or the declared type): PDF
# (ISO 32000-1 §7.5.2 header), JPEG (SOI marker + next marker), PNG (PNG spec §5.2 signature).
DOCUMENT_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._ -]+")


def document_max_bytes() -> int:
    """The largest file accepted (setting ``PEOPLE_DOCUMENT_MAX_BYTES``, 10 MB by default)."""
    return int(getattr(settings, "PEOPLE_DOCUMENT_MAX_BYTES", DOCUMENT_MAX_BYTES_DEFAULT))


def document_file_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a file by its first bytes, or None if not allowed."""
    for signature, content_type, extension in DOCUMENT_SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def document_file_name(name: str, extension: str) -> str:
    """A safe name for the download: no folders, ASCII letters, digits, ``._ -`` only, and the
    extension of the real type (a ``.pdf`` that is a PNG becomes ``.png``)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip("._- ")
    stem = stem[: DOCUMENT_FILE_NAME_MAX_LENGTH - len(extension)] or "documento"
    return stem + extension


def document_file_check(
    upload: File, errors: dict[str, list[str]]
) -> tuple[str, str, int, str] | None:
    """(content type, file name, size, sha256) of an acceptable upload; else adds the error and
    returns None. The file is read here, never stored."""
    size = upload.size or 0
    limit = document_max_bytes()
    if size > limit:
        errors["file"] = [
            _("Il file è troppo grande: al massimo %(mb)s MB.")
            % {"mb": f"{limit / (1024 * 1024):.1f}".replace(".", ",").replace(",0", "")}
        ]
        return None
    if size == 0:
        errors["file"] = [_("Il file è vuoto.")]
        return None
    upload.seek(0)
    head = upload.read(8)
    kind = document_file_type(head)
    if kind is None:
        errors["file"] = [_("Tipo di file non ammesso: si possono caricare solo PDF, JPEG o PNG.")]
        return None
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_type, extension = kind
    return content_type, document_file_name(upload.name or "", extension), size, digest.hexdigest()


def _document_error_code(errors: dict[str, list[str]], file_problem: str) -> PersonErrorCode:
    if file_problem == "size":
        return PersonErrorCode.DOCUMENT_TOO_LARGE
    if file_problem == "type" and list(errors) == ["file"]:
        return PersonErrorCode.DOCUMENT_FILE_TYPE
    return PersonErrorCode.DOCUMENT_INVALID


def person_document_create(
    *,
    actor: Actor,
    person_id: object,
    kind: str,
    number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    permit_reason: str = "",
    upload: File | None = None,
) -> PersonDocument:
    """Record a document of a visible person, with an optional scan (PDF, JPEG or PNG).

    Needs ``Permission.PERSON_EDIT`` and a person whose content the actor may see (otherwise
    404, like a missing person). Everything is checked before anything is written; the scan is
    stored only then, and removed again if the record is not saved.
    """
    require(actor, Permission.PERSON_EDIT)
    membership = actor.membership
    if membership is None:
        raise PermissionRequired(Permission.PERSON_EDIT)
    errors: dict[str, list[str]] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Tipo di documento sconosciuto.")]
    number = (number or "").strip()
    issuer = (issuer or "").strip()
    if len(number) > DOCUMENT_NUMBER_MAX_LENGTH:
        errors["number"] = [
            _("Il numero può avere al massimo %(n)d caratteri.") % {"n": DOCUMENT_NUMBER_MAX_LENGTH}
        ]
    if len(issuer) > DOCUMENT_ISSUER_MAX_LENGTH:
        errors["issuer"] = [
            _("L'ente di rilascio può avere al massimo %(n)d caratteri.")
            % {"n": DOCUMENT_ISSUER_MAX_LENGTH}
        ]
    if issued_on is not None and issued_on > timezone.localdate():
        errors["issued_on"] = [_("La data di rilascio non può essere nel futuro.")]
    if issued_on is not None and expires_on is not None and expires_on < issued_on:
        errors["expires_on"] = [_("La scadenza non può precedere la data di rilascio.")]
    permit_reason = permit_reason or ""
    if permit_reason not in PermitReason.values:
        errors["permit_reason"] = [_("Motivo del permesso sconosciuto.")]
    elif permit_reason and kind not in PERMIT_KINDS:
        errors["permit_reason"] = [
            _("Il motivo si indica solo per il permesso di soggiorno o la sua ricevuta.")
        ]
    checked = None
    file_problem = ""
    if upload is not None:
        checked = document_file_check(upload, errors)
        if checked is None:
            file_problem = "size" if (upload.size or 0) > document_max_bytes() else "type"
    stored_name = ""
    try:
        with transaction.atomic(), pghistory.context(reason="person_document_create"):
            # Visibility first: an invisible (or limited) person is a 404 whatever else is wrong.
            person = get_visible(
                actor, Person.objects.select_for_update(of=("self",)), pk=person_id
            )
            if errors:
                raise PersonError(_document_error_code(errors, file_problem), errors)
            document = PersonDocument(
                person=person,
                kind=kind,
                number=number,
                issuer=issuer,
                issued_on=issued_on,
                expires_on=expires_on,
                permit_reason=permit_reason,
                uploaded_by=membership,
            )
            if upload is not None and checked is not None:
                content_type, file_name, size, sha256 = checked
                document.content_type = content_type
                document.file_name = file_name
                document.size = size
                document.sha256 = sha256
                # The stored name is random (people.models.person_document_path).
                document.file.save(file_name, upload, save=False)
                stored_name = document.file.name or ""
            document.save()
    except BaseException:
        if stored_name:
            private_storage.delete(stored_name)
        raise
    return document


# --- household and caregivers ------------------------------------------------------------------

HOUSEHOLD_FIELDS = (
    "member_id",
    "name",
    "birth_year",
    "relationship",
    "cohabiting",
    "is_caregiver",
    "caregiver_needs",
    "caregiver_needs_note",
    "since",
    "until",
)
HOUSEHOLD_NAME_MAX_LENGTH = 200
HOUSEHOLD_NOTE_MAX_LENGTH = 2000


def _household_errors(
    *,
    actor: Actor,
    person: Person,
    values: dict[str, Any],
    check_member: bool,
    exclude_row_id: int | None = None,
) -> dict[str, list[str]]:
    """Every problem of a household row (``values`` holds all its fields), in Italian by field."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    member_id = values.get("member_id")
    name = values.get("name") or ""
    if member_id is None and not name:
        errors["name"] = [_("Indica il componente: una persona dell'anagrafe o nome e cognome.")]
    elif member_id is not None and name:
        errors["name"] = [_("Indica la persona dell'anagrafe oppure il nome, non entrambi.")]
    elif len(name) > HOUSEHOLD_NAME_MAX_LENGTH:
        errors["name"] = [
            _("Il nome può avere al massimo %(n)d caratteri.") % {"n": HOUSEHOLD_NAME_MAX_LENGTH}
        ]
    if member_id is not None and check_member:
        if member_id == person.pk:
            errors["member_id"] = [_("Una persona non può essere componente del proprio nucleo.")]
        else:
            try:
                people_selectors.person_with_content(actor=actor, person_id=member_id)
            except (NotFound, PermissionRequired):
                # The same answer for a missing person and one the actor may not see.
                errors["member_id"] = [_("Persona non trovata.")]
            else:
                same = people_models.HouseholdMember.objects.filter(
                    person=person, member_id=member_id
                ).exclude(until__lte=today)
                if exclude_row_id is not None:
                    same = same.exclude(pk=exclude_row_id)
                if same.exists():
                    errors["member_id"] = [_("La persona è già un componente del nucleo.")]
    if values.get("relationship") not in people_models.HouseholdRelationship.values:
        errors["relationship"] = [_("Relazione sconosciuta.")]
    birth_year = values.get("birth_year")
    if birth_year is not None and not (1880 <= birth_year <= today.year):
        errors["birth_year"] = [_("Anno di nascita non valido.")]
    needs = list(values.get("caregiver_needs") or [])
    unknown = [n for n in needs if n not in people_models.CaregiverNeed.values]
    if unknown:
        errors["caregiver_needs"] = [
            _("Bisogno del caregiver sconosciuto: %(v)s.") % {"v": ", ".join(map(str, unknown))}
        ]
    elif (needs or values.get("caregiver_needs_note")) and not values.get("is_caregiver"):
        errors["caregiver_needs"] = [_("I bisogni si indicano solo per un caregiver familiare.")]
    if len(values.get("caregiver_needs_note") or "") > HOUSEHOLD_NOTE_MAX_LENGTH:
        errors["caregiver_needs_note"] = [
            _("Le note possono avere al massimo %(n)d caratteri.")
            % {"n": HOUSEHOLD_NOTE_MAX_LENGTH}
        ]
    since, until = values.get("since"), values.get("until")
    if since is not None and since > today:
        errors["since"] = [_("La data di inizio non può essere nel futuro.")]
    if until is not None and until > today:
        errors["until"] = [_("La data di fine non può essere nel futuro.")]
    elif until is not None and since is not None and until < since:
        errors["until"] = [_("La data di fine non può precedere quella di inizio.")]
    return errors


def _household_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: data[key] for key in HOUSEHOLD_FIELDS if key in data}
    for key in ("name", "caregiver_needs_note"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "caregiver_needs" in values:
        values["caregiver_needs"] = list(dict.fromkeys(values["caregiver_needs"] or []))
    for key in ("cohabiting", "is_caregiver"):
        if key in values:
            values[key] = bool(values[key])
    return values


def household_member_add(
    *, actor: Actor, person_id: object, data: Mapping[str, Any]
) -> people_models.HouseholdMember:
    """Add a member to the household of a person whose content the actor may see: a person of
    the registry (``member_id``, visible to the actor) or a name. Needs
    ``Permission.SOCIAL_RECORD_EDIT`` (the household is social data)."""
    require(actor, Permission.SOCIAL_RECORD_EDIT)
    membership = actor.membership
    if membership is None:
        raise PermissionRequired(Permission.SOCIAL_RECORD_EDIT)
    with transaction.atomic(), pghistory.context(reason="household_member_add"):
        person = people_selectors.person_with_content(
            actor=actor, person_id=person_id, permission=Permission.SOCIAL_RECORD_EDIT
        )
        values = {
            "member_id": None,
            "name": "",
            "birth_year": None,
            "relationship": None,
            "cohabiting": False,
            "is_caregiver": False,
            "caregiver_needs": [],
            "caregiver_needs_note": "",
            "since": None,
            "until": None,
            **_household_values(data),
        }
        errors = _household_errors(actor=actor, person=person, values=values, check_member=True)
        if errors:
            raise PersonError(PersonErrorCode.HOUSEHOLD_INVALID, errors)
        return people_models.HouseholdMember.objects.create(
            person=person, recorded_by=membership, **values
        )


def _household_row(
    actor: Actor, person_id: object, row_id: object
) -> tuple[Person, people_models.HouseholdMember]:
    require(actor, Permission.SOCIAL_RECORD_EDIT)
    person = people_selectors.person_with_content(
        actor=actor, person_id=person_id, permission=Permission.SOCIAL_RECORD_EDIT
    )
    row = get_visible(
        actor,
        people_models.HouseholdMember.objects.select_for_update(of=("self",))
        .select_related("person", "member")
        .filter(person=person),
        pk=row_id,
    )
    return person, row


def household_member_update(
    *, actor: Actor, person_id: object, row_id: object, data: Mapping[str, Any]
) -> people_models.HouseholdMember:
    """Change the fields present in ``data`` of one household row (the whole row is checked
    again; the registry member is checked only when it changes)."""
    with transaction.atomic(), pghistory.context(reason="household_member_update"):
        person, row = _household_row(actor, person_id, row_id)
        changes = _household_values(data)
        values = {key: getattr(row, key) for key in HOUSEHOLD_FIELDS} | changes
        errors = _household_errors(
            actor=actor,
            person=person,
            values=values,
            check_member=values["member_id"] != row.member_id,
            exclude_row_id=row.pk,
        )
        if errors:
            raise PersonError(PersonErrorCode.HOUSEHOLD_INVALID, errors)
        for key, value in changes.items():
            setattr(row, key, value)
        row.save()
    row.refresh_from_db()
    return row


def household_member_end(
    *, actor: Actor, person_id: object, row_id: object, until: date | None = None
) -> people_models.HouseholdMember:
    """End a membership (default today): the row stays, with ``until``, for the history."""
    with transaction.atomic(), pghistory.context(reason="household_member_end"):
        _person, row = _household_row(actor, person_id, row_id)
        day = until or timezone.localdate()
        errors: dict[str, list[str]] = {}
        if row.until is not None and row.until <= timezone.localdate():
            errors["until"] = [_("Il componente non fa già più parte del nucleo.")]
        elif day > timezone.localdate():
            errors["until"] = [_("La data di fine non può essere nel futuro.")]
        elif row.since is not None and day < row.since:
            errors["until"] = [_("La data di fine non può precedere quella di inizio.")]
        if errors:
            raise PersonError(PersonErrorCode.HOUSEHOLD_INVALID, errors)
        row.until = day
        row.save(update_fields=["until"])
    return row


# --- ISEE declarations -------------------------------------------------------------------------

ISEE_MAX_VALUE = Decimal("99999999.99")  # DecimalField(max_digits=10, decimal_places=2)
DSU_PROTOCOL_MAX_LENGTH = 60


def isee_default_valid_until(kind: str, signed_on: date) -> date:
    """When an ISEE stops being valid, by the date its DSU was filed.

    Ordinario, sociosanitario, minorenni: 31 December of the year the DSU was filed (DPCM
    5/12/2013 n. 159 as amended by DL 34/2019, art. 28-bis, from 2020: "la DSU ha validità dal
    momento della presentazione fino al successivo 31 dicembre"). ISEE corrente: six months from
    the filing (same amendment; two months before), i.e. the same day six months later, or the
    last day of that month when it has no such day (31/08/2026 → 28/02/2027). A different
    expiry printed on the attestation can be given explicitly (``valid_until``).
    """
    if kind == people_models.IseeKind.CURRENT:
        month_index = signed_on.month - 1 + 6
        year, month = signed_on.year + month_index // 12, month_index % 12 + 1
        day = min(signed_on.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)
    return date(signed_on.year, 12, 31)


def isee_record(
    *,
    actor: Actor,
    person_id: object,
    kind: str,
    value: Decimal,
    signed_on: date,
    dsu_protocol: str = "",
    valid_until: date | None = None,
) -> people_models.IseeDeclaration:
    """Record an ISEE of a person whose content the actor may see; ``valid_until`` defaults to
    the rule of ``isee_default_valid_until``. A new DSU is a new row. Needs
    ``Permission.SOCIAL_RECORD_EDIT``."""
    require(actor, Permission.SOCIAL_RECORD_EDIT)
    membership = actor.membership
    if membership is None:
        raise PermissionRequired(Permission.SOCIAL_RECORD_EDIT)
    errors: dict[str, list[str]] = {}
    if kind not in people_models.IseeKind.values:
        errors["kind"] = [
            _("Tipo di ISEE sconosciuto: ordinario, sociosanitario, minorenni o corrente.")
        ]
    if value < 0:
        errors["value"] = [_("Il valore ISEE non può essere negativo.")]
    elif value > ISEE_MAX_VALUE or value.as_tuple().exponent < -2:  # type: ignore[operator]
        errors["value"] = [
            _("Valore ISEE non valido: al massimo 99.999.999,99 euro, con due decimali.")
        ]
    if signed_on > timezone.localdate():
        errors["signed_on"] = [_("La data della DSU non può essere nel futuro.")]
    protocol = (dsu_protocol or "").strip()
    if len(protocol) > DSU_PROTOCOL_MAX_LENGTH:
        errors["dsu_protocol"] = [
            _("Il protocollo può avere al massimo %(n)d caratteri.")
            % {"n": DSU_PROTOCOL_MAX_LENGTH}
        ]
    if valid_until is not None and valid_until < signed_on:
        errors["valid_until"] = [_("La scadenza non può precedere la data della DSU.")]
    with transaction.atomic(), pghistory.context(reason="isee_record"):
        # Visibility first: an invisible person is a 404 whatever else is wrong.
        person = people_selectors.person_with_content(
            actor=actor, person_id=person_id, permission=Permission.SOCIAL_RECORD_EDIT
        )
        if errors:
            raise PersonError(PersonErrorCode.ISEE_INVALID, errors)
        return people_models.IseeDeclaration.objects.create(
            person=person,
            kind=kind,
            value=value,
            signed_on=signed_on,
            valid_until=valid_until or isee_default_valid_until(kind, signed_on),
            dsu_protocol=protocol,
            recorded_by=membership,
        )


# --- team access (care team membership) --------------------------------------------------------


def team_access_grant(
    *, person_id: int, membership: Any, source: str, reason: str
) -> people_models.TeamAccess:
    """Let one operator (``membership`` and its user) know of a person from now on, as a member
    of the person's care team. Called by the app that keeps the team (``integra/careplans``),
    which checks who may add a member; ``source`` names its row, so that it can end it."""
    return people_models.TeamAccess.objects.create(
        person_id=person_id,
        membership=membership,
        user_id=membership.user_id,
        source=source,
        reason=reason,
    )


def team_access_end(*, source: str, at: Any = None) -> int:
    """End the grants of ``source`` now (or at ``at``): the operator stops knowing of the person
    from that moment (the grant's end is compared in the query). Returns how many ended."""
    moment = at or timezone.now()
    return (
        people_models.TeamAccess.objects.filter(source=source)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=moment))
        .update(ends_at=moment)
    )

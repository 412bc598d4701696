"""Merge of two records of the same person, and its undo.

``person_merge`` keeps one record (the *survivor*) and turns the other into an alias: status
merged, ``merged_into`` the survivor, no longer found by searches, lists or duplicate checks.
Everything that points at the alias moves to the survivor. The relations are discovered from
``Person._meta`` (every foreign key to Person, in any app, also a many-to-many's through table),
so a new app's rows move without changing this module. History tables (pghistory events) and
the merges themselves are never moved.

Rows whose move would break a rule stay on the alias, listed as *kept* with the reason:

- a unique constraint that names the foreign key (generic: the survivor already has a row with
  the same values), e.g. a one-to-one row the survivor already has;
- an active presa in carico of an organisation that has the survivor in charge too;
- household rows linking the two records to each other (a person is not a member of their
  own household), or naming a member already in the other record's current household.

Rows are *adjusted* to make room when that loses nothing: of the two primary identifiers the
strongest (codice fiscale first) stays primary, the other becomes secondary.

Refused (``MergeError``, nothing written): the same record twice, a record already merged, two
different valid codici fiscali (after omocodia: twins and homonyms are two persons), a record
the actor may not see in full (404, as a missing one). ``person_merge_undo`` moves back exactly
the recorded rows, restores the survivor's values that the merge overwrote (unless changed
since) and the alias; it is refused once undone, or when the survivor was merged in its turn.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pghistory
import pghistory.models
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
from integra.core.errors import DomainError
from integra.core.permissions import Permission
from integra.people import gate
from integra.people.access import active_care_relationships, known_persons
from integra.people.identifiers import IdentifierKind, check_identifier
from integra.people.models import (
    CareRelationship,
    HouseholdMember,
    Person,
    PersonIdentifier,
    PersonMerge,
    PersonStatus,
    Sex,
)
from integra.people.services import person_search_fields_set

MERGE_REASON_MAX_LENGTH = 1000
KEEP_SURVIVOR = "survivor"
KEEP_MERGED = "merged"


class MergeErrorCode(models.TextChoices):
    """Stable codes of a refused merge or undo (clients branch on them)."""

    INVALID = "merge_invalid", gettext_lazy("Dati dell'unione non validi")
    SAME_PERSON = "merge_same_person", gettext_lazy("La stessa scheda due volte")
    ALREADY_MERGED = "merge_already_merged", gettext_lazy("Scheda già unita a un'altra")
    DIFFERENT_FISCAL_CODES = (
        "merge_different_fiscal_codes",
        gettext_lazy("Codici fiscali diversi: due persone"),
    )
    CONFLICT = "merge_conflict", gettext_lazy("Dati in conflitto")
    ALREADY_UNDONE = "merge_already_undone", gettext_lazy("Unione già annullata")
    SURVIVOR_MERGED = "merge_survivor_merged", gettext_lazy("La scheda rimasta è stata unita")


class MergeError(DomainError):
    """A refused merge or undo: ``code``, an Italian ``message`` and, for bad input
    (``MergeErrorCode.INVALID``), the messages of each bad field in ``errors``."""

    # Bad input is a 422 naming each field; every other refusal is a conflict with the state.
    default_status = 409
    statuses = {MergeErrorCode.INVALID: 422}

    def __init__(
        self, code: MergeErrorCode, message: str, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(code, errors, message=message)

    def api_errors(self) -> list[dict[str, Any]] | None:
        return super().api_errors() if self.code == MergeErrorCode.INVALID else None


# --- the fields an operator chooses between ---------------------------------------------------

# Groups of Person fields chosen together (a Comune and its code, an address and its Comune, a
# guardian and the kind of protection): the key is what the API and the form name.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "family_names": ("family_names",),
    "given_names": ("given_names",),
    "sex": ("sex",),
    "birth_date": ("birth_date",),
    "birth_place": ("birth_place_municipality_id", "birth_place_code"),
    "citizenships": ("citizenships",),
    "languages": ("languages",),
    "needs_cultural_mediator": ("needs_cultural_mediator",),
    "marital_status": ("marital_status",),
    "education": ("education",),
    "employment": ("employment",),
    "living_situation": ("living_situation",),
    "residence": ("residence_address", "residence_municipality_id"),
    "domicile": ("domicile_address", "domicile_municipality_id"),
    "phone": ("phone",),
    "email": ("email",),
    "legal_guardian": ("legal_guardian_kind", "legal_guardian_name"),
    "family_doctor_name": ("family_doctor_name",),
}
FIELD_GROUP_LABELS: dict[str, Any] = {
    "family_names": gettext_lazy("Cognome"),
    "given_names": gettext_lazy("Nome"),
    "sex": gettext_lazy("Sesso"),
    "birth_date": gettext_lazy("Data di nascita"),
    "birth_place": gettext_lazy("Luogo di nascita"),
    "citizenships": gettext_lazy("Cittadinanze"),
    "languages": gettext_lazy("Lingue parlate"),
    "needs_cultural_mediator": gettext_lazy("Serve un mediatore culturale"),
    "marital_status": gettext_lazy("Stato civile"),
    "education": gettext_lazy("Titolo di studio"),
    "employment": gettext_lazy("Condizione professionale"),
    "living_situation": gettext_lazy("Condizione abitativa"),
    "residence": gettext_lazy("Residenza"),
    "domicile": gettext_lazy("Domicilio"),
    "phone": gettext_lazy("Telefono"),
    "email": gettext_lazy("Email"),
    "legal_guardian": gettext_lazy("Protezione giuridica"),
    "family_doctor_name": gettext_lazy("Medico di medicina generale / pediatra"),
}
_MUNICIPALITY_OF = {
    "birth_place_municipality_id": "birth_place_municipality",
    "residence_municipality_id": "residence_municipality",
    "domicile_municipality_id": "domicile_municipality",
}


def _stored(value: Any) -> Any:
    """A field value as JSON (dates as ISO text), as kept in ``PersonMerge.fields``."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _values(person: Person, group: str) -> dict[str, Any]:
    return {name: _stored(getattr(person, name)) for name in FIELD_GROUPS[group]}


def _is_empty(person: Person, group: str) -> bool:
    return all(
        getattr(person, name) in ("", None, [], Sex.NOT_STATED) for name in FIELD_GROUPS[group]
    )


def _display(person: Person, group: str) -> str:
    """The group's value in words, for the comparison screen."""
    parts: list[str] = []
    for name in FIELD_GROUPS[group]:
        value = getattr(person, name)
        if name in _MUNICIPALITY_OF:
            municipality = getattr(person, _MUNICIPALITY_OF[name])
            text = municipality.name if municipality is not None else ""
        elif isinstance(value, bool):
            text = str(_("Sì") if value else _("No"))
        elif isinstance(value, date):
            text = value.strftime("%d/%m/%Y")
        elif isinstance(value, list):
            text = ", ".join(value)
        elif getattr(Person._meta.get_field(name), "choices", None) and value:
            text = str(getattr(person, f"get_{name}_display")())
        else:
            text = str(value or "")
        if text and text not in parts:
            parts.append(text)
    return " – ".join(parts) or "—"


@dataclass(frozen=True)
class FieldDifference:
    """A group of fields where the two records differ; ``default`` is the suggested choice:
    the survivor's value, unless it is empty and the other's is not."""

    group: str
    label: str
    survivor_value: str
    merged_value: str
    default: str


def field_differences(survivor: Person, merged: Person) -> list[FieldDifference]:
    found = []
    for group in FIELD_GROUPS:
        if _values(survivor, group) == _values(merged, group):
            continue
        default = (
            KEEP_MERGED
            if _is_empty(survivor, group) and not _is_empty(merged, group)
            else KEEP_SURVIVOR
        )
        found.append(
            FieldDifference(
                group=group,
                label=str(FIELD_GROUP_LABELS[group]),
                survivor_value=_display(survivor, group),
                merged_value=_display(merged, group),
                default=default,
            )
        )
    return found


# --- the relations to Person --------------------------------------------------------------------


@dataclass(frozen=True)
class PersonLink:
    """A foreign key to Person: ``key`` is ``"app_label.model.field"``."""

    model: type[models.Model]
    field: models.ForeignKey[Any, Any]

    @property
    def key(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"

    @property
    def label(self) -> str:
        label = str(self.model._meta.verbose_name_plural)
        if self.field.name != "person":  # say which link, when it is not the usual one
            label += f" ({self.field.verbose_name})"
        return label

    def rows_of(self, person: Person) -> QuerySet[Any]:
        return self.model._base_manager.filter(**{self.field.name: person})


def person_links() -> list[PersonLink]:
    """Every foreign key to Person that a merge moves, in a stable order.

    Hidden relations (``related_name="+"``) are included, so the through table of a
    many-to-many with Person moves too; pghistory's event tables and the merges are not.
    """
    links = []
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue  # a many-to-many moves through its through table's foreign key
        model = relation.related_model
        if not isinstance(model, type) or issubclass(model, pghistory.models.Event):
            continue
        if model is PersonMerge:
            continue
        links.append(PersonLink(model=model, field=relation.field))  # type: ignore[arg-type,union-attr]
    return sorted(links, key=lambda link: link.key)


def _link_by_key(key: str) -> PersonLink | None:
    label, _sep, field_name = key.rpartition(".")
    try:
        model = apps.get_model(label)
        fk = model._meta.get_field(field_name)
    except (LookupError, ValueError):
        return None
    return PersonLink(model=model, field=fk)  # type: ignore[arg-type]


# A rule names the rows of the alias (on one relation) that stay with the alias, and why.
KeepRule = Callable[[Person, Person], tuple[Q, str]]
_KEEP_RULES: dict[str, list[KeepRule]] = {}


def register_keep_rule(key: str) -> Callable[[KeepRule], KeepRule]:
    """Declare rows of relation ``key`` (``"app.model.field"``) that a merge leaves on the
    alias — for a rule that no database constraint expresses (an app adds its own here)."""

    def decorator(rule: KeepRule) -> KeepRule:
        _KEEP_RULES.setdefault(key, []).append(rule)
        return rule

    return decorator


def _current_household() -> Q:
    today = timezone.localdate()
    return Q(until__isnull=True) | Q(until__gt=today)


@register_keep_rule("people.carerelationship.person")
def _care_already_active(survivor: Person, merged: Person) -> tuple[Q, str]:
    in_charge = active_care_relationships(CareRelationship.objects.filter(person=survivor))
    today = timezone.localdate()
    active = Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    return (
        active & Q(organization_id__in=in_charge.values("organization_id")),
        _("l'ente ha già in carico la scheda che resta"),
    )


@register_keep_rule("people.householdmember.person")
def _household_of_alias(survivor: Person, merged: Person) -> tuple[Q, str]:
    already = HouseholdMember.objects.filter(person=survivor, member__isnull=False).filter(
        _current_household()
    )
    return (
        Q(member=survivor) | (_current_household() & Q(member_id__in=already.values("member_id"))),
        _("collega le due schede tra loro o è già nel nucleo della scheda che resta"),
    )


@register_keep_rule("people.householdmember.member")
def _alias_as_member(survivor: Person, merged: Person) -> tuple[Q, str]:
    already = HouseholdMember.objects.filter(member=survivor).filter(_current_household())
    return (
        Q(person=survivor) | (_current_household() & Q(person_id__in=already.values("person_id"))),
        _("collega le due schede tra loro o la scheda che resta è già in quel nucleo"),
    )


def _unique_field_sets(model: type[models.Model]) -> list[tuple[tuple[str, ...], Q | None]]:
    """(fields, condition) of every unique rule of ``model`` written with plain fields."""
    found: list[tuple[tuple[str, ...], Q | None]] = []
    for item in model._meta.get_fields():
        concrete, unique = getattr(item, "concrete", False), getattr(item, "unique", False)
        if concrete and unique and not getattr(item, "primary_key", False):
            found.append(((item.name,), None))
    for together in model._meta.unique_together:
        found.append((tuple(together), None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            found.append((tuple(constraint.fields), constraint.condition))  # type: ignore[arg-type]
    return found


def _unique_conflicts(link: PersonLink, survivor: Person) -> Q:
    """Alias rows that the survivor's rows would duplicate under a unique rule with the key."""
    conflict = Q(pk__in=[])
    names = {link.field.name, link.field.attname}
    for fields, condition in _unique_field_sets(link.model):
        if not names & set(fields):
            continue
        others = [f for f in fields if f not in names]
        twin = link.rows_of(survivor).filter(**{f: OuterRef(f) for f in others})
        rule = Q(Exists(twin.filter(condition) if condition is not None else twin))
        conflict |= (condition & rule) if condition is not None else rule
    return conflict


def _kept_rows(link: PersonLink, survivor: Person, merged: Person) -> tuple[Q, list[str]]:
    condition = _unique_conflicts(link, survivor)
    reasons = []
    if condition != Q(pk__in=[]):
        reasons.append(_("la scheda che resta ha già un dato uguale"))
    for rule in _KEEP_RULES.get(link.key, []):
        rule_condition, reason = rule(survivor, merged)
        condition |= rule_condition
        reasons.append(reason)
    return condition, reasons


# Identifiers: of two primaries the strongest stays primary (services._PRIMARY_ORDER).
_PRIMARY_ORDER = [
    IdentifierKind.CF,
    IdentifierKind.CF_PROVISIONAL,
    IdentifierKind.STP,
    IdentifierKind.ENI,
    IdentifierKind.TEAM,
]


def _identifier_adjustments(survivor: Person, merged: Person) -> dict[int, dict[str, Any]]:
    """{identifier id: new values} so that the survivor keeps one primary identifier."""
    primaries = list(
        PersonIdentifier.objects.filter(person__in=[survivor, merged], is_primary=True).order_by(
            "pk"
        )
    )
    if len(primaries) < 2:
        return {}

    def strength(identifier: PersonIdentifier) -> tuple[int, int]:
        return (
            _PRIMARY_ORDER.index(IdentifierKind(identifier.kind)),
            0 if identifier.person_id == survivor.pk else 1,
        )

    best = min(primaries, key=strength)
    return {i.pk: {"is_primary": False} for i in primaries if i.pk != best.pk}


# --- checks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    code: MergeErrorCode
    message: str


def _fiscal_codes(person: Person) -> set[str]:
    """The valid codici fiscali of a person, each in its non-omocodic form."""
    codes = set()
    for identifier in person.identifiers.all():
        if identifier.kind != IdentifierKind.CF:
            continue
        report = check_identifier(identifier.value)
        if report.valid and report.fiscal_code is not None:
            codes.add(report.fiscal_code.omocodia_normalised or report.normalised)
    return codes


def _blockers(survivor: Person, merged: Person) -> list[Blocker]:
    found = []
    if survivor.pk == merged.pk:
        found.append(
            Blocker(
                MergeErrorCode.SAME_PERSON,
                _("Hai scelto la stessa scheda due volte: scegli la scheda da unire."),
            )
        )
        return found
    for person in (survivor, merged):
        if person.status != PersonStatus.ACTIVE:
            found.append(
                Blocker(
                    MergeErrorCode.ALREADY_MERGED,
                    _(
                        "La scheda di %(name)s è già stata unita a un'altra: usa la scheda in "
                        "cui è stata unita."
                    )
                    % {"name": person},
                )
            )
    theirs, ours = _fiscal_codes(merged), _fiscal_codes(survivor)
    if theirs and ours and not theirs & ours:
        found.append(
            Blocker(
                MergeErrorCode.DIFFERENT_FISCAL_CODES,
                _(
                    "Le due schede hanno codici fiscali validi diversi (%(a)s e %(b)s): sono due "
                    "persone (per esempio gemelli od omonimi) e non si possono unire."
                )
                % {"a": ", ".join(sorted(ours)), "b": ", ".join(sorted(theirs))},
            )
        )
    return found


def _warnings(survivor: Person, merged: Person) -> list[str]:
    """Not blocking, but to be checked on the documents before merging."""
    found = []
    ours = {i.value for i in survivor.identifiers.all() if i.kind == IdentifierKind.CF}
    theirs = {i.value for i in merged.identifiers.all() if i.kind == IdentifierKind.CF}
    if ours and theirs and ours != theirs and _fiscal_codes(survivor) & _fiscal_codes(merged):
        found.append(
            _(
                "Un codice fiscale è la forma omocodica dell'altro: l'Agenzia delle Entrate "
                "assegna un codice omocodico a una persona diversa che avrebbe lo stesso codice. "
                "Verifica il documento prima di unire."
            )
        )
    return found


# --- access -------------------------------------------------------------------------------------


def _person_for_merge(actor: Actor, person_id: object, *, lock: bool = False) -> Person:
    """A person the actor may see in full, else ``NotFound`` (missing, forbidden, limited)."""
    qs = Person.objects.select_related(
        "birth_place_municipality", "residence_municipality", "domicile_municipality"
    ).prefetch_related("identifiers")
    if lock:
        qs = qs.select_for_update(of=("self",))
    # An alias the actor knows of is returned as such, to be refused with
    # MergeErrorCode.ALREADY_MERGED: its consents have moved to the record it was merged into.
    try:
        pk = int(str(person_id))
    except (TypeError, ValueError):
        pk = 0
    alias = known_persons(actor, qs).filter(pk=pk, status=PersonStatus.MERGED).first()
    person = alias if alias is not None else get_visible(actor, qs, pk=person_id)
    # An alias is refused by the merge before anything of it is shown.
    return gate.stamp(person, actor)


def _merge_actor(actor: Actor | None) -> Actor:
    require(actor, Permission.PERSON_MERGE)
    assert actor is not None  # require() refuses None
    if actor.membership is None:
        raise PermissionRequired(Permission.PERSON_MERGE)
    return actor


# --- preview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkSummary:
    key: str
    label: str
    to_move: int
    kept: int
    kept_reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MergePreview:
    survivor: Person
    merged: Person
    differences: list[FieldDifference]
    links: list[LinkSummary]
    blockers: list[Blocker]
    warnings: list[str]

    @property
    def can_merge(self) -> bool:
        return not self.blockers


def _link_summaries(survivor: Person, merged: Person) -> list[LinkSummary]:
    # Rows adjusted to make room (a primary identifier made secondary) move: not kept.
    adjusted = _identifier_adjustments(survivor, merged)
    summaries = []
    for link in person_links():
        rows = link.rows_of(merged)
        kept_condition, reasons = _kept_rows(link, survivor, merged)
        if link.model is PersonIdentifier and adjusted:
            kept_condition &= ~Q(pk__in=list(adjusted))
        counts = rows.aggregate(
            total=models.Count("pk"), kept=models.Count("pk", filter=kept_condition)
        )
        if counts["total"]:
            summaries.append(
                LinkSummary(
                    key=link.key,
                    label=link.label,
                    to_move=counts["total"] - counts["kept"],
                    kept=counts["kept"],
                    kept_reasons=reasons if counts["kept"] else [],
                )
            )
    return summaries


def person_merge_preview(
    *, actor: Actor | None, survivor_id: object, merged_id: object
) -> MergePreview:
    """What merging ``merged_id`` into ``survivor_id`` would do: the fields that differ, the
    rows that would move (and stay), what blocks the merge. Both readings are logged. One
    query per relation to Person, whatever the number of rows."""
    actor = _merge_actor(actor)
    survivor = _person_for_merge(actor, survivor_id)
    merged = _person_for_merge(actor, merged_id)
    blockers = _blockers(survivor, merged)
    same = survivor.pk == merged.pk
    # An alias is refused before its content is read (its visibility went with its consents).
    compared = not same and all(p.status == PersonStatus.ACTIVE for p in (survivor, merged))
    preview = MergePreview(
        survivor=survivor,
        merged=merged,
        differences=field_differences(survivor, merged) if compared else [],
        links=_link_summaries(survivor, merged) if compared else [],
        blockers=blockers,
        warnings=_warnings(survivor, merged) if compared else [],
    )
    for person in [survivor] if same else [survivor, merged]:
        access_log_record(
            actor=actor,
            subject=person,
            action=AccessAction.VIEW,
            detail={"view": "unione_anteprima", "survivor": survivor.pk, "merged": merged.pk},
        )
    return preview


# --- merge --------------------------------------------------------------------------------------


def _clean_reason(reason: str, field_name: str, errors: dict[str, list[str]]) -> str:
    text = (reason or "").replace("\x00", "").strip()
    if not text:
        errors[field_name] = [_("Indica il motivo.")]
    elif len(text) > MERGE_REASON_MAX_LENGTH:
        errors[field_name] = [
            _("Il motivo può avere al massimo %(n)d caratteri.") % {"n": MERGE_REASON_MAX_LENGTH}
        ]
    return text


def _clean_keep(keep: Mapping[str, str], errors: dict[str, list[str]]) -> dict[str, str]:
    chosen = {}
    for group, side in (keep or {}).items():
        if group not in FIELD_GROUPS:
            errors[f"keep.{group}"] = [_("Dato sconosciuto.")]
        elif side not in (KEEP_SURVIVOR, KEEP_MERGED):
            errors[f"keep.{group}"] = [
                _("Scegli «survivor» (la scheda che resta) o «merged» (la scheda unita).")
            ]
        else:
            chosen[group] = side
    return chosen


def _lock_both(
    actor: Actor, survivor_id: object, merged_id: object, *, alias_checked: bool = False
) -> tuple[Person, Person]:
    """Both records, locked in id order (two merges of the same pair cannot deadlock).

    ``alias_checked``: the alias was reached through a visible merge (undo), so only the
    survivor goes through the access policy again."""
    try:
        ids = sorted({int(survivor_id), int(merged_id)})  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise NotFound() from None
    locked: dict[int, Person] = {}
    for pk in ids:
        if alias_checked and pk == int(merged_id) and pk != int(survivor_id):  # type: ignore[call-overload]
            locked[pk] = Person.objects.select_for_update(of=("self",)).get(pk=pk)
        else:
            locked[pk] = _person_for_merge(actor, pk, lock=True)
    return locked[int(survivor_id)], locked[int(merged_id)]  # type: ignore[call-overload]


def person_merge(
    *,
    actor: Actor | None,
    survivor_id: object,
    merged_id: object,
    reason: str,
    keep: Mapping[str, str] | None = None,
) -> PersonMerge:
    """Merge record ``merged_id`` into ``survivor_id`` (needs ``Permission.PERSON_MERGE`` and
    both records visible in full). ``keep`` chooses, per group of ``FIELD_GROUPS`` that
    differs, whose value stays (``"survivor"`` or ``"merged"``; by default the survivor's,
    unless empty). Raises ``MergeError`` (nothing written) or ``NotFound``."""
    actor = _merge_actor(actor)
    membership = actor.membership
    assert membership is not None  # _merge_actor() checked it
    errors: dict[str, list[str]] = {}
    text = _clean_reason(reason, "reason", errors)
    chosen = _clean_keep(keep or {}, errors)
    with transaction.atomic(), pghistory.context(reason="person_merge", merge_reason=text):
        survivor, merged = _lock_both(actor, survivor_id, merged_id)
        blockers = _blockers(survivor, merged)
        if blockers:
            raise MergeError(blockers[0].code, blockers[0].message)
        if errors:
            raise MergeError(
                MergeErrorCode.INVALID, _("Uno o più dati non sono validi: correggili."), errors
            )
        choices: dict[str, Any] = {}
        for difference in field_differences(survivor, merged):
            side = chosen.get(difference.group, difference.default)
            choices[difference.group] = {
                "kept": side,
                "survivor": _values(survivor, difference.group),
                "merged": _values(merged, difference.group),
                # In words as shown when merging (names of Comuni, labels of choices).
                "survivor_text": difference.survivor_value,
                "merged_text": difference.merged_value,
            }
        record = PersonMerge.objects.create(
            survivor=survivor,
            merged=merged,
            organization_id=membership.organization_id,
            merged_by=membership,
            reason=text,
            fields=choices,
        )
        pghistory.context(person_merge=record.pk)
        record.adjusted = _apply_adjustments(survivor, merged)
        record.moved, record.kept = _move_links(survivor, merged)
        for choice in choices.values():
            if choice["kept"] == KEEP_MERGED:
                _set_values(survivor, choice["merged"])
        person_search_fields_set(survivor)
        # A merge is no operator's edit of a version they saw: both records move on (unchecked),
        # so an edit opened before the merge is refused as stale.
        survivor.row_version = bump_version(Person, survivor.pk, None)
        merged.row_version = bump_version(Person, merged.pk, None)
        survivor.save()
        merged.status = PersonStatus.MERGED
        merged.merged_into = survivor
        merged.save(update_fields=["status", "merged_into", "updated_at"])
        record.save(update_fields=["adjusted", "moved", "kept"])
    for person in (survivor, merged):
        access_log_record(
            actor=actor,
            subject=person,
            action=AccessAction.VIEW,
            detail={"view": "unione", "merge": record.pk},
        )
    return record


def _set_values(person: Person, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        model_field = Person._meta.get_field(name)
        assert isinstance(model_field, models.Field)  # FIELD_GROUPS names concrete fields
        setattr(person, name, model_field.to_python(value))


def _apply_adjustments(survivor: Person, merged: Person) -> dict[str, Any]:
    """Make room before moving (today: one primary identifier); returns the old values."""
    adjustments = _identifier_adjustments(survivor, merged)
    if not adjustments:
        return {}
    label = PersonIdentifier._meta.label_lower
    before: dict[str, dict[str, Any]] = {}
    for row in PersonIdentifier.objects.filter(pk__in=list(adjustments)):
        new = adjustments[row.pk]
        before[str(row.pk)] = {name: _stored(getattr(row, name)) for name in new}
        PersonIdentifier.objects.filter(pk=row.pk).update(**new)
    return {label: before}


def _move_links(survivor: Person, merged: Person) -> tuple[dict[str, Any], dict[str, Any]]:
    moved: dict[str, list[int]] = {}
    kept: dict[str, Any] = {}
    for link in person_links():
        rows = link.rows_of(merged)
        kept_condition, reasons = _kept_rows(link, survivor, merged)
        staying = list(rows.filter(kept_condition).values_list("pk", flat=True))
        going = list(rows.exclude(pk__in=staying).values_list("pk", flat=True))
        if staying:
            kept[link.key] = {"ids": staying, "reasons": reasons}
        if not going:
            continue
        try:
            with transaction.atomic():
                link.model._base_manager.filter(pk__in=going).update(**{link.field.name: survivor})
        except IntegrityError:
            raise MergeError(
                MergeErrorCode.CONFLICT,
                _(
                    "Non si possono spostare i dati «%(kind)s»: sono in conflitto con quelli "
                    "della scheda che resta. Correggili, poi riprova."
                )
                % {"kind": link.label},
            ) from None
        moved[link.key] = going
    return moved, kept


# --- undo ---------------------------------------------------------------------------------------


def _merge_queryset() -> QuerySet[PersonMerge]:
    return PersonMerge.objects.select_related(
        "survivor", "merged", "organization", "merged_by__user", "undone_by__user"
    )


def person_merge_undo(*, actor: Actor | None, merge_id: object, reason: str) -> PersonMerge:
    """Undo a merge: the recorded rows go back to the alias, the adjusted rows get their old
    values, the survivor's overwritten fields their old values (when not changed since), the
    alias becomes active again. Needs ``Permission.PERSON_MERGE``."""
    actor = _merge_actor(actor)
    membership = actor.membership
    errors: dict[str, list[str]] = {}
    text = _clean_reason(reason, "reason", errors)
    with transaction.atomic(), pghistory.context(reason="person_merge_undo", undo_reason=text):
        record = get_visible(actor, _merge_queryset().select_for_update(of=("self",)), pk=merge_id)
        survivor, merged = _lock_both(
            actor, record.survivor_id, record.merged_id, alias_checked=True
        )
        pghistory.context(person_merge=record.pk)
        if record.is_undone:
            raise MergeError(
                MergeErrorCode.ALREADY_UNDONE,
                _("Questa unione è già stata annullata il %(day)s.")
                % {"day": timezone.localtime(record.undone_at).strftime("%d/%m/%Y %H:%M")},
            )
        if survivor.status != PersonStatus.ACTIVE:
            later = PersonMerge.objects.filter(merged=survivor, undone_at__isnull=True).first()
            raise MergeError(
                MergeErrorCode.SURVIVOR_MERGED,
                _(
                    "La scheda che era rimasta è stata a sua volta unita a un'altra "
                    "(unione n. %(id)s): annulla prima quella unione."
                )
                % {"id": later.pk if later else "?"},
            )
        if errors:
            raise MergeError(
                MergeErrorCode.INVALID, _("Uno o più dati non sono validi: correggili."), errors
            )
        _move_back(record, survivor, merged)
        for group, choice in record.fields.items():
            if choice.get("kept") != KEEP_MERGED or group not in FIELD_GROUPS:
                continue
            if _values(survivor, group) == choice["merged"]:
                _set_values(survivor, choice["survivor"])
        person_search_fields_set(survivor)
        # Undoing a merge changes both records: their versions move on, unchecked.
        survivor.row_version = bump_version(Person, survivor.pk, None)
        merged.row_version = bump_version(Person, merged.pk, None)
        survivor.save()
        merged.status = PersonStatus.ACTIVE
        merged.merged_into = None
        merged.save(update_fields=["status", "merged_into", "updated_at"])
        record.undone_at = timezone.now()
        record.undone_by = membership
        record.undo_reason = text
        record.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    for person in (survivor, merged):
        access_log_record(
            actor=actor,
            subject=person,
            action=AccessAction.VIEW,
            detail={"view": "unione_annullata", "merge": record.pk},
        )
    return record


def _move_back(record: PersonMerge, survivor: Person, merged: Person) -> None:
    try:
        with transaction.atomic():
            for key, ids in record.moved.items():
                link = _link_by_key(key)
                if link is None:
                    continue  # the model was removed since: nothing left to move
                link.rows_of(survivor).filter(pk__in=ids).update(**{link.field.name: merged})
            for label, rows in record.adjusted.items():
                model = apps.get_model(label)
                for pk, values in rows.items():
                    model._base_manager.filter(pk=pk).update(**values)
    except IntegrityError:
        raise MergeError(
            MergeErrorCode.CONFLICT,
            _(
                "Non si può annullare: dopo l'unione la scheda che resta ha ricevuto dati in "
                "conflitto con quelli da riportare sulla scheda unita."
            ),
        ) from None


# --- reads of merges ----------------------------------------------------------------------------


def person_merge_list(*, actor: Actor | None) -> QuerySet[PersonMerge]:
    """The merges the actor may see (``PERSON_MERGE``, kept record visible in full), latest
    first; a constant number of queries."""
    actor = _merge_actor(actor)
    visible = scoped(actor, Person.objects.all())
    return (
        scoped(actor, _merge_queryset())
        .filter(survivor__in=visible.values("pk"))
        .order_by("-merged_at", "-pk")
    )


PERSON_MERGE_LIST_SUBJECT = ("people.personmerge", "", "Unioni di schede")


def person_merge_list_access_record(*, actor: Actor | None) -> None:
    access_log_record(actor=actor, subject=PERSON_MERGE_LIST_SUBJECT, action=AccessAction.LIST)


def person_merge_get(*, actor: Actor | None, merge_id: object) -> PersonMerge:
    """One merge (404 as a missing one when not visible); the read is logged."""
    actor = _merge_actor(actor)
    record = get_visible(actor, person_merge_list(actor=actor), pk=merge_id)
    access_log_record(
        actor=actor,
        subject=record.survivor,
        action=AccessAction.VIEW,
        detail={"view": "unione", "merge": record.pk},
    )
    return record


@dataclass(frozen=True)
class MergedRows:
    key: str
    label: str
    moved: int
    kept: int
    kept_reasons: list[str]


def merge_rows_summary(record: PersonMerge) -> list[MergedRows]:
    """What a merge moved and left, per relation, in words (from the record: no query)."""
    keys = sorted(set(record.moved) | set(record.kept))
    rows = []
    for key in keys:
        link = _link_by_key(key)
        kept = record.kept.get(key) or {}
        rows.append(
            MergedRows(
                key=key,
                label=link.label if link is not None else key,
                moved=len(record.moved.get(key) or []),
                kept=len(kept.get("ids") or []),
                kept_reasons=list(kept.get("reasons") or []),
            )
        )
    return rows


@dataclass(frozen=True)
class MergedField:
    group: str
    label: str
    kept: str
    survivor_value: str
    merged_value: str


def merge_fields_summary(record: PersonMerge) -> list[MergedField]:
    """The choices of a merge in words (values as stored, dates and codes as they are)."""
    rows = []
    order = list(FIELD_GROUPS)
    # jsonb keeps keys in its own order: show the groups in the order of the form.
    for group, choice in sorted(
        record.fields.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99
    ):
        rows.append(
            MergedField(
                group=group,
                label=str(FIELD_GROUP_LABELS.get(group, group)),
                kept=str(choice.get("kept", "")),
                survivor_value=choice.get("survivor_text") or _words(choice.get("survivor") or {}),
                merged_value=choice.get("merged_text") or _words(choice.get("merged") or {}),
            )
        )
    return rows


def _words(values: Mapping[str, Any]) -> str:
    parts = [
        ", ".join(v) if isinstance(v, list) else str(v)
        for v in values.values()
        if v not in ("", None, [])
    ]
    return " – ".join(parts) or "—"

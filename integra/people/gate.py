"""The one gate through which a person reaches any output.

Pages, API answers, PDFs and exports never receive a bare ``Person``: they receive what this
module gives for the acting operator —

* a ``PersonRef`` for a row that names a person (a PUA request, a UVM session, an assessment…):
  the names, birth date, main code and residence when the actor may read the person's content
  (``integra/people/access.py``: ``person_scope``), otherwise only that the person is known and
  which organisation to contact (``limited``);
* the full record (``person_full``), stamped as having passed the gate, for the registry's own
  pages and for the header of a person's pages in other apps.

Rows that name a person get their reference through their queryset: a selector returns
``gated(actor, qs)`` (the model's manager is ``PersonRowQuerySet``), and whoever evaluates it —
a page's paginator, the API's pagination, a PDF — finds ``row.person_ref`` set, in two extra
queries per page whatever its size; a single row just written gets it with
``with_person_ref(actor, row)``. Reading ``person_ref`` on a row that did not pass the gate raises ``PersonGateError``, so a
forgotten gate fails the first test that renders the row instead of leaking a name.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import JSONObject
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.core.access import Actor, NotFound, require, scoped
from integra.core.permissions import Permission
from integra.core.prepared import PreparedQuery, set_prefetched
from integra.people.access import emergency_reads_enabled, known_persons
from integra.people.models import (
    Person,
    PersonGateError,
    PersonIdentifier,
    PersonRowQuerySet,
    PersonStatus,
)

if TYPE_CHECKING:
    from integra.organizations.models import Organization

# Set on a ``Person`` instance that passed the gate in full form (see ``stamp``).
GATE_STAMP = "_integra_gate_actor"


@dataclass(frozen=True)
class OrganizationContact:
    """Whom to contact about a person whose record the actor may not read."""

    organization_id: int
    name: str
    phone: str
    email: str
    pec: str

    @classmethod
    def of(cls, organization: Organization) -> OrganizationContact:
        return cls(
            organization_id=organization.pk,
            name=organization.name,
            phone=organization.phone,
            email=organization.email,
            pec=organization.pec,
        )


@dataclass(frozen=True)
class PersonRef:
    """A person as one actor may see them in a row that names them.

    ``limited``: only ``id`` and ``contact`` are set — the person is known to the services and
    ``contact`` is the organisation that registered them; everything else is empty.
    """

    id: int
    limited: bool
    contact: OrganizationContact | None = None
    family_names: str = ""
    given_names: str = ""
    sex: str = ""
    birth_date: date | None = None
    main_code: str = ""
    residence: str = ""
    merged_into_id: int | None = None

    @property
    def pk(self) -> int:
        return self.id

    @property
    def full_name(self) -> str:
        return f"{self.family_names} {self.given_names}".strip()

    @property
    def label(self) -> str:
        """What a page shows: the name, or "person n. X (limited record)"."""
        if not self.limited:
            return self.full_name
        return _("Persona n. %(id)s (scheda limitata)") % {"id": self.id}

    def __str__(self) -> str:
        return self.label


def _residence(person: Person) -> str:
    municipality = person.residence_municipality or person.domicile_municipality
    address = person.residence_address or person.domicile_address
    return ", ".join(part for part in (address, municipality.name if municipality else "") if part)


def _full_ref(person: Person) -> PersonRef:
    codes = list(person.identifiers.all())
    main = next((c for c in codes if c.is_primary), codes[0] if codes else None)
    return PersonRef(
        id=person.pk,
        limited=False,
        family_names=person.family_names,
        given_names=person.given_names,
        sex=person.sex,
        birth_date=person.birth_date,
        main_code=main.value if main is not None else "",
        residence=_residence(person),
        merged_into_id=person.merged_into_id,
    )


def _limited_ref(person: Person) -> PersonRef:
    return PersonRef(
        id=person.pk, limited=True, contact=OrganizationContact.of(person.registered_by)
    )


def person_refs(actor: Actor | None, person_ids: Iterable[int]) -> dict[int, PersonRef]:
    """The reference to each person, as ``actor`` may see them: two queries whatever the number
    (the persons with the content flag, their codes). A person the actor may read is given in
    full; any other in the limited form — the row naming them already tells they exist."""
    ids = {pk for pk in person_ids if pk is not None}
    if not ids:
        return {}
    readable = scoped(actor, Person.objects.filter(pk=OuterRef("pk")))
    rows = (
        Person.objects.filter(pk__in=ids)
        .select_related("registered_by", "residence_municipality", "domicile_municipality")
        .prefetch_related("identifiers")
        .annotate(content_visible=Exists(readable))
    )
    return {p.pk: _full_ref(p) if p.content_visible else _limited_ref(p) for p in rows}


def person_ref(actor: Actor | None, person_id: int) -> PersonRef:
    ref = person_refs(actor, [person_id]).get(person_id)
    if ref is None:
        raise NotFound()
    return ref


def attach_person_refs(actor: Actor | None, rows: Iterable[Any], *, field: str = "person") -> None:
    """Set ``row._<field>_ref`` on every row from ``row.<field>_id``, through the gate (rows
    yielded by ``PersonRowQuerySet.with_person_refs`` get it by themselves)."""
    rows = list(rows)
    refs = person_refs(actor, (getattr(row, f"{field}_id") for row in rows))
    for row in rows:
        setattr(row, f"_{field}_ref", refs.get(getattr(row, f"{field}_id")))


R = TypeVar("R")
Q = TypeVar("Q", bound=models.QuerySet[Any])


def gated(actor: Actor | None, qs: Q, *fields: str) -> Q:
    """``qs`` (rows naming a person, on a model whose manager is ``PersonRowQuerySet``) made to
    attach every row's ``person_ref`` for ``actor`` when evaluated."""
    if not isinstance(qs, PersonRowQuerySet):
        raise PersonGateError(f"{qs.model.__name__} has no PersonRowQuerySet manager")
    return qs.with_person_refs(actor, *fields)  # type: ignore[return-value]


def _id(value: object) -> int | None:
    """A primary key from a path or payload value; ``None`` for anything that names nothing."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def with_person_ref(actor: Actor | None, row: R, *, field: str = "person") -> R:
    """``row`` (one row naming a person, e.g. just written by a service) with its reference."""
    attach_person_refs(actor, [row], field=field)
    return row


def stamp(person: Person, actor: Actor) -> Person:
    """Mark ``person`` as read in full through the gate by ``actor`` (the template guard in the
    test suite refuses any unstamped ``Person`` in a page's context)."""
    setattr(person, GATE_STAMP, actor.user.pk)
    return person


def person_full(
    *,
    actor: Actor | None,
    person_id: object,
    queryset: models.QuerySet[Person] | None = None,
    permission: Permission = Permission.PERSON_VIEW,
) -> Person:
    """The full record of a person whose content ``actor`` may read, stamped; ``NotFound``
    otherwise (missing, not known, or known only in the limited form)."""
    from integra.core.access import get_visible

    require(actor, permission)
    assert actor is not None  # require() refuses None
    base = queryset if queryset is not None else Person.objects.all()
    person = get_visible(actor, base, pk=person_id)
    return stamp(person, actor)


def person_known(*, actor: Actor | None, person_id: object) -> Person | None:
    """The person if ``actor`` may know of them (content or not), else ``None``: for the gate's
    limited form only — never render the returned instance."""
    pk = _id(person_id)
    if actor is None or pk is None:
        return None
    return (
        known_persons(actor, Person.objects.select_related("registered_by")).filter(pk=pk).first()
    )


# The person of a detail, with whether its content is readable and the person's codes:
# compiled once per shape of the actor (integra/core/prepared.py).
_DETAIL = PreparedQuery[Person]("user_id", "membership_id", "organization_id", "person_id")
_CODE_FIELDS = tuple(
    field.attname for field in PersonIdentifier._meta.concrete_fields if field.name != "person"
)


def codes_array(codes: models.QuerySet[PersonIdentifier]) -> ArraySubquery:
    """``codes`` (a subquery on the outer person) as one array of JSON objects, in the order
    the record shows them; ``codes_from_array`` turns it back into model instances."""
    return ArraySubquery(
        codes.order_by("-is_primary", "kind", "pk").values(
            row=JSONObject(**{name: name for name in _CODE_FIELDS})
        )
    )


def codes_from_array(person: Person, rows: list[Any] | None) -> list[PersonIdentifier]:
    """Model instances of the codes read by ``codes_array``, as loaded from the database (JSON
    gives dates as text: each field turns its value back into its Python type)."""
    fields = PersonIdentifier._meta.concrete_fields
    codes = []
    for row in rows or []:
        data = json.loads(row) if isinstance(row, str) else row
        values = [
            person.pk if field.name == "person" else field.to_python(data[field.attname])
            for field in fields
        ]
        code = PersonIdentifier.from_db("default", [f.attname for f in fields], values)
        code.person = person
        codes.append(code)
    return codes


class _WithCodes(ModelIterable):  # type: ignore[type-arg]
    """Persons as the ORM makes them, each with its codes (read by ``codes_array`` in the same
    statement) where ``prefetch_related("identifiers")`` would have put them."""

    def __iter__(self) -> Any:
        for person in super().__iter__():
            rows = person.__dict__.pop("codes_read", None)
            set_prefetched(person, "identifiers", codes_from_array(person, rows))
            yield person


def with_codes(persons: models.QuerySet[Person]) -> models.QuerySet[Person]:
    """``persons`` with their codes in the same statement (for lists of readable persons: one
    statement and no prefetch query per page)."""
    annotated = persons.annotate(
        codes_read=codes_array(PersonIdentifier.objects.filter(person_id=OuterRef("pk")))
    )
    annotated._iterable_class = _WithCodes  # type: ignore[attr-defined]
    return annotated


def _codes_column(actor: Actor) -> ArraySubquery:
    """The person's codes, empty unless ``actor`` may read the content (so the limited form
    never carries them)."""
    readable = scoped(actor, Person.objects.filter(pk=OuterRef("person_id")))
    return codes_array(
        PersonIdentifier.objects.filter(person_id=OuterRef("pk")).filter(Exists(readable))
    )


def _stand_in(actor: Actor, *, user_id: int, membership_id: int, organization_id: int) -> Actor:
    """``actor`` with other ids: the scopes read the actor's permissions and these ids only."""
    assert actor.membership is not None
    user = copy.copy(actor.user)
    user.pk = user_id
    membership = copy.copy(actor.membership)
    membership._state = copy.copy(membership._state)
    membership._state.fields_cache = {}
    membership.pk, membership.user_id, membership.organization_id = (
        membership_id,
        user_id,
        organization_id,
    )
    return replace(actor, user=user, membership=membership)


def person_detail(*, actor: Actor, person_id: object) -> tuple[Person | None, bool]:
    """The person ``actor`` may know of (else ``None``) and whether ``actor`` may read the
    content (``person_scope``), in one prepared statement; with the content, the person's codes
    (read in the same statement), ordered as the record shows them. A person returned with
    ``False`` is for the limited form only — never render it."""
    pk = _id(person_id)
    if pk is None or actor.membership is None or actor.organization_id is None:
        return None, False

    def build(
        *, user_id: int, membership_id: int, organization_id: int, person_id: int
    ) -> models.QuerySet[Person]:
        who = _stand_in(
            actor, user_id=user_id, membership_id=membership_id, organization_id=organization_id
        )
        readable = scoped(who, Person.objects.filter(pk=OuterRef("pk")))
        related = ("birth_place_municipality", "residence_municipality", "domicile_municipality")
        return (
            known_persons(who, Person.objects.select_related(*related, "registered_by"))
            .annotate(
                content_visible=Exists(readable),
                codes_read=_codes_column(who),
            )
            .filter(pk=person_id)
        )

    shape = (actor.permissions, emergency_reads_enabled(), timezone.localdate())
    found = _DETAIL.run(
        shape,
        build,
        user_id=actor.user.pk,
        membership_id=actor.membership.pk,
        organization_id=actor.organization_id,
        person_id=pk,
    )
    if not found:
        return None, False
    person = found[0]
    rows = person.__dict__.pop("codes_read", None) or []
    if not person.content_visible:  # type: ignore[attr-defined]
        return person, False
    set_prefetched(person, "identifiers", codes_from_array(person, rows))
    return person, True


# The holders of a code, with whether each one's content is readable (the search by code).
_HOLDERS_MAX = 8
_HOLDERS = PreparedQuery[Person](
    "user_id", "membership_id", "organization_id", *(f"holder_{n}" for n in range(_HOLDERS_MAX))
)


def holders_verdict(*, actor: Actor, person_ids: Iterable[int]) -> list[tuple[Person, bool]]:
    """The active persons among ``person_ids`` that ``actor`` may know of, each with whether
    ``actor`` may read the content — names and birth date only, for the search's own use
    (never rendered as such). One prepared statement for up to ``_HOLDERS_MAX`` persons (a code
    has one holder, or a few with its omocodic forms)."""
    ids = sorted({pk for pk in (_id(value) for value in person_ids) if pk is not None})
    if not ids or actor.membership is None or actor.organization_id is None:
        return []
    count = min(len(ids), _HOLDERS_MAX)

    def build(*, user_id: int, membership_id: int, organization_id: int, **holders: int) -> Any:
        who = _stand_in(
            actor, user_id=user_id, membership_id=membership_id, organization_id=organization_id
        )
        readable = scoped(who, Person.objects.filter(pk=OuterRef("pk")))
        among = models.Q()
        for number in range(count):
            among |= models.Q(pk=holders[f"holder_{number}"])
        return (
            known_persons(who, Person.objects.filter(status=PersonStatus.ACTIVE))
            .filter(among)
            .only("pk", "family_names", "given_names", "birth_date")
            .annotate(content_visible=Exists(readable))
            .order_by("pk")
        )

    found: list[tuple[Person, bool]] = []
    for first in range(0, len(ids), _HOLDERS_MAX):
        chunk = ids[first : first + _HOLDERS_MAX]
        holders = {f"holder_{n}": chunk[n] if n < len(chunk) else chunk[-1] for n in range(count)}
        shape = (actor.permissions, emergency_reads_enabled(), timezone.localdate(), count)
        for person in _HOLDERS.run(
            shape,
            build,
            user_id=actor.user.pk,
            membership_id=actor.membership.pk,
            organization_id=actor.organization_id,
            **holders,  # type: ignore[arg-type]
        ):
            found.append((person, bool(person.content_visible)))  # type: ignore[attr-defined]
    return found


def is_stamped(person: Person) -> bool:
    return getattr(person, GATE_STAMP, None) is not None


def full_ref_of(person: Person) -> PersonRef:
    """The full reference of a person returned by ``person_full`` (stamped)."""
    if not is_stamped(person):
        raise PersonGateError("full_ref_of() needs a person read through person_full()")
    return _full_ref(person)


__all__ = [
    "OrganizationContact",
    "PersonGateError",
    "PersonRef",
    "PersonRowQuerySet",
    "attach_person_refs",
    "full_ref_of",
    "gated",
    "person_detail",
    "person_full",
    "person_known",
    "person_ref",
    "person_refs",
    "stamp",
    "with_person_ref",
]

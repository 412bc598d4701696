"""The API of the person's diary and timeline (tag "diario").

* ``GET /persons/{person_id}/timeline``: everything about the person the caller may see, newest
  first, one page at a time (``next`` is the cursor of the page after, passed back as
  ``after``); filters by kind (repeatable) and by organisation;
* ``GET/POST /persons/{person_id}/notes``: the person's notes; add one;
* ``GET /notes/{note_id}``: one note.

The same selectors and services as the page, so the same policy: a person whose content the
caller may not read, or a note out of reach (another organisation's person, hidden at the
person's request, a health note without ``health.view``), is a 404 like a missing one; a missing
permission a 403; bad input a 422 problem+json. No ``from __future__ import annotations``:
django-ninja's ``@paginate`` must see the query schema as a class.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.people.gate import with_person_ref
from integra.people.schemas import PersonRefOut
from integra.timeline import selectors, services
from integra.timeline.models import TEXT_MAX_LENGTH, NoteDomain, NoteKind
from integra.timeline.sources import TimelineFilters

persons_router = Router(tags=["diario"])
notes_router = Router(tags=["diario"])

MAX_ID = 2**63 - 1
_NO_NUL = r"^[^\x00]*$"


class TimelineItemOut(Schema):
    when: datetime = Field(
        description="Quando è avvenuto (per gli elementi con una sola data: "
        "la mezzanotte UTC di quel giorno, vedi `date_only`)."
    )
    date_only: bool = Field(description="Vero se l'elemento ha un giorno e non un'ora.")
    kind: str = Field(
        description="Tipo di elemento: intake_request, pre_assessment, assessment, "
        "uvm_session, document, consent, case_note (e quelli aggiunti da altre parti del "
        "sistema)."
    )
    id: int = Field(description="Identificativo dell'elemento nel suo tipo.")
    title: str
    summary: str
    organization_id: int | None = Field(description="L'ente che l'ha prodotto.")
    organization: str = Field(description="Il nome dell'ente che l'ha prodotto.")
    url: str = Field(description="La pagina dell'elemento.")
    is_health: bool = Field(description="Vero per un dato sanitario.")

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organisation)


class TimelineOut(Schema):
    items: list[TimelineItemOut]
    next: str | None = Field(
        description="Cursore della pagina seguente, da passare come «after»; nullo all'ultima "
        "pagina."
    )


class TimelineQuery(Schema):
    kind: list[str] = Field(
        default_factory=list, description="Solo gli elementi di questi tipi (ripetibile)."
    )
    organization_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Solo gli elementi prodotti da questo ente."
    )
    after: str | None = Field(
        None, max_length=2000, description="Il cursore «next» della pagina precedente."
    )
    limit: int = Field(
        selectors.DEFAULT_LIMIT,
        ge=1,
        le=selectors.MAX_LIMIT,
        description=f"Quanti elementi (da 1 a {selectors.MAX_LIMIT}).",
    )


@persons_router.get(
    "/{person_id}/timeline",
    response=TimelineOut,
    summary="La cronologia di una persona",
    description="Richieste al PUA, pre-valutazioni, valutazioni, sedute UVM, documenti, "
    "consensi e note del diario della persona che chi chiede può vedere, dal più recente "
    "(paginazione per chiave: (quando, tipo, id)). Serve il permesso person.view e una persona "
    "di cui si può leggere la scheda (404 altrimenti). Gli elementi sanitari solo con "
    "health.view; quelli oscurati su richiesta della persona solo all'ente che li ha prodotti. "
    "La lettura è registrata.",
)
def timeline_endpoint(request: HttpRequest, person_id: int, query: Query[TimelineQuery]) -> Any:
    page = selectors.person_timeline(
        actor=actor_of(request),
        person_id=person_id,
        filters=TimelineFilters(kinds=frozenset(query.kind), organization_id=query.organization_id),
        after=query.after,
        limit=query.limit,
    )
    return {"items": page.items, "next": page.next_cursor}


class NoteOut(Schema):
    id: int
    person: PersonRefOut = Field(description="La persona, come la vede chi chiede.")
    organization_id: int
    organization: str = Field(description="L'ente dell'operatore che ha scritto la nota.")
    author: str = Field(description="L'operatore che ha scritto la nota.")
    occurred_at: datetime
    kind: NoteKind
    domain: NoteDomain
    text: str
    follow_up_on: date | None
    created_at: datetime

    @staticmethod
    def resolve_person(obj: Any) -> Any:
        return obj.person_ref

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.name)

    @staticmethod
    def resolve_author(obj: Any) -> str:
        user = obj.author.user
        return str(user.get_full_name() or user.get_username())


class NoteIn(Schema):
    occurred_at: datetime = Field(description="Quando è avvenuto il contatto (con il fuso).")
    kind: NoteKind = Field(
        description="interview (colloquio), home_visit (visita domiciliare), phone_call "
        "(telefonata), meeting (incontro), other."
    )
    domain: NoteDomain = Field(
        description="social (serve social.edit) o health (dato sanitario: serve health.edit)."
    )
    text: str = Field(max_length=TEXT_MAX_LENGTH, pattern=_NO_NUL)
    follow_up_on: date | None = Field(None, description="Da riprendere il (facoltativo).")


@persons_router.get(
    "/{person_id}/notes",
    response=list[NoteOut],
    summary="Le note del diario di una persona",
    description="Dalla più recente. Serve il permesso person.view e una persona di cui si può "
    "leggere la scheda (404 altrimenti); le note sanitarie solo con health.view. La lettura è "
    "registrata.",
)
@paginate(LimitOffset)
def note_list_endpoint(request: HttpRequest, person_id: int) -> object:
    return selectors.person_notes(actor=actor_of(request), person_id=person_id)


@persons_router.post(
    "/{person_id}/notes",
    response={201: NoteOut},
    summary="Aggiunge una nota al diario",
    description="Un colloquio, una visita domiciliare, una telefonata, un incontro. Una nota "
    "sociale richiede social.edit, una sanitaria health.edit (403); la persona deve essere "
    "leggibile (404). La nota non si modifica né si cancella: un errore si corregge con una "
    "nuova nota. Dati non validi: 422.",
)
def note_create_endpoint(request: HttpRequest, person_id: int, payload: NoteIn) -> Any:
    actor = actor_of(request)
    note = services.case_note_create(
        actor=actor,
        person_id=person_id,
        occurred_at=payload.occurred_at,
        kind=payload.kind.value,
        domain=payload.domain.value,
        text=payload.text,
        follow_up_on=payload.follow_up_on,
    )
    return Status(201, with_person_ref(actor, note))


@notes_router.get(
    "/{note_id}",
    response=NoteOut,
    summary="Una nota del diario",
    description="404 se la nota non esiste o chi chiede non può vederla (persona non leggibile, "
    "nota oscurata, nota sanitaria senza health.view). La lettura è registrata.",
)
def note_detail_endpoint(request: HttpRequest, note_id: int) -> Any:
    return selectors.note_get(actor=actor_of(request), note_id=note_id)

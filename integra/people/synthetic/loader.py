"""Writing the synthetic population into the database with ``COPY`` (DEMO ONLY).

Batches of about ``batch`` persons, each in its own transaction: the person ids are reserved
from the table's identity sequence, then persons, codes, permits, household links, ISEE
declarations, care relationships and consents are copied. The history triggers of
django-pghistory fire on every row (the inserts are recorded, under the context
``seed_demo_persons``), as for any other write.

Appending never collides: the codici fiscali already in the database are reserved first (a
new person who would get one of them gets the omocodic form) and the STP/ENI progressives
continue after the highest one in use. Loading the same seed twice would register the same
persons twice: it is refused (use another seed to add persons).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import pghistory
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from integra.accounts.models import Membership
from integra.core.models import Municipality
from integra.organizations.demo import demo_territory_find
from integra.organizations.models import Organization
from integra.people.models import PersonIdentifier
from integra.people.synthetic.generator import (
    STP_ENI_ISSUER,
    STP_ENI_REGION,
    Generator,
    Place,
    PlacePool,
    Territory,
    Unit,
)

HEALTH_ORG = "asst-melegnano-martesana"
THIRD_SECTOR_ORG = "coop-lambro-solidale"
RECORDING_OPERATOR = "operatore.pua"
LOMBARDY = "Lombardia"
MILAN_BELFIORE = "F205"
QUESTURA = "Questura di Milano"
CONSENT_EVIDENCE = "Modulo di consenso firmato (dati dimostrativi)"


class PopulationError(Exception):
    """The population cannot be loaded (missing demo data, or the seed already loaded)."""


@dataclass
class LoadResult:
    persons: int
    identifiers: int
    permits: int
    household_links: int
    isee: int
    care_relationships: int
    consents: int
    omocodic: int
    near_duplicates: int
    seconds: float


def territory_load() -> Territory:
    """The demo territory and organisations, as the generator wants them."""
    demo = demo_territory_find()
    residence = [
        Place(m.pk, m.belfiore_code, m.population or 1) for m in demo.asst_comuni if m.population
    ] or [Place(m.pk, m.belfiore_code, m.population or 1) for m in demo.asst_comuni]
    resident_ids = {p.municipality_id for p in residence}
    rows = Municipality.objects.filter(population__gt=0).values_list(
        "pk", "belfiore_code", "population", "region__name"
    )
    lombardy: list[Place] = []
    italy: list[Place] = []
    milan = None
    for pk, code, population, region in rows:
        place = Place(pk, code, population or 1)
        if code == MILAN_BELFIORE:
            milan = place
        elif pk in resident_ids:
            continue
        elif region == LOMBARDY:
            lombardy.append(place)
        else:
            italy.append(place)
    orgs = dict(
        Organization.objects.filter(code__in=[HEALTH_ORG, THIRD_SECTOR_ORG]).values_list(
            "code", "pk"
        )
    )
    if HEALTH_ORG not in orgs:
        raise PopulationError(f"missing demo organisation {HEALTH_ORG}: run seed_demo first")
    comune_orgs: dict[int, int] = {}
    for pk, municipality_id in Organization.objects.filter(
        kind="comune", code__startswith="comune-", municipality__isnull=False
    ).values_list("pk", "municipality_id"):
        comune_orgs[municipality_id] = pk
    membership = (
        Membership.objects.filter(
            user__username=RECORDING_OPERATOR, organization_id=orgs[HEALTH_ORG]
        )
        .values_list("pk", "organization_id")
        .first()
    )
    if membership is None:
        raise PopulationError(f"missing demo operator {RECORDING_OPERATOR}: run seed_demo first")
    return Territory(
        residence=PlacePool.of(residence),
        lombardy=PlacePool.of(lombardy or residence),
        italy=PlacePool.of(italy or residence),
        milan=milan,
        health_org_id=orgs[HEALTH_ORG],
        third_sector_org_id=orgs.get(THIRD_SECTOR_ORG),
        comune_orgs=comune_orgs,
        membership_id=membership[0],
        membership_org_id=membership[1],
    )


def _next_progressive(kind: str) -> int:
    prefix = f"{kind.upper()}{STP_ENI_REGION}{STP_ENI_ISSUER}"
    highest = PersonIdentifier.objects.filter(kind=kind, value__startswith=prefix).aggregate(
        Max("value")
    )["value__max"]
    return int(highest[len(prefix) :]) + 1 if highest else 1


def generator_for(*, seed: int, today: date, territory: Territory | None = None) -> Generator:
    """A generator that continues the database: codes in use reserved, progressives after."""
    taken = set(PersonIdentifier.objects.filter(kind="cf").values_list("value", flat=True))
    generator = Generator(
        seed=seed,
        territory=territory or territory_load(),
        today=today,
        taken_codes=taken,
        stp_next=_next_progressive("stp"),
        eni_next=_next_progressive("eni"),
    )
    return generator


class Progress:
    """A one-line progress bar on a stream (stderr), redrawn at most every 0.2 s."""

    def __init__(self, total: int, stream: IO[str] | None, label: str = "persone") -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.label = label
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, done: int, *, final: bool = False) -> None:
        if self.stream is None:
            return
        now = time.perf_counter()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        elapsed = now - self.start
        share = min(done / self.total, 1.0)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\r[{bar:<30}] {share:6.1%} {done:,}/{self.total:,} {self.label} "
            f"{rate:,.0f}/s, {elapsed:,.0f} s, ancora ~{eta:,.0f} s "
        )
        if final:
            self.stream.write("\n")
        self.stream.flush()


def population_load(
    *,
    persons: int,
    seed: int,
    today: date | None = None,
    batch: int = 1_000,
    stream: IO[str] | None = sys.stderr,
    territory: Territory | None = None,
    on_batch: Callable[[list[Unit], dict[int, int]], None] | None = None,
) -> LoadResult:
    """Generate ``persons`` persons from ``seed`` and write them; returns what was written.

    ``on_batch`` (tests, benchmark) sees each batch of units with the ids given to its persons.
    """
    day = today or timezone.localdate()
    generator = generator_for(seed=seed, today=day, territory=territory)
    result = LoadResult(0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0)
    progress = Progress(persons, stream)
    start = time.perf_counter()
    pending: list[Unit] = []
    pending_persons = 0
    # The first household of this seed, generated alone: its codes already in the database
    # mean the seed was loaded (the generator would give the same persons omocodic codes).
    probe = Generator(seed=seed, territory=generator.territory, today=day)
    first_codes = [p.cf for p in next(probe.units(50)).persons if p.cf is not None]
    if first_codes and _codes_in_database(first_codes):
        raise PopulationError(
            f"the population of seed {seed} is already loaded: use another --seed"
        )
    for unit in generator.units(persons):
        pending.append(unit)
        pending_persons += len(unit.persons)
        if pending_persons >= batch:
            _write(pending, generator, result, on_batch)
            pending, pending_persons = [], 0
            progress.update(result.persons)
    if pending:
        _write(pending, generator, result, on_batch)
    progress.update(result.persons, final=True)
    result.omocodic = generator.omocodic
    result.near_duplicates = len(generator.near_duplicates)
    result.seconds = time.perf_counter() - start
    return result


def _codes_in_database(codes: list[str]) -> set[str]:
    return set(
        PersonIdentifier.objects.filter(kind="cf", value__in=codes).values_list("value", flat=True)
    )


def _reserve_ids(cursor: Any, table: str, count: int) -> list[int]:
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _write(
    units: list[Unit],
    generator: Generator,
    result: LoadResult,
    on_batch: Callable[[list[Unit], dict[int, int]], None] | None,
) -> None:
    territory = generator.territory
    now: datetime = timezone.now()
    membership = territory.membership_id
    with (
        transaction.atomic(),
        pghistory.context(reason="seed_demo_persons"),
        connection.cursor() as cursor,
    ):
        # Through Django's cursor, pghistory sets its context for the transaction in front of
        # a statement (not a SELECT: those it leaves alone); the COPY statements below, on the
        # raw cursor, run in the same transaction and so are recorded under that context.
        cursor.execute("DO $$ BEGIN END $$")
        raw = cursor.cursor
        count = sum(len(u.persons) for u in units)
        ids = iter(_reserve_ids(raw, "people_person", count))
        pk: dict[int, int] = {}
        persons, identifiers, documents, links, isee, care, consents = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )  # type: ignore[var-annotated]
        for unit in units:
            for p in unit.persons:
                pk[p.key] = next(ids)
            for p in unit.persons:
                person_id = pk[p.key]
                persons.append(
                    (
                        person_id,
                        now,
                        now,
                        p.family_names,
                        p.given_names,
                        p.sex,
                        p.birth_date,
                        p.birth_place_code,
                        p.citizenships,
                        p.languages,
                        p.needs_cultural_mediator,
                        p.marital_status,
                        p.education,
                        p.employment,
                        p.living_situation,
                        p.residence_address,
                        p.domicile_address,
                        p.phone,
                        p.email,
                        "",
                        "",
                        "",
                        "active",
                        p.search_name,
                        p.birth_municipality_id,
                        p.domicile_municipality_id,
                        p.registered_by_id,
                        p.residence_municipality_id,
                        p.search_keys,
                    )
                )
                for ident in p.identifiers:
                    identifiers.append(
                        (
                            ident.kind,
                            ident.value,
                            "",
                            ident.issued_on,
                            ident.valid_until,
                            ident.is_primary,
                            now,
                            person_id,
                        )
                    )
                for permit in p.permits:
                    documents.append(
                        (
                            "residence_permit",
                            permit.number,
                            QUESTURA,
                            permit.issued_on,
                            permit.expires_on,
                            permit.reason,
                            "",
                            "",
                            "",
                            "",
                            now,
                            person_id,
                            membership,
                        )
                    )
            for link in unit.links:
                links.append(
                    (
                        "",
                        link.relationship,
                        link.cohabiting,
                        link.is_caregiver,
                        link.caregiver_needs,
                        "",
                        link.since,
                        now,
                        pk[link.member],
                        pk[link.person],
                        membership,
                    )
                )
            for declaration in unit.isee:
                isee.append(
                    (
                        declaration.kind,
                        declaration.value,
                        declaration.protocol,
                        declaration.signed_on,
                        declaration.valid_until,
                        now,
                        pk[declaration.person],
                        membership,
                    )
                )
            for relationship in unit.care:
                care.append(
                    (
                        relationship.started_on,
                        relationship.ended_on,
                        relationship.reason,
                        now,
                        relationship.organization_id,
                        pk[relationship.person],
                    )
                )
                if relationship.sharing_consent:
                    consents.append(
                        (
                            "sharing",
                            "given",
                            relationship.started_on,
                            CONSENT_EVIDENCE,
                            now,
                            pk[relationship.person],
                            membership,
                            territory.membership_org_id,
                        )
                    )
        _copy(
            raw,
            "people_person",
            "id, created_at, updated_at, family_names, given_names, sex, birth_date, "
            "birth_place_code, citizenships, languages, needs_cultural_mediator, "
            "marital_status, education, employment, living_situation, residence_address, "
            "domicile_address, phone, email, legal_guardian_name, legal_guardian_kind, "
            "family_doctor_name, status, search_name, birth_place_municipality_id, "
            "domicile_municipality_id, registered_by_id, residence_municipality_id, "
            "search_keys",
            persons,
        )
        _copy(
            raw,
            "people_personidentifier",
            "kind, value, issuing_country, issued_on, valid_until, is_primary, created_at, "
            "person_id",
            identifiers,
        )
        _copy(
            raw,
            "people_persondocument",
            "kind, number, issuer, issued_on, expires_on, permit_reason, file, file_name, "
            "content_type, sha256, created_at, person_id, uploaded_by_id",
            documents,
        )
        _copy(
            raw,
            "people_householdmember",
            "name, relationship, cohabiting, is_caregiver, caregiver_needs, "
            "caregiver_needs_note, since, created_at, member_id, person_id, recorded_by_id",
            links,
        )
        _copy(
            raw,
            "people_iseedeclaration",
            "kind, value, dsu_protocol, signed_on, valid_until, created_at, person_id, "
            "recorded_by_id",
            isee,
        )
        _copy(
            raw,
            "people_carerelationship",
            "started_on, ended_on, reason, created_at, organization_id, person_id",
            care,
        )
        _copy(
            raw,
            "people_consent",
            "purpose, status, decided_on, evidence_note, created_at, person_id, "
            "recorded_by_id, recorded_by_organization_id",
            consents,
        )
    result.persons += len(persons)
    result.identifiers += len(identifiers)
    result.permits += len(documents)
    result.household_links += len(links)
    result.isee += len(isee)
    result.care_relationships += len(care)
    result.consents += len(consents)
    if on_batch is not None:
        on_batch(units, pk)

"""The shared world of the security tests: two territories of organisations like the demo,
every role in each, and persons whose every linked object carries a canary.

Organisations (``World.orgs``):

- ``a`` — a Comune running a PUA with ``b`` as partner and ``b`` as its UVM;
- ``b`` — the ASST of the same territory;
- ``c`` — a social cooperative (third sector) of the same territory;
- ``d`` — a Comune of another territory, with a PUA of its own.

Every ``Role`` is a membership of its own operator in each of them (``World.members``), with a
personal API token and a logged-in browser session.

Persons (``World.bundles``), each with one linked object of every kind the API and the pages
expose (request, attachment, document, household member, ISEE, consent with its signed form,
a document hidden at the person's request (oscuramento), social and health assessment, UVM
session with members and outcome, evidence of both kinds, saved screening, merge) — the bundle
also names an object of the organisation itself (a staff membership, an API token, a service of
the catalogue) and, for B and D, an emergency access opened by one of its operators and a
notice addressed to it:

- ``a`` — P_a, registered by A with the sharing consent, in charge at A: no canaries;
- ``b`` — P_b, registered by B WITHOUT the sharing consent, in charge at B (and, as a UVM member,
  at A): A's PUA sees only "known, contact B"; every text of it is a canary (``CANARIES["b"]``);
- ``d`` — P_d, registered by D, in charge at D only: canaries too (``CANARIES["d"]``);
- ``h`` — P_h, registered by A with the sharing consent, assessed by a UVM convened by B from a
  request of A's PUA, with members from A, B and C: a doctor of B records the health values
  (``HEALTH_CANARIES``) that no social-only role may read.

Emergency accesses (``_emergency_accesses``): an operator of D working D's PUA (not one of the
swept members) opens P_b's record in an emergency, which notifies B; operators of B's and A's
PUAs open P_d's, which notifies D, and A's reads it (an anomaly for A's auditor). Each is read
only by its own operator, in a GET, for four hours.

Canaries are unusual words (``Zqx…`` for a person's content, ``Hqz…`` for health data), dates
and numbers that cannot occur by chance in a page or an answer.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.accounts.models import ApiToken, Membership
from integra.accounts.services import api_token_create
from integra.assessments import uvm
from integra.assessments.definitions import INSTRUMENTS_DIR, load_file
from integra.assessments.services import record_assessment
from integra.assessments.uvm_models import UvmSession
from integra.core.access import Actor, NotFound
from integra.core.permissions import ADMIN_ROLES, Role
from integra.intake.models import (
    Channel,
    IntakeRequest,
    IntakeState,
    IntakeTransition,
    NeedArea,
    PuaPoint,
    RequesterKind,
    Urgency,
)
from integra.intake.services import attachment_add
from integra.notices.models import Notice
from integra.organizations.models import HEALTH_SIDE_KINDS, Organization, OrganizationKind
from integra.people import selectors as people_selectors
from integra.people.access import emergency_reads
from integra.people.concealment import concealment_record
from integra.people.emergency import emergency_access_open
from integra.people.identifiers import fiscal_code_check_character
from integra.people.merging import person_merge
from integra.people.models import (
    ConcealedKind,
    ConcealmentAction,
    ConcealmentEvidence,
    ConsentEvidence,
    ConsentPurpose,
    ConsentStatus,
    DocumentKind,
    HouseholdMember,
    HouseholdRelationship,
    IseeDeclaration,
    IseeKind,
    LegalGuardianKind,
    Person,
    PersonDocument,
)
from integra.people.services import consent_record, person_document_create
from integra.programs.facts import FactKind
from integra.programs.models import EligibilityFact
from integra.programs.selectors import screen
from integra.programs.services import fact_record, screening_save
from tests.factories import (
    AmbitoFactory,
    DistrictFactory,
    HealthAuthorityFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganizationFactory,
    ServiceFactory,
    UserFactory,
)
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

MISSING_ID = 2**31 - 2
ORG_KEYS = ("a", "b", "c", "d")
ROLES: tuple[Role, ...] = tuple(Role)


def _distinct_roles() -> tuple[Role, ...]:
    """One role per set of permissions: two roles granting the same permissions (today the
    nurse and the doctor) answer every request alike, so the sweeps ask one of them."""
    from integra.core.permissions import ROLE_PERMISSIONS

    seen: dict[frozenset[Any], Role] = {}
    for role in ROLES:
        seen.setdefault(frozenset(ROLE_PERMISSIONS[role]), role)
    return tuple(seen.values())


DISTINCT_ROLES = _distinct_roles()
# Health instruments, evidence kinds and the labels a screening gives their values.
HEALTH_INSTRUMENTS = frozenset({"barthel", "gcs", "katz", "lawton", "norton", "spmsq"})

# B1 has an act in force on this day (DGR XII/3719 del 30/12/2024).
SCREEN_DAY = date(2025, 12, 2)
PDF_BYTES = b"%PDF-1.4\n% security test attachment\n%%EOF\n"


def fiscal_code(family: str, given: str, birth: date) -> str:
    """A valid codice fiscale (DM 23/12/1976) of a man born in Rome (H501), for names made of
    consonant-rich canary words."""
    vowels = set("AEIOU")

    def consonants(word: str) -> list[str]:
        return [c for c in word.upper() if c.isalpha() and c not in vowels]

    family_c = consonants(family)
    given_c = consonants(given)
    given_part = (
        [given_c[0], given_c[2], given_c[3]] if len(given_c) >= 4 else given_c[:3]
    )  # four or more consonants: the first, third and fourth
    months = "ABCDEHLMPRST"
    body = (
        "".join(family_c[:3])
        + "".join(given_part)
        + f"{birth.year % 100:02d}{months[birth.month - 1]}{birth.day:02d}H501"
    )
    return body + fiscal_code_check_character(body)


def omocodic(code: str) -> str:
    """The same codice fiscale with its last digit replaced by its omocodia letter."""
    letters = "LMNPQRSTUV"
    body = code[:14] + letters[int(code[14])]
    return body + fiscal_code_check_character(body)


def date_forms(day: date) -> list[str]:
    """The ways a page, a PDF or a CSV may write ``day``."""
    months_it = [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ]
    return [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        day.strftime("%d.%m.%Y"),
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} {months_it[day.month - 1]} {day.year}",
        day.strftime("%d %B %Y"),
        day.strftime("%B %d, %Y"),
        day.strftime("%b. %d, %Y"),
    ]


@dataclass
class Canaries:
    """The canary strings of one person's content: every text written in its record."""

    tag: str
    birth_date: date
    strings: list[str] = field(default_factory=list)

    def word(self, name: str) -> str:
        text = self.word_text(name)
        self.strings.append(text)
        return text

    def word_text(self, name: str) -> str:
        """The canary ``word(name)`` writes (without recording it again)."""
        return f"Zqx{self.tag}{name}"

    def add(self, *texts: str) -> None:
        self.strings.extend(texts)

    def all(self) -> list[str]:
        return [*self.strings, *date_forms(self.birth_date)]


class Absent(LookupError):
    """The bundle has no object of that kind (P_h has no merge, for instance)."""


@dataclass
class Ref:
    """An object that does not exist: every id is ``MISSING_ID``."""

    pk: int = MISSING_ID
    code: str = "zz-missing"
    istat_code: str = "999999"


@dataclass
class Bundle:
    """One person and one object of every kind linked to it, plus objects of its organisation."""

    key: str
    org: Any
    person: Any
    alias: Any = None  # the record merged into ``person``
    document: Any = None  # with a file
    household: Any = None
    isee: Any = None
    consent: Any = None  # with the scan of the signed form
    concealment: Any = None  # the decision hiding a document of the person
    concealed_document: Any = None  # that document (seen only by its author's organisation)
    request: Any = None
    transition: Any = None
    attachment: Any = None
    assessment: Any = None  # a social instrument
    assessment_health: Any = None  # a health instrument
    uvm_session: Any = None
    uvm_member: Any = None
    fact: Any = None  # a social kind of evidence
    fact_health: Any = None
    screening: Any = None
    merge: Any = None
    membership: Any = None  # a staff membership of the organisation
    token: Any = None  # an API token of that membership
    service: Any = None
    pua: Any = None
    emergency: Any = None  # an emergency access opened by an operator of the organisation
    notice: Any = None  # a notice addressed to the organisation
    care_plan: Any = None  # proposed once (version 1), with a goal, an intervention, a task
    plan_goal: Any = None
    plan_intervention: Any = None
    team_member: Any = None
    care_task: Any = None
    plan_version_number: str = "1"
    instrument_code: str = "barthel"
    measure_code: str = "B1"
    istat_code: str = "015146"

    def ident(self, attr: str) -> Any:
        value = getattr(self, attr)
        if value is None:
            raise Absent(f"bundle {self.key} has no {attr}")
        if isinstance(value, str):
            return value
        return value.pk


MISSING = Bundle(
    key="missing",
    **{
        name: Ref()
        for name in (
            "org",
            "person",
            "alias",
            "document",
            "household",
            "isee",
            "consent",
            "concealment",
            "concealed_document",
            "request",
            "transition",
            "attachment",
            "assessment",
            "assessment_health",
            "uvm_session",
            "uvm_member",
            "fact",
            "fact_health",
            "screening",
            "merge",
            "membership",
            "token",
            "service",
            "pua",
            "emergency",
            "notice",
            "care_plan",
            "plan_goal",
            "plan_intervention",
            "team_member",
            "care_task",
        )
    },
    plan_version_number="999999",
    instrument_code="zz-missing",
    measure_code="ZZ",
    istat_code="999999",
)


@dataclass
class Member:
    """One operator acting as one membership: its token and its logged-in session cookie."""

    org_key: str
    role: Role
    membership: Membership
    raw_token: str
    session_cookies: Any = None

    @property
    def label(self) -> str:
        return f"{self.org_key}:{self.role.value}"

    def actor(self) -> Actor:
        return Actor.for_membership(self.membership.user, self.membership)

    def api(self) -> Client:
        return Client(headers={"authorization": f"Bearer {self.raw_token}"})

    def browser(self) -> Client:
        client = Client()
        for name, morsel in self.session_cookies.items():
            client.cookies[name] = morsel.value
        return client


@dataclass
class World:
    orgs: dict[str, Organization]
    members: dict[tuple[str, Role], Member]
    bundles: dict[str, Bundle]
    canaries: dict[str, Canaries]
    health_canaries: list[str]
    health_person: Person = None  # type: ignore[assignment]
    pua_a: PuaPoint = None  # type: ignore[assignment]
    # The domain tables as built (each test starts from them: its writes are rolled back).
    fingerprint: dict[str, str] = field(default_factory=dict)

    def member(self, org_key: str, role: Role) -> Member:
        return self.members[(org_key, role)]


# --- building ----------------------------------------------------------------------------------


def _answers(code: str, chosen: dict[str, str]) -> dict[str, str]:
    """``chosen`` answers, every other item at its lowest-scoring option."""
    definition = load_file(INSTRUMENTS_DIR / f"{code}.yaml")
    answers = {
        item.code: min(item.options, key=lambda o: o.score).code for item in definition.items
    }
    answers.update(chosen)
    return answers


def _upload(name: str, text: str = "") -> SimpleUploadedFile:
    """A scan: a file with a PDF signature holding ``text``."""
    data = PDF_BYTES.replace(b"security test attachment", text.encode() or b"scan")
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _territories() -> dict[str, Any]:
    authority_1 = HealthAuthorityFactory(kind="asst", name="ASST Territorio Uno")
    district_1 = DistrictFactory(health_authority=authority_1, name="Distretto Uno")
    ambito_1 = AmbitoFactory(name="Ambito Uno", region=authority_1.region)
    comune_1 = MunicipalityFactory(
        name="Borgo Uno", ambito=ambito_1, district=district_1, region=authority_1.region
    )
    authority_2 = HealthAuthorityFactory(
        kind="asst", name="ASST Territorio Due", region=authority_1.region
    )
    district_2 = DistrictFactory(health_authority=authority_2, name="Distretto Due")
    ambito_2 = AmbitoFactory(name="Ambito Due", region=authority_1.region)
    comune_2 = MunicipalityFactory(
        name="Borgo Due", ambito=ambito_2, district=district_2, region=authority_1.region
    )
    return {
        "authority_1": authority_1,
        "ambito_1": ambito_1,
        "comune_1": comune_1,
        "ambito_2": ambito_2,
        "comune_2": comune_2,
    }


def _organisations(territory: dict[str, Any]) -> dict[str, Organization]:
    orgs = {
        "a": OrganizationFactory(
            name="Comune di Borgo Uno",
            code="sec-comune-uno",
            kind=OrganizationKind.MUNICIPALITY,
            municipality=territory["comune_1"],
            phone="02 1111 0001",
            email="sociali@borgouno.example",
        ),
        "b": OrganizationFactory(
            name="ASST Territorio Uno",
            code="sec-asst-uno",
            kind=OrganizationKind.HEALTH_AUTHORITY,
            health_authority=territory["authority_1"],
            phone="02 1111 0002",
            email="urp@asst-uno.example",
        ),
        "c": OrganizationFactory(
            name="Cooperativa sociale Uno",
            code="sec-coop-uno",
            kind=OrganizationKind.THIRD_SECTOR,
            phone="02 1111 0003",
            email="info@coop-uno.example",
        ),
        "d": OrganizationFactory(
            name="Comune di Borgo Due",
            code="sec-comune-due",
            kind=OrganizationKind.MUNICIPALITY,
            municipality=territory["comune_2"],
            phone="02 2222 0004",
            email="sociali@borgodue.example",
        ),
    }
    for key in ("a", "c"):
        orgs[key].served_municipalities.set([territory["comune_1"]])
    orgs["b"].served_municipalities.set([territory["comune_1"]])
    orgs["d"].served_municipalities.set([territory["comune_2"]])
    return orgs


def _members(orgs: dict[str, Organization]) -> dict[tuple[str, Role], Member]:
    members: dict[tuple[str, Role], Member] = {}
    for key, org in orgs.items():
        for role in ROLES:
            user = UserFactory(
                username=f"sec.{key}.{role.value}",
                first_name="Operatore",
                last_name=f"{key.upper()} {role.label}",
            )
            membership = MembershipFactory(
                user=user, organization=org, roles=[role.value], job_title=str(role.label)
            )
            _token, raw = api_token_create(
                user=user, membership=membership, name="security", second_factor_verified=True
            )
            client = Client()
            client.force_login(user)
            if role in ADMIN_ROLES:
                device = TOTPDevice.objects.create(user=user, name="Telefono", confirmed=True)
                session = client.session
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                session.save()
            members[(key, role)] = Member(
                org_key=key,
                role=role,
                membership=membership,
                raw_token=raw,
                session_cookies=client.cookies,
            )
    return members


def _person(
    org: Organization,
    canaries: Canaries | None,
    *,
    family: str,
    given: str,
    birth: date,
    municipality: Any,
    alias_of: str = "",
) -> Person:
    """A person; with ``canaries``, every text field is one."""
    if canaries is None:
        person = PersonFactory(
            registered_by=org,
            family_names=family,
            given_names=given,
            birth_date=birth,
            residence_municipality=municipality,
            residence_address="Via Roma 1",
        )
        if not alias_of:
            PersonIdentifierFactory(person=person)
        return person
    c = canaries
    person = PersonFactory(
        registered_by=org,
        family_names=family,
        given_names=given,
        birth_date=birth,
        residence_municipality=municipality,
        residence_address=c.word(f"{alias_of}indirizzo") + " 13",
        domicile_address=c.word(f"{alias_of}domicilio") + " 7",
        phone=f"+39 333 19{c.birth_date.strftime('%m%d')}{len(alias_of)}",
        email=f"{c.word(f'{alias_of}posta').lower()}@example.org",
        legal_guardian_name=c.word(f"{alias_of}tutore"),
        legal_guardian_kind=LegalGuardianKind.SUPPORT_ADMINISTRATOR,
        family_doctor_name=c.word(f"{alias_of}medicocurante"),
    )
    c.add(family, given, person.phone, person.email)
    if not alias_of:  # a duplicate registered in a hurry, without a code (or merging refuses)
        code = fiscal_code(family, given, birth)
        PersonIdentifierFactory(person=person, value=code)
        c.add(code, omocodic(code))
    return person


@dataclass
class _Staff:
    """The actors of one organisation used to build its records: a clinician only where the
    organisation provides health care (the ASST), the UVM member convening elsewhere."""

    pua: Actor
    social: Actor
    convener: Actor
    clinician: Actor | None
    member: Membership


def _staff(world: World, key: str) -> _Staff:
    health = world.orgs[key].kind in HEALTH_SIDE_KINDS
    clinician = world.member(key, Role.DOCTOR).actor() if health else None
    return _Staff(
        pua=world.member(key, Role.PUA_OPERATOR).actor(),
        social=world.member(key, Role.SOCIAL_WORKER).actor(),
        convener=clinician or world.member(key, Role.UVM_MEMBER).actor(),
        clinician=clinician,
        member=world.member(key, Role.SOCIAL_WORKER).membership,
    )


def _request(
    pua: PuaPoint, person: Person, by: Actor, c: Canaries | None, *, state: str, **extra: Any
) -> tuple[IntakeRequest, IntakeTransition]:
    word = c.word if c is not None else (lambda name: f"Testo {name}")
    now = timezone.now() - timedelta(hours=2)
    request = IntakeRequest.objects.create(
        pua=pua,
        competent_pua=pua,
        person=person,
        channel=Channel.FRONT_DESK,
        requester_kind=RequesterKind.FAMILY,
        requester_name=word("richiedente"),
        requester_contact=word("recapito"),
        need_areas=[NeedArea.ELDERLY],
        urgency=Urgency.ORDINARY,
        description=word("richiesta"),
        state=state,
        received_at=now,
        pre_assessment_due=timezone.localdate() + timedelta(days=3),
        due_on=timezone.localdate() + timedelta(days=3),
        created_by=by.membership,
        **extra,
    )
    transition = IntakeTransition.objects.create(
        request=request,
        from_state="",
        to_state=state,
        at=now,
        by=by.membership,
        by_organization_id=by.organization_id,
        reason=word("passaggio"),
    )
    return request, transition


def _person_records(
    world: World,
    bundle: Bundle,
    c: Canaries | None,
    *,
    pua: PuaPoint,
    pua_actor: Actor,
    uvm_extra_orgs: list[str],
    health: str,
) -> None:
    """Every kind of linked object of ``bundle.person``, recorded by the bundle's organisation
    (through the services where they compute what they store)."""
    key = bundle.key
    staff = _staff(world, key)
    person = bundle.person
    word = c.word if c is not None else (lambda name: f"Testo {name}")
    today = timezone.localdate()
    bundle.document = person_document_create(
        actor=staff.social,
        person_id=person.pk,
        kind=DocumentKind.IDENTITY_CARD,
        number=word("documento").upper(),
        issuer=word("rilasciatoda"),
        issued_on=date(2020, 1, 10),
        expires_on=date(2030, 1, 9),
        upload=_upload(f"{word('scansione')}.pdf", word("contenutoscansione")),
    )
    permit = PersonDocument.objects.create(
        person=person,
        kind=DocumentKind.RESIDENCE_PERMIT,
        number=word("permesso").upper(),
        issuer=word("questura"),
        issued_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=20),
        uploaded_by=staff.member,
    )
    # The person asked to hide the permit: only its author (the organisation) still sees it.
    bundle.concealed_document = permit
    bundle.concealment = concealment_record(
        actor=staff.social,
        person_id=person.pk,
        item_kind=ConcealedKind.DOCUMENT,
        item_id=permit.pk,
        action=ConcealmentAction.CONCEAL,
        requested_on=today - timedelta(days=2),
        evidence_kind=ConcealmentEvidence.WRITTEN_REQUEST,
        evidence_note=word("oscuramento"),
    )
    bundle.household = HouseholdMember.objects.create(
        person=person,
        name=word("familiare"),
        birth_year=1958,
        relationship=HouseholdRelationship.CHILD,
        cohabiting=True,
        is_caregiver=True,
        caregiver_needs=["respite"],
        caregiver_needs_note=word("notacaregiver"),
        recorded_by=staff.member,
    )
    bundle.isee = IseeDeclaration.objects.create(
        person=person,
        kind=IseeKind.SOCIOSANITARY,
        value=Decimal("13713.31") if c is not None else Decimal("9000.00"),
        dsu_protocol=word("dsu").upper(),
        signed_on=date(today.year, 1, 15),
        valid_until=date(today.year, 12, 31),
        recorded_by=staff.member,
    )
    if c is not None:
        c.add("13713.31", "13713,31", "13.713,31")
    bundle.consent = consent_record(
        actor=staff.social,
        person_id=person.pk,
        purpose=ConsentPurpose.TAKING_IN_CHARGE,
        status=ConsentStatus.GIVEN,
        decided_on=today - timedelta(days=30),
        evidence_note=word("consenso"),
        evidence_kind=ConsentEvidence.SIGNED_FORM,
        upload=_upload(f"{word('modulo')}.pdf", word("contenutomodulo")),
    )
    bundle.request, bundle.transition = _request(
        pua, person, pua_actor, c, state=IntakeState.RECEIVED
    )
    bundle.attachment = attachment_add(
        actor=pua_actor,
        request_id=bundle.request.pk,
        upload=_upload(f"{word('allegato')}.pdf", word("contenutoallegato")),
        description=word("descrizioneallegato"),
    )
    bundle.assessment = record_assessment(
        staff.social,
        person,
        "social",
        _answers("social", {}),
        None,
        today,
        notes=word("notasociale"),
    )
    # A health instrument: a clinician, or a UVM member who administers it (ASSESSMENT_PERFORM).
    bundle.assessment_health = record_assessment(
        staff.convener,
        person,
        "barthel",
        _answers("barthel", {}),
        None,
        today,
        notes=f"Hqzbarthelnota{health}",
    )
    session = uvm.session_create(
        actor=staff.convener,
        data={
            "person_id": person.pk,
            "scheduled_for": timezone.now() - timedelta(hours=1),
            "place": word("luogouvm"),
        },
    )
    bundle.uvm_member = uvm.member_add(
        actor=staff.convener,
        session_id=session.pk,
        data={
            "organization_id": bundle.org.pk,
            "full_name": word("componente"),
            "profession": "medico",
        },
    )
    for other in uvm_extra_orgs:
        uvm.member_add(
            actor=staff.convener,
            session_id=session.pk,
            data={
                "organization_id": world.orgs[other].pk,
                "full_name": word(f"componente{other}"),
                "profession": "assistente_sociale",
            },
        )
    uvm.assessments_link(
        actor=staff.convener,
        session_id=session.pk,
        assessment_ids=[bundle.assessment.pk, bundle.assessment_health.pk],
    )
    bundle.fact = fact_record(
        actor=staff.social,
        person_id=person.pk,
        kind=FactKind.ACCOMPAGNAMENTO,
        value=True,
        valid_from=date(2024, 1, 1),
        source=word("fonteaccompagnamento"),
    )
    if staff.clinician is not None:
        bundle.fact_health = fact_record(
            actor=staff.clinician,
            person_id=person.pk,
            kind=FactKind.GCS,
            value=Decimal("7"),
            valid_from=date(2024, 1, 1),
            source=f"Hqzfontegcs{health}",
        )
    else:  # sent by the ASST with the person's file: no clinician works at a Comune
        bundle.fact_health = EligibilityFact.objects.create(
            person=person,
            kind=FactKind.GCS,
            value_number=Decimal("7"),
            valid_from=date(2024, 1, 1),
            source=f"Hqzfontegcs{health}",
            organization=bundle.org,
            recorded_by=staff.member,
        )
    health_line = {"salute": f"Hqzsalute{health}"}
    uvm.outcome_update(
        actor=staff.convener,
        session_id=session.pk,
        data={
            "needs_summary": {
                **(health_line if staff.clinician is not None else {}),
                "rete": word("rete"),
            },
            "proposed_interventions": word("interventi"),
            "outcome_notes": word("noteesito"),
        },
    )
    if staff.clinician is None:
        # Written by the ASST's doctor sitting in the Comune's UVM (only health staff may write
        # a health dimension; no clinician works at a Comune): stored as the service keeps it.
        UvmSession.objects.filter(pk=session.pk).update(
            needs_summary={**UvmSession.objects.get(pk=session.pk).needs_summary, **health_line}
        )
    if staff.clinician is not None:  # the check reads health evidence
        uvm.eligibility_record(
            actor=staff.clinician, session_id=session.pk, measure_code="B1", on_date=SCREEN_DAY
        )
    session.refresh_from_db()
    bundle.uvm_session = session
    # B1 reads health evidence: only a clinician keeps its check; a Comune keeps B2's (social).
    screener, measure = (
        (staff.clinician, "B1") if staff.clinician is not None else (staff.social, "B2")
    )
    bundle.measure_code = measure
    result = screen(screener, person, measure, SCREEN_DAY)
    bundle.screening = screening_save(
        actor=screener,
        person_id=person.pk,
        measure_code=measure,
        on_date=SCREEN_DAY,
        result=result.as_json(),
    )
    bundle.membership = staff.member
    bundle.token = ApiToken.objects.filter(membership=staff.member).get()
    bundle.service = ServiceFactory(provider=bundle.org, name=f"Servizio dell'ente {key}")
    bundle.pua = pua
    _care_plan(world, bundle, word)


def _care_plan(world: World, bundle: Bundle, word: Any) -> None:
    """A plan of the person held by the bundle's organisation, proposed once (version 1): a
    goal, an intervention, a team member and a task (integra/careplans/services.py)."""
    from integra.careplans import services as plans

    manager = world.member(bundle.key, Role.CASE_MANAGER).actor()
    plan = plans.plan_create(
        actor=manager,
        person_id=bundle.person.pk,
        data={"title": word("progetto"), "strengths_person": word("risorse")},
    )
    bundle.plan_goal = plans.goal_add(
        actor=manager,
        plan_id=plan.pk,
        data={
            "need_domain": "autonomia",
            "description": word("obiettivo"),
            "indicator": word("indicatore"),
            "target": word("atteso"),
            "deadline": (timezone.localdate() + timedelta(days=90)).isoformat(),
        },
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    bundle.plan_intervention = plans.intervention_add(
        actor=manager,
        plan_id=plan.pk,
        data={
            "service_id": bundle.service.pk,
            "frequency": word("frequenza"),
            "starts_on": timezone.localdate().isoformat(),
            "monthly_cost": "100.00",
            "comune_amount": "100.00",
        },
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    bundle.team_member = plans.team_member_add(
        actor=manager,
        plan_id=plan.pk,
        data={
            "membership_id": world.member(bundle.key, Role.SOCIAL_WORKER).membership.pk,
            "profession": "assistente_sociale",
        },
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    bundle.care_task = plans.task_create(
        actor=manager,
        plan_id=plan.pk,
        data={
            "assignee_id": manager.membership.pk,
            "title": word("attivita"),
            "due_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
    )
    plan.refresh_from_db()
    plans.plan_propose(actor=manager, plan_id=plan.pk, expected_version=plan.row_version)
    plan.refresh_from_db()
    bundle.care_plan = plan


def _merge(bundle: Bundle, c: Canaries | None, municipality: Any, by: Actor) -> None:
    """A duplicate record of the person, merged into it by the registering organisation."""
    if c is not None:
        family, given = c.word("aliascognome"), c.word("aliasnome")
    else:
        family, given = "Rossi", "Annamaria"
    alias = _person(
        bundle.org,
        c,
        family=family,
        given=given,
        birth=bundle.person.birth_date,
        municipality=municipality,
        alias_of="alias",
    )
    CareRelationshipFactory(person=alias, organization=bundle.org)
    bundle.merge = person_merge(
        actor=by,
        survivor_id=bundle.person.pk,
        merged_id=alias.pk,
        reason=(c.word("unione") if c is not None else "Stessa persona registrata due volte"),
    )
    alias.refresh_from_db()
    bundle.alias = alias


def _health_subject(world: World, territory: dict[str, Any]) -> None:
    """P_h: a doctor of B records every kind of health value, in a UVM with A, B and C."""
    a, b = world.orgs["a"], world.orgs["b"]
    person = _person(
        a,
        None,
        family="Verdi",
        given="Giulia",
        birth=date(1940, 5, 2),
        municipality=territory["comune_1"],
    )
    CareRelationshipFactory(person=person, organization=a)
    CareRelationshipFactory(person=person, organization=b, reason="presa in carico sanitaria")
    a_pua = world.member("a", Role.PUA_OPERATOR)
    ConsentFactory(
        person=person,
        purpose=ConsentPurpose.SHARING,
        recorded_by_organization=a,
        recorded_by=a_pua.membership,
        evidence_note="Modulo firmato allo sportello",
    )
    doctor = world.member("b", Role.DOCTOR).actor()
    bundle = Bundle(key="h", org=b, person=person, pua=world.pua_a)
    request, transition = _request(
        world.pua_a,
        person,
        a_pua.actor(),
        None,
        state=IntakeState.SENT_TO_UVM,
        sent_to_organization=b,
        outcome=IntakeState.SENT_TO_UVM,
        uvm_due=timezone.localdate() + timedelta(days=30),
    )
    bundle.request, bundle.transition = request, transition
    session = uvm.session_create(
        actor=doctor,
        data={
            "person_id": person.pk,
            "intake_request_id": request.pk,
            # On a day with a B1 act in force: the page re-runs the check for that day.
            "scheduled_for": timezone.make_aware(datetime.combine(SCREEN_DAY, time(10))),
            "place": "Casa di Comunità",
        },
    )
    bundle.uvm_member = uvm.member_add(
        actor=doctor,
        session_id=session.pk,
        data={
            "organization_id": b.pk,
            "membership_id": world.member("b", Role.DOCTOR).membership.pk,
            "profession": "medico",
        },
    )
    for key, profession in (("a", "assistente_sociale"), ("c", "educatore")):
        uvm.member_add(
            actor=doctor,
            session_id=session.pk,
            data={
                "organization_id": world.orgs[key].pk,
                "membership_id": world.member(key, Role.SOCIAL_WORKER).membership.pk,
                "profession": profession,
            },
        )
    today = timezone.localdate()
    # GCS 2 + 2 + 3 = 7 (Teasdale & Jennett 1974): eyes to pain, incomprehensible sounds,
    # abnormal flexion.
    gcs = record_assessment(
        doctor,
        person,
        "gcs",
        {"eyes": "to_pain", "verbal": "incomprehensible_sounds", "motor": "abnormal_flexion"},
        None,
        today,
        notes="Hqzgcsnotah",
    )
    assert gcs.total == 7
    # Barthel (Mahoney & Barthel 1965): feeding 5 + transfers 10 + toilet 5 + mobility 5 +
    # dressing 5 + bowels 5 = 35, every other item 0.
    barthel = record_assessment(
        doctor,
        person,
        "barthel",
        _answers(
            "barthel",
            {
                "feeding": "with_help",
                "transfers": "minimal_help",
                "toilet_use": "with_help",
                "mobility": "wheelchair_independent",
                "dressing": "with_help",
                "bowels": "occasional_accident",
            },
        ),
        None,
        today,
        notes="Hqzbarthelnotah",
    )
    assert barthel.total == 35
    bundle.assessment, bundle.assessment_health = barthel, gcs
    uvm.assessments_link(actor=doctor, session_id=session.pk, assessment_ids=[gcs.pk, barthel.pk])
    bundle.fact_health = fact_record(
        actor=doctor,
        person_id=person.pk,
        kind=FactKind.GCS,
        value=Decimal("7"),
        valid_from=date(2024, 1, 1),
        source="Hqzfontegcsh",
    )
    fact_record(
        actor=doctor,
        person_id=person.pk,
        kind=FactKind.HEARING_LOSS_DB,
        value=Decimal("41.37"),
        valid_from=date(2024, 1, 1),
        source="Hqzfonteuditoh",
    )
    bundle.fact = fact_record(
        actor=world.member("b", Role.SOCIAL_WORKER).actor(),
        person_id=person.pk,
        kind=FactKind.ACCOMPAGNAMENTO,
        value=True,
        valid_from=date(2024, 1, 1),
        source="Verbale della commissione",
    )
    uvm.outcome_update(
        actor=doctor,
        session_id=session.pk,
        data={
            "needs_summary": {"salute": "Hqzsaluteh", "rete": "Vive con la figlia."},
            "user_class": "basso_carico_alta_dinamicita",
            "care_intensity": "media",
        },
    )
    uvm.eligibility_record(
        actor=doctor, session_id=session.pk, measure_code="B1", on_date=SCREEN_DAY
    )
    session.refresh_from_db()
    bundle.uvm_session = session
    result = screen(doctor, person, "B1", SCREEN_DAY)
    bundle.screening = screening_save(
        actor=doctor,
        person_id=person.pk,
        measure_code="B1",
        on_date=SCREEN_DAY,
        result=result.as_json(),
    )
    world.health_person = person
    world.bundles["h"] = bundle


HEALTH_CANARIES = [
    "Hqzgcsnota",
    "Hqzbarthelnota",
    "Hqzfontegcs",
    "Hqzfonteudito",
    "Hqzsalute",
    "41.37",
    "41,37",  # also written the Italian way (SVG drawings are left out of the text)
    # The screening and the UVM page write "label: value" for each piece of evidence.
    "Glasgow Coma Scale (punteggio): 7",
    # P_h's scores as the pages and the minutes write them: total then band (GCS 3-8 is
    # "Compromissione grave", Barthel 21-60 "Dipendenza grave"; no band starts or ends at 7 or
    # 35, so the instrument catalogue cannot write these), and the assessment's own page.
    "7 Compromissione grave",
    "35 Dipendenza grave",
    "Punteggio 7 / 15",
    "Punteggio 35 / 100",
]


def _warm_access_log(world: World) -> None:
    """Reads by every organisation's operators of the canary persons, so the access log (read by
    the auditors) holds what such reads record."""
    for key in ORG_KEYS:
        for role in (Role.PUA_OPERATOR, Role.SOCIAL_WORKER):
            actor = world.member(key, role).actor()
            for other in ("b", "d"):
                with contextlib.suppress(NotFound):
                    people_selectors.person_get(
                        actor=actor, person_id=world.bundles[other].person.pk
                    )


EMERGENCY_REASON = "Persona portata in pronto soccorso priva di sensi: servono i dati."


def _extra_operator(world: World, key: str, name: str) -> Actor:
    """An operator of ``key``'s PUA who is none of the swept members (``World.members``): what
    they open in an emergency changes nothing any sweep reads."""
    user = UserFactory(username=f"sec.{key}.{name}", first_name="Operatore", last_name=name)
    membership = MembershipFactory(
        user=user, organization=world.orgs[key], roles=[Role.PUA_OPERATOR.value]
    )
    return Actor.for_membership(user, membership)


def _emergency_accesses(world: World) -> None:
    """D's operator opens P_b in an emergency (B is notified), B's operator opens P_d and A's
    opens P_d too (D is notified of both): each organisation has an emergency access of its own
    and B and D a notice. A's operator then reads P_d's record: the out-of-charge read on A's
    auditor's list of the day's anomalies."""
    for opener, subject in (("d", "b"), ("b", "d"), ("a", "d")):
        actor = _extra_operator(world, opener, "emergenza")
        world.bundles[opener].emergency = emergency_access_open(
            actor=actor,
            person_id=world.bundles[subject].person.pk,
            reason=EMERGENCY_REASON,
            hours=4,
            confirmed=True,
        )
        if opener == "a":
            with emergency_reads():
                people_selectors.person_get(actor=actor, person_id=world.bundles[subject].person.pk)
    for key in ("b", "d"):
        world.bundles[key].notice = (
            Notice.objects.filter(organization=world.orgs[key]).order_by("pk").first()
        )


def build_world() -> World:
    territory = _territories()
    orgs = _organisations(territory)
    world = World(
        orgs=orgs,
        members=_members(orgs),
        bundles={},
        canaries={
            "b": Canaries(tag="beta", birth_date=date(1931, 7, 13)),
            "d": Canaries(tag="delta", birth_date=date(1927, 3, 29)),
        },
        health_canaries=HEALTH_CANARIES,
    )
    pua_a = PuaPoint.objects.create(
        organization=orgs["a"], name="PUA di Borgo Uno", uvm_organization=orgs["b"]
    )
    pua_a.partners.add(orgs["b"])
    pua_a.ambiti.add(territory["ambito_1"])
    pua_d = PuaPoint.objects.create(
        organization=orgs["d"], name="PUA di Borgo Due", uvm_organization=orgs["d"]
    )
    pua_d.ambiti.add(territory["ambito_2"])
    world.pua_a = pua_a

    # P_a: A's own person, content shared.
    person_a = _person(
        orgs["a"],
        None,
        family="Rossi",
        given="Anna",
        birth=date(1950, 3, 1),
        municipality=territory["comune_1"],
    )
    CareRelationshipFactory(person=person_a, organization=orgs["a"])
    ConsentFactory(
        person=person_a,
        recorded_by_organization=orgs["a"],
        recorded_by=world.member("a", Role.PUA_OPERATOR).membership,
    )
    # P_b and P_d: canaries everywhere.
    c_b, c_d = world.canaries["b"], world.canaries["d"]
    person_b = _person(
        orgs["b"],
        c_b,
        family="Zqxbetacognome",
        given="Zqxbetanome",
        birth=c_b.birth_date,
        municipality=territory["comune_1"],
    )
    CareRelationshipFactory(person=person_b, organization=orgs["b"])
    person_d = _person(
        orgs["d"],
        c_d,
        family="Zqxdeltacognome",
        given="Zqxdeltanome",
        birth=c_d.birth_date,
        municipality=territory["comune_2"],
    )
    CareRelationshipFactory(person=person_d, organization=orgs["d"])

    bundles = {
        "a": Bundle(key="a", org=orgs["a"], person=person_a),
        "b": Bundle(key="b", org=orgs["b"], person=person_b),
        "d": Bundle(key="d", org=orgs["d"], person=person_d),
    }
    world.bundles.update(bundles)
    _person_records(
        world,
        bundles["a"],
        None,
        pua=pua_a,
        pua_actor=world.member("a", Role.PUA_OPERATOR).actor(),
        uvm_extra_orgs=["b"],
        health="a",
    )
    # B works A's PUA as partner: P_b's request sits in the inbox A's PUA operators read; A sits
    # in P_b's UVM (and so has P_b in charge), still without P_b's sharing consent.
    _person_records(
        world,
        bundles["b"],
        c_b,
        pua=pua_a,
        pua_actor=world.member("b", Role.PUA_OPERATOR).actor(),
        uvm_extra_orgs=["a"],
        health="beta",
    )
    _person_records(
        world,
        bundles["d"],
        c_d,
        pua=pua_d,
        pua_actor=world.member("d", Role.PUA_OPERATOR).actor(),
        uvm_extra_orgs=[],
        health="delta",
    )
    for key, c, municipality in (
        ("a", None, territory["comune_1"]),
        ("b", c_b, territory["comune_1"]),
        ("d", c_d, territory["comune_2"]),
    ):
        _merge(bundles[key], c, municipality, world.member(key, Role.PUA_OPERATOR).actor())
    # P_a's household names P_b and P_d, registered persons A may not read.
    HouseholdMember.objects.create(
        person=person_a,
        member=person_b,
        relationship=HouseholdRelationship.PARENT,
        recorded_by=world.member("a", Role.SOCIAL_WORKER).membership,
    )
    HouseholdMember.objects.create(
        person=person_a,
        member=person_d,
        relationship=HouseholdRelationship.SIBLING,
        recorded_by=world.member("a", Role.SOCIAL_WORKER).membership,
    )
    for c in (c_b, c_d):
        c.add(*(f"Hqz{name}{c.tag}" for name in ("barthelnota", "fontegcs", "salute")))
    _health_subject(world, territory)
    _emergency_accesses(world)
    _warm_access_log(world)
    from tests.security.surface import db_fingerprint

    world.fingerprint = db_fingerprint()
    return world


__all__ = [
    "DISTINCT_ROLES",
    "HEALTH_CANARIES",
    "HEALTH_INSTRUMENTS",
    "MISSING",
    "MISSING_ID",
    "ORG_KEYS",
    "ROLES",
    "Absent",
    "Bundle",
    "Canaries",
    "Member",
    "World",
    "build_world",
    "date_forms",
    "omocodic",
]

"""Benchmark of the case work: the caseload, a plan, the overdue tasks — and, once merged, the
desk and a person's timeline — with 1M persons and 200k open plans, for a "light" case manager
(about ten cases) and a "heavy" one (several hundred): p50/p95 per page and the number of
queries, which must be the same at both sizes.

    createdb -h 127.0.0.1 -U postgres integra_cases_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_cases_bench \\
        .venv/bin/python bench/cases.py --persons 1000000 --plans 200000 --seed 1

The loader writes minimal rows with INSERT … SELECT over generate_series (history triggers off
for the bulk load only, like a restore; the database still checks every CHECK and UNIQUE
constraint): organisations, case managers (memberships with the case-manager role spread over
the organisations) and one nurse per organisation, persons registered by and in charge of the
organisation of their plan, open plans (active / under review / proposed, reviews from 60 days
ago to a year ahead) each with its one open case-manager assignment, a frozen version, two
goals, an intervention of a catalogue service, the nurse in the care team (with her
``TeamAccess``) and three tasks (one to come, one overdue, one done). One person of the heavy
case manager gets five years of history through the ORM with the triggers on (so the history
tables have their rows): PUA requests, UVM sessions, consents, documents, five closed plans and
the one in force, with versions, goals, interventions, team changes, handovers and tasks.
A database already loaded (the bench organisation exists) is not loaded again: the figures are
measured again. A database with other persons is refused.

The pages measured are the table ``PAGES`` below (add the desk and the timeline there, or
with ``--page NAME=URL`` on the command line): a URL that does not resolve or answers 404 is
skipped with a note. Placeholders: ``{plan_id}`` (the case manager's first plan, for the heavy
one the plan of the five-year person), ``{person_id}`` (its person) and ``{membership_id}``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/ on the path for _common
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import setup_django, time_calls, write_results
else:
    from bench._common import setup_django, time_calls, write_results

# (name, URL template). The first two are the pages being built (skipped while they 404).
PAGES: list[tuple[str, str]] = [
    ("caseload page", "/progetti/casi/"),
    ("plan page", "/progetti/{plan_id}/"),
    ("desk", "/"),
    ("person timeline", "/persone/{person_id}/diario/"),
    ("API caseload (50 rows)", "/api/v1/caseloads?limit=50"),
    ("API plan", "/api/v1/care-plans/{plan_id}"),
    ("API my overdue tasks (50 rows)", "/api/v1/tasks?overdue=true&limit=50"),
    ("API plans of the organisation (50 rows)", "/api/v1/care-plans?limit=50"),
]

BENCH_ORG_PREFIX = "bench-cases-"
FAMILY_PREFIX = "Bench"
PLAN_TITLE = "Progetto bench "
HISTORY_YEARS = 5


@dataclass
class Scale:
    persons: int
    plans: int
    case_managers: int
    organizations: int
    heavy: int
    light: int
    seed: int = 1


# --- loading -----------------------------------------------------------------------------------


def _insert_select(
    cursor: Any,
    model: Any,
    exprs: dict[str, str],
    from_sql: str,
    params: dict[str, Any] | None = None,
) -> int:
    """``INSERT INTO <model's table> SELECT … <from_sql>``: each concrete field from ``exprs``
    (SQL, by field name), else its default (cast to its column type), ``now()`` for auto
    timestamps, NULL when nullable, '' for a blank text. Returns the rows written."""
    from django.db import connection, models

    columns, values = [], []
    args = dict(params or {})
    for field in model._meta.concrete_fields:
        if getattr(field, "generated", False):
            continue
        if field.name in exprs:
            sql = exprs[field.name]
        elif field.primary_key:
            continue
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            sql = "now()"
        elif field.has_default():
            key = f"default_{field.column}"
            args[key] = field.get_db_prep_save(field.get_default(), connection)
            sql = f"%({key})s::{field.db_type(connection)}"
        elif field.null:
            continue
        elif field.blank and isinstance(field, models.CharField | models.TextField):
            sql = "''"
        else:
            raise ValueError(f"{model.__name__}.{field.name}: no value for the bulk load")
        columns.append(connection.ops.quote_name(field.column))
        values.append(sql)
    unknown = set(exprs) - {f.name for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__}: unknown fields {sorted(unknown)}")
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} {from_sql}",
        args,
    )
    return cursor.rowcount


def _staff(scale: Scale) -> dict[str, Any]:
    """Organisations, one service, the case managers (index 0 heavy, 1 light) and a nurse per
    organisation, through the ORM (a few thousand rows)."""
    from django.contrib.auth import get_user_model

    from integra.accounts.models import Membership
    from integra.core.permissions import Role
    from integra.organizations.models import Organization, OrganizationKind, Service, ServiceArea

    user_model = get_user_model()
    kinds = [OrganizationKind.MUNICIPALITY, OrganizationKind.AMBITO]
    orgs = Organization.objects.bulk_create(
        Organization(
            code=f"{BENCH_ORG_PREFIX}{n}",
            name=f"Ente Bench {n}",
            kind=kinds[n % len(kinds)],
        )
        for n in range(scale.organizations)
    )
    service = Service.objects.create(
        code="BENCH-SAD",
        name="Servizio di assistenza domiciliare (SAD) – bench",
        area=ServiceArea.ELDERLY,
        provider=orgs[0],
    )

    def people(prefix: str, count: int) -> list[Any]:
        users = [
            user_model(username=f"{prefix}{n}", first_name="Operatore", last_name=f"{prefix}{n}")
            for n in range(count)
        ]
        for user in users:
            user.set_unusable_password()
        return user_model.objects.bulk_create(users)

    cm_users = people("bench.cm.", scale.case_managers)
    # The heavy and the light case manager in the first organisation, the others round-robin.
    managers = Membership.objects.bulk_create(
        Membership(
            user=user,
            organization=orgs[0] if n < 2 else orgs[n % len(orgs)],
            roles=[Role.CASE_MANAGER, Role.SOCIAL_WORKER],
        )
        for n, user in enumerate(cm_users)
    )
    nurses = Membership.objects.bulk_create(
        Membership(user=user, organization=org, roles=[Role.NURSE])
        for user, org in zip(people("bench.nurse.", len(orgs)), orgs, strict=True)
    )
    return {"orgs": orgs, "service": service, "managers": managers, "nurses": nurses}


def _bulk(scale: Scale, staff: dict[str, Any], *, triggers_off: bool) -> None:
    from django.db import connection

    from integra.careplans.models import (
        CarePlan,
        CarePlanVersion,
        CareTask,
        CareTeamMember,
        CaseManagerAssignment,
        PlanGoal,
        PlanIntervention,
    )
    from integra.people.dossier_models import TeamAccess
    from integra.people.models import CareRelationship, Person

    orgs, managers, nurses = staff["orgs"], staff["managers"], staff["nurses"]
    org_index = {o.pk: n for n, o in enumerate(orgs)}
    params = {
        "cm_ids": [m.pk for m in managers],
        "cm_orgs": [m.organization_id for m in managers],
        "org_ids": [o.pk for o in orgs],
        "nurse_ids": [nurses[org_index[m.organization_id]].pk for m in managers],
        "nurse_users": [nurses[org_index[m.organization_id]].user_id for m in managers],
        "heavy": scale.heavy,
        "light": scale.light,
        "others": max(1, scale.case_managers - 2),
        "plans": scale.plans,
        "service": staff["service"].pk,
        "provider": staff["service"].provider_id,
    }
    # The case manager of plan g (1-based index into the arrays): heavy, light, round-robin.
    cm = (
        "(CASE WHEN g < %(heavy)s THEN 1 WHEN g < %(heavy)s + %(light)s THEN 2 "
        "ELSE 3 + (g %% %(others)s) END)"
    )
    with connection.cursor() as cur:
        if triggers_off:  # no history triggers (nor foreign-key checks) on the load
            cur.execute("SET session_replication_role = replica")
        try:
            start = time.perf_counter()
            batch = 200_000
            for offset in range(0, scale.persons, batch):
                stop = min(scale.persons, offset + batch)
                org = (
                    f"(CASE WHEN g < %(plans)s THEN (%(cm_orgs)s::bigint[])[{cm}] "
                    "ELSE (%(org_ids)s::bigint[])[1 + g %% cardinality(%(org_ids)s::bigint[])] END)"
                )
                _insert_select(
                    cur,
                    Person,
                    {
                        "family_names": f"'{FAMILY_PREFIX}' || g",
                        "given_names": "'Nome' || (g %% 997)",
                        "sex": "'X'",
                        "status": "'active'",
                        "search_name": f"'{FAMILY_PREFIX.lower()}' || g || ' nome' || (g %% 997)",
                        "registered_by": org,
                    },
                    f"FROM generate_series({offset}, {stop - 1}) AS g",
                    params,
                )
            print(f"persons: {scale.persons:,} in {time.perf_counter() - start:.1f} s", flush=True)

            start = time.perf_counter()
            # No temporary tables (the application's role may not create them): the index g
            # is read back from the name (persons) and the title (plans).
            plan_from = (
                f"FROM (SELECT id, substr(family_names, {len(FAMILY_PREFIX) + 1})::int AS g "
                f"FROM people_person WHERE family_names LIKE '{FAMILY_PREFIX}%%') AS pp "
                "WHERE g < %(plans)s"
            )
            day = "(current_date - 60 + ((g * 7919) %% 425))"
            written = _insert_select(
                cur,
                CarePlan,
                {
                    "person": "pp.id",
                    "organization": f"(%(cm_orgs)s::bigint[])[{cm}]",
                    "kind": "(ARRAY['pai','progetto','patto'])[1 + g %% 3]",
                    "state": "(CASE WHEN g %% 10 < 7 THEN 'attivo' WHEN g %% 10 < 9 "
                    "THEN 'in_revisione' ELSE 'proposto' END)",
                    "title": f"'{PLAN_TITLE}' || g",
                    "care_intensity": "'media'",
                    "case_manager": f"(%(cm_ids)s::bigint[])[{cm}]",
                    "starts_on": f"(CASE WHEN g %% 10 < 9 THEN {day} - 365 END)",
                    "review_months": "6",
                    "next_review_on": day,
                    "version_number": "1",
                    "created_by": f"(%(cm_ids)s::bigint[])[{cm}]",
                    "created_at": "now() - interval '400 days'",
                    "updated_at": "now() - interval '10 days'",
                },
                plan_from,
                params,
            )
            plan_from = (
                "FROM (SELECT id, person_id, organization_id, case_manager_id, next_review_on, "
                f"substr(title, {len(PLAN_TITLE) + 1})::int AS g FROM careplans_careplan "
                f"WHERE title LIKE '{PLAN_TITLE}%%') AS p"
            )
            cur.execute("ANALYZE careplans_careplan")  # the joins below need its size
            print(f"plans: {written:,} in {time.perf_counter() - start:.1f} s", flush=True)

            start = time.perf_counter()
            _insert_select(
                cur,
                CareRelationship,
                {
                    "person": "p.person_id",
                    "organization": "p.organization_id",
                    "started_on": "current_date - 400",
                    "basis": "'own'",
                    "reason": "'Presa in carico (bench)'",
                    "created_by": "p.case_manager_id",
                },
                plan_from,
            )
            _insert_select(
                cur,
                CaseManagerAssignment,
                {
                    "plan": "p.id",
                    "membership": "p.case_manager_id",
                    "started_at": "now() - interval '400 days'",
                },
                plan_from,
            )
            _insert_select(
                cur,
                CarePlanVersion,
                {
                    "plan": "p.id",
                    "number": "1",
                    "content": "jsonb_build_object('title', 'Progetto bench ' || p.g)",
                    "content_hash": "encode(sha256(convert_to('Progetto bench ' || p.g, "
                    "'UTF8')), 'hex')",
                    "note": "'Prima proposta'",
                    "created_by": "p.case_manager_id",
                    "created_at": "now() - interval '390 days'",
                },
                plan_from,
            )
            for position, (domain, text) in enumerate(
                [("autonomia", "Igiene personale in sicurezza"), ("rete", "Sollievo al caregiver")]
            ):
                _insert_select(
                    cur,
                    PlanGoal,
                    {
                        "plan": "p.id",
                        "need_domain": f"'{domain}'",
                        "description": f"'{text}'",
                        "indicator": "'Accessi alla settimana'",
                        "target": "'2'",
                        "deadline": "p.next_review_on + 30",
                        "position": str(position),
                    },
                    plan_from,
                )
            cur.execute("ANALYZE careplans_plangoal")
            _insert_select(
                cur,
                PlanIntervention,
                {
                    "plan": "p.id",
                    "goal": "first_goal.id",
                    "service": "%(service)s",
                    "provider": "%(provider)s",
                    "frequency": "'Due accessi a settimana'",
                    "hours_per_month": "13",
                    "starts_on": "current_date - 365",
                    "monthly_cost": "286",
                    "comune_amount": "214.5",
                    "person_amount": "71.5",
                },
                f"{plan_from} JOIN careplans_plangoal AS first_goal "
                "ON first_goal.plan_id = p.id AND first_goal.position = 0",
                params,
            )
            nurse = f"(%(nurse_ids)s::bigint[])[{cm}]"
            _insert_select(
                cur,
                CareTeamMember,
                {
                    "plan": "p.id",
                    "membership": nurse,
                    "profession": "'infermiere'",
                    "responsibilities": "'Controllo dei parametri a domicilio'",
                    "started_at": "now() - interval '380 days'",
                    "added_by": "p.case_manager_id",
                },
                plan_from,
                params,
            )
            cur.execute("ANALYZE careplans_careteammember")
            _insert_select(
                cur,
                TeamAccess,
                {
                    "person": "p.person_id",
                    "membership": "t.membership_id",
                    "user": f"(%(nurse_users)s::bigint[])[{cm}]",
                    "source": "'careplans.careteammember:' || t.id",
                    "reason": "'Componente dell''équipe del progetto n. ' || p.id",
                    "starts_at": "t.started_at",
                },
                f"{plan_from} JOIN careplans_careteammember t ON t.plan_id = p.id",
                params,
            )
            for title, due, done in (
                ("Colloquio di verifica", "current_date + 1 + p.g %% 60", False),
                ("Visita domiciliare", "current_date - 1 - p.g %% 30", False),
                ("Primo colloquio", "current_date - 300", True),
            ):
                _insert_select(
                    cur,
                    CareTask,
                    {
                        "plan": "p.id",
                        "assignee": "p.case_manager_id",
                        "title": f"'{title}'",
                        "due_on": due,
                        "state": "'fatto'" if done else "'aperto'",
                        "completed_at": "now() - interval '300 days'" if done else "NULL",
                        "completed_by": "p.case_manager_id" if done else "NULL",
                        "created_by": "p.case_manager_id",
                        "created_at": "now() - interval '390 days'",
                    },
                    plan_from,
                    params,
                )
            print(
                f"plan rows (relationships, assignments, versions, goals, interventions, "
                f"team, tasks): {time.perf_counter() - start:.1f} s",
                flush=True,
            )
        finally:
            if triggers_off:
                cur.execute("SET session_replication_role = origin")


def _history(staff: dict[str, Any], seed: int) -> Any:
    """One person of the heavy case manager with five years of history, through the ORM with
    the history triggers on; the dates are then moved back. Returns the person."""
    import random

    from django.db import connection
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    from integra.assessments.uvm_models import UvmSession, UvmState
    from integra.careplans.models import (
        CarePlan,
        CareTask,
        CareTeamMember,
        CaseManagerAssignment,
        PlanGoal,
        PlanIntervention,
        TaskState,
    )
    from integra.careplans.versions import content_hash, plan_content
    from integra.intake.models import IntakeRequest, PuaPoint
    from integra.people.models import CareRelationship, Consent, Person, PersonDocument

    rng = random.Random(seed)
    heavy, colleague = staff["managers"][0], staff["managers"][1]
    org = heavy.organization
    nurse = next(n for n in staff["nurses"] if n.organization_id == org.pk)
    now = timezone.now()
    today = timezone.localdate()
    start = now - timedelta(days=365 * HISTORY_YEARS)
    person = Person.objects.create(
        family_names="Storico",
        given_names="Ada",
        sex="F",
        registered_by=org,
        search_name="storico ada",
    )
    CareRelationship.objects.create(
        person=person,
        organization=org,
        started_on=start.date(),
        basis="own",
        reason="Presa in carico (bench, cinque anni)",
        created_by=heavy,
    )
    moved: list[tuple[str, str, int, datetime]] = []  # (table, column, id, when)
    for n in range(HISTORY_YEARS * 2):
        decided = start.date() + timedelta(days=182 * n)
        consent = Consent.objects.create(
            person=person,
            purpose=["taking_in_charge", "sharing"][n % 2],
            status="given",
            decided_on=decided,
            recorded_by=heavy,
            recorded_by_organization=org,
            evidence_note=f"Modulo firmato n. {n}",
        )
        moved.append(("people_consent", "created_at", consent.pk, start + timedelta(days=182 * n)))
    for n in range(HISTORY_YEARS * 4):
        document = PersonDocument.objects.create(
            person=person,
            kind=["identity_card", "passport", "driving_licence"][n % 3],
            number=f"BENCH{n:04d}",
            issued_on=start.date() + timedelta(days=91 * n),
            uploaded_by=heavy,
        )
        moved.append(
            ("people_persondocument", "created_at", document.pk, start + timedelta(days=91 * n))
        )
    pua, _ = PuaPoint.objects.get_or_create(organization=org, name="PUA Bench")
    requests = []
    for n in range(HISTORY_YEARS * 2):
        received = start + timedelta(days=182 * n + 3)
        request = IntakeRequest.objects.create(
            pua=pua,
            person=person,
            channel="sportello",
            requester_kind="persona",
            need_areas=["anziani"],
            urgency="ordinaria",
            description=f"Richiesta n. {n}: aiuto a domicilio.",
            state="chiusa",
            received_at=received,
            pre_assessment_due=(received + timedelta(days=10)).date(),
            closed_at=received + timedelta(days=8),
            outcome="informata",
            information_given="Informazioni date.",
            created_by=heavy,
        )
        requests.append(request)
    previous_cm = colleague
    for year in range(HISTORY_YEARS + 1):
        begun = start + timedelta(days=365 * year)
        session = UvmSession.objects.create(
            person=person,
            organization=org,
            intake_request=requests[min(2 * year, len(requests) - 1)],
            scheduled_for=begun,
            place="Casa di Comunità",
            state=UvmState.CONCLUDED,
            needs_summary={"autonomia": f"Anno {year}: bisogno di aiuto nel bagno."},
            care_intensity="media",
            outcome_notes="Progetto a domicilio.",
            proposed_case_manager=heavy,
            concluded_at=begun + timedelta(hours=2),
            concluded_by=heavy.user,
            created_by=heavy.user,
        )
        moved.append(("assessments_uvmsession", "created_at", session.pk, begun))
        current = year == HISTORY_YEARS
        plan = CarePlan.objects.create(
            person=person,
            organization=org,
            kind="pai",
            state="attivo" if current else "chiuso",
            title=f"Progetto dell'anno {year + 1}",
            uvm_session=session,
            care_intensity="media",
            needs_summary=session.needs_summary,
            case_manager=heavy,
            starts_on=begun.date(),
            ends_on=None if current else (begun + timedelta(days=360)).date(),
            review_months=6,
            next_review_on=today + timedelta(days=20) if current else None,
            closed_on=None if current else (begun + timedelta(days=360)).date(),
            close_reason="" if current else "obiettivi_raggiunti",
            created_by=heavy,
        )
        moved.append(("careplans_careplan", "created_at", plan.pk, begun))
        goals = PlanGoal.objects.bulk_create(
            PlanGoal(
                plan=plan,
                need_domain=["autonomia", "rete", "partecipazione"][n],
                description=f"Obiettivo {n + 1} dell'anno {year + 1}",
                indicator="Accessi alla settimana",
                target="2",
                deadline=(begun + timedelta(days=180)).date(),
                outcome="in_corso" if current else "raggiunto",
                position=n,
            )
            for n in range(3)
        )
        PlanIntervention.objects.bulk_create(
            PlanIntervention(
                plan=plan,
                goal=goal,
                service=staff["service"],
                provider=staff["service"].provider,
                frequency="Due accessi a settimana",
                starts_on=begun.date(),
                monthly_cost=100,
                comune_amount=100,
                position=n,
            )
            for n, goal in enumerate(goals[:2])
        )
        # The case manager handed over mid-plan (from the colleague to the heavy one).
        half = begun + timedelta(days=180)
        CaseManagerAssignment.objects.bulk_create(
            [
                CaseManagerAssignment(
                    plan=plan, membership=previous_cm, started_at=begun, ended_at=half
                ),
                CaseManagerAssignment(
                    plan=plan,
                    membership=heavy,
                    started_at=half,
                    ended_at=None if current else begun + timedelta(days=360),
                    reason="Passaggio di consegne",
                ),
            ]
        )
        CareTeamMember.objects.create(
            plan=plan,
            membership=nurse,
            profession="infermiere",
            started_at=begun,
            ended_at=None if current else begun + timedelta(days=360),
            end_reason="" if current else "Progetto chiuso",
            added_by=heavy,
        )
        for number in range(1, 5):
            # Versions are append-only and stamped on insert: written with their date.
            plan.version_number = number
            content = plan_content(plan)
            with connection.cursor() as cur:
                cur.execute(
                    "INSERT INTO careplans_careplanversion (plan_id, number, content, "
                    "content_hash, note, created_by_id, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        plan.pk,
                        number,
                        Jsonb(content),
                        content_hash(content),
                        f"Revisione {number}",
                        heavy.pk,
                        begun + timedelta(days=90 * (number - 1)),
                    ],
                )
        CarePlan.objects.filter(pk=plan.pk).update(version_number=4)
        tasks = CareTask.objects.bulk_create(
            CareTask(
                plan=plan,
                assignee=rng.choice([heavy, nurse]),
                title=f"Attività {n + 1}",
                due_on=(begun + timedelta(days=12 * n)).date(),
                state=TaskState.OPEN if current and n >= 20 else TaskState.DONE,
                completed_at=None if current and n >= 20 else begun + timedelta(days=12 * n),
                completed_by=None if current and n >= 20 else heavy,
                created_by=heavy,
            )
            for n in range(30)
        )
        moved.extend(
            ("careplans_caretask", "created_at", t.pk, begun + timedelta(days=12 * n - 5))
            for n, t in enumerate(tasks)
        )
    with connection.cursor() as cur:
        for table, column, pk, when in moved:
            cur.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [when, pk])
    return person


def load(scale: Scale, *, vacuum: bool = True, triggers_off: bool = True) -> dict[str, Any]:
    """Fill the database (refused when it has persons not of this benchmark); the bench
    organisation already there means loaded: nothing is written again. ``triggers_off`` needs
    a role that may set ``session_replication_role`` (the owner, not the application's role)."""
    from django.db import connection, transaction

    from integra.accounts.models import Membership
    from integra.organizations.models import Organization
    from integra.people.models import Person

    first = Organization.objects.filter(code=f"{BENCH_ORG_PREFIX}0").first()
    if first is not None:
        print("already loaded: measuring only", flush=True)
        managers = list(
            Membership.objects.filter(user__username__startswith="bench.cm.")
            .select_related("user", "organization")
            .order_by("pk")[:2]
        )
        person = Person.objects.get(family_names="Storico", registered_by=first)
        return {"heavy": managers[0], "light": managers[1], "history_person": person}
    if Person.objects.exists():
        raise SystemExit("The database has persons: use an empty scratch database.")
    if scale.heavy + scale.light > scale.plans or scale.case_managers < 3:
        raise SystemExit("Need plans >= heavy + light and at least 3 case managers.")
    if scale.plans > scale.persons:
        raise SystemExit("Need persons >= plans.")
    with transaction.atomic():
        staff = _staff(scale)
        _bulk(scale, staff, triggers_off=triggers_off)
        start = time.perf_counter()
        person = _history(staff, scale.seed)
        print(f"five-year history: {time.perf_counter() - start:.1f} s", flush=True)
    if vacuum:
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    return {"heavy": staff["managers"][0], "light": staff["managers"][1], "history_person": person}


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Figure:
    page: str
    who: str
    url: str
    status: int
    queries: int
    cases: int
    timing: dict[str, float]


def _client(membership: Any) -> Any:
    from django.test import Client

    from integra.accounts.middleware import SESSION_MEMBERSHIP_KEY

    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = membership.pk
    session.save()
    return client


def placeholders(membership: Any, person: Any = None) -> dict[str, Any]:
    """The values of the URL placeholders for one case manager: her first plan by review date
    (or the plan in force of ``person``) and its person."""
    from integra.careplans.models import OPEN_STATES, CarePlan

    plans = CarePlan.objects.filter(case_manager=membership, state__in=OPEN_STATES)
    if person is not None:
        plans = plans.filter(person=person)
    plan = plans.order_by("next_review_on", "pk").first()
    assert plan is not None, f"no open plan for {membership}"
    return {"plan_id": plan.pk, "person_id": plan.person_id, "membership_id": membership.pk}


def measure(
    pages: list[tuple[str, str]],
    operators: list[tuple[str, Any, dict[str, Any]]],
    repeat: int,
) -> tuple[list[Figure], list[str]]:
    """For each page and operator (label, membership, placeholders): the queries of one request
    and p50/p95 over ``repeat`` requests. Pages that do not resolve or answer 404 are skipped
    with a note."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    from integra.careplans.models import OPEN_STATES, CarePlan

    if "testserver" not in settings.ALLOWED_HOSTS:  # the test client's host (as pytest does)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    figures: list[Figure] = []
    notes: list[str] = []
    clients = {label: _client(m) for label, m, _ in operators}
    for name, template in pages:
        for label, membership, values in operators:
            url = template.format(**values)
            try:
                resolve(url.split("?")[0])
            except Resolver404:
                notes.append(f"{name}: {template} does not resolve yet — skipped")
                break
            client = clients[label]
            response = client.get(url, secure=True)  # warm-up (and the 404 check)
            if response.status_code == 404:
                notes.append(f"{name}: {url} answers 404 — skipped")
                break
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, secure=True)
            queries = len(ctx)  # before the next request resets the connection's log
            timing = time_calls(lambda c=client, u=url: c.get(u, secure=True), repeat)
            cases = CarePlan.objects.filter(case_manager=membership, state__in=OPEN_STATES).count()
            figures.append(Figure(name, label, url, response.status_code, queries, cases, timing))
            if response.status_code != 200:
                notes.append(f"**{name}: {url} answers {response.status_code}** for {label}")
            print(
                f"{name} [{label}, {cases} cases] {url}: {response.status_code}, "
                f"{queries} queries, p50 {timing['p50_ms']:.1f} ms, "
                f"p95 {timing['p95_ms']:.1f} ms",
                flush=True,
            )
    for name in dict.fromkeys(f.page for f in figures):
        counts = {f.who: f.queries for f in figures if f.page == name}
        if len(set(counts.values())) > 1:
            notes.append(f"**{name}: the query count differs** ({counts})")
    return figures, notes


def table(figures: list[Figure], repeat: int) -> list[str]:
    lines = [
        f"(p50 / p95 / max over {repeat} requests through django.test.Client, session of the "
        "case manager; queries of one request)",
        "",
        "| page | case manager (open cases) | status | queries | p50 ms | p95 ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for f in figures:
        lines.append(
            f"| {f.page} `{f.url}` | {f.who} ({f.cases}) | {f.status} | {f.queries} | "
            f"{f.timing['p50_ms']:.1f} | {f.timing['p95_ms']:.1f} | {f.timing['max_ms']:.1f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--plans", type=int, default=200_000, help="open plans")
    parser.add_argument("--case-managers", type=int, default=2_000)
    parser.add_argument("--organizations", type=int, default=10)
    parser.add_argument("--heavy", type=int, default=600, help="cases of the heavy one")
    parser.add_argument("--light", type=int, default=10, help="cases of the light one")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="an extra page (URL with {plan_id}, {person_id}, {membership_id})",
    )
    parser.add_argument("--only", action="append", default=[], help="measure only these pages")
    parser.add_argument("--no-write", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    scale = Scale(
        persons=args.persons,
        plans=args.plans,
        case_managers=args.case_managers,
        organizations=args.organizations,
        heavy=args.heavy,
        light=args.light,
        seed=args.seed,
    )
    loaded = load(scale)
    pages = PAGES + [tuple(p.split("=", 1)) for p in args.page]  # type: ignore[misc]
    if args.only:
        pages = [p for p in pages if p[0] in args.only]
    operators = [
        ("light", loaded["light"], placeholders(loaded["light"])),
        ("heavy", loaded["heavy"], placeholders(loaded["heavy"], loaded["history_person"])),
    ]
    figures, notes = measure(pages, operators, args.repeat)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM people_person")
        persons = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FILTER (WHERE state <> 'chiuso'), count(*) FROM careplans_careplan"
        )
        open_plans, all_plans = cur.fetchone()
        cur.execute("SELECT count(*) FROM careplans_caretask")
        tasks = cur.fetchone()[0]
    lines = [
        f"- persons: {persons:,}; plans: {all_plans:,} of which {open_plans:,} open; "
        f"tasks: {tasks:,}; case managers: {args.case_managers:,} over "
        f"{args.organizations} organisations",
        "- light and heavy: the case managers with the fewest and the most cases; the plan and "
        "person of the heavy one are the five-year person's (six UVM sessions, six plans with "
        "four versions and 30 tasks each, ten PUA requests, ten consents, twenty documents)",
        "",
        *table(figures, args.repeat),
        "",
        *(f"- {n}" for n in notes),
    ]
    if args.no_write:
        print("\n".join(lines))
    else:
        write_results("Case work: caseload, plan, tasks (desk, timeline)", lines)


if __name__ == "__main__":
    main()

"""The care plan's rules: creation from the UVM, states, versions and signatures, one case
manager (database), the care team's access, tasks and reminders, optimistic locking.

Sources: seed 003 (the Patto as a mutual commitment, built from strengths); seed 002 rule 6 (one
case manager for the whole pathway); Garante, Linee guida sul Dossier sanitario 4/6/2015 (access
only by staff caring for the person, while they do).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.utils import ProgrammingError
from django.utils import timezone

from integra.careplans import services
from integra.careplans.errors import PlanError, PlanErrorCode
from integra.careplans.models import (
    CarePlan,
    CarePlanVersion,
    CareTask,
    CaseManagerAssignment,
    PlanSignature,
    PlanState,
    TaskState,
)
from integra.careplans.selectors import plan_get
from integra.careplans.versions import canonical, compare, content_hash
from integra.core.access import NotFound, PermissionRequired, scoped
from integra.core.permissions import Role
from integra.notices.models import Notice
from integra.organizations.models import OrganizationKind
from integra.people.models import Person
from tests.careplans.conftest import NEEDS, fill
from tests.factories import OrganizationFactory
from tests.people.factories import CareRelationshipFactory, ConsentFactory, PersonFactory


def test_a_plan_from_the_uvm_carries_its_outcome_over(plan, concluded_session, manager_b):
    assert plan.state == PlanState.DRAFT
    assert plan.person_id == concluded_session.person_id
    assert plan.needs_summary == NEEDS
    assert plan.user_class_id == concluded_session.user_class_id
    assert plan.care_intensity == "alta"
    assert plan.review_months == concluded_session.user_class.review_months
    assert plan.next_review_on == concluded_session.next_review_on
    assert plan.case_manager_id == manager_b.membership.pk
    assert CaseManagerAssignment.objects.filter(plan=plan, ended_at__isnull=True).count() == 1


def test_one_plan_per_uvm_session(plan, manager_b, concluded_session):
    with pytest.raises(PlanError) as refused:
        services.plan_create_from_uvm(actor=manager_b, session_id=concluded_session.pk, data={})
    assert refused.value.code == PlanErrorCode.EXISTS


def test_a_plan_cannot_be_proposed_without_goals_interventions_and_strengths(plan, manager_b):
    with pytest.raises(PlanError) as refused:
        services.plan_propose(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    assert set(refused.value.errors) == {"goals", "interventions", "strengths_person"}
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and plan.version_number == 0


def _walk_to_active(actor, plan, service):
    plan = fill(actor, plan, service)
    services.plan_propose(actor=actor, plan_id=plan.pk, expected_version=plan.row_version)
    plan.refresh_from_db()
    services.plan_sign(actor=actor, plan_id=plan.pk, data={}, expected_version=plan.row_version)
    plan.refresh_from_db()
    return services.plan_activate(actor=actor, plan_id=plan.pk, expected_version=plan.row_version)


def test_the_whole_life_of_a_plan(plan, manager_b, service):
    plan = _walk_to_active(manager_b, plan, service)
    assert plan.state == PlanState.ACTIVE
    assert plan.starts_on == timezone.localdate()
    version = CarePlanVersion.objects.get(plan=plan)
    signature = PlanSignature.objects.get(plan=plan)
    assert signature.version == version
    assert signature.version_hash == version.content_hash == content_hash(version.content)
    assert signature.signer_id == plan.person_id and signature.signer_role == "persona"

    plan = services.plan_start_review(
        actor=manager_b, plan_id=plan.pk, reason="Peggiorata", expected_version=plan.row_version
    )
    assert plan.state == PlanState.REVIEW
    plan = services.plan_update(
        actor=manager_b,
        plan_id=plan.pk,
        data={"strengths_family": "Il nipote può aiutare il sabato."},
        expected_version=plan.row_version,
    )
    second = services.plan_propose(
        actor=manager_b, plan_id=plan.pk, note="Aggiunta la rete", expected_version=plan.row_version
    )
    assert second.number == 2
    differences = compare(version.content, second.content)
    # the first version was proposed before the start date was set by the activation
    assert [(d.section, d.before, d.after) for d in differences] == [
        ("Risorse della famiglia", "", "Il nipote può aiutare il sabato."),
        ("Dal", "", timezone.localdate().isoformat()),
    ]
    plan.refresh_from_db()
    plan = services.plan_close(
        actor=manager_b,
        plan_id=plan.pk,
        data={"close_reason": "rinuncia"},
        expected_version=plan.row_version,
    )
    assert plan.state == PlanState.CLOSED and plan.closed_on == timezone.localdate()
    assert not CaseManagerAssignment.objects.filter(plan=plan, ended_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("start", "illegal"),
    [
        (PlanState.DRAFT, "sign"),
        (PlanState.DRAFT, "activate"),
        (PlanState.DRAFT, "review"),
    ],
)
def test_illegal_moves_are_refused(plan, manager_b, start, illegal):
    calls = {
        "sign": lambda: services.plan_sign(
            actor=manager_b, plan_id=plan.pk, data={}, expected_version=plan.row_version
        ),
        "activate": lambda: services.plan_activate(
            actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version
        ),
        "review": lambda: services.plan_start_review(
            actor=manager_b, plan_id=plan.pk, reason="x", expected_version=plan.row_version
        ),
    }
    with pytest.raises(PlanError) as refused:
        calls[illegal]()
    assert refused.value.code == PlanErrorCode.STATE
    plan.refresh_from_db()
    assert plan.state == start


def test_an_active_plan_is_not_edited_without_a_review(plan, manager_b, service):
    plan = _walk_to_active(manager_b, plan, service)
    with pytest.raises(PlanError) as refused:
        services.plan_update(
            actor=manager_b,
            plan_id=plan.pk,
            data={"title": "Altro"},
            expected_version=plan.row_version,
        )
    assert refused.value.code == PlanErrorCode.STATE


def test_a_closed_plan_needs_its_reason(plan, manager_b):
    with pytest.raises(PlanError):
        services.plan_close(
            actor=manager_b, plan_id=plan.pk, data={}, expected_version=plan.row_version
        )
    # and the database refuses it on any other path
    with pytest.raises(IntegrityError), transaction.atomic():
        CarePlan.objects.filter(pk=plan.pk).update(state=PlanState.CLOSED)


def test_the_database_wants_a_case_manager_once_proposed(plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        CarePlan.objects.filter(pk=plan.pk).update(state=PlanState.ACTIVE, case_manager=None)


def test_the_database_allows_one_open_case_manager_assignment(plan, make_membership, org_b):
    other = make_membership(org_b, Role.CASE_MANAGER)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseManagerAssignment.objects.create(plan=plan, membership=other, started_at=timezone.now())


def test_versions_and_signatures_never_change(plan, manager_b, service):
    plan = _walk_to_active(manager_b, plan, service)
    version = CarePlanVersion.objects.get(plan=plan)
    with pytest.raises(ProgrammingError), transaction.atomic():
        CarePlanVersion.objects.filter(pk=version.pk).update(note="riscritta")
    with pytest.raises(ProgrammingError), transaction.atomic():
        PlanSignature.objects.filter(plan=plan).delete()


def test_the_hash_is_sha256_of_the_canonical_json():
    import hashlib

    content = {"b": "è", "a": [1, 2]}
    assert canonical(content) == '{"a":[1,2],"b":"è"}'.encode()
    assert content_hash(content) == hashlib.sha256('{"a":[1,2],"b":"è"}'.encode()).hexdigest()


def test_a_guardian_signs_as_a_person_of_the_registry(plan, manager_b, service, org_b):
    plan = fill(manager_b, plan, service)
    services.plan_propose(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    plan.refresh_from_db()
    guardian = PersonFactory(registered_by=org_b, family_names="Verdi", given_names="Paolo")
    CareRelationshipFactory(person=guardian, organization=org_b)
    with pytest.raises(PlanError) as refused:
        services.plan_sign(
            actor=manager_b,
            plan_id=plan.pk,
            data={"signer_role": "ads"},
            expected_version=plan.row_version,
        )
    assert "signer_id" in refused.value.errors
    with pytest.raises(PlanError) as refused:
        services.plan_sign(
            actor=manager_b,
            plan_id=plan.pk,
            data={"signer_role": "ads", "signer_id": guardian.pk, "version_hash": "0" * 64},
            expected_version=plan.row_version,
        )
    assert "version_hash" in refused.value.errors
    signature = services.plan_sign(
        actor=manager_b,
        plan_id=plan.pk,
        data={"signer_role": "ads", "signer_id": guardian.pk},
        expected_version=plan.row_version,
    )
    assert signature.signer_id == guardian.pk and signature.signer_role == "ads"


def test_a_scanned_signature_needs_the_document(plan, manager_b, service):
    plan = fill(manager_b, plan, service)
    services.plan_propose(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    plan.refresh_from_db()
    with pytest.raises(PlanError) as refused:
        services.plan_sign(
            actor=manager_b,
            plan_id=plan.pk,
            data={"method": "scansione"},
            expected_version=plan.row_version,
        )
    assert "document_id" in refused.value.errors


def test_the_second_of_two_edits_on_the_same_version_is_refused(plan, manager_b, make_actor, org_b):
    colleague = make_actor(org_b, Role.SOCIAL_WORKER)
    opened_on = plan.row_version
    services.plan_update(
        actor=manager_b, plan_id=plan.pk, data={"title": "Primo"}, expected_version=opened_on
    )
    with pytest.raises(PlanError) as refused:
        services.plan_update(
            actor=colleague, plan_id=plan.pk, data={"title": "Secondo"}, expected_version=opened_on
        )
    assert refused.value.code == PlanErrorCode.STALE and refused.value.status == 409
    plan.refresh_from_db()
    assert plan.title == "Primo" and plan.row_version == opened_on + 1


def test_handover_keeps_the_history(plan, manager_b, make_membership, org_b):
    other = make_membership(org_b, Role.CASE_MANAGER)
    services.case_manager_handover(
        actor=manager_b,
        plan_id=plan.pk,
        membership_id=other.pk,
        reason="Trasferimento di sede",
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    assert plan.case_manager_id == other.pk
    history = list(CaseManagerAssignment.objects.filter(plan=plan).order_by("started_at", "pk"))
    assert [h.membership_id for h in history] == [manager_b.membership.pk, other.pk]
    assert history[0].ended_at is not None and history[1].ended_at is None
    assert history[1].reason == "Trasferimento di sede"


def test_bulk_reassignment_of_a_caseload(
    plan, manager_b, make_membership, make_actor, org_b, concluded_session
):
    second = services.plan_create(
        actor=manager_b, person_id=plan.person_id, data={"title": "Altro"}
    )
    admin = make_actor(org_b, Role.ORG_ADMIN)
    a = make_membership(org_b, Role.CASE_MANAGER)
    b = make_membership(org_b, Role.SOCIAL_WORKER)
    moved = services.caseload_reassign(
        actor=admin,
        from_membership_id=manager_b.membership.pk,
        to_membership_ids=[a.pk, b.pk],
        reason="Congedo",
    )
    assert {p.pk for p in moved} == {plan.pk, second.pk}
    managers = set(
        CarePlan.objects.filter(pk__in=[plan.pk, second.pk]).values_list(
            "case_manager_id", flat=True
        )
    )
    assert managers == {a.pk, b.pk}
    with pytest.raises(Exception):  # noqa: B017  a case manager may not move others' cases
        services.caseload_reassign(
            actor=manager_b, from_membership_id=a.pk, to_membership_ids=[b.pk], reason="x"
        )


# --- the care team's access -------------------------------------------------------------------


@pytest.fixture
def coop(db):
    return OrganizationFactory(
        name="Cooperativa Gamma", code="coop-gamma", kind=OrganizationKind.THIRD_SECTOR
    )


def test_team_membership_gives_access_to_the_member_only_and_ends_with_it(
    plan, manager_b, coop, make_actor, person
):
    ConsentFactory(person=person)  # the sharing between bodies: the content follows consent
    educator = make_actor(coop, Role.SOCIAL_WORKER)
    colleague = make_actor(coop, Role.SOCIAL_WORKER)
    assert not scoped(educator, Person).filter(pk=person.pk).exists()
    with pytest.raises(NotFound):
        plan_get(actor=educator, plan_id=plan.pk)

    member = services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": educator.membership.pk, "profession": "educatore"},
        expected_version=plan.row_version,
    )
    assert scoped(educator, Person).filter(pk=person.pk).exists()
    assert plan_get(actor=educator, plan_id=plan.pk).plan.pk == plan.pk
    # not the member's whole organisation
    assert not scoped(colleague, Person).filter(pk=person.pk).exists()
    with pytest.raises(NotFound):
        plan_get(actor=colleague, plan_id=plan.pk)

    plan.refresh_from_db()
    services.team_member_end(
        actor=manager_b,
        plan_id=plan.pk,
        member_id=member.pk,
        reason="Fine dell'intervento educativo",
        expected_version=plan.row_version,
    )
    assert not scoped(educator, Person).filter(pk=person.pk).exists()
    with pytest.raises(NotFound):
        plan_get(actor=educator, plan_id=plan.pk)


def test_closing_the_plan_ends_the_team_access(plan, manager_b, coop, make_actor, person):
    ConsentFactory(person=person)
    nurse = make_actor(coop, Role.NURSE)
    services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": nurse.membership.pk, "profession": "infermiere"},
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    services.plan_close(
        actor=manager_b,
        plan_id=plan.pk,
        data={"close_reason": "decesso"},
        expected_version=plan.row_version,
    )
    assert not scoped(nurse, Person).filter(pk=person.pk).exists()


def test_a_health_goal_is_written_by_the_team_nurse_and_hidden_from_social_staff(
    plan, manager_b, service, make_actor, org_b
):
    nurse = make_actor(org_b, Role.NURSE)
    with pytest.raises(PermissionRequired):  # not in the team yet: may not write into the plan
        services.goal_add(actor=nurse, plan_id=plan.pk, data={}, expected_version=plan.row_version)
    services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": nurse.membership.pk, "profession": "infermiere"},
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    with pytest.raises(PlanError) as refused:  # the social case manager cannot write health
        services.goal_add(
            actor=manager_b,
            plan_id=plan.pk,
            data={
                "need_domain": "salute",
                "description": "x",
                "indicator": "x",
                "target": "x",
                "deadline": "2027-06-30",
            },
            expected_version=plan.row_version,
        )
    assert "need_domain" in refused.value.errors
    plan = fill(manager_b, plan, service, health_actor=nurse)
    seen_by_manager = plan_get(actor=manager_b, plan_id=plan.pk)
    seen_by_nurse = plan_get(actor=nurse, plan_id=plan.pk)
    assert [g.need_domain for g in seen_by_manager.goals] == ["autonomia"]
    assert sorted(g.need_domain for g in seen_by_nurse.goals) == ["autonomia", "salute"]
    assert "salute" not in seen_by_manager.needs_summary
    assert seen_by_nurse.needs_summary["salute"] == NEEDS["salute"]


# --- tasks ------------------------------------------------------------------------------------


def test_a_task_goes_to_a_team_member_with_a_notice(plan, manager_b, make_actor, org_b):
    nurse = make_actor(org_b, Role.NURSE)
    outsider = make_actor(org_b, Role.NURSE)
    services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": nurse.membership.pk, "profession": "infermiere"},
        expected_version=plan.row_version,
    )
    due = timezone.localdate() + timedelta(days=3)
    with pytest.raises(PlanError) as refused:
        services.task_create(
            actor=manager_b,
            plan_id=plan.pk,
            data={"assignee_id": outsider.membership.pk, "title": "Visita", "due_on": due},
        )
    assert "assignee_id" in refused.value.errors
    task = services.task_create(
        actor=manager_b,
        plan_id=plan.pk,
        data={"assignee_id": nurse.membership.pk, "title": "Prima visita", "due_on": due},
    )
    notice = Notice.objects.get(recipient=nurse.membership)
    assert "Prima visita" in notice.text and notice.organization_id == org_b.pk
    # a colleague of the same organisation does not see a notice addressed to the nurse
    from integra.core.access import scoped as scope

    assert scope(nurse, Notice).filter(pk=notice.pk).exists()
    assert not scope(outsider, Notice).filter(pk=notice.pk).exists()
    closed = services.task_close(actor=nurse, task_id=task.pk, done=True, outcome_notes="Fatta")
    assert closed.state == TaskState.DONE and closed.completed_by == nurse.membership
    with pytest.raises(PlanError):
        services.task_close(actor=nurse, task_id=task.pk, done=True)


def test_leaving_the_team_hands_open_tasks_back_to_the_case_manager(
    plan, manager_b, make_actor, org_b
):
    nurse = make_actor(org_b, Role.NURSE)
    member = services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": nurse.membership.pk, "profession": "infermiere"},
        expected_version=plan.row_version,
    )
    task = services.task_create(
        actor=manager_b,
        plan_id=plan.pk,
        data={
            "assignee_id": nurse.membership.pk,
            "title": "Medicazione",
            "due_on": timezone.localdate(),
        },
    )
    plan.refresh_from_db()
    services.team_member_end(
        actor=manager_b,
        plan_id=plan.pk,
        member_id=member.pk,
        reason="Trasferita",
        expected_version=plan.row_version,
    )
    task.refresh_from_db()
    assert task.assignee_id == manager_b.membership.pk
    assert CareTask.objects.filter(state=TaskState.OPEN).count() == 1

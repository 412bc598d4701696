"""UVM sessions: composition rule, outcome, review date, access, minutes.

Composition rule: seed 002 ("Alta integrazione", rule 5 "Valutazione integrata"): "Gli
organismi (UVMD) che decidono l'assistenza integrata devono veder rappresentati i due enti
(Comune e ASL)". User classes: seed 000 ("classi di utenza omogenee": prevenzione,
intercettazione precoce, basso carico/alta dinamicità, alto carico/bassa dinamicità).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from integra.assessments import uvm
from integra.assessments.uvm_minutes import minutes_html, minutes_pdf
from integra.assessments.uvm_models import UserClass, UvmSession, UvmState
from integra.audit.models import AccessLog
from integra.core.access import NotFound
from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from integra.people.models import CareRelationship
from tests.factories import OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory

WHEN = timezone.make_aware(datetime(2026, 12, 2, 10, 0))
NEEDS = {"autonomia": "Dipendente nel bagno e nella vestizione.", "rete": "Figlia convivente."}


@pytest.fixture
def person(org_b):
    """A person in charge of the ASST (org_b), with the sharing consent not needed: the ASST
    registered them."""
    person = PersonFactory(registered_by=org_b, family_names="Verdi", given_names="Giulia")
    CareRelationshipFactory(person=person, organization=org_b)
    return person


@pytest.fixture
def doctor_b(org_b, make_actor):
    return make_actor(org_b, Role.DOCTOR, Role.UVM_MEMBER)


@pytest.fixture
def session(doctor_b, person):
    return uvm.session_create(
        actor=doctor_b, data={"person_id": person.pk, "scheduled_for": WHEN, "place": "CdC Melzo"}
    )


def add(actor, session, org, profession, present=True, name="Componente"):
    return uvm.member_add(
        actor=actor,
        session_id=session.pk,
        data={
            "organization_id": org.pk,
            "full_name": name,
            "profession": profession,
            "present": present,
        },
    )


OUTCOME = {
    "needs_summary": NEEDS,
    "user_class": "alto_carico_bassa_dinamicita",
    "care_intensity": "alta",
    "proposed_interventions": "ADI, SAD tre accessi settimanali",
}


def test_the_four_user_classes_of_seed_000_are_configured(db):
    assert list(UserClass.objects.values_list("code", flat=True)) == [
        "prevenzione",
        "intercettazione_precoce",
        "basso_carico_alta_dinamicita",
        "alto_carico_bassa_dinamicita",
    ]
    assert all(c.review_months > 0 for c in UserClass.objects.all())


def test_a_session_without_a_social_member_cannot_be_concluded(doctor_b, session, org_b):
    add(doctor_b, session, org_b, "medico")
    add(doctor_b, session, org_b, "infermiere")
    with pytest.raises(uvm.UvmError) as exc:
        uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)
    assert exc.value.code == uvm.UvmErrorCode.COMPOSITION
    assert "Comune" in " ".join(exc.value.errors["members"])
    session.refresh_from_db()
    assert session.state == UvmState.SCHEDULED
    assert session.user_class is None  # nothing half-written


def test_a_session_without_a_health_member_cannot_be_concluded(doctor_b, session, org_a):
    add(doctor_b, session, org_a, "assistente_sociale")
    with pytest.raises(uvm.UvmError) as exc:
        uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)
    assert exc.value.code == uvm.UvmErrorCode.COMPOSITION
    assert "ASL" in " ".join(exc.value.errors["members"])


def test_an_absent_member_does_not_count(doctor_b, session, org_a, org_b):
    add(doctor_b, session, org_b, "medico")
    add(doctor_b, session, org_a, "assistente_sociale", present=False)
    with pytest.raises(uvm.UvmError) as exc:
        uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)
    assert exc.value.code == uvm.UvmErrorCode.COMPOSITION


def test_a_third_sector_member_is_neither_side(doctor_b, session, org_b):
    third = OrganizationFactory(kind=OrganizationKind.THIRD_SECTOR)
    add(doctor_b, session, org_b, "medico")
    add(doctor_b, session, third, "educatore")
    with pytest.raises(uvm.UvmError):
        uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)


def test_an_ambito_counts_as_the_social_side(doctor_b, session, org_b):
    ambito = OrganizationFactory(kind=OrganizationKind.AMBITO)
    add(doctor_b, session, org_b, "medico")
    add(doctor_b, session, ambito, "assistente_sociale")
    concluded = uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)
    assert concluded.state == UvmState.CONCLUDED


def test_conclusion_records_outcome_and_next_review(doctor_b, session, org_a, org_b):
    add(doctor_b, session, org_b, "medico")
    add(doctor_b, session, org_a, "assistente_sociale")
    concluded = uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)
    concluded.refresh_from_db()
    assert concluded.state == UvmState.CONCLUDED
    assert concluded.user_class.code == "alto_carico_bassa_dinamicita"
    assert concluded.care_intensity == "alta"
    assert concluded.needs_summary == NEEDS
    months = concluded.user_class.review_months
    assert concluded.next_review_on == uvm.add_months(timezone.localdate(), months)
    assert concluded.concluded_by == doctor_b.user


def test_conclusion_needs_class_intensity_and_needs(doctor_b, session, org_a, org_b):
    add(doctor_b, session, org_b, "medico")
    add(doctor_b, session, org_a, "assistente_sociale")
    with pytest.raises(uvm.UvmError) as exc:
        uvm.session_conclude(actor=doctor_b, session_id=session.pk, data={})
    assert exc.value.code == uvm.UvmErrorCode.INVALID
    assert set(exc.value.errors) == {"user_class", "care_intensity", "needs_summary"}


def test_a_concluded_session_is_closed_to_changes(doctor_b, session, org_a, org_b):
    add(doctor_b, session, org_b, "medico")
    add(doctor_b, session, org_a, "assistente_sociale")
    uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)
    with pytest.raises(uvm.UvmError) as exc:
        add(doctor_b, session, org_b, "infermiere")
    assert exc.value.code == uvm.UvmErrorCode.STATE


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # clamped to the month's end
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 11, 23), 3, date(2027, 2, 23)),  # across the year end
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 5, 15), 12, date(2027, 5, 15)),
    ],
)
def test_add_months(day, months, expected):
    assert uvm.add_months(day, months) == expected


def test_adding_a_member_from_the_comune_takes_the_person_in_charge(
    doctor_b, session, org_a, person, make_actor
):
    social_a = make_actor(org_a, Role.SOCIAL_WORKER)
    with pytest.raises(NotFound):
        uvm.session_get(actor=social_a, session_id=session.pk)
    add(doctor_b, session, org_a, "assistente_sociale")
    assert CareRelationship.objects.filter(person=person, organization=org_a).exists()
    # The Comune's social worker now sees the session, but the person's content needs the
    # sharing consent (the ASST registered them): still a 404 until it is given.
    with pytest.raises(NotFound):
        uvm.session_get(actor=social_a, session_id=session.pk)
    from tests.people.factories import ConsentFactory

    ConsentFactory(person=person)
    view = uvm.session_get(actor=social_a, session_id=session.pk)
    assert view.session.pk == session.pk


def test_another_organisation_gets_a_404(session, make_actor):
    stranger = make_actor(OrganizationFactory(kind=OrganizationKind.HEALTH_AUTHORITY), Role.DOCTOR)
    with pytest.raises(NotFound):
        uvm.session_get(actor=stranger, session_id=session.pk)
    with pytest.raises(NotFound):
        add(stranger, session, stranger.organization, "medico")


def test_reading_a_session_is_in_the_access_log(doctor_b, session):
    before = AccessLog.objects.count()
    uvm.session_get(actor=doctor_b, session_id=session.pk)
    entry = AccessLog.objects.order_by("-pk").first()
    assert AccessLog.objects.count() == before + 1
    assert entry.subject_type == "assessments.uvmsession"
    assert entry.person_id == session.person_id


def test_health_results_are_hidden_without_the_health_permission(
    doctor_b, session, org_a, org_b, person, make_actor
):
    from integra.assessments.services import record_assessment
    from tests.people.factories import ConsentFactory

    ConsentFactory(person=person)
    gcs_result = record_assessment(
        doctor_b,
        person,
        "gcs",
        {"eyes": "spontaneous", "verbal": "oriented", "motor": "obeys"},
        None,
        date(2026, 11, 20),
    )
    uvm.assessments_link(actor=doctor_b, session_id=session.pk, assessment_ids=[gcs_result.pk])
    add(doctor_b, session, org_a, "assistente_sociale")
    social_a = make_actor(org_a, Role.SOCIAL_WORKER)
    view = uvm.session_get(actor=social_a, session_id=session.pk)
    assert view.assessments == []
    assert view.hidden_assessments == 1
    assert uvm.session_get(actor=doctor_b, session_id=session.pk).assessments == [gcs_result]


def test_minutes_pdf(doctor_b, session, org_a, org_b):
    add(doctor_b, session, org_b, "medico", name="Dott.ssa Neri")
    add(doctor_b, session, org_a, "assistente_sociale", name="Luca Bruni")
    uvm.session_conclude(actor=doctor_b, session_id=session.pk, data=OUTCOME)
    view = uvm.session_get(actor=doctor_b, session_id=session.pk)
    html = minutes_html(view)
    for text in (
        "Verbale della seduta UVM",
        "Verdi Giulia",
        "Dott.ssa Neri",
        "Luca Bruni",
        "Figlia convivente.",
        "Alto carico assistenziale",
        "Alta",
    ):
        assert text in html
    pdf = minutes_pdf(view)
    assert pdf.startswith(b"%PDF-")


def test_sessions_list_is_scoped(doctor_b, session, make_actor):
    assert list(uvm.session_list(actor=doctor_b)) == [session]
    stranger = make_actor(OrganizationFactory(), Role.UVM_MEMBER)
    assert list(uvm.session_list(actor=stranger)) == []
    assert UvmSession.objects.count() == 1


def test_eligibility_screening_is_kept_with_the_session(doctor_b, session, person):
    """B1 on 2 December 2025 with no evidence at all: the act in force is DGR XII/3719 of
    30/12/2024 (DOMAIN.md, "Rules change every year"); with no indennità di accompagnamento
    and no ISEE recorded the screening cannot say eligible."""
    uvm.eligibility_record(
        actor=doctor_b, session_id=session.pk, measure_code="B1", on_date=date(2025, 12, 2)
    )
    session.refresh_from_db()
    result = session.eligibility["B1"]
    assert result["rule_set"]["act"] == "DGR XII/3719 del 30/12/2024"
    assert result["outcome"] != "eligible"
    assert result["criteria"]
    html = minutes_html(uvm.session_get(actor=doctor_b, session_id=session.pk))
    assert "DGR XII/3719 del 30/12/2024" in html


def test_eligibility_without_an_act_in_force_is_refused(doctor_b, session):
    with pytest.raises(uvm.UvmError) as exc:
        uvm.eligibility_record(
            actor=doctor_b, session_id=session.pk, measure_code="B1", on_date=date(2019, 1, 1)
        )
    assert "on_date" in exc.value.errors

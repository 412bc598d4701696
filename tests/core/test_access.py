"""The access policy (integra/core/access.py), proven for every role on two organisations.

Expected sets are written out by hand from the role table in integra/core/permissions.py
(``ROLE_PERMISSIONS``): the care roles hold ``_CARE`` (which includes PERSON_VIEW and STAFF_VIEW);
only NURSE and DOCTOR add HEALTH_DATA_VIEW; only AUDITOR holds AUDIT_VIEW; only SYSTEM_ADMIN holds
SYSTEM_ADMIN; STEERING_MEMBER is the one role without STAFF_VIEW.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from integra.accounts.models import ApiToken, Membership, hash_token
from integra.audit.models import AccessLog, AccessOutcome
from integra.audit.services import access_log_record
from integra.core import access as access_module
from integra.core.access import (
    Actor,
    Denial,
    NotFound,
    PermissionRequired,
    get_visible,
    health_fields,
    is_protected,
    may_see_field,
    on_denied,
    permission_denial_record,
    require,
    scoped,
    visible_values,
)
from integra.core.permissions import Permission, Role
from integra.organizations.models import Organization
from tests.factories import UserFactory
from tests.policy_app.models import CaseNote

ALL_ROLES = list(Role)

# Roles holding PERSON_VIEW: the six built on _CARE.
CARE_ROLES = {
    Role.PUA_OPERATOR,
    Role.SOCIAL_WORKER,
    Role.NURSE,
    Role.DOCTOR,
    Role.CASE_MANAGER,
    Role.UVM_MEMBER,
}
# Roles holding HEALTH_DATA_VIEW.
HEALTH_ROLES = {Role.NURSE, Role.DOCTOR}
# Roles holding STAFF_VIEW: every role but the steering committee member.
STAFF_ROLES = set(Role) - {Role.STEERING_MEMBER}

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(org_a, org_b) -> dict[str, CaseNote]:
    return {
        "a1": CaseNote.objects.create(organization=org_a, title="A1", diagnosis="BPCO"),
        "a2": CaseNote.objects.create(organization=org_a, title="A2", diagnosis="Diabete"),
        "b1": CaseNote.objects.create(organization=org_b, title="B1", diagnosis="Demenza"),
    }


def test_the_role_table_is_the_one_these_tests_were_written_for() -> None:
    """If a role is added, the expected sets above must be reviewed by hand."""
    assert {r.value for r in Role} == {
        "pua_operator",
        "social_worker",
        "nurse",
        "doctor",
        "case_manager",
        "uvm_member",
        "planning_coordinator",
        "steering_member",
        "auditor",
        "org_admin",
        "system_admin",
    }


# --- scoped() ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_scoped_returns_own_organisation_notes_to_care_roles_only(role, org_a, notes, make_actor):
    actor = make_actor(org_a, role)
    seen = set(scoped(actor, CaseNote).values_list("title", flat=True))
    assert seen == ({"A1", "A2"} if role in CARE_ROLES else set())


@pytest.mark.parametrize("role", sorted(CARE_ROLES))
def test_scoped_follows_the_acting_membership_not_the_person(
    role, org_a, org_b, notes, make_membership
):
    """One operator with a membership in each organisation sees what the acting one holds."""
    in_a = make_membership(org_a, role)
    in_b = make_membership(org_b, role, user=in_a.user)
    as_a = Actor.for_membership(in_a.user, in_a)
    as_b = Actor.for_membership(in_b.user, in_b)
    assert set(scoped(as_a, CaseNote).values_list("title", flat=True)) == {"A1", "A2"}
    assert set(scoped(as_b, CaseNote).values_list("title", flat=True)) == {"B1"}


def test_scoped_narrows_a_given_queryset(org_a, notes, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    narrowed = scoped(actor, CaseNote.objects.filter(title__in=["A1", "B1"]))
    assert list(narrowed.values_list("title", flat=True)) == ["A1"]


# --- get_visible() -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_missing_and_forbidden_give_the_same_not_found(role, org_a, notes, make_actor) -> None:
    actor = make_actor(org_a, role)

    with pytest.raises(NotFound) as missing:
        get_visible(actor, CaseNote, pk=notes["b1"].pk + 1000)
    with pytest.raises(NotFound) as forbidden:
        get_visible(actor, CaseNote, pk=notes["b1"].pk)
    with pytest.raises(NotFound) as malformed:
        get_visible(actor, CaseNote, pk="not-a-number")

    assert type(missing.value) is type(forbidden.value) is type(malformed.value) is NotFound
    assert str(missing.value) == str(forbidden.value) == str(malformed.value)
    assert str(forbidden.value) == "Risorsa non trovata."
    # The attempts on a missing and on a forbidden record are logged alike, as denied; a
    # malformed id names no record (the request's 404 is logged by the audit middleware).
    missing_entry, entry = AccessLog.objects.order_by("at", "seq")
    for logged, pk in ((missing_entry, notes["b1"].pk + 1000), (entry, notes["b1"].pk)):
        assert logged.outcome == AccessOutcome.DENIED
        assert (logged.subject_type, logged.subject_id) == ("policy_app.casenote", str(pk))
        assert (logged.user_id, logged.organization_id) == (actor.user.pk, org_a.pk)
    assert entry.subject_organization_id == notes["b1"].organization_id
    assert missing_entry.subject_organization_id is None


def test_a_lookup_naming_several_visible_rows_is_not_a_denial(org_a, notes, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    with pytest.raises(NotFound):
        get_visible(actor, CaseNote, organization_id=org_a.pk)  # A1 and A2: both visible
    assert not AccessLog.objects.exists()


def test_a_locking_lookup_never_locks_a_row_outside_the_scope(
    org_a, notes, make_actor, monkeypatch
) -> None:
    monkeypatch.setattr(access_module, "_DENIAL_HOOKS", [])  # only get_visible's own queries
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    locking = CaseNote.objects.select_for_update()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert get_visible(actor, locking, pk=notes["a1"].pk) == notes["a1"]
        with pytest.raises(NotFound):
            get_visible(actor, locking, pk=notes["b1"].pk)
    sql = [q["sql"] for q in queries.captured_queries if '"policy_app_casenote"' in q["sql"]]
    # The visible lookups lock (only rows in the scope); the probe naming B1 reads, unlocked.
    assert [("FOR UPDATE" in q) for q in sql] == [True, True, False]
    assert f'"organization_id" = {org_a.pk}' in sql[1]


def test_missing_and_forbidden_run_the_same_queries(org_a, notes, make_actor, monkeypatch) -> None:
    """The denial itself is reported to the hooks; the audit app writes it after the response
    (tests/audit/test_denials.py)."""
    reported: list[Denial] = []
    monkeypatch.setattr(access_module, "_DENIAL_HOOKS", [reported.append])
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    missing_pk = CaseNote.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    runs = {}
    for name, pk in (("missing", missing_pk), ("forbidden", notes["b1"].pk)):
        with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
            get_visible(actor, CaseNote, pk=pk)
        runs[name] = [query["sql"].replace(str(pk), "<pk>") for query in queries.captured_queries]
    assert runs["missing"] == runs["forbidden"]
    assert len(runs["forbidden"]) == 2  # the scoped get, and the probe naming the row
    assert [denial.object_id for denial in reported] == [None, notes["b1"].pk]


def test_denials_go_to_the_registered_hooks(org_a, notes, make_actor, monkeypatch) -> None:
    seen: list[Denial] = []
    monkeypatch.setattr(access_module, "_DENIAL_HOOKS", [])
    assert on_denied(seen.append) is not None
    on_denied(seen.append)  # registered once however often
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    for pk in (notes["b1"].pk, notes["b1"].pk + 1000):
        with pytest.raises(NotFound):
            get_visible(actor, CaseNote, pk=pk)
    permission_denial_record(actor, Permission.AUDIT_VIEW, method="GET", path="/audit/")
    permission_denial_record(None, Permission.AUDIT_VIEW)  # nobody to name: nothing reported
    assert seen == [
        Denial(
            actor=actor,
            model=CaseNote,
            object_id=notes["b1"].pk,
            lookup={"pk": str(notes["b1"].pk)},
        ),
        Denial(actor=actor, model=CaseNote, lookup={"pk": str(notes["b1"].pk + 1000)}),
        Denial(actor=actor, permission=Permission.AUDIT_VIEW, method="GET", path="/audit/"),
    ]
    assert not AccessLog.objects.exists()  # the audit app's hook was not registered here


@pytest.mark.parametrize("role", ALL_ROLES)
def test_get_visible_on_own_note(role, org_a, notes, make_actor) -> None:
    actor = make_actor(org_a, role)
    if role in CARE_ROLES:
        assert get_visible(actor, CaseNote, pk=notes["a1"].pk) == notes["a1"]
        assert not AccessLog.objects.exists()  # logging the read is the caller's job
    else:
        with pytest.raises(NotFound):
            get_visible(actor, CaseNote, pk=notes["a1"].pk)
        assert AccessLog.objects.get().outcome == AccessOutcome.DENIED


# --- health fields -------------------------------------------------------------------------------


def test_case_note_declares_its_health_field() -> None:
    assert health_fields(CaseNote) == frozenset({"diagnosis"})
    assert health_fields(Organization) == frozenset()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_diagnosis_is_shown_to_nurses_and_doctors_only(role, org_a, notes, make_actor) -> None:
    actor = make_actor(org_a, role)
    fields = ["title", "social_summary", "diagnosis"]

    shown = visible_values(actor, notes["a1"], fields)

    assert may_see_field(actor, CaseNote, "title")
    if role in HEALTH_ROLES:
        assert may_see_field(actor, CaseNote, "diagnosis")
        assert shown == {"title": "A1", "social_summary": "", "diagnosis": "BPCO"}
    else:
        assert not may_see_field(actor, CaseNote, "diagnosis")
        assert shown == {"title": "A1", "social_summary": ""}


def test_health_permission_comes_from_any_role_of_the_membership(org_a, make_actor, notes) -> None:
    actor = make_actor(org_a, Role.STEERING_MEMBER, Role.NURSE)
    assert "diagnosis" in visible_values(actor, notes["a1"], ["diagnosis"])


# --- anonymous, no membership --------------------------------------------------------------------


def test_anonymous_actor_sees_nothing(notes) -> None:
    assert not scoped(None, CaseNote).exists()
    with pytest.raises(NotFound):
        get_visible(None, CaseNote, pk=notes["a1"].pk)
    assert not may_see_field(None, CaseNote, "diagnosis")
    assert visible_values(None, notes["a1"], ["title", "diagnosis"]) == {"title": "A1"}
    with pytest.raises(PermissionRequired):
        require(None, Permission.PERSON_VIEW)


def test_actor_without_membership_sees_nothing(notes) -> None:
    actor = Actor.for_membership(UserFactory(), None)
    assert actor.permissions == frozenset()
    assert not scoped(actor, CaseNote).exists()
    assert not scoped(actor, Membership).exists()
    with pytest.raises(NotFound):
        get_visible(actor, CaseNote, pk=notes["a1"].pk)
    assert not may_see_field(actor, CaseNote, "diagnosis")


def test_scopes_never_run_without_an_organisation(monkeypatch) -> None:
    """Without a membership ``actor.organization_id`` is None, and a scope filtering on it would
    match the rows *without* an organisation: ``scoped()`` must not even call the scope."""
    access_log_record(actor=None, subject=("people.search", "", "senza ente"))  # organization NULL

    def naive_scope(actor, qs):
        return qs.filter(organization_id=actor.organization_id)

    monkeypatch.setitem(access_module._SCOPES, AccessLog, naive_scope)
    actor = Actor.for_membership(UserFactory(), None)
    assert naive_scope(actor, AccessLog.objects.all()).count() == 1  # the trap is real
    assert scoped(actor, AccessLog).count() == 0


def test_require(org_a, make_actor) -> None:
    auditor = make_actor(org_a, Role.AUDITOR)
    require(auditor, Permission.AUDIT_VIEW)
    with pytest.raises(PermissionRequired) as exc:
        require(auditor, Permission.PERSON_VIEW)
    assert exc.value.permission == Permission.PERSON_VIEW


# --- deny by default -----------------------------------------------------------------------------


def test_model_without_scope_is_refused_whoever_asks(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SYSTEM_ADMIN)
    assert not is_protected(Session)
    for who in (actor, None):
        with pytest.raises(ImproperlyConfigured, match="no access scope"):
            scoped(who, Session)
        with pytest.raises(ImproperlyConfigured, match="no access scope"):
            get_visible(who, Session.objects.all(), pk="x")


def test_a_scope_cannot_be_registered_twice() -> None:
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        access_module.register_scope(CaseNote)(lambda actor, qs: qs)


# Models that point at an organisation but are public catalogue/territory data, or history
# rows that only the audit tools read. Add a model here only with the reason beside it.
SCOPE_NOT_NEEDED: dict[str, str] = {}


def _is_history_event(model: type[models.Model]) -> bool:
    import pghistory.models

    # pghistory's event rows (…Event): written by triggers, read only by audit tooling.
    return issubclass(model, pghistory.models.Event)


def models_needing_a_scope() -> set[type[models.Model]]:
    """Every concrete model with a foreign key to Organization, but for the allow-list."""
    found = set()
    for model in apps.get_models():
        if model._meta.proxy or _is_history_event(model):
            continue
        if model._meta.label_lower in SCOPE_NOT_NEEDED:
            continue
        if any(
            field.is_relation and field.many_to_one and field.related_model is Organization
            for field in model._meta.get_fields()
        ):
            found.add(model)
    return found


def test_every_model_held_by_an_organisation_has_a_scope() -> None:
    needing = models_needing_a_scope()
    # The search itself must see the models we know about, or it proves nothing.
    assert {Membership, CaseNote, AccessLog, apps.get_model("organizations", "Unit")} <= needing
    unscoped = sorted(m._meta.label for m in needing if not is_protected(m))
    assert unscoped == [], f"register an access scope for: {', '.join(unscoped)}"


def test_the_scope_check_catches_a_missing_scope(monkeypatch) -> None:
    monkeypatch.delitem(access_module._SCOPES, CaseNote)
    assert [m for m in models_needing_a_scope() if not is_protected(m)] == [CaseNote]


# --- the scopes of accounts and audit -----------------------------------------------------------


@pytest.fixture
def staff(org_a, org_b, make_membership) -> dict[str, Membership]:
    return {
        "a_worker": make_membership(org_a, Role.SOCIAL_WORKER),
        "a_nurse": make_membership(org_a, Role.NURSE),
        "b_doctor": make_membership(org_b, Role.DOCTOR),
    }


@pytest.mark.parametrize("role", ALL_ROLES)
def test_membership_scope(role, org_a, staff, make_membership) -> None:
    me = make_membership(org_a, role)
    actor = Actor.for_membership(me.user, me)
    seen = set(scoped(actor, Membership).values_list("pk", flat=True))

    own_org = {staff["a_worker"].pk, staff["a_nurse"].pk, me.pk}
    if role is Role.SYSTEM_ADMIN:
        expected = own_org | {staff["b_doctor"].pk}
    elif role in STAFF_ROLES:
        expected = own_org
    else:
        expected = {me.pk}
    assert seen == expected


def _token(membership: Membership, name: str) -> ApiToken:
    return ApiToken.objects.create(
        user=membership.user,
        membership=membership,
        name=name,
        prefix=f"itg_{name}"[:10],
        token_hash=hash_token(f"secret-{name}"),
    )


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_token_scope_is_the_owner_only(role, org_a, org_b, staff, make_membership) -> None:
    mine_a = make_membership(org_a, role)
    mine_b = make_membership(org_b, Role.SOCIAL_WORKER, user=mine_a.user)
    own = {_token(mine_a, "mia-a").pk, _token(mine_b, "mia-b").pk}
    _token(staff["a_worker"], "collega")
    _token(staff["b_doctor"], "altro-ente")

    actor = Actor.for_membership(mine_a.user, mine_a)

    # Even an administrator never sees another operator's tokens; one's own are one's own
    # whichever membership they were issued for.
    assert set(scoped(actor, ApiToken).values_list("pk", flat=True)) == own


@pytest.mark.parametrize("role", ALL_ROLES)
def test_access_log_scope(role, org_a, org_b, make_actor, notes) -> None:
    operator_a = make_actor(org_a, Role.SOCIAL_WORKER)
    operator_b = make_actor(org_b, Role.DOCTOR)
    access_log_record(actor=operator_a, subject=notes["a1"])  # by A, on A's record
    access_log_record(actor=operator_b, subject=notes["a1"], outcome="denied")  # by B, on A's
    access_log_record(actor=operator_b, subject=notes["b1"])  # by B, on B's record
    access_log_record(actor=operator_a, subject=("people.search", "", "ricerca"))  # by A, no holder
    rows = {(r.organization_id, r.subject_organization_id): r.pk for r in AccessLog.objects.all()}

    actor = make_actor(org_a, role)
    seen = set(scoped(actor, AccessLog).values_list("pk", flat=True))

    if role is Role.AUDITOR:
        assert seen == {
            rows[(org_a.pk, org_a.pk)],
            rows[(org_b.pk, org_a.pk)],
            rows[(org_a.pk, None)],
        }
        auditor_b = make_actor(org_b, Role.AUDITOR)
        assert set(scoped(auditor_b, AccessLog).values_list("pk", flat=True)) == {
            rows[(org_b.pk, org_a.pk)],
            rows[(org_b.pk, org_b.pk)],
        }
    else:
        assert seen == set()

"""Every read of a protected record is appended to the access log; denied attempts survive a
rolled-back view; concurrent writers keep every chain linear."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone

from integra import urls as integra_urls
from integra.audit.models import AccessAction, AccessLog, AccessOutcome
from integra.audit.selectors import access_log_verify
from integra.audit.services import access_log_buffered, access_log_record
from integra.core.access import Actor, get_visible, visible_values
from integra.core.permissions import Role
from integra.organizations.models import Service, ServiceArea
from tests.policy_app.models import CaseNote

# --- a tiny site for these tests ---------------------------------------------------------------


def read_note(request: HttpRequest, pk: int) -> JsonResponse:
    actor = request.actor  # type: ignore[attr-defined]
    note = get_visible(actor, CaseNote, pk=pk)
    fields = ["title", "social_summary", "diagnosis"]
    shown = visible_values(actor, note, fields)
    access_log_record(
        actor=actor,
        subject=note,
        action=AccessAction.VIEW,
        detail={"fields": sorted(shown)},
        purpose="Presa in carico",
    )
    return JsonResponse(shown)


def read_note_in_a_transaction(request: HttpRequest, pk: int) -> JsonResponse:
    """Writes something, then reads a note, all in one transaction that rolls back on 404."""
    with transaction.atomic():
        Service.objects.create(
            code=f"ROLLBACK-{pk}",
            name="Scritto e annullato",
            area=ServiceArea.ELDERLY,
            provider_id=request.actor.organization_id,  # type: ignore[attr-defined]
        )
        note = get_visible(request.actor, CaseNote, pk=pk)  # type: ignore[attr-defined]
    return JsonResponse({"title": note.title})


def read_then_crash(request: HttpRequest, pk: int) -> JsonResponse:
    with transaction.atomic():
        note = get_visible(request.actor, CaseNote, pk=pk)  # type: ignore[attr-defined]
        access_log_record(actor=request.actor, subject=note)  # type: ignore[attr-defined]
        raise RuntimeError("a bug after the read")


urlpatterns = [
    path("notes/<int:pk>/", read_note),
    path("notes/<int:pk>/in-transaction/", read_note_in_a_transaction),
    path("notes/<int:pk>/crash/", read_then_crash),
    # The site's URLs too: the 404 and 403 pages link to them.
    *integra_urls.urlpatterns,
]


@pytest.fixture
def social_worker_a(org_a, make_membership):
    return make_membership(org_a, Role.SOCIAL_WORKER)


# --- denied attempts ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_denied_attempt_is_logged_even_though_the_view_rolled_back(
    client, org_a, org_b, social_worker_a
) -> None:
    foreign = CaseNote.objects.create(organization=org_b, title="Nota dell'ASST")
    client.force_login(social_worker_a.user)

    response = client.get(
        f"/notes/{foreign.pk}/in-transaction/", HTTP_X_REQUEST_ID="req-denied-000001"
    )

    assert response.status_code == 404
    # The view's write was rolled back ...
    assert not Service.objects.filter(code=f"ROLLBACK-{foreign.pk}").exists()
    # ... and the attempt was kept, in a transaction of its own.
    (entry,) = AccessLog.objects.all()
    assert entry.outcome == AccessOutcome.DENIED
    assert entry.action == AccessAction.VIEW
    assert entry.user_id == social_worker_a.user.pk
    assert entry.organization_id == org_a.pk
    assert entry.subject_type == "policy_app.casenote"
    assert entry.subject_id == str(foreign.pk)
    assert entry.subject_organization_id == org_b.pk
    assert entry.request_id == "req-denied-000001"
    assert access_log_verify().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_allowed_read_is_kept_when_the_view_then_fails(client, org_a, social_worker_a) -> None:
    own = CaseNote.objects.create(organization=org_a, title="Nota del Comune")
    client.force_login(social_worker_a.user)
    client.raise_request_exception = False

    response = client.get(f"/notes/{own.pk}/crash/")

    assert response.status_code == 500
    (entry,) = AccessLog.objects.all()
    assert (entry.outcome, entry.subject_id) == (AccessOutcome.ALLOWED, str(own.pk))


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_missing_record_is_logged_as_denied_like_a_forbidden_one(client, social_worker_a) -> None:
    client.force_login(social_worker_a.user)
    assert client.get("/notes/987654/").status_code == 404
    (entry,) = AccessLog.objects.all()
    assert (entry.outcome, entry.action) == (AccessOutcome.DENIED, AccessAction.VIEW)
    assert (entry.subject_type, entry.subject_id) == ("policy_app.casenote", "987654")
    assert entry.subject_organization_id is None
    assert entry.user_id == social_worker_a.user.pk


# --- allowed reads -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_allowed_read_records_who_when_where_what_and_why(client, org_a, social_worker_a) -> None:
    note = CaseNote.objects.create(
        organization=org_a, title="Colloquio 12 marzo", social_summary="…", diagnosis="…"
    )
    client.force_login(social_worker_a.user)
    before = timezone.now()

    response = client.get(
        f"/notes/{note.pk}/", HTTP_X_REQUEST_ID="req-allowed-00001", REMOTE_ADDR="192.0.2.10"
    )

    assert response.status_code == 200
    # A social worker has no HEALTH_DATA_VIEW: the diagnosis was neither shown nor logged as seen.
    assert set(response.json()) == {"title", "social_summary"}
    (entry,) = AccessLog.objects.all()
    assert entry.user_id == social_worker_a.user.pk
    assert entry.username == social_worker_a.user.username
    assert entry.membership_id == social_worker_a.pk
    assert entry.organization_id == org_a.pk
    assert before <= entry.at <= timezone.now()
    assert entry.client_ip == "192.0.2.10"
    assert entry.request_id == "req-allowed-00001"
    assert response["X-Request-ID"] == "req-allowed-00001"
    assert entry.action == AccessAction.VIEW
    assert entry.outcome == AccessOutcome.ALLOWED
    assert entry.subject_type == "policy_app.casenote"
    assert entry.subject_id == str(note.pk)
    # The record is named by kind and id, never by its text (a title, a person's name).
    assert entry.subject_label == f"Nota di prova n. {note.pk}"
    assert entry.subject_organization_id == org_a.pk
    assert entry.detail == {"fields": ["social_summary", "title"]}
    assert entry.purpose == "Presa in carico"
    # The chain of the operator's organisation, first row.
    assert (entry.shard, entry.seq, entry.prev_hash) == (org_a.pk % 16, 1, "0" * 64)


@pytest.mark.django_db
def test_buffer_writes_when_the_block_ends_even_on_error(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    note = CaseNote.objects.create(organization=org_a, title="Nota")

    with pytest.raises(ZeroDivisionError), access_log_buffered():
        access_log_record(actor=actor, subject=note)
        access_log_record(actor=actor, subject=note, action=AccessAction.PRINT)
        assert not AccessLog.objects.exists()  # still buffered
        1 / 0  # noqa: B018

    assert list(AccessLog.objects.order_by("seq").values_list("seq", "action")) == [
        (1, "view"),
        (2, "print"),
    ]


@pytest.mark.django_db
def test_values_are_stored_as_hashed(org_a, make_actor) -> None:
    """Values whose text form PostgreSQL would change still verify after the round trip."""
    import datetime as dt
    from decimal import Decimal

    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    actor = type(actor)(
        user=actor.user,
        membership=actor.membership,
        request_id="r" * 80,  # longer than the column: cut, not refused
        client_ip="2001:0db8:0000:0000:0000:0000:0000:0001",  # PostgreSQL prints 2001:db8::1
        permissions=actor.permissions,
    )
    access_log_record(
        actor=actor,
        subject=("people.search", "", "ricerca\x00 «Rossi»"),
        action=AccessAction.SEARCH,
        detail={"day": dt.date(2026, 3, 1), "amount": Decimal("10.50"), "score": 1e20, 3: "x"},
        purpose="p" * 300,
    )
    entry = AccessLog.objects.get()
    assert entry.client_ip == "2001:db8::1"
    assert entry.subject_label == "ricerca «Rossi»"
    assert len(entry.purpose) == 200 and len(entry.request_id) == 64
    assert entry.detail == {"day": "2026-03-01", "amount": "10.50", "score": "1e+20", "3": "x"}
    assert access_log_verify().ok


def test_unknown_action_or_outcome_is_refused() -> None:
    with pytest.raises(ValueError):
        access_log_record(actor=None, subject=("x", "1", "y"), action="peek")
    with pytest.raises(ValueError):
        access_log_record(actor=None, subject=("x", "1", "y"), outcome="maybe")


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_every_chain_linear(org_a, make_actor) -> None:
    """Writers of one organisation want the same chain: whoever finds it busy takes the next
    free one instead of waiting, and every chain stays numbered without gaps."""
    actors = [make_actor(org_a, Role.SOCIAL_WORKER), make_actor(org_a, Role.NURSE)]
    start = threading.Barrier(len(actors))
    errors: list[BaseException] = []

    def write(actor, rows: int = 50) -> None:
        try:
            start.wait(timeout=10)
            for n in range(rows):
                access_log_record(actor=actor, subject=("policy_app.casenote", str(n), f"nota {n}"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=write, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert AccessLog.objects.count() == 100
    for shard in set(AccessLog.objects.values_list("shard", flat=True)):
        seqs = list(
            AccessLog.objects.filter(shard=shard).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
    per_user = {a.user.pk: AccessLog.objects.filter(user_id=a.user.pk).count() for a in actors}
    assert per_user == {actors[0].user.pk: 50, actors[1].user.pk: 50}
    report = access_log_verify()
    assert (report.ok, report.rows_checked) == (True, 100)
    newest = AccessLog.objects.order_by("-id").first()
    assert newest is not None
    assert timedelta(0) <= timezone.now() - newest.at < timedelta(minutes=1)


@pytest.mark.django_db
def test_detail_with_backslashes_and_nul_reads_back_cleanly(social_worker_a) -> None:
    """A filter value typed as a literal backslash-u-0000 once broke the JSON clean-up
    (found by schemathesis): the detail must keep the backslash and lose only real NULs."""
    actor = Actor.for_membership(social_worker_a.user, social_worker_a)
    access_log_record(
        actor=actor,
        subject=("audit.accesslog", "", "registro"),
        detail={"q": "a\\u0000b", "nul": "x\x00y", "k\x00": [1.5, "\x00"]},
    )
    entry = AccessLog.objects.get()
    assert entry.detail == {"q": "a\\u0000b", "nul": "xy", "k": ["1.5", ""]}
    assert access_log_verify().ok

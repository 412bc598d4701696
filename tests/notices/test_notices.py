"""Notices addressed to an organisation (integra/notices): read by its operators who consult
persons or audit accesses, never by another organisation (404 like a missing id), marked read
once, counted in the header."""

from __future__ import annotations

import pytest

from integra.accounts.services import api_token_create
from integra.core.access import NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.notices.models import NoticeKind
from integra.notices.selectors import notice_list, notices_unread_count
from integra.notices.services import notice_mark_read, notice_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(org_a, org_b):
    return notice_send(
        organization_id=org_a.pk,
        kind=NoticeKind.CONSENT_RECORDED,
        text="ASST Beta ha registrato per la persona n. 7: condivisione — prestato.",
        url="/persone/7/consensi/",
        person_id=7,
        from_organization_id=org_b.pk,
    )


def test_the_organisation_reads_and_marks_its_notices(notice, make_actor) -> None:
    from tests.factories import OrganizationFactory

    worker = make_actor(notice.organization, Role.SOCIAL_WORKER)
    assert list(notice_list(actor=worker)) == [notice]
    assert notices_unread_count(actor=worker) == 1
    read = notice_mark_read(actor=worker, notice_id=notice.pk)
    assert read.read_at is not None and read.read_by == worker.user
    assert notices_unread_count(actor=worker) == 0
    assert list(notice_list(actor=worker, unread_only=True)) == []
    stranger = make_actor(OrganizationFactory(), Role.SOCIAL_WORKER)
    assert list(notice_list(actor=stranger)) == []
    with pytest.raises(NotFound):
        notice_mark_read(actor=stranger, notice_id=notice.pk)


def test_roles_that_read_no_person_get_a_403(notice, make_actor) -> None:
    admin = make_actor(notice.organization, Role.ORG_ADMIN)
    with pytest.raises(PermissionRequired):
        notice_list(actor=admin)
    auditor = make_actor(notice.organization, Role.AUDITOR)
    assert list(notice_list(actor=auditor)) == [notice]


def test_the_page_the_header_badge_and_the_api(notice, make_membership, client) -> None:
    membership = make_membership(notice.organization, Role.PUA_OPERATOR)
    client.force_login(membership.user)
    page = client.get("/avvisi/").content.decode()
    assert "persona n. 7" in page and "Segna come letto" in page
    home = client.get("/").content.decode()
    assert 'href="/avvisi/"' in home and "da leggere" in home
    assert client.post(f"/avvisi/{notice.pk}/letto/").status_code == 302
    assert "Segna come letto" not in client.get("/avvisi/").content.decode()
    _token, secret = api_token_create(user=membership.user, membership=membership, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = client.get("/api/v1/notices", **headers).json()
    assert body["count"] == 1 and body["items"][0]["person_id"] == 7
    other = make_membership(notice.from_organization, Role.PUA_OPERATOR)
    _token, other_secret = api_token_create(user=other.user, membership=other, name="t")
    missing = client.post(
        "/api/v1/notices/999999/read", HTTP_AUTHORIZATION=f"Bearer {other_secret}"
    )
    hidden = client.post(
        f"/api/v1/notices/{notice.pk}/read", HTTP_AUTHORIZATION=f"Bearer {other_secret}"
    )
    assert missing.status_code == hidden.status_code == 404

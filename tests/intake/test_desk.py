"""The PUA's panels of the desk (integra/intake/desk.py): the operator's deadlines, counted like
the inbox lists they link to; the requests a PUA sent to a service's organisation; the query
budget of the whole desk at two data sizes.

Deadlines are working days of the PUA calendar (integra/intake/calendar.py: Monday to Friday,
Italian public holidays, the province's patron saint, c.p.c. art. 155); "in scadenza" runs from
today to ``due_soon_days`` working days ahead (integra/intake/deadlines.py: due_soon_limit).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from integra.core.desk import desk_panels
from integra.core.permissions import Role
from integra.intake import desk
from integra.intake.calendar import add_working_days, is_working_day
from integra.intake.models import IntakeState
from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
from tests.people.factories import PersonFactory

S = IntakeState


def _login(client, actor):
    client.force_login(actor.user)
    session = client.session
    session["integra_membership_id"] = actor.membership.pk
    session.save()


def _previous_working_day(day: date, pua) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day, province=pua.holiday_province, closures=pua.closure_days):
        day -= timedelta(days=1)
    return day


def _panel(panels, title):
    found = [p for p in panels if p.title == title]
    assert len(found) == 1, [p.title for p in panels]
    return found[0]


def _counts(panel) -> dict[str, int]:
    return {c.label: c.value for c in panel.counts}


def test_pua_panel_on_a_friday_before_sant_ambrogio(pua_setting) -> None:
    """Friday 4 December 2026 at a PUA of the province of Milan: the working day before is
    Thursday 3 December; the next working day is Wednesday 9 December (Saturday 5, Sunday 6,
    Sant'Ambrogio on Monday 7 in MI, the Immacolata on Tuesday 8 — L. 260/1949)."""
    pua = pua_setting.pua
    pua.holiday_province = "MI"
    pua.due_soon_days = 1
    pua.save()
    today = date(2026, 12, 4)
    thursday, wednesday = date(2026, 12, 3), date(2026, 12, 9)
    assert _previous_working_day(today, pua) == thursday
    assert add_working_days(today, 1, province="MI") == wednesday
    person = pua_setting.person
    overdue = IntakeRequestFactory(pua=pua, person=person, due_on=thursday)
    due_today = IntakeRequestFactory(pua=pua, person=person, due_on=today)
    next_day = IntakeRequestFactory(pua=pua, person=person, due_on=wednesday)
    later = IntakeRequestFactory(pua=pua, person=person, due_on=date(2026, 12, 10))
    to_close = IntakeRequestFactory(
        pua=pua, person=person, state=S.SENT_TO_UVM, uvm_due=date(2026, 12, 30), due_on=None
    )
    IntakeRequestFactory(  # closed: never on the desk
        pua=pua, person=person, state=S.CLOSED, closed_at=timezone.now(), due_on=thursday
    )

    panel = desk.pua_panel(pua_setting.operator, today)

    assert panel is not None
    assert _counts(panel) == {
        "Scadute": 1,
        "Scadono oggi": 1,
        "In scadenza": 2,  # today and Wednesday 9
        "UVM conclusa: da chiudere con l'esito": 1,
    }
    # The next to handle: by deadline, the overdue first; those without a deadline are counted.
    assert [i.url for i in panel.items] == [
        r.get_absolute_url() for r in (overdue, due_today, next_day, later)
    ]
    assert panel.items[0].overdue and not panel.items[1].overdue
    assert to_close.get_absolute_url() not in [i.url for i in panel.items]


def test_pua_panel_shows_five_rows_at_most(pua_setting) -> None:
    today = timezone.localdate()
    for n in range(7):
        IntakeRequestFactory(
            pua=pua_setting.pua, person=pua_setting.person, due_on=today + timedelta(days=n)
        )
    panel = desk.pua_panel(pua_setting.operator, today)
    assert len(panel.items) == 5


def test_other_roles_and_organisations_get_no_pua_panel(pua_setting, make_actor) -> None:
    today = timezone.localdate()
    IntakeRequestFactory(pua=pua_setting.pua, person=pua_setting.person, due_on=today)
    social = make_actor(pua_setting.ambito_org, Role.SOCIAL_WORKER)
    assert desk.pua_panel(social, today) is None
    # A PUA operator of an organisation that runs no PUA: no PUA panel.
    assert desk.pua_panel(pua_setting.outsider, today) is None


def test_the_desk_counts_what_the_linked_lists_show(client, pua_setting) -> None:
    """Every count of the desk is the count of the inbox list it links to; another
    organisation's requests are never counted."""
    pua = pua_setting.pua
    today = timezone.localdate()
    yesterday = _previous_working_day(today, pua)
    tomorrow = add_working_days(today, 1, province=pua.holiday_province, closures=pua.closure_days)
    person = pua_setting.person
    IntakeRequestFactory(pua=pua, person=person, due_on=yesterday)
    IntakeRequestFactory(pua=pua, person=person, due_on=yesterday)
    IntakeRequestFactory(pua=pua, person=person, due_on=today)
    IntakeRequestFactory(pua=pua, person=person, due_on=tomorrow)
    IntakeRequestFactory(pua=pua, person=person, state=S.SENT_TO_UVM, uvm_due=tomorrow, due_on=None)
    # Another organisation's PUA, with requests in every list: never on this desk.
    elsewhere = PuaPointFactory(name="PUA Lontano")
    stranger = PersonFactory(registered_by=elsewhere.organization)
    for due in (yesterday, today, tomorrow, None):
        IntakeRequestFactory(
            pua=elsewhere,
            person=stranger,
            due_on=due,
            state=S.SENT_TO_UVM if due is None else S.RECEIVED,
            uvm_due=tomorrow if due is None else None,
        )
    _login(client, pua_setting.operator)

    response = client.get("/")

    assert response.status_code == 200
    panel = _panel(response.context["panels"], "Richieste al PUA")
    assert _counts(panel) == {
        "Scadute": 2,
        "Scadono oggi": 1,
        "In scadenza": 2,  # today and the next working day (due_soon_days = 2 by default)
        "UVM conclusa: da chiudere con l'esito": 1,
    }
    for count in panel.counts:
        listed = client.get(count.url)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == count.value, count.label
    html = response.content.decode()
    assert "Bianchi Anna" in html
    assert "Niente da fare adesso" not in html


def test_a_limited_person_shows_the_limited_form(client, pua_setting) -> None:
    """A request for a person registered by another organisation, unknown to the PUA's: the
    desk names them only as known (people gate), like the inbox."""
    stranger_org = pua_setting.outsider.organization
    stranger = PersonFactory(
        family_names="Riservati", given_names="Carla", registered_by=stranger_org
    )
    request = IntakeRequestFactory(
        pua=pua_setting.pua, person=stranger, due_on=timezone.localdate()
    )
    _login(client, pua_setting.operator)
    html = client.get("/").content.decode()
    inbox = client.get("/pua/").content.decode()
    assert request.get_absolute_url() in html
    assert "Riservati" not in html
    assert ("Riservati" in inbox) == ("Riservati" in html)  # the same form as the inbox
    assert f"Persona n. {stranger.pk} (scheda limitata)" in html


def test_counts_say_more_than_the_cap(client, pua_setting, monkeypatch) -> None:
    from integra.core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    monkeypatch.setattr("integra.core.desk.COUNT_CAP", 2)
    yesterday = _previous_working_day(timezone.localdate(), pua_setting.pua)
    for _ in range(4):
        IntakeRequestFactory(pua=pua_setting.pua, person=pua_setting.person, due_on=yesterday)
    _login(client, pua_setting.operator)
    response = client.get("/")
    panel = _panel(response.context["panels"], "Richieste al PUA")
    assert _counts(panel)["Scadute"] == 3  # 3 = "more than 2"
    assert panel.counts[0].capped
    assert "più di 2" in response.content.decode()


def test_a_service_sees_the_requests_sent_to_it(client, pua_setting, make_actor) -> None:
    """The ASST (the PUA's UVM) receives the requests sent to the UVM: its social worker's desk
    lists them, counted like the inbox's "sent to my organisation" list."""
    social = make_actor(pua_setting.asst, Role.SOCIAL_WORKER)
    today = timezone.localdate()
    sent = IntakeRequestFactory(
        pua=pua_setting.pua,
        person=pua_setting.person,
        state=S.SENT_TO_UVM,
        uvm_due=today + timedelta(days=30),
        due_on=today + timedelta(days=30),
        sent_to_organization=pua_setting.asst,
    )
    IntakeRequestFactory(pua=pua_setting.pua, person=pua_setting.person)  # not sent
    _login(client, social)
    response = client.get("/")
    panel = _panel(response.context["panels"], "Richieste inviate al tuo ente da un PUA")
    assert _counts(panel) == {"Aperte": 1}
    assert [i.url for i in panel.items] == [sent.get_absolute_url()]
    listed = client.get(panel.counts[0].url)
    assert listed.context["page"].paginator.count == 1
    assert client.get(sent.get_absolute_url()).status_code == 200


def test_a_social_worker_with_nothing_to_do_sees_the_empty_state(client, pua_setting, make_actor):
    social = make_actor(pua_setting.ambito_org, Role.SOCIAL_WORKER)
    IntakeRequestFactory(pua=pua_setting.pua, person=pua_setting.person)  # the PUA's, not hers
    _login(client, social)
    response = client.get("/")
    assert response.context["panels"] == []
    html = response.content.decode()
    assert "Niente da fare adesso" in html
    for link in ("/territorio/", "/enti/servizi/", "/account/"):
        assert f'href="{link}' in html


def test_desk_panels_need_a_membership(pua_setting) -> None:
    assert desk_panels(actor=None, today=timezone.localdate()) == []


# Session, user, membership (middleware), then the PUA panel (PUAs, four counts, rows, two for
# the persons), the UVM panel does not apply, the received panel (one count), the access log
# and the template's lookups: fixed whatever the rows.
DESK_MAX_QUERIES = 20


def _desk_queries(client, django_assert_max_num_queries, setting, n: int) -> int:
    today = timezone.localdate()
    yesterday = _previous_working_day(today, setting.pua)
    for i in range(n):
        IntakeRequestFactory(
            pua=setting.pua,
            person=PersonFactory(registered_by=setting.ambito_org),
            due_on=[yesterday, today, None][i % 3],
            state=S.SENT_TO_UVM if i % 3 == 2 else S.RECEIVED,
            uvm_due=today if i % 3 == 2 else None,
            sent_to_organization=setting.asst if i % 3 == 2 else None,
        )
    with django_assert_max_num_queries(DESK_MAX_QUERIES) as captured:
        response = client.get("/")
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["operator", "asst_operator"])
def test_desk_query_budget_does_not_grow(client, pua_setting, django_assert_max_num_queries, who):
    """5 requests, then 60: the same number of queries (the ASST's operator also has the
    received panel)."""
    _login(client, getattr(pua_setting, who))
    five = _desk_queries(client, django_assert_max_num_queries, pua_setting, 5)
    sixty = _desk_queries(client, django_assert_max_num_queries, pua_setting, 55)
    assert five == sixty, (five, sixty)


def test_received_desk_query_budget_does_not_grow(
    client, pua_setting, make_actor, django_assert_max_num_queries
):
    social = make_actor(pua_setting.asst, Role.SOCIAL_WORKER)
    _login(client, social)
    five = _desk_queries(client, django_assert_max_num_queries, pua_setting, 5)
    sixty = _desk_queries(client, django_assert_max_num_queries, pua_setting, 55)
    assert five == sixty, (five, sixty)

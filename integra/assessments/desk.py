"""The UVM member's panel of the desk (integra/core/desk.py): the sessions the actor sits on,
the next ones and those held but not yet concluded (outcome to write).

Assessments have no draft state (an assessment is recorded whole, ``services.assessment_record``)
and PUA requests are not assigned to a person, so the desk has no panel for them.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.assessments import uvm
from integra.assessments.uvm import SessionWhen
from integra.assessments.uvm_models import UvmSession, UvmState
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor
from integra.core.desk import (
    ITEMS_PER_PANEL,
    DeskCount,
    DeskItem,
    DeskPanel,
    Tone,
    count_value,
)
from integra.core.permissions import Permission


def sessions_url(when: str) -> str:
    """The sessions list filtered as a desk count (its form's parameter names)."""
    return f"{reverse('assessments:uvm_list')}?{urlencode({'quando': when, 'mie': 'on'})}"


def _item(session: UvmSession, start: date) -> DeskItem:
    held = timezone.localdate(session.scheduled_for) < start
    return DeskItem(
        label=_("Seduta UVM n. %(n)s") % {"n": session.pk},
        url=reverse("assessments:uvm_detail", args=[session.pk]),
        when=session.scheduled_for,
        person=session.person_ref,
        note=_("Tenuta: esito da scrivere") if held else str(session.organization.name),
        overdue=held,
    )


def uvm_member_panel(actor: Actor, today: date) -> DeskPanel | None:
    """The sessions the actor's user is a member of: held and still open first, then the next.
    Five queries whatever the rows: two counts, the rows and their persons (two)."""
    if not actor.has(Permission.UVM_PARTICIPATE):
        return None
    to_conclude = uvm.session_list(
        actor=actor, mine=True, when=SessionWhen.TO_CONCLUDE, today=today
    )
    following = uvm.session_list(actor=actor, mine=True, when=SessionWhen.NEXT, today=today)
    # Both lists in one query: the scheduled sessions, the oldest first (the held ones on top).
    rows = list(
        uvm.session_list(actor=actor, mine=True, state=UvmState.SCHEDULED).order_by(
            "scheduled_for", "pk"
        )[:ITEMS_PER_PANEL]
    )
    if rows:
        access_log_record(
            actor=actor,
            subject=("assessments.uvmsession", "", "Elenco sedute UVM"),
            action=AccessAction.LIST,
            detail={"desk": "uvm", "rows": len(rows)},
        )
    return DeskPanel(
        title=_("Le mie sedute UVM"),
        counts=[
            DeskCount(
                label=_("Tenute, esito da scrivere"),
                value=count_value(to_conclude),
                url=sessions_url(SessionWhen.TO_CONCLUDE),
                tone=Tone.BAD,
            ),
            DeskCount(
                label=_("Programmate da oggi"),
                value=count_value(following),
                url=sessions_url(SessionWhen.NEXT),
                tone=Tone.INFO,
            ),
        ],
        items=[_item(s, today) for s in rows],
        items_title=_("Le prossime sedute"),
        empty=_("Nessuna seduta in programma di cui sei componente."),
        links=[(_("Tutte le sedute UVM"), reverse("assessments:uvm_list"))],
    )

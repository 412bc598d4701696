"""The PUA's panels of the desk (integra/core/desk.py): the PUA operator's deadlines and the
requests a PUA sent to the actor's organisation."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from integra.core.access import Actor
from integra.core.desk import ITEMS_PER_PANEL, DeskCount, DeskItem, DeskPanel, Tone
from integra.intake import selectors
from integra.intake.models import IntakeRequest, IntakeState
from integra.intake.selectors import DESK_PUA_FILTERS, DESK_RECEIVED_FILTERS, InboxFilters


def inbox_url(filters: InboxFilters) -> str:
    """The address of the inbox list for the filters (its form's parameter names)."""
    query = {"scadenza": filters.due, "casella": filters.box}
    return f"{reverse('intake:inbox')}?{urlencode({k: v for k, v in query.items() if v})}"


def _item(request: IntakeRequest, today: date) -> DeskItem:
    if request.state == IntakeState.SENT_TO_UVM and request.due_on is None:
        note = _("UVM conclusa: da chiudere con l'esito")
    else:
        note = str(request.get_state_display())
    return DeskItem(
        label=_("Richiesta %(n)s") % {"n": request.pk},
        url=request.get_absolute_url(),
        due_on=request.due_on,
        person=request.person_ref,
        note=note,
        overdue=request.due_on is not None and request.due_on < today,
    )


def pua_panel(actor: Actor, today: date) -> DeskPanel | None:
    """The PUA operator's deadlines: overdue, due today, due soon, closed by the UVM."""
    work = selectors.pua_desk_work(actor=actor, today=today, limit=ITEMS_PER_PANEL)
    if work is None:
        return None
    labels = {
        "overdue": (_("Scadute"), Tone.BAD),
        "today": (_("Scadono oggi"), Tone.WARN),
        "due_soon": (_("In scadenza"), Tone.WARN),
        "to_close": (_("UVM conclusa: da chiudere con l'esito"), Tone.OK),
    }
    counts = [
        DeskCount(
            label=label, value=work.counts[key], url=inbox_url(DESK_PUA_FILTERS[key]), tone=tone
        )
        for key, (label, tone) in labels.items()
    ]
    if work.next_requests:
        selectors.desk_access_record(actor=actor, shown="pua", rows=len(work.next_requests))
    return DeskPanel(
        title=_("Richieste al PUA"),
        counts=counts,
        items=[_item(r, today) for r in work.next_requests],
        items_title=_("Le prossime da gestire"),
        empty=_("Nessuna richiesta con una scadenza aperta."),
        links=[
            (_("Tutte le richieste"), reverse("intake:inbox")),
            (_("Nuova richiesta"), reverse("intake:request_create")),
        ],
    )


def received_panel(actor: Actor, today: date) -> DeskPanel | None:
    """Open requests a PUA sent to the actor's organisation (shown only when there are some)."""
    work = selectors.received_desk_work(actor=actor, today=today, limit=ITEMS_PER_PANEL)
    if work is None:
        return None
    selectors.desk_access_record(actor=actor, shown="received", rows=len(work.next_requests))
    return DeskPanel(
        title=_("Richieste inviate al tuo ente da un PUA"),
        counts=[
            DeskCount(
                label=_("Aperte"),
                value=work.counts["open"],
                url=inbox_url(DESK_RECEIVED_FILTERS),
                tone=Tone.INFO,
            )
        ],
        items=[_item(r, today) for r in work.next_requests],
        items_title=_("Le più recenti"),
    )

"""Forms of the Garante's dossier pages: oscuramento, emergency access, the report of accesses,
the auditor's lists. They parse input into what the services take; the rules and their Italian
messages live in the services (integra/people/concealment.py, emergency.py...)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.organizations.forms import AccessibleFormMixin
from integra.people.access_report import default_period
from integra.people.concealment import ConcealableItem
from integra.people.emergency import REASON_MAX_LENGTH, REASON_MIN_LENGTH, hour_choices
from integra.people.forms import DateInput
from integra.people.models import (
    ConcealmentAction,
    ConcealmentDecision,
    ConcealmentEvidence,
    RequestedBy,
)

_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class ConcealmentForm(AccessibleFormMixin, forms.Form):
    action = forms.ChoiceField(
        label=_("Richiesta della persona"),
        choices=ConcealmentAction.choices,
        initial=ConcealmentAction.CONCEAL,
        widget=forms.RadioSelect,
    )
    item = forms.ChoiceField(label=_("Elemento"))
    requested_on = forms.DateField(
        label=_("Data della richiesta"), widget=DateInput(), initial=timezone.localdate
    )
    requested_by = forms.ChoiceField(
        label=_("Richiesta da"), choices=RequestedBy.choices, initial=RequestedBy.PERSON
    )
    guardian_name = forms.CharField(
        label=_("Nome del tutore o dell'amministratore di sostegno"),
        max_length=200,
        required=False,
    )
    evidence_kind = forms.ChoiceField(
        label=_("Prova della richiesta"),
        choices=ConcealmentEvidence.choices,
        initial=ConcealmentEvidence.WRITTEN_REQUEST,
        widget=forms.RadioSelect,
    )
    evidence_note = forms.CharField(
        label=_("Documentazione"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Per esempio: richiesta scritta, protocollo n. 123/2026; oppure come la persona, "
            "presente, ha espresso la richiesta. La persona non deve motivarla."
        ),
    )

    def __init__(
        self,
        *args: Any,
        items: list[ConcealableItem],
        elsewhere: list[ConcealmentDecision],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("Scegli l'elemento"))]
        for item in items:
            suffix = f" — {_('oscurato')}" if item.concealed else ""
            choices.append((item.key, f"{item.kind_label}: {item.label}{suffix}"))
        for decision in elsewhere:
            choices.append(
                (
                    f"{decision.item_kind}:{decision.item_id}",
                    f"{decision.get_item_kind_display()} n. {decision.item_id} — "
                    f"{_('oscurato su richiesta registrata dal tuo ente')}",
                )
            )
        field = self.fields["item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        self.style_widgets()

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of ``concealment_record`` (but the actor and the person)."""
        d = self.cleaned_data
        kind, _sep, item_id = d["item"].partition(":")
        return {
            "item_kind": kind,
            "item_id": item_id,
            "action": d["action"],
            "requested_on": d["requested_on"],
            "requested_by": d["requested_by"],
            "guardian_name": d.get("guardian_name") or "",
            "evidence_kind": d["evidence_kind"],
            "evidence_note": d["evidence_note"],
        }


class EmergencyAccessForm(AccessibleFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Codice della persona"),
        max_length=32,
        required=False,
        help_text=_("Codice fiscale, codice provvisorio, STP, ENI o TEAM: corrispondenza esatta."),
    )
    reason = forms.CharField(
        label=_("Motivo dell'accesso di emergenza"),
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Descrivi l'emergenza: perché serve ora la scheda di una persona che il tuo ente non "
            "ha in carico. Il motivo è registrato e comunicato all'ente che ha registrato la "
            "persona."
        ),
    )
    hours = forms.TypedChoiceField(label=_("Durata"), coerce=int)
    confirm = forms.BooleanField(
        label=_(
            "Ho letto l'avviso: l'accesso è registrato, segnalato all'ente titolare e agli "
            "auditor, e sarà visibile alla persona."
        ),
        required=False,
    )

    def __init__(self, *args: Any, by_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hours = self.fields["hours"]
        assert isinstance(hours, forms.TypedChoiceField)
        choices = hour_choices()
        hours.choices = [(h, _("%(n)d ore") % {"n": h} if h > 1 else _("1 ora")) for h in choices]
        hours.initial = choices[-1]
        if by_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]
        self.style_widgets()

    def service_args(self) -> dict[str, Any]:
        d = self.cleaned_data
        args = {"reason": d["reason"], "hours": d["hours"], "confirmed": bool(d.get("confirm"))}
        if "code" in self.fields:
            args["code"] = d.get("code") or ""
        return args


class PeriodForm(AccessibleFormMixin, forms.Form):
    """A period of days (GET), defaulting to the last 24 months."""

    dal = forms.DateField(label=_("Dal giorno"), widget=DateInput(), input_formats=_DATE_FORMATS)
    al = forms.DateField(label=_("Al giorno"), widget=DateInput(), input_formats=_DATE_FORMATS)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        start, end = default_period()
        if not data or not any(data.get(k) for k in ("dal", "al")):
            data = {"dal": start.isoformat(), "al": end.isoformat()}
        super().__init__(data, **kwargs)
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("dal"), cleaned.get("al")
        if start and end and end < start:
            self.add_error("al", _("La data finale precede la data iniziale."))
        return cleaned


class DayForm(AccessibleFormMixin, forms.Form):
    """One day (GET), yesterday by default."""

    giorno = forms.DateField(label=_("Giorno"), widget=DateInput(), input_formats=_DATE_FORMATS)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if not data or not data.get("giorno"):
            data = {"giorno": (timezone.localdate() - timedelta(days=1)).isoformat()}
        super().__init__(data, **kwargs)
        self.style_widgets()

    @property
    def day(self) -> date:
        return self.cleaned_data["giorno"]  # type: ignore[no-any-return]


class EmergencyFilterForm(AccessibleFormMixin, forms.Form):
    dal = forms.DateField(
        label=_("Aperti dal giorno"),
        required=False,
        widget=DateInput(),
        input_formats=_DATE_FORMATS,
    )
    al = forms.DateField(
        label=_("Al giorno"), required=False, widget=DateInput(), input_formats=_DATE_FORMATS
    )
    stato = forms.ChoiceField(
        label=_("Stato"),
        required=False,
        choices=[("", _("Tutti")), ("active", _("In corso")), ("expired", _("Scaduti"))],
    )
    lato = forms.ChoiceField(
        label=_("Quali"),
        required=False,
        choices=[
            ("", _("Tutti")),
            ("own", _("Aperti dagli operatori del nostro ente")),
            ("records", _("Sulle schede registrate dal nostro ente")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("dal"), cleaned.get("al")
        if start and end and end < start:
            self.add_error("al", _("La data finale precede la data iniziale."))
        return cleaned

"""Forms of the care plan's pages: parsing and Italian messages only; the rules live in
services.py (its PlanError messages are put back on these fields by the views)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integra.assessments.uvm_models import (
    HEALTH_NEED_DOMAINS,
    CareIntensity,
    NeedDomain,
    Profession,
)
from integra.careplans.models import (
    CloseReason,
    GoalOutcome,
    PlanKind,
    SignatureMethod,
    SignerRole,
)


def _bootstrap(form: forms.Form) -> None:
    """Bootstrap Italia classes on the widgets (radios and checkboxes keep the plain markup)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.HiddenInput)):
            continue
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


def _date_field(label: Any, *, required: bool = False, **kw: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "invalid": _("Data non valida (gg/mm/aaaa)."),
            "required": _("Indica la data."),
        },
        **kw,
    )


def _text(label: Any, *, rows: int = 3, required: bool = False, **kw: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": _("Campo obbligatorio.")},
        **kw,
    )


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": _("Importo non valido."),
            "min_value": _("L'importo non può essere negativo."),
        },
    )


class VersionedForm(forms.Form):
    """A form on the plan: the ``row_version`` it was opened on (``expected_version`` of the
    service) and the signed snapshot of the plan's values then (pages.snapshot)."""

    row_version = forms.IntegerField(widget=forms.HiddenInput)
    snapshot = forms.CharField(widget=forms.HiddenInput, required=False)

    # The fields sent to the service (the rest: the hidden ones).
    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("row_version", "snapshot")}


class PlanCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tipo"), choices=PlanKind.choices, initial=PlanKind.PROJECT)
    title = forms.CharField(
        label=_("Titolo"),
        max_length=200,
        error_messages={"required": _("Dai un titolo al progetto.")},
    )
    intake_request_id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class PlanForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Tipo"), choices=PlanKind.choices)
    title = forms.CharField(
        label=_("Titolo"), max_length=200, error_messages={"required": _("Campo obbligatorio.")}
    )
    strengths_person = _text(
        _("Risorse e capacità della persona"),
        help_text=_("Il progetto parte da qui: cosa la persona sa e vuole fare."),
    )
    strengths_family = _text(_("Risorse della famiglia e della rete"))
    strengths_community = _text(_("Risorse della comunità"))
    person_commitments = _text(_("Impegni della persona e della famiglia"))
    care_intensity = forms.ChoiceField(
        label=_("Intensità assistenziale"),
        required=False,
        choices=[("", "—"), *CareIntensity.choices],
    )
    starts_on = _date_field(_("Dal"))
    ends_on = _date_field(_("Al"))
    review_months = forms.IntegerField(
        label=_("Rivalutazione ogni (mesi)"),
        required=False,
        min_value=1,
        max_value=60,
        error_messages={
            "min_value": _("Tra 1 e 60 mesi."),
            "max_value": _("Tra 1 e 60 mesi."),
            "invalid": _("Tra 1 e 60 mesi."),
        },
    )
    next_review_on = _date_field(_("Prossima verifica"))

    def __init__(self, *args: Any, health: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The health dimensions only for those who may write health data.
        self.need_codes = [c for c in NeedDomain.values if health or c not in HEALTH_NEED_DOMAINS]
        for code, label in NeedDomain.choices:
            if code in self.need_codes:
                self.fields[f"need_{code}"] = _text(label, rows=2)
        _bootstrap(self)

    def need_fields(self) -> list[Any]:
        return [self[f"need_{c}"] for c in self.need_codes]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in super().service_data().items() if not k.startswith("need_")}
        data["needs_summary"] = {c: self.cleaned_data.get(f"need_{c}", "") for c in self.need_codes}
        return data


class GoalForm(VersionedForm):
    need_domain = forms.ChoiceField(
        label=_("Dimensione del bisogno"),
        error_messages={"required": _("Scegli la dimensione del bisogno.")},
    )
    description = _text(_("Obiettivo"), rows=2, required=True)
    indicator = forms.CharField(
        label=_("Indicatore"),
        max_length=300,
        help_text=_("Come si misura: ad esempio «bagni assistiti alla settimana»."),
        error_messages={"required": _("Campo obbligatorio.")},
    )
    baseline = forms.CharField(label=_("Situazione di partenza"), max_length=300, required=False)
    target = forms.CharField(
        label=_("Risultato atteso"),
        max_length=300,
        error_messages={"required": _("Campo obbligatorio.")},
    )
    deadline = _date_field(_("Entro il"), required=True)
    outcome = forms.ChoiceField(
        label=_("Esito"), choices=GoalOutcome.choices, initial=GoalOutcome.OPEN, required=False
    )
    outcome_notes = _text(_("Note sull'esito"), rows=2)

    def __init__(self, *args: Any, health: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["need_domain"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [
            (c, label) for c, label in NeedDomain.choices if health or c not in HEALTH_NEED_DOMAINS
        ]
        if not health:
            field.help_text = _(
                "Gli obiettivi sulle condizioni di salute li scrive il personale sanitario "
                "dell'équipe."
            )
        _bootstrap(self)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["outcome"] = data.get("outcome") or GoalOutcome.OPEN
        return data


class InterventionForm(VersionedForm):
    service_id = forms.TypedChoiceField(
        label=_("Servizio del catalogo"),
        coerce=int,
        error_messages={"required": _("Scegli un servizio del catalogo.")},
    )
    provider_id = forms.TypedChoiceField(
        label=_("Erogato da"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Se vuoto, l'ente che offre il servizio."),
    )
    goal_id = forms.TypedChoiceField(
        label=_("Per l'obiettivo"), coerce=int, required=False, empty_value=None
    )
    frequency = forms.CharField(
        label=_("Frequenza"),
        max_length=200,
        required=False,
        help_text=_("Ad esempio «due accessi a settimana»."),
    )
    hours_per_month = forms.DecimalField(
        label=_("Ore al mese"),
        required=False,
        min_value=0,
        max_value=744,
        decimal_places=1,
        localize=True,
        error_messages={"invalid": _("Numero di ore non valido.")},
    )
    starts_on = _date_field(_("Dal"), required=True)
    ends_on = _date_field(_("Al"))
    monthly_cost = _money(_("Costo mensile (€)"))
    ssn_amount = _money(_("A carico SSN (€)"))
    comune_amount = _money(_("A carico del Comune (€)"))
    person_amount = _money(_("A carico della persona (€)"))
    other_amount = _money(_("A carico di altri (€)"))
    other_payer = forms.CharField(label=_("Altro soggetto pagante"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        services: list[Any],
        providers: list[Any],
        goals: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        svc = self.fields["service_id"]
        assert isinstance(svc, forms.TypedChoiceField)
        svc.choices = [("", "—")] + [(s.pk, f"{s.name} — {s.provider.name}") for s in services]
        prov = self.fields["provider_id"]
        assert isinstance(prov, forms.TypedChoiceField)
        prov.choices = [("", "—")] + [(o.pk, o.name) for o in providers]
        goal = self.fields["goal_id"]
        assert isinstance(goal, forms.TypedChoiceField)
        goal.choices = [("", _("— nessuno in particolare —"))] + [
            (g.pk, f"{n}. {g.description[:80]}") for n, g in enumerate(goals, start=1)
        ]
        _bootstrap(self)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for key in ("monthly_cost", "ssn_amount", "comune_amount", "person_amount", "other_amount"):
            data[key] = str(data[key]) if data.get(key) is not None else ""
        if data.get("hours_per_month") is not None:
            data["hours_per_month"] = str(data["hours_per_month"])
        return data


class ProposeForm(VersionedForm):
    note = _text(
        _("Cosa cambia in questa versione"),
        rows=2,
        help_text=_("Facoltativo: per la persona e per chi leggerà lo storico delle versioni."),
    )


class ReworkForm(VersionedForm):
    pass


class ActivateForm(VersionedForm):
    starts_on = _date_field(_("In vigore dal"), help_text=_("Se vuoto, da oggi."))


class ReviewForm(VersionedForm):
    reason = _text(
        _("Motivo della revisione"),
        rows=2,
        required=True,
        help_text=_("Ad esempio: verifica alla scadenza, peggioramento, nuova richiesta."),
    )


class CloseForm(VersionedForm):
    close_reason = forms.ChoiceField(
        label=_("Motivo della chiusura"),
        choices=[("", "—"), *CloseReason.choices],
        error_messages={"required": _("Indica il motivo della chiusura.")},
    )
    close_notes = _text(_("Note sulla chiusura"), rows=2)
    closed_on = _date_field(_("Chiuso il"), help_text=_("Se vuoto, oggi."))


class SignForm(VersionedForm):
    version_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    signer_role = forms.ChoiceField(
        label=_("Firma"),
        choices=SignerRole.choices,
        initial=SignerRole.PERSON,
        widget=forms.RadioSelect,
    )
    signer_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    method = forms.ChoiceField(
        label=_("Modalità"),
        choices=SignatureMethod.choices,
        initial=SignatureMethod.IN_APP,
        widget=forms.RadioSelect,
    )
    document_id = forms.TypedChoiceField(
        label=_("Copia firmata (tra i documenti della persona)"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    signed_on = _date_field(_("Firmato il"), help_text=_("Se vuoto, oggi."))

    def __init__(self, *args: Any, documents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["document_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—")] + [
            (d.pk, f"{d.get_kind_display()} {d.number or ''} ({d.created_at:%d/%m/%Y})".strip())
            for d in documents
        ]
        _bootstrap(self)


class SignerSearchForm(forms.Form):
    cerca = forms.CharField(
        label=_(
            "Cerca in anagrafe il tutore, l'amministratore di sostegno, il curatore o il genitore"
        ),
        max_length=100,
        required=False,
        help_text=_("Cognome e nome, o codice fiscale."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class HandoverForm(VersionedForm):
    membership_id = forms.TypedChoiceField(
        label=_("Nuovo case manager"),
        coerce=int,
        error_messages={"required": _("Scegli un operatore che può fare il case manager.")},
    )
    reason = _text(_("Motivo del passaggio"), rows=2, required=True)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _membership_choices(self.fields["membership_id"], candidates)
        _bootstrap(self)


def _label(m: Any) -> str:
    return m.user.get_full_name() or m.user.get_username()


def _membership_choices(field: Any, memberships: list[Any], empty: Any = "—") -> None:
    groups: dict[str, list[tuple[int, str]]] = {}
    for m in memberships:
        groups.setdefault(m.organization.name, []).append((m.pk, _label(m)))
    field.choices = [("", empty), *groups.items()]


class TeamMemberForm(VersionedForm):
    membership_id = forms.TypedChoiceField(
        label=_("Operatore"),
        coerce=int,
        error_messages={"required": _("Scegli un operatore attivo.")},
    )
    profession = forms.ChoiceField(
        label=_("Profilo"),
        choices=[("", "—"), *Profession.choices],
        error_messages={"required": _("Scegli il profilo.")},
    )
    responsibilities = _text(_("Compiti nel progetto"), rows=2)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _membership_choices(self.fields["membership_id"], candidates)
        _bootstrap(self)


class TeamEndForm(VersionedForm):
    reason = _text(_("Motivo dell'uscita dall'équipe"), rows=2, required=True)


class TaskForm(forms.Form):
    assignee_id = forms.TypedChoiceField(
        label=_("Assegnata a"),
        coerce=int,
        error_messages={
            "required": _("Assegna l'attività al case manager o a un componente dell'équipe.")
        },
    )
    title = forms.CharField(
        label=_("Attività"), max_length=200, error_messages={"required": _("Campo obbligatorio.")}
    )
    details = _text(_("Dettagli"), rows=2)
    due_on = _date_field(_("Entro il"), required=True)

    def __init__(self, *args: Any, assignees: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _membership_choices(self.fields["assignee_id"], assignees)
        _bootstrap(self)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TaskCloseForm(forms.Form):
    done = forms.TypedChoiceField(
        label=_("Esito"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Fatto")), ("0", _("Annullato"))],
        widget=forms.HiddenInput,
    )
    outcome_notes = forms.CharField(label=_("Note"), max_length=5000, required=False)


class CaseloadFilterForm(forms.Form):
    operatore = forms.TypedChoiceField(
        label=_("Operatore"), coerce=int, required=False, empty_value=None
    )
    revisione = forms.ChoiceField(
        label=_("Verifica"),
        required=False,
        choices=[
            ("", _("Tutti i casi")),
            ("scadute", _("Verifica scaduta")),
            ("in_scadenza", _("Verifica entro 30 giorni")),
        ],
    )

    def __init__(self, *args: Any, operators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _membership_choices(self.fields["operatore"], operators, _("— i miei casi —"))
        _bootstrap(self)


class ReassignForm(forms.Form):
    from_membership_id = forms.TypedChoiceField(
        label=_("Casi di"),
        coerce=int,
        error_messages={"required": _("Scegli l'operatore di cui passare i casi.")},
    )
    to_membership_ids = forms.TypedMultipleChoiceField(
        label=_("A chi passano (a turno)"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegli almeno un operatore che riceve i casi.")},
    )
    reason = _text(
        _("Motivo"),
        rows=2,
        required=True,
        help_text=_("Ad esempio: congedo, trasferimento. Resta nella storia di ogni caso."),
    )

    def __init__(self, *args: Any, operators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(m.pk, _label(m)) for m in operators]
        src = self.fields["from_membership_id"]
        assert isinstance(src, forms.TypedChoiceField)
        src.choices = [("", "—"), *choices]
        dst = self.fields["to_membership_ids"]
        assert isinstance(dst, forms.TypedMultipleChoiceField)
        dst.choices = choices
        _bootstrap(self)


class TaskFilterForm(forms.Form):
    scadute = forms.BooleanField(label=_("Solo quelle scadute"), required=False)

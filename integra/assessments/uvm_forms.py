"""Forms of the UVM pages: parsing and Italian messages only; the rules live in uvm.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integra.assessments.uvm import SessionWhen
from integra.assessments.uvm_models import (
    HEALTH_NEED_DOMAINS,
    MEMBER_KINDS,
    CareIntensity,
    NeedDomain,
    Profession,
    UvmState,
)
from integra.core.concurrency import VersionedFormMixin
from integra.core.permissions import Role
from integra.organizations.models import Organization


def _bootstrap(form: forms.Form) -> None:
    """Bootstrap Italia classes on the widgets (radios and checkboxes keep the plain markup)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.HiddenInput)):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class SessionFilterForm(forms.Form):
    stato = forms.ChoiceField(
        label=_("Stato"), required=False, choices=[("", _("Tutti")), *UvmState.choices]
    )
    quando = forms.ChoiceField(
        label=_("Quando"),
        required=False,
        choices=[
            ("", _("Sempre")),
            (SessionWhen.NEXT, _("Programmate da oggi")),
            (SessionWhen.TO_CONCLUDE, _("Tenute, esito da scrivere")),
        ],
    )
    mie = forms.BooleanField(
        label=_("Solo le sedute di cui sono componente"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    persona = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class SessionCreateForm(forms.Form):
    richiesta = forms.TypedChoiceField(
        label=_("Richiesta al PUA inviata all'UVM"), required=False, coerce=int, empty_value=None
    )
    persona = forms.IntegerField(widget=forms.HiddenInput, required=False)
    scheduled_for = forms.DateTimeField(
        label=_("Data e ora"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"required": _("Indica data e ora della seduta.")},
    )
    place = forms.CharField(label=_("Luogo"), max_length=200, required=False)
    repeat_reason = forms.CharField(
        label=_("Motivo di una nuova seduta"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Serve solo se per la richiesta c'è già una seduta UVM."),
    )

    def __init__(self, *args: Any, requests: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["richiesta"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("— nessuna: persona indicata dalla pagina di provenienza —"))] + [
            (r.pk, f"n. {r.pk} — {r.person_ref.label}") for r in requests
        ]
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("richiesta") and not data.get("persona"):
            self.add_error("richiesta", _("Scegli la richiesta al PUA da valutare."))
        return data


class MemberForm(forms.Form):
    """A member: an operator of Integra (linked to the user), or an outside professional by
    name and organisation."""

    membership_id = forms.TypedChoiceField(
        label=_("Operatore"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Scegli l'operatore se lavora in Integra; per un professionista esterno lascia "
            "vuoto e scrivi nome, cognome ed ente."
        ),
    )
    organization_id = forms.ModelChoiceField(
        label=_("Ente"),
        queryset=Organization.objects.filter(is_active=True, kind__in=MEMBER_KINDS).order_by(
            "name"
        ),
        required=False,
        help_text=_("Per un operatore scelto dall'elenco è il suo ente."),
    )
    full_name = forms.CharField(
        label=_("Nome e cognome"),
        max_length=200,
        required=False,
        help_text=_("Per un operatore scelto dall'elenco è il suo nome."),
    )
    profession = forms.ChoiceField(
        label=_("Profilo"),
        choices=[("", "—"), *Profession.choices],
        error_messages={"required": _("Scegli il profilo professionale.")},
    )
    present = forms.BooleanField(label=_("Presente alla seduta"), required=False, initial=True)

    def __init__(self, *args: Any, operators: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operators = {m.pk: m for m in operators or []}
        field = self.fields["membership_id"]
        assert isinstance(field, forms.TypedChoiceField)
        groups: dict[str, list[tuple[int, str]]] = {}
        for m in operators or []:
            name = m.user.get_full_name() or m.user.get_username()
            roles = ", ".join(str(Role(r).label) for r in m.roles if r in Role.values)
            groups.setdefault(m.organization.name, []).append((m.pk, f"{name} ({roles})"))
        field.choices = [("", _("— professionista esterno —")), *groups.items()]
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        membership = self.operators.get(data.get("membership_id") or 0)
        if membership is not None:
            if data.get("organization_id") is None:
                data["organization_id"] = membership.organization
        else:
            if data.get("organization_id") is None:
                self.add_error("organization_id", _("Scegli l'ente del componente."))
            if not data.get("full_name"):
                self.add_error("full_name", _("Indica nome e cognome del componente."))
        return data


class RescheduleForm(VersionedFormMixin):
    """A new date for the session, with the version it was opened on (a stale save shows the
    date another operator set meanwhile)."""

    versioned_fields = ("scheduled_for",)
    snapshot_salt = "integra.assessments.RescheduleForm"

    scheduled_for = forms.DateTimeField(
        label=_("Nuova data e ora"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"required": _("Indica la nuova data e ora della seduta.")},
    )
    reason = forms.CharField(
        label=_("Motivo dello spostamento"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indica il motivo dello spostamento.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "sposta")
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class OutcomeForm(VersionedFormMixin):
    """The summary of needs and the outcome, with the version of the session it was opened on
    (a stale save lists what another operator changed: only the fields shown, so no health
    dimension for an operator without the health permission)."""

    snapshot_salt = "integra.assessments.OutcomeForm"

    user_class = forms.ChoiceField(label=_("Classe di utenza"), required=False)
    care_intensity = forms.ChoiceField(
        label=_("Intensità assistenziale"),
        required=False,
        choices=[("", "—"), *CareIntensity.choices],
    )
    proposed_interventions = forms.CharField(
        label=_("Interventi proposti"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    proposed_case_manager_id = forms.TypedChoiceField(
        label=_("Case manager proposto"), required=False, coerce=int, empty_value=None
    )
    outcome_notes = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(
        self,
        *args: Any,
        user_classes: list[Any],
        case_managers: list[Any],
        health: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Without the health permission the health dimensions are neither shown nor sent.
        self.need_codes = [c for c in NeedDomain.values if health or c not in HEALTH_NEED_DOMAINS]
        uc = self.fields["user_class"]
        assert isinstance(uc, forms.ChoiceField)
        uc.choices = [("", "—")] + [
            (c.code, f"{c.label} ({_('rivalutazione ogni')} {c.review_months} {_('mesi')})")
            for c in user_classes
        ]
        cm = self.fields["proposed_case_manager_id"]
        assert isinstance(cm, forms.TypedChoiceField)
        cm.choices = [("", "—")] + [
            (m.pk, f"{m.user.get_full_name() or m.user.get_username()} — {m.organization.name}")
            for m in case_managers
        ]
        cm.help_text = (
            _("Operatori con il ruolo di case manager o di assistente sociale negli enti dell'UVM.")
            if case_managers
            else _(
                "Nessun operatore con il ruolo di case manager o di assistente sociale negli enti "
                "dell'UVM: aggiungi prima come componente un operatore dell'ente che seguirà la "
                "persona."
            )
        )
        for code, label in NeedDomain.choices:
            if code not in self.need_codes:
                continue
            self.fields[f"need_{code}"] = forms.CharField(
                label=label,
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        _bootstrap(self)

    def need_fields(self) -> list[Any]:
        return [self[f"need_{code}"] for code in self.need_codes]

    def outcome_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "needs_summary": {code: data.get(f"need_{code}", "") for code in self.need_codes},
            "user_class": data.get("user_class") or "",
            "care_intensity": data.get("care_intensity") or "",
            "proposed_interventions": data.get("proposed_interventions", ""),
            "proposed_case_manager_id": data.get("proposed_case_manager_id"),
            "outcome_notes": data.get("outcome_notes", ""),
        }

"""The auditor's filter form for the access log (GET, so filters live in the address)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from integra.audit.models import AccessAction, AccessOutcome
from integra.audit.selectors import AccessLogFilters
from integra.core.access import protected_models


def subject_type_choices() -> list[tuple[str, str]]:
    """The kinds of protected record, by name: what an access can be about."""
    choices = sorted(
        (
            (model._meta.label_lower, str(capfirst(model._meta.verbose_name)))
            for model in protected_models()
        ),
        key=lambda choice: choice[1],
    )
    return [("", str(_("Tutti"))), *choices]


class AccessLogFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("Dal giorno"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    date_to = forms.DateField(
        label=_("Al giorno"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    username = forms.CharField(label=_("Utente"), required=False, max_length=150)
    subject_type = forms.ChoiceField(label=_("Tipo di dato"), required=False)
    subject_id = forms.CharField(label=_("Identificativo del dato"), required=False, max_length=64)
    person = forms.CharField(
        label=_("Persona interessata"),
        required=False,
        max_length=100,
        help_text=_(
            "Numero della persona, codice fiscale o nome e cognome. Il nome trova solo le "
            "persone di cui puoi leggere la scheda; per le altre indica il numero o il codice "
            "fiscale (delle persone registrate dal tuo ente)."
        ),
    )
    outcome = forms.ChoiceField(
        label=_("Esito"), required=False, choices=[("", _("Tutti")), *AccessOutcome.choices]
    )
    action = forms.ChoiceField(
        label=_("Operazione"), required=False, choices=[("", _("Tutte")), *AccessAction.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject_type"].choices = subject_type_choices()  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].id_for_label}-help"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("La data finale precede la data iniziale."))
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        # Tie each message to its field for screen readers.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                described = f"{attrs.get('aria-describedby', '')} {self[name].id_for_label}-error"
                attrs["aria-describedby"] = described.strip()

    def filters(self) -> AccessLogFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return AccessLogFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            username=data.get("username") or "",
            subject_type=data.get("subject_type") or "",
            subject_id=data.get("subject_id") or "",
            outcome=data.get("outcome") or "",
            action=data.get("action") or "",
            person=(data.get("person") or "").replace("\x00", ""),
        )

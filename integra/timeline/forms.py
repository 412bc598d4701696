"""Forms of the diary page: parsing and Italian messages only; the rules live in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integra.organizations.forms import AccessibleFormMixin
from integra.people.forms import DateInput
from integra.timeline.models import TEXT_MAX_LENGTH, NoteDomain, NoteKind


class CaseNoteForm(AccessibleFormMixin, forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("Data e ora del contatto"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    kind = forms.ChoiceField(label=_("Tipo di contatto"), choices=NoteKind.choices)
    domain = forms.ChoiceField(label=_("Ambito"), choices=NoteDomain.choices)
    text = forms.CharField(
        label=_("Testo"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "La nota non si può modificare né cancellare: un errore si corregge con una nuova nota."
        ),
    )
    follow_up_on = forms.DateField(label=_("Da riprendere il"), required=False, widget=DateInput())

    def __init__(self, *args: Any, domains: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the domains the operator may write (a social worker: social notes).
        domain = self.fields["domain"]
        assert isinstance(domain, forms.ChoiceField)
        domain.choices = [c for c in NoteDomain.choices if c[0] in domains]
        if len(domains) == 1:
            self.fields["domain"].initial = domains[0]
        self.style_widgets()


class TimelineFilterForm(AccessibleFormMixin, forms.Form):
    tipo = forms.MultipleChoiceField(
        label=_("Tipi di elemento"), required=False, widget=forms.CheckboxSelectMultiple
    )
    ente = forms.TypedChoiceField(label=_("Ente"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args: Any,
        kinds: list[tuple[str, str]],
        organisations: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kind, organisation = self.fields["tipo"], self.fields["ente"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(organisation, forms.ChoiceField)
        kind.choices = kinds
        organisation.choices = [("", _("Tutti gli enti")), *organisations]
        self.style_widgets()

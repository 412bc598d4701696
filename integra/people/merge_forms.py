"""Forms of the merge screens: the choice of value for each field that differs, the reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integra.people.merging import (
    KEEP_MERGED,
    KEEP_SURVIVOR,
    MERGE_REASON_MAX_LENGTH,
    FieldDifference,
)

KEEP_PREFIX = "keep_"


class MergeSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cerca l'altra scheda"),
        help_text=_("Nome e cognome, oppure un codice (codice fiscale, STP, ENI)."),
        min_length=2,
        max_length=100,
    )


class MergeForm(forms.Form):
    """One radio group per difference (``keep_<group>``) and the reason."""

    reason = forms.CharField(
        label=_("Motivo dell'unione"),
        help_text=_("Come hai verificato che le due schede sono la stessa persona."),
        max_length=MERGE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args: Any, differences: list[FieldDifference], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.differences = differences
        for difference in differences:
            self.fields[KEEP_PREFIX + difference.group] = forms.ChoiceField(
                label=difference.label,
                choices=[
                    (KEEP_SURVIVOR, difference.survivor_value),
                    (KEEP_MERGED, difference.merged_value),
                ],
                initial=difference.default,
                widget=forms.RadioSelect,
            )

    def choice_fields(self) -> list[tuple[FieldDifference, forms.BoundField]]:
        return [(d, self[KEEP_PREFIX + d.group]) for d in self.differences]

    def keep(self) -> dict[str, str]:
        return {
            name.removeprefix(KEEP_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(KEEP_PREFIX)
        }


class MergeUndoForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo dell'annullamento"),
        help_text=_("Per esempio: erano due persone diverse."),
        max_length=MERGE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

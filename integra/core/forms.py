"""The GET form filtering the list of Comuni."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from integra.core.models import Ambito, District, Region


class DistrictChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.health_authority.name}"


class MunicipalityFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Nome o codice"),
        required=False,
        max_length=100,
        help_text=_("Nome del Comune, codice ISTAT (anche iniziale) o codice Belfiore."),
    )
    region = forms.ModelChoiceField(
        label=_("Regione"), queryset=Region.objects.none(), required=False, empty_label=_("Tutte")
    )
    ambito = forms.ModelChoiceField(
        label=_("Ambito territoriale sociale"),
        queryset=Ambito.objects.none(),
        required=False,
        empty_label=_("Tutti"),
    )
    district = DistrictChoiceField(
        label=_("Distretto"),
        queryset=District.objects.none(),
        required=False,
        empty_label=_("Tutti"),
    )

    def __init__(
        self,
        *args: Any,
        regions: QuerySet[Region],
        ambiti: QuerySet[Ambito],
        districts: QuerySet[District],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["ambito"].queryset = ambiti  # type: ignore[attr-defined]
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
            field.widget.attrs["class"] = css

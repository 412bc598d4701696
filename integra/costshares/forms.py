"""Forms of the regulation pages: they only parse; the rules are checked by the services (the
same ``RegulationInput`` the API builds), whose messages the views put back on the fields."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integra.costshares.models import CopaymentPeriod, CopaymentRegulation, CopaymentShape
from integra.costshares.services import REGULATION_ISEE_KINDS, BandInput, PeriodInput

BAND_ROWS = 6


def _money(label: object, help_text: object = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,  # type: ignore[arg-type]
        help_text=help_text,  # type: ignore[arg-type]
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=Decimal(0),
    )


class RegulationForm(forms.Form):
    name = forms.CharField(label=_("Nome del regolamento"), max_length=200)
    act = forms.CharField(
        label=_("Atto di approvazione"),
        max_length=200,
        help_text=_("Per esempio: Delibera del Consiglio comunale n. 12 del 2024."),
    )
    isee_kind = forms.ChoiceField(
        label=_("Tipo di ISEE"),
        choices=[(k.value, k.label) for k in REGULATION_ISEE_KINDS],
        help_text=_(
            "Sociosanitario per i servizi alle persone adulte non autosufficienti, minorenni "
            "per i servizi ai minori (DPCM 159/2013)."
        ),
    )

    @classmethod
    def for_regulation(
        cls, regulation: CopaymentRegulation, data: Mapping[str, Any] | None = None
    ) -> RegulationForm:
        return cls(
            data,
            initial={
                "name": regulation.name,
                "act": regulation.act,
                "isee_kind": regulation.isee_kind,
            },
        )


class PeriodForm(forms.Form):
    valid_from = forms.DateField(
        label=_("In vigore dal"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("In vigore fino al"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Vuoto: fino a nuovo regolamento."),
    )
    shape = forms.ChoiceField(
        label=_("Forma della compartecipazione"),
        choices=CopaymentShape.choices,
        widget=forms.RadioSelect,
    )
    exemption_threshold = _money(
        _("Soglia di esenzione (ISEE, euro)"),
        _("Scala lineare: fino a questo ISEE la persona non paga."),
    )
    ceiling = _money(
        _("Soglia massima (ISEE, euro)"),
        _("Scala lineare: da questo ISEE la persona paga l'intera quota sociale."),
    )
    monthly_cap = _money(_("Tetto mensile (euro)"))
    monthly_minimum = _money(
        _("Quota minima mensile (euro)"), _("Si applica solo a chi paga qualcosa.")
    )
    source = forms.CharField(
        label=_("Articolo del regolamento"),
        max_length=300,
        help_text=_("Per esempio: art. 5, comma 2, e tabella A."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for row in range(BAND_ROWS):
            self.fields[f"band_{row}_up_to"] = _money(
                _("Fascia %(n)s: ISEE fino a (euro)") % {"n": row + 1}
            )
            self.fields[f"band_{row}_percent"] = forms.DecimalField(
                label=_("Fascia %(n)s: quota della persona (%%)") % {"n": row + 1},
                max_digits=5,
                decimal_places=2,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
            )

    def band_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (row + 1, self[f"band_{row}_up_to"], self[f"band_{row}_percent"])
            for row in range(BAND_ROWS)
        ]

    @classmethod
    def initial_of(cls, period: CopaymentPeriod) -> dict[str, object]:
        initial: dict[str, object] = {
            name: getattr(period, name)
            for name in (
                "valid_from",
                "valid_to",
                "shape",
                "exemption_threshold",
                "ceiling",
                "monthly_cap",
                "monthly_minimum",
                "source",
            )
        }
        for row, band in enumerate(period.bands.all()):
            initial[f"band_{row}_up_to"] = band.isee_up_to
            initial[f"band_{row}_percent"] = band.person_percent
        return initial

    def period_input(self) -> PeriodInput:
        data = self.cleaned_data
        bands = tuple(
            BandInput(data[f"band_{row}_up_to"], data[f"band_{row}_percent"])
            for row in range(BAND_ROWS)
            if data.get(f"band_{row}_percent") is not None
        )
        return PeriodInput(
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            shape=data["shape"],
            source=data["source"],
            exemption_threshold=data["exemption_threshold"],
            ceiling=data["ceiling"],
            monthly_cap=data["monthly_cap"],
            monthly_minimum=data["monthly_minimum"],
            bands=bands,
        )

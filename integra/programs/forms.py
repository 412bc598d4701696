"""Forms of the measures pages: choose a measure and a day, record a piece of evidence,
upload a rule file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.programs.facts import FactKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScreeningForm(forms.Form):
    measure = forms.ChoiceField(
        label=_("Misura"), widget=forms.Select(attrs={"class": "form-select"})
    )
    on_date = forms.DateField(
        label=_("Data di riferimento"),
        widget=DATE_WIDGET,
        help_text=_("Si applicano le regole dell'atto in vigore in questa data."),
    )

    def __init__(self, *args: Any, measures: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measure = self.fields["measure"]
        assert isinstance(measure, forms.ChoiceField)
        measure.choices = [(code, code) for code in measures]
        self.fields["on_date"].initial = timezone.localdate()


class FactForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Tipo di evidenza"), widget=forms.Select(attrs={"class": "form-select"})
    )
    value = forms.CharField(
        label=_("Valore"),
        max_length=20,
        help_text=_(
            "«sì» o «no» per una condizione; un numero per un punteggio; una lettera "
            "per un grado (es. ASIA B)."
        ),
    )
    valid_from = forms.DateField(label=_("Valida dal"), widget=DATE_WIDGET)
    valid_until = forms.DateField(label=_("Valida fino al"), widget=DATE_WIDGET, required=False)
    document = forms.TypedChoiceField(
        label=_("Documento di prova"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    source = forms.CharField(
        label=_("Fonte"),
        max_length=200,
        required=False,
        help_text=_("Es. verbale INPS del 12/3/2025, relazione del neurologo."),
    )

    def __init__(
        self, *args: Any, kinds: list[str], documents: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(k, FactKind(k).label) for k in kinds]
        document = self.fields["document"]
        assert isinstance(document, forms.ChoiceField)
        document.choices = [("", _("Nessuno")), *documents]
        self.fields["valid_from"].initial = timezone.localdate()


class RuleFileForm(forms.Form):
    file = forms.FileField(
        label=_("File delle regole (TOML)"),
        help_text=_("Un file per atto regionale, nel formato dei file in integra/programs/rules."),
    )

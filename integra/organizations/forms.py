"""Forms of the catalogue pages: they parse input; the rules live in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integra.core.access import Actor
from integra.core.models import Municipality
from integra.organizations.models import (
    Organization,
    OrganizationKind,
    Service,
    ServiceArea,
    Unit,
)
from integra.organizations.selectors import (
    municipalities_for_provider,
    municipalities_in_catalogue,
    providers_with_services,
    units_of,
)


class AccessibleFormMixin:
    """Bootstrap Italia classes on widgets, and invalid fields tied to their error message."""

    def style_widgets(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxSelectMultiple | forms.CheckboxInput | forms.RadioSelect
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self.mark_invalid()

    def mark_invalid(self) -> None:
        """Bootstrap styling for fields with errors (Django adds aria-invalid and the
        aria-describedby links to the error and help texts itself)."""
        for name in self.errors:  # type: ignore[attr-defined]
            if name not in self.fields:  # type: ignore[attr-defined]
                continue
            attrs = self.fields[name].widget.attrs  # type: ignore[attr-defined]
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def _set_choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Municipality) -> str:  # type: ignore[override]
        return obj.name


class MunicipalityMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Municipality) -> str:  # type: ignore[override]
        return obj.name


class ServiceSearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Nome del servizio"),
        required=False,
        max_length=200,
        help_text=_("Maiuscole, minuscole e accenti non contano."),
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    comune = forms.ChoiceField(label=_("Comune"), required=False)
    ente = forms.TypedChoiceField(
        label=_("Ente erogatore"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, actor: Actor | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipalities = [(m.istat_code, m.name) for m in municipalities_in_catalogue(actor=actor)]
        providers = [(str(o.pk), o.name) for o in providers_with_services(actor=actor)]
        _set_choices(self.fields["area"], _blank(_("Tutte le aree")) + list(ServiceArea.choices))
        _set_choices(self.fields["comune"], _blank(_("Tutti i Comuni")) + municipalities)
        _set_choices(self.fields["ente"], _blank(_("Tutti gli enti")) + providers)
        self.style_widgets()

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one is left out (its error is shown on the form)."""
        data = self.cleaned_data if self.is_bound else {}
        return {
            "query": data.get("q") or "",
            "area": data.get("area") or None,
            "municipality_istat": data.get("comune") or None,
            "provider_id": data.get("ente"),
        }


class OrganizationSearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(label=_("Denominazione"), required=False, max_length=200)
    tipo = forms.ChoiceField(label=_("Tipo di ente"), required=False)
    comune = forms.ChoiceField(label=_("Comune servito"), required=False)

    def __init__(self, *args: Any, actor: Actor | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipalities = [(m.istat_code, m.name) for m in municipalities_in_catalogue(actor=actor)]
        _set_choices(
            self.fields["tipo"], _blank(_("Tutti i tipi")) + list(OrganizationKind.choices)
        )
        _set_choices(self.fields["comune"], _blank(_("Tutti i Comuni")) + municipalities)
        self.style_widgets()

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound else {}
        return {
            "query": data.get("q") or "",
            "kind": data.get("tipo") or None,
            "municipality_istat": data.get("comune") or None,
        }


class ServiceForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label=_("Nome del servizio"), max_length=200)
    area = forms.ChoiceField(label=_("Area"))
    code = forms.CharField(
        label=_("Codice"),
        max_length=40,
        required=False,
        help_text=_("Lascia vuoto per farlo assegnare dal sistema."),
    )
    description = forms.CharField(
        label=_("Descrizione"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    unit = forms.ModelChoiceField(
        label=_("Unità organizzativa"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("Nessuna"),
    )
    address = forms.CharField(label=_("Indirizzo della sede"), max_length=250, required=False)
    municipality = MunicipalityChoiceField(
        label=_("Comune della sede"),
        required=False,
        queryset=Municipality.objects.none(),
        empty_label=_("Nessuno"),
    )
    served_municipalities = MunicipalityMultipleChoiceField(
        label=_("Comuni serviti"),
        required=False,
        queryset=Municipality.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Telefono"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.URLField(label=_("Sito web"), required=False, assume_scheme="https")
    opening_hours = forms.CharField(
        label=_("Orari di apertura"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Per esempio: lunedì–venerdì 9:00–12:30; giovedì anche 14:00–16:30."),
    )
    access_notes = forms.CharField(
        label=_("Modalità di accesso"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(
        label=_("Servizio attivo (visibile a tutti gli operatori)"), required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        actor: Actor | None,
        provider: Organization,
        service: Service | None = None,
        **kwargs: Any,
    ) -> None:
        if service is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_service(service)
        super().__init__(*args, **kwargs)
        keep: list[int] = []
        if service is not None:
            keep = [m.pk for m in service.served_municipalities.all()]
            if service.municipality_id:
                keep.append(service.municipality_id)
        municipalities = municipalities_for_provider(actor=actor, provider=provider, keep=keep)
        _set_choices(self.fields["area"], _blank(_("Scegli un'area")) + list(ServiceArea.choices))
        for name, queryset in (
            ("unit", units_of(actor=actor, organization=provider)),
            ("municipality", municipalities),
            ("served_municipalities", municipalities),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        self.style_widgets()

    def service_fields(self) -> dict[str, Any]:
        """Cleaned values in the shape ``service_create`` / ``service_update`` take."""
        data = dict(self.cleaned_data)
        data["served_municipalities"] = list(data.get("served_municipalities") or [])
        return data


def initial_from_service(service: Service) -> dict[str, Any]:
    return {
        "name": service.name,
        "area": service.area,
        "code": service.code,
        "description": service.description,
        "unit": service.unit_id,
        "address": service.address,
        "municipality": service.municipality_id,
        "served_municipalities": [m.pk for m in service.served_municipalities.all()],
        "phone": service.phone,
        "email": service.email,
        "website": service.website,
        "opening_hours": service.opening_hours,
        "access_notes": service.access_notes,
        "is_active": service.is_active,
    }

"""Forms of the PUA pages: they parse input; the rules are in services and workflow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integra.core.access import Actor, scoped
from integra.core.concurrency import VersionedFormMixin
from integra.intake.models import (
    Channel,
    IntakeState,
    NeedArea,
    NeedLevel,
    PuaPoint,
    RequesterKind,
    Urgency,
)
from integra.intake.selectors import Box, DueFilter, InboxFilters
from integra.intake.workflow import Move, reason_missing_message
from integra.organizations.models import Organization, Service


def _blank(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class InboxFilterForm(forms.Form):
    casella = forms.ChoiceField(
        label=_("Richieste"),
        required=False,
        choices=[
            ("", _("Dei PUA del mio ente")),
            (Box.RECEIVED, _("Inviate al mio ente da un PUA")),
        ],
    )
    stato = forms.ChoiceField(
        label=_("Stato"),
        required=False,
        choices=_blank(_("Aperte (tutti gli stati)"), IntakeState.choices),
    )
    urgenza = forms.ChoiceField(
        label=_("Urgenza"), required=False, choices=_blank(_("Tutte"), Urgency.choices)
    )
    canale = forms.ChoiceField(
        label=_("Canale"), required=False, choices=_blank(_("Tutti"), Channel.choices)
    )
    scadenza = forms.ChoiceField(
        label=_("Scadenza"),
        required=False,
        choices=[
            ("", _("Tutte")),
            (DueFilter.TODAY, _("Scadono oggi")),
            (DueFilter.SOON, _("In scadenza")),
            (DueFilter.OVERDUE, _("Scadute")),
            (DueFilter.TO_CLOSE, _("UVM conclusa: da chiudere con l'esito")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select")

    def filters(self) -> InboxFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return InboxFilters(
            state=data.get("stato", ""),
            urgency=data.get("urgenza", ""),
            channel=data.get("canale", ""),
            due=data.get("scadenza", ""),
            box=data.get("casella", ""),
        )


class PersonSearchForm(forms.Form):
    cerca = forms.CharField(
        label=_("Cerca la persona in anagrafe"),
        max_length=100,
        required=False,
        help_text=_("Cognome e nome, o codice fiscale."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class RequestForm(forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pua = forms.ModelChoiceField(
        label=_("PUA che riceve"),
        queryset=PuaPoint.objects.none(),
        required=False,
        empty_label=_("Il PUA competente per residenza (o domicilio)"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    channel = forms.ChoiceField(
        label=_("Canale"),
        choices=_blank(_("Scegli il canale"), Channel.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    requester_kind = forms.ChoiceField(
        label=_("Chi presenta la richiesta"),
        choices=_blank(_("Scegli"), RequesterKind.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    requester_name = forms.CharField(
        label=_("Nome del richiedente"),
        max_length=200,
        required=False,
        help_text=_("Obbligatorio se non è la persona stessa."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    requester_contact = forms.CharField(
        label=_("Recapito del richiedente"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    requester_organization = forms.ModelChoiceField(
        label=_("Ente del richiedente"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Nessuno"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    need_areas = forms.MultipleChoiceField(
        label=_("Aree di bisogno"),
        choices=NeedArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label=_("Urgenza"),
        choices=Urgency.choices,
        initial=Urgency.ORDINARY,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = forms.CharField(
        label=_("Descrizione del bisogno"),
        max_length=4000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )

    def __init__(self, *args: Any, actor: Actor, puas: list[PuaPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pua_field = self.fields["pua"]
        assert isinstance(pua_field, forms.ModelChoiceField)
        pua_field.queryset = PuaPoint.objects.filter(pk__in=[p.pk for p in puas])
        org_field = self.fields["requester_organization"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = scoped(actor, Organization).filter(is_active=True).order_by("name")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "person_id": data.get("person_id"),
            "pua_id": data["pua"].pk if data.get("pua") else None,
            "channel": data["channel"],
            "requester_kind": data["requester_kind"],
            "requester_name": data.get("requester_name", ""),
            "requester_contact": data.get("requester_contact", ""),
            "requester_organization_id": (
                data["requester_organization"].pk if data.get("requester_organization") else None
            ),
            "need_areas": list(data["need_areas"]),
            "urgency": data["urgency"],
            "description": data["description"],
        }


class TransitionForm(forms.Form):
    """One move of the state machine; only the fields the move needs are shown."""

    to = forms.ChoiceField(choices=IntakeState.choices, widget=forms.HiddenInput)
    need = forms.ChoiceField(
        label=_("Decisione dell'operatore sul bisogno"),
        choices=NeedLevel.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    service = forms.ModelChoiceField(
        label=_("Servizio"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Scegli il servizio"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    forwarded_to = forms.ModelChoiceField(
        label=_("Ente a cui inoltrare"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Scegli l'ente"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    information_given = forms.CharField(
        label=_("Informazioni date"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        actor: Actor,
        move: Move,
        initial_need: str = "",
        reason_required: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", str(move.target))
        kwargs.setdefault("initial", {"to": str(move.target), "need": initial_need or None})
        super().__init__(*args, **kwargs)
        self.move = move
        # The rule is the workflow's (``workflow.reason_required``): the form only mirrors it.
        self.fields["reason"].required = reason_required
        self.fields["reason"].error_messages["required"] = reason_missing_message(move)
        if not reason_required:
            self.fields["reason"].label = _("Nota (facoltativa)")
        keep = {"to", "reason"} | {
            {"service_id": "service", "forwarded_to_id": "forwarded_to"}.get(r, r)
            for r in move.requires
        }
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name in keep - {"to", "reason"}:
            self.fields[name].required = True
        if "service" in self.fields:
            service_field = self.fields["service"]
            assert isinstance(service_field, forms.ModelChoiceField)
            service_field.queryset = (
                scoped(actor, Service).filter(is_active=True).select_related("provider")
            )
        if "forwarded_to" in self.fields:
            org_field = self.fields["forwarded_to"]
            assert isinstance(org_field, forms.ModelChoiceField)
            org_field.queryset = scoped(actor, Organization).filter(is_active=True)

    @property
    def label(self) -> str:
        return str(self.move.label)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {}
        if "need" in self.fields:
            values["need"] = data.get("need", "")
        if "service" in self.fields:
            values["service_id"] = data["service"].pk if data.get("service") else None
        if "forwarded_to" in self.fields:
            values["forwarded_to_id"] = (
                data["forwarded_to"].pk if data.get("forwarded_to") else None
            )
        if "information_given" in self.fields:
            values["information_given"] = data.get("information_given", "")
        return values


class TriageForm(VersionedFormMixin):
    """The items of the triage instrument as radio groups (one fieldset each), with the
    version of the request the form was opened on (a stale save lists the answers another
    operator recorded meanwhile)."""

    snapshot_salt = "integra.intake.TriageForm"

    def __init__(
        self, *args: Any, items: list[Any], version: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item_codes = [item.code for item in items]
        for item in items:
            self.fields[item.code] = forms.ChoiceField(
                label=item.label,
                choices=[(o.code, o.label) for o in item.options],
                required=bool(getattr(item, "required", True)),
                help_text=getattr(item, "help", "") or "",
                widget=forms.RadioSelect,
            )

        if version is not None and not self.is_bound:
            self.versioned_open(version)

    def answers(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in self.item_codes if self.cleaned_data.get(k)}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, JPEG o PNG)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
    description = forms.CharField(
        label=_("Descrizione dell'allegato"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

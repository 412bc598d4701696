"""Forms of the registry pages: they parse the input into what the services take; the rules
(and their Italian messages) live in services.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.core.concurrency import VersionedFormMixin
from integra.core.iso_names import country_choices, language_choices
from integra.organizations.forms import AccessibleFormMixin
from integra.people.identifiers import IdentifierKind
from integra.people.matching import MatchReason
from integra.people.models import (
    CaregiverNeed,
    ConsentDecidedBy,
    ConsentEvidence,
    ConsentPurpose,
    ConsentStatus,
    DocumentKind,
    Education,
    Employment,
    HouseholdRelationship,
    IseeKind,
    LegalGuardianKind,
    LivingSituation,
    MaritalStatus,
    PermitReason,
    Person,
    Sex,
)
from integra.people.places import place_label, resolve_birth_place, resolve_municipality

REASON_LABELS = {
    MatchReason.SAME_CODE: _("stesso codice"),
    MatchReason.OMOCODIC_CODE: _("stesso codice in forma omocodica"),
    MatchReason.CODE_PREFIX: _("codice fiscale che inizia così"),
    MatchReason.SAME_PHONE: _("stesso numero di telefono"),
    MatchReason.NAME_EXACT: _("stesso nome"),
    MatchReason.NAME_SIMILAR: _("nome simile"),
    MatchReason.NAMES_SWAPPED: _("nome e cognome invertiti"),
    MatchReason.SAME_BIRTH_DATE: _("stessa data di nascita"),
    MatchReason.SAME_BIRTH_YEAR: _("stesso anno di nascita"),
    MatchReason.SAME_NAME_AND_BIRTH_DATE: _("stesso nome e stessa data di nascita"),
    MatchReason.SIMILAR_NAME_SAME_BIRTH: _("nome simile, stessa data e luogo di nascita"),
    MatchReason.SIMILAR_NAME_SAME_BIRTH_DATE: _("nome simile, stessa data di nascita"),
    MatchReason.SAME_NAME: _("stesso nome"),
    MatchReason.DIFFERENT_CODES: _("codici fiscali diversi (gemelli od omonimi)"),
}


def reason_labels(reasons: list[str]) -> list[str]:
    return [str(REASON_LABELS.get(r, r)) for r in reasons]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _blank(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *[(v, lbl) for v, lbl in choices if v != ""]]


def _with_unknown(choices: list[tuple[str, str]], codes: list[str]) -> list[tuple[str, str]]:
    """The choices, plus any code already on the record that the list does not know (kept as
    it is rather than dropped on the next save)."""
    known = {code for code, _name in choices}
    return choices + [(code, code) for code in codes if code not in known]


class PersonSearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Codice o nome"),
        required=False,
        max_length=100,
        help_text=_(
            "Codice fiscale (anche solo l'inizio, almeno 6 caratteri), STP, ENI, numero di "
            "telefono o nome e cognome (in qualunque ordine, anche con errori di battitura)."
        ),
    )
    birth_date = forms.DateField(label=_("Data di nascita"), required=False, widget=DateInput())
    birth_year = forms.IntegerField(
        label=_("Anno di nascita"), required=False, min_value=1900, max_value=2100
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"autocomplete": "off", "type": "search"})
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        birth_date, year = data.get("birth_date"), data.get("birth_year")
        if birth_date and year and birth_date.year != year:
            self.add_error("birth_year", _("La data e l'anno di nascita indicati non coincidono."))
        return data

    def search_args(self) -> dict[str, Any] | None:
        """The arguments of ``person_search``, or None when there is nothing to look for."""
        if not self.is_bound or not self.is_valid():
            return None
        query = (self.cleaned_data.get("q") or "").strip().replace("\x00", "")
        if len(query) < 2:
            return None
        return {
            "query": query,
            "birth_date": self.cleaned_data.get("birth_date"),
            "birth_year": self.cleaned_data.get("birth_year"),
        }


# Form field -> key of the service's error dict (PersonError.errors).
_ERROR_FIELDS = {
    "birth_place_municipality_id": "birth_place",
    "birth_place_code": "birth_place",
    "residence_municipality_id": "residence_municipality",
    "domicile_municipality_id": "domicile_municipality",
    "identifiers": "identifier_value",
    "identifiers.0.value": "identifier_value",
    "identifiers.0.kind": "identifier_kind",
    "identifiers.0.issued_on": "identifier_issued_on",
    "identifiers.0.issuing_country": "identifier_country",
}


class PersonForm(AccessibleFormMixin, forms.Form):
    """The anagrafica and (on registration) the first identifier of a person."""

    family_names = forms.CharField(label=_("Cognome"), max_length=150)
    given_names = forms.CharField(label=_("Nome"), max_length=150)
    sex = forms.ChoiceField(label=_("Sesso"), choices=Sex.choices, initial=Sex.NOT_STATED)
    birth_date = forms.DateField(label=_("Data di nascita"), required=False, widget=DateInput())
    birth_place = forms.CharField(
        label=_("Luogo di nascita"),
        required=False,
        max_length=150,
        help_text=_(
            "Comune italiano (es. «Milano» o «Castro (BG)») o Stato estero (es. «Marocco»), "
            "oppure il codice catastale (es. F205, Z330)."
        ),
    )
    citizenships = forms.MultipleChoiceField(
        label=_("Cittadinanze"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Per sceglierne più di una tieni premuto Ctrl (⌘ sul Mac)."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Lingue parlate"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Per sceglierne più di una tieni premuto Ctrl (⌘ sul Mac)."),
    )
    needs_cultural_mediator = forms.BooleanField(
        label=_("Serve un mediatore culturale"), required=False
    )
    marital_status = forms.ChoiceField(label=_("Stato civile"), required=False)
    education = forms.ChoiceField(label=_("Titolo di studio"), required=False)
    employment = forms.ChoiceField(label=_("Condizione professionale"), required=False)
    living_situation = forms.ChoiceField(label=_("Condizione abitativa"), required=False)
    residence_address = forms.CharField(
        label=_("Indirizzo di residenza"), required=False, max_length=250
    )
    residence_municipality = forms.CharField(
        label=_("Comune di residenza"),
        required=False,
        max_length=150,
        help_text=_("Nome del Comune (con la sigla della provincia se serve) o codice ISTAT."),
    )
    domicile_address = forms.CharField(
        label=_("Indirizzo di domicilio"), required=False, max_length=250
    )
    domicile_municipality = forms.CharField(
        label=_("Comune di domicilio"), required=False, max_length=150
    )
    phone = forms.CharField(label=_("Telefono"), required=False, max_length=40)
    email = forms.EmailField(label=_("Email"), required=False)
    legal_guardian_kind = forms.ChoiceField(label=_("Protezione giuridica"), required=False)
    legal_guardian_name = forms.CharField(
        label=_("Tutore, curatore o amministratore di sostegno"), required=False, max_length=200
    )
    family_doctor_name = forms.CharField(
        label=_("Medico di medicina generale o pediatra"), required=False, max_length=200
    )
    identifier_value = forms.CharField(
        label=_("Codice fiscale o altro identificativo"),
        required=False,
        max_length=32,
        help_text=_(
            "Codice fiscale, codice fiscale provvisorio (11 cifre), STP, ENI o numero TEAM."
        ),
    )
    identifier_kind = forms.ChoiceField(label=_("Tipo di identificativo"), required=False)
    identifier_country = forms.ChoiceField(
        label=_("Stato di emissione della TEAM"),
        required=False,
        help_text=_("Solo per la tessera europea (TEAM)."),
    )
    identifier_issued_on = forms.DateField(
        label=_("Identificativo rilasciato il"),
        required=False,
        widget=DateInput(),
        help_text=_("Per STP ed ENI: la scadenza (sei mesi) è calcolata da questa data."),
    )
    confirm_new_person_reason = forms.CharField(
        label=_("Perché è una persona diversa"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Per esempio: gemelli, omonimi con codici fiscali diversi."),
    )

    def __init__(self, *args: Any, person: Person | None = None, **kwargs: Any) -> None:
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(person)
        super().__init__(*args, **kwargs)
        choices = (
            ("marital_status", MaritalStatus.choices),
            ("education", Education.choices),
            ("employment", Employment.choices),
            ("living_situation", LivingSituation.choices),
            ("legal_guardian_kind", LegalGuardianKind.choices),
        )
        for name, values in choices:
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _blank(values[0][1], values)
        initial = self.initial or {}
        for name, options in (
            ("citizenships", country_choices()),
            ("languages", language_choices()),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _with_unknown(options, list(initial.get(name) or []))
        country = self.fields["identifier_country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = _blank(_("Scegli lo Stato"), country_choices())
        kind = self.fields["identifier_kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = _blank(_("Riconosci dal codice"), IdentifierKind.choices)
        if person is not None:
            self.fields["identifier_value"].label = _("Aggiungi un identificativo")
            del self.fields["confirm_new_person_reason"]
        self.fields["identifier_value"].widget.attrs["autocomplete"] = "off"
        self.style_widgets()

    @staticmethod
    def initial_from(person: Person) -> dict[str, Any]:
        initial = {name: getattr(person, name) for name in ("family_names", "given_names", "sex")}
        for name in (
            "birth_date",
            "needs_cultural_mediator",
            "marital_status",
            "education",
            "employment",
            "living_situation",
            "residence_address",
            "domicile_address",
            "phone",
            "email",
            "legal_guardian_kind",
            "legal_guardian_name",
            "family_doctor_name",
        ):
            initial[name] = getattr(person, name)
        initial["citizenships"] = list(person.citizenships)
        initial["languages"] = list(person.languages)
        initial["birth_place"] = place_label(
            person.birth_place_municipality, person.birth_place_code
        )
        initial["residence_municipality"] = place_label(person.residence_municipality, "")
        initial["domicile_municipality"] = place_label(person.domicile_municipality, "")
        return initial

    def clean_birth_place(self) -> tuple[int | None, str]:
        text = self.cleaned_data.get("birth_place") or ""
        try:
            return resolve_birth_place(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def _municipality(self, name: str) -> int | None:
        try:
            municipality = resolve_municipality(self.cleaned_data.get(name) or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return municipality.pk if municipality is not None else None

    def clean_residence_municipality(self) -> int | None:
        return self._municipality("residence_municipality")

    def clean_domicile_municipality(self) -> int | None:
        return self._municipality("domicile_municipality")

    def clean_birth_date(self) -> date | None:
        value = self.cleaned_data.get("birth_date")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("La data di nascita non può essere nel futuro."))
        return value

    def person_data(self) -> dict[str, Any]:
        """The data for ``person_create`` / ``person_update``."""
        data = self.cleaned_data
        birth_municipality_id, birth_code = data["birth_place"]
        values: dict[str, Any] = {
            name: data[name]
            for name in (
                "family_names",
                "given_names",
                "sex",
                "birth_date",
                "needs_cultural_mediator",
                "marital_status",
                "education",
                "employment",
                "living_situation",
                "residence_address",
                "domicile_address",
                "phone",
                "email",
                "legal_guardian_kind",
                "legal_guardian_name",
                "family_doctor_name",
            )
        }
        values["birth_place_municipality_id"] = birth_municipality_id
        values["birth_place_code"] = birth_code
        values["residence_municipality_id"] = data["residence_municipality"]
        values["domicile_municipality_id"] = data["domicile_municipality"]
        values["citizenships"] = list(data["citizenships"])
        values["languages"] = list(data["languages"])
        code = (data.get("identifier_value") or "").strip()
        if code:
            values["identifiers"] = [
                {
                    "value": code,
                    "kind": data.get("identifier_kind") or None,
                    "issuing_country": data.get("identifier_country") or "",
                    "issued_on": data.get("identifier_issued_on"),
                }
            ]
        return values

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the service's messages on the fields they are about."""
        for key, messages in errors.items():
            name = _ERROR_FIELDS.get(key, key)
            if name not in self.fields:
                name = None  # type: ignore[assignment]
            for message in messages:
                self.add_error(name, message)
        self.mark_invalid()


class PersonEditForm(VersionedFormMixin, PersonForm):
    """The anagrafica of a registered person, with the version it was opened on (a stale save
    lists what another operator changed meanwhile: only the fields this form shows)."""

    versioned_fields = (
        "family_names",
        "given_names",
        "sex",
        "birth_date",
        "birth_place",
        "citizenships",
        "languages",
        "needs_cultural_mediator",
        "residence_address",
        "residence_municipality",
        "domicile_address",
        "domicile_municipality",
        "phone",
        "email",
        "marital_status",
        "education",
        "employment",
        "living_situation",
        "legal_guardian_kind",
        "legal_guardian_name",
        "family_doctor_name",
    )
    snapshot_salt = "integra.people.PersonEditForm"

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, person=person, **kwargs)
        if not self.is_bound:
            self.versioned_open(person.row_version)


def add_service_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """The service's messages on the form's fields of the same name (else on the form)."""
    for key, messages in errors.items():
        name = key if key in form.fields else None
        for message in messages:
            form.add_error(name, message)
    if isinstance(form, AccessibleFormMixin):
        form.mark_invalid()


class DocumentForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Tipo di documento"))
    number = forms.CharField(label=_("Numero"), required=False, max_length=50)
    issuer = forms.CharField(label=_("Rilasciato da"), required=False, max_length=200)
    issued_on = forms.DateField(label=_("Rilasciato il"), required=False, widget=DateInput())
    expires_on = forms.DateField(label=_("Scade il"), required=False, widget=DateInput())
    permit_reason = forms.ChoiceField(
        label=_("Motivo del permesso di soggiorno"),
        required=False,
        help_text=_("Solo per il permesso di soggiorno o la ricevuta di richiesta o rinnovo."),
    )
    file = forms.FileField(
        label=_("File (PDF, JPEG o PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = _blank(_("Scegli il tipo"), DocumentKind.choices)
        reason = self.fields["permit_reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = _blank(_("Non indicato"), PermitReason.choices)
        self.style_widgets()


class HouseholdMemberForm(AccessibleFormMixin, forms.Form):
    member_code = forms.CharField(
        label=_("Codice della persona registrata"),
        required=False,
        max_length=32,
        help_text=_(
            "Se il componente è già nell'anagrafe: il suo codice fiscale (o STP, ENI). "
            "Altrimenti lascia vuoto e scrivi nome e cognome."
        ),
    )
    name = forms.CharField(label=_("Nome e cognome"), required=False, max_length=200)
    birth_year = forms.IntegerField(
        label=_("Anno di nascita"), required=False, min_value=1880, max_value=2100
    )
    relationship = forms.ChoiceField(label=_("Relazione"))
    cohabiting = forms.BooleanField(label=_("Convivente"), required=False)
    is_caregiver = forms.BooleanField(label=_("Caregiver familiare"), required=False)
    caregiver_needs = forms.MultipleChoiceField(
        label=_("Bisogni del caregiver"),
        required=False,
        choices=CaregiverNeed.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    caregiver_needs_note = forms.CharField(
        label=_("Note sui bisogni del caregiver"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    since = forms.DateField(label=_("Dal"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        relationship = self.fields["relationship"]
        assert isinstance(relationship, forms.ChoiceField)
        relationship.choices = _blank(_("Scegli la relazione"), HouseholdRelationship.choices)
        self.style_widgets()

    def household_data(self, member_id: int | None) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("member_code", None)
        data["member_id"] = member_id
        return data


class IseeForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Tipo di ISEE"))
    value = forms.DecimalField(
        label=_("Valore ISEE (euro)"), min_value=0, max_digits=10, decimal_places=2
    )
    dsu_protocol = forms.CharField(label=_("Protocollo DSU"), required=False, max_length=60)
    signed_on = forms.DateField(label=_("Data di presentazione della DSU"), widget=DateInput())
    valid_until = forms.DateField(
        label=_("Valida fino al"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Lascia vuoto: 31 dicembre dell'anno della DSU (ISEE corrente: sei mesi dalla DSU)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = _blank(_("Scegli il tipo"), IseeKind.choices)
        self.style_widgets()


class ConsentForm(AccessibleFormMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Finalità"))
    status = forms.ChoiceField(label=_("Decisione"))
    decided_on = forms.DateField(
        label=_("Data della decisione"), widget=DateInput(), initial=timezone.localdate
    )
    expires_on = forms.DateField(label=_("Scade il"), required=False, widget=DateInput())
    decided_by = forms.ChoiceField(
        label=_("Decisione espressa da"),
        choices=ConsentDecidedBy.choices,
        initial=ConsentDecidedBy.PERSON,
    )
    guardian_name = forms.CharField(
        label=_("Nome del tutore o dell'amministratore di sostegno"),
        max_length=200,
        required=False,
    )
    evidence_kind = forms.ChoiceField(
        label=_("Prova del consenso"),
        choices=ConsentEvidence.choices,
        initial=ConsentEvidence.SIGNED_FORM,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("Scansione del modulo firmato"),
        required=False,
        help_text=_("PDF, JPEG o PNG. Serve se la prova è il modulo firmato."),
    )
    evidence_note = forms.CharField(
        label=_("Documentazione"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Per esempio: modulo firmato, protocollo n. 123/2026; oppure come la persona, "
            "presente, ha espresso la decisione."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        purpose = self.fields["purpose"]
        assert isinstance(purpose, forms.ChoiceField)
        purpose.choices = _blank(_("Scegli la finalità"), ConsentPurpose.choices)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = _blank(_("Scegli la decisione"), ConsentStatus.choices)
        self.style_widgets()

    def consent_data(self) -> dict[str, Any]:
        """The keyword arguments of ``services.consent_record`` from the cleaned data."""
        d = self.cleaned_data
        return {
            "purpose": d["purpose"],
            "status": d["status"],
            "decided_on": d["decided_on"],
            "evidence_note": d["evidence_note"],
            "expires_on": d["expires_on"],
            "evidence_kind": d["evidence_kind"],
            "decided_by": d["decided_by"],
            "guardian_name": d.get("guardian_name") or "",
            "upload": d.get("file"),
        }

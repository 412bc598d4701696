"""Forms of the staff pages: they parse input; the rules live in ``services.py``.

Django 5.2 ties help texts and errors to their input (``aria-describedby``, ``aria-invalid``);
the role checkboxes are a ``fieldset`` whose ``aria-describedby`` the template sets.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from integra.accounts.access import may_hold_health_roles
from integra.accounts.errors import StaffError
from integra.accounts.selectors import StaffFilters
from integra.core.access import Actor
from integra.core.permissions import HEALTH_ROLES, Permission, Role
from integra.organizations.models import Organization, Unit

_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
_DATE_INVALID = _("Data non valida: usa il formato gg/mm/aaaa.")

ACTIVE_CHOICES = [
    ("", _("Tutte")),
    ("attive", _("Attive oggi")),
    ("non_attive", _("Non attive oggi")),
]
_ACTIVE_VALUES = {"attive": True, "non_attive": False}


def role_choices(actor: Actor, organization: Organization | None = None) -> list[tuple[str, str]]:
    """Every role, with its Italian label; the system-admin role only for a system admin; the
    health roles only in an organisation that provides health care."""
    hidden = set() if organization is None or may_hold_health_roles(organization) else HEALTH_ROLES
    return [
        (str(value), str(label))
        for value, label in Role.choices
        if (value != Role.SYSTEM_ADMIN or actor.has(Permission.SYSTEM_ADMIN))
        and value not in hidden
    ]


class _StaffForm(forms.Form):
    """Bootstrap Italia classes on every widget, and service errors shown on their field."""

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_service_errors(self, exc: StaffError) -> None:
        """Put each message of a refused change on its field (the rest on the whole form)."""
        for field, messages in exc.errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Ruoli"))
        kwargs.setdefault(
            "help_text", _("I ruoli decidono cosa l'operatore può fare per questo ente.")
        )
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Scegli almeno un ruolo."),
                "invalid_choice": _("Ruolo non previsto: «%(value)s»."),
            },
        )
        super().__init__(**kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _date_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=_DATE_FORMATS,
        error_messages={"invalid": _DATE_INVALID, "required": _("Indica la data.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _MembershipFields(_StaffForm):
    """Roles, unit, job title and validity: what every membership form asks."""

    roles = RolesField()
    unit = UnitChoiceField(
        label=_("Unità organizzativa"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("Nessuna"),
        error_messages={"invalid_choice": _("Scegli una delle unità organizzative dell'ente.")},
    )
    job_title = forms.CharField(
        label=_("Qualifica"),
        max_length=120,
        required=False,
        help_text=_("Per esempio: assistente sociale, infermiere di famiglia e comunità."),
    )
    valid_from = _date_field(
        _("Valida dal"), help_text=_("Lascia vuoto per oggi. Formato: gg/mm/aaaa.")
    )
    valid_until = _date_field(
        _("Valida fino al"), help_text=_("Lascia vuoto se non ha una scadenza.")
    )

    def __init__(
        self,
        *args: Any,
        actor: Actor,
        units: QuerySet[Unit],
        organization: Organization | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        roles = self.fields["roles"]
        assert isinstance(roles, forms.ChoiceField)
        roles.choices = role_choices(actor, organization)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = units
        self.style_widgets()

    def membership_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        unit = data.get("unit")
        return {
            "roles": list(data["roles"]),
            "unit_id": unit.pk if unit is not None else None,
            "job_title": data.get("job_title") or "",
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
        }


class OperatorCreateForm(_MembershipFields):
    username = forms.CharField(
        label=_("Nome utente"),
        max_length=150,
        help_text=_("Con questo nome l'operatore accede. Lettere, cifre e i caratteri @ . + - _"),
        error_messages={"required": _("Indica il nome utente.")},
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        label=_("Nome"), max_length=150, error_messages={"required": _("Indica il nome.")}
    )
    last_name = forms.CharField(
        label=_("Cognome"), max_length=150, error_messages={"required": _("Indica il cognome.")}
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        error_messages={"invalid": _("Indirizzo email non valido.")},
    )
    fiscal_code = forms.CharField(
        label=_("Codice fiscale"),
        max_length=20,
        required=False,
        help_text=_("16 lettere e cifre."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    field_order = [
        "username",
        "first_name",
        "last_name",
        "email",
        "fiscal_code",
        "roles",
        "unit",
        "job_title",
        "valid_from",
        "valid_until",
    ]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "username": data["username"],
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data.get("email") or "",
            "fiscal_code": data.get("fiscal_code") or "",
            **self.membership_data(),
        }


class MembershipAddForm(_MembershipFields):
    username = forms.CharField(
        label=_("Nome utente dell'operatore"),
        max_length=150,
        help_text=_("L'operatore usa già Integra per un altro ente: chiedigli il nome utente."),
        error_messages={"required": _("Indica il nome utente dell'operatore.")},
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )

    field_order = ["username", "roles", "unit", "job_title", "valid_from", "valid_until"]

    def service_kwargs(self) -> dict[str, Any]:
        return {"username": self.cleaned_data["username"], **self.membership_data()}


class MembershipEditForm(_MembershipFields):
    is_active = forms.BooleanField(
        label=_("Appartenenza attiva"),
        required=False,
        help_text=_("Togli la spunta per sospendere l'accesso dell'operatore a questo ente."),
    )

    def __init__(self, *args: Any, own: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].help_text = _("Lascia vuoto per non cambiarla.")
        if own:
            # One's own roles, validity and active flag are another administrator's to change
            # (the service refuses them too): shown, not editable.
            for name in ("roles", "is_active", "valid_from", "valid_until"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "È la tua appartenenza: solo un altro amministratore può cambiarlo."
                )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.membership_data()
        if data["valid_from"] is None:
            del data["valid_from"]  # left empty: the start stays as it is
        return {**data, "is_active": bool(self.cleaned_data.get("is_active"))}

    @staticmethod
    def initial_for(membership: Any) -> dict[str, Any]:
        return {
            "roles": list(membership.roles),
            "unit": membership.unit_id,
            "job_title": membership.job_title,
            "valid_from": membership.valid_from,
            "valid_until": membership.valid_until,
            "is_active": membership.is_active,
        }


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class StaffFilterForm(_StaffForm):
    """The GET filters of the staff list (the organisation only for a system admin)."""

    ente = OrganizationChoiceField(
        label=_("Ente"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("L'ente con cui operi"),
    )
    ruolo = forms.ChoiceField(label=_("Ruolo"), required=False)
    stato = forms.ChoiceField(label=_("Stato"), required=False, choices=ACTIVE_CHOICES)

    def __init__(
        self, *args: Any, actor: Actor, organizations: QuerySet[Organization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if actor.has(Permission.SYSTEM_ADMIN):
            ente = self.fields["ente"]
            assert isinstance(ente, forms.ModelChoiceField)
            ente.queryset = organizations
        else:
            del self.fields["ente"]
        ruolo = self.fields["ruolo"]
        assert isinstance(ruolo, forms.ChoiceField)
        ruolo.choices = [("", _("Tutti")), *Role.choices]
        self.style_widgets()

    def filters(self) -> StaffFilters:
        """The valid filters (an invalid one is reported by the form and ignored)."""
        cleaned: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            cleaned = self.cleaned_data
        return StaffFilters(
            role=cleaned.get("ruolo") or "", active=_ACTIVE_VALUES.get(cleaned.get("stato") or "")
        )


class OperatorPasswordChangeForm(PasswordChangeForm):
    """Django's password change with our labels; the old password may be the temporary one."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("La password attuale non è corretta: inseriscila di nuovo."),
        "password_mismatch": _("Le due nuove password non coincidono."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Password attuale")
        self.fields["old_password"].help_text = _(
            "Al primo accesso è la password temporanea ricevuta dall'amministratore."
        )
        self.fields["new_password1"].label = _("Nuova password")
        self.fields["new_password2"].label = _("Ripeti la nuova password")
        self.fields["new_password2"].help_text = ""
        for field in self.fields.values():
            field.error_messages["required"] = _("Campo obbligatorio.")
            field.widget.attrs["class"] = "form-control"

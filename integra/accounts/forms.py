"""Forms of the accounts app: input parsing only; rules live in services."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.accounts.models import Membership, User
from integra.accounts.selectors import memberships_current

_CODE_RE = re.compile(r"^\d{6}$")


def _style_widgets(form: forms.BaseForm) -> None:
    """Bootstrap Italia classes on every widget (templates stay free of widget markup)."""
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()


class LoginForm(AuthenticationForm):
    """Django's login form with Italian texts; built with ``request`` so django-axes sees it."""

    error_messages = {
        # Same message for an unknown user, a wrong password and an inactive account,
        # so the form never tells whether a username exists.
        "invalid_login": _(
            "Nome utente o password non corretti. Controlla i dati e riprova; maiuscole e "
            "minuscole contano."
        ),
        "inactive": _(
            "Nome utente o password non corretti. Controlla i dati e riprova; maiuscole e "
            "minuscole contano."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Nome utente")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["username"].error_messages["required"] = _("Inserisci il nome utente.")
        self.fields["password"].label = _("Password")
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        self.fields["password"].error_messages["required"] = _("Inserisci la password.")
        _style_widgets(self)


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Codice di verifica"),
        help_text=_("Il codice di 6 cifre mostrato dall'app di autenticazione."),
        max_length=12,
        error_messages={"required": _("Inserisci il codice di 6 cifre.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style_widgets(self)

    def clean_code(self) -> str:
        code = re.sub(r"\s+", "", self.cleaned_data["code"])
        if not _CODE_RE.match(code):
            raise forms.ValidationError(_("Il codice è formato da 6 cifre."))
        return code


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organization.name} — {', '.join(obj.role_labels())}"


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nome del token"),
        help_text=_("Per riconoscerlo, per esempio il nome del programma che lo usa."),
        max_length=100,
        error_messages={"required": _("Indica un nome per riconoscere il token.")},
    )
    membership = MembershipChoiceField(
        label=_("Ente e ruolo con cui il token opera"),
        queryset=Membership.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Scegli l'ente per cui il token opera."),
            "invalid_choice": _("Scegli uno degli enti in cui operi oggi."),
        },
    )
    expires_on = forms.DateField(
        label=_("Valido fino al (facoltativo)"),
        help_text=_("Lascia vuoto per un token senza scadenza. Formato: gg/mm/aaaa."),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": _("Data non valida: usa il formato gg/mm/aaaa.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, MembershipChoiceField)
        field.queryset = memberships_current(user=user)
        _style_widgets(self)

    def clean_expires_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("La data di scadenza non può essere nel passato."))
        return day

    def expires_at(self) -> datetime | None:
        """The token is valid through the chosen day: it expires at the next local midnight."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))

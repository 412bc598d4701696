"""The person's consent to sharing between bodies, collected where the person is met: at the PUA
(a new request, a request's page) and at the UVM (a session's page).

The rules are the people app's (``people.services.consent_record``: who may record, with which
evidence, the notice to the registering organisation); this module only offers its form where
it applies and says what is in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.core.access import Actor, scoped
from integra.core.permissions import Permission
from integra.people.access import current_consent
from integra.people.forms import ConsentForm
from integra.people.models import Consent, ConsentPurpose, ConsentStatus, Person
from integra.people.services import consent_record

CONSENT_DONE = _(
    "Decisione sul consenso alla condivisione registrata: se la persona è stata registrata da "
    "un altro ente, quell'ente riceve un avviso."
)


class SharingConsentForm(ConsentForm):
    """The people app's consent form with the purpose fixed to the sharing between bodies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        purpose = self.fields["purpose"]
        purpose.widget = forms.HiddenInput()
        purpose.initial = ConsentPurpose.SHARING
        purpose.required = False

    def clean_purpose(self) -> str:
        return str(ConsentPurpose.SHARING)

    def consent_data(self) -> dict[str, Any]:
        return {**super().consent_data(), "purpose": ConsentPurpose.SHARING}


@dataclass(frozen=True)
class SharingConsent:
    """The sharing consent of one person as a page shows it: the decision in force (``None``:
    never asked) and, when the actor may record a new decision, the form."""

    current: Consent | None
    form: SharingConsentForm | None

    @property
    def given(self) -> bool:
        c = self.current
        return (
            c is not None
            and c.status == ConsentStatus.GIVEN
            and (c.expires_on is None or c.expires_on >= timezone.localdate())
        )


def may_record_sharing(actor: Actor | None, person_id: int) -> bool:
    """The rule of ``consent_record`` as a question, to offer its form only where it applies:
    an organisation that reads the record, or the PUA with the person present."""
    if actor is None or not actor.has(Permission.PERSON_EDIT):
        return False
    if actor.has(Permission.INTAKE_MANAGE):
        return True
    return scoped(actor, Person).filter(pk=person_id).exists()


def sharing_consent(
    *, actor: Actor | None, person_id: int, data: Any = None, files: Any = None
) -> SharingConsent:
    form = SharingConsentForm(data, files) if may_record_sharing(actor, person_id) else None
    return SharingConsent(
        current=current_consent(person_id=person_id, purpose=ConsentPurpose.SHARING), form=form
    )


def sharing_consent_record(*, actor: Actor, person_id: int, data: Mapping[str, Any]) -> Consent:
    """Record the decision through the people app's one service (its rules, its notice)."""
    return consent_record(
        actor=actor, person_id=person_id, **{**data, "purpose": ConsentPurpose.SHARING}
    )


def request_create_with_consent(
    *, actor: Actor, data: Mapping[str, Any], consent: Mapping[str, Any] | None
) -> Any:
    """Receive a request and, when the person decided on the sharing at the desk, record the
    decision with it: both or neither (a refused consent leaves no request behind)."""
    from integra.intake.services import request_create

    with transaction.atomic():
        created = request_create(actor=actor, data=data)
        if consent is not None:
            sharing_consent_record(actor=actor, person_id=created.person_id, data=consent)
    return created

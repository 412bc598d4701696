"""API schemas of the people gate: how any API answer names a person.

Every schema outside the registry's own that names a person has a ``person`` field of type
``PersonRefOut``, resolved from the row's ``person_ref`` (``integra/people/gate.py``) — never a
name, a birth date or a code of its own. ``tests/security/test_person_gate.py`` fails when a
schema breaks this rule.
"""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema


class OrganizationContactOut(Schema):
    organization_id: int = Field(description="Identificativo dell'ente.")
    name: str = Field(description="Denominazione dell'ente.")
    phone: str = Field(description="Telefono dell'ente.")
    email: str = Field(description="Email dell'ente.")
    pec: str = Field(description="PEC dell'ente.")


class PersonRefOut(Schema):
    """A person as the caller may see them: full, or (``limited``) only whom to contact."""

    id: int = Field(description="Identificativo della persona.")
    limited: bool = Field(
        description="Vero quando chi chiede non può leggere la scheda (manca il consenso alla "
        "condivisione tra enti): nessun dato della persona, solo l'ente da contattare."
    )
    label: str = Field(description="Cognome e nome, oppure «Persona n. … (scheda limitata)».")
    family_names: str = Field(description="Cognome (vuoto se `limited`).")
    given_names: str = Field(description="Nome (vuoto se `limited`).")
    birth_date: date | None = Field(description="Data di nascita (null se `limited`).")
    main_code: str = Field(description="Identificativo principale (vuoto se `limited`).")
    contact: OrganizationContactOut | None = Field(
        description="L'ente che ha registrato la persona (solo se `limited`)."
    )

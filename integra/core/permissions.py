"""Permissions and roles, declared in code.

A permission is a name; a role is a set of permissions; an operator holds roles through a
membership in one organisation (accounts.Membership) and acts as one membership at a time.
Later domains add their permissions here so that every check goes through one vocabulary.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Permission(models.TextChoices):
    TERRITORY_VIEW = "territory.view", _("Consultare il territorio")
    CATALOGUE_VIEW = "catalogue.view", _("Consultare il catalogo dei servizi")
    CATALOGUE_MANAGE = "catalogue.manage", _("Gestire il catalogo dei servizi del proprio ente")
    STAFF_VIEW = "staff.view", _("Consultare gli operatori del proprio ente")
    MEMBERSHIP_MANAGE = "membership.manage", _("Gestire operatori e ruoli del proprio ente")
    PERSON_VIEW = "person.view", _("Consultare l'anagrafe delle persone")
    PERSON_EDIT = "person.edit", _("Registrare e modificare persone")
    PERSON_MERGE = "person.merge", _("Unire schede duplicate della stessa persona")
    HEALTH_DATA_VIEW = "health.view", _("Consultare dati sanitari")
    HEALTH_DATA_EDIT = "health.edit", _("Registrare dati sanitari")
    SOCIAL_RECORD_EDIT = "social.edit", _("Registrare dati sociali")
    INTAKE_MANAGE = "intake.manage", _("Ricevere e smistare richieste al PUA")
    ASSESSMENT_PERFORM = "assessment.perform", _("Somministrare strumenti di valutazione")
    UVM_PARTICIPATE = "uvm.participate", _("Partecipare alle sedute UVM")
    CASE_MANAGE = "case.manage", _("Gestire la presa in carico come case manager")
    PLANNING_COORDINATE = "planning.coordinate", _("Coordinare l'Ufficio di Piano")
    GOVERNANCE_VIEW = "governance.view", _("Consultare indicatori e governance")
    GOVERNANCE_MANAGE = "governance.manage", _("Gestire il registro della governance")
    AUDIT_VIEW = "audit.view", _("Consultare il registro degli accessi")
    AUDIT_EXPORT = "audit.export", _("Esportare il registro degli accessi")
    API_TOKEN_ISSUE = "api.token", _("Emettere token personali per l'API")
    SYSTEM_ADMIN = "system.admin", _("Amministrare il sistema")


class Role(models.TextChoices):
    PUA_OPERATOR = "pua_operator", _("Operatore PUA")
    SOCIAL_WORKER = "social_worker", _("Assistente sociale")
    NURSE = "nurse", _("Infermiere")
    DOCTOR = "doctor", _("Medico")
    CASE_MANAGER = "case_manager", _("Case manager")
    UVM_MEMBER = "uvm_member", _("Componente UVM")
    PLANNING_COORDINATOR = "planning_coordinator", _("Coordinatore Ufficio di Piano")
    STEERING_MEMBER = "steering_member", _("Componente Cabina di regia")
    AUDITOR = "auditor", _("Auditor")
    ORG_ADMIN = "org_admin", _("Amministratore dell'ente")
    SYSTEM_ADMIN = "system_admin", _("Amministratore di sistema")


P = Permission
_BASE = frozenset({P.TERRITORY_VIEW, P.CATALOGUE_VIEW, P.API_TOKEN_ISSUE})
_CARE = _BASE | {P.PERSON_VIEW, P.STAFF_VIEW}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PUA_OPERATOR: _CARE
    | {P.PERSON_EDIT, P.PERSON_MERGE, P.INTAKE_MANAGE, P.SOCIAL_RECORD_EDIT},
    Role.SOCIAL_WORKER: _CARE
    | {P.PERSON_EDIT, P.SOCIAL_RECORD_EDIT, P.ASSESSMENT_PERFORM, P.CASE_MANAGE},
    Role.NURSE: _CARE
    | {P.PERSON_EDIT, P.HEALTH_DATA_VIEW, P.HEALTH_DATA_EDIT, P.ASSESSMENT_PERFORM},
    Role.DOCTOR: _CARE
    | {P.PERSON_EDIT, P.HEALTH_DATA_VIEW, P.HEALTH_DATA_EDIT, P.ASSESSMENT_PERFORM},
    Role.CASE_MANAGER: _CARE | {P.PERSON_EDIT, P.CASE_MANAGE, P.SOCIAL_RECORD_EDIT},
    Role.UVM_MEMBER: _CARE | {P.ASSESSMENT_PERFORM, P.UVM_PARTICIPATE},
    Role.PLANNING_COORDINATOR: _BASE
    | {
        P.STAFF_VIEW,
        P.CATALOGUE_MANAGE,
        P.GOVERNANCE_VIEW,
        P.GOVERNANCE_MANAGE,
        P.PLANNING_COORDINATE,
    },
    Role.STEERING_MEMBER: _BASE | {P.GOVERNANCE_VIEW},
    Role.AUDITOR: _BASE | {P.STAFF_VIEW, P.AUDIT_VIEW, P.AUDIT_EXPORT},
    Role.ORG_ADMIN: _BASE | {P.STAFF_VIEW, P.MEMBERSHIP_MANAGE, P.CATALOGUE_MANAGE},
    Role.SYSTEM_ADMIN: _BASE
    | {P.STAFF_VIEW, P.MEMBERSHIP_MANAGE, P.CATALOGUE_MANAGE, P.SYSTEM_ADMIN},
}

# Permissions over health data: the roles that hold one are health roles (HEALTH_ROLES), which
# only organisations that provide health care may give (accounts.access.health_care_kinds).
HEALTH_PERMISSIONS: frozenset[Permission] = frozenset({P.HEALTH_DATA_VIEW, P.HEALTH_DATA_EDIT})
HEALTH_ROLES: frozenset[Role] = frozenset(
    role for role, granted in ROLE_PERMISSIONS.items() if granted & HEALTH_PERMISSIONS
)

# Roles whose holders must pass a second factor (TOTP) before acting.
ADMIN_ROLES: frozenset[Role] = frozenset({Role.ORG_ADMIN, Role.SYSTEM_ADMIN})


def permissions_for_roles(roles: list[str] | tuple[str, ...]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(Role(role), frozenset())
    return frozenset(granted)

"""The domain routers mounted under /api/v1/ (prefix, router)."""

from __future__ import annotations

from ninja import Router

from integra.accounts.api import router as accounts_router
from integra.accounts.staff_api import router as staff_router
from integra.assessments.api import router as assessments_router
from integra.assessments.uvm_api import router as uvm_router
from integra.audit.api import router as audit_router
from integra.careplans.api import router as careplans_router
from integra.core.api import router as territory_router
from integra.intake.api import router as intake_router
from integra.notices.api import router as notices_router
from integra.organizations.api import router as organizations_router
from integra.people.api import permits_router, persons_router
from integra.people.api import router as people_router
from integra.people.dossier_api import anomalies_router, emergency_router
from integra.people.dossier_api import persons_router as dossier_persons_router
from integra.people.merge_api import router as merges_router
from integra.programs.api import router as programs_router

ROUTERS: list[tuple[str, Router]] = [
    ("/me", accounts_router),
    ("/staff", staff_router),
    ("/audit", audit_router),
    ("/territory", territory_router),
    ("/fiscal-codes", people_router),
    ("/persons", persons_router),
    ("/persons", dossier_persons_router),
    ("/emergency-accesses", emergency_router),
    ("/access-anomalies", anomalies_router),
    ("/permits", permits_router),
    ("/merges", merges_router),
    ("/pua", intake_router),
    ("", assessments_router),
    ("", uvm_router),
    ("/measures", programs_router),
    ("", careplans_router),
    ("", organizations_router),
    ("/notices", notices_router),
]

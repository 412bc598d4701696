"""The attack surface, enumerated from the code: every API operation of the OpenAPI document and
every page URL pattern of the resolver; and the one table that says which object each path
parameter (and each ``*_id`` field of a query or a body) names.

HOW TO ADD A NEW ENDPOINT OR PAGE TO THE MATRIX. The tests fail as soon as an operation or a
page names an object the tables below do not cover (``test_every_parameter_is_in_the_table``),
so a new feature joins the matrix by adding:

1. for each path parameter, a row in ``API_PATH_IDS`` (key: the OpenAPI path and the parameter
   name) or ``PAGE_PATH_IDS`` (key: the resolver's route and the parameter name) naming the
   ``Bundle`` attribute of the object it designates (``"person"``, ``"request"``… — add the
   attribute to ``tests/security/world.py:Bundle`` and create the object in
   ``_person_records`` if it is a new kind), or ``Public(reason, value)`` when the parameter
   names something every operator may read (territory, catalogue, instruments, rules);
2. for each query or body field ending in ``_id``/``_ids``, a row in ``API_FIELD_IDS`` (key:
   method, path, field) in the same way;
3. for an unsafe operation (POST, PATCH, PUT, DELETE), a minimal valid body in ``API_BODIES``
   (key: method and path), built from the target bundle so that the only thing that can refuse
   the request is the access policy;
4. if an operation legitimately answers about a person seen only in the limited form (the PUA's
   "known, contact X"), its key in ``LIMITED_FOR_PUA``; if a role acts on other organisations'
   objects by design, a row in ``BY_DESIGN`` with the reason;
5. if a page without path parameters reads a query (``?persona=``, ``?q=``…), its route in
   ``tests/security/sweep.py:PAGE_QUERIES`` so the canary sweeps send it the curious query.

A page or operation without any of these (a list, a search, an export) needs no row: the canary
sweeps request every one of them, for every role.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.security.world import PDF_BYTES, SCREEN_DAY, Bundle, World

API = "/api/v1"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# --- the API, from its OpenAPI document ---------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    path_params: tuple[str, ...]
    query_params: tuple[tuple[str, bool], ...]  # (name, required)
    body_type: str  # "", "json" or "multipart"
    body_fields: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@cache
def openapi_document() -> dict[str, Any]:
    """The document served at /api/v1/openapi.json (``test_openapi_is_the_served_one``)."""
    from integra.api.api import api

    return api.get_openapi_schema()


def _deref(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@cache
def api_operations() -> tuple[Operation, ...]:
    document = openapi_document()
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            params = op.get("parameters", [])
            body_type, body_fields = "", ()
            if "requestBody" in op:
                content = op["requestBody"]["content"]
                media = next(iter(content))
                body_type = "multipart" if media.startswith("multipart/") else "json"
                schema = _deref(content[media]["schema"], document)
                body_fields = tuple(schema.get("properties", {}))
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=op.get("operationId", ""),
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    query_params=tuple(
                        (p["name"], bool(p.get("required"))) for p in params if p["in"] == "query"
                    ),
                    body_type=body_type,
                    body_fields=body_fields,
                )
            )
    return tuple(found)


# --- the pages, from the URL resolver ------------------------------------------------------------

# Not pages of the application, with the reason they stay out of the sweep.
PAGE_PREFIXES_LEFT_OUT = {
    "admin/": "Django's admin: system administrators only, behind its own staff check and TOTP",
    "api/v1/": "the API: enumerated from its OpenAPI document instead",
    "i18n/": "the language switch: a redirect, no data",
    "jsi18n/": "the JavaScript translation catalogue: static text",
    "static/": "static files",
    "healthz": "the health check: no data",
    "favicon.ico": "a redirect to the static icon, no data",
}
_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class PageRoute:
    route: str  # as the resolver writes it, e.g. "persone/<int:pk>/documenti/"
    name: str
    params: tuple[str, ...]

    def url(self, values: dict[str, Any]) -> str:
        return "/" + _PARAM.sub(lambda m: str(values[m.group("name")]), self.route)

    def __str__(self) -> str:
        return f"page /{self.route}"


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name or ""


@cache
def page_routes() -> tuple[PageRoute, ...]:
    routes = []
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith(tuple(PAGE_PREFIXES_LEFT_OUT)) or route.startswith("^"):
            continue
        params = tuple(m.group("name") for m in _PARAM.finditer(route))
        routes.append(PageRoute(route=route, name=name, params=params))
    return tuple(routes)


# --- what each parameter names ------------------------------------------------------------------


@dataclass(frozen=True)
class Public:
    """A parameter naming something every operator may read (not an object of one
    organisation): the probes send ``value(world)`` whatever the target."""

    reason: str
    value: Callable[[World], Any] = field(default=lambda world: None)


_TERRITORY = Public(
    "the territory (Regioni, ASST, Comuni) is public", lambda w: w.orgs["a"].municipality.istat_code
)
_CODE = Public("a computation on the code sent: no registry lookup", lambda w: "RSSMRA80A01H501U")
_INSTRUMENT = Public("the catalogue of instruments is public", lambda w: "social")
_MEASURE = Public("measures and their rules are regional configuration", lambda w: "B1")
_ORG = Public("the directory of organisations is public", lambda w: w.orgs["a"].pk)
_NONE = Public("optional: left out of the probe's body", lambda w: None)

API_PATH_IDS: dict[tuple[str, str], str | Public] = {
    (f"{API}/me/tokens/{{token_id}}", "token_id"): "token",
    (f"{API}/staff/{{membership_id}}", "membership_id"): "membership",
    (f"{API}/territory/health-authorities/{{authority_id}}", "authority_id"): Public(
        "the territory is public", lambda w: 1
    ),
    (f"{API}/territory/municipalities/{{istat_code}}", "istat_code"): _TERRITORY,
    (f"{API}/fiscal-codes/{{code}}", "code"): _CODE,
    (f"{API}/persons/{{person_id}}", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/consents", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/consents/signed-form", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/consents/{{consent_id}}/file", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/consents/{{consent_id}}/file", "consent_id"): "consent",
    (f"{API}/persons/{{person_id}}/concealments", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/access-report.pdf", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/emergency-access", "person_id"): "person",
    (f"{API}/emergency-accesses/{{access_id}}", "access_id"): "emergency",
    (f"{API}/notices/{{notice_id}}/read", "notice_id"): "notice",
    (f"{API}/persons/{{person_id}}/documents", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/documents/{{document_id}}/file", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/documents/{{document_id}}/file", "document_id"): "document",
    (f"{API}/persons/{{person_id}}/household", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/household/{{member_id}}", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/household/{{member_id}}", "member_id"): "household",
    (f"{API}/persons/{{person_id}}/isee", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/timeline", "person_id"): "person",
    (f"{API}/persons/{{person_id}}/notes", "person_id"): "person",
    (f"{API}/notes/{{note_id}}", "note_id"): "note",
    (f"{API}/merges/{{merge_id}}", "merge_id"): "merge",
    (f"{API}/merges/{{merge_id}}/undo", "merge_id"): "merge",
    (f"{API}/pua/requests/{{request_id}}", "request_id"): "request",
    (f"{API}/pua/requests/{{request_id}}/transitions", "request_id"): "request",
    (f"{API}/pua/requests/{{request_id}}/pre-assessment", "request_id"): "request",
    (f"{API}/pua/requests/{{request_id}}/attachments", "request_id"): "request",
    (f"{API}/pua/requests/{{request_id}}/attachments/{{attachment_id}}/file", "request_id"): (
        "request"
    ),
    (
        f"{API}/pua/requests/{{request_id}}/attachments/{{attachment_id}}/file",
        "attachment_id",
    ): "attachment",
    (f"{API}/instruments/{{code}}", "code"): _INSTRUMENT,
    (f"{API}/instruments/{{code}}/score", "code"): _INSTRUMENT,
    (f"{API}/assessments/{{assessment_id}}", "assessment_id"): "assessment",
    (f"{API}/uvm-sessions/{{session_id}}", "session_id"): "uvm_session",
    (f"{API}/care-plans/{{plan_id}}", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/goals", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/goals/{{goal_id}}", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/goals/{{goal_id}}", "goal_id"): "plan_goal",
    (f"{API}/care-plans/{{plan_id}}/interventions", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/interventions/{{intervention_id}}", "plan_id"): "care_plan",
    (
        f"{API}/care-plans/{{plan_id}}/interventions/{{intervention_id}}",
        "intervention_id",
    ): "plan_intervention",
    (f"{API}/care-plans/{{plan_id}}/propose", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/rework", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/sign", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/activate", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/review", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/close", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/case-manager", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/team", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/team/{{member_id}}/end", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/team/{{member_id}}/end", "member_id"): "team_member",
    (f"{API}/care-plans/{{plan_id}}/versions", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/versions/{{number}}", "plan_id"): "care_plan",
    (f"{API}/care-plans/{{plan_id}}/versions/{{number}}", "number"): "plan_version",
    (f"{API}/care-plans/{{plan_id}}/versions/{{before}}/compare/{{after}}", "plan_id"): (
        "care_plan"
    ),
    (f"{API}/care-plans/{{plan_id}}/versions/{{before}}/compare/{{after}}", "before"): (
        "plan_version"
    ),
    (f"{API}/care-plans/{{plan_id}}/versions/{{before}}/compare/{{after}}", "after"): (
        "plan_version"
    ),
    (f"{API}/care-plans/{{plan_id}}/tasks", "plan_id"): "care_plan",
    (f"{API}/tasks/{{task_id}}/done", "task_id"): "care_task",
    (f"{API}/tasks/{{task_id}}/cancel", "task_id"): "care_task",
    (f"{API}/uvm-sessions/{{session_id}}/members", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/members/{{member_id}}", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/members/{{member_id}}", "member_id"): "uvm_member",
    (f"{API}/uvm-sessions/{{session_id}}/assessments", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/outcome", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/eligibility", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/conclude", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/cancel", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/reschedule", "session_id"): "uvm_session",
    (f"{API}/uvm-sessions/{{session_id}}/minutes.pdf", "session_id"): "uvm_session",
    (f"{API}/measures/{{code}}/rules", "code"): _MEASURE,
    (f"{API}/measures/{{code}}/screen", "code"): _MEASURE,
    (f"{API}/measures/evidence/{{fact_id}}/end", "fact_id"): "fact",
    (f"{API}/organizations/{{organization_id}}", "organization_id"): _ORG,
    (f"{API}/services/{{service_id}}", "service_id"): "service",
    (f"{API}/copayment-regulations/{{regulation_id}}", "regulation_id"): "regulation",
}

# Query and body fields that name an object (``*_id`` / ``*_ids``), by (method, path, field).
API_FIELD_IDS: dict[tuple[str, str, str], str | Public] = {
    ("GET", f"{API}/staff", "organization_id"): "org",
    ("POST", f"{API}/staff", "organization_id"): "org",
    ("POST", f"{API}/staff", "unit_id"): _NONE,
    ("PATCH", f"{API}/staff/{{membership_id}}", "unit_id"): _NONE,
    ("GET", f"{API}/audit/access-log", "subject_id"): Public(
        "a filter within the auditor's own scope of the log", lambda w: None
    ),
    ("POST", f"{API}/persons", "birth_place_municipality_id"): _NONE,
    ("POST", f"{API}/persons", "residence_municipality_id"): _NONE,
    ("POST", f"{API}/persons", "domicile_municipality_id"): _NONE,
    ("POST", f"{API}/persons/check-duplicates", "birth_place_municipality_id"): _NONE,
    ("POST", f"{API}/persons/check-duplicates", "residence_municipality_id"): _NONE,
    ("POST", f"{API}/persons/check-duplicates", "domicile_municipality_id"): _NONE,
    ("PATCH", f"{API}/persons/{{person_id}}", "birth_place_municipality_id"): _NONE,
    ("PATCH", f"{API}/persons/{{person_id}}", "residence_municipality_id"): _NONE,
    ("PATCH", f"{API}/persons/{{person_id}}", "domicile_municipality_id"): _NONE,
    ("POST", f"{API}/persons/{{person_id}}/household", "member_id"): _NONE,
    ("GET", f"{API}/persons/{{person_id}}/timeline", "organization_id"): Public(
        "a filter within the caller's own scope of the person's timeline", lambda w: None
    ),
    # The item to hide: a document of the person (the bundle's, not yet hidden).
    ("POST", f"{API}/persons/{{person_id}}/concealments", "item_id"): "document",
    ("GET", f"{API}/merges/preview", "survivor_id"): "person",
    ("GET", f"{API}/merges/preview", "merged_id"): "alias",
    ("POST", f"{API}/merges", "survivor_id"): "person",
    ("POST", f"{API}/merges", "merged_id"): "alias",
    ("GET", f"{API}/pua/requests", "pua_id"): "pua",
    ("POST", f"{API}/pua/requests", "person_id"): "person",
    ("POST", f"{API}/pua/requests", "pua_id"): _NONE,
    ("POST", f"{API}/pua/requests", "requester_organization_id"): _NONE,
    ("POST", f"{API}/pua/requests/{{request_id}}/transitions", "service_id"): _NONE,
    ("POST", f"{API}/pua/requests/{{request_id}}/transitions", "forwarded_to_id"): _NONE,
    ("POST", f"{API}/assessments", "person_id"): "person",
    ("GET", f"{API}/assessments", "person_id"): "person",
    ("GET", f"{API}/uvm-sessions", "person_id"): "person",
    ("POST", f"{API}/uvm-sessions", "person_id"): "person",
    ("POST", f"{API}/uvm-sessions", "intake_request_id"): "request",
    ("POST", f"{API}/uvm-sessions/{{session_id}}/members", "organization_id"): _ORG,
    ("POST", f"{API}/uvm-sessions/{{session_id}}/members", "membership_id"): _NONE,
    ("POST", f"{API}/uvm-sessions/{{session_id}}/assessments", "assessment_ids"): "assessment",
    ("PATCH", f"{API}/uvm-sessions/{{session_id}}/outcome", "proposed_case_manager_id"): _NONE,
    ("POST", f"{API}/measures/{{code}}/screen", "person_id"): "person",
    ("GET", f"{API}/measures/evidence", "person_id"): "person",
    ("POST", f"{API}/measures/evidence", "person_id"): "person",
    ("POST", f"{API}/measures/evidence", "document_id"): "document",
    ("GET", f"{API}/care-plans", "person_id"): "person",
    ("POST", f"{API}/care-plans", "person_id"): "person",
    ("POST", f"{API}/care-plans", "intake_request_id"): "request",
    ("POST", f"{API}/care-plans/from-uvm", "uvm_session_id"): "uvm_session",
    ("POST", f"{API}/care-plans/{{plan_id}}/interventions", "service_id"): _NONE,
    ("POST", f"{API}/care-plans/{{plan_id}}/interventions", "provider_id"): _NONE,
    ("POST", f"{API}/care-plans/{{plan_id}}/interventions", "goal_id"): _NONE,
    ("PUT", f"{API}/care-plans/{{plan_id}}/interventions/{{intervention_id}}", "service_id"): _NONE,
    (
        "PUT",
        f"{API}/care-plans/{{plan_id}}/interventions/{{intervention_id}}",
        "provider_id",
    ): _NONE,
    ("PUT", f"{API}/care-plans/{{plan_id}}/interventions/{{intervention_id}}", "goal_id"): _NONE,
    ("POST", f"{API}/care-plans/{{plan_id}}/sign", "signer_id"): _NONE,
    ("POST", f"{API}/care-plans/{{plan_id}}/sign", "document_id"): "document",
    ("POST", f"{API}/care-plans/{{plan_id}}/case-manager", "membership_id"): _NONE,
    ("POST", f"{API}/care-plans/{{plan_id}}/team", "membership_id"): _NONE,
    ("POST", f"{API}/care-plans/{{plan_id}}/tasks", "assignee_id"): _NONE,
    ("GET", f"{API}/tasks", "plan_id"): "care_plan",
    ("GET", f"{API}/caseloads", "membership_id"): _NONE,
    ("POST", f"{API}/caseloads/reassign", "from_membership_id"): _NONE,
    ("POST", f"{API}/caseloads/reassign", "to_membership_ids"): _NONE,
    ("POST", f"{API}/services", "unit_id"): _NONE,
    ("PATCH", f"{API}/services/{{service_id}}", "unit_id"): _NONE,
    ("GET", f"{API}/copayment-regulations", "organization_id"): Public(
        "a filter on municipal configuration every operator may read", lambda w: None
    ),
    # Writing for another organisation: refused like a missing one (the system admin by design).
    ("POST", f"{API}/copayment-regulations", "organization_id"): "org",
    ("POST", f"{API}/cost-split/preview", "service_id"): _NONE,
    ("POST", f"{API}/cost-split/preview", "organization_id"): _NONE,
    ("POST", f"{API}/cost-split/preview", "regulation_id"): _NONE,
}

# Reads of objects every operator may see, left out of the matrix (nothing to hide).
PUBLIC_READS: dict[tuple[str, str], str] = {
    ("GET", f"{API}/services/{{service_id}}"): "the catalogue of services is public",
    ("GET", f"{API}/copayment-regulations/{{regulation_id}}"): (
        "co-payment regulations are municipal configuration, read by every catalogue reader"
    ),
}

# Operations a role performs across organisations by design, left out of the matrix for it.
_SYSTEM_ADMIN_STAFF = (
    "a system admin manages the staff of every organisation "
    "(integra/accounts/access.py: membership_scope, membership_manageable_by)"
)
_SYSTEM_ADMIN_REGULATIONS = (
    "a system admin writes the co-payment regulations of every Comune and Ambito "
    "(integra/costshares/access.py: writable_regulations, may_write_for_organization)"
)
BY_DESIGN: dict[tuple[str, tuple[str, str]], str] = {
    ("system_admin", ("POST", f"{API}/copayment-regulations")): _SYSTEM_ADMIN_REGULATIONS,
    (
        "system_admin",
        ("PATCH", f"{API}/copayment-regulations/{{regulation_id}}"),
    ): _SYSTEM_ADMIN_REGULATIONS,
    **{
        ("system_admin", (method, route)): _SYSTEM_ADMIN_REGULATIONS
        for method in ("GET", "POST")
        for route in (
            "chi-paga/regolamenti/<int:pk>/modifica/",
            "chi-paga/regolamenti/<int:pk>/periodi/nuovo/",
            "chi-paga/regolamenti/<int:pk>/periodi/<int:period_pk>/",
        )
    },
    ("system_admin", ("GET", f"{API}/staff")): _SYSTEM_ADMIN_STAFF,
    ("system_admin", ("POST", f"{API}/staff")): _SYSTEM_ADMIN_STAFF,
    ("system_admin", ("GET", f"{API}/staff/{{membership_id}}")): _SYSTEM_ADMIN_STAFF,
    ("system_admin", ("PATCH", f"{API}/staff/{{membership_id}}")): _SYSTEM_ADMIN_STAFF,
    ("system_admin", ("GET", "account/operatori/<int:membership_id>/")): _SYSTEM_ADMIN_STAFF,
    ("system_admin", ("POST", "account/operatori/<int:membership_id>/")): _SYSTEM_ADMIN_STAFF,
    (
        "system_admin",
        ("GET", "account/operatori/<int:membership_id>/disattiva/"),
    ): _SYSTEM_ADMIN_STAFF,
    (
        "system_admin",
        ("POST", "account/operatori/<int:membership_id>/disattiva/"),
    ): _SYSTEM_ADMIN_STAFF,
}

# Answers about a person seen only in the limited form that the PUA (INTAKE_MANAGE) may give:
# the person is known, whom to contact — never the content (checked by the canary sweep).
LIMITED_FOR_PUA: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", f"{API}/persons/{{person_id}}"),
        ("POST", f"{API}/pua/requests"),  # the PUA receives requests about anyone it recognises
        ("GET", "persone/<int:pk>/"),
        # Issue 9, deliver 3: consent is recorded "at the PUA with the person (or guardian)
        # present", whichever territory the PUA serves; the registering organisation is
        # notified (tests/security/test_consent_attacks.py checks both, and that nobody else
        # who sees the limited form may).
        ("POST", f"{API}/persons/{{person_id}}/consents"),
        ("POST", f"{API}/persons/{{person_id}}/consents/signed-form"),
        ("GET", "persone/<int:pk>/consenso-al-pua/"),
        ("POST", "persone/<int:pk>/consenso-al-pua/"),
        # The same consent, collected on the request's page (intake/consent.py: the people
        # service's rules, its notice).
        ("POST", "pua/richieste/<int:pk>/consenso/"),
        # Deliver 6: an operator who knows of the person (the PUA knows the registry) but may
        # not read the record may open it in an emergency, with a reason, for a few hours.
        ("POST", f"{API}/persons/{{person_id}}/emergency-access"),
        ("GET", "persone/<int:pk>/accesso-di-emergenza/"),
        ("POST", "persone/<int:pk>/accesso-di-emergenza/"),
    }
)

PAGE_PATH_IDS: dict[tuple[str, str], str | Public] = {
    ("account/tokens/<int:token_id>/revoke/", "token_id"): "token",
    ("account/operatori/<int:membership_id>/", "membership_id"): "membership",
    ("account/operatori/<int:membership_id>/disattiva/", "membership_id"): "membership",
    ("territorio/aziende/<int:pk>/", "pk"): Public("the territory is public", lambda w: 1),
    ("enti/<int:pk>/", "pk"): _ORG,
    ("enti/servizi/<int:pk>/", "pk"): Public(
        "the catalogue of services is public", lambda w: w.bundles["a"].service.pk
    ),
    ("enti/servizi/<int:pk>/modifica/", "pk"): "service",
    ("persone/<int:pk>/", "pk"): "person",
    ("persone/<int:pk>/modifica/", "pk"): "person",
    ("persone/<int:pk>/documenti/", "pk"): "person",
    ("persone/<int:pk>/documenti/<int:document_pk>/file/", "pk"): "person",
    ("persone/<int:pk>/documenti/<int:document_pk>/file/", "document_pk"): "document",
    ("persone/<int:pk>/nucleo/", "pk"): "person",
    ("persone/<int:pk>/isee/", "pk"): "person",
    ("persone/<int:pk>/consensi/", "pk"): "person",
    ("persone/<int:pk>/consenso-al-pua/", "pk"): "person",
    ("persone/<int:pk>/consensi/<int:consent_pk>/modulo/", "pk"): "person",
    ("persone/<int:pk>/consensi/<int:consent_pk>/modulo/", "consent_pk"): "consent",
    ("persone/<int:pk>/oscuramenti/", "pk"): "person",
    ("persone/<int:pk>/accesso-di-emergenza/", "pk"): "person",
    ("persone/<int:pk>/registro-accessi/", "pk"): "person",
    ("persone/<int:pk>/registro-accessi.pdf", "pk"): "person",
    ("avvisi/<int:pk>/letto/", "pk"): "notice",
    ("persone/<int:pk>/storico/", "pk"): "person",
    ("persone/<int:pk>/diario/", "pk"): "person",
    ("persone/<int:pk>/unisci/", "pk"): "person",
    ("persone/unioni/<int:merge_id>/", "merge_id"): "merge",
    ("persone/unioni/<int:merge_id>/annulla/", "merge_id"): "merge",
    ("pua/richieste/<int:pk>/", "pk"): "request",
    ("pua/richieste/<int:pk>/passaggio/", "pk"): "request",
    ("pua/richieste/<int:pk>/pre-valutazione/", "pk"): "request",
    ("pua/richieste/<int:pk>/consenso/", "pk"): "request",
    ("pua/richieste/<int:pk>/allegati/", "pk"): "request",
    ("pua/richieste/<int:pk>/allegati/<int:attachment_pk>/", "pk"): "request",
    ("pua/richieste/<int:pk>/allegati/<int:attachment_pk>/", "attachment_pk"): "attachment",
    ("valutazioni/strumenti/<slug:code>/", "code"): _INSTRUMENT,
    ("valutazioni/strumenti/<slug:code>/punteggio/", "code"): _INSTRUMENT,
    ("valutazioni/persone/<int:person_pk>/", "person_pk"): "person",
    ("valutazioni/persone/<int:person_pk>/nuova/<slug:code>/", "person_pk"): "person",
    ("valutazioni/persone/<int:person_pk>/nuova/<slug:code>/", "code"): _INSTRUMENT,
    ("valutazioni/<int:pk>/", "pk"): "assessment",
    ("valutazioni/uvm/<int:pk>/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/componenti/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/componenti/<int:member_pk>/rimuovi/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/componenti/<int:member_pk>/rimuovi/", "member_pk"): "uvm_member",
    ("valutazioni/uvm/<int:pk>/componenti/<int:member_pk>/presenza/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/componenti/<int:member_pk>/presenza/", "member_pk"): "uvm_member",
    ("valutazioni/uvm/<int:pk>/strumenti/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/strumenti/<int:assessment_pk>/scollega/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/strumenti/<int:assessment_pk>/scollega/", "assessment_pk"): (
        "assessment"
    ),
    ("valutazioni/uvm/<int:pk>/esito/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/requisiti/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/annulla/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/sposta/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/consenso/", "pk"): "uvm_session",
    ("valutazioni/uvm/<int:pk>/verbale.pdf", "pk"): "uvm_session",
    ("progetti/attivita/<int:task_pk>/chiudi/", "task_pk"): "care_task",
    ("progetti/nuovo/uvm/<int:session_pk>/", "session_pk"): "uvm_session",
    ("progetti/nuovo/persona/<int:person_pk>/", "person_pk"): "person",
    ("progetti/persone/<int:person_pk>/", "person_pk"): "person",
    ("progetti/<int:pk>/", "pk"): "care_plan",
    ("progetti/<int:pk>/modifica/", "pk"): "care_plan",
    ("progetti/<int:pk>/obiettivi/nuovo/", "pk"): "care_plan",
    ("progetti/<int:pk>/obiettivi/<int:goal_pk>/", "pk"): "care_plan",
    ("progetti/<int:pk>/obiettivi/<int:goal_pk>/", "goal_pk"): "plan_goal",
    ("progetti/<int:pk>/obiettivi/<int:goal_pk>/togli/", "pk"): "care_plan",
    ("progetti/<int:pk>/obiettivi/<int:goal_pk>/togli/", "goal_pk"): "plan_goal",
    ("progetti/<int:pk>/interventi/nuovo/", "pk"): "care_plan",
    ("progetti/<int:pk>/interventi/<int:item_pk>/", "pk"): "care_plan",
    ("progetti/<int:pk>/interventi/<int:item_pk>/", "item_pk"): "plan_intervention",
    ("progetti/<int:pk>/interventi/<int:item_pk>/togli/", "pk"): "care_plan",
    ("progetti/<int:pk>/interventi/<int:item_pk>/togli/", "item_pk"): "plan_intervention",
    ("progetti/<int:pk>/proponi/", "pk"): "care_plan",
    ("progetti/<int:pk>/riapri/", "pk"): "care_plan",
    ("progetti/<int:pk>/firma/", "pk"): "care_plan",
    ("progetti/<int:pk>/attiva/", "pk"): "care_plan",
    ("progetti/<int:pk>/revisione/", "pk"): "care_plan",
    ("progetti/<int:pk>/chiudi/", "pk"): "care_plan",
    ("progetti/<int:pk>/case-manager/", "pk"): "care_plan",
    ("progetti/<int:pk>/equipe/nuovo/", "pk"): "care_plan",
    ("progetti/<int:pk>/equipe/<int:member_pk>/esce/", "pk"): "care_plan",
    ("progetti/<int:pk>/equipe/<int:member_pk>/esce/", "member_pk"): "team_member",
    ("progetti/<int:pk>/attivita/nuova/", "pk"): "care_plan",
    ("progetti/<int:pk>/versioni/", "pk"): "care_plan",
    ("progetti/<int:pk>/versioni/confronta/", "pk"): "care_plan",
    ("progetti/<int:pk>/versioni/<int:number>/", "pk"): "care_plan",
    ("progetti/<int:pk>/versioni/<int:number>/", "number"): "plan_version",
    ("progetti/<int:pk>/versioni/<int:number>/pdf", "pk"): "care_plan",
    ("progetti/<int:pk>/versioni/<int:number>/pdf", "number"): "plan_version",
    ("progetti/<int:pk>/pdf", "pk"): "care_plan",
    ("misure/regole/<int:pk>/", "pk"): Public(
        "measures and their rules are regional configuration",
        lambda w: _first_rule_set_id(),
    ),
    ("misure/persone/<int:person_pk>/", "person_pk"): "person",
    ("misure/persone/<int:person_pk>/evidenze/nuova/", "person_pk"): "person",
    ("chi-paga/regolamenti/<int:pk>/", "pk"): Public(
        "co-payment regulations are municipal configuration",
        lambda w: w.bundles["a"].regulation.pk,
    ),
    ("chi-paga/regolamenti/<int:pk>/modifica/", "pk"): "regulation",
    ("chi-paga/regolamenti/<int:pk>/periodi/nuovo/", "pk"): "regulation",
    ("chi-paga/regolamenti/<int:pk>/periodi/<int:period_pk>/", "pk"): "regulation",
    ("chi-paga/regolamenti/<int:pk>/periodi/<int:period_pk>/", "period_pk"): "regulation_period",
}


def _first_rule_set_id() -> int:
    from integra.programs.models import MeasureRuleSet

    return MeasureRuleSet.objects.order_by("pk").values_list("pk", flat=True)[0]


# --- minimal valid bodies ------------------------------------------------------------------------


def _today() -> str:
    return timezone.localdate().isoformat()


_GOAL = {
    "need_domain": "rete",
    "description": "Obiettivo",
    "indicator": "Indicatore",
    "target": "Atteso",
    "deadline": "2030-01-01",
}


def _lowest(code: str) -> dict[str, str]:
    from tests.security.world import _answers

    return _answers(code, {})


def _pdf(name: str = "scansione.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


Body = Callable[[World, Bundle], dict[str, Any] | None]

# For each unsafe operation, a body that the service would accept for an object the actor may
# act on: the only thing left to refuse the probes is the access policy.
API_BODIES: dict[tuple[str, str], Body] = {
    ("POST", f"{API}/care-plans"): lambda w, t: {
        "person_id": t.ident("person"),
        "intake_request_id": t.ident("request"),
        "title": "Progetto",
    },
    ("POST", f"{API}/care-plans/from-uvm"): lambda w, t: {"uvm_session_id": t.ident("uvm_session")},
    ("PATCH", f"{API}/care-plans/{{plan_id}}"): lambda w, t: {"title": "Cambiato"},
    ("POST", f"{API}/care-plans/{{plan_id}}/goals"): lambda w, t: _GOAL,
    ("PUT", f"{API}/care-plans/{{plan_id}}/goals/{{goal_id}}"): lambda w, t: _GOAL,
    ("DELETE", f"{API}/care-plans/{{plan_id}}/goals/{{goal_id}}"): lambda w, t: None,
    ("POST", f"{API}/care-plans/{{plan_id}}/interventions"): lambda w, t: {
        "service_id": t.ident("service"),
        "starts_on": _today(),
    },
    ("PUT", f"{API}/care-plans/{{plan_id}}/interventions/{{intervention_id}}"): lambda w, t: {
        "service_id": t.ident("service"),
        "starts_on": _today(),
    },
    ("DELETE", f"{API}/care-plans/{{plan_id}}/interventions/{{intervention_id}}"): lambda w, t: (
        None
    ),
    ("POST", f"{API}/care-plans/{{plan_id}}/propose"): lambda w, t: {"note": ""},
    ("POST", f"{API}/care-plans/{{plan_id}}/rework"): lambda w, t: None,
    ("POST", f"{API}/care-plans/{{plan_id}}/sign"): lambda w, t: {},
    ("POST", f"{API}/care-plans/{{plan_id}}/activate"): lambda w, t: {},
    ("POST", f"{API}/care-plans/{{plan_id}}/review"): lambda w, t: {"reason": "Revisione"},
    ("POST", f"{API}/care-plans/{{plan_id}}/close"): lambda w, t: {"close_reason": "rinuncia"},
    ("POST", f"{API}/care-plans/{{plan_id}}/case-manager"): lambda w, t: {
        "membership_id": t.ident("membership"),
        "reason": "Passaggio",
    },
    ("POST", f"{API}/care-plans/{{plan_id}}/team"): lambda w, t: {
        "membership_id": t.ident("membership"),
        "profession": "educatore",
    },
    ("POST", f"{API}/care-plans/{{plan_id}}/team/{{member_id}}/end"): lambda w, t: {
        "reason": "Uscita"
    },
    ("POST", f"{API}/care-plans/{{plan_id}}/tasks"): lambda w, t: {
        "assignee_id": t.ident("membership"),
        "title": "Attività",
        "due_on": _today(),
    },
    ("POST", f"{API}/tasks/{{task_id}}/done"): lambda w, t: {},
    ("POST", f"{API}/tasks/{{task_id}}/cancel"): lambda w, t: {},
    ("POST", f"{API}/caseloads/reassign"): lambda w, t: {
        "from_membership_id": t.ident("membership"),
        "to_membership_ids": [t.ident("membership")],
        "reason": "Congedo",
    },
    ("DELETE", f"{API}/me/tokens/{{token_id}}"): lambda w, t: None,
    ("POST", f"{API}/staff"): lambda w, t: {
        "username": "sec.sonda",
        "first_name": "Sonda",
        "last_name": "Sicurezza",
        "roles": ["social_worker"],
        "organization_id": t.ident("org"),
    },
    ("PATCH", f"{API}/staff/{{membership_id}}"): lambda w, t: {"job_title": "Qualifica cambiata"},
    ("POST", f"{API}/persons"): lambda w, t: {
        "family_names": "Sonda",
        "given_names": "Sicurezza",
        "confirm_new_person_reason": "Nessun duplicato",
    },
    ("POST", f"{API}/persons/check-duplicates"): lambda w, t: {
        "family_names": "Sonda",
        "given_names": "Sicurezza",
    },
    ("PATCH", f"{API}/persons/{{person_id}}"): lambda w, t: {"phone": "02 0000 0000"},
    ("POST", f"{API}/persons/{{person_id}}/consents"): lambda w, t: {
        "purpose": "sharing",
        "status": "given",
        "decided_on": _today(),
        "evidence_note": "Modulo firmato",
    },
    ("POST", f"{API}/persons/{{person_id}}/consents/signed-form"): lambda w, t: {
        "purpose": "sharing",
        "status": "given",
        "decided_on": _today(),
        "evidence_note": "Modulo firmato allo sportello",
        "file": _pdf("modulo.pdf"),
    },
    ("POST", f"{API}/persons/{{person_id}}/concealments"): lambda w, t: {
        "item_kind": "document",
        "action": "conceal",
        "requested_on": _today(),
        "evidence_kind": "written_request",
        "evidence_note": "Richiesta scritta, protocollo n. 12",
    },
    ("POST", f"{API}/persons/{{person_id}}/emergency-access"): lambda w, t: {
        "reason": "Persona portata in pronto soccorso priva di sensi.",
        "hours": 1,
        "confirm": True,
    },
    ("POST", f"{API}/emergency-accesses"): lambda w, t: {
        "code": "RSSMRA80A01H501U",
        "reason": "Persona portata in pronto soccorso priva di sensi.",
        "hours": 1,
        "confirm": True,
    },
    ("POST", f"{API}/notices/{{notice_id}}/read"): lambda w, t: None,
    ("POST", f"{API}/persons/{{person_id}}/documents"): lambda w, t: {
        "kind": "identity_card",
        "file": _pdf(),
    },
    ("POST", f"{API}/persons/{{person_id}}/household"): lambda w, t: {
        "name": "Nome Cognome",
        "relationship": "child",
    },
    ("PATCH", f"{API}/persons/{{person_id}}/household/{{member_id}}"): lambda w, t: {
        "name": "Nome Cambiato"
    },
    ("DELETE", f"{API}/persons/{{person_id}}/household/{{member_id}}"): lambda w, t: None,
    ("POST", f"{API}/persons/{{person_id}}/isee"): lambda w, t: {
        "kind": "ordinario",
        "value": "1000.00",
        "signed_on": _today(),
    },
    ("POST", f"{API}/merges"): lambda w, t: {
        "survivor_id": t.ident("person"),
        "merged_id": t.ident("alias"),
        "reason": "Stessa persona registrata due volte",
    },
    ("POST", f"{API}/merges/{{merge_id}}/undo"): lambda w, t: {"reason": "Unione sbagliata"},
    ("POST", f"{API}/pua/requests"): lambda w, t: {
        "person_id": t.ident("person"),
        "channel": "sportello",
        "requester_kind": "persona",
        "need_areas": ["anziani"],
        "description": "Chiede assistenza a domicilio.",
    },
    ("POST", f"{API}/pua/requests/{{request_id}}/transitions"): lambda w, t: {
        "to": "pre_valutazione",
        "reason": "Avvio della pre-valutazione",
    },
    ("POST", f"{API}/pua/requests/{{request_id}}/pre-assessment"): lambda w, t: {
        "answers": _lowest("pua_triage")
    },
    ("POST", f"{API}/pua/requests/{{request_id}}/attachments"): lambda w, t: {
        "description": "Allegato",
        "file": _pdf("allegato.pdf"),
    },
    ("POST", f"{API}/instruments/{{code}}/score"): lambda w, t: {"answers": _lowest("social")},
    ("POST", f"{API}/persons/{{person_id}}/notes"): lambda w, t: {
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "kind": "interview",
        "domain": "social",
        "text": "Colloquio",
    },
    ("POST", f"{API}/assessments"): lambda w, t: {
        "person_id": t.ident("person"),
        "instrument_code": "social",
        "answers": _lowest("social"),
        "administered_on": _today(),
    },
    ("POST", f"{API}/uvm-sessions"): lambda w, t: {
        "person_id": t.ident("person"),
        "intake_request_id": t.ident("request"),
        "scheduled_for": (timezone.now() + timedelta(days=3)).isoformat(),
    },
    ("POST", f"{API}/uvm-sessions/{{session_id}}/members"): lambda w, t: {
        "organization_id": w.orgs["a"].pk,
        "full_name": "Nome Cognome",
        "profession": "medico",
    },
    ("DELETE", f"{API}/uvm-sessions/{{session_id}}/members/{{member_id}}"): lambda w, t: None,
    ("POST", f"{API}/uvm-sessions/{{session_id}}/assessments"): lambda w, t: {
        "assessment_ids": [t.ident("assessment")]
    },
    ("PATCH", f"{API}/uvm-sessions/{{session_id}}/outcome"): lambda w, t: {
        "outcome_notes": "Nota cambiata"
    },
    ("POST", f"{API}/uvm-sessions/{{session_id}}/eligibility"): lambda w, t: {
        "measure_code": "B1",
        "on_date": SCREEN_DAY.isoformat(),
    },
    ("POST", f"{API}/uvm-sessions/{{session_id}}/conclude"): lambda w, t: {},
    ("POST", f"{API}/uvm-sessions/{{session_id}}/cancel"): lambda w, t: {"reason": "Annullata"},
    ("POST", f"{API}/uvm-sessions/{{session_id}}/reschedule"): lambda w, t: {
        "scheduled_for": (timezone.now() + timedelta(days=4)).isoformat(),
        "reason": "Spostata",
    },
    ("POST", f"{API}/measures/rule-sets"): lambda w, t: {"text": "measure = 'B9'"},
    ("POST", f"{API}/measures/{{code}}/screen"): lambda w, t: {
        "person_id": t.ident("person"),
        "on_date": SCREEN_DAY.isoformat(),
    },
    ("POST", f"{API}/measures/evidence"): lambda w, t: {
        "person_id": t.ident("person"),
        "kind": "indennita_accompagnamento",
        "value": True,
        "valid_from": "2024-01-01",
        "document_id": t.ident("document"),
    },
    ("POST", f"{API}/measures/evidence/{{fact_id}}/end"): lambda w, t: {"valid_until": _today()},
    ("POST", f"{API}/services"): lambda w, t: {"name": "Servizio sonda", "area": "anziani"},
    ("PATCH", f"{API}/services/{{service_id}}"): lambda w, t: {"description": "Cambiata"},
    ("POST", f"{API}/copayment-regulations"): lambda w, t: {
        "name": "Regolamento sonda",
        "act": "Delibera n. 2/2025",
        "isee_kind": "sociosanitario",
        "periods": [
            {
                "valid_from": "2025-01-01",
                "shape": "linear",
                "exemption_threshold": "8000.00",
                "ceiling": "28000.00",
                "source": "art. 5",
            }
        ],
    },
    ("PATCH", f"{API}/copayment-regulations/{{regulation_id}}"): lambda w, t: {
        "act": "Delibera cambiata"
    },
    ("POST", f"{API}/cost-split/preview"): lambda w, t: {
        "setting_code": "social-only",
        "monthly_tariff": "100.00",
        "on": _today(),
    },
}


# --- building a probe ---------------------------------------------------------------------------


def id_fields(op: Operation) -> list[str]:
    """The query and body fields of ``op`` that name an object (``*_id`` / ``*_ids``)."""
    names = [name for name, _required in op.query_params] + list(op.body_fields)
    return [n for n in names if n.endswith(("_id", "_ids"))]


def resolve(entry: str | Public, world: World, target: Bundle) -> Any:
    return entry.value(world) if isinstance(entry, Public) else target.ident(entry)


def names_objects(op: Operation) -> bool:
    """Whether the operation takes the id of an object of one organisation (the matrix probes
    it); reads of public objects and computations are left out."""
    if op.key in PUBLIC_READS:
        return False
    for param in op.path_params:
        if not isinstance(API_PATH_IDS.get((op.path, param)), Public):
            return True
    for name in id_fields(op):
        if not isinstance(API_FIELD_IDS.get((op.method, op.path, name)), Public):
            return True
    return False


@dataclass
class Request:
    method: str
    url: str
    query: dict[str, Any]
    body: dict[str, Any] | None
    body_type: str

    def send(self, client: Client) -> Any:
        if self.method == "GET":
            return client.get(self.url, self.query)
        url = self.url
        if self.query:
            url += "?" + "&".join(f"{k}={v}" for k, v in self.query.items())
        # Edits of versioned records need If-Match (else 428, integra/core/concurrency.py): the
        # first version, so the object's existence and the operator's rights decide the answer.
        if_match = {"HTTP_IF_MATCH": '"1"'}
        if self.body_type == "multipart":
            return client.generic(self.method, url, **_multipart(self.body or {}), **if_match)
        return client.generic(
            self.method,
            url,
            json.dumps(self.body if self.body is not None else {}),
            content_type="application/json",
            **if_match,
        )

    def __str__(self) -> str:
        return f"{self.method} {self.url}{'?' if self.query else ''}" + "&".join(
            f"{k}={v}" for k, v in self.query.items()
        )


def _multipart(body: dict[str, Any]) -> dict[str, Any]:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return {"data": encode_multipart(BOUNDARY, body), "content_type": MULTIPART_CONTENT}


def api_request(op: Operation, world: World, target: Bundle) -> Request:
    """``op`` with every object it names taken from ``target``."""
    values = {p: resolve(API_PATH_IDS[(op.path, p)], world, target) for p in op.path_params}
    url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), op.path)
    query: dict[str, Any] = {}
    for name, _required in op.query_params:
        entry = API_FIELD_IDS.get((op.method, op.path, name))
        if entry is not None:
            value = resolve(entry, world, target)
            if value is not None:
                query[name] = value
    body = None
    if op.method in UNSAFE:
        body = API_BODIES[op.key](world, target)
    if body is not None:
        for name in op.body_fields:
            entry = API_FIELD_IDS.get((op.method, op.path, name))
            if entry is not None and not isinstance(entry, Public) and name not in body:
                value = resolve(entry, world, target)
                body[name] = [value] if name.endswith("_ids") else value
    return Request(op.method, url, query, body, op.body_type)


def page_values(route: PageRoute, world: World, target: Bundle) -> dict[str, Any]:
    return {p: resolve(PAGE_PATH_IDS[(route.route, p)], world, target) for p in route.params}


def page_url(route: PageRoute, world: World, target: Bundle) -> str:
    return route.url(page_values(route, world, target))


def page_names_objects(route: PageRoute) -> bool:
    return any(not isinstance(PAGE_PATH_IDS.get((route.route, p)), Public) for p in route.params)


# --- reading answers ----------------------------------------------------------------------------


_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def pdf_text(data: bytes) -> str:
    """The text of a PDF; for a file that is not a well-formed PDF (an uploaded scan served
    back as it was stored), its bytes as Latin-1."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError):
        return data.decode("latin-1")


def response_text(response: Any) -> str:
    """What a person reading the answer would read: the PDF's text, the CSV's cells, the page's
    HTML (entities decoded), the JSON as written (unicode escapes decoded)."""
    content_type = response.get("Content-Type", "")
    # A download names its file in a header.
    headers = " ".join(f"{k}: {v}" for k, v in response.items() if k.lower().startswith("content-"))
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if content_type.startswith("application/pdf") or raw.startswith(b"%PDF-"):
        return headers + "\n" + pdf_text(raw)
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        with contextlib.suppress(ValueError):  # not JSON after all: read as it is
            text = json.dumps(json.loads(text), ensure_ascii=False)
    elif "csv" in content_type:
        text = "\n".join(" ".join(row) for row in csv.reader(io.StringIO(text)))
    else:
        # Drawings (the QR code of the second factor) are coordinates, not text; the page is
        # read as written and as shown (tags removed: a table row reads "7 Compromissione").
        page = _SVG.sub("<svg/>", text)
        text = html.unescape(page) + "\n" + html.unescape(_TAG.sub(" ", page))
    return headers + "\n" + text


def found_canaries(text: str, canaries: list[str], *, echoed: list[str] = ()) -> list[str]:
    """The canaries in ``text`` (case and spacing ignored), after removing what the request itself
    sent (a search box shows the query back)."""
    folded = " ".join(text.split()).casefold()
    for sent in echoed:
        folded = folded.replace(" ".join(str(sent).split()).casefold(), " ")
    return [c for c in canaries if " ".join(c.split()).casefold() in folded]


# --- the database, before and after -------------------------------------------------------------

_FINGERPRINT_APPS = (
    "accounts",
    "organizations",
    "people",
    "intake",
    "assessments",
    "programs",
    "notices",
    "costshares",
    "careplans",
)
# Columns a read may touch: the token's last use, an operator's last login.
_SKIP_COLUMNS = {"accounts_apitoken": {"last_used_at"}, "accounts_user": {"last_login"}}


@cache
def _fingerprint_sql() -> str:
    parts = []
    for label in _FINGERPRINT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model.__name__.endswith("Event"):
                continue  # pghistory's copies follow the tables checked here
            table = model._meta.db_table
            skip = _SKIP_COLUMNS.get(table, set())
            columns = [f.column for f in model._meta.concrete_fields if f.column not in skip]
            row = "ROW(" + ", ".join(f'"{c}"' for c in columns) + ")::text"
            parts.append(
                f"SELECT '{table}' AS t, md5(coalesce(string_agg({row}, '|' ORDER BY {row}), ''))"
                f' FROM "{table}"'
            )
    return " UNION ALL ".join(parts)


def db_fingerprint() -> dict[str, str]:
    """A hash of every row of the domain tables (the access log and history left out)."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return dict(cursor.fetchall())


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before if before[t] != after.get(t))

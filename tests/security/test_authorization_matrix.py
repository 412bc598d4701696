"""The authorization matrix: every role × every API operation and page that names an object.

Each operation is sent twice by an operator of organisation A (the Comune that runs the PUA),
once naming the objects of organisation D (another territory: A has no right to any of them)
and once naming ids that do not exist. Both answers must be the same 404 (or the same 403 when
the role lacks the permission altogether), with bodies identical but for the request id; an
unsafe method must leave every domain table as it was. The operations come from the OpenAPI
document and the pages from the URL resolver; what each parameter names comes from the table in
``tests/security/surface.py`` (its docstring says how to add a new endpoint or page), and
``test_every_parameter_is_in_the_table`` fails when a parameter is not in it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from integra.core.permissions import Permission, Role
from tests.security.surface import (
    API_BODIES,
    API_FIELD_IDS,
    API_PATH_IDS,
    BY_DESIGN,
    LIMITED_FOR_PUA,
    PAGE_PATH_IDS,
    PUBLIC_READS,
    UNSAFE,
    Operation,
    PageRoute,
    Public,
    api_operations,
    api_request,
    changed_tables,
    db_fingerprint,
    found_canaries,
    id_fields,
    names_objects,
    openapi_document,
    page_names_objects,
    page_routes,
    page_url,
    page_values,
    response_text,
)
from tests.security.world import DISTINCT_ROLES, MISSING, ROLES

ACTING = "a"  # every role of the Comune that runs the PUA
FOREIGN = "d"  # a Comune of another territory: none of its objects is A's business

API_CASES = [
    (role, op)
    for role in DISTINCT_ROLES
    for op in api_operations()
    if names_objects(op) and (role.value, op.key) not in BY_DESIGN
]
PAGE_CASES = [
    (role, route, method)
    for role in DISTINCT_ROLES
    for route in page_routes()
    if page_names_objects(route)
    for method in ("GET", "POST")
    if (role.value, (method, route.route)) not in BY_DESIGN
]


# --- the table covers the surface ---------------------------------------------------------------


def test_every_parameter_is_in_the_table() -> None:
    """A new path parameter, page or ``*_id`` field must join the matrix (see surface.py)."""
    missing = []
    for op in api_operations():
        missing += [
            f"API_PATH_IDS: {op} parameter {p!r}"
            for p in op.path_params
            if (op.path, p) not in API_PATH_IDS
        ]
        missing += [
            f"API_FIELD_IDS: {op} field {f!r}"
            for f in id_fields(op)
            if (op.method, op.path, f) not in API_FIELD_IDS
        ]
        if op.method in UNSAFE and op.key not in API_BODIES:
            missing.append(f"API_BODIES: {op}")
    for route in page_routes():
        missing += [
            f"PAGE_PATH_IDS: {route} parameter {p!r}"
            for p in route.params
            if (route.route, p) not in PAGE_PATH_IDS
        ]
    assert not missing, "Not in the matrix's table:\n" + "\n".join(missing)


def test_the_table_names_only_what_exists() -> None:
    """Rows for operations, parameters or pages that are gone are mistakes waiting to happen."""
    ops = {op.key: op for op in api_operations()}
    paths = {op.path for op in ops.values()}
    routes = {r.route: r for r in page_routes()}
    stale = [f"API_PATH_IDS {key}" for key in API_PATH_IDS if key[0] not in paths]
    stale += [
        f"API_FIELD_IDS {key}"
        for key in API_FIELD_IDS
        if (key[0], key[1]) not in ops or key[2] not in id_fields(ops[(key[0], key[1])])
    ]
    stale += [f"API_BODIES {key}" for key in API_BODIES if key not in ops]
    stale += [f"PUBLIC_READS {key}" for key in PUBLIC_READS if key not in ops]
    stale += [
        f"LIMITED_FOR_PUA {key}"
        for key in LIMITED_FOR_PUA
        if key not in ops and key[1] not in routes
    ]
    stale += [f"PAGE_PATH_IDS {key}" for key in PAGE_PATH_IDS if key[0] not in routes]
    stale += [
        f"BY_DESIGN {key}" for key in BY_DESIGN if key[1] not in ops and key[1][1] not in routes
    ]
    assert not stale, "\n".join(stale)


def test_the_operations_are_those_served(world) -> None:
    """The matrix reads the same document /api/v1/openapi.json serves."""
    response = world.member(ACTING, Role.SOCIAL_WORKER).api().get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served["paths"].keys() == openapi_document()["paths"].keys()
    assert len(API_CASES) > len(DISTINCT_ROLES) * 30  # most operations name an object
    assert len(DISTINCT_ROLES) >= len(ROLES) - 1


# --- the probes ---------------------------------------------------------------------------------


def _problem(response: Any) -> Any:
    """The answer without what differs on every request (``instance`` names the path)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return response.content
    if isinstance(body, dict):
        for key in ("instance", "request_id"):
            body.pop(key, None)
    return body


def _limited_for(member: Any, key: tuple[str, str]) -> bool:
    return key in LIMITED_FOR_PUA and member.actor().has(Permission.INTAKE_MANAGE)


def _canaries_of(world: Any, key: str) -> list[str]:
    return world.canaries[key].all()


@pytest.mark.parametrize(
    ("role", "op"), API_CASES, ids=[f"{ACTING}:{r.value}-{op}" for r, op in API_CASES]
)
def test_api_another_organisations_object_is_like_a_missing_one(
    world, role: Role, op: Operation
) -> None:
    member = world.member(ACTING, role)
    client = member.api()
    foreign_request = api_request(op, world, world.bundles[FOREIGN])
    missing_request = api_request(op, world, MISSING)
    before = world.fingerprint if op.method in UNSAFE else None
    foreign = foreign_request.send(client)
    leaked = found_canaries(response_text(foreign), _canaries_of(world, FOREIGN))
    if _limited_for(member, op.key):
        # The PUA recognises whoever the registry holds: "known, contact X", nothing more.
        assert not leaked, f"{foreign_request} -> {foreign.status_code} shows {leaked}"
        return
    missing = missing_request.send(client)
    after = db_fingerprint() if before is not None else None
    detail = (
        f"\n{foreign_request} -> {foreign.status_code} {foreign.content[:300]!r}"
        f"\n{missing_request} -> {missing.status_code} {missing.content[:300]!r}"
    )
    assert not leaked, f"the answer shows {leaked}{detail}"
    list_filter = op.method == "GET" and not any(
        not isinstance(API_PATH_IDS[(op.path, p)], Public) for p in op.path_params
    )
    allowed = {403, 404, 200} if list_filter else {403, 404}
    assert foreign.status_code in allowed, f"not refused{detail}"
    assert foreign.status_code == missing.status_code, f"forbidden ≠ missing{detail}"
    assert _problem(foreign) == _problem(missing), f"forbidden ≠ missing{detail}"
    if before is not None:
        assert changed_tables(before, after) == [], f"the refused request wrote{detail}"


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _page(response: Any, url: str, ids: dict[str, Any]) -> tuple[Any, ...]:
    """What the operator gets, with the ids sent (in the path, a redirect, a link) and the
    per-request tokens blanked."""

    def blank(text: str) -> str:
        text = text.replace(url, "<url>")
        for value in ids.values():
            text = re.sub(rf"/{re.escape(str(value))}/", "/<id>/", text)
            # The id sent, written back as the pages write an id ("Scheda n. 3").
            text = re.sub(rf"\bn\. {re.escape(str(value))}\b", "n. <id>", text)
        return text

    text = _CSRF.sub("", response.content.decode("utf-8", errors="replace"))
    request_id = response.get("X-Request-ID", "")
    if request_id:
        text = text.replace(request_id, "<request-id>")
    templates = tuple(t.name for t in response.templates)
    return (response.status_code, blank(response.get("Location", "")), templates, blank(text))


@pytest.mark.parametrize(
    ("role", "route", "method"),
    PAGE_CASES,
    ids=[f"{ACTING}:{r.value}-{m} {route}" for r, route, m in PAGE_CASES],
)
def test_page_another_organisations_object_is_like_a_missing_one(
    world, role: Role, route: PageRoute, method: str
) -> None:
    member = world.member(ACTING, role)
    client = member.browser()
    foreign_url = page_url(route, world, world.bundles[FOREIGN])
    missing_url = page_url(route, world, MISSING)
    send = client.get if method == "GET" else client.post
    before = world.fingerprint if method == "POST" else None
    foreign = send(foreign_url, {})
    leaked = found_canaries(response_text(foreign), _canaries_of(world, FOREIGN))
    if _limited_for(member, (method, route.route)):
        assert not leaked, f"{method} {foreign_url} -> {foreign.status_code} shows {leaked}"
        return
    missing = send(missing_url, {})
    after = db_fingerprint() if before is not None else None
    detail = (
        f"\n{method} {foreign_url} -> {foreign.status_code} {foreign.get('Location', '')}"
        f"\n{method} {missing_url} -> {missing.status_code} {missing.get('Location', '')}"
    )
    assert not leaked, f"the page shows {leaked}{detail}"
    # A form posted empty may be sent back (a redirect, or the form again with its errors: 400)
    # before the object is looked up: the same answer for both, and nothing written, is no
    # answer about the object.
    refusals = {403, 404, 405, 302, 400} if method == "POST" else {403, 404, 405}
    assert foreign.status_code in refusals, f"not refused{detail}"
    assert _page(foreign, foreign_url, page_values(route, world, world.bundles[FOREIGN])) == _page(
        missing, missing_url, page_values(route, world, MISSING)
    ), f"forbidden ≠ missing{detail}"
    if before is not None:
        assert changed_tables(before, after) == [], f"the refused request wrote{detail}"


# --- links from one's own records to another organisation's objects -------------------------

CrossLink = tuple[str, Role, str, str, Any]

# (label, role of A, method, path on A's own objects, body naming the other object X); each is
# sent with X = D's object and X = a missing id: the same refusal, nothing written.
CROSS_LINKS: list[CrossLink] = [
    (
        "household member",
        Role.SOCIAL_WORKER,
        "POST",
        "/api/v1/persons/{a.person}/household",
        lambda x: {"member_id": x.ident("person"), "relationship": "parent"},
    ),
    (
        "merge into one's own person",
        Role.PUA_OPERATOR,
        "POST",
        "/api/v1/merges",
        lambda x: {
            "survivor_id": "{a.person}",
            "merged_id": x.ident("person"),
            "reason": "Stessa persona",
        },
    ),
    (
        "preview of that merge",
        Role.PUA_OPERATOR,
        "GET",
        "/api/v1/merges/preview?survivor_id={a.person}&merged_id={x.person}",
        lambda x: None,
    ),
    (
        "assessment linked to one's own UVM session",
        Role.DOCTOR,
        "POST",
        "/api/v1/uvm-sessions/{a.uvm_session}/assessments",
        lambda x: {"assessment_ids": [x.ident("assessment")]},
    ),
    (
        "case manager proposed from another organisation",
        Role.DOCTOR,
        "PATCH",
        "/api/v1/uvm-sessions/{a.uvm_session}/outcome",
        lambda x: {"proposed_case_manager_id": x.ident("membership")},
    ),
    (
        "UVM session from another organisation's request",
        Role.DOCTOR,
        "POST",
        "/api/v1/uvm-sessions",
        lambda x: {
            "person_id": "{a.person}",
            "intake_request_id": x.ident("request"),
            "scheduled_for": "2026-12-30T10:00:00+01:00",
        },
    ),
    (
        "evidence proved by another person's document",
        Role.SOCIAL_WORKER,
        "POST",
        "/api/v1/measures/evidence",
        lambda x: {
            "person_id": "{a.person}",
            "kind": "indennita_accompagnamento",
            "value": True,
            "valid_from": "2024-01-01",
            "document_id": x.ident("document"),
        },
    ),
    (
        "oscuramento on one's own person of another person's document",
        Role.SOCIAL_WORKER,
        "POST",
        "/api/v1/persons/{a.person}/concealments",
        lambda x: {
            "item_kind": "document",
            "item_id": x.ident("document"),
            "action": "conceal",
            "requested_on": "2025-01-15",
            "evidence_kind": "written_request",
            "evidence_note": "Richiesta scritta",
        },
    ),
    (
        "revocation on one's own person of an item hidden on another person",
        Role.SOCIAL_WORKER,
        "POST",
        "/api/v1/persons/{a.person}/concealments",
        lambda x: {
            "item_kind": "document",
            "item_id": x.ident("concealed_document"),
            "action": "reveal",
            "requested_on": "2025-01-15",
            "evidence_kind": "written_request",
            "evidence_note": "Richiesta scritta",
        },
    ),
    (
        "request filed at another organisation's PUA",
        Role.PUA_OPERATOR,
        "POST",
        "/api/v1/pua/requests",
        lambda x: {
            "person_id": "{a.person}",
            "pua_id": x.ident("pua"),
            "channel": "sportello",
            "requester_kind": "persona",
            "need_areas": ["anziani"],
            "description": "Richiesta",
        },
    ),
]


def _own(text: str, world: Any, other: Any) -> str:
    own = world.bundles[ACTING]
    return re.sub(
        r"\{(a|x)\.(\w+)\}",
        lambda m: str((own if m.group(1) == "a" else other).ident(m.group(2))),
        text,
    )


def _send_link(client: Any, world: Any, link: CrossLink, other: Any) -> Any:
    _label, _role, method, path, body = link
    url = _own(path, world, other)
    data = body(other)
    if data is None:
        return client.generic(method, url)
    payload = _own(json.dumps(data), world, other)
    return client.generic(method, url, payload, content_type="application/json")


@pytest.mark.parametrize("link", CROSS_LINKS, ids=[link[0] for link in CROSS_LINKS])
def test_no_link_from_ones_own_record_to_another_organisations_object(world, link) -> None:
    member = world.member(ACTING, link[1])
    client = member.api()
    before = world.fingerprint
    foreign = _send_link(client, world, link, world.bundles[FOREIGN])
    written = changed_tables(before, db_fingerprint())
    missing = _send_link(client, world, link, MISSING)
    detail = (
        f"\n{link[2]} {link[3]} with {FOREIGN}'s object -> {foreign.status_code} "
        f"{foreign.content[:300]!r}\nwith a missing id -> {missing.status_code} "
        f"{missing.content[:300]!r}\nwritten: {written}"
    )
    assert not found_canaries(response_text(foreign), _canaries_of(world, FOREIGN)), detail
    assert foreign.status_code >= 400, f"accepted{detail}"
    assert written == [], f"the refused request wrote{detail}"
    assert foreign.status_code == missing.status_code, f"forbidden ≠ missing{detail}"
    assert _problem(foreign) == _problem(missing), f"forbidden ≠ missing{detail}"

"""The sweep: every API read, every page (with the query a curious operator would add), the PDFs
and CSV exports, and the writes that answer with what they wrote — as one operator, naming the
objects of the persons whose content that operator may not read — and the canaries found.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from tests.security.surface import (
    API_PATH_IDS,
    PAGE_PATH_IDS,
    Operation,
    PageRoute,
    Public,
    api_operations,
    api_request,
    found_canaries,
    page_routes,
    page_url,
    response_text,
)
from tests.security.world import Absent, Bundle, Member, World, omocodic

# Pages that read a query (from their views and forms), and the curious query to send: "name"
# (a search by the family name), "code" (by the codice fiscale), "ids" (the person's ids as
# every filter the page knows), "today" (the day the world's reads were logged, for lists of one
# day, which show yesterday by default), "phone" (the phone number, written another way) and
# "prefix" (the first 8 characters of the codice fiscale).
PAGE_QUERIES: dict[str, tuple[str, ...]] = {
    "persone/": ("name", "code", "phone", "prefix"),
    "persone/nuova/": ("name", "code"),
    "persone/verifica-codice/": ("code",),
    "persone/<int:pk>/unisci/": ("name", "code", "ids"),
    "pua/": ("ids",),
    "pua/richieste/nuova/": ("name", "code", "ids"),
    "valutazioni/uvm/": ("ids",),
    "valutazioni/uvm/nuova/": ("ids",),
    "persone/accesso-di-emergenza/": ("code",),
    # Only the person's number: a name or code typed here is stored in the auditor's own log
    # entries, which the next probe lists back (the auditor's own text, not the person's
    # content; tests/audit/test_person_filter.py checks that a name or code names nobody the
    # auditor may not identify).
    "audit/accessi/": ("ids",),
    "audit/accessi/esporta.csv": ("ids",),
    "audit/accessi-anomali/": ("today",),
    "account/operatori/": ("ids",),
}


@dataclass
class Probe:
    label: str
    send: Callable[[Client], Any]
    echoed: list[str] = field(default_factory=list)


def _cf(bundle: Bundle) -> str:
    return bundle.person.identifiers.get(is_primary=True).value


def _phone_written_otherwise(phone: str) -> str:
    """ "+39 333 1901010" as "333-190-1010": the search must still find (or not find) it."""
    digits = "".join(ch for ch in phone.removeprefix("+39") if ch.isdigit())
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _page_query(kind: str, target: Bundle) -> tuple[dict[str, Any], list[str]]:
    person = target.person
    if kind == "today":
        return {"giorno": timezone.localdate().isoformat()}, []
    if kind == "name":
        family = person.family_names
        return {"q": family, "cerca": family, "cognome": family}, [family]
    if kind == "code":
        code = _cf(target)
        return (
            {"q": omocodic(code), "cerca": code, "codice": code, "identifier_value": code},
            [code, omocodic(code)],
        )
    if kind == "phone":
        written = _phone_written_otherwise(person.phone)
        return {"q": written}, [written]
    if kind == "prefix":
        prefix = _cf(target)[:8]
        return {"q": prefix}, [prefix]
    ids = {
        "persona": person.pk,
        "person": person.pk,
        "person_id": person.pk,
        "con": person.pk,
        "subject_id": person.pk,
        "ente": target.org.pk,
    }
    if target.request is not None:
        ids["richiesta"] = target.request.pk
    return ids, []


def _api_query_variants(op: Operation, target: Bundle) -> list[tuple[dict[str, Any], list[str]]]:
    """The filters of a list operation set to the target's ids; a text query as the family
    name, the given name and the (omocodic) codice fiscale."""
    ids: dict[str, Any] = {}
    names = {name for name, _required in op.query_params}
    for name, attr in (
        ("person_id", "person"),
        ("subject_id", "person"),
        ("survivor_id", "person"),
        ("merged_id", "alias"),
        ("pua_id", "pua"),
        ("organization_id", "org"),
    ):
        if name in names and getattr(target, attr) is not None:
            ids[name] = target.ident(attr)
    if "identifier" in names:
        ids["identifier"] = _cf(target)
    if "day" in names:  # a list of one day (the auditor's anomalies): the world's day
        ids["day"] = timezone.localdate().isoformat()
    echoed = [str(ids["identifier"])] if "identifier" in ids else []
    code = _cf(target)
    if "person_query" in names:  # the auditor's filter, by number (see PAGE_QUERIES)
        ids["person_query"] = target.person.pk
    if "q" not in names:
        return [(ids, echoed)]
    phone = _phone_written_otherwise(target.person.phone)
    return [
        ({**ids, "q": text}, [*echoed, *sent])
        for text, sent in (
            (target.person.family_names, [target.person.family_names]),
            (target.person.given_names, [target.person.given_names]),
            (omocodic(code), [omocodic(code)]),
            (code[:8], [code[:8]]),
            (phone, [phone]),
        )
    ]


def _with_health_assessments(targets: list[Bundle]) -> list[Bundle]:
    """Each target, and each again with its health assessment as the assessment to read."""
    extra = [
        replace(t, key=f"{t.key}+health", assessment=t.assessment_health)
        for t in targets
        if t.assessment_health is not None and t.assessment_health != t.assessment
    ]
    return [*targets, *extra]


def api_read_probes(world: World, targets: list[Bundle], *, objects: bool) -> list[Probe]:
    probes: list[Probe] = []
    for op in api_operations():
        if op.method != "GET":
            continue
        private = [p for p in op.path_params if not isinstance(API_PATH_IDS[(op.path, p)], Public)]
        if private:
            if objects:
                names = {API_PATH_IDS[(op.path, p)] for p in private}
                for target in (
                    _with_health_assessments(targets) if "assessment" in names else targets
                ):
                    try:
                        request = api_request(op, world, target)
                    except Absent:
                        continue  # the target has no object of that kind
                    probes.append(Probe(str(request), request.send))
            continue
        url = op.path  # its path parameters, if any, are public
        for param in op.path_params:
            value = API_PATH_IDS[(op.path, param)].value(world)  # type: ignore[union-attr]
            url = url.replace(f"{{{param}}}", str(value))
        required = {name for name, req in op.query_params if req}
        if not required:
            probes.append(Probe(f"GET {url}", _get(url, {})))
        for target in targets:
            for query, echoed in _api_query_variants(op, target):
                if query and required <= set(query):
                    probes.append(Probe(_label(url, query), _get(url, query), echoed))
    return probes


def _get(url: str, query: dict[str, Any]) -> Callable[[Client], Any]:
    return lambda client: client.get(url, query)


def _label(url: str, query: dict[str, Any]) -> str:
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page_probes(world: World, targets: list[Bundle], *, objects: bool) -> list[Probe]:
    probes: list[Probe] = []
    for route in page_routes():
        private = [
            p for p in route.params if not isinstance(PAGE_PATH_IDS[(route.route, p)], Public)
        ]
        urls: list[str] = []
        targets_here: list[Bundle] = []
        if not private:
            urls = [page_url(route, world, targets[0])]
            probes.append(Probe(f"page {urls[0]}", _get(urls[0], {})))
        elif objects:
            pairs = []
            names = {PAGE_PATH_IDS[(route.route, p)] for p in private}
            for target in _with_health_assessments(targets) if "assessment" in names else targets:
                try:
                    pairs.append((target, page_url(route, world, target)))
                except Absent:
                    continue
            probes += [Probe(f"page {url}", _get(url, {})) for _target, url in pairs]
            urls = [url for _target, url in pairs]
            targets_here = [target for target, _url in pairs]
        for kind in PAGE_QUERIES.get(route.route, ()):
            for target, url in _pairs(route, world, targets_here if private else targets, urls):
                query, echoed = _page_query(kind, target)
                probes.append(Probe(f"page {_label(url, query)}", _get(url, query), echoed))
    return probes


def _pairs(
    route: PageRoute, world: World, targets: list[Bundle], urls: list[str]
) -> list[tuple[Bundle, str]]:
    if not urls:
        return []
    if len(urls) == len(targets):
        return list(zip(targets, urls, strict=True))
    return [(target, urls[0]) for target in targets]


def write_probes(world: World, member: Member, targets: list[Bundle]) -> list[Probe]:
    """The writes of an operator that answer with what they wrote or found: the duplicate check
    with the person's data, a PUA request, a screening, a UVM session, an assessment, a member
    of the household of the operator's own person — each naming the target person."""
    own = world.bundles[member.org_key] if member.org_key in world.bundles else world.bundles["a"]
    probes: list[Probe] = []
    for target in targets:
        person = target.person
        pid = person.pk
        code = _cf(target)
        posts: list[tuple[str, dict[str, Any], list[str]]] = [
            (
                "/api/v1/persons/check-duplicates",
                {
                    "family_names": person.family_names,
                    "given_names": person.given_names,
                    "birth_date": person.birth_date.isoformat(),
                    "identifiers": [{"kind": "cf", "value": code}],
                },
                [person.family_names, person.given_names, code, person.birth_date.isoformat()],
            ),
            (
                "/api/v1/pua/requests",
                {
                    "person_id": pid,
                    "channel": "sportello",
                    "requester_kind": "persona",
                    "need_areas": ["anziani"],
                    "description": "Chiede informazioni.",
                },
                [],
            ),
            ("/api/v1/measures/B1/screen", {"person_id": pid}, []),
            (
                "/api/v1/uvm-sessions",
                {
                    "person_id": pid,
                    "scheduled_for": (timezone.now() + timedelta(days=2)).isoformat(),
                },
                [],
            ),
            (
                "/api/v1/assessments",
                {
                    "person_id": pid,
                    "instrument_code": "social",
                    "answers": {},
                    "administered_on": timezone.localdate().isoformat(),
                },
                [],
            ),
            (
                f"/api/v1/persons/{own.person.pk}/household",
                {"member_id": pid, "relationship": "parent"},
                [],
            ),
        ]
        for url, body, echoed in posts:
            probes.append(Probe(f"POST {url} {json.dumps(body)[:80]}", _post(url, body), echoed))
    return probes


# What an operator reads about the records of its own organisation that names other persons and
# other organisations' operators: the report of who read a person it registered (the page, the
# PDF to hand to the person, the API's PDF), and its own emergency accesses. Read by every role
# that may (the auditor too, who reads no person otherwise).
OWN_RECORD_PAGES = ("persone/<int:pk>/registro-accessi/", "persone/<int:pk>/registro-accessi.pdf")
OWN_RECORD_OPERATIONS = (
    "/api/v1/persons/{person_id}/access-report.pdf",
    "/api/v1/emergency-accesses/{access_id}",
)


def own_record_probes(world: World, member: Member) -> tuple[list[Probe], list[Probe]]:
    """The probes (pages, API) of ``OWN_RECORD_PAGES`` and ``OWN_RECORD_OPERATIONS`` for the
    persons the member's organisation registered and the objects it holds."""
    org = world.orgs[member.org_key]
    registered = [b for b in world.bundles.values() if b.person.registered_by_id == org.pk]
    held = [b for b in world.bundles.values() if b.org == org]
    pages = [
        Probe(f"page {url}", _get(url, {}))
        for route in page_routes()
        if route.route in OWN_RECORD_PAGES
        for url in (page_url(route, world, bundle) for bundle in registered)
    ]
    api: list[Probe] = []
    for op in api_operations():
        if op.method != "GET" or op.path not in OWN_RECORD_OPERATIONS:
            continue
        for bundle in registered if "{person_id}" in op.path else held:
            try:
                request = api_request(op, world, bundle)
            except Absent:
                continue
            api.append(Probe(str(request), request.send))
    return pages, api


def _post(url: str, body: dict[str, Any]) -> Callable[[Client], Any]:
    return lambda client: client.post(url, body, content_type="application/json")


def run(
    probes: list[Probe], client: Client, canaries: list[str], *, check: Callable[..., list[str]]
) -> list[str]:
    """Send every probe; one line per answer where ``check`` finds something."""
    leaks = []
    for probe in probes:
        response = probe.send(client)
        text = response_text(response)
        found = check(text, canaries, echoed=probe.echoed, response=response)
        if found:
            leaks.append(f"{probe.label} -> {response.status_code}: {sorted(set(found))}")
    return leaks


def canary_check(text: str, canaries: list[str], *, echoed: list[str], response: Any) -> list[str]:
    return found_canaries(text, canaries, echoed=echoed)


__all__ = [
    "PAGE_QUERIES",
    "Probe",
    "api_read_probes",
    "canary_check",
    "own_record_probes",
    "page_probes",
    "run",
    "write_probes",
]

"""How the auditor's access-log page names persons (``integra/audit/persons.py``), by the rules
of the people gate:

- a name finds only persons whose record the actor may read in full (``person_scope``: a
  plain auditor reads none, so for them a name finds nobody — the limited form never confirms
  a name);
- a whole code finds, besides those, the persons registered by the actor's organisation, which
  its auditor already sees by number (the who-viewed-me report, ``access_report_person``) —
  exactly (an omocodic form is another person's code);
- a record merged into another comes with it (its old accesses name the old id);
- a person is labelled by the gate: the name when readable, else "person n. X (limited)".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from integra.audit.persons import PERSON_FILTER_CAP, PersonDirectory
from integra.core.access import Actor, scoped
from integra.people import gate
from integra.people.identifiers import normalise
from integra.people.matching import (
    SEARCH_MIN_SCORE,
    fiscal_code_forms,
    looks_like_code,
    name_candidates_filter,
    search_score,
)
from integra.people.models import Person, PersonIdentifier


def _with_aliases(ids: list[int]) -> list[int]:
    if not ids:
        return []
    aliases = Person.objects.filter(merged_into_id__in=ids).order_by("pk")
    return ids + [pk for pk in aliases.values_list("pk", flat=True) if pk not in ids]


def persons_matching(actor: Actor, text: str) -> list[int]:
    readable = scoped(actor, Person.objects.all()).values("pk")
    if looks_like_code(text):
        code = normalise(text)
        rows = PersonIdentifier.objects.filter(
            Q(person_id__in=readable, value__in=fiscal_code_forms(code))
            | Q(person__registered_by_id=actor.organization_id, value=code)
        )
        ids = sorted(set(rows.values_list("person_id", flat=True)))
        return _with_aliases(ids[:PERSON_FILTER_CAP])
    candidates = (
        Person.objects.filter(pk__in=readable)
        .filter(name_candidates_filter(text))
        .order_by("pk")
        .values_list("pk", "family_names", "given_names")[: PERSON_FILTER_CAP * 10]
    )
    ids = [
        pk
        for pk, family, given in candidates
        if search_score(text, family_names=family, given_names=given)[0] >= SEARCH_MIN_SCORE
    ]
    return _with_aliases(ids[:PERSON_FILTER_CAP])


def person_labels(actor: Actor, ids: Iterable[int]) -> dict[int, str]:
    refs = gate.person_refs(actor, ids)
    return {pk: ref.label for pk, ref in refs.items()}


AUDIT_PERSON_DIRECTORY = PersonDirectory(matching=persons_matching, labels=person_labels)

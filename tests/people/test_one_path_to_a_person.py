"""One path gives an organisation access to a person (issue 9, deliver 10): only
``people.services.care_relationship_start`` (and, inside the same module, the registration that
calls its insert) creates a ``CareRelationship``; a new feature that takes a person in charge by
itself — as the UVM once did — fails here. The synthetic population loader writes rows with
COPY for demos and benchmarks, outside any request."""

from __future__ import annotations

import re
from pathlib import Path

import integra

ROOT = Path(integra.__file__).resolve().parent
ALLOWED = {ROOT / "people" / "services.py", ROOT / "people" / "synthetic" / "loader.py"}
WRITES = re.compile(
    r"(?<!class )CareRelationship\s*\(|CareRelationship\.objects\.(create|bulk_create|update_or_create|get_or_create)"
)


def test_only_the_people_services_create_care_relationships() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in ROOT.rglob("*.py")
        if path not in ALLOWED and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRITES.search(line)
    ]
    assert offenders == []


def test_the_pattern_finds_a_write() -> None:
    assert WRITES.search("    CareRelationship.objects.create(person=p)")
    assert WRITES.search("row = CareRelationship(person=p)")
    assert not WRITES.search("CareRelationship.objects.filter(person=p)")

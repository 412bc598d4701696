"""The definition format: shipped files valid, schema.json in sync, bad files refused."""

from __future__ import annotations

import json

import pytest

from integra.assessments.definitions import (
    SCHEMA_PATH,
    DefinitionError,
    generated_schema,
    load_text,
    shipped_definitions,
)

SHIPPED = {"barthel", "katz", "lawton", "spmsq", "norton", "gcs", "social", "pua_triage"}


def test_shipped_instruments():
    definitions = {d.code: d for d in shipped_definitions()}
    assert set(definitions) == SHIPPED
    assert definitions["barthel"].domain == "health"
    assert definitions["social"].domain == "social"
    for definition in definitions.values():
        assert definition.source and definition.licence
    # No licensed instrument is shipped (MMSE: PAR).
    assert "mmse" not in definitions


def test_item_counts_follow_the_sources():
    definitions = {d.code: d for d in shipped_definitions()}
    counts = {code: len(d.items) for code, d in definitions.items()}
    assert counts["barthel"] == 10
    assert counts["katz"] == 6
    assert counts["lawton"] == 8
    assert counts["spmsq"] == 10
    assert counts["norton"] == 5
    assert counts["gcs"] == 3
    # Barthel 1965 order: feeding first, bladder last.
    barthel = [i.code for i in definitions["barthel"].items]
    assert barthel[0] == "feeding" and barthel[-1] == "bladder"


def test_schema_file_is_the_generated_schema():
    # Regenerate with: python -c "from integra.assessments.definitions import write_schema; write_schema()"
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == generated_schema()


MINIMAL = """
code: demo
version: "1"
title: Demo
domain: social
source: Test
licence: Libera
items:
  - code: a
    label: A
    options: [{code: x, label: X, score: 0}, {code: y, label: Y, score: 1}]
scoring:
  rule: sum
  bands: [{code: low, label: Basso, min: 0, max: 0}, {code: high, label: Alto, min: 1, max: 1}]
"""


def test_minimal_definition_loads():
    assert load_text(MINIMAL).code == "demo"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("max: 0}", "max: 1}"), "fasce sovrapposte"),
        (("domain: social", "domain: legal"), "domain"),
        (("code: demo", "code: Demo!"), "code"),
        (("licence: Libera\n", ""), "licence: campo obbligatorio"),
        (
            ("rule: sum", "rule: sum\n  subscores: [{code: s, label: S, items: [zz]}]"),
            "item sconosciuto zz",
        ),
    ],
)
def test_bad_definitions_are_refused_in_italian(change, fragment):
    with pytest.raises(DefinitionError) as exc:
        load_text(MINIMAL.replace(*change))
    assert fragment in str(exc.value), exc.value.errors


def test_not_yaml_is_refused():
    with pytest.raises(DefinitionError) as exc:
        load_text("code: [unclosed", filename="x.yaml")
    assert "YAML o JSON" in exc.value.errors[0]
    with pytest.raises(DefinitionError):
        load_text("[1, 2]", filename="x.json")

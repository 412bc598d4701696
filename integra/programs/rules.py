"""The rules of a benefit measure, as data: one TOML file per regional act.

Lombardy changes the rules of Misura B1 and B2 every year by a DGR (DOMAIN.md, "Rules change
every year"), so criteria, ISEE thresholds, amounts and incompatibilities are never constants
in code: each act is a file in ``integra/programs/rules/`` (or uploaded by an administrator),
validated here and stored as a ``MeasureRuleSet`` keyed by measure, act and effective dates.
The screening engine picks the rule set in force on the screening date.

A criterion is met when *any* of its clauses holds; a clause holds when *all* its tests hold.
A test reads one kind of evidence (``EligibilityFact`` kinds, or an instrument score) and
compares it with ``min`` / ``max`` (inclusive), ``one_of`` (a grade), or — with none of them —
expects a yes/no fact to be "yes". Values not confirmed by a source carry
``verification = "da verificare"``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from integra.programs.facts import FACT_KINDS

Verification = Literal["confermato", "da verificare"]
CONFIRMED: Verification = "confermato"
TO_VERIFY: Verification = "da verificare"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Test(_Strict):
    """One comparison on one kind of evidence."""

    fact: str = Field(description="Tipo di evidenza (EligibilityFact.kind).")
    instrument: str = Field(
        "", description="Codice dello strumento di valutazione che fornisce lo stesso punteggio."
    )
    min: Decimal | None = None
    max: Decimal | None = None
    one_of: list[str] | None = None
    # Evidence must hold on this day rather than on the screening date (e.g. "in carico al
    # 31/12/2025" for the 2026 bridging act).
    on: date | None = None

    @model_validator(mode="after")
    def known_kind(self) -> Test:
        spec = FACT_KINDS.get(self.fact)
        if spec is None:
            raise ValueError(f"tipo di evidenza sconosciuto: {self.fact!r}")
        if spec.value_type == "flag" and (self.min, self.max, self.one_of) != (None, None, None):
            raise ValueError(f"{self.fact!r} è un sì/no: niente min, max o one_of")
        if spec.value_type == "number" and self.one_of is not None:
            raise ValueError(f"{self.fact!r} è un numero: usa min o max")
        if spec.value_type == "grade" and self.one_of is None:
            raise ValueError(f"{self.fact!r} è un grado: serve one_of")
        if spec.value_type == "number" and self.min is None and self.max is None:
            raise ValueError(f"{self.fact!r} è un numero: serve min o max")
        return self


class Clause(_Strict):
    all_of: list[Test] = Field(min_length=1)


class Criterion(_Strict):
    code: str = Field(min_length=1, max_length=30)
    label: str = Field(min_length=1)
    # prerequisite: must hold; condition: at least ``min_conditions`` of them must hold.
    group: Literal["prerequisite", "condition"]
    any_of: list[Clause] = Field(min_length=1)
    verification: Verification = CONFIRMED
    source: str = ""


class IseeRule(_Strict):
    """ISEE limits by age group; the limit is inclusive (≤)."""

    adult_age: int = Field(18, ge=0, le=120)
    adult_kinds: list[str] = Field(min_length=1)
    adult_max: Decimal = Field(ge=0)
    minor_kinds: list[str] = Field(min_length=1)
    minor_max: Decimal = Field(ge=0)
    verification: Verification = CONFIRMED
    source: str = ""

    @model_validator(mode="after")
    def known_kinds(self) -> IseeRule:
        from integra.people.models import IseeKind

        for kind in [*self.adult_kinds, *self.minor_kinds]:
            if kind not in IseeKind.values:
                raise ValueError(f"tipo di ISEE sconosciuto: {kind!r}")
        return self


class Incompatibility(_Strict):
    code: str = Field(min_length=1, max_length=30)
    label: str = Field(min_length=1)
    test: Test
    verification: Verification = CONFIRMED
    source: str = ""


class Amount(_Strict):
    code: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1)
    min: Decimal | None = Field(None, ge=0)
    max: Decimal | None = Field(None, ge=0)
    unit: str = "euro/mese"
    isee_max: Decimal | None = Field(None, ge=0, description="Soglia ISEE propria del buono.")
    verification: Verification = CONFIRMED
    source: str = ""


class RuleSet(_Strict):
    """One regional act's rules for one measure."""

    measure: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,19}$")
    measure_name: str = Field(min_length=1)
    act: str = Field(min_length=1, max_length=200)
    effective_from: date
    effective_to: date | None = None
    status: Literal["active", "suspended"] = "active"
    summary: str = ""
    sources: list[str] = Field(default_factory=list)
    min_conditions: int = Field(1, ge=0)
    isee: IseeRule | None = None
    criteria: list[Criterion] = Field(default_factory=list)
    incompatibilities: list[Incompatibility] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)

    @model_validator(mode="after")
    def coherent(self) -> RuleSet:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to precede effective_from")
        codes = [c.code for c in self.criteria] + [i.code for i in self.incompatibilities]
        if len(codes) != len(set(codes)):
            raise ValueError("codici di criteri o incompatibilità ripetuti")
        if self.status == "active" and not self.criteria and self.isee is None:
            raise ValueError("una misura attiva ha almeno un criterio o una soglia ISEE")
        return self

    @property
    def conditions(self) -> list[Criterion]:
        return [c for c in self.criteria if c.group == "condition"]

    @property
    def prerequisites(self) -> list[Criterion]:
        return [c for c in self.criteria if c.group == "prerequisite"]


class RuleFileError(ValueError):
    """A rule file that cannot be read: ``errors`` lists (location, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{loc}: {msg}" for loc, msg in errors))


def parse_rule_text(text: str) -> RuleSet:
    """Parse and validate the TOML text of a rule file (``RuleFileError`` on any fault)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError([("file", f"TOML non valido: {exc}")]) from None
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        # The same Italian messages as the API's 422 (our validators' own text as it is).
        from integra.core.validation import validation_errors

        entries = validation_errors([dict(err) for err in exc.errors()])
        raise RuleFileError(
            [(e["field"] if e["field"] != "-" else "file", e["message"]) for e in entries]
        ) from None


def rule_parameters(rules: RuleSet) -> dict[str, Any]:
    """The rule set as plain JSON (stored in ``MeasureRuleSet.parameters``)."""
    return json.loads(rules.model_dump_json())


def rule_digest(rules: RuleSet) -> str:
    """SHA-256 of the canonical JSON: the same rules give the same digest whatever the layout."""
    canonical = json.dumps(rule_parameters(rules), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()

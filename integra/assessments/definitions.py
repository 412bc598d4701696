"""Assessment instruments as data: the shape of a definition file.

An instrument (Barthel, Katz, SPMSQ, a region's own battery...) is a YAML or JSON file validated
against ``InstrumentDefinition``; nothing about a particular instrument lives in code. Items and
options keep the order of the original publication; each option carries its score; the scoring
rule, corrections, sub-scores, bands, grades (Katz 1963) and routing suggestions (PUA triage)
are data too. ``schema.json`` next to the shipped files is ``InstrumentDefinition
.model_json_schema()``, for editors and for regions writing their own files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
SCHEMA_PATH = INSTRUMENTS_DIR / "schema.json"

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
Code = Field(pattern=CODE_PATTERN, description="Codice stabile (minuscole, cifre, _).")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    code: str = Field(pattern=CODE_PATTERN, description="Codice stabile dell'opzione.")
    label: str = Field(min_length=1, description="Testo dell'opzione (italiano).")
    score: int = Field(description="Punteggio dell'opzione.")
    help: str = Field("", description="Spiegazione per chi somministra.")


class Item(_Strict):
    code: str = Field(pattern=CODE_PATTERN, description="Codice stabile dell'item.")
    label: str = Field(min_length=1, description="Testo dell'item (italiano).")
    help: str = Field("", description="Istruzioni per chi somministra.")
    icf: str | None = Field(
        None,
        pattern=r"^[bdes][0-9]{1,5}$",
        description="Codice ICF (OMS 2001) del dominio che l'item informa, se ne esiste uno.",
    )
    required: bool = Field(True, description="La risposta è obbligatoria.")
    health: bool = Field(
        False,
        description="La risposta è un dato sanitario anche in uno strumento sociale (per "
        "esempio il bisogno sanitario nel triage del PUA): la leggono solo il personale "
        "sanitario e chi lavora la richiesta.",
    )
    options: list[Option] = Field(min_length=1, description="Le risposte, in ordine.")

    @model_validator(mode="after")
    def unique_option_codes(self) -> Item:
        codes = [o.code for o in self.options]
        if len(codes) != len(set(codes)):
            raise ValueError(f"item {self.code}: codici di opzione ripetuti")
        return self

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    @property
    def min_score(self) -> int:
        return min(o.score for o in self.options)

    @property
    def max_score(self) -> int:
        return max(o.score for o in self.options)


class ContextChoice(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    label: str = Field(min_length=1)


class ContextField(_Strict):
    """A fact about the person that changes the scoring (SPMSQ: years of schooling)."""

    code: str = Field(pattern=CODE_PATTERN)
    label: str = Field(min_length=1)
    help: str = ""
    required: bool = True
    choices: list[ContextChoice] = Field(min_length=1)


class Correction(_Strict):
    """Added to the total when ``context[context] == value`` (rule ``sum_with_correction``)."""

    context: str = Field(pattern=CODE_PATTERN, description="Codice del campo di contesto.")
    value: str = Field(pattern=CODE_PATTERN, description="Valore del campo di contesto.")
    adjustment: int = Field(description="Da sommare al totale (negativo per sottrarre).")
    note: str = ""


class Subscore(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    label: str = Field(min_length=1)
    items: list[str] = Field(min_length=1, description="Codici degli item sommati.")


class Band(_Strict):
    """A range of the total, both ends included; ``None`` means unbounded on that side."""

    code: str = Field(pattern=CODE_PATTERN)
    label: str = Field(min_length=1)
    min: int | None = None
    max: int | None = None

    def contains(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class GradeRule(_Strict):
    """One grade of an ordered classification (Katz 1963 A-G): matches when exactly
    ``dependent_count`` items are "dependent" (score ``Grading.dependent_score``) and the
    dependent items include every code in ``dependent_includes``. First match wins."""

    code: str = Field(min_length=1, max_length=20)
    label: str = Field(min_length=1)
    dependent_count: int = Field(ge=0)
    dependent_includes: list[str] = Field(default_factory=list)


class GradeLabel(_Strict):
    code: str = Field(min_length=1, max_length=20)
    label: str = Field(min_length=1)


class Grading(_Strict):
    dependent_score: int = Field(0, description="Punteggio che indica dipendenza nell'item.")
    rules: list[GradeRule] = Field(min_length=1)
    otherwise: GradeLabel


class Suggestion(_Strict):
    need: Literal["simple", "complex"]
    route: Literal["information", "single_service", "uvm"]
    label: str = ""


class Scoring(_Strict):
    rule: Literal["sum", "sum_with_correction", "count", "none"] = Field(
        description=(
            "sum: somma dei punteggi; sum_with_correction: somma più le correzioni del "
            "contesto, limitata all'intervallo possibile; count: numero di item con punteggio "
            "diverso da zero; none: nessun totale (scheda descrittiva)."
        )
    )
    corrections: list[Correction] = Field(default_factory=list)
    subscores: list[Subscore] = Field(default_factory=list)
    bands: list[Band] = Field(default_factory=list)
    grading: Grading | None = None
    suggestions: dict[str, Suggestion] = Field(
        default_factory=dict, description="Per codice di fascia: bisogno e percorso suggeriti."
    )
    note: str = Field("", description="Come si legge il punteggio.")


class InstrumentDefinition(_Strict):
    format: Literal[1] = Field(1, description="Versione del formato di questo file.")
    code: str = Field(pattern=CODE_PATTERN, description="Codice dello strumento.")
    version: str = Field(
        pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$", description="Versione della definizione."
    )
    title: str = Field(min_length=1)
    short_title: str = ""
    description: str = ""
    domain: Literal["health", "social"]
    source: str = Field(min_length=1, description="Citazione della fonte originale.")
    licence: str = Field(min_length=1, description="Nota sulla licenza d'uso.")
    language: str = "it"
    context: list[ContextField] = Field(default_factory=list)
    items: list[Item] = Field(min_length=1)
    scoring: Scoring

    @model_validator(mode="after")
    def consistent(self) -> InstrumentDefinition:
        errors: list[str] = []
        item_codes = [i.code for i in self.items]
        if len(item_codes) != len(set(item_codes)):
            errors.append("codici di item ripetuti")
        known_items = set(item_codes)
        context = {c.code: {ch.code for ch in c.choices} for c in self.context}
        if len(context) != len(self.context):
            errors.append("codici di contesto ripetuti")
        scoring = self.scoring
        if scoring.corrections and scoring.rule != "sum_with_correction":
            errors.append("le correzioni richiedono la regola sum_with_correction")
        for corr in scoring.corrections:
            if corr.context not in context:
                errors.append(f"correzione su un contesto sconosciuto: {corr.context}")
            elif corr.value not in context[corr.context]:
                errors.append(f"correzione su un valore sconosciuto: {corr.context}={corr.value}")
        for sub in scoring.subscores:
            for code in sub.items:
                if code not in known_items:
                    errors.append(f"sottopunteggio {sub.code}: item sconosciuto {code}")
        band_codes = [b.code for b in scoring.bands]
        if len(band_codes) != len(set(band_codes)):
            errors.append("codici di fascia ripetuti")
        for band in scoring.bands:
            if band.min is not None and band.max is not None and band.min > band.max:
                errors.append(f"fascia {band.code}: minimo maggiore del massimo")
        for i, first in enumerate(scoring.bands):
            for second in scoring.bands[i + 1 :]:
                if _overlap(first, second):
                    errors.append(f"fasce sovrapposte: {first.code} e {second.code}")
        if scoring.bands and scoring.rule == "none":
            errors.append("fasce senza un totale (regola none)")
        for band_code in scoring.suggestions:
            if band_code not in band_codes:
                errors.append(f"suggerimento per una fascia sconosciuta: {band_code}")
        if scoring.grading:
            for rule in scoring.grading.rules:
                for code in rule.dependent_includes:
                    if code not in known_items:
                        errors.append(f"grado {rule.code}: item sconosciuto {code}")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def item_number(self, code: str) -> int | None:
        """The 1-based position of an item, as the pages number them."""
        return next((n for n, i in enumerate(self.items, 1) if i.code == code), None)

    def context_words(self, context: str, value: str) -> tuple[str, str]:
        """(field label, choice label) of a context value, for a page (codes if unknown)."""
        field = next((f for f in self.context if f.code == context), None)
        if field is None:
            return context, value
        choice = next((c for c in field.choices if c.code == value), None)
        return field.label, choice.label if choice is not None else value

    @property
    def has_total(self) -> bool:
        return self.scoring.rule != "none"


def definition_in_words(definition: InstrumentDefinition) -> dict[str, Any]:
    """What the instrument page shows of the scoring rules that name codes: each correction as
    (field, choice, adjustment, note) and each subscore as (label, "n. item label" …)."""
    corrections = [
        (*definition.context_words(c.context, c.value), c.adjustment, c.note)
        for c in definition.scoring.corrections
    ]
    subscores = []
    for sub in definition.scoring.subscores:
        items = [(definition.item_number(code), definition.item(code)) for code in sub.items]
        subscores.append(
            (sub.label, [f"{n}. {item.label}" for n, item in items if item is not None])
        )
    return {"corrections": corrections, "subscores": subscores}


def _overlap(a: Band, b: Band) -> bool:
    low = max(a.min if a.min is not None else -(10**9), b.min if b.min is not None else -(10**9))
    high = min(a.max if a.max is not None else 10**9, b.max if b.max is not None else 10**9)
    return low <= high


class DefinitionError(Exception):
    """A definition file that cannot be read or does not match the schema.

    ``errors`` lists one Italian message per problem, with the place in the file."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only (true/false): in YAML 1.1 an option labelled "No" or coded
    ``yes`` would silently become a boolean, a trap in Italian forms."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def parse_text(text: str | bytes, *, filename: str = "") -> dict[str, Any]:
    """The raw mapping in a YAML or JSON file (JSON is YAML, but its errors read better)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DefinitionError(["Il file deve essere in codifica UTF-8."]) from exc
    try:
        if filename.lower().endswith(".json"):
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DefinitionError([f"Il file non è YAML o JSON valido: {exc}"]) from exc
    if not isinstance(data, dict):
        raise DefinitionError(
            ["Il file deve contenere un oggetto (chiave: valore) al livello più alto."]
        )
    return data


def validate_definition(data: dict[str, Any]) -> InstrumentDefinition:
    """``data`` as a definition, or ``DefinitionError`` naming each problem in Italian."""
    try:
        return InstrumentDefinition.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError([_describe(err) for err in exc.errors()]) from exc


def load_text(text: str | bytes, *, filename: str = "") -> InstrumentDefinition:
    return validate_definition(parse_text(text, filename=filename))


def load_file(path: str | Path) -> InstrumentDefinition:
    path = Path(path)
    return load_text(path.read_bytes(), filename=path.name)


def shipped_files() -> list[Path]:
    return sorted(INSTRUMENTS_DIR.glob("*.yaml"))


def shipped_definitions() -> list[InstrumentDefinition]:
    return [load_file(path) for path in shipped_files()]


def generated_schema() -> dict[str, Any]:
    return InstrumentDefinition.model_json_schema()


def write_schema() -> None:
    SCHEMA_PATH.write_text(
        json.dumps(generated_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


_MESSAGES = {
    "missing": "campo obbligatorio",
    "extra_forbidden": "campo non previsto",
    "string_pattern_mismatch": "formato non valido",
    "string_too_short": "non può essere vuoto",
    "too_short": "deve contenere almeno un elemento",
    "int_parsing": "deve essere un numero intero",
    "int_type": "deve essere un numero intero",
    "int_from_float": "deve essere un numero intero",
    "string_type": "deve essere un testo",
    "list_type": "deve essere un elenco",
    "dict_type": "deve essere un oggetto",
    "model_type": "deve essere un oggetto",
    "literal_error": "valore non ammesso",
    "bool_type": "deve essere vero o falso",
    "bool_parsing": "deve essere vero o falso",
}


def _describe(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ())) or "file"
    kind = err.get("type", "")
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err.get("msg", "")))
    elif kind == "literal_error":
        message = f"valore non ammesso (ammessi: {err.get('ctx', {}).get('expected', '')})"
    else:
        message = _MESSAGES.get(kind, str(err.get("msg", "")))
    return f"{where}: {message}"

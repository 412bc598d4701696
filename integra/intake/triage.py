"""The PUA's pre-assessment (triage) is an instrument of ``integra.assessments`` like any other:
its definition is data (``instruments/pua_triage.yaml``), scored by the same code; its
result suggests a simple or complex need and a route, which the operator confirms or changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from integra.core.access import NotFound
from integra.intake.errors import IntakeError, IntakeErrorCode

TRIAGE_INSTRUMENT_CODE = "pua_triage"


@dataclass(frozen=True)
class TriageScore:
    instrument: str
    version: str
    result: dict[str, Any]
    suggestion: dict[str, str]


def triage_definition() -> Any:
    """The definition in use of the PUA triage (``InstrumentDefinition``): the current
    ``InstrumentVersion`` loaded in the database (a region may make its own version current),
    else the shipped file."""
    try:
        from integra.assessments.definitions import INSTRUMENTS_DIR
    except ImportError:  # pragma: no cover - the assessments app ships it
        return None
    try:
        from integra.assessments.definitions import validate_definition
        from integra.assessments.services import current_version

        return validate_definition(current_version(TRIAGE_INSTRUMENT_CODE).definition)
    except (ImportError, NotFound):
        pass
    path = INSTRUMENTS_DIR / f"{TRIAGE_INSTRUMENT_CODE}.yaml"
    return _shipped(str(path)) if path.exists() else None


@lru_cache(maxsize=4)
def _shipped(path: str) -> Any:
    from integra.assessments.definitions import load_file

    return load_file(path)


def triage_items() -> list[Any]:
    """The items of the triage (code, label, options) for the pre-assessment form."""
    definition = triage_definition()
    return list(definition.items) if definition is not None else []


def score_triage(answers: Mapping[str, str], context: Mapping[str, str] | None) -> TriageScore:
    """Score the triage; ``IntakeError`` naming each bad item (``answers.<item>``)."""
    definition = triage_definition()
    if definition is None:
        raise IntakeError(
            IntakeErrorCode.TRIAGE_UNAVAILABLE,
            {"answers": [_("Lo strumento di pre-valutazione non è disponibile.")]},
        )
    from integra.assessments.scoring import ScoringError, score

    try:
        result = score(definition, dict(answers), dict(context or {}))
    except ScoringError as exc:
        raise IntakeError(
            IntakeErrorCode.TRIAGE_INVALID,
            {
                (key if key in ("answers", "context") else f"answers.{key}"): [str(message)]
                for key, message in exc.item_messages.items()
            },
        ) from exc
    return TriageScore(
        instrument=definition.code,
        version=definition.version,
        result=result.as_dict(),
        suggestion=dict(result.suggestion or {}),
    )


def triage_health_items() -> frozenset[str]:
    """The items of the triage that hold health data (``health: true``), in the definition in
    use and in the shipped one: a request scored with an older version is filtered as well."""
    codes: set[str] = set()
    shipped_path = None
    try:
        from integra.assessments.definitions import INSTRUMENTS_DIR

        shipped_path = INSTRUMENTS_DIR / f"{TRIAGE_INSTRUMENT_CODE}.yaml"
    except ImportError:  # pragma: no cover - the assessments app ships it
        pass
    definitions = [triage_definition()]
    if shipped_path is not None and shipped_path.exists():
        definitions.append(_shipped(str(shipped_path)))
    for definition in definitions:
        if definition is not None:
            codes |= {i.code for i in definition.items if getattr(i, "health", False)}
    return frozenset(codes)

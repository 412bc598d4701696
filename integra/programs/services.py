"""Writes of the programs app: loading rule sets, recording evidence, saving a screening."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pghistory
from django.db import transaction
from django.utils.translation import gettext as _

from integra.core.access import Actor, PermissionRequired, get_visible, require, scoped
from integra.core.health import may_see_health
from integra.core.permissions import Permission
from integra.people import selectors as people_selectors
from integra.people.models import PersonDocument
from integra.programs.access import SCREENING_PERMISSIONS, may_screen, write_permission_for
from integra.programs.errors import ProgramError, ProgramErrorCode
from integra.programs.facts import FACT_KINDS, FactKind
from integra.programs.models import EligibilityFact, MeasureRuleSet, ScreeningRecord
from integra.programs.redaction import reads_health
from integra.programs.rules import (
    RuleFileError,
    RuleSet,
    parse_rule_text,
    rule_digest,
    rule_parameters,
)

SHIPPED_RULES_DIR = Path(__file__).resolve().parent / "rules"
MAX_RULE_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class RuleSetLoad:
    rule_set: MeasureRuleSet
    outcome: str  # "created", "updated" or "unchanged"


def rule_set_load(*, text: str, source_name: str = "") -> RuleSetLoad:
    """Validate a rule file and store it, keyed by (measure, act). Loading the same rules again
    changes nothing; a corrected file for the same act replaces its parameters (the history
    keeps the previous ones). ``ProgramError`` names each fault of the file."""
    if len(text.encode()) > MAX_RULE_FILE_BYTES:
        raise ProgramError(
            ProgramErrorCode.RULES_INVALID, {"file": [_("Il file di regole è troppo grande.")]}
        )
    try:
        rules = parse_rule_text(text)
    except RuleFileError as exc:
        errors: dict[str, list[str]] = {}
        for loc, message in exc.errors:
            errors.setdefault(loc, []).append(message)
        raise ProgramError(ProgramErrorCode.RULES_INVALID, errors) from None
    if "\\u0000" in json.dumps(rule_parameters(rules)):
        # PostgreSQL's jsonb refuses the NUL character.
        raise ProgramError(
            ProgramErrorCode.RULES_INVALID, {"file": [_("Il file contiene caratteri non ammessi.")]}
        )
    digest = rule_digest(rules)
    fields = {
        "measure_name": rules.measure_name,
        "effective_from": rules.effective_from,
        "effective_to": rules.effective_to,
        "status": rules.status,
        "parameters": rule_parameters(rules),
        "sha256": digest,
        "source_name": source_name[:200],
    }
    with transaction.atomic(), pghistory.context(reason="rule_set_load"):
        existing = (
            MeasureRuleSet.objects.select_for_update()
            .filter(measure_code=rules.measure, act=rules.act)
            .first()
        )
        if existing is None:
            created = MeasureRuleSet.objects.create(
                measure_code=rules.measure, act=rules.act, **fields
            )
            return RuleSetLoad(created, "created")
        if existing.sha256 == digest:
            return RuleSetLoad(existing, "unchanged")
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return RuleSetLoad(existing, "updated")


def rule_set_load_file(path: Path) -> RuleSetLoad:
    return rule_set_load(text=path.read_text(encoding="utf-8"), source_name=path.name)


def load_shipped_rule_sets(**kwargs: Any) -> None:
    """``post_migrate``: load the acts shipped in ``rules/`` (idempotent)."""
    for path in sorted(SHIPPED_RULES_DIR.glob("*.toml")):
        rule_set_load_file(path)


# --- evidence ---------------------------------------------------------------------------------


def _parse_value(kind: str, value: object) -> tuple[bool | None, Decimal | None, str, str | None]:
    """(flag, number, grade, error) for ``value`` as the kind wants it."""
    spec = FACT_KINDS[kind]
    text = "" if value is None else str(value).strip()
    if any(ord(ch) < 32 for ch in text):
        return None, None, "", _("Il valore contiene caratteri non ammessi.")
    if spec.value_type == "flag":
        if isinstance(value, bool):
            return value, None, "", None
        if text.lower() in {"true", "1", "sì", "si", "yes"}:
            return True, None, "", None
        if text.lower() in {"false", "0", "no"}:
            return False, None, "", None
        return None, None, "", _("Indica sì o no.")
    if spec.value_type == "number":
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None, None, "", _("Serve un numero.")
        if not number.is_finite() or number < 0 or number >= Decimal("1000000"):
            return None, None, "", _("Serve un numero tra 0 e 999.999,99.")
        if number.as_tuple().exponent < -2:  # type: ignore[operator]
            return None, None, "", _("Al massimo due decimali.")
        return None, number, "", None
    if not text or len(text) > 20:
        return None, None, "", _("Indica il grado (al massimo 20 caratteri).")
    return None, None, text.upper(), None


def fact_record(
    *,
    actor: Actor,
    person_id: object,
    kind: str,
    value: object,
    valid_from: date,
    valid_until: date | None = None,
    document_id: int | None = None,
    source: str = "",
) -> EligibilityFact:
    """Record one piece of evidence about a person whose content the actor may see. Health
    kinds need ``HEALTH_DATA_EDIT``, the others ``SOCIAL_RECORD_EDIT`` (403 otherwise)."""
    errors: dict[str, list[str]] = {}
    if kind not in FactKind.values:
        errors["kind"] = [_("Tipo di evidenza sconosciuto.")]
        permission = Permission.SOCIAL_RECORD_EDIT
    else:
        permission = write_permission_for(kind)
    require(actor, permission)
    membership = actor.membership
    if membership is None or actor.organization is None:
        raise PermissionRequired(permission)
    flag, number, grade = None, None, ""
    if not errors:
        flag, number, grade, problem = _parse_value(kind, value)
        if problem:
            errors["value"] = [problem]
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = [_("La fine della validità non può precedere l'inizio.")]
    if len(source) > 200:
        errors["source"] = [_("La fonte può avere al massimo 200 caratteri.")]
    elif "\x00" in source:
        errors["source"] = [_("La fonte contiene caratteri non ammessi.")]
    with transaction.atomic(), pghistory.context(reason="eligibility_fact_record"):
        person = people_selectors.person_with_content(
            actor=actor, person_id=person_id, permission=permission
        )
        document = None
        if document_id is not None:
            document = scoped(actor, PersonDocument).filter(person=person, pk=document_id).first()
            if document is None:
                errors["document_id"] = [_("Documento non trovato tra quelli della persona.")]
        if errors:
            raise ProgramError(ProgramErrorCode.FACT_INVALID, errors)
        return EligibilityFact.objects.create(
            person=person,
            kind=kind,
            value_flag=flag,
            value_number=number,
            value_text=grade,
            valid_from=valid_from,
            valid_until=valid_until,
            document=document,
            source=source.strip(),
            organization=actor.organization,
            recorded_by=membership,
        )


def fact_end(*, actor: Actor, fact_id: object, valid_until: date) -> EligibilityFact:
    """End-date a piece of evidence (it stops holding after ``valid_until``); the row stays.
    Only the organisation that recorded it ends it (another body that reads it records its own
    evidence instead), with the permission of its kind."""
    if not (actor.has(Permission.SOCIAL_RECORD_EDIT) or actor.has(Permission.HEALTH_DATA_EDIT)):
        raise PermissionRequired(Permission.SOCIAL_RECORD_EDIT)
    with transaction.atomic(), pghistory.context(reason="eligibility_fact_end"):
        fact = get_visible(actor, EligibilityFact.objects.select_for_update(), pk=fact_id)
        require(actor, write_permission_for(fact.kind))
        if fact.organization_id != actor.organization_id:
            raise ProgramError(
                ProgramErrorCode.FACT_INVALID,
                {"fact_id": [_("Solo l'ente che ha registrato l'evidenza può chiuderla.")]},
            )
        if valid_until < fact.valid_from:
            raise ProgramError(
                ProgramErrorCode.FACT_INVALID,
                {"valid_until": [_("La fine della validità non può precedere l'inizio.")]},
            )
        fact.valid_until = valid_until
        fact.save(update_fields=["valid_until"])
        return fact


def screening_save(
    *, actor: Actor, person_id: int, measure_code: str, on_date: date, result: dict[str, Any]
) -> ScreeningRecord:
    """Keep a screening as computed (``result`` is ``ScreeningResult.as_json()``), for an actor
    allowed to screen the person. A screening whose rules read health evidence is kept only by
    a holder of the health permission: anyone else's result lacks the health conditions."""
    if not may_screen(actor) or actor.membership is None or actor.organization is None:
        raise PermissionRequired(SCREENING_PERMISSIONS[0])
    rule_set_id = (result.get("rule_set") or {}).get("id")
    rule_set = MeasureRuleSet.objects.filter(pk=int(rule_set_id or 0)).first()
    if rule_set is None:
        raise ProgramError(ProgramErrorCode.NO_RULES, {"measure_code": [_("Regole sconosciute.")]})
    if reads_health(RuleSet.model_validate(rule_set.parameters)) and not may_see_health(actor):
        raise PermissionRequired(Permission.HEALTH_DATA_VIEW)
    with transaction.atomic(), pghistory.context(reason="screening_save"):
        person = people_selectors.person_with_content(actor=actor, person_id=person_id)
        return ScreeningRecord.objects.create(
            person=person,
            measure_code=measure_code,
            on_date=on_date,
            rule_set=rule_set,
            outcome=result["outcome"],
            result=result,
            organization=actor.organization,
            recorded_by=actor.membership,
        )

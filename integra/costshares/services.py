"""Writes of cost shares: loading the LEA rules from the shipped file, saving a regulation."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pghistory
import yaml
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integra.core.access import (
    Actor,
    NotFound,
    PermissionRequired,
    get_visible,
    lookup_denial_record,
)
from integra.core.permissions import Permission
from integra.costshares.access import (
    may_write_for_organization,
    may_write_regulations,
    writable_regulations,
)
from integra.costshares.errors import CostShareError, CostShareErrorCode
from integra.costshares.models import (
    CareSetting,
    CopaymentBand,
    CopaymentPeriod,
    CopaymentRegulation,
    CopaymentShape,
    LeaCostRule,
)
from integra.organizations.models import Organization, OrganizationKind
from integra.people.models import IseeKind

LEA_FILE = Path(__file__).resolve().parent / "data" / "lea_dpcm_2017.yaml"

# --- the LEA rules file ----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RuleIn(_Strict):
    key: str = Field(min_length=1, max_length=80, pattern=r"^[-a-z0-9]+$")
    ssn_percent: Decimal = Field(ge=0, le=100)
    valid_from: date
    valid_to: date | None = None
    max_days_after_discharge: int | None = Field(None, ge=0)
    source: str = Field(min_length=1, max_length=300)
    note: str = ""


class _SettingIn(_Strict):
    code: str = Field(min_length=1, max_length=60, pattern=r"^[-a-z0-9]+$")
    name: str = Field(min_length=1, max_length=200)
    article: str = Field(min_length=1, max_length=60)
    description: str = ""
    rules: list[_RuleIn] = Field(min_length=1)


class _LeaFileIn(_Strict):
    version: int
    act: str
    settings: list[_SettingIn]


def _lea_file_problems(data: _LeaFileIn) -> list[str]:
    """Faults the schema cannot see: repeated codes or keys, a rule ending before it starts,
    two general rules (no day window) of one setting in force on the same day."""
    problems: list[str] = []
    codes = [s.code for s in data.settings]
    keys = [r.key for s in data.settings for r in s.rules]
    problems += [f"codice ripetuto: {c}" for c in sorted({c for c in codes if codes.count(c) > 1})]
    problems += [f"chiave ripetuta: {k}" for k in sorted({k for k in keys if keys.count(k) > 1})]
    for setting in data.settings:
        for rule in setting.rules:
            if rule.valid_to is not None and rule.valid_to < rule.valid_from:
                problems.append(f"{rule.key}: valid_to precede valid_from")
        for window in {r.max_days_after_discharge for r in setting.rules}:
            same = sorted(
                (r for r in setting.rules if r.max_days_after_discharge == window),
                key=lambda r: r.valid_from,
            )
            for before, after in itertools.pairwise(same):
                if before.valid_to is None or after.valid_from <= before.valid_to:
                    problems.append(
                        f"{setting.code}: le regole {before.key} e {after.key} si sovrappongono"
                    )
    return problems


def lea_file_parse(text: str) -> _LeaFileIn:
    """The validated LEA file, or ``CostShareError`` naming every fault."""
    try:
        data = _LeaFileIn.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CostShareError(CostShareErrorCode.LEA_FILE_INVALID, {"file": [str(exc)]}) from None
    problems = _lea_file_problems(data)
    if problems:
        raise CostShareError(CostShareErrorCode.LEA_FILE_INVALID, {"file": problems})
    return data


@dataclass(frozen=True)
class LeaLoad:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def lea_rules_load(*, text: str) -> LeaLoad:
    """Store the settings and rules of a LEA file, keyed by setting code and rule key: loading
    the same file again changes nothing; a corrected rule replaces its values (the history keeps
    the old ones). Rules missing from the file are left as they are (never deleted)."""
    data = lea_file_parse(text)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic(), pghistory.context(reason="lea_rules_load"):
        for item in data.settings:
            setting, _created = CareSetting.objects.update_or_create(
                code=item.code,
                defaults={
                    "name": item.name,
                    "article": item.article,
                    "description": item.description,
                },
            )
            for rule_in in item.rules:
                values: dict[str, Any] = {
                    "setting": setting,
                    "ssn_percent": rule_in.ssn_percent,
                    "valid_from": rule_in.valid_from,
                    "valid_to": rule_in.valid_to,
                    "max_days_after_discharge": rule_in.max_days_after_discharge,
                    "source": rule_in.source,
                    "note": rule_in.note,
                }
                rule = LeaCostRule.objects.select_for_update().filter(key=rule_in.key).first()
                if rule is None:
                    LeaCostRule.objects.create(key=rule_in.key, **values)
                    counts["created"] += 1
                    continue
                if all(getattr(rule, name) == value for name, value in values.items()):
                    counts["unchanged"] += 1
                    continue
                for name, value in values.items():
                    setattr(rule, name, value)
                rule.save()
                counts["updated"] += 1
    return LeaLoad(**counts)


def load_shipped_lea_rules(**kwargs: Any) -> None:
    """``post_migrate``: load the shipped LEA file (idempotent)."""
    lea_rules_load(text=LEA_FILE.read_text(encoding="utf-8"))


# --- co-payment regulations ----------------------------------------------------------------------

REGULATION_ISEE_KINDS = (IseeKind.ORDINARY, IseeKind.SOCIOSANITARY, IseeKind.MINORS)
REGULATION_ORGANIZATION_KINDS = (OrganizationKind.MUNICIPALITY, OrganizationKind.AMBITO)


@dataclass(frozen=True)
class BandInput:
    isee_up_to: Decimal | None
    person_percent: Decimal


@dataclass(frozen=True)
class PeriodInput:
    valid_from: date
    shape: str
    source: str
    valid_to: date | None = None
    exemption_threshold: Decimal | None = None
    ceiling: Decimal | None = None
    monthly_cap: Decimal | None = None
    monthly_minimum: Decimal | None = None
    bands: tuple[BandInput, ...] = ()


@dataclass(frozen=True)
class RegulationInput:
    """What a regulation is made of, shared by the API schema and the page's form. On an
    update, ``None`` leaves a field (or, for ``periods``, every period) as it is."""

    name: str | None = None
    act: str | None = None
    isee_kind: str | None = None
    periods: tuple[PeriodInput, ...] | None = None
    organization_id: int | None = None


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _text_errors(errors: dict[str, list[str]], name: str, value: str | None, limit: int) -> None:
    if value is None:
        return
    if not value.strip():
        errors.setdefault(name, []).append(_("Campo obbligatorio."))
    elif "\x00" in value or len(value) > limit:
        errors.setdefault(name, []).append(
            _("Testo non valido (al più %(limit)s caratteri).") % {"limit": limit}
        )


def _period_errors(errors: dict[str, list[str]], index: int, period: PeriodInput) -> None:
    def add(name: str, message: str) -> None:
        errors.setdefault(f"periods.{index}.{name}", []).append(message)

    if period.valid_to is not None and period.valid_to < period.valid_from:
        add("valid_to", _("La fine della vigenza precede il suo inizio."))
    if not period.source.strip() or len(period.source) > 300 or "\x00" in period.source:
        add("source", _("Indica l'articolo del regolamento che fissa queste regole."))
    if period.shape not in CopaymentShape.values:
        add("shape", _("Forma non valida: scala lineare o fasce."))
    for name in ("exemption_threshold", "ceiling", "monthly_cap", "monthly_minimum"):
        value = getattr(period, name)
        if value is not None and value < 0:
            add(name, _("L'importo non può essere negativo."))
    cap, minimum = period.monthly_cap, period.monthly_minimum
    if cap is not None and minimum is not None and minimum > cap:
        add("monthly_minimum", _("La quota minima non può superare il tetto mensile."))
    if period.shape == CopaymentShape.LINEAR:
        if period.exemption_threshold is None:
            add("exemption_threshold", _("La scala lineare richiede la soglia di esenzione."))
        if period.ceiling is None:
            add("ceiling", _("La scala lineare richiede la soglia massima."))
        if (
            period.exemption_threshold is not None
            and period.ceiling is not None
            and period.ceiling <= period.exemption_threshold
        ):
            add("ceiling", _("La soglia massima deve superare la soglia di esenzione."))
        if period.bands:
            add("bands", _("La scala lineare non ha fasce: toglile o scegli la forma a fasce."))
    if period.shape == CopaymentShape.BANDS:
        if not period.bands:
            add("bands", _("Indica almeno una fascia ISEE."))
        bounds = [b.isee_up_to for b in period.bands]
        if bounds and bounds.count(None) != 1:
            add(
                "bands",
                _("Una e una sola fascia deve essere aperta (senza limite superiore di ISEE)."),
            )
        closed = [b for b in bounds if b is not None]
        if len(set(closed)) != len(closed):
            add("bands", _("Due fasce hanno lo stesso limite di ISEE."))
        for band in period.bands:
            if band.isee_up_to is not None and band.isee_up_to < 0:
                add("bands", _("Il limite di ISEE di una fascia non può essere negativo."))
            if not Decimal(0) <= band.person_percent <= Decimal(100):
                add("bands", _("La percentuale di una fascia va da 0 a 100."))


def _overlap_errors(errors: dict[str, list[str]], periods: tuple[PeriodInput, ...]) -> None:
    ordered = sorted(enumerate(periods), key=lambda item: item[1].valid_from)
    for (_i, before), (j, after) in itertools.pairwise(ordered):
        if before.valid_to is None or after.valid_from <= before.valid_to:
            errors.setdefault(f"periods.{j}.valid_from", []).append(
                _(
                    "Il periodo dal %(after)s si sovrappone a quello dal %(before)s: i periodi "
                    "di uno stesso regolamento non possono sovrapporsi (chiudi il precedente il "
                    "giorno prima)."
                )
                % {"after": _day(after.valid_from), "before": _day(before.valid_from)}
            )


def _validate(data: RegulationInput, *, creating: bool) -> None:
    errors: dict[str, list[str]] = {}
    if creating:
        for name in ("name", "act", "isee_kind"):
            if getattr(data, name) is None:
                errors.setdefault(name, []).append(_("Campo obbligatorio."))
        if not data.periods:
            errors.setdefault("periods", []).append(_("Indica almeno un periodo di vigenza."))
    _text_errors(errors, "name", data.name, 200)
    _text_errors(errors, "act", data.act, 200)
    if data.isee_kind is not None and data.isee_kind not in REGULATION_ISEE_KINDS:
        errors.setdefault("isee_kind", []).append(
            _("Tipo di ISEE non valido: ordinario, sociosanitario o minorenni.")
        )
    if data.periods is not None:
        if not data.periods:
            errors.setdefault("periods", []).append(_("Indica almeno un periodo di vigenza."))
        for index, period in enumerate(data.periods):
            _period_errors(errors, index, period)
        _overlap_errors(errors, data.periods)
    if errors:
        raise CostShareError(CostShareErrorCode.REGULATION_INVALID, errors)


def _write_periods(regulation: CopaymentRegulation, periods: tuple[PeriodInput, ...]) -> None:
    """Replace the regulation's periods (the history keeps the previous ones)."""
    regulation.periods.all().delete()
    for period in periods:
        row = CopaymentPeriod.objects.create(
            regulation=regulation,
            valid_from=period.valid_from,
            valid_to=period.valid_to,
            shape=period.shape,
            source=period.source.strip(),
            exemption_threshold=period.exemption_threshold
            if period.shape == CopaymentShape.LINEAR
            else None,
            ceiling=period.ceiling if period.shape == CopaymentShape.LINEAR else None,
            monthly_cap=period.monthly_cap,
            monthly_minimum=period.monthly_minimum,
        )
        CopaymentBand.objects.bulk_create(
            CopaymentBand(period=row, isee_up_to=b.isee_up_to, person_percent=b.person_percent)
            for b in period.bands
        )


def _require_writer(actor: Actor | None) -> Actor:
    if actor is None or not may_write_regulations(actor):
        raise PermissionRequired(Permission.PLANNING_COORDINATE)
    return actor


def _save(regulation: CopaymentRegulation, data: RegulationInput) -> None:
    for name in ("name", "act", "isee_kind"):
        value = getattr(data, name)
        if value is not None:
            setattr(regulation, name, value.strip())
    try:
        with transaction.atomic():
            regulation.save()
    except IntegrityError:
        raise CostShareError(
            CostShareErrorCode.REGULATION_INVALID,
            {"name": [_("L'ente ha già un regolamento con questo nome.")]},
        ) from None
    if data.periods is not None:
        _write_periods(regulation, data.periods)


def regulation_create(*, actor: Actor | None, data: RegulationInput) -> CopaymentRegulation:
    """A new regulation of ``data.organization_id`` (default: the actor's organisation), which
    must be a Comune or an Ambito the actor may write for; another organisation's id is not
    found, like a missing one."""
    writer = _require_writer(actor)
    organization_id = data.organization_id or writer.organization_id
    organization = get_visible(writer, Organization, pk=organization_id)
    if not may_write_for_organization(writer, organization.pk):
        lookup_denial_record(writer, organization, pk=organization_id)
        raise NotFound()
    _validate(data, creating=True)
    if organization.kind not in REGULATION_ORGANIZATION_KINDS:
        raise CostShareError(
            CostShareErrorCode.REGULATION_INVALID,
            {
                "organization_id": [
                    _("Solo un Comune o un Ambito adotta un regolamento di compartecipazione.")
                ]
            },
        )
    with transaction.atomic(), pghistory.context(reason="copayment_regulation_create"):
        regulation = CopaymentRegulation(organization=organization)
        _save(regulation, data)
    return regulation


def regulation_update(
    *, actor: Actor | None, regulation_id: object, data: RegulationInput
) -> CopaymentRegulation:
    """Change a regulation of the actor's organisation (any, for a system administrator); the
    periods, when given, replace all of the old ones. Nothing is written on a refusal."""
    writer = _require_writer(actor)
    qs = writable_regulations(writer, CopaymentRegulation.objects.all())
    with transaction.atomic(), pghistory.context(reason="copayment_regulation_update"):
        # Locked: two coordinators saving periods at once cannot make them overlap.
        regulation = qs.select_for_update().filter(pk=_pk(regulation_id)).first()
        if regulation is None:
            # Missing: get_visible logs and raises; another organisation's: logged here.
            visible = get_visible(writer, CopaymentRegulation, pk=regulation_id)
            lookup_denial_record(writer, visible, pk=regulation_id)
            raise NotFound()
        _validate(data, creating=False)
        _save(regulation, data)
    return regulation


def _pk(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None

"""Who pays for an intervention: one pure function over rules already read.

``split_cost`` takes the terms of a care setting (its LEA rules) and of a co-payment regulation
(its periods) as plain frozen values — the selectors (``selectors.setting_terms``,
``selectors.regulation_terms``) read them from the database — and answers how a monthly tariff
is shared between the SSN, the Comune, the person and others, with the reasons in Italian.

Order of the computation (every amount in euro cents, ``ROUND_HALF_UP``):

1. SSN = tariff × LEA share, rounded to the cent; the social part is tariff − SSN (exact).
2. Others (a foundation, a relative…) pay ``other_amount``, set by the plan's author, out of
   the social part; what remains is shared by the person and the Comune.
3. Person = remainder × the regulation's share for the ISEE, rounded to the cent; then raised
   to the monthly minimum (only when the person pays something, never above the remainder) and
   lowered to the monthly cap. Comune = remainder − person (exact).

Because the last share of each step is a difference, SSN + Comune + person + others is always
exactly the tariff. Without a valid ISEE of the regulation's kind (or without a regulation in
force) the person bears the whole remainder, and the result says so (``warnings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from integra.costshares.errors import CostShareError, CostShareErrorCode
from integra.people.models import IseeKind

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    """``value`` rounded to the cent, halves away from zero (0.005 → 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _euro(value: Decimal) -> str:
    """Italian money format: 1.234,50 €."""
    text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} €"


def _percent(value: Decimal) -> str:
    text = f"{value.normalize():f}".replace(".", ",")
    return f"{text}%"


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class LeaRuleTerms:
    ssn_percent: Decimal
    valid_from: date
    valid_to: date | None
    source: str
    max_days_after_discharge: int | None = None

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class SettingTerms:
    code: str
    name: str
    rules: tuple[LeaRuleTerms, ...]


@dataclass(frozen=True)
class BandTerms:
    isee_up_to: Decimal | None  # inclusive; None: the last, open band
    person_percent: Decimal


@dataclass(frozen=True)
class PeriodTerms:
    valid_from: date
    valid_to: date | None
    shape: str  # CopaymentShape: "linear" or "bands"
    source: str
    exemption_threshold: Decimal | None = None
    ceiling: Decimal | None = None
    monthly_cap: Decimal | None = None
    monthly_minimum: Decimal | None = None
    bands: tuple[BandTerms, ...] = ()

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class RegulationTerms:
    name: str
    organization: str
    act: str
    isee_kind: str
    periods: tuple[PeriodTerms, ...]


@dataclass(frozen=True)
class CostSplit:
    tariff: Decimal
    ssn: Decimal
    comune: Decimal
    person: Decimal
    other: Decimal
    ssn_percent: Decimal
    person_percent: Decimal | None  # share of the remainder before minimum and cap
    explanation: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    isee_missing: bool = False
    regulation_missing: bool = False
    lea_source: str = ""
    regulation_source: str = ""
    sources: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        return self.ssn + self.comune + self.person + self.other


def _invalid(field_name: str, message: str) -> CostShareError:
    return CostShareError(CostShareErrorCode.SPLIT_INVALID, {field_name: [message]})


def lea_rule_in_force(
    setting: SettingTerms, *, on: date, days_since_protected_discharge: int | None
) -> LeaRuleTerms:
    """The rule of ``setting`` that applies on ``on``: a rule limited to the first N days after a
    protected discharge wins within those days; otherwise the rule without a day window."""
    in_force = [r for r in setting.rules if r.in_force(on)]
    if days_since_protected_discharge is not None:
        windowed = [
            r
            for r in in_force
            if r.max_days_after_discharge is not None
            and days_since_protected_discharge <= r.max_days_after_discharge
        ]
        if windowed:
            return min(windowed, key=lambda r: r.max_days_after_discharge or 0)
    general = [r for r in in_force if r.max_days_after_discharge is None]
    if not general:
        raise CostShareError(
            CostShareErrorCode.NO_LEA_RULE,
            {
                "setting": [
                    _("Nessuna quota LEA in vigore il %(day)s per «%(setting)s».")
                    % {"day": _day(on), "setting": setting.name}
                ]
            },
        )
    return max(general, key=lambda r: r.valid_from)


def period_in_force(regulation: RegulationTerms, *, on: date) -> PeriodTerms | None:
    periods = [p for p in regulation.periods if p.in_force(on)]
    return max(periods, key=lambda p: p.valid_from, default=None)


def _person_fraction(period: PeriodTerms, isee: Decimal) -> tuple[Decimal, str]:
    """The person's share (0–1) of the remainder for ``isee``, and the line explaining it."""
    if period.shape == "linear":
        threshold = period.exemption_threshold or ZERO
        ceiling = period.ceiling or ZERO
        if isee <= threshold:
            return Decimal(0), _(
                "ISEE %(isee)s non superiore alla soglia di esenzione %(threshold)s: "
                "nessuna quota a carico della persona."
            ) % {"isee": _euro(isee), "threshold": _euro(threshold)}
        if isee >= ceiling:
            return Decimal(1), _(
                "ISEE %(isee)s pari o superiore alla soglia massima %(ceiling)s: "
                "la persona paga l'intera quota sociale."
            ) % {"isee": _euro(isee), "ceiling": _euro(ceiling)}
        fraction = (isee - threshold) / (ceiling - threshold)
        return fraction, _(
            "Scala lineare: (ISEE %(isee)s − soglia %(threshold)s) / (soglia massima "
            "%(ceiling)s − soglia %(threshold)s) = %(percent)s a carico della persona."
        ) % {
            "isee": _euro(isee),
            "threshold": _euro(threshold),
            "ceiling": _euro(ceiling),
            "percent": _percent(cents(fraction * HUNDRED)),
        }
    bands = sorted(
        period.bands,
        key=lambda b: (b.isee_up_to is None, b.isee_up_to if b.isee_up_to is not None else 0),
    )
    for band in bands:
        if band.isee_up_to is None or isee <= band.isee_up_to:
            if band.isee_up_to is None:
                where = _("oltre l'ultima soglia")
            else:
                where = _("fino a %(bound)s") % {"bound": _euro(band.isee_up_to)}
            return band.person_percent / HUNDRED, _(
                "Fascia ISEE %(where)s (ISEE %(isee)s): %(percent)s a carico della persona."
            ) % {"where": where, "isee": _euro(isee), "percent": _percent(band.person_percent)}
    # A period without an open band leaves the highest ISEE values without a band: full share.
    return Decimal(1), _(
        "ISEE %(isee)s oltre l'ultima fascia del regolamento: la persona paga l'intera quota "
        "sociale."
    ) % {"isee": _euro(isee)}


def split_cost(
    *,
    setting: SettingTerms,
    monthly_tariff: Decimal,
    on: date,
    days_since_protected_discharge: int | None = None,
    regulation: RegulationTerms | None = None,
    isee_value: Decimal | None = None,
    other_amount: Decimal | None = None,
) -> CostSplit:
    """Share ``monthly_tariff`` between SSN, Comune, person and others on the day ``on``.

    ``days_since_protected_discharge``: days since a protected hospital discharge (the day
    after the discharge is day 1), ``None`` when the intervention does not follow one.
    ``isee_value``: the person's ISEE of the regulation's kind valid on ``on``, ``None`` when
    there is none. ``other_amount``: what others pay, out of the social part.
    Raises ``CostShareError`` for bad input (negative or sub-cent amounts, others paying more
    than the social part, no LEA rule in force).
    """
    if monthly_tariff < 0:
        raise _invalid("monthly_tariff", _("La tariffa mensile non può essere negativa."))
    if monthly_tariff != cents(monthly_tariff):
        raise _invalid(
            "monthly_tariff", _("La tariffa mensile va indicata in euro con al più due decimali.")
        )
    if days_since_protected_discharge is not None and days_since_protected_discharge < 0:
        raise _invalid(
            "days_since_protected_discharge",
            _("I giorni dalla dimissione protetta non possono essere negativi."),
        )
    if isee_value is not None and isee_value < 0:
        raise _invalid("isee_value", _("Il valore ISEE non può essere negativo."))
    other = other_amount if other_amount is not None else ZERO
    if other < 0:
        raise _invalid("other_amount", _("La quota di altri non può essere negativa."))
    if other != cents(other):
        raise _invalid(
            "other_amount", _("La quota di altri va indicata in euro con al più due decimali.")
        )

    tariff = cents(monthly_tariff)
    rule = lea_rule_in_force(
        setting, on=on, days_since_protected_discharge=days_since_protected_discharge
    )
    ssn = cents(tariff * rule.ssn_percent / HUNDRED)
    social = tariff - ssn
    lines = [
        _("Tariffa mensile %(tariff)s, setting «%(setting)s».")
        % {"tariff": _euro(tariff), "setting": setting.name},
        _("Quota SSN %(percent)s = %(amount)s (%(source)s).")
        % {"percent": _percent(rule.ssn_percent), "amount": _euro(ssn), "source": rule.source},
    ]
    if other > social:
        raise _invalid(
            "other_amount",
            _("La quota di altri (%(other)s) supera la parte non sanitaria (%(social)s).")
            % {"other": _euro(other), "social": _euro(social)},
        )
    if other:
        lines.append(
            _("Altri soggetti pagano %(amount)s della parte non sanitaria (indicato nel piano).")
            % {"amount": _euro(other)}
        )
    remainder = social - other
    warnings: list[str] = []
    sources = [rule.source]
    person_percent: Decimal | None = None
    regulation_source = ""
    period = period_in_force(regulation, on=on) if regulation is not None else None
    isee_missing = False
    regulation_missing = False

    if remainder == 0:
        person = ZERO
        if social == 0:
            lines.append(_("Nessuna parte non sanitaria da ripartire."))
    elif regulation is None or period is None:
        regulation_missing = True
        person = remainder
        warnings.append(
            _(
                "Nessun regolamento di compartecipazione in vigore il %(day)s: la parte non "
                "sanitaria (%(amount)s) è attribuita interamente alla persona, da verificare."
            )
            % {"day": _day(on), "amount": _euro(remainder)}
        )
    elif isee_value is None:
        isee_missing = True
        person = remainder
        person_percent = HUNDRED
        regulation_source = period.source
        sources.append(period.source)
        warnings.append(
            _(
                "Nessun %(kind)s valido il %(day)s: la persona paga l'intera parte non "
                "sanitaria (%(amount)s) finché non presenta una DSU."
            )
            % {
                "kind": IseeKind(regulation.isee_kind).label
                if regulation.isee_kind in IseeKind.values
                else regulation.isee_kind,
                "day": _day(on),
                "amount": _euro(remainder),
            }
        )
    else:
        regulation_source = period.source
        sources.append(period.source)
        fraction, line = _person_fraction(period, isee_value)
        person_percent = cents(fraction * HUNDRED)
        lines.append(
            _("Regolamento «%(name)s» (%(organization)s, %(act)s; %(source)s).")
            % {
                "name": regulation.name,
                "organization": regulation.organization,
                "act": regulation.act,
                "source": period.source,
            }
        )
        lines.append(line)
        person = cents(remainder * fraction)
        if person > 0 and period.monthly_minimum is not None and person < period.monthly_minimum:
            person = min(period.monthly_minimum, remainder)
            lines.append(
                _("Applicata la quota minima mensile: %(amount)s.") % {"amount": _euro(person)}
            )
        if period.monthly_cap is not None and person > period.monthly_cap:
            person = period.monthly_cap
            lines.append(_("Applicato il tetto mensile: %(amount)s.") % {"amount": _euro(person)})
    comune = remainder - person
    lines.append(
        _("Persona %(person)s, Comune %(comune)s, altri %(other)s, SSN %(ssn)s.")
        % {
            "person": _euro(person),
            "comune": _euro(comune),
            "other": _euro(other),
            "ssn": _euro(ssn),
        }
    )
    return CostSplit(
        tariff=tariff,
        ssn=ssn,
        comune=comune,
        person=person,
        other=other,
        ssn_percent=rule.ssn_percent,
        person_percent=person_percent,
        explanation=tuple(lines),
        warnings=tuple(warnings),
        isee_missing=isee_missing,
        regulation_missing=regulation_missing,
        lea_source=rule.source,
        regulation_source=regulation_source,
        sources=tuple(sources),
    )

"""Who pays for an intervention: the LEA shares of the SSN and the Comune's co-payment rules.

Both are configuration with effective dates, never constants in code:

- ``CareSetting`` / ``LeaCostRule``: the share of a tariff the SSN bears in a care setting, as
  set by DPCM 12/1/2017 (GU 18/3/2017, S.O. n. 15), loaded from ``data/lea_dpcm_2017.yaml``;
  ``ServiceCostProfile`` maps a catalogue service to its default setting.
- ``CopaymentRegulation`` / ``CopaymentPeriod`` / ``CopaymentBand``: a Comune's or Ambito's
  regulation of the person's co-payment by ISEE (DPCM 159/2013), one period per text in force.
"""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.models import TimeStampedModel, period_check
from integra.people.models import IseeKind


class CareSetting(models.Model):
    """A care setting of the LEA (home tutelary aid, long-term residential care…)."""

    code = models.SlugField(_("codice"), max_length=60, unique=True)
    name = models.CharField(_("nome"), max_length=200)
    article = models.CharField(_("articolo"), max_length=60)
    description = models.TextField(_("descrizione"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("setting assistenziale")
        verbose_name_plural = _("setting assistenziali")

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class LeaCostRule(models.Model):
    """The SSN's share of the tariff in a setting between two dates, with its source.

    ``max_days_after_discharge`` narrows the rule to the first N days after a protected
    discharge (art. 22 c.4: the first thirty days); a rule without it applies otherwise.
    """

    setting = models.ForeignKey(
        CareSetting, on_delete=models.CASCADE, related_name="rules", verbose_name=_("setting")
    )
    key = models.SlugField(_("chiave"), max_length=80, unique=True)
    ssn_percent = models.DecimalField(_("quota SSN (%)"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("in vigore dal"))
    valid_to = models.DateField(_("in vigore fino al"), null=True, blank=True)
    max_days_after_discharge = models.PositiveSmallIntegerField(
        _("solo nei primi giorni dopo la dimissione protetta"), null=True, blank=True
    )
    source = models.CharField(_("fonte"), max_length=300)
    note = models.TextField(_("nota"), blank=True)

    class Meta:
        ordering = ["setting__code", "max_days_after_discharge", "-valid_from"]
        verbose_name = _("quota LEA")
        verbose_name_plural = _("quote LEA")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ssn_percent__gte=0, ssn_percent__lte=100),
                name="lea_rule_percent_range",
            ),
            period_check("valid_from", "valid_to", "lea_rule_valid_period"),
        ]

    def __str__(self) -> str:
        return f"{self.setting.code}: {self.ssn_percent}% ({self.source})"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ServiceCostProfile(models.Model):
    """The care setting a catalogue service falls in by default (a plan may choose another)."""

    service = models.OneToOneField(
        "organizations.Service",
        on_delete=models.CASCADE,
        related_name="cost_profile",
        verbose_name=_("servizio"),
    )
    setting = models.ForeignKey(
        CareSetting, on_delete=models.PROTECT, related_name="+", verbose_name=_("setting")
    )

    class Meta:
        verbose_name = _("profilo di costo di un servizio")
        verbose_name_plural = _("profili di costo dei servizi")

    def __str__(self) -> str:
        return f"{self.service} → {self.setting.code}"


class CopaymentShape(models.TextChoices):
    LINEAR = "linear", _("Scala lineare tra soglia di esenzione e soglia massima")
    BANDS = "bands", _("Fasce ISEE con percentuale fissa")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CopaymentRegulation(TimeStampedModel):
    """A Comune's or Ambito's co-payment regulation (DPCM 159/2013) for one kind of ISEE.

    Regional configuration, not personal data: every operator with ``CATALOGUE_VIEW`` reads it;
    the organisation's planning coordinator (or a system administrator) writes it."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="copayment_regulations",
        verbose_name=_("ente"),
    )
    name = models.CharField(_("nome"), max_length=200)
    act = models.CharField(_("atto di approvazione"), max_length=200)
    isee_kind = models.CharField(_("tipo di ISEE"), max_length=20, choices=IseeKind.choices)

    class Meta:
        ordering = ["organization__name", "name", "pk"]
        verbose_name = _("regolamento di compartecipazione")
        verbose_name_plural = _("regolamenti di compartecipazione")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="copayment_regulation_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CopaymentPeriod(models.Model):
    """The terms of a regulation in force between two dates. Periods of one regulation never
    overlap (checked by ``services.regulation_period_save`` under a lock on the regulation)."""

    regulation = models.ForeignKey(
        CopaymentRegulation,
        on_delete=models.CASCADE,
        related_name="periods",
        verbose_name=_("regolamento"),
    )
    valid_from = models.DateField(_("in vigore dal"))
    valid_to = models.DateField(_("in vigore fino al"), null=True, blank=True)
    shape = models.CharField(_("forma"), max_length=10, choices=CopaymentShape.choices)
    exemption_threshold = models.DecimalField(
        _("soglia di esenzione (ISEE)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    ceiling = models.DecimalField(
        _("soglia massima (ISEE)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    monthly_cap = models.DecimalField(
        _("tetto mensile"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    monthly_minimum = models.DecimalField(
        _("quota minima mensile"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    source = models.CharField(_("fonte (articolo del regolamento)"), max_length=300)

    class Meta:
        ordering = ["regulation", "-valid_from"]
        verbose_name = _("periodo di vigenza")
        verbose_name_plural = _("periodi di vigenza")
        constraints = [
            period_check("valid_from", "valid_to", "copayment_period_valid_period"),
            models.CheckConstraint(
                condition=~models.Q(shape="linear")
                | models.Q(
                    exemption_threshold__isnull=False,
                    ceiling__isnull=False,
                    exemption_threshold__gte=0,
                    ceiling__gt=models.F("exemption_threshold"),
                ),
                name="copayment_linear_thresholds",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_cap__isnull=True) | models.Q(monthly_cap__gte=0),
                name="copayment_cap_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_minimum__isnull=True) | models.Q(monthly_minimum__gte=0),
                name="copayment_minimum_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regulation.name} dal {self.valid_from:%d/%m/%Y}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CopaymentBand(models.Model):
    """One ISEE band of a ``bands`` period: up to ``isee_up_to`` (inclusive; empty for the last,
    open band) the person pays ``person_percent`` of the social share."""

    period = models.ForeignKey(
        CopaymentPeriod, on_delete=models.CASCADE, related_name="bands", verbose_name=_("periodo")
    )
    isee_up_to = models.DecimalField(
        _("ISEE fino a"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    person_percent = models.DecimalField(
        _("quota a carico della persona (%)"), max_digits=5, decimal_places=2
    )

    class Meta:
        ordering = ["period", models.F("isee_up_to").asc(nulls_last=True)]
        verbose_name = _("fascia ISEE")
        verbose_name_plural = _("fasce ISEE")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person_percent__gte=0, person_percent__lte=100),
                name="copayment_band_percent_range",
            ),
            models.UniqueConstraint(
                fields=["period", "isee_up_to"],
                name="copayment_band_unique_bound",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"≤ {self.isee_up_to}: {self.person_percent}%"

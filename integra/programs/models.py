"""Benefit measures: their rules as data, the evidence about a person, recorded screenings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.models import period_check
from integra.people.models import Person, PersonDocument, PersonOwnedRecord, PersonRowQuerySet
from integra.programs.facts import FACT_KINDS, FactKind


class RuleSetStatus(models.TextChoices):
    ACTIVE = "active", _("In vigore")
    SUSPENDED = "suspended", _("Sospesa")


class RuleSetState(models.TextChoices):
    """Where an act stands on a day, derived from its dates, its status and the later acts."""

    FUTURE = "future", _("Non ancora in vigore")
    IN_FORCE = "in_force", _("In vigore")
    SUSPENDED = "suspended", _("In vigore: la misura è sospesa")
    SUPERSEDED = "superseded", _("Sostituito da un atto successivo")
    EXPIRED = "expired", _("Scaduto")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class MeasureRuleSet(models.Model):
    """The rules of one measure set by one regional act, in force between two dates.

    ``parameters`` is the validated rule file (integra/programs/rules.py ``RuleSet``);
    ``sha256`` its canonical digest, so loading the same file twice changes nothing.
    Regional configuration, not personal data: readable by every operator.
    """

    measure_code = models.CharField(_("misura"), max_length=20)
    measure_name = models.CharField(_("nome della misura"), max_length=200)
    act = models.CharField(_("atto"), max_length=200)
    effective_from = models.DateField(_("in vigore dal"))
    effective_to = models.DateField(_("in vigore fino al"), null=True, blank=True)
    status = models.CharField(
        _("stato"), max_length=10, choices=RuleSetStatus.choices, default=RuleSetStatus.ACTIVE
    )
    parameters = models.JSONField(_("parametri"))
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64)
    source_name = models.CharField(_("file di origine"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("caricato il"), auto_now=True)

    class Meta:
        ordering = ["measure_code", "-effective_from", "-pk"]
        verbose_name = _("regole di una misura")
        verbose_name_plural = _("regole delle misure")
        constraints = [
            models.UniqueConstraint(fields=["measure_code", "act"], name="rule_set_unique_act"),
            period_check("effective_from", "effective_to", "rule_set_valid_period"),
        ]
        indexes = [
            models.Index(fields=["measure_code", "-effective_from"], name="rule_set_in_force"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_code} — {self.act}"

    def is_in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class EligibilityFact(PersonOwnedRecord, models.Model):
    """One piece of evidence about a person, valid between two dates: a yes/no status (holds
    the indennità di accompagnamento), a number (EDSS 9.5) or a grade (ASIA B), with the
    document that proves it. Health kinds (``facts.HEALTH_KINDS``) are visible only with
    ``Permission.HEALTH_DATA_VIEW`` (integra/programs/access.py). Never overwritten: a change
    of status is a new row; a row that stops holding is end-dated (``valid_until``)."""

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="eligibility_facts",
        verbose_name=_("persona"),
    )
    kind = models.CharField(_("tipo"), max_length=40, choices=FactKind.choices)
    value_flag = models.BooleanField(_("sì/no"), null=True, blank=True)
    value_number = models.DecimalField(
        _("valore"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    value_text = models.CharField(_("grado"), max_length=20, blank=True)
    valid_from = models.DateField(_("valido dal"))
    valid_until = models.DateField(_("valido fino al"), null=True, blank=True)
    document = models.ForeignKey(
        PersonDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("documento"),
    )
    source = models.CharField(_("fonte"), max_length=200, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ente"),
    )
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrato da"),
    )
    created_at = models.DateTimeField(_("registrato il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-valid_from", "-pk"]
        verbose_name = _("evidenza per le misure")
        verbose_name_plural = _("evidenze per le misure")
        indexes = [
            models.Index(fields=["person", "kind", "-valid_from"], name="eligibility_fact_current"),
        ]
        constraints = [
            period_check("valid_from", "valid_until", "eligibility_fact_valid_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display_value}"

    @property
    def value(self) -> Any:
        spec = FACT_KINDS[self.kind]
        if spec.value_type == "flag":
            return self.value_flag
        if spec.value_type == "number":
            return self.value_number
        return self.value_text

    @property
    def display_value(self) -> str:
        value = self.value
        if isinstance(value, bool):
            return str(_("sì") if value else _("no"))
        if value is None:
            return "—"
        return str(value.normalize() if hasattr(value, "normalize") else value)

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ScreeningOutcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Requisiti soddisfatti")
    INCOMPATIBLE = "incompatible", _("Requisiti soddisfatti, con incompatibilità da risolvere")
    NOT_ELIGIBLE = "not_eligible", _("Requisiti non soddisfatti")
    INCOMPLETE = "incomplete", _("Evidenze incomplete")
    SUSPENDED = "suspended", _("Misura sospesa")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ScreeningRecord(PersonOwnedRecord, models.Model):
    """A screening saved by an operator, so that the UVM minutes can cite it as it was."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="screenings", verbose_name=_("persona")
    )
    measure_code = models.CharField(_("misura"), max_length=20)
    on_date = models.DateField(_("data di riferimento"))
    rule_set = models.ForeignKey(
        MeasureRuleSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("regole")
    )
    outcome = models.CharField(_("esito"), max_length=20, choices=ScreeningOutcome.choices)
    result = models.JSONField(_("risultato"))
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ente"),
    )
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrato da"),
    )
    created_at = models.DateTimeField(_("registrato il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("verifica dei requisiti")
        verbose_name_plural = _("verifiche dei requisiti")

    def __str__(self) -> str:
        return f"{self.measure_code} {self.on_date:%d/%m/%Y}: {self.get_outcome_display()}"

"""UVM sessions: the integrated multidimensional assessment of one person by a team.

Seed 002 rule 5 ("Valutazione integrata"): the bodies that decide integrated care (UVMD) must
have both the Comune and the ASL represented — a session is concluded only with at least one
member present from each side (``uvm.composition_problems``). The outcome places the person in
one of the homogeneous user classes of seed 000, each with its own review frequency.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.concurrency import VersionedModel
from integra.core.health import declare_health
from integra.organizations.models import (
    HEALTH_SIDE_KINDS,
    SOCIAL_SIDE_KINDS,
    Organization,
    OrganizationKind,
)
from integra.people.models import Person, PersonOwnedRecord, PersonRowQuerySet


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class UserClass(models.Model):
    """A homogeneous user class (seed 000), with how often a person in it is reviewed."""

    code = models.SlugField(_("codice"), max_length=50, unique=True)
    label = models.CharField(_("denominazione"), max_length=200)
    description = models.TextField(_("descrizione"), blank=True)
    review_months = models.PositiveSmallIntegerField(
        _("frequenza della rivalutazione (mesi)"),
        help_text=_("Dopo quanti mesi la persona in questa classe va rivalutata."),
    )
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)
    is_active = models.BooleanField(_("in uso"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("classe di utenza")
        verbose_name_plural = _("classi di utenza")

    def __str__(self) -> str:
        return self.label


class UvmState(models.TextChoices):
    SCHEDULED = "programmata", _("Programmata")
    CONCLUDED = "conclusa", _("Conclusa")
    CANCELLED = "annullata", _("Annullata")


class CareIntensity(models.TextChoices):
    LOW = "bassa", _("Bassa")
    MEDIUM = "media", _("Media")
    HIGH = "alta", _("Alta")
    VERY_HIGH = "molto_alta", _("Molto alta (assistenza continuativa)")


class NeedDomain(models.TextChoices):
    """Domains of the summary of needs: the ICF components and the social dimensions of the
    social assessment form, in one list so social and health members write in one place."""

    HEALTH = "salute", _("Condizioni di salute")
    FUNCTIONING = "autonomia", _("Autonomia nelle attività quotidiane (ICF d5–d6)")
    MOBILITY = "mobilita", _("Mobilità (ICF d4)")
    COGNITION = "cognitivo", _("Funzioni cognitive e comportamento (ICF b1)")
    FAMILY = "rete", _("Rete familiare e caregiver (ICF e3)")
    HOUSING = "abitazione", _("Abitazione")
    INCOME = "economica", _("Situazione economica")
    WORK = "lavoro", _("Lavoro, scuola, formazione")
    PARTICIPATION = "partecipazione", _("Relazioni e partecipazione sociale (ICF d7–d9)")


# The dimensions of the summary of needs that hold health data: written and read only by
# holders of the health permissions (integra/core/health.py).
HEALTH_NEED_DOMAINS: frozenset[str] = frozenset({NeedDomain.HEALTH, NeedDomain.COGNITION})
for _code in sorted(HEALTH_NEED_DOMAINS):
    declare_health(
        "assessments.UvmSession",
        f"needs_summary.{_code}",
        "sintesi dei bisogni sanitari e cognitivi scritta dai componenti sanitari dell'UVM",
    )


class Profession(models.TextChoices):
    DOCTOR = "medico", _("Medico")
    GP = "mmg", _("Medico di medicina generale / pediatra")
    NURSE = "infermiere", _("Infermiere")
    SOCIAL_WORKER = "assistente_sociale", _("Assistente sociale")
    PSYCHOLOGIST = "psicologo", _("Psicologo")
    PHYSIOTHERAPIST = "fisioterapista", _("Fisioterapista")
    EDUCATOR = "educatore", _("Educatore")
    SPECIALIST = "specialista", _("Medico specialista")
    OTHER = "altro", _("Altra figura")


class Side(models.TextChoices):
    SOCIAL = "sociale", _("Sociale (Comune / Ambito)")
    HEALTH = "sanitario", _("Sanitario (ASL / ASST / ATS)")
    OTHER = "altro", _("Altro ente")


# The kinds of organisation a UVM member comes from.
MEMBER_KINDS = [
    *SOCIAL_SIDE_KINDS,
    *HEALTH_SIDE_KINDS,
    OrganizationKind.GENERAL_PRACTICE,
    OrganizationKind.THIRD_SECTOR,
]


def side_of(organization: Organization) -> str:
    if organization.kind in SOCIAL_SIDE_KINDS:
        return Side.SOCIAL
    if organization.kind in HEALTH_SIDE_KINDS:
        return Side.HEALTH
    return Side.OTHER


# ``row_version`` only counts changes (optimistic locking): not history, so not tracked.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["row_version"],
)
class UvmSession(PersonOwnedRecord, VersionedModel):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="uvm_sessions", verbose_name=_("persona")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="uvm_sessions",
        verbose_name=_("ente che convoca"),
    )
    intake_request = models.ForeignKey(
        "intake.IntakeRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uvm_sessions",
        verbose_name=_("richiesta al PUA"),
    )
    scheduled_for = models.DateTimeField(_("data e ora"))
    place = models.CharField(_("luogo"), max_length=200, blank=True)
    state = models.CharField(
        _("stato"), max_length=20, choices=UvmState.choices, default=UvmState.SCHEDULED
    )
    assessments = models.ManyToManyField(
        "assessments.Assessment",
        blank=True,
        related_name="uvm_sessions",
        verbose_name=_("strumenti somministrati"),
    )
    needs_summary = models.JSONField(_("sintesi dei bisogni per dimensione"), default=dict)
    user_class = models.ForeignKey(
        UserClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("classe di utenza"),
    )
    care_intensity = models.CharField(
        _("intensità assistenziale"), max_length=20, choices=CareIntensity.choices, blank=True
    )
    proposed_interventions = models.TextField(_("interventi proposti"), blank=True)
    proposed_case_manager = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case manager proposto"),
    )
    eligibility = models.JSONField(_("verifica dei requisiti per le misure"), default=dict)
    outcome_notes = models.TextField(_("note sull'esito"), blank=True)
    next_review_on = models.DateField(_("prossima rivalutazione"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("conclusa il"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conclusa da"),
    )
    cancel_reason = models.TextField(_("motivo dell'annullamento"), blank=True)
    # Why a further session was convened for a request that already had one (the warning was
    # confirmed with this reason); empty for the first session.
    repeat_reason = models.TextField(_("motivo di una nuova seduta"), blank=True)
    # Every change of date: [{"from", "to", "reason", "by", "at"}], oldest first.
    reschedules = models.JSONField(_("spostamenti della seduta"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("creata da"),
    )
    created_at = models.DateTimeField(_("creata il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        verbose_name = _("seduta UVM")
        verbose_name_plural = _("sedute UVM")
        indexes = [models.Index(fields=["state", "scheduled_for"], name="uvm_state_date")]

    def __str__(self) -> str:
        return f"UVM {self.pk} ({self.scheduled_for:%d/%m/%Y})"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class UvmMember(models.Model):
    session = models.ForeignKey(
        UvmSession, on_delete=models.CASCADE, related_name="members", verbose_name=_("seduta")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("ente")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operatore"),
    )
    full_name = models.CharField(_("nome e cognome"), max_length=200)
    profession = models.CharField(_("profilo"), max_length=30, choices=Profession.choices)
    present = models.BooleanField(_("presente"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("componente UVM")
        verbose_name_plural = _("componenti UVM")

    def __str__(self) -> str:
        return self.full_name

    @property
    def side(self) -> str:
        return side_of(self.organization)

    def get_side_display(self) -> str:
        return str(Side(self.side).label)

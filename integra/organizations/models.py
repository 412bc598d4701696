"""Organisations (enti), their units, and the catalogue of services (who does what, where)."""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.models import Ambito, District, HealthAuthority, Municipality, TimeStampedModel
from integra.organizations.search import search_expression


class OrganizationKind(models.TextChoices):
    MUNICIPALITY = "comune", _("Comune")
    AMBITO = "ambito", _("Ambito / Ufficio di Piano")
    HEALTH_AUTHORITY = "asl", _("ASL / ASST")
    HEALTH_AGENCY = "ats", _("ATS")
    HOSPITAL = "hospital", _("Ospedale")
    THIRD_SECTOR = "third_sector", _("Ente del Terzo Settore")
    SCHOOL = "school", _("Scuola")
    COURT = "court", _("Tribunale")
    EMPLOYMENT_CENTRE = "employment", _("Centro per l'impiego")
    PREFECTURE = "prefecture", _("Prefettura / Ufficio immigrazione")
    GENERAL_PRACTICE = "general_practice", _("Medicina generale / pediatria")
    OTHER = "other", _("Altro")


# Kinds on the health side of the integration (UVM composition, health permissions).
HEALTH_SIDE_KINDS = frozenset(
    {OrganizationKind.HEALTH_AUTHORITY, OrganizationKind.HEALTH_AGENCY, OrganizationKind.HOSPITAL}
)
SOCIAL_SIDE_KINDS = frozenset({OrganizationKind.MUNICIPALITY, OrganizationKind.AMBITO})


# ``search_name`` is derived by the database from ``name``: not history, so not tracked.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_name"],
)
class Organization(TimeStampedModel):
    kind = models.CharField(_("tipo di ente"), max_length=20, choices=OrganizationKind.choices)
    name = models.CharField(_("denominazione"), max_length=200)
    search_name = models.GeneratedField(
        expression=search_expression("name"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
        verbose_name=_("denominazione normalizzata"),
    )
    code = models.SlugField(_("codice"), max_length=50, unique=True)
    tax_code = models.CharField(_("codice fiscale / partita IVA"), max_length=16, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("ente di appartenenza"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Comune (se l'ente è un Comune)"),
    )
    ambito = models.ForeignKey(
        Ambito,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("ambito (se l'ente è un Ufficio di Piano)"),
    )
    health_authority = models.ForeignKey(
        HealthAuthority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("azienda sanitaria (se l'ente è ASL/ASST/ATS)"),
    )
    served_municipalities = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="serving_organizations",
        verbose_name=_("territorio servito"),
    )
    address = models.CharField(_("indirizzo"), max_length=250, blank=True)
    email = models.EmailField(_("email"), blank=True)
    pec = models.EmailField(_("PEC"), blank=True)
    phone = models.CharField(_("telefono"), max_length=40, blank=True)
    website = models.URLField(_("sito web"), blank=True)
    is_active = models.BooleanField(_("attivo"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ente")
        verbose_name_plural = _("enti")

    def __str__(self) -> str:
        return self.name

    @property
    def is_health_side(self) -> bool:
        return self.kind in HEALTH_SIDE_KINDS

    @property
    def is_social_side(self) -> bool:
        return self.kind in SOCIAL_SIDE_KINDS


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Unit(TimeStampedModel):
    """An office or unit of an organisation (e.g. Servizio sociale professionale, CPS, UONPIA)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="units", verbose_name=_("ente")
    )
    name = models.CharField(_("nome"), max_length=200)
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("distretto"),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("telefono"), max_length=40, blank=True)

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("unità organizzativa")
        verbose_name_plural = _("unità organizzative")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="unit_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.organization}"


class ServiceArea(models.TextChoices):
    ELDERLY = "anziani", _("Anziani")
    DISABILITY = "disabili", _("Disabili")
    CHILDREN_FAMILIES = "minori_famiglie", _("Minori e famiglie")
    MENTAL_HEALTH = "salute_mentale", _("Salute mentale")
    ADDICTION = "dipendenze", _("Dipendenze")
    POVERTY_INCLUSION = "poverta_inclusione", _("Povertà e inclusione")
    IMMIGRATION = "immigrazione", _("Immigrazione")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_name"],
)
class Service(TimeStampedModel):
    """A service in the catalogue: what is offered, by whom, where, when and to which territory."""

    code = models.CharField(_("codice"), max_length=40, unique=True)
    name = models.CharField(_("nome"), max_length=200)
    search_name = models.GeneratedField(
        expression=search_expression("name"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
        verbose_name=_("nome normalizzato"),
    )
    description = models.TextField(_("descrizione"), blank=True)
    area = models.CharField(_("area"), max_length=30, choices=ServiceArea.choices)
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services", verbose_name=_("erogatore")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("unità"),
    )
    address = models.CharField(_("indirizzo"), max_length=250, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services_located",
        verbose_name=_("Comune della sede"),
    )
    served_municipalities = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="services_available",
        verbose_name=_("territorio servito"),
    )
    phone = models.CharField(_("telefono"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("sito web"), blank=True)
    opening_hours = models.TextField(_("orari di apertura"), blank=True)
    access_notes = models.TextField(_("modalità di accesso"), blank=True)
    is_active = models.BooleanField(_("attivo"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("servizio")
        verbose_name_plural = _("servizi")
        indexes = [models.Index(fields=["area", "is_active"], name="service_area_active_idx")]

    def __str__(self) -> str:
        return self.name

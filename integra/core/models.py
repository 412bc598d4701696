"""The territory: Regione, health authorities (ATS/ASL/ASST), Distretto, Ambito, Comune.

A Comune belongs to one Ambito territoriale sociale and to one Distretto; whether a Distretto
and the Ambiti of its Comuni coincide is derived (seed 002, rule 2), never stored.
"""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _


def period_check(
    start: str, end: str, name: str, *, start_optional: bool = False
) -> models.CheckConstraint:
    """A database check that ``end`` is not before ``start`` (either may be open: ``end`` empty,
    and ``start`` too when ``start_optional``)."""
    condition = models.Q(**{f"{end}__isnull": True})
    if start_optional:
        condition |= models.Q(**{f"{start}__isnull": True})
    condition |= models.Q(**{f"{end}__gte": models.F(start)})
    return models.CheckConstraint(condition=condition, name=name)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornato il"), auto_now=True)

    class Meta:
        abstract = True


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Region(models.Model):
    istat_code = models.CharField(_("codice ISTAT"), max_length=2, unique=True)
    name = models.CharField(_("nome"), max_length=100)

    class Meta:
        ordering = ["istat_code"]
        verbose_name = _("regione")
        verbose_name_plural = _("regioni")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(istat_code__regex=r"^[0-9]{2}$"), name="region_istat_2_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HealthAuthorityKind(models.TextChoices):
    ASL = "asl", _("ASL / Azienda sanitaria")
    ATS = "ats", _("ATS – Agenzia di tutela della salute")
    ASST = "asst", _("ASST – Azienda socio-sanitaria territoriale")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class HealthAuthority(models.Model):
    """ASL, or in Lombardy ATS (planning, purchasing) and ASST (services), with its parent ATS."""

    kind = models.CharField(_("tipo"), max_length=4, choices=HealthAuthorityKind.choices)
    code = models.CharField(_("codice"), max_length=10, unique=True)
    name = models.CharField(_("nome"), max_length=200)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="health_authorities",
        verbose_name=_("regione"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("ATS di riferimento"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("azienda sanitaria")
        verbose_name_plural = _("aziende sanitarie")
        constraints = [
            # In Lombardy an ASST belongs to an ATS; ATS and ASL stand alone.
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | models.Q(kind="asst"),
                name="health_authority_parent_only_for_asst",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class District(models.Model):
    """Distretto sanitario / sociosanitario of a health authority (ASL or ASST)."""

    code = models.CharField(_("codice"), max_length=20, unique=True)
    name = models.CharField(_("nome"), max_length=200)
    health_authority = models.ForeignKey(
        HealthAuthority,
        on_delete=models.PROTECT,
        related_name="districts",
        verbose_name=_("azienda sanitaria"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("distretto")
        verbose_name_plural = _("distretti")

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Ambito(models.Model):
    """Ambito territoriale sociale: the Comuni that plan social services together."""

    code = models.CharField(_("codice"), max_length=20, unique=True)
    name = models.CharField(_("nome"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="ambiti", verbose_name=_("regione")
    )
    lead_municipality = models.ForeignKey(
        "Municipality",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Comune capofila"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("ambito territoriale sociale")
        verbose_name_plural = _("ambiti territoriali sociali")

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Municipality(models.Model):
    """Comune, identified by its ISTAT code and its Belfiore (cadastral) code."""

    istat_code = models.CharField(_("codice ISTAT"), max_length=6, unique=True)
    belfiore_code = models.CharField(_("codice Belfiore"), max_length=4, unique=True)
    name = models.CharField(_("nome"), max_length=150, db_index=True)
    name_other_language = models.CharField(_("nome in altra lingua"), max_length=150, blank=True)
    province_code = models.CharField(_("sigla provincia"), max_length=2)
    province_name = models.CharField(_("provincia"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("regione")
    )
    population = models.PositiveIntegerField(_("popolazione residente"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("anno popolazione"), null=True, blank=True)
    ambito = models.ForeignKey(
        Ambito,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="municipalities",
        verbose_name=_("ambito territoriale sociale"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="municipalities",
        verbose_name=_("distretto"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("comune")
        verbose_name_plural = _("comuni")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(istat_code__regex=r"^[0-9]{6}$"),
                name="municipality_istat_6_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(belfiore_code__regex=r"^[A-Z][0-9]{3}$"),
                name="municipality_belfiore_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.province_code})"

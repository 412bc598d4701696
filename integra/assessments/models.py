"""Instruments, their versions, and the assessments scored with them.

An ``InstrumentVersion`` holds a whole definition (``definitions.InstrumentDefinition`` as
JSON) and never changes once loaded: a new publication of an instrument is a new version, and
an ``Assessment`` keeps the version it was scored with, so its score never changes.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.assessments.definitions import InstrumentDefinition
from integra.organizations.models import Organization
from integra.people.models import Person, PersonOwnedRecord, PersonRowQuerySet


class Domain(models.TextChoices):
    HEALTH = "health", _("Sanitario")
    SOCIAL = "social", _("Sociale")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Instrument(models.Model):
    """A named instrument (Barthel, Katz...); its content lives in its versions."""

    code = models.SlugField(_("codice"), max_length=50, unique=True)
    title = models.CharField(_("titolo"), max_length=200)
    domain = models.CharField(_("ambito"), max_length=10, choices=Domain.choices)

    class Meta:
        ordering = ["title"]
        verbose_name = _("strumento di valutazione")
        verbose_name_plural = _("strumenti di valutazione")

    def __str__(self) -> str:
        return self.title


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class InstrumentVersion(models.Model):
    """One version of an instrument's definition, immutable once loaded."""

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("strumento"),
    )
    version = models.CharField(_("versione"), max_length=40)
    definition = models.JSONField(_("definizione"))
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64)
    loaded_at = models.DateTimeField(_("caricata il"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caricata da"),
    )
    is_current = models.BooleanField(_("versione in uso"), default=False)

    class Meta:
        ordering = ["instrument", "-loaded_at", "-pk"]
        verbose_name = _("versione di uno strumento")
        verbose_name_plural = _("versioni degli strumenti")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrument_version_unique"
            ),
            # One version in use per instrument.
            models.UniqueConstraint(
                fields=["instrument"],
                condition=models.Q(is_current=True),
                name="instrument_one_current_version",
            ),
        ]
        triggers = [
            # A loaded version never changes, whatever the write path: assessments scored
            # with it must keep their meaning. Only ``is_current`` may move.
            pgtrigger.ReadOnly(
                name="instrument_version_immutable",
                fields=["instrument", "version", "definition", "sha256"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} {self.version}"

    def parsed(self) -> InstrumentDefinition:
        """The definition as a validated object (cached on the instance)."""
        cached: InstrumentDefinition | None = getattr(self, "_parsed", None)
        if cached is None:
            cached = InstrumentDefinition.model_validate(self.definition)
            self._parsed = cached
        return cached


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Assessment(PersonOwnedRecord, models.Model):
    """One administration of an instrument to a person, scored on the server."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("persona")
    )
    # Denormalised from the version, so lists and series filter without a join.
    instrument_code = models.CharField(_("strumento"), max_length=50, db_index=True)
    instrument_version = models.ForeignKey(
        InstrumentVersion,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("versione dello strumento"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("ente"),
    )
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("somministrata da"),
    )
    administered_on = models.DateField(_("data della valutazione"))
    answers = models.JSONField(_("risposte"), default=dict)
    context = models.JSONField(_("contesto"), default=dict, blank=True)
    total = models.IntegerField(_("punteggio totale"), null=True, blank=True)
    subscores = models.JSONField(_("sottopunteggi"), default=dict, blank=True)
    band_code = models.CharField(_("codice della fascia"), max_length=50, blank=True)
    band_label = models.CharField(_("fascia"), max_length=200, blank=True)
    notes = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("registrata il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-administered_on", "-pk"]
        verbose_name = _("valutazione")
        verbose_name_plural = _("valutazioni")
        indexes = [
            models.Index(
                fields=["person", "instrument_code", "administered_on"],
                name="assessment_series",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.administered_on}"


# The UVM sessions live in their own module; imported here so Django registers them.
from integra.assessments.uvm_models import UserClass, UvmMember, UvmSession  # noqa: E402

__all__ = [
    "Assessment",
    "Domain",
    "Instrument",
    "InstrumentVersion",
    "UserClass",
    "UvmMember",
    "UvmSession",
]

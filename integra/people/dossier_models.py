"""The Garante's dossier rules as data (Linee guida sul Dossier sanitario, 4 June 2015):

* ``ConcealmentDecision`` — the person asked to hide (*oscurare*) one document or episode from
  everyone but the organisation that produced it, or to show it again. Decisions are never
  changed: a revocation is a new row, and the state of an item is its latest decision.
* ``EmergencyAccess`` — an operator opened a record they could not read, in an emergency, with a
  reason, until ``expires_at`` (break-the-glass): the read grant is for that operator only
  (user and membership) and ends by itself (``integra/people/access.py`` compares the time in
  the query).

Imported by ``integra/people/models.py`` so that Django registers them with the people app.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.organizations.models import Organization
from integra.people.models import ConsentDecidedBy, PersonOwnedRecord, PersonRowQuerySet


class ConcealedKind(models.TextChoices):
    """What the person may hide: a document, or an episode (never part of one)."""

    DOCUMENT = "document", _("Documento")
    ASSESSMENT = "assessment", _("Valutazione")
    INTAKE_REQUEST = "intake_request", _("Richiesta al PUA")
    UVM_SESSION = "uvm_session", _("Seduta UVM")


class ConcealmentAction(models.TextChoices):
    CONCEAL = "conceal", _("Oscuramento")
    REVEAL = "reveal", _("Revoca dell'oscuramento")


class ConcealmentEvidence(models.TextChoices):
    """How the person's request is documented."""

    WRITTEN_REQUEST = "written_request", _("Richiesta scritta della persona (protocollata)")
    PRESENCE_DECLARATION = (
        "presence_declaration",
        _("Dichiarazione dell'operatore: persona presente, richiesta espressa di persona"),
    )


# Who asked: the person or their guardian — the same choice as who decides on a consent.
RequestedBy = ConsentDecidedBy


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ConcealmentDecision(PersonOwnedRecord, models.Model):
    """One decision of the person on one item: hide it, or show it again.

    ``author_organization`` produced the item and keeps seeing it whatever the decision (the
    Garante: hidden items stay visible to the unit that produced them). The item is named by
    kind and id only, so this app needs none of the apps whose rows it hides.
    """

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="concealment_decisions",
        verbose_name=_("persona"),
    )
    item_kind = models.CharField(
        _("tipo di elemento"), max_length=20, choices=ConcealedKind.choices
    )
    item_id = models.BigIntegerField(_("identificativo dell'elemento"))
    author_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ente che ha prodotto l'elemento"),
    )
    action = models.CharField(_("decisione"), max_length=10, choices=ConcealmentAction.choices)
    requested_on = models.DateField(_("data della richiesta"))
    requested_by = models.CharField(
        _("richiesta da"), max_length=20, choices=RequestedBy.choices, default=RequestedBy.PERSON
    )
    guardian_name = models.CharField(_("nome del tutore"), max_length=200, blank=True)
    evidence_kind = models.CharField(
        _("prova della richiesta"), max_length=30, choices=ConcealmentEvidence.choices
    )
    evidence_note = models.TextField(_("documentazione"))
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrata da"),
    )
    recorded_by_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ente che l'ha registrata"),
    )
    created_at = models.DateTimeField(_("registrata il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("decisione di oscuramento")
        verbose_name_plural = _("decisioni di oscuramento")
        indexes = [
            # The state of an item: its latest decision (every scope asks this, per row).
            models.Index(fields=["item_kind", "item_id", "-id"], name="concealment_item"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(evidence_note=""), name="concealment_has_evidence"
            ),
            models.CheckConstraint(
                condition=~models.Q(requested_by="guardian") | ~models.Q(guardian_name=""),
                name="concealment_guardian_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.get_item_kind_display()} n. {self.item_id}"

    @property
    def audit_owner_organization_id(self) -> int:  # type: ignore[override]
        return self.author_organization_id


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class EmergencyAccess(PersonOwnedRecord, models.Model):
    """An operator's emergency access to one person's record (break-the-glass): read only, for
    that user acting as that membership, from ``opened_at`` until ``expires_at``."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="emergency_accesses",
        verbose_name=_("persona"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operatore"),
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ruolo con cui operava"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ente dell'operatore"),
    )
    reason = models.TextField(_("motivo dichiarato"))
    # The code typed when the person was found by code (not known to the operator before).
    found_by_code = models.CharField(_("codice cercato"), max_length=32, blank=True)
    opened_at = models.DateTimeField(_("aperto il"), default=timezone.now)
    expires_at = models.DateTimeField(_("scade il"))

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("accesso di emergenza")
        verbose_name_plural = _("accessi di emergenza")
        indexes = [
            # The read grant: this operator, this person, not expired.
            models.Index(fields=["membership", "person", "expires_at"], name="emergency_grant"),
            models.Index(fields=["organization", "-opened_at"], name="emergency_by_org"),
            models.Index(fields=["person", "-opened_at"], name="emergency_by_person"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="emergency_has_reason"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("opened_at")),
                name="emergency_expires_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.opened_at:%d/%m/%Y %H:%M})"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class TeamAccess(PersonOwnedRecord, models.Model):
    """A personal grant to know of a person: one operator (user and membership) is in the
    person's care team (``integra/careplans``), so they know the person — not their whole
    organisation — from ``starts_at`` until ``ends_at``, compared in the query
    (``integra/people/access.py``). The content still follows the organisation's own rules
    (registered by it, or the sharing consent in force). ``source`` names the row that granted it
    (e.g. ``careplans.careteammember:12``), so the app that granted it ends it."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="team_accesses",
        verbose_name=_("persona"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operatore"),
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ruolo con cui opera"),
    )
    source = models.CharField(_("origine"), max_length=80)
    reason = models.TextField(_("motivo"))
    starts_at = models.DateTimeField(_("dal"), default=timezone.now)
    ends_at = models.DateTimeField(_("fino al"), null=True, blank=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("accesso come componente dell'équipe")
        verbose_name_plural = _("accessi come componenti dell'équipe")
        indexes = [
            models.Index(fields=["membership", "person", "ends_at"], name="team_access_grant"),
            models.Index(fields=["source"], name="team_access_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="team_access_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.source})"

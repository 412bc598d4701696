"""Notices addressed to an organisation: what another body did that concerns a record it holds
(a consent recorded elsewhere, an emergency access). A notice names the person only by id: the
organisation opens the record through the people gate like any other operator."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    CONSENT_RECORDED = "consent_recorded", _("Consenso registrato da un altro ente")
    EMERGENCY_ACCESS = "emergency_access", _("Accesso di emergenza a una scheda")
    CONCEALMENT = "concealment", _("Oscuramento richiesto dalla persona")
    TASK_ASSIGNED = "task_assigned", _("Attività assegnata")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class Notice(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("ente destinatario"),
    )
    # Addressed to one operator (as one membership) instead of the whole organisation.
    recipient = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destinatario"),
    )
    kind = models.CharField(_("tipo"), max_length=30, choices=NoticeKind.choices)
    text = models.TextField(_("testo"))
    url = models.CharField(_("collegamento"), max_length=300, blank=True)
    person_id = models.BigIntegerField(_("persona interessata"), null=True, blank=True)
    from_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ente che ha agito"),
    )
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    read_at = models.DateTimeField(_("letto il"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("letto da"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("avviso")
        verbose_name_plural = _("avvisi")
        indexes = [
            models.Index(
                fields=["organization", "-created_at"],
                name="notice_unread",
                condition=models.Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%d/%m/%Y})"

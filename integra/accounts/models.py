"""Operators, their memberships in organisations (with roles), and personal API tokens."""

from __future__ import annotations

import hashlib

import pghistory
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.core.models import period_check
from integra.core.permissions import Permission, Role, permissions_for_roles
from integra.organizations.models import Organization, Unit


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    """An operator. Personal data of citizens never lives here."""

    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    phone = models.CharField(_("telefono"), max_length=40, blank=True)
    # Set when an administrator issues a temporary password; cleared by the password change
    # that the login flow asks for first (integra.accounts.staff_views).
    must_change_password = models.BooleanField(
        _("deve cambiare la password"),
        default=False,
        help_text=_("Vero finché l'operatore non sostituisce la password temporanea."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("operatore")  # type: ignore[assignment]
        verbose_name_plural = _("operatori")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class MembershipStatus(models.TextChoices):
    """Where a membership stands on a given day (derived, not stored)."""

    CURRENT = "current", _("Attiva")
    INACTIVE = "inactive", _("Disattivata")
    EXPIRED = "expired", _("Scaduta")
    UPCOMING = "upcoming", _("Non ancora iniziata")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Membership(models.Model):
    """An operator's place in one organisation, with the roles held there."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("operatore")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("ente")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("unità"),
    )
    roles = ArrayField(
        models.CharField(max_length=30, choices=Role.choices), verbose_name=_("ruoli"), default=list
    )
    job_title = models.CharField(_("qualifica"), max_length=120, blank=True)
    is_active = models.BooleanField(_("attiva"), default=True)
    valid_from = models.DateField(_("valida dal"), default=timezone.localdate)
    valid_until = models.DateField(_("valida fino al"), null=True, blank=True)
    created_at = models.DateTimeField(_("creata il"), auto_now_add=True)

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("appartenenza")
        verbose_name_plural = _("appartenenze")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_per_org"
            ),
            models.CheckConstraint(
                condition=models.Q(roles__len__gt=0), name="membership_has_roles"
            ),
            period_check("valid_from", "valid_until", "membership_valid_period"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organization}"

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_for_roles(tuple(self.roles))

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.roles]

    @property
    def audit_owner_organization_id(self) -> int:
        """The organisation holding this record, for the access log."""
        return self.organization_id

    def is_current(self, today: object = None) -> bool:
        day = today or timezone.localdate()
        return (
            self.is_active
            and self.valid_from <= day  # type: ignore[operator]
            and (self.valid_until is None or self.valid_until >= day)  # type: ignore[operator]
        )

    def status(self, today: object = None) -> MembershipStatus:
        day = today or timezone.localdate()
        if not self.is_active:
            return MembershipStatus.INACTIVE
        if self.valid_until is not None and self.valid_until < day:  # type: ignore[operator]
            return MembershipStatus.EXPIRED
        if self.valid_from > day:  # type: ignore[operator]
            return MembershipStatus.UPCOMING
        return MembershipStatus.CURRENT


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["last_used_at"],
)
class ApiToken(models.Model):
    """A personal access token for the API, bound to one membership. Only its hash is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("operatore")
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("appartenenza"),
    )
    name = models.CharField(_("nome"), max_length=100)
    prefix = models.CharField(_("prefisso"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    expires_at = models.DateTimeField(_("scade il"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("ultimo uso"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocato il"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

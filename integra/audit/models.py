"""The access log: an append-only, hash-chained record of every read of protected data.

Writes are captured separately by pghistory triggers on each tracked model. The log is made of
several hash chains (``shard``), so that concurrent requests do not wait for one another: each
row carries its chain, its position in it (``seq``) and the hash of the row before it in the same
chain, so altering or deleting a row breaks its chain and ``manage.py verify_audit`` names the
first broken row. A removed tail is caught by the checkpoints kept outside the database
(``checkpoints.py``). The application's database role may only SELECT and INSERT here
(``privileges.py``), and triggers refuse UPDATE, DELETE and TRUNCATE to anyone who has not
switched them off.
"""

from __future__ import annotations

import pgtrigger
from django.apps import apps
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from integra.audit.chain import CHAIN_VERSION


class AccessAction(models.TextChoices):
    VIEW = "view", _("Visualizzazione")
    LIST = "list", _("Elenco")
    SEARCH = "search", _("Ricerca")
    EXPORT = "export", _("Esportazione")
    PRINT = "print", _("Stampa")
    # A write recorded here as well as in the history: role changes, refused writes.
    CHANGE = "change", _("Modifica")


class AccessOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Consentito")
    DENIED = "denied", _("Negato")


class AccessLog(models.Model):
    shard = models.PositiveSmallIntegerField(_("catena"), default=0)
    seq = models.BigIntegerField(_("progressivo"))
    version = models.PositiveSmallIntegerField(_("formato"), default=CHAIN_VERSION)
    at = models.DateTimeField(_("data e ora"), db_index=True)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("operatore"),
    )
    username = models.CharField(_("utente"), max_length=150, blank=True)
    membership_id = models.BigIntegerField(_("appartenenza"), null=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("ente dell'operatore"),
    )
    client_ip = models.GenericIPAddressField(_("indirizzo client"), null=True)
    request_id = models.CharField(_("ID richiesta"), max_length=64, blank=True)
    action = models.CharField(_("operazione"), max_length=10, choices=AccessAction.choices)
    outcome = models.CharField(_("esito"), max_length=10, choices=AccessOutcome.choices)
    subject_type = models.CharField(_("tipo di dato"), max_length=80)
    subject_id = models.CharField(_("identificativo"), max_length=64, blank=True)
    subject_label = models.CharField(_("oggetto"), max_length=200, blank=True)
    subject_organization_id = models.BigIntegerField(_("ente titolare del dato"), null=True)
    person_id = models.BigIntegerField(_("persona interessata"), null=True, db_index=True)
    detail = models.JSONField(_("cosa è stato visto"), default=dict, blank=True)
    purpose = models.CharField(_("finalità"), max_length=200, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("accesso registrato")
        verbose_name_plural = _("registro degli accessi")
        indexes = [
            models.Index(fields=["organization", "at"], name="accesslog_org_at_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="accesslog_subject_idx"),
            models.Index(fields=["user", "at"], name="accesslog_user_at_idx"),
            # Auditors also see accesses to the records their organisation holds.
            models.Index(
                fields=["subject_organization_id", "at"], name="accesslog_subject_org_at_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shard", "seq"], name="accesslog_shard_seq_uniq"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="accesslog_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            pgtrigger.Trigger(
                name="accesslog_no_truncate",
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                func="RAISE EXCEPTION 'The access log is append-only'; RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.shard}.{self.seq} {self.username} {self.action} {self.subject_type}:{self.subject_id}"

    @property
    def subject_type_label(self) -> str:
        """The kind of record in words (the model's name), or the stored type if unknown."""
        try:
            model = apps.get_model(self.subject_type)
        except (LookupError, ValueError):
            return self.subject_type
        return str(capfirst(model._meta.verbose_name))

"""The person's contact diary (diario dei contatti): one note per interview, home visit, phone
call, meeting or other contact with or about the person.

A note is social or health (``domain``): a health note is health data (declared in
``integra/timeline/access.py``), written only with ``HEALTH_DATA_EDIT`` and read only with
``HEALTH_DATA_VIEW``. Notes follow the person (``follows_person``) and the person may hide one
(oscuramento: ``ConcealedKind.CASE_NOTE``).

Notes are never changed nor deleted, by anyone, whatever the write path (a database trigger
refuses it): the diary is a record of what was written and when. A mistaken note is followed by
a new note that says so. Only ``person`` may move, when two records of the same person are
merged (``integra/people/merging.py`` moves every row that names a person).
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.organizations.models import Organization
from integra.people.models import Person, PersonOwnedRecord, PersonRowQuerySet

TEXT_MAX_LENGTH = 10_000


class NoteKind(models.TextChoices):
    INTERVIEW = "interview", _("Colloquio")
    HOME_VISIT = "home_visit", _("Visita domiciliare")
    PHONE_CALL = "phone_call", _("Telefonata")
    MEETING = "meeting", _("Incontro")
    OTHER = "other", _("Altro contatto")


class NoteDomain(models.TextChoices):
    SOCIAL = "social", _("Sociale")
    HEALTH = "health", _("Sanitaria")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CaseNote(PersonOwnedRecord, models.Model):
    """One contact with or about the person, written by an operator of ``organization``."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="case_notes", verbose_name=_("persona")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("ente")
    )
    author = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scritta da"),
    )
    occurred_at = models.DateTimeField(_("data e ora del contatto"))
    kind = models.CharField(_("tipo di contatto"), max_length=20, choices=NoteKind.choices)
    domain = models.CharField(_("ambito"), max_length=10, choices=NoteDomain.choices)
    text = models.TextField(_("testo"))
    follow_up_on = models.DateField(_("da riprendere il"), null=True, blank=True)
    created_at = models.DateTimeField(_("registrata il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("nota del diario")
        verbose_name_plural = _("note del diario")
        indexes = [
            # The diary and the timeline: a person's notes, newest first (keyset pagination).
            models.Index(fields=["person", "-occurred_at", "-id"], name="case_note_diary"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="case_note_has_text"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NoteKind.values), name="case_note_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(domain__in=NoteDomain.values), name="case_note_domain_known"
            ),
        ]
        triggers = [
            # Append-only: what was written stays as written (only a merge moves the person).
            pgtrigger.ReadOnly(
                name="case_note_append_only",
                fields=[
                    "organization",
                    "author",
                    "occurred_at",
                    "kind",
                    "domain",
                    "text",
                    "follow_up_on",
                    "created_at",
                ],
            ),
            pgtrigger.Protect(name="case_note_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return _("%(kind)s del %(day)s") % {
            "kind": self.get_kind_display(),
            "day": timezone.localtime(self.occurred_at).strftime("%d/%m/%Y")
            if self.occurred_at
            else "",
        }

    @property
    def is_health(self) -> bool:
        return self.domain == NoteDomain.HEALTH

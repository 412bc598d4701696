"""The PUA (Punto Unico di Accesso, L. 234/2021 c.163; D.Lgs. 29/2024 art. 27): where it is, what
territory it serves and its deadlines (``PuaPoint``); the requests it receives
(``IntakeRequest``), their attachments and every move of their state (``IntakeTransition``).

Rules live in ``workflow.py`` (the state machine) and ``services.py``; what must always hold is a
database constraint here.
"""

from __future__ import annotations

import uuid

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from integra.core.concurrency import VersionedModel
from integra.core.models import Ambito, Municipality, TimeStampedModel
from integra.organizations.models import Organization, Service
from integra.people.models import (
    Person,
    PersonOwnedRecord,
    PersonRowQuerySet,
    private_document_storage,
)


class DayKind(models.TextChoices):
    WORKING = "working", _("Giorni lavorativi")
    CALENDAR = "calendar", _("Giorni di calendario")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PuaPoint(TimeStampedModel):
    """One PUA: run by an organisation (the Ambito, a Comune or the ASST), jointly with partner
    organisations, usually in a Casa della Comunità; it serves a territory (whole Ambiti and/or
    single Comuni) and keeps its own deadlines."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="pua_points",
        verbose_name=_("ente titolare"),
    )
    # The PUA is run jointly by Comune and ASL: the partners' PUA operators work its requests too.
    partners = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="partner_pua_points",
        verbose_name=_("enti che lo gestiscono insieme al titolare"),
    )
    name = models.CharField(_("nome"), max_length=200)
    address = models.CharField(_("sede"), max_length=250, blank=True)
    ambiti = models.ManyToManyField(
        Ambito, blank=True, related_name="pua_points", verbose_name=_("ambiti serviti")
    )
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="pua_points", verbose_name=_("Comuni serviti")
    )
    # The organisation that holds the UVM sessions of this territory (usually the ASST).
    uvm_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ente che convoca l'UVM"),
    )
    holiday_province = models.CharField(
        _("provincia per le festività del santo patrono"),
        max_length=2,
        blank=True,
        help_text=_("Sigla della provincia (es. MI per Sant'Ambrogio)."),
    )
    pre_assessment_days = models.PositiveSmallIntegerField(
        _("giorni lavorativi per la pre-valutazione (ordinaria)"), default=3
    )
    pre_assessment_days_priority = models.PositiveSmallIntegerField(
        _("giorni lavorativi per la pre-valutazione (prioritaria)"), default=2
    )
    pre_assessment_days_urgent = models.PositiveSmallIntegerField(
        _("giorni lavorativi per la pre-valutazione (urgente)"), default=1
    )
    uvm_days = models.PositiveSmallIntegerField(_("giorni per la valutazione UVM"), default=30)
    uvm_day_kind = models.CharField(
        _("tipo di giorni per l'UVM"),
        max_length=10,
        choices=DayKind.choices,
        default=DayKind.CALENDAR,
    )
    due_soon_days = models.PositiveSmallIntegerField(
        _("preavviso di scadenza (giorni lavorativi)"), default=2
    )
    closure_days = ArrayField(
        models.DateField(),
        verbose_name=_("giorni di chiusura dell'ufficio"),
        default=list,
        blank=True,
    )
    is_active = models.BooleanField(_("attivo"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("PUA")
        verbose_name_plural = _("PUA")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(holiday_province="")
                | models.Q(holiday_province__regex=r"^[A-Z]{2}$"),
                name="pua_point_province_format",
            ),
            models.CheckConstraint(
                condition=models.Q(pre_assessment_days__gte=1)
                & models.Q(pre_assessment_days_priority__gte=1)
                & models.Q(pre_assessment_days_urgent__gte=1)
                & models.Q(uvm_days__gte=1),
                name="pua_point_deadlines_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    FRONT_DESK = "sportello", _("Sportello")
    PHONE = "telefono", _("Telefono")
    EMAIL = "email", _("Email / PEC")
    GP = "mmg_pls", _("Medico di medicina generale / pediatra")
    HOSPITAL_WARD = "reparto", _("Reparto ospedaliero")
    SOCIAL_SERVICES = "servizi_sociali", _("Servizi sociali")
    SCHOOL = "scuola", _("Scuola")
    COURT = "tribunale", _("Autorità giudiziaria")
    THIRD_SECTOR = "terzo_settore", _("Terzo settore")
    ONLINE = "online", _("La persona, online")


class RequesterKind(models.TextChoices):
    PERSON = "persona", _("La persona stessa")
    FAMILY = "familiare", _("Familiare o caregiver")
    GUARDIAN = "tutore", _("Tutore, curatore o amministratore di sostegno")
    PROFESSIONAL = "operatore", _("Operatore di un servizio")
    OTHER = "altro", _("Altro")


class NeedArea(models.TextChoices):
    ELDERLY = "anziani", _("Anziani e non autosufficienza")
    DISABILITY = "disabilita", _("Disabilità")
    CHILDREN_FAMILIES = "minori_famiglie", _("Minori e famiglie")
    MENTAL_HEALTH = "salute_mentale", _("Salute mentale")
    ADDICTION = "dipendenze", _("Dipendenze")
    POVERTY = "poverta", _("Povertà e inclusione")
    HOUSING = "abitare", _("Abitare")
    WORK = "lavoro", _("Lavoro")
    IMMIGRATION = "immigrazione", _("Immigrazione")
    HEALTH_CARE = "cure_domiciliari", _("Cure domiciliari e sanitarie")
    PROTECTED_DISCHARGE = "dimissione_protetta", _("Dimissione protetta")
    CAREGIVER = "caregiver", _("Sostegno al caregiver")


class Urgency(models.TextChoices):
    ORDINARY = "ordinaria", _("Ordinaria")
    PRIORITY = "prioritaria", _("Prioritaria")
    URGENT = "urgente", _("Urgente")


class IntakeState(models.TextChoices):
    RECEIVED = "ricevuta", _("Ricevuta")
    PRE_ASSESSMENT = "pre_valutazione", _("In pre-valutazione")
    INFORMED = "informata", _("Risposta con informazioni e orientamento")
    SENT_TO_SERVICE = "inviata_servizio", _("Inviata a un servizio")
    SENT_TO_UVM = "inviata_uvm", _("Inviata all'UVM")
    FORWARDED = "non_competente", _("Non competente, inoltrata")
    CLOSED = "chiusa", _("Chiusa")


# The states that are an outcome of the pre-assessment (exactly one per request).
OUTCOME_STATES = (
    IntakeState.INFORMED,
    IntakeState.SENT_TO_SERVICE,
    IntakeState.SENT_TO_UVM,
    IntakeState.FORWARDED,
)
OPEN_STATES = tuple(s for s in IntakeState if s != IntakeState.CLOSED)


class NeedLevel(models.TextChoices):
    SIMPLE = "simple", _("Bisogno semplice")
    COMPLEX = "complex", _("Bisogno complesso")


# ``row_version`` only counts changes (optimistic locking): not history, so not tracked.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["row_version"],
)
class IntakeRequest(PersonOwnedRecord, VersionedModel):
    """A request received by the PUA for one person (domanda di accesso)."""

    pua = models.ForeignKey(
        PuaPoint, on_delete=models.PROTECT, related_name="requests", verbose_name=_("PUA")
    )
    # From the person's residence (else domicile) when the request was received; differs from
    # ``pua`` when a PUA records a request that belongs elsewhere (then it forwards it).
    competent_pua = models.ForeignKey(
        PuaPoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("PUA competente"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="intake_requests", verbose_name=_("persona")
    )
    channel = models.CharField(_("canale"), max_length=20, choices=Channel.choices)
    requester_kind = models.CharField(
        _("chi presenta la richiesta"), max_length=20, choices=RequesterKind.choices
    )
    requester_name = models.CharField(_("nome del richiedente"), max_length=200, blank=True)
    requester_contact = models.CharField(_("recapito del richiedente"), max_length=200, blank=True)
    requester_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ente del richiedente"),
    )
    need_areas = ArrayField(
        models.CharField(max_length=30, choices=NeedArea.choices),
        verbose_name=_("aree di bisogno"),
    )
    urgency = models.CharField(
        _("urgenza"), max_length=20, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    description = models.TextField(_("descrizione del bisogno"))
    state = models.CharField(
        _("stato"), max_length=20, choices=IntakeState.choices, default=IntakeState.RECEIVED
    )
    received_at = models.DateTimeField(_("ricevuta il"))
    pre_assessment_due = models.DateField(_("pre-valutazione entro il"))
    uvm_due = models.DateField(_("valutazione UVM entro il"), null=True, blank=True)
    # The deadline of the current state (pre-assessment, then UVM); empty when none runs.
    due_on = models.DateField(_("scadenza"), null=True, blank=True)
    closed_at = models.DateTimeField(_("chiusa il"), null=True, blank=True)
    # The outcome reached (one of the outcome states), kept once the request is closed.
    outcome = models.CharField(_("esito"), max_length=20, choices=IntakeState.choices, blank=True)
    outcome_service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intake_requests",
        verbose_name=_("servizio a cui è inviata"),
    )
    forwarded_to = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ente a cui è inoltrata"),
    )
    information_given = models.TextField(_("informazioni date"), blank=True)
    # The organisation the request was sent to (service provider, UVM, forwarded-to): it sees it.
    sent_to_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_intake_requests",
        verbose_name=_("ente destinatario"),
    )
    # Pre-assessment (triage): what the instrument computed, kept beside the operator's decision.
    triage_instrument = models.CharField(
        _("strumento di pre-valutazione"), max_length=60, blank=True
    )
    triage_version = models.CharField(_("versione dello strumento"), max_length=30, blank=True)
    triage_answers = models.JSONField(_("risposte della pre-valutazione"), default=dict, blank=True)
    triage_context = models.JSONField(_("contesto della pre-valutazione"), default=dict, blank=True)
    triage_result = models.JSONField(_("risultato della pre-valutazione"), default=dict, blank=True)
    triage_suggestion = models.JSONField(_("esito suggerito"), default=dict, blank=True)
    triage_at = models.DateTimeField(_("pre-valutata il"), null=True, blank=True)
    triage_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pre-valutata da"),
    )
    decision_need = models.CharField(
        _("bisogno deciso dall'operatore"), max_length=10, choices=NeedLevel.choices, blank=True
    )
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrata da"),
    )
    created_at = models.DateTimeField(_("registrata il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornata il"), auto_now=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("richiesta al PUA")
        verbose_name_plural = _("richieste al PUA")
        indexes = [
            # The inbox: newest first within a PUA, open requests only.
            models.Index(
                fields=["pua", "-received_at", "-id"],
                name="intake_inbox",
                condition=~models.Q(state="chiusa"),
            ),
            # Due soon and overdue: open requests by deadline within a PUA.
            models.Index(
                fields=["pua", "due_on", "id"],
                name="intake_due",
                condition=models.Q(due_on__isnull=False),
            ),
            models.Index(fields=["sent_to_organization", "-received_at"], name="intake_sent_to"),
            models.Index(fields=["person"], name="intake_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(need_areas=[]), name="intake_request_has_need_area"
            ),
            models.CheckConstraint(
                condition=models.Q(state="chiusa", closed_at__isnull=False)
                | (~models.Q(state="chiusa") & models.Q(closed_at__isnull=True)),
                name="intake_request_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="")
                | models.Q(outcome__in=[s.value for s in OUTCOME_STATES]),
                name="intake_request_outcome_is_outcome_state",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="inviata_servizio")
                | models.Q(outcome_service__isnull=False),
                name="intake_request_service_outcome_has_service",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="non_competente") | models.Q(forwarded_to__isnull=False),
                name="intake_request_forwarded_has_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="inviata_uvm") | models.Q(uvm_due__isnull=False),
                name="intake_request_uvm_has_due_date",
            ),
        ]

    def __str__(self) -> str:
        return _("Richiesta n. %(n)s") % {"n": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("intake:request_detail", args=[self.pk])

    @property
    def audit_owner_organization_id(self) -> int:  # type: ignore[override]
        return self.pua.organization_id


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class IntakeTransition(models.Model):
    """One move of a request's state: who, as which organisation, when, why, with what data."""

    request = models.ForeignKey(
        IntakeRequest,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("richiesta"),
    )
    from_state = models.CharField(_("da"), max_length=20, choices=IntakeState.choices, blank=True)
    to_state = models.CharField(_("a"), max_length=20, choices=IntakeState.choices)
    at = models.DateTimeField(_("il"))
    by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("da chi")
    )
    by_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("per l'ente")
    )
    reason = models.TextField(_("motivo"))
    data = models.JSONField(_("dati"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("passaggio di stato")
        verbose_name_plural = _("passaggi di stato")
        indexes = [models.Index(fields=["request", "at", "id"], name="intake_transition_time")]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"


def intake_attachment_path(instance: IntakeAttachment, filename: str) -> str:
    """A random name under the request's folder: the operator's file name is never a path."""
    return f"intake/{instance.request_id}/{uuid.uuid4().hex}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class IntakeAttachment(models.Model):
    """A file that came with the request (a GP's letter, a discharge summary), in the private
    storage of person documents, its type checked by its first bytes."""

    request = models.ForeignKey(
        IntakeRequest,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("richiesta"),
    )
    description = models.CharField(_("descrizione"), max_length=200, blank=True)
    file = models.FileField(
        _("file"),
        storage=private_document_storage,
        upload_to=intake_attachment_path,
        max_length=200,
    )
    file_name = models.CharField(_("nome del file"), max_length=200)
    content_type = models.CharField(_("tipo di contenuto"), max_length=50)
    size = models.PositiveBigIntegerField(_("dimensione (byte)"))
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("caricato da"),
    )
    created_at = models.DateTimeField(_("caricato il"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("allegato")
        verbose_name_plural = _("allegati")

    def __str__(self) -> str:
        return self.file_name

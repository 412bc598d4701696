"""The individual plan (PAI / progetto personalizzato / Patto) and its case: case manager, care
team, tasks.

Seed 003: the Patto is a mutual commitment built *with* the person, starting from strengths
("welfare capacitante"); seed 002 rule 6: one case manager follows the person through the whole
pathway. A plan is edited while a draft or under review; every revision handed to the person is
an immutable ``CarePlanVersion`` (its content and a SHA-256 of it), and a ``PlanSignature`` binds
the signer — the person, or a guardian or support administrator who is a person in the registry
— to the hash of the version signed.

The database holds the rules that must never be broken, whatever the write path:

* one case manager per plan (one column) and none missing once a plan leaves the draft
  (``careplan_case_manager_required``); the assignments' history allows one open row per plan;
* versions and signatures are append-only (triggers);
* a closed plan has its reason.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.assessments.uvm_models import CareIntensity, NeedDomain, Profession, UserClass
from integra.core.health import declare_health
from integra.core.models import period_check
from integra.organizations.models import Organization, Service
from integra.people.models import Person, PersonDocument, PersonOwnedRecord, PersonRowQuerySet


class PlanKind(models.TextChoices):
    PAI = "pai", _("PAI – Piano di assistenza individualizzato")
    PROJECT = "progetto", _("Progetto personalizzato")
    PATTO = "patto", _("Patto (di servizio / per l'inclusione)")


class PlanState(models.TextChoices):
    DRAFT = "bozza", _("Bozza")
    PROPOSED = "proposto", _("Proposto alla persona")
    SIGNED = "sottoscritto", _("Sottoscritto")
    ACTIVE = "attivo", _("Attivo")
    REVIEW = "in_revisione", _("In revisione")
    CLOSED = "chiuso", _("Chiuso")


# From proposed to under review a plan is in force or about to be: it has its case manager.
STATES_WITH_CASE_MANAGER = (
    PlanState.PROPOSED,
    PlanState.SIGNED,
    PlanState.ACTIVE,
    PlanState.REVIEW,
)
# The states in which the plan's content may be edited (a new revision).
EDITABLE_STATES = (PlanState.DRAFT, PlanState.REVIEW)
# The states of a case that is open: the caseload, the desk and the team's access count them.
OPEN_STATES = (
    PlanState.DRAFT,
    PlanState.PROPOSED,
    PlanState.SIGNED,
    PlanState.ACTIVE,
    PlanState.REVIEW,
)


class CloseReason(models.TextChoices):
    GOALS_MET = "obiettivi_raggiunti", _("Obiettivi raggiunti")
    MOVED = "trasferimento", _("Trasferimento in un altro territorio")
    RESIDENTIAL = "inserimento_residenziale", _("Inserimento in struttura residenziale")
    REFUSED = "rinuncia", _("Rinuncia della persona")
    DECEASED = "decesso", _("Decesso")
    OTHER = "altro", _("Altro motivo")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CarePlan(PersonOwnedRecord, models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="care_plans", verbose_name=_("persona")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="care_plans",
        verbose_name=_("ente titolare"),
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=PlanKind.choices)
    state = models.CharField(
        _("stato"), max_length=20, choices=PlanState.choices, default=PlanState.DRAFT
    )
    title = models.CharField(_("titolo"), max_length=200)
    uvm_session = models.OneToOneField(
        "assessments.UvmSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_plan",
        verbose_name=_("seduta UVM di origine"),
    )
    intake_request = models.ForeignKey(
        "intake.IntakeRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_plans",
        verbose_name=_("richiesta PUA di origine"),
    )
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
    needs_summary = models.JSONField(_("bisogni per dimensione"), default=dict, blank=True)
    strengths_person = models.TextField(_("risorse e capacità della persona"), blank=True)
    strengths_family = models.TextField(_("risorse della famiglia e della rete"), blank=True)
    strengths_community = models.TextField(_("risorse della comunità"), blank=True)
    person_commitments = models.TextField(_("impegni della persona e della famiglia"), blank=True)
    case_manager = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_manager_of",
        verbose_name=_("case manager"),
    )
    starts_on = models.DateField(_("dal"), null=True, blank=True)
    ends_on = models.DateField(_("al"), null=True, blank=True)
    review_months = models.PositiveSmallIntegerField(
        _("rivalutazione ogni (mesi)"), null=True, blank=True
    )
    next_review_on = models.DateField(_("prossima verifica"), null=True, blank=True)
    closed_on = models.DateField(_("chiuso il"), null=True, blank=True)
    close_reason = models.CharField(
        _("motivo della chiusura"), max_length=30, choices=CloseReason.choices, blank=True
    )
    close_notes = models.TextField(_("note sulla chiusura"), blank=True)
    # The number of the latest version (0: never handed to the person).
    version_number = models.PositiveIntegerField(_("versione"), default=0)
    # Optimistic locking: every edit bumps it; an edit made on an older one is refused.
    row_version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("creato da"),
    )
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornato il"), auto_now=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("progetto individuale")
        verbose_name_plural = _("progetti individuali")
        indexes = [
            models.Index(fields=["case_manager", "state", "next_review_on"], name="plan_caseload"),
            models.Index(fields=["person", "state"], name="plan_person_state"),
            models.Index(fields=["organization", "state"], name="plan_org_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state__in=STATES_WITH_CASE_MANAGER)
                | models.Q(case_manager__isnull=False),
                name="careplan_case_manager_required",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=PlanState.CLOSED)
                | (~models.Q(close_reason="") & models.Q(closed_on__isnull=False)),
                name="careplan_closed_with_reason",
            ),
            period_check("starts_on", "ends_on", "careplan_period", start_optional=True),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} n. {self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class GoalOutcome(models.TextChoices):
    OPEN = "in_corso", _("In corso")
    MET = "raggiunto", _("Raggiunto")
    PARTLY = "parziale", _("Raggiunto in parte")
    NOT_MET = "non_raggiunto", _("Non raggiunto")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PlanGoal(models.Model):
    """A goal that can be measured: an indicator, where it starts, where it should arrive, by
    when — linked to one dimension of the needs."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("progetto")
    )
    need_domain = models.CharField(
        _("dimensione del bisogno"), max_length=20, choices=NeedDomain.choices
    )
    description = models.TextField(_("obiettivo"))
    indicator = models.CharField(_("indicatore"), max_length=300)
    baseline = models.CharField(_("situazione di partenza"), max_length=300, blank=True)
    target = models.CharField(_("risultato atteso"), max_length=300)
    deadline = models.DateField(_("entro il"))
    outcome = models.CharField(
        _("esito"), max_length=20, choices=GoalOutcome.choices, default=GoalOutcome.OPEN
    )
    outcome_notes = models.TextField(_("note sull'esito"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("obiettivo")
        verbose_name_plural = _("obiettivi")

    def __str__(self) -> str:
        return self.description[:60]


# A goal on a health dimension is health data, like the dimension itself in the UVM summary.
declare_health(
    "careplans.PlanGoal",
    "need_domain in HEALTH_NEED_DOMAINS",
    "obiettivi sulle condizioni di salute e sulle funzioni cognitive",
)
declare_health(
    "careplans.CarePlan",
    "needs_summary.<dimensioni sanitarie>",
    "sintesi dei bisogni sanitari riportata dalla seduta UVM",
)


class Payer(models.TextChoices):
    SSN = "ssn", _("Servizio sanitario (SSN)")
    COMUNE = "comune", _("Comune / Ambito")
    PERSON = "persona", _("La persona")
    OTHER = "altri", _("Altri")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PlanIntervention(models.Model):
    """Who does what, how often, from when to when, and who pays (in euro per month)."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.CASCADE, related_name="interventions", verbose_name=_("progetto")
    )
    goal = models.ForeignKey(
        PlanGoal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interventions",
        verbose_name=_("obiettivo"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("servizio")
    )
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("erogato da")
    )
    frequency = models.CharField(_("frequenza"), max_length=200, blank=True)
    hours_per_month = models.DecimalField(
        _("ore al mese"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    starts_on = models.DateField(_("dal"))
    ends_on = models.DateField(_("al"), null=True, blank=True)
    monthly_cost = models.DecimalField(
        _("costo mensile (€)"), max_digits=10, decimal_places=2, default=0
    )
    ssn_amount = models.DecimalField(
        _("a carico SSN (€)"), max_digits=10, decimal_places=2, default=0
    )
    comune_amount = models.DecimalField(
        _("a carico del Comune (€)"), max_digits=10, decimal_places=2, default=0
    )
    person_amount = models.DecimalField(
        _("a carico della persona (€)"), max_digits=10, decimal_places=2, default=0
    )
    other_amount = models.DecimalField(
        _("a carico di altri (€)"), max_digits=10, decimal_places=2, default=0
    )
    other_payer = models.CharField(_("altro soggetto pagante"), max_length=200, blank=True)
    cost_basis = models.JSONField(_("regole applicate"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("ordine"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("intervento")
        verbose_name_plural = _("interventi")
        constraints = [
            period_check("starts_on", "ends_on", "intervention_period"),
            models.CheckConstraint(
                condition=models.Q(monthly_cost__gte=0)
                & models.Q(ssn_amount__gte=0)
                & models.Q(comune_amount__gte=0)
                & models.Q(person_amount__gte=0)
                & models.Q(other_amount__gte=0),
                name="intervention_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    monthly_cost=models.F("ssn_amount")
                    + models.F("comune_amount")
                    + models.F("person_amount")
                    + models.F("other_amount")
                ),
                name="intervention_shares_sum_to_cost",
            ),
        ]

    def __str__(self) -> str:
        return str(self.service_id)


def _append_only(name: str) -> list[pgtrigger.Trigger]:
    return [
        pgtrigger.Protect(name=f"{name}_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
    ]


class CarePlanVersion(models.Model):
    """One revision of the plan as handed to the person: its whole content, frozen, and the
    SHA-256 of its canonical JSON (``integra/careplans/versions.py``). Never changed."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.PROTECT, related_name="versions", verbose_name=_("progetto")
    )
    number = models.PositiveIntegerField(_("numero"))
    content = models.JSONField(_("contenuto"))
    content_hash = models.CharField(_("impronta SHA-256"), max_length=64)
    note = models.TextField(_("cosa cambia"), blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("redatta da"),
    )
    created_at = models.DateTimeField(_("redatta il"), auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("versione del progetto")
        verbose_name_plural = _("versioni del progetto")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="careplan_version_number"),
        ]
        triggers = _append_only("careplan_version")

    def __str__(self) -> str:
        return f"v{self.number}"


declare_health(
    "careplans.CarePlanVersion",
    "content.needs_summary / content.goals (dimensioni sanitarie)",
    "la versione congelata riporta i bisogni e gli obiettivi sanitari del progetto",
)


class SignerRole(models.TextChoices):
    PERSON = "persona", _("La persona")
    GUARDIAN = "tutore", _("Tutore")
    SUPPORT_ADMINISTRATOR = "ads", _("Amministratore di sostegno")
    CURATOR = "curatore", _("Curatore")
    PARENT = "genitore", _("Genitore (per un minore)")


class SignatureMethod(models.TextChoices):
    IN_APP = "in_app", _("Accettazione registrata nel sistema, in presenza")
    SCANNED = "scansione", _("Copia firmata acquisita")


class PlanSignature(models.Model):
    """The person (or a guardian, support administrator, curator or parent — a person in the
    registry) accepted one version: bound to the SHA-256 of that version's content."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("progetto")
    )
    version = models.ForeignKey(
        CarePlanVersion,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("versione"),
    )
    version_hash = models.CharField(_("impronta della versione firmata"), max_length=64)
    signer = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("firmatario")
    )
    signer_role = models.CharField(_("in qualità di"), max_length=20, choices=SignerRole.choices)
    method = models.CharField(_("modalità"), max_length=20, choices=SignatureMethod.choices)
    document = models.ForeignKey(
        PersonDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copia firmata"),
    )
    signed_on = models.DateField(_("firmato il"))
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrata da"),
    )
    recorded_at = models.DateTimeField(_("registrata il"), auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-pk"]
        verbose_name = _("sottoscrizione")
        verbose_name_plural = _("sottoscrizioni")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(method="scansione") | models.Q(document__isnull=False),
                name="signature_scan_has_document",
            ),
        ]
        triggers = _append_only("plan_signature")

    def __str__(self) -> str:
        return f"{self.get_signer_role_display()} {self.signed_on:%d/%m/%Y}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CaseManagerAssignment(models.Model):
    """The case managers a plan had: one open row per plan (database), handovers with reason."""

    plan = models.ForeignKey(
        CarePlan,
        on_delete=models.CASCADE,
        related_name="case_manager_history",
        verbose_name=_("progetto"),
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("case manager"),
    )
    started_at = models.DateTimeField(_("dal"))
    ended_at = models.DateTimeField(_("al"), null=True, blank=True)
    reason = models.TextField(_("motivo"), blank=True)
    assigned_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assegnato da"),
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("incarico di case manager")
        verbose_name_plural = _("incarichi di case manager")
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_case_manager_per_plan",
            ),
            period_check("started_at", "ended_at", "case_manager_period"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} ({self.started_at:%d/%m/%Y})"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CareTeamMember(models.Model):
    """An operator of any organisation in the person's care team: while a member, they know of
    the person (``people.TeamAccess``, personal — not their whole organisation)."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.CASCADE, related_name="team", verbose_name=_("progetto")
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="care_teams",
        verbose_name=_("operatore"),
    )
    profession = models.CharField(_("profilo"), max_length=30, choices=Profession.choices)
    responsibilities = models.TextField(_("compiti nel progetto"), blank=True)
    started_at = models.DateTimeField(_("dal"))
    ended_at = models.DateTimeField(_("al"), null=True, blank=True)
    end_reason = models.TextField(_("motivo dell'uscita"), blank=True)
    added_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aggiunto da"),
    )

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("componente dell'équipe")
        verbose_name_plural = _("componenti dell'équipe")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "membership"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_team_membership",
            ),
            period_check("started_at", "ended_at", "team_member_period"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} ({self.get_profession_display()})"

    @property
    def access_source(self) -> str:
        return f"careplans.careteammember:{self.pk}"


class TaskState(models.TextChoices):
    OPEN = "aperto", _("Da fare")
    DONE = "fatto", _("Fatto")
    CANCELLED = "annullato", _("Annullato")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CareTask(models.Model):
    """Something a team member (or the case manager) must do by a date."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("progetto")
    )
    assignee = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="care_tasks",
        verbose_name=_("assegnato a"),
    )
    title = models.CharField(_("attività"), max_length=200)
    details = models.TextField(_("dettagli"), blank=True)
    due_on = models.DateField(_("entro il"))
    state = models.CharField(
        _("stato"), max_length=20, choices=TaskState.choices, default=TaskState.OPEN
    )
    completed_at = models.DateTimeField(_("chiuso il"), null=True, blank=True)
    completed_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chiuso da"),
    )
    outcome_notes = models.TextField(_("esito"), blank=True)
    reminded_on = models.DateField(_("promemoria inviato il"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assegnato da"),
    )
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("attività dell'équipe")
        verbose_name_plural = _("attività dell'équipe")
        indexes = [
            models.Index(fields=["assignee", "state", "due_on"], name="task_worklist"),
            models.Index(fields=["state", "due_on"], name="task_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="aperto") | models.Q(completed_at__isnull=False),
                name="task_closed_when",
            ),
        ]

    def __str__(self) -> str:
        return self.title

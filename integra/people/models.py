"""The person registry: one record per person, its identifiers, and the "presa in carico" link
(``CareRelationship``) that gives an organisation access to the person's record.

Business rules live in ``services.py``; what must always hold is a database constraint here.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from typing import Any

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integra.core.concurrency import VersionedModel
from integra.core.models import Municipality, TimeStampedModel, period_check
from integra.organizations.models import Organization
from integra.people.identifiers import IdentifierKind


class Sex(models.TextChoices):
    MALE = "M", _("Maschio")
    FEMALE = "F", _("Femmina")
    NOT_STATED = "X", _("Non indicato")


class MaritalStatus(models.TextChoices):
    NOT_STATED = "", _("Non indicato")
    SINGLE = "single", _("Celibe / nubile")
    MARRIED = "married", _("Coniugato/a")
    CIVIL_UNION = "civil_union", _("Unito/a civilmente")
    SEPARATED = "separated", _("Separato/a")
    DIVORCED = "divorced", _("Divorziato/a")
    WIDOWED = "widowed", _("Vedovo/a")


class Education(models.TextChoices):
    NOT_STATED = "", _("Non indicato")
    NONE = "none", _("Nessun titolo")
    PRIMARY = "primary", _("Licenza elementare")
    LOWER_SECONDARY = "lower_secondary", _("Licenza media")
    UPPER_SECONDARY = "upper_secondary", _("Diploma di scuola superiore")
    VOCATIONAL = "vocational", _("Qualifica professionale")
    TERTIARY = "tertiary", _("Laurea o titolo superiore")


class Employment(models.TextChoices):
    NOT_STATED = "", _("Non indicato")
    EMPLOYED = "employed", _("Occupato/a")
    SELF_EMPLOYED = "self_employed", _("Lavoratore/trice autonomo/a")
    UNEMPLOYED = "unemployed", _("Disoccupato/a")
    STUDENT = "student", _("Studente/essa")
    RETIRED = "retired", _("Pensionato/a")
    HOMEMAKER = "homemaker", _("Casalingo/a")
    UNABLE = "unable", _("Inabile al lavoro")
    OTHER = "other", _("Altro")


class LivingSituation(models.TextChoices):
    NOT_STATED = "", _("Non indicato")
    ALONE = "alone", _("Vive solo/a")
    WITH_FAMILY = "with_family", _("Vive con familiari")
    FACILITY = "facility", _("In struttura")
    HOMELESS = "homeless", _("Senza dimora")
    OTHER = "other", _("Altro")


class LegalGuardianKind(models.TextChoices):
    NONE = "", _("Nessuno")
    TUTOR = "tutore", _("Tutore")
    CURATOR = "curatore", _("Curatore")
    SUPPORT_ADMINISTRATOR = "amministratore_sostegno", _("Amministratore di sostegno")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Attiva")
    # Set by the merge of duplicates (a later piece): the record points at the one kept.
    MERGED = "merged", _("Unita a un'altra scheda")


# The SQL twin of ``matching.phone_digits``: the Italian prefix written as +39 or 0039 at the
# start is dropped, then everything but digits. Both regexp_replace are immutable, as a
# generated column requires.
PHONE_DIGITS = models.Func(
    models.Func(
        models.F("phone"),
        models.Value(r"^[[:space:]]*(\+|00)[[:space:]]*39"),
        models.Value(""),
        function="regexp_replace",
    ),
    models.Value("[^0-9]"),
    models.Value(""),
    models.Value("g"),
    function="regexp_replace",
    output_field=models.CharField(),
)


# ``search_name`` is derived from the names by the service: not history, so not tracked.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_name", "search_keys", "search_phone", "row_version"],
)
class Person(VersionedModel, TimeStampedModel):
    """One person known to the services (anagrafica)."""

    family_names = models.CharField(_("cognome"), max_length=150)
    given_names = models.CharField(_("nome"), max_length=150)
    sex = models.CharField(_("sesso"), max_length=1, choices=Sex.choices, default=Sex.NOT_STATED)
    # Entered, never derived from a code: a codice fiscale holds only two digits of the year.
    birth_date = models.DateField(_("data di nascita"), null=True, blank=True)
    birth_place_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Comune di nascita"),
    )
    # Belfiore code of the Comune (current or ceased) or Z code of the foreign country.
    birth_place_code = models.CharField(_("codice del luogo di nascita"), max_length=4, blank=True)
    citizenships = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("cittadinanze"),
        default=list,
        blank=True,
    )
    languages = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("lingue parlate"),
        default=list,
        blank=True,
    )
    needs_cultural_mediator = models.BooleanField(_("serve un mediatore culturale"), default=False)
    marital_status = models.CharField(
        _("stato civile"), max_length=20, choices=MaritalStatus.choices, blank=True
    )
    education = models.CharField(
        _("titolo di studio"), max_length=20, choices=Education.choices, blank=True
    )
    employment = models.CharField(
        _("condizione professionale"), max_length=20, choices=Employment.choices, blank=True
    )
    living_situation = models.CharField(
        _("condizione abitativa"), max_length=20, choices=LivingSituation.choices, blank=True
    )
    residence_address = models.CharField(_("indirizzo di residenza"), max_length=250, blank=True)
    residence_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Comune di residenza"),
    )
    domicile_address = models.CharField(_("indirizzo di domicilio"), max_length=250, blank=True)
    domicile_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Comune di domicilio"),
    )
    phone = models.CharField(_("telefono"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    legal_guardian_name = models.CharField(
        _("tutore, curatore o amministratore di sostegno"), max_length=200, blank=True
    )
    legal_guardian_kind = models.CharField(
        _("tipo di protezione giuridica"),
        max_length=30,
        choices=LegalGuardianKind.choices,
        blank=True,
    )
    family_doctor_name = models.CharField(
        _("medico di medicina generale / pediatra"), max_length=200, blank=True
    )
    status = models.CharField(
        _("stato della scheda"),
        max_length=10,
        choices=PersonStatus.choices,
        default=PersonStatus.ACTIVE,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("unita nella scheda"),
    )
    registered_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="registered_persons",
        verbose_name=_("registrata da"),
    )
    # "family given", accents removed, lower case (integra.organizations.search.normalize).
    search_name = models.CharField(
        _("nome normalizzato"), max_length=310, blank=True, editable=False
    )
    # Keys to find the person despite a typo without pg_trgm (integra.people.matching.name_keys):
    # first and last three letters of each word. Kept in step with the names by
    # ``services.person_search_fields_set`` (also for bulk loaders).
    search_keys = ArrayField(
        models.CharField(max_length=4),
        verbose_name=_("chiavi di ricerca"),
        default=list,
        blank=True,
        editable=False,
    )
    # The phone number as digits only, without the Italian prefix written as +39 or 0039
    # ("+39 333-123 4567" → "3331234567"): computed by PostgreSQL, so no writer (the services,
    # the bulk loaders, an UPDATE) can leave it behind. Matched by ``matching.phone_digits``.
    search_phone = models.GeneratedField(
        expression=PHONE_DIGITS,
        output_field=models.CharField(max_length=40),
        db_persist=True,
        verbose_name=_("telefono normalizzato"),
    )

    class Meta:
        ordering = ["family_names", "given_names", "pk"]
        verbose_name = _("persona")
        verbose_name_plural = _("persone")
        indexes = [
            models.Index(fields=["family_names", "given_names", "id"], name="person_name_order"),
            models.Index(fields=["search_name"], name="person_search_name"),
            # The duplicate check narrows by birth date before comparing names.
            models.Index(fields=["birth_date"], name="person_birth_date"),
            GinIndex(fields=["search_keys"], name="person_search_keys"),
            # The search by phone number compares the whole normalised number.
            models.Index(fields=["search_phone"], name="person_search_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="merged", merged_into__isnull=False)
                | models.Q(status="active", merged_into__isnull=True),
                name="person_merged_has_target",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_place_code="")
                | models.Q(birth_place_code__regex=r"^[A-Z][0-9]{3}$"),
                name="person_birth_place_code_format",
            ),
            models.CheckConstraint(
                condition=models.Q(legal_guardian_kind="") | ~models.Q(legal_guardian_name=""),
                name="person_guardian_kind_has_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_names} {self.given_names}".strip()

    @property
    def competent_municipality(self) -> Municipality | None:
        """The Comune competent for social services: residence, else domicile."""
        return self.residence_municipality or self.domicile_municipality

    @property
    def is_incomplete(self) -> bool:
        """No identifier or no birth date: the record needs completing.

        Reads ``identifiers`` (prefetched by the selectors, so no query per row).
        """
        return self.birth_date is None or not self.identifiers.all()

    @property
    def audit_person_id(self) -> int | None:
        return self.pk

    @property
    def audit_owner_organization_id(self) -> int:
        return self.registered_by_id


class PersonGateError(RuntimeError):
    """A row naming a person was rendered without passing through the people gate."""


class PersonRowQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """A queryset of rows that name a person. ``with_person_refs(actor)`` makes every row it
    yields carry ``person_ref`` — the people gate's reference for that actor
    (``integra/people/gate.py``) — whoever evaluates it, pagination included: one extra query
    per evaluation, whatever the number of rows."""

    _gate_actor: Any = None
    _gate_fields: tuple[str, ...] = ()

    def with_person_refs(self, actor: Any, *fields: str) -> PersonRowQuerySet:
        clone = self._chain()  # type: ignore[attr-defined]
        clone._gate_actor = actor
        clone._gate_fields = fields or ("person",)
        return clone

    def _clone(self) -> PersonRowQuerySet:
        clone = super()._clone()  # type: ignore[misc]
        clone._gate_actor = self._gate_actor
        clone._gate_fields = self._gate_fields
        return clone  # type: ignore[no-any-return]

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()  # type: ignore[misc]
        if fresh and self._gate_fields and self._result_cache:
            from integra.people.gate import attach_person_refs

            rows = [r for r in self._result_cache if isinstance(r, models.Model)]
            for name in self._gate_fields:
                attach_person_refs(self._gate_actor, rows, field=name)


class PersonOwnedRecord:
    """For rows that belong to one person: the access log records the person, and the
    registering organisation as the holder of the data (like the person's own record); pages
    and API answers show the person only as ``person_ref``, the people gate's reference."""

    person_id: int
    person: Person

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_owner_organization_id(self) -> int | None:
        # Without loading the person onto the row: a row shown on a page carries only what the
        # people gate gives (person_ref), never a Person that a template could print.
        cached = self._state.fields_cache.get("person")  # type: ignore[attr-defined]
        if cached is not None:
            return int(cached.registered_by_id)
        return (
            Person.objects.filter(pk=self.person_id)
            .values_list("registered_by_id", flat=True)
            .first()
        )

    @property
    def person_ref(self) -> Any:
        ref = getattr(self, "_person_ref", None)
        if ref is None:
            raise PersonGateError(
                f"{type(self).__name__} {getattr(self, 'pk', '')} was not read through the "
                "people gate: return its queryset with .with_person_refs(actor)"
            )
        return ref


class PersonSearchName(models.Model):
    """The search table: each person's ``search_name`` and its words, in a narrow table.

    The name search finds persons by their words (GIN index on ``words``, migration 0016; the
    trigram index of migration 0015 is gone: lossy on common names, it rechecked tens of
    thousands of rows per query at 1M persons). Written only by the database (trigger
    ``person_search_name_sync``), on every insert — COPY included —, change of name or id,
    deletion and truncation of a person: no writer can leave it stale. Not a foreign key, so
    that merges and deletions never see it; never an output.
    """

    person_id = models.BigIntegerField(primary_key=True)
    search_name = models.CharField(max_length=310)
    # The words a name search matches (``matching.search_words``: each word longer than a
    # particle, particles joined to the next word, adjacent words joined), written by the same
    # trigger (``person_search_words``, migration 0016).
    words = ArrayField(models.TextField(), default=list)

    class Meta:
        indexes = [GinIndex(fields=["words"], name="person_search_words")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.search_name}"


class PersonSearchWord(models.Model):
    """The vocabulary of the name search: every word a person's name has held
    (``matching.vocabulary_words``: words and particle-joined words, not pairs), once per key —
    the word itself and the word less any one letter (``matching.word_keys``). Two words one
    edit apart (an insertion, deletion, substitution or swap of adjacent letters) share a key,
    so the words near a query word are a lookup of its keys in the primary key's index; the
    words beginning with it, a prefix scan of ``person_search_word_prefix``.

    Written only by the trigger of the search table (migration 0016), insert-only: a word stays
    after the last person holding it is renamed or deleted; such a word matches nobody (the
    persons are found by ``PersonSearchName.words``), so it costs a lookup and nothing else.
    Emptied with the persons on TRUNCATE. Never an output.
    """

    pk = models.CompositePrimaryKey("key", "word")
    key = models.TextField()
    word = models.TextField()

    class Meta:
        indexes = [
            # The words that begin with a query word (a name still being typed): one row per
            # word, the one whose key is the word itself.
            models.Index(
                fields=["word"],
                name="person_search_word_prefix",
                opclasses=["text_pattern_ops"],
                condition=models.Q(key=models.F("word")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.word}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PersonIdentifier(models.Model):
    """A code that identifies a person: codice fiscale, provisional code, STP, ENI, TEAM."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="identifiers", verbose_name=_("persona")
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=IdentifierKind.choices)
    # Normalised: no spaces, upper case (integra.people.identifiers.normalise).
    value = models.CharField(_("codice"), max_length=32)
    issuing_country = models.CharField(_("Stato di emissione (TEAM)"), max_length=2, blank=True)
    issued_on = models.DateField(_("rilasciato il"), null=True, blank=True)
    valid_until = models.DateField(_("valido fino al"), null=True, blank=True)
    is_primary = models.BooleanField(_("principale"), default=False)
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "kind", "pk"]
        verbose_name = _("identificativo")
        verbose_name_plural = _("identificativi")
        # A search by code knows the value, not always the kind.
        indexes = [
            models.Index(fields=["value"], name="person_identifier_value"),
            # The search by the beginning of a codice fiscale (LIKE 'RSSMRA80%'): the default
            # btree follows the database's collation, which LIKE cannot use.
            models.Index(
                fields=["value"],
                name="person_identifier_value_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        constraints = [
            # Two persons never share a code (twins have different ones; an STP renewal is a
            # new code). A TEAM number is unique within its issuing state.
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=~models.Q(kind=IdentifierKind.TEAM),
                name="person_identifier_unique_code",
            ),
            models.UniqueConstraint(
                fields=["kind", "issuing_country", "value"],
                condition=models.Q(kind=IdentifierKind.TEAM),
                name="person_identifier_unique_team",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(is_primary=True),
                name="person_identifier_one_primary",
            ),
            period_check(
                "issued_on", "valid_until", "person_identifier_valid_period", start_optional=True
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class CareBasis(models.TextChoices):
    """Why an organisation took a person in charge — each basis with who may grant it
    (``integra/people/services.py``: ``care_relationship_start``)."""

    REGISTRATION = "registration", _("Registrazione della persona")
    OWN = "own", _("Presa in carico dell'ente")
    PUA_ROUTING = "pua_routing", _("Invio dal PUA")
    UVM_MEMBER = "uvm_member", _("Componente dell'UVM")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CareRelationship(models.Model):
    """The "presa in carico": an organisation has taken the person in charge, which gives its
    operators access to the person's record while the relationship is active."""

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="care_relationships",
        verbose_name=_("persona"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="care_relationships",
        verbose_name=_("ente"),
    )
    started_on = models.DateField(_("dal"), default=timezone.localdate)
    ended_on = models.DateField(_("al"), null=True, blank=True)
    reason = models.TextField(_("motivo"), blank=True)
    basis = models.CharField(
        _("titolo"),
        max_length=20,
        choices=CareBasis.choices,
        default=CareBasis.OWN,
        db_default=CareBasis.OWN,
    )
    created_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registrata da"),
    )
    created_at = models.DateTimeField(_("creata il"), auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name = _("presa in carico")
        verbose_name_plural = _("prese in carico")
        indexes = [
            models.Index(fields=["organization", "person"], name="care_rel_org_person"),
        ]
        constraints = [
            period_check("started_on", "ended_on", "care_relationship_period"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.organization}"

    def is_active(self, today: date | None = None) -> bool:
        day = today or timezone.localdate()
        return self.ended_on is None or self.ended_on >= day

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_owner_organization_id(self) -> int:
        return self.organization_id


# --- consent by purpose ------------------------------------------------------------------------


class ConsentPurpose(models.TextChoices):
    TAKING_IN_CHARGE = "taking_in_charge", _("Presa in carico")
    # Garante, Linee guida sul Dossier sanitario 4/6/2015: a consent of its own for the shared
    # dossier, separate from the consent to care.
    SHARING = "sharing", _("Condivisione tra enti (fascicolo integrato)")
    RESEARCH = "research", _("Ricerca e statistica")


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Prestato")
    WITHDRAWN = "withdrawn", _("Revocato")


class PrivateStorage(FileSystemStorage):
    """Files kept under ``settings.PRIVATE_MEDIA_ROOT``: outside STATIC and MEDIA, with no URL.

    They reach a user only through the API, after the access policy (people.selectors). The
    root is read at each use, so a test can point it at a temporary directory.
    """

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL: serve them through the access policy.")


private_storage = PrivateStorage()


def private_document_storage() -> PrivateStorage:
    """The storage of person documents (a callable: migrations do not record the path)."""
    return private_storage


class ConsentEvidence(models.TextChoices):
    """How a consent decision is documented (Garante 2015: consent with evidence)."""

    SIGNED_FORM = "signed_form", _("Modulo firmato (scansione allegata)")
    PRESENCE_DECLARATION = (
        "presence_declaration",
        _("Dichiarazione dell'operatore: persona presente, decisione espressa di persona"),
    )


class ConsentDecidedBy(models.TextChoices):
    PERSON = "person", _("La persona")
    GUARDIAN = "guardian", _("Tutore, curatore o amministratore di sostegno")


def consent_form_path(instance: Consent, filename: str) -> str:
    """A random name under the person's folder: the operator's file name is never a path."""
    return f"consents/{instance.person_id}/{uuid.uuid4().hex}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Consent(PersonOwnedRecord, models.Model):
    """One decision of the person about one purpose: given or withdrawn.

    Decisions are never changed: a withdrawal is a new row. The current state of a purpose is
    its latest row by (``decided_on``, ``id``).
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("persona")
    )
    purpose = models.CharField(_("finalità"), max_length=20, choices=ConsentPurpose.choices)
    status = models.CharField(_("stato"), max_length=10, choices=ConsentStatus.choices)
    decided_on = models.DateField(_("data della decisione"))
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrato da"),
    )
    recorded_by_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ente che lo ha registrato"),
    )
    evidence_note = models.TextField(_("documentazione"))
    evidence_kind = models.CharField(
        _("prova del consenso"),
        max_length=30,
        choices=ConsentEvidence.choices,
        default=ConsentEvidence.PRESENCE_DECLARATION,
        db_default=ConsentEvidence.PRESENCE_DECLARATION,
    )
    decided_by = models.CharField(
        _("decisione espressa da"),
        max_length=20,
        choices=ConsentDecidedBy.choices,
        default=ConsentDecidedBy.PERSON,
        db_default=ConsentDecidedBy.PERSON,
    )
    guardian_name = models.CharField(
        _("nome del tutore"), max_length=200, blank=True, db_default=""
    )
    evidence_file = models.FileField(
        _("modulo firmato"),
        storage=private_document_storage,
        upload_to=consent_form_path,
        max_length=300,
        blank=True,
        db_default="",
    )
    evidence_file_name = models.CharField(
        _("nome del file"), max_length=150, blank=True, db_default=""
    )
    evidence_content_type = models.CharField(
        _("tipo del file"), max_length=50, blank=True, db_default=""
    )
    evidence_sha256 = models.CharField(
        _("impronta SHA-256"), max_length=64, blank=True, db_default=""
    )
    expires_on = models.DateField(_("scade il"), null=True, blank=True)
    created_at = models.DateTimeField(_("registrato il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["purpose", "-decided_on", "-pk"]
        verbose_name = _("consenso")
        verbose_name_plural = _("consensi")
        indexes = [
            models.Index(
                fields=["person", "purpose", "-decided_on", "-id"], name="consent_current"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("decided_on")),
                name="consent_expiry_after_decision",
            ),
            models.CheckConstraint(
                condition=~models.Q(evidence_note=""), name="consent_has_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.get_status_display()}"

    def is_in_force(self, today: date | None = None) -> bool:
        """Given and not expired on ``today``."""
        day = today or timezone.localdate()
        return self.status == ConsentStatus.GIVEN and (
            self.expires_on is None or self.expires_on >= day
        )


# --- documents ---------------------------------------------------------------------------------


def person_document_path(instance: PersonDocument, filename: str) -> str:
    """A random name under the person's folder: the operator's file name is never a path."""
    return f"documents/{instance.person_id}/{uuid.uuid4().hex}"


class DocumentKind(models.TextChoices):
    IDENTITY_CARD = "identity_card", _("Carta d'identità")
    PASSPORT = "passport", _("Passaporto")
    DRIVING_LICENCE = "driving_licence", _("Patente di guida")
    RESIDENCE_PERMIT = "residence_permit", _("Permesso di soggiorno")
    RESIDENCE_PERMIT_RECEIPT = (
        "residence_permit_receipt",
        _("Ricevuta di richiesta o rinnovo del permesso di soggiorno"),
    )
    HEALTH_CARD = "health_card", _("Tessera sanitaria")
    DISABILITY_CERTIFICATE = "disability_certificate", _("Certificazione di invalidità civile")
    L104_REPORT = "l104_report", _("Verbale L. 104/1992")
    OTHER = "other", _("Altro")


# The kinds that are a residence permit (or stand for one while it is being issued or renewed).
PERMIT_KINDS = (DocumentKind.RESIDENCE_PERMIT, DocumentKind.RESIDENCE_PERMIT_RECEIPT)


class PermitReason(models.TextChoices):
    NONE = "", _("Non indicato")
    WORK = "work", _("Lavoro")
    FAMILY = "family", _("Motivi familiari")
    STUDY = "study", _("Studio")
    INTERNATIONAL_PROTECTION = "international_protection", _("Protezione internazionale")
    SPECIAL_PROTECTION = "special_protection", _("Protezione speciale")
    ASYLUM = "asylum", _("Asilo")
    OTHER = "other", _("Altro")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PersonDocument(PersonOwnedRecord, models.Model):
    """An identity document, permit or certificate of a person, with an optional scan.

    The scan lives in ``PrivateStorage``; its path is never shown (``file_name`` is the
    sanitised name given by the operator, used only for the download).
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="documents", verbose_name=_("persona")
    )
    kind = models.CharField(_("tipo"), max_length=30, choices=DocumentKind.choices)
    number = models.CharField(_("numero"), max_length=50, blank=True)
    issuer = models.CharField(_("rilasciato da"), max_length=200, blank=True)
    issued_on = models.DateField(_("rilasciato il"), null=True, blank=True)
    expires_on = models.DateField(_("scade il"), null=True, blank=True)
    permit_reason = models.CharField(
        _("motivo del permesso"), max_length=30, choices=PermitReason.choices, blank=True
    )
    file = models.FileField(
        _("file"),
        storage=private_document_storage,
        upload_to=person_document_path,
        max_length=200,
        blank=True,
    )
    file_name = models.CharField(_("nome del file"), max_length=200, blank=True)
    content_type = models.CharField(_("tipo di contenuto"), max_length=50, blank=True)
    size = models.PositiveBigIntegerField(_("dimensione (byte)"), null=True, blank=True)
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("caricato da"),
    )
    created_at = models.DateTimeField(_("registrato il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-expires_on", "-pk"]
        verbose_name = _("documento")
        verbose_name_plural = _("documenti")
        indexes = [
            models.Index(fields=["kind", "expires_on"], name="person_document_expiry"),
        ]
        constraints = [
            period_check(
                "issued_on", "expires_on", "person_document_valid_period", start_optional=True
            ),
            models.CheckConstraint(
                condition=models.Q(permit_reason="")
                | models.Q(kind__in=[k.value for k in PERMIT_KINDS]),
                name="person_document_reason_only_permits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()

    @property
    def has_file(self) -> bool:
        return bool(self.file)


# --- household and caregivers ------------------------------------------------------------------


class HouseholdRelationship(models.TextChoices):
    SPOUSE = "spouse", _("Coniuge / partner")
    CHILD = "child", _("Figlio/a")
    PARENT = "parent", _("Genitore")
    SIBLING = "sibling", _("Fratello / sorella")
    GRANDPARENT = "grandparent", _("Nonno/a")
    GRANDCHILD = "grandchild", _("Nipote")
    OTHER_RELATIVE = "other_relative", _("Altro parente")
    COHABITANT = "cohabitant", _("Convivente non parente")


class CaregiverNeed(models.TextChoices):
    """What the caregiver familiare needs for themself (L. 205/2017, art. 1 c. 255)."""

    RESPITE = "respite", _("Sollievo")
    TRAINING = "training", _("Formazione")
    PSYCHOLOGICAL = "psychological", _("Supporto psicologico")
    INFORMATION = "information", _("Informazione e orientamento")
    FINANCIAL = "financial", _("Sostegno economico")
    WORK_LIFE = "work_life", _("Conciliazione con il lavoro")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class HouseholdMember(PersonOwnedRecord, models.Model):
    """One member of a person's household (nucleo familiare) or network of care: a person of
    the registry (``member``) or someone known only by name; possibly a caregiver familiare.

    Ending a membership sets ``until`` (the day it ended: from then on not a member): the row
    stays, so the history of the household does.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="household", verbose_name=_("persona")
    )
    member = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household_memberships",
        verbose_name=_("componente registrato in anagrafe"),
    )
    name = models.CharField(_("nome e cognome"), max_length=200, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("anno di nascita"), null=True, blank=True)
    relationship = models.CharField(
        _("relazione"), max_length=20, choices=HouseholdRelationship.choices
    )
    cohabiting = models.BooleanField(_("convivente"), default=False)
    is_caregiver = models.BooleanField(_("caregiver familiare"), default=False)
    caregiver_needs = ArrayField(
        models.CharField(max_length=20, choices=CaregiverNeed.choices),
        verbose_name=_("bisogni del caregiver"),
        default=list,
        blank=True,
    )
    caregiver_needs_note = models.TextField(_("bisogni del caregiver (note)"), blank=True)
    since = models.DateField(_("dal"), null=True, blank=True)
    until = models.DateField(_("al"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrato da"),
    )
    created_at = models.DateTimeField(_("registrato il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["person", "pk"]
        verbose_name = _("componente del nucleo")
        verbose_name_plural = _("componenti del nucleo")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | ~models.Q(name=""),
                name="household_member_or_name",
            ),
            models.CheckConstraint(
                condition=models.Q(member__isnull=True) | ~models.Q(member=models.F("person")),
                name="household_member_not_self",
            ),
            period_check("since", "until", "household_member_period", start_optional=True),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_relationship_display()})"

    @property
    def display_name(self) -> str:
        """The member as the people gate gives them (``member_ref``: the name, or "person n. X
        (limited record)"), or the name written down for someone not in the registry."""
        return self.member_ref.label if self.member_id is not None else self.name

    @property
    def member_ref(self) -> Any:
        ref = getattr(self, "_member_ref", None)
        if ref is None and self.member_id is not None:
            raise PersonGateError(
                f"HouseholdMember {self.pk} was not read through the people gate: return its "
                'queryset with .with_person_refs(actor, "person", "member")'
            )
        return ref

    def is_current(self, today: date | None = None) -> bool:
        """In the household on ``today``: ``until`` is the day the membership ended."""
        day = today or timezone.localdate()
        return self.until is None or self.until > day


# --- ISEE declarations -------------------------------------------------------------------------


class IseeKind(models.TextChoices):
    """DPCM 5 dicembre 2013, n. 159: the ordinary ISEE and its variants."""

    ORDINARY = "ordinario", _("ISEE ordinario")
    SOCIOSANITARY = "sociosanitario", _("ISEE sociosanitario")
    MINORS = "minorenni", _("ISEE minorenni")
    CURRENT = "corrente", _("ISEE corrente")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class IseeDeclaration(PersonOwnedRecord, models.Model):
    """An ISEE certified on a DSU (dichiarazione sostitutiva unica): kind, value, validity.

    Never changed: a new DSU is a new row; the one in force on a day is the latest by
    (``signed_on``, id) among those valid that day (selectors.isee_current).
    """

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="isee_declarations",
        verbose_name=_("persona"),
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=IseeKind.choices)
    value = models.DecimalField(_("valore ISEE (euro)"), max_digits=10, decimal_places=2)
    dsu_protocol = models.CharField(_("protocollo DSU"), max_length=60, blank=True)
    signed_on = models.DateField(_("data di presentazione della DSU"))
    valid_until = models.DateField(_("valida fino al"))
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrato da"),
    )
    created_at = models.DateTimeField(_("registrato il"), auto_now_add=True)

    objects = PersonRowQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-signed_on", "-pk"]
        verbose_name = _("dichiarazione ISEE")
        verbose_name_plural = _("dichiarazioni ISEE")
        indexes = [
            models.Index(fields=["person", "kind", "-signed_on", "-id"], name="isee_current"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="isee_value_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("signed_on")),
                name="isee_valid_after_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} ({self.signed_on:%d/%m/%Y})"

    def is_valid_on(self, day: date) -> bool:
        return self.signed_on <= day <= self.valid_until


# --- merge of duplicates -----------------------------------------------------------------------


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PersonMerge(models.Model):
    """Two records found to be the same person, merged into one (integra/people/merging.py).

    ``merged`` stays as an alias (status merged, ``merged_into`` = ``survivor``). What the merge
    did is recorded so that the undo reverses exactly that and nothing else:

    - ``fields``: for each group of fields that differed, which record's value was kept and the
      values of both records before the merge;
    - ``moved``: per relation to Person (``"app.model.field"``), the ids of the rows moved;
    - ``kept``: per relation, the ids of the rows left on the alias and why (a rule of the
      merge: they would break a constraint or duplicate a row of the survivor);
    - ``adjusted``: per model, the rows changed to make room (e.g. a primary identifier that is
      no longer primary), with their values before the merge.
    """

    survivor = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="merges_kept",
        verbose_name=_("scheda che resta"),
    )
    merged = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="merges_absorbed",
        verbose_name=_("scheda unita"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ente di chi ha unito"),
    )
    merged_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unita da"),
    )
    reason = models.TextField(_("motivo dell'unione"))
    fields = models.JSONField(_("scelte sui dati"), default=dict, blank=True)
    moved = models.JSONField(_("righe spostate"), default=dict, blank=True)
    kept = models.JSONField(_("righe rimaste sulla scheda unita"), default=dict, blank=True)
    adjusted = models.JSONField(_("righe adattate"), default=dict, blank=True)
    merged_at = models.DateTimeField(_("unita il"), default=timezone.now)
    undone_at = models.DateTimeField(_("annullata il"), null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annullata da"),
    )
    undo_reason = models.TextField(_("motivo dell'annullamento"), blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("unione di schede")
        verbose_name_plural = _("unioni di schede")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(survivor=models.F("merged")), name="person_merge_two_records"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="person_merge_has_reason"),
            models.CheckConstraint(
                condition=models.Q(undone_at__isnull=True, undone_by__isnull=True, undo_reason="")
                | (
                    models.Q(undone_at__isnull=False, undone_by__isnull=False)
                    & ~models.Q(undo_reason="")
                ),
                name="person_merge_undo_complete",
            ),
            # A record is the alias of one survivor at a time.
            models.UniqueConstraint(
                fields=["merged"],
                condition=models.Q(undone_at__isnull=True),
                name="person_merge_one_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None

    @property
    def audit_person_id(self) -> int:
        return self.survivor_id

    @property
    def audit_owner_organization_id(self) -> int:
        return self.organization_id


# The Garante's dossier rules (oscuramento, break-glass) live in their own module.
from integra.people.dossier_models import (  # noqa: E402
    ConcealedKind,
    ConcealmentAction,
    ConcealmentDecision,
    ConcealmentEvidence,
    EmergencyAccess,
    RequestedBy,
    TeamAccess,
)

__all__ = [
    "ConcealedKind",
    "ConcealmentAction",
    "ConcealmentDecision",
    "ConcealmentEvidence",
    "EmergencyAccess",
    "RequestedBy",
    "TeamAccess",
]

"""Optimistic locking for records several operators edit: a row version, checked on every edit.

Two operators open the same record; the second to save must not silently overwrite the first.
Each such record carries ``row_version`` (1 when created, +1 on every change made through its
services). An edit says which version it was made on; the service refuses it with
:class:`StaleEdit` when the record has moved on meanwhile.

The API, small on purpose (the same five names for every versioned record):

``VersionedModel``
    Abstract model mixin adding ``row_version = PositiveIntegerField(default=1,
    editable=False)``. Exclude the field from the model's pghistory tracker
    (``@pghistory.track(..., exclude=["row_version"])``): a bump alone is then no history event,
    and the history shows only real changes.

``bump_version(model, pk, expected_version) -> int``
    One ``UPDATE … SET row_version = row_version + 1 WHERE pk = %s AND row_version = %s``; raises
    :class:`StaleEdit` when no row matches; returns the new version. The *service* calls it,
    inside the transaction of the write (``select_for_update`` first, then the bump, then the
    save), so every write path gets the check, not only the views that remember it; the service
    sets the returned number on the instance it then saves (``obj.row_version = new``), or its
    ``save()`` would write the old number back. ``expected_version=None`` bumps without checking:
    for internal writes that carry no version the operator saw (a merge, a state change decided
    by another record's workflow, a command); each service says in its docstring which it is.

``etag(obj) -> str`` and ``expected_version_from_if_match(request) -> int``
    The API: a GET of the record answers ``ETag: "<row_version>"``, a successful edit answers the
    new one, and an edit sends it back in ``If-Match``. No ``If-Match`` raises
    :class:`PreconditionRequired` (428), one that is not a single strong entity tag of ours
    raises :class:`StaleEdit` (412); both are domain errors, so the API's one handler turns them
    into problem+json. ``if_match_openapi()`` documents the header and both
    answers on an operation (``openapi_extra=if_match_openapi()``).

``VersionedFormMixin`` (pages)
    Two hidden fields: the version the form was opened on, and a signed snapshot of the values
    it showed (``django.core.signing``: only the form's own fields, so nothing the page did not
    already show). ``versioned_open(version)`` when the form is built for a record;
    ``opened_version()`` for the service; on :class:`StaleEdit`, ``versioned_stale(version,
    now)`` lists what the other operator changed (the value now stored against the one the form
    was opened on), points the hidden fields at the current version (so a second submit,
    made knowingly, goes through) and keeps everything the operator typed. The view renders
    ``includes/stale_edit.html`` with ``stale_context(exc, changes)`` and answers 409. A plain
    form (a button for a move) posts ``row_version`` alone and reads it with
    ``posted_version(request.POST)``.

Recipe for a new record: mix ``VersionedModel`` in and exclude ``row_version`` from its tracker;
``makemigrations`` (a constant default: no table rewrite on PostgreSQL 11+); give each edit
service a keyword ``expected_version: int | None`` and call ``bump_version`` right after
locking the row; in the API handler check the role (``require``) *before*
``expected_version_from_if_match`` (a 403 comes before a 428; a 404 comes from the service,
after it), set ``response["ETag"] = etag(obj)`` on the GET and on the edit's answer (a
``response: HttpResponse`` parameter) and add ``openapi_extra=if_match_openapi()``; in the page
use ``VersionedFormMixin`` and answer 409 on ``StaleEdit``.

Writes that bump without a check (``expected_version=None``), today:
``people.merging.person_merge`` / ``person_merge_undo`` (both records);
``intake.services.request_uvm_concluded`` (the UVM concluded: ``update()`` with ``F() + 1``);
``intake.workflow.transition`` when another service moves the request inside its own checked
write (the pre-assessment's first move); ``assessments.uvm.eligibility_record`` and
``session_cancel``; and the demo seeders. Rows moved by a merge (a request, a session passing
to the surviving person) keep their version: the fields their forms show do not change.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from django import forms
from django.core import signing
from django.db import models
from django.db.models import F
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError

ROW_VERSION = "row_version"


class ConcurrencyErrorCode(models.TextChoices):
    STALE_EDIT = "stale_edit", _("Dati modificati da un altro operatore")
    PRECONDITION_REQUIRED = "precondition_required", _("Versione dei dati richiesta")


class StaleEdit(DomainError):
    """The record was changed by someone else after the edit was opened; nothing was written.

    The API answers 412 Precondition Failed; pages answer 409 and show what changed."""

    default_status = 412

    def __init__(self, message: object = None) -> None:
        super().__init__(
            ConcurrencyErrorCode.STALE_EDIT,
            message=message
            or gettext(
                "Nel frattempo un altro operatore ha modificato questi dati: le tue modifiche "
                "non sono state salvate. Rileggi i dati attuali e riprova."
            ),
        )

    def api_errors(self) -> list[dict[str, Any]] | None:
        return None


class PreconditionRequired(DomainError):
    """An edit through the API without ``If-Match``: 428 Precondition Required."""

    default_status = 428

    def __init__(self) -> None:
        super().__init__(
            ConcurrencyErrorCode.PRECONDITION_REQUIRED,
            message=gettext(
                "Per modificare questi dati invia l'intestazione If-Match con l'ETag ricevuto "
                "leggendoli (GET): così una modifica fatta nel frattempo da altri non viene "
                "sovrascritta."
            ),
        )

    def api_errors(self) -> list[dict[str, Any]] | None:
        return None


class VersionedModel(models.Model):
    """A record several operators edit: ``row_version`` counts its changes (see the module)."""

    # The database default too: bulk loads (COPY) that list their columns get version 1.
    row_version = models.PositiveIntegerField(
        _("versione"), default=1, db_default=1, editable=False
    )

    class Meta:
        abstract = True


def bump_version(model: type[models.Model], pk: object, expected_version: int | None) -> int:
    """Add one to the row's version if it is still ``expected_version`` (any version when
    ``None``); the new version. :class:`StaleEdit` when the row has another version (or is gone).
    Call it inside the transaction of the write."""
    rows = model._default_manager.filter(pk=pk)
    if expected_version is not None:
        rows = rows.filter(**{ROW_VERSION: expected_version})
    if not rows.update(**{ROW_VERSION: F(ROW_VERSION) + 1}):
        raise StaleEdit()
    return int(model._default_manager.filter(pk=pk).values_list(ROW_VERSION, flat=True).get())


# --- the API: ETag and If-Match ----------------------------------------------------------------

_STRONG_TAG = re.compile(r'^"([1-9][0-9]{0,9})"$')


def etag(obj: models.Model) -> str:
    """The strong entity tag of a versioned record: its version in quotes (``"3"``)."""
    return f'"{getattr(obj, ROW_VERSION)}"'


def expected_version_from_if_match(request: HttpRequest) -> int:
    """The version an API edit was made on, from ``If-Match``. Missing (or ``*``, which names
    no version): :class:`PreconditionRequired`; not one strong tag of ours (a weak tag, a list,
    anything else): :class:`StaleEdit`, as it cannot match the current version."""
    value = (request.headers.get("If-Match") or "").strip()
    if not value or value == "*":
        raise PreconditionRequired()
    match = _STRONG_TAG.match(value)
    if match is None:
        raise StaleEdit()
    return int(match.group(1))


_PROBLEM_RESPONSE = {
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                },
                "required": ["type", "title", "status", "code"],
            }
        }
    }
}

_IF_MATCH_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "description": "L'ETag ricevuto leggendo il record (GET) o dall'ultima modifica. "
            "Senza: 428 precondition_required; se nel frattempo il record è cambiato: 412 "
            "stale_edit (rileggilo e riprova).",
            "schema": {"type": "string"},
        }
    ],
    "responses": {
        "412": {
            "description": "Il record è stato modificato da altri dopo la lettura (stale_edit).",
            **_PROBLEM_RESPONSE,
        },
        "428": {
            "description": "Manca l'intestazione If-Match (precondition_required).",
            **_PROBLEM_RESPONSE,
        },
    },
}


def if_match_openapi() -> dict[str, Any]:
    """``openapi_extra`` of an operation that edits a versioned record: the If-Match header and
    the 412 / 428 answers (a fresh copy: django-ninja merges it into the operation)."""
    return copy.deepcopy(_IF_MATCH_OPENAPI)


# --- pages: the version the form was opened on, and what changed meanwhile --------------------


@dataclass(frozen=True)
class FieldChange:
    """A field another operator changed while the form was open."""

    name: str
    label: str
    opened: str  # the value the form was opened on
    now: str  # the value stored now


def _display(field: forms.Field, value: Any) -> str:
    """A value as the operator reads it (choice labels, dates, yes/no); "—" for empty."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, forms.ChoiceField):
        labels = {str(k): str(v) for k, v in _flat_choices(field.choices)}  # type: ignore[arg-type]
        values = value if isinstance(value, list | tuple) else [value]
        shown = [labels.get(str(v), str(v)) for v in values]
        return ", ".join(shown) or "—"
    if isinstance(value, bool):
        return gettext("Sì") if value else gettext("No")
    if isinstance(field, forms.DateTimeField) and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(field, forms.DateField) and isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime | date):
        return str(formats.localize(value))
    return str(value)


def _flat_choices(choices: Iterable[Any]) -> Iterable[tuple[Any, Any]]:
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield key, label


def _comparable(value: Any) -> Any:
    """JSON-safe and comparable: what the snapshot keeps of a value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_comparable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class VersionedFormMixin(forms.Form):
    """The hidden version and snapshot of a form that edits a versioned record (see the module).

    ``versioned_fields`` names the fields whose changes are listed (default: every field the
    form shows, less the hidden ones)."""

    versioned_fields: ClassVar[tuple[str, ...] | None] = None
    snapshot_salt: ClassVar[str] = "integra.core.concurrency.snapshot"

    row_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": _("La pagina non indica quale versione dei dati hai aperto: riaprila."),
            "invalid": _("La pagina non indica quale versione dei dati hai aperto: riaprila."),
            "min_value": _("La pagina non indica quale versione dei dati hai aperto: riaprila."),
        },
    )
    opened_snapshot = forms.CharField(widget=forms.HiddenInput, required=False)

    def _compared_fields(self) -> list[str]:
        names = self.versioned_fields or tuple(self.fields)
        return [
            name
            for name in names
            if name in self.fields
            and name not in (ROW_VERSION, "opened_snapshot")
            and not self.fields[name].widget.is_hidden
        ]

    def _snapshot(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: _comparable(values.get(name)) for name in self._compared_fields()}

    def versioned_open(self, version: int, values: Mapping[str, Any] | None = None) -> None:
        """Mark the (unbound) form as opened on ``version`` with ``values`` (default: its
        initial values)."""
        values = self.initial if values is None else values
        self.initial[ROW_VERSION] = version
        self.initial["opened_snapshot"] = signing.dumps(
            self._snapshot(values), salt=self.snapshot_salt, compress=True
        )

    def opened_version(self) -> int:
        """The version the submitted form was opened on (call after ``is_valid()``)."""
        return int(self.cleaned_data[ROW_VERSION])

    def _opened_values(self) -> dict[str, Any] | None:
        token = self.data.get(self.add_prefix("opened_snapshot")) or ""
        try:
            loaded = signing.loads(token, salt=self.snapshot_salt)
        except signing.BadSignature:
            return None
        return loaded if isinstance(loaded, dict) else None

    def versioned_stale(self, version: int, now: Mapping[str, Any]) -> list[FieldChange] | None:
        """After :class:`StaleEdit`: the fields whose stored value (``now``, shaped like the
        form's initial values) differs from the one the form was opened on (``None`` when the
        snapshot is missing or not ours: then only the message is shown). The hidden fields move
        to ``version`` and ``now``; the operator's input stays as typed."""
        opened = self._opened_values()
        current = self._snapshot(now)
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix(ROW_VERSION)] = str(version)
        data[self.add_prefix("opened_snapshot")] = signing.dumps(
            current, salt=self.snapshot_salt, compress=True
        )
        self.data = data
        if opened is None:
            return None
        return [
            FieldChange(
                name=name,
                label=str(self.fields[name].label or name),
                opened=_display(self.fields[name], opened.get(name)),
                now=_display(self.fields[name], current[name]),
            )
            for name in self._compared_fields()
            if opened.get(name) != current[name]
        ]


def posted_version(data: Mapping[str, Any]) -> int:
    """The ``row_version`` a page's plain form (no ``VersionedFormMixin``: a button, a move)
    posted; 0, which matches no version and so is refused as stale, when missing or not a
    number (a page opened before versions existed)."""
    value = str(data.get(ROW_VERSION) or "")
    return int(value) if value.isdigit() and len(value) <= 10 else 0


def stale_context(exc: StaleEdit, changes: list[FieldChange] | None) -> dict[str, Any]:
    """What ``includes/stale_edit.html`` needs (the view answers 409 with it)."""
    return {"stale": True, "stale_message": exc.message, "stale_changes": changes}

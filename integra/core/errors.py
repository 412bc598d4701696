"""The one domain error every app raises, and the domain errors of the territory.

A service refuses an operation by raising :class:`DomainError` (or an app's subclass, which only
names its code enum and its statuses): a stable ``code`` (a ``TextChoices`` member, as in
``IntakeErrorCode``), the Italian messages of each bad field in ``errors``, and the HTTP status
the API answers with. Pages show the messages in their forms; the API turns every domain error
into problem+json in one handler (``integra/api/errors.py``), so no app writes its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused operation; nothing has been written.

    ``errors`` maps a field name (``family_names``, ``identifiers.0.value``, ``__all__``…) to its
    messages, so a form can mark each field and the API can name each one; ``message`` is the
    one line for the whole refusal (the only message when there are several).
    """

    #: The status for every code not in ``statuses``.
    default_status: ClassVar[int] = 422
    #: Statuses that differ from ``default_status``, by code (a conflict with the state: 409).
    statuses: ClassVar[Mapping[str, int]] = {}
    #: The ``message`` when several fields are wrong.
    several_message: ClassVar[str | Promise] = _("Uno o più dati non sono validi: correggili.")
    #: How fields are named in the API when they differ from the service's names.
    api_fields: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        code: models.Choices,
        errors: Mapping[str, Iterable[object]] | None = None,
        *,
        message: object = None,
    ) -> None:
        self.code = code
        self.errors: dict[str, list[str]] = {
            field: [str(m) for m in messages] for field, messages in (errors or {}).items()
        }
        if message is None:
            every = [m for messages in self.errors.values() for m in messages]
            message = every[0] if len(every) == 1 else self.several_message
            if not every:
                message = self.title
        self.message = str(message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def status(self) -> int:
        # Compared as text: a TextChoices member and its value are equal but hash differently.
        code = str(self.code)
        return next(
            (status for key, status in self.statuses.items() if str(key) == code),
            self.default_status,
        )

    @property
    def title(self) -> str:
        """The short description of the code (the problem's title)."""
        return str(getattr(self.code, "label", self.code))

    def api_field(self, field: str) -> str:
        return self.api_fields.get(field, field)

    def entry_code(self, field: str) -> str:
        return str(self.code)

    def api_errors(self) -> list[dict[str, Any]] | None:
        """One entry per message for the problem's ``errors`` (``None``: no ``errors`` member)."""
        return [
            {
                "field": self.api_field(field),
                "in": "body",
                "code": self.entry_code(field),
                "message": message,
            }
            for field, messages in self.errors.items()
            for message in messages
        ]


# --- the territory ----------------------------------------------------------------------------


class TerritoryErrorCode(models.TextChoices):
    FILE_UNREADABLE = "file_unreadable", _("File non leggibile")
    COMUNI_FILE_INVALID = "comuni_file_invalid", _("Elenco dei comuni non valido")
    DEMO_FILE_INVALID = "demo_file_invalid", _("Configurazione del territorio non valida")
    MUNICIPALITY_NOT_FOUND = "municipality_not_found", _("Comune non trovato")
    POPULATION_FILE_INVALID = "population_file_invalid", _("File della popolazione non valido")


class TerritoryError(DomainError):
    """A territory file cannot be loaded; ``problems`` lists every problem found, in order."""

    def __init__(self, code: TerritoryErrorCode, problems: Iterable[str]) -> None:
        self.problems = [str(p) for p in problems]
        super().__init__(
            code, {"file": self.problems}, message="\n".join(self.problems) or str(code.label)
        )

"""Stable codes for refused assessments and scores, and the errors that carry them."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class AssessmentErrorCode(models.TextChoices):
    # The API's generic validation code: clients already branch on it for these refusals.
    VALIDATION = "validation_error", _("Dati non validi")


class _ItemError(DomainError):
    """Errors keyed by item code, context key or field, one message each (``item_messages``);
    the API names items ``answers.<item>`` and context fields ``context.<key>``."""

    def __init__(
        self,
        errors: Mapping[str, str],
        *,
        message: object,
        answer_keys: frozenset[str] = frozenset(),
        context_keys: frozenset[str] = frozenset(),
    ) -> None:
        self.item_messages = {key: str(value) for key, value in errors.items()}
        # Which keys name an item of the answers, or a context field (the rest are fields).
        self.answer_keys = answer_keys
        self.context_keys = context_keys
        super().__init__(
            AssessmentErrorCode.VALIDATION,
            {key: [value] for key, value in self.item_messages.items()},
            message=message,
        )

    def api_field(self, field: str) -> str:
        if field in self.context_keys:
            return f"context.{field}"
        if field in self.answer_keys:
            return f"answers.{field}"
        return field


class ScoringError(_ItemError):
    """Answers or context that cannot be scored: each bad item code (or context key, or
    ``answers``/``context`` for the whole mapping) with an Italian message."""

    def __init__(
        self, errors: Mapping[str, str], *, context_keys: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(
            errors,
            message=_("Risposte incomplete o non valide."),
            answer_keys=frozenset(errors) - context_keys,
            context_keys=context_keys,
        )

    def entry_code(self, field: str) -> str:
        return "invalid_context" if field in self.context_keys else "invalid_answer"


class AssessmentError(_ItemError):
    """A refused assessment: each bad field or item code with an Italian message."""

    def __init__(
        self,
        errors: Mapping[str, str],
        *,
        answer_keys: frozenset[str] = frozenset(),
        context_keys: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(
            errors,
            message=_("La valutazione non è valida."),
            answer_keys=answer_keys,
            context_keys=context_keys,
        )

    def entry_code(self, field: str) -> str:
        return "invalid"

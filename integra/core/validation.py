"""Italian messages for pydantic's validation errors: one entry per bad field.

Used by the API's 422 answers (integra/api/errors.py) and by domain code that validates its
own data with pydantic (rule files, instrument definitions), so both speak the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}

# Messages for pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/);
# placeholders are filled from the error's ``ctx``. Unknown types keep pydantic's own message.
_MESSAGES: dict[str, Any] = {
    "missing": _("Campo obbligatorio."),
    "extra_forbidden": _("Campo non previsto."),
    "int_parsing": _("Deve essere un numero intero."),
    "int_type": _("Deve essere un numero intero."),
    "int_from_float": _("Deve essere un numero intero."),
    "float_parsing": _("Deve essere un numero."),
    "float_type": _("Deve essere un numero."),
    "decimal_parsing": _("Deve essere un numero decimale."),
    "decimal_type": _("Deve essere un numero decimale."),
    "bool_parsing": _("Deve essere vero o falso."),
    "bool_type": _("Deve essere vero o falso."),
    "string_type": _("Deve essere un testo."),
    "string_too_short": _("Deve contenere almeno %(min_length)s caratteri."),
    "string_too_long": _("Può contenere al massimo %(max_length)s caratteri."),
    "string_pattern_mismatch": _("Formato non valido."),
    "too_short": _("Deve contenere almeno %(min_length)s elementi."),
    "too_long": _("Può contenere al massimo %(max_length)s elementi."),
    "greater_than": _("Deve essere maggiore di %(gt)s."),
    "greater_than_equal": _("Deve essere maggiore o uguale a %(ge)s."),
    "less_than": _("Deve essere minore di %(lt)s."),
    "less_than_equal": _("Deve essere minore o uguale a %(le)s."),
    "date_parsing": _("Data non valida: usa il formato AAAA-MM-GG."),
    "date_from_datetime_parsing": _("Data non valida: usa il formato AAAA-MM-GG."),
    "date_type": _("Data non valida: usa il formato AAAA-MM-GG."),
    "datetime_parsing": _("Data e ora non valide: usa il formato ISO 8601."),
    "datetime_from_date_parsing": _("Data e ora non valide: usa il formato ISO 8601."),
    "datetime_type": _("Data e ora non valide: usa il formato ISO 8601."),
    "uuid_parsing": _("Identificativo non valido."),
    "uuid_type": _("Identificativo non valido."),
    "enum": _("Valore non ammesso. Valori ammessi: %(expected)s."),
    "literal_error": _("Valore non ammesso. Valori ammessi: %(expected)s."),
    "list_type": _("Deve essere un elenco."),
    "dict_type": _("Deve essere un oggetto."),
    "model_type": _("Deve essere un oggetto."),
    "model_attributes_type": _("Deve essere un oggetto."),
    "json_invalid": _("JSON non valido."),
    "json_type": _("JSON non valido."),
}


def _field_name(loc: Iterable[Any]) -> tuple[str, str]:
    """(location, dotted field name) from a django-ninja error ``loc``.

    django-ninja prefixes the source and, for a body, the name of the handler's parameter:
    ``("body", "payload", "address", "city")`` names the field ``address.city``.
    """
    parts = [str(p) for p in loc]
    source = parts[0] if parts and parts[0] in _SOURCES else ""
    rest = parts[1:] if source else parts
    if source == "body" and len(rest) > 1:
        rest = rest[1:]
    return source, ".".join(rest) or "-"


def _message(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind in {"value_error", "assertion_error"} and ctx.get("error"):
        # Our own validators raise ValueError with an Italian message: show it as it is.
        return str(ctx["error"])
    template = _MESSAGES.get(kind)
    if template is None:
        return str(err.get("msg", ""))
    text = str(template)
    if "%(" not in text:
        return text
    try:
        return text % dict(ctx)
    except (KeyError, TypeError, ValueError):
        return str(err.get("msg", ""))


def validation_errors(raw: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``{field, in, code, message}`` for each pydantic error of ``raw``."""
    errors = []
    for err in raw:
        location, field = _field_name(err.get("loc", ()))
        errors.append(
            {
                "field": field,
                "in": location,
                "code": str(err.get("type", "invalid")),
                "message": _message(err),
            }
        )
    return errors

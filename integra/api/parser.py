"""Request parsing for the whole API: NUL characters are refused at the door, and a body that
cannot be read at all is a 400.

PostgreSQL text columns cannot hold NUL (0x00): rather than each endpoint cleaning its input,
a body or query string that contains one is answered with a 422 naming where it was found.

Django reads a ``multipart/form-data`` body (``request.POST``, ``request.FILES``) lazily, the
first time authentication or a handler touches it: a body without a boundary, with a bad one,
with a broken part, too many fields or too much data raises there. :func:`unreadable_body` is
the API's answer to all of them (registered in integra/api/api.py), so every endpoint, present
and future, answers 400 problem+json instead of a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.types import DictStrAny

from integra.api.errors import ApiErrorCode, problem

NUL = "\x00"


def _nul_paths(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(value, str):
        return [path] if NUL in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            key_path = (*path, str(key).replace(NUL, ""))
            if NUL in str(key):
                found.append(key_path)
            found.extend(_nul_paths(item, key_path))
        return found
    if isinstance(value, list):
        return [
            p for index, item in enumerate(value) for p in _nul_paths(item, (*path, str(index)))
        ]
    return []


def _refuse(where: str, paths: list[tuple[str, ...]]) -> None:
    # A body error's loc carries the handler's parameter name after "body" (see
    # integra.api.errors._field_name); the parser does not know it, so it stands in with "_".
    prefix = (where, "_") if where == "body" else (where,)
    if paths:
        raise ValidationError(
            [
                {
                    "loc": (*prefix, *path),
                    "type": "nul_character",
                    "msg": _("Il testo contiene un carattere nullo (NUL), che non è ammesso."),
                }
                for path in paths
            ]
        )


class IntegraParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        _refuse("body", _nul_paths(data))
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        result = super().parse_querydict(data, list_fields, request)
        _refuse("query", _nul_paths(result))
        return result


# What Django raises while reading a body it cannot parse. SuspiciousOperation covers its size
# and count limits (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) and a multipart
# parser that got stuck; Django's own handler answers all of these 400 outside the API too.
UNREADABLE_BODY_ERRORS: tuple[type[Exception], ...] = (
    MultiPartParserError,
    UnreadablePostError,
    BadRequest,
    SuspiciousOperation,
)


def unreadable_body(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request,
        status=400,
        code=ApiErrorCode.BAD_REQUEST,
        detail=_(
            "Il corpo della richiesta non è leggibile: formato multipart/form-data non valido "
            "(manca il boundary o una parte è malformata), troppi campi o dati troppo grandi."
        ),
    )

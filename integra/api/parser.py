"""Request parsing for the whole API: NUL characters are refused at the door.

PostgreSQL text columns cannot hold NUL (0x00): rather than each endpoint cleaning its input,
a body or query string that contains one is answered with a 422 naming where it was found.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.types import DictStrAny

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

"""Pagination for list endpoints: ``{"count": n, "count_capped": b, "next": c, "items": [...]}``.

Cheap at any size (issue 11, measured at one million persons: an exact ``COUNT(*)`` over the
visible registry cost most of a list request):

- ``count`` is exact up to :data:`COUNT_CAP`; beyond it the answer says ``count_capped: true``
  and ``count`` is the cap (the database stops counting there);
- ``next`` is an opaque cursor for the page after this one (``null`` on the last page): pass it
  back as ``?after=`` and the database seeks straight to the next row by the list's own order
  (keyset pagination: the cost does not grow with the depth of the page, and a row inserted
  meanwhile does not shift the pages);
- ``offset`` stays for short jumps but is bounded by :data:`MAX_OFFSET`: deeper, use ``after``.

The cursor holds the ordering values of the page's last row, signed (a client cannot forge a
value of the wrong type into the query); it is only a position inside the same list, filtered
by the same access rules, so it reveals nothing the page did not show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase

from integra.core.paging import COUNT_CAP, capped_count

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10_000
_CURSOR_SALT = "integra.api.pagination.cursor"


class _ExactEncoder(DjangoJSONEncoder):
    """Dates, decimals and UUIDs as strings; datetimes to the microsecond (Django's encoder
    keeps milliseconds, and a cursor a microsecond early would repeat a row)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


class _JsonSerializer:
    def dumps(self, obj: Any) -> bytes:
        return _ExactEncoder(separators=(",", ":")).encode(obj).encode("latin-1")

    def loads(self, data: bytes) -> Any:
        return json.loads(data.decode("latin-1"))


@dataclass(frozen=True)
class OrderKey:
    path: str  # "family_names", "organization__name"
    descending: bool
    nullable: bool


def order_keys(queryset: QuerySet[Any]) -> list[OrderKey] | None:
    """The list's order as keys a cursor can seek by, ending with the primary key (added when
    missing, so that the order is total); ``None`` when the order is not made of fields."""
    model = queryset.model
    ordering = list(queryset.query.order_by or model._meta.ordering or [])
    keys: list[OrderKey] = []
    for item in ordering:
        if isinstance(item, OrderBy) or not isinstance(item, str) or item == "?":
            return None
        descending = item.startswith("-")
        path = item.lstrip("-+")
        if path == "pk":
            path = model._meta.pk.name
        nullable = _nullable(model, path)
        if nullable is None:
            return None
        keys.append(OrderKey(path, descending, nullable))
    pk = model._meta.pk.name
    if not any(key.path == pk for key in keys):
        keys.append(OrderKey(pk, keys[-1].descending if keys else False, False))
    return keys


def _nullable(model: type[Model], path: str) -> bool | None:
    """Whether ``path`` may be NULL (a nullable field or a nullable relation on the way);
    ``None`` when it is not a plain field path (an annotation, say)."""
    nullable = False
    current = model
    parts = path.split("__")
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        nullable = nullable or bool(getattr(field, "null", False))
        if index < len(parts) - 1:
            if not field.is_relation or field.related_model is None:
                return None
            current = field.related_model
        elif field.is_relation and not field.many_to_one and not field.one_to_one:
            return None
    return nullable


def seek_after(keys: list[OrderKey], values: list[Any]) -> Q:
    """The rows strictly after the row whose ordering values are ``values``, in ``keys``' order
    (PostgreSQL puts NULLs last ascending and first descending)."""
    key, value = keys[0], values[0]
    rest = seek_after(keys[1:], values[1:]) if len(keys) > 1 else None
    same = Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})
    if value is None:
        beyond = Q(**{f"{key.path}__isnull": False}) if key.descending else None
    elif key.descending:
        beyond = Q(**{f"{key.path}__lt": value})
    else:
        beyond = Q(**{f"{key.path}__gt": value})
        if key.nullable:
            beyond |= Q(**{f"{key.path}__isnull": True})
    tied = same & rest if rest is not None else None
    if beyond is None and tied is None:
        return Q(pk__in=[])
    if beyond is None:
        return tied  # type: ignore[return-value]
    return beyond | tied if tied is not None else beyond


def _row_values(queryset: QuerySet[Any], keys: list[OrderKey], row: Any) -> list[Any]:
    """The ordering values of ``row``: from the object when every key is its own field,
    otherwise one query for that row alone."""
    if isinstance(row, Model) and all("__" not in key.path for key in keys):
        return [getattr(row, row._meta.get_field(key.path).attname) for key in keys]  # type: ignore[union-attr]
    pk = row.pk if isinstance(row, Model) else row["id"]
    found = queryset.model._default_manager.filter(pk=pk).values_list(*(k.path for k in keys))
    return list(found.get())


def cursor_encode(values: list[Any]) -> str:
    return signing.dumps(values, salt=_CURSOR_SALT, serializer=_JsonSerializer, compress=True)


def cursor_decode(cursor: str, length: int) -> list[Any]:
    try:
        values = signing.loads(cursor, salt=_CURSOR_SALT, serializer=_JsonSerializer)
    except (signing.BadSignature, ValueError, UnicodeError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise ValidationError(
            [
                {
                    "loc": ("query", "after"),
                    "type": "invalid_cursor",
                    "msg": _(
                        "Cursore non valido: usa il valore «next» della pagina precedente "
                        "di questo stesso elenco."
                    ),
                }
            ]
        )
    return values


class LimitOffset(PaginationBase):
    """The shared pagination of every list endpoint (see the module docstring)."""

    class Input(Schema):
        limit: int = Field(
            DEFAULT_LIMIT,
            ge=1,
            le=MAX_LIMIT,
            description=f"Quanti elementi restituire (da 1 a {MAX_LIMIT}).",
        )
        offset: int = Field(
            0,
            ge=0,
            le=MAX_OFFSET,
            description=f"Quanti elementi saltare dall'inizio (al massimo {MAX_OFFSET}: più "
            "avanti si prosegue con «after»). Ignorato se c'è «after».",
        )
        after: str | None = Field(
            None,
            max_length=2000,
            description="Il cursore «next» della pagina precedente: la pagina che segue, per "
            "quanto lontana (paginazione per chiave).",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(
            description=f"Quanti elementi ha l'elenco, contati fino a {COUNT_CAP}: oltre, "
            f"«count» vale {COUNT_CAP} e «count_capped» è vero."
        )
        count_capped: bool = Field(
            description=f"Vero se l'elenco ha più di {COUNT_CAP} elementi (il conteggio si "
            "ferma lì)."
        )
        next: str | None = Field(
            description="Cursore della pagina seguente, da passare come «after»; nullo "
            "all'ultima pagina."
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        items, count, next_cursor = self.page(queryset, pagination)
        return {
            "items": items,
            "count": min(count, COUNT_CAP),
            "count_capped": count > COUNT_CAP,
            "next": next_cursor,
        }

    def page(self, queryset: Any, pagination: Any) -> tuple[list[Any], int, str | None]:
        """The page's items, the capped count and the cursor of the next page."""
        limit = pagination.limit
        if not isinstance(queryset, QuerySet):
            rows = list(queryset)
            start = pagination.offset
            return rows[start : start + limit], len(rows), None
        keys = order_keys(queryset)
        ordered = queryset.order_by(*(("-" if k.descending else "") + k.path for k in keys or []))
        if keys is None:
            ordered = queryset
        if pagination.after:
            if keys is None:
                raise ValidationError(
                    [
                        {
                            "loc": ("query", "after"),
                            "type": "invalid_cursor",
                            "msg": _("Questo elenco si scorre solo con «offset»."),
                        }
                    ]
                )
            values = cursor_decode(pagination.after, len(keys))
            window = ordered.filter(seek_after(keys, values))
            rows = list(window[: limit + 1])
        else:
            start = pagination.offset
            rows = list(ordered[start : start + limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more and keys is not None and rows:
            next_cursor = cursor_encode(_row_values(queryset, keys, rows[-1]))
        return rows, capped_count(queryset), next_cursor

"""Limit/offset pagination for list endpoints: ``{"count": n, "items": [...]}``.

Bounded on both sides so that a huge ``offset`` or ``limit`` is a 422 naming the parameter,
not a database error (PostgreSQL refuses an OFFSET beyond bigint).
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


class LimitOffset(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            DEFAULT_LIMIT,
            ge=1,
            le=MAX_LIMIT,
            description=f"Quanti elementi restituire (da 1 a {MAX_LIMIT}).",
        )
        offset: int = Field(
            0, ge=0, le=MAX_OFFSET, description="Quanti elementi saltare dall'inizio."
        )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)  # type: ignore[arg-type]

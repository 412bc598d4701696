"""Counting and paging that stay cheap however long a list grows (issue 11).

An exact ``COUNT(*)`` over a large registry costs more than the page it labels; the database
stops counting at ``COUNT_CAP + 1`` rows, and the page says "more than" instead. Pages of the
web interface go up to the cap (filters narrow a longer list); the API also pages by cursor
(integra/api/pagination.py).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet

COUNT_CAP = 1_000


def capped_count(queryset: QuerySet[Any]) -> int:
    """``queryset.count()``, but no more than ``COUNT_CAP + 1`` (that value means "more than")."""
    return queryset.order_by()[: COUNT_CAP + 1].count()


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``COUNT_CAP + 1``: ``capped`` tells the page to say
    "more than", and the pages reach as far as the cap."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return capped_count(self.object_list)
        return len(self.object_list)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def cap(self) -> int:
        return COUNT_CAP

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, math.ceil(min(self.count, COUNT_CAP) / self.per_page))

"""Querysets compiled once per shape, then run with each call's values.

Compiling a queryset that goes through the access scopes (Exists subqueries, consent lookups)
costs milliseconds of Python on every call, more than the database needs to answer it. A
``PreparedQuery`` builds its queryset once per *shape* — whatever decides which SQL comes out,
e.g. the actor's permissions and the day — with stand-in values (sentinels) for the values that
change from call to call (ids), finds the stand-ins among the compiled parameters, and from then
on executes the same SQL with the call's values in their place, turning the rows into model
instances as the ORM does (``select_related`` and annotations included).

The contract of a builder: the SQL may depend only on the shape key and on the values named,
and each value must reach the SQL as a parameter of its own. A stand-in found in the SQL text
or inside a list parameter, a prefetch, or a query that compiles to nothing, makes the query
fall back to a plain ORM evaluation for that shape — slower, never wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=models.Model)

# Stand-ins for the values: negative bigints no row of ours has as a key.
_SENTINEL_BASE = -7_318_246_000_000_000


@dataclass(frozen=True)
class _Template:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position among the parameters, value name)
    compiler: SQLCompiler


class PreparedQuery(Generic[M]):
    """Templates of one query, by shape: ``run(shape, build, **values)`` returns the rows of
    ``build(**values)``, compiling ``build`` (with stand-ins) only the first time a shape is
    seen in this process."""

    def __init__(self, *names: str) -> None:
        self.names = names
        self._templates: dict[Hashable, _Template | None] = {}
        self._lock = threading.Lock()

    def run(
        self,
        shape: Hashable,
        build: Callable[..., models.QuerySet[M]],
        *,
        using: str = "default",
        **values: int,
    ) -> list[M]:
        key = (using, shape)
        with self._lock:
            known = key in self._templates
            template = self._templates.get(key)
        if not known:
            template = self._compile(build, using)
            with self._lock:
                self._templates[key] = template
        if template is None:
            return list(build(**values))
        params = list(template.params)
        for position, name in template.slots:
            params[position] = type(params[position])(values[name])
        with connections[using].cursor() as cursor:
            cursor.execute(template.sql, params)
            rows = cursor.fetchall()
        return _hydrate(template.compiler, rows, using)

    def _compile(self, build: Callable[..., models.QuerySet[M]], using: str) -> _Template | None:
        stand_ins = {name: _SENTINEL_BASE - number for number, name in enumerate(self.names)}
        queryset = build(**stand_ins)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
            return None
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        by_value = {value: name for name, value in stand_ins.items()}
        slots = []
        for position, param in enumerate(params):
            if isinstance(param, int) and not isinstance(param, bool) and param in by_value:
                slots.append((position, by_value[param]))
            elif isinstance(param, list | tuple) and any(
                isinstance(item, int) and item in by_value for item in param
            ):
                return None
        if any(str(value) in sql for value in stand_ins.values()):
            return None
        return _Template(sql=sql, params=tuple(params), slots=tuple(slots), compiler=compiler)


def _hydrate(compiler: SQLCompiler, rows: list[tuple[Any, ...]], using: str) -> list[Any]:
    """Model instances from ``rows``, as ``django.db.models.query.ModelIterable`` makes them."""
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    related_populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
    annotations = compiler.annotation_col_map or {}
    width = compiler.col_count
    objects = []
    for row in compiler.results_iter([[row[:width] for row in rows]]):
        obj = model_cls.from_db(using, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        for name, position in annotations.items():
            setattr(obj, name, row[position])
        objects.append(obj)
    return objects


def set_prefetched(instance: models.Model, relation: str, objects: list[Any]) -> None:
    """Give ``instance`` the related ``objects`` as if ``prefetch_related(relation)`` had read
    them (``instance.<relation>.all()`` then runs no query)."""
    queryset = getattr(instance, relation).get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is None:
        cache = instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    cache[relation] = queryset

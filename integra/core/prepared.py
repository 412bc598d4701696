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

import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import psycopg
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
    hydration: _Hydration


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
        rows = prepared_rows(template.sql, params, using=using)
        return template.hydration.objects(rows, using)

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
        return _Template(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            compiler=compiler,
            hydration=_Hydration.of(compiler, using),
        )


def prepared_rows(
    sql: str, params: Sequence[Any], *, using: str = "default"
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` run as a server-side prepared statement of this connection.

    The ORM's cursors bind values on the client: every call sends the whole SQL text with the
    values in it, and PostgreSQL plans it again (1.3 ms for the person detail at a million
    persons, five times the 0.24 ms of running it). A hot statement of fixed text is instead
    prepared once per connection (psycopg's ``prepare=True``, values bound by the server) and
    then only executed. The statement goes through the connection's execute wrappers, is in
    ``connection.queries`` when queries are logged (DEBUG, the tests' query counts), and its
    errors are Django's own.

    Statements that begin with SELECT only (a function that writes, such as the access-log
    append, included): django-pghistory prefixes its context to other statements, and a
    prepared statement holds one command.

    Behind a connection pooler in transaction mode, statements prepared this way need one that
    keeps them per client (PgBouncer 1.21 or later with ``max_prepared_statements``).
    """
    wrapper = connections[using]
    with wrapper.cursor():  # connects, and sets the connection's time zone loaders
        pass
    start = time.monotonic()
    with wrapper.wrap_database_errors, psycopg.Cursor(wrapper.connection) as cursor:

        def execute(sql: str, params: Sequence[Any], many: bool, context: Any) -> None:
            cursor.execute(sql, params, prepare=True)

        # Through the connection's execute wrappers, as every ORM statement (instrumentation
        # such as bench/bare_api.py's capture sees it; django-pghistory leaves a SELECT alone).
        for outer in reversed(wrapper.execute_wrappers):
            execute = functools.partial(outer, execute)
        execute(sql, params, False, {"connection": wrapper, "cursor": cursor})
        # (not ``cursor.description``: it builds a column object per column on every call)
        rows = cursor.fetchall() if cursor.pgresult and cursor.pgresult.ntuples else []
    if wrapper.queries_logged:
        wrapper.queries_log.append(
            {"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - start:.3f}"}
        )
    return rows


@dataclass(frozen=True)
class _Hydration:
    """How rows of a compiled query become model instances, as
    ``django.db.models.query.ModelIterable`` makes them — worked out once per template (the
    converters and populators depend only on the compiled query)."""

    compiler: SQLCompiler
    model: type[models.Model]
    init_list: tuple[str, ...]
    start: int
    end: int
    width: int
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]
    converters: dict[int, Any]

    @classmethod
    def of(cls, compiler: SQLCompiler, using: str) -> _Hydration:
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        width = compiler.col_count or 0
        return cls(
            compiler=compiler,
            model=klass_info["model"],
            init_list=tuple(column[0].target.attname for column in select[start:end]),
            start=start,
            end=end,
            width=width,
            populators=tuple(get_related_populators(klass_info, select, using)),  # type: ignore[call-arg]
            annotations=tuple((compiler.annotation_col_map or {}).items()),
            converters=compiler.get_converters([column[0] for column in select[:width]]),
        )

    def objects(self, rows: list[tuple[Any, ...]], using: str) -> list[Any]:
        values: Iterable[Any] = (row[: self.width] for row in rows)
        if self.converters:
            values = self.compiler.apply_converters(values, self.converters)
        objects = []
        for row in values:
            obj = self.model.from_db(using, list(self.init_list), row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
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
